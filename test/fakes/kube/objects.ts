// The fake API server's object model: Kubernetes objects as plain JSON values, the resources it
// serves (group, version, kind, scope, subresources) and the Status errors it answers with.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  finalizers?: string[];
  [k: string]: unknown;
}

/** Any object the fake stores. Fields other than metadata are the kind's own. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** A resource the fake serves. */
export interface ResourceDef {
  group: string;
  version: string;
  /** Plural, lowercase: 'pods'. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: string[];
  /** Has `spec` whose changes bump metadata.generation. */
  generation: boolean;
  /** Only `create` (reviews): nothing is stored. */
  createOnly?: boolean;
}

export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

const STD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export function verbsOf(def: ResourceDef): string[] {
  return def.createOnly ? ['create'] : STD;
}

function def(group: string, version: string, resource: string, kind: string, namespaced: boolean, o: Partial<ResourceDef> = {}): ResourceDef {
  return {
    group, version, resource, kind, namespaced,
    singular: kind.toLowerCase(), shortNames: [], subresources: [], generation: false, ...o,
  };
}

/** Everything the fake serves, by `${group}/${resource}` ('' group for core). */
export const RESOURCES: ResourceDef[] = [
  def('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status'] }),
  def('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  def('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'], subresources: ['status', 'log', 'exec', 'binding', 'eviction'] }),
  def('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  def('', 'v1', 'secrets', 'Secret', true),
  def('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  def('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], subresources: ['status'] }),
  def('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  def('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], subresources: ['status'] }),
  def('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], subresources: ['status', 'scale'], generation: true }),
  def('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], subresources: ['status', 'scale'], generation: true }),
  def('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  def('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  def('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { createOnly: true }),
  def('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, { createOnly: true }),
  // What the OpenShift Pipeline plugin's steps touch (openshift.ts: instantiate, the DeploymentConfig controller).
  def('', 'v1', 'replicationcontrollers', 'ReplicationController', true, { shortNames: ['rc'], subresources: ['status', 'scale'], generation: true }),
  def('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  def('apps.openshift.io', 'v1', 'deploymentconfigs', 'DeploymentConfig', true, { shortNames: ['dc'], subresources: ['status', 'scale', 'instantiate'], generation: true }),
  def('build.openshift.io', 'v1', 'buildconfigs', 'BuildConfig', true, { shortNames: ['bc'], subresources: ['instantiate'] }),
  def('build.openshift.io', 'v1', 'builds', 'Build', true, { subresources: ['status'] }),
  def('image.openshift.io', 'v1', 'imagestreams', 'ImageStream', true, { shortNames: ['is'] }),
];

export const GROUP_VERSIONS: { group: string; version: string }[] = [
  ...new Map(RESOURCES.filter((r) => r.group).map((r) => [r.group, { group: r.group, version: r.version }])).values(),
];

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function resourceByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

export function resourceKey(def: Pick<ResourceDef, 'group' | 'resource'>): string {
  return `${def.group}/${def.resource}`;
}

// ---------------------------------------------------------------------------------------------
// Errors as the API server writes them (metav1.Status)

export interface StatusCause { reason?: string; message?: string; field?: string }

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number } | undefined;
  constructor(code: number, reason: string, message: string, details?: ApiError['details']) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): JsonObject {
    const s: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason };
    if (this.details) s.details = JSON.parse(JSON.stringify(this.details)) as JsonObject;
    s.code = this.code;
    return s;
  }
}

/** `pods`, or `deployments.apps`: how the server names a resource in its messages. */
export function qualified(def: Pick<ResourceDef, 'group' | 'resource'>): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}

const CAUSE_REASONS: Record<string, string> = {
  'Required value': 'FieldValueRequired', 'Invalid value': 'FieldValueInvalid', Forbidden: 'FieldValueForbidden',
  'Unsupported value': 'FieldValueNotSupported', 'Duplicate value': 'FieldValueDuplicate',
};

export const errors = {
  notFound: (def: Pick<ResourceDef, 'group' | 'resource'>, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(def)} "${name}" not found`, { name, group: def.group, kind: def.resource }),
  alreadyExists: (def: Pick<ResourceDef, 'group' | 'resource'>, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(def)} "${name}" already exists`, { name, group: def.group, kind: def.resource }),
  conflict: (def: Pick<ResourceDef, 'group' | 'resource'>, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(def)} "${name}": ${why}`, { name, group: def.group, kind: def.resource }),
  invalid: (def: Pick<ResourceDef, 'group' | 'kind'>, name: string, causes: { field: string; type: string; detail: string; value?: unknown }[]) => {
    const parts = causes.map((c) => `${c.field}: ${c.type}${c.value !== undefined ? `: ${JSON.stringify(c.value)}` : ''}${c.detail ? `: ${c.detail}` : ''}`);
    const msg = `${def.kind}${def.group ? `.${def.group}` : ''} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
    return new ApiError(422, 'Invalid', msg, {
      name, group: def.group, kind: def.kind,
      causes: causes.map((c) => ({ reason: CAUSE_REASONS[c.type] ?? 'FieldValueInvalid', message: `${c.type}${c.detail ? `: ${c.detail}` : ''}`, field: c.field })),
    });
  },
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') => new ApiError(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (type: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${type})`),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  pathNotFound: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource'),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
};
