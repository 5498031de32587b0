// The API semantics behind the HTTP layer: create / get / list / update / patch / delete with the
// API server's defaulting, validation, resourceVersion preconditions, generation, status
// subresources, graceful deletion and finalizers; events as the kubelet and scheduler write them.
// Pods are handed to the pod manager (pods.ts), Deployments to the mini controller (apps.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  ApiError, clone, errors, findResource, RESOURCES, isPlainObject, qualified, resourceKey, apiVersionOf,
  type KObject, type ResourceDef,
} from './objects.ts';
import { jsonPatch, mergePatch, pruneApplied, strategicMergePatch } from './patch.ts';
import { Store } from './store.ts';
import { decodeStrictly } from './schema.ts';

export const core = (resource: string): ResourceDef => findResource('', 'v1', resource)!;
export const apps = (resource: string): ResourceDef => findResource('apps', 'v1', resource)!;

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function nowMicro(): string {
  return new Date().toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  const b = randomBytes(n);
  return [...b].map((x) => NAME_CHARS[x % NAME_CHARS.length]).join('');
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type Cause = { field: string; type: string; detail: string; value?: unknown };

function validateMeta(def: ResourceDef, o: KObject, causes: Cause[]): void {
  const name = o.metadata.name ?? '';
  const re = def.resource === 'namespaces' || def.resource === 'services' ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (!name) causes.push({ field: 'metadata.name', type: 'Required value', detail: 'name or generateName is required' });
  else if (!re.test(name) || name.length > (re === DNS1123_LABEL ? 63 : 253)) {
    causes.push(re === DNS1123_LABEL
      ? { field: 'metadata.name', type: 'Invalid value', value: name, detail: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" }
      : { field: 'metadata.name', type: 'Invalid value', value: name, detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" });
  }
  validateLabels(o.metadata.labels, 'metadata.labels', causes);
  for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) {
    if (typeof v !== 'string') causes.push({ field: `metadata.annotations`, type: 'Invalid value', value: v, detail: `annotation ${k} must be a string` });
  }
}

export function validateLabels(labels: unknown, field: string, causes: Cause[]): void {
  if (labels === undefined || labels === null) return;
  if (!isPlainObject(labels)) {
    causes.push({ field, type: 'Invalid value', value: labels, detail: 'must be a map of strings' });
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : '';
    const nm = slash >= 0 ? k.slice(slash + 1) : k;
    if ((slash >= 0 && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253)) || !LABEL_NAME.test(nm) || nm.length > 63) {
      causes.push({ field, type: 'Invalid value', value: k, detail: "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')" });
    }
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) {
      causes.push({ field, type: 'Invalid value', value: v, detail: typeof v === 'string' && v.length > 63 ? 'must be no more than 63 characters' : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')" });
    }
  }
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Container defaults the API server applies (imagePullPolicy from the tag, termination message). */
function defaultContainers(spec: Obj): void {
  for (const field of ['initContainers', 'containers']) {
    for (const c of asList(spec[field])) {
      if (!isPlainObject(c)) continue;
      if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
        const tagged = /:[^/]+$/.test(c.image.replace(/@.*$/, ''));
        c.imagePullPolicy = c.image.includes('@') ? 'IfNotPresent' : !tagged || c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
      }
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
    }
  }
}

export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName === undefined) spec.serviceAccountName = typeof spec.serviceAccount === 'string' ? spec.serviceAccount : 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  defaultContainers(spec);
}

function validatePodSpec(spec: Obj, at: string, causes: Cause[]): void {
  const volumes = new Set(asList(spec.volumes).map((v) => asObj(v).name));
  const containers = asList(spec.containers);
  if (containers.length === 0) causes.push({ field: `${at}.containers`, type: 'Required value', detail: '' });
  const names = new Set<string>();
  for (const field of ['initContainers', 'containers']) {
    asList(spec[field]).forEach((raw, i) => {
      const c = asObj(raw);
      const f = `${at}.${field}[${i}]`;
      if (typeof c.name !== 'string' || c.name === '') causes.push({ field: `${f}.name`, type: 'Required value', detail: '' });
      else if (!DNS1123_LABEL.test(c.name)) causes.push({ field: `${f}.name`, type: 'Invalid value', value: c.name, detail: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" });
      else if (names.has(c.name)) causes.push({ field: `${f}.name`, type: 'Duplicate value', value: c.name, detail: '' });
      else names.add(c.name);
      if (typeof c.image !== 'string' || c.image.trim() === '') causes.push({ field: `${f}.image`, type: 'Required value', detail: '' });
      asList(c.volumeMounts).forEach((m, j) => {
        const name = asObj(m).name;
        if (!volumes.has(name)) causes.push({ field: `${f}.volumeMounts[${j}].name`, type: 'Not found', value: name, detail: '' });
        if (typeof asObj(m).mountPath !== 'string' || asObj(m).mountPath === '') causes.push({ field: `${f}.volumeMounts[${j}].mountPath`, type: 'Required value', detail: '' });
      });
      asList(c.env).forEach((e, j) => {
        const name = asObj(e).name;
        if (typeof name !== 'string' || name === '') causes.push({ field: `${f}.env[${j}].name`, type: 'Required value', detail: '' });
      });
    });
  }
  if (!['Always', 'OnFailure', 'Never'].includes(String(spec.restartPolicy))) {
    causes.push({ field: `${at}.restartPolicy`, type: 'Unsupported value', value: spec.restartPolicy, detail: 'supported values: "Always", "OnFailure", "Never"' });
  }
}

/** Pod spec fields an update may change (the API server's rule). */
function podSpecChangeForbidden(before: Obj, after: Obj): boolean {
  const strip = (s: Obj) => {
    const c = clone(s);
    delete c.activeDeadlineSeconds;
    delete c.tolerations;
    delete c.terminationGracePeriodSeconds;
    delete c.schedulingGates;
    for (const f of ['containers', 'initContainers']) for (const x of asList(c[f])) if (isPlainObject(x)) delete x.image;
    return JSON.stringify(sortKeys(c));
  };
  return strip(before) !== strip(after);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}

export interface Hooks {
  /** A pod was stored: start running it. */
  podCreated?(pod: KObject): void;
  /**
   * A pod's deletion was asked: answer 'now' to remove the object at once, or a promise that
   * settles when its containers are stopped (the object is then removed).
   */
  podDeleting?(pod: KObject, gracePeriodSeconds: number): Promise<void> | 'now';
  /** A Deployment was created or its spec changed. */
  deploymentChanged?(d: KObject): void;
}

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string | null;
  /** Strict, Warn (default) or Ignore: what an unknown field does (schema.ts). */
  fieldValidation?: string | null;
  /** Collects the unknown fields dropped (for the Warning header). */
  warnings?: string[];
}

export class Cluster {
  readonly store: Store;
  hooks: Hooks = {};
  nodeName = 'kiln-fake-node';
  /** Deletions in progress (graceful pods, namespaces). */
  readonly pending = new Set<Promise<unknown>>();
  #serviceIp = 10;

  constructor(store: Store) {
    this.store = store;
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => {});
    return p;
  }

  // -------------------------------------------------------------------------------------------
  // reads

  get(def: ResourceDef, ns: string | null, name: string): KObject {
    const o = this.store.peek(def, def.namespaced ? ns : null, name);
    if (!o) throw errors.notFound(def, name);
    return clone(o);
  }

  find(def: ResourceDef, ns: string | null, name: string): KObject | undefined {
    const o = this.store.peek(def, def.namespaced ? ns : null, name);
    return o ? clone(o) : undefined;
  }

  list(def: ResourceDef, ns: string | null): KObject[] {
    return this.store.peekAll(def, def.namespaced ? ns : null).map(clone)
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  #requireNamespace(def: ResourceDef, ns: string | null, name: string): void {
    if (!def.namespaced) return;
    if (!ns) throw errors.badRequest('the server could not find the requested resource (a namespace is required)');
    const n = this.store.peek(core('namespaces'), null, ns);
    if (!n) throw errors.notFound(core('namespaces'), ns);
    if (n.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${qualified(def)} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, { kind: def.resource, group: def.group, name });
    }
  }

  // -------------------------------------------------------------------------------------------
  // writes

  create(def: ResourceDef, ns: string | null, body: unknown, o: WriteOptions = {}): KObject {
    if (!isPlainObject(body) || !isPlainObject(body.metadata ?? {})) throw errors.badRequest('the body of the request must be an object');
    const obj = clone(body) as KObject;
    obj.metadata = asObj(obj.metadata) as KObject['metadata'];
    if (obj.kind !== undefined && obj.kind !== def.kind) throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`);
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    o.warnings?.push(...decodeStrictly(def.kind, obj, o.fieldValidation ?? null));
    if (def.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = ns ?? obj.metadata.namespace ?? 'default';
    } else delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    const causes: Cause[] = [];
    validateMeta(def, obj, causes);
    if (obj.metadata.resourceVersion) causes.push({ field: 'metadata.resourceVersion', type: 'Invalid value', value: obj.metadata.resourceVersion, detail: 'must be empty' });
    this.#defaultAndValidate(def, obj, null, causes);
    if (causes.length) throw errors.invalid(def, obj.metadata.name ?? '', causes);
    this.#requireNamespace(def, obj.metadata.namespace ?? null, obj.metadata.name!);
    if (this.store.peek(def, obj.metadata.namespace ?? null, obj.metadata.name!)) throw errors.alreadyExists(def, obj.metadata.name!);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = now();
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    if (def.generation) obj.metadata.generation = 1;
    if (o.dryRun) return obj;
    const stored = this.store.write(def, obj, 'ADDED');
    if (def.resource === 'pods') this.hooks.podCreated?.(stored);
    if (def.resource === 'deployments') this.hooks.deploymentChanged?.(stored);
    return stored;
  }

  #defaultAndValidate(def: ResourceDef, obj: KObject, old: KObject | null, causes: Cause[]): void {
    switch (def.resource) {
      case 'pods': {
        const spec = asObj(obj.spec);
        obj.spec = spec;
        defaultPodSpec(spec);
        validatePodSpec(spec, 'spec', causes);
        if (!old) {
          const containers = asList(spec.containers).map(asObj);
          const qos = containers.every((c) => { const r = asObj(c.resources); return Object.keys(asObj(r.requests)).length === 0 && Object.keys(asObj(r.limits)).length === 0; })
            ? 'BestEffort'
            : containers.every((c) => { const r = asObj(c.resources); const l = asObj(r.limits); return l.cpu !== undefined && l.memory !== undefined && Object.entries(asObj(r.requests)).every(([k, v]) => l[k] === v); })
              ? 'Guaranteed' : 'Burstable';
          obj.status = { phase: 'Pending', qosClass: qos };
        } else if (podSpecChangeForbidden(asObj(old.spec), spec)) {
          causes.push({ field: 'spec', type: 'Forbidden', detail: 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' });
        }
        break;
      }
      case 'deployments': case 'replicasets': {
        const spec = asObj(obj.spec);
        obj.spec = spec;
        spec.replicas ??= 1;
        spec.revisionHistoryLimit ??= 10;
        if (def.resource === 'deployments') {
          spec.progressDeadlineSeconds ??= 600;
          spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
        }
        const template = asObj(spec.template);
        spec.template = template;
        template.metadata = asObj(template.metadata);
        const tspec = asObj(template.spec);
        template.spec = tspec;
        defaultPodSpec(tspec);
        validatePodSpec(tspec, 'spec.template.spec', causes);
        const selector = asObj(spec.selector);
        const tlabels = asObj(asObj(template.metadata).labels);
        validateLabels(tlabels, 'spec.template.metadata.labels', causes);
        if (!isPlainObject(spec.selector)) causes.push({ field: 'spec.selector', type: 'Required value', detail: '' });
        else if (Object.entries(asObj(selector.matchLabels)).some(([k, v]) => tlabels[k] !== v)) {
          causes.push({ field: 'spec.template.metadata.labels', type: 'Invalid value', value: tlabels, detail: '`selector` does not match template `labels`' });
        }
        if (old && JSON.stringify(sortKeys(asObj(old.spec).selector)) !== JSON.stringify(sortKeys(spec.selector))) {
          causes.push({ field: 'spec.selector', type: 'Invalid value', value: spec.selector, detail: 'field is immutable' });
        }
        if (!old) obj.status ??= {};
        break;
      }
      case 'secrets': {
        const data = asObj(obj.data);
        for (const [k, v] of Object.entries(asObj(obj.stringData))) data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
        for (const [k, v] of Object.entries(data)) {
          if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) causes.push({ field: `data[${k}]`, type: 'Invalid value', value: '<secret contents redacted>', detail: 'illegal base64 data' });
        }
        if (Object.keys(data).length || obj.data !== undefined) obj.data = data;
        obj.type ??= 'Opaque';
        if (old && old.type !== obj.type) causes.push({ field: 'type', type: 'Invalid value', value: obj.type, detail: 'field is immutable' });
        break;
      }
      case 'namespaces': {
        obj.spec = { finalizers: ['kubernetes'], ...asObj(obj.spec) };
        obj.status = old ? old.status : { phase: 'Active' };
        obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
        break;
      }
      case 'services': {
        const spec = asObj(obj.spec);
        obj.spec = spec;
        spec.type ??= 'ClusterIP';
        spec.sessionAffinity ??= 'None';
        if (!old) {
          spec.clusterIP ??= `10.96.${Math.floor(this.#serviceIp / 250)}.${(this.#serviceIp++ % 250) + 1}`;
          spec.clusterIPs = [spec.clusterIP as string];
        } else {
          spec.clusterIP = asObj(old.spec).clusterIP;
          spec.clusterIPs = asObj(old.spec).clusterIPs;
        }
        for (const p of asList(spec.ports)) if (isPlainObject(p)) { p.protocol ??= 'TCP'; p.targetPort ??= p.port; }
        obj.status ??= { loadBalancer: {} };
        break;
      }
      case 'events': {
        obj.count ??= 1;
        break;
      }
      default: break;
    }
  }

  /**
   * Replaces an object (PUT): the resourceVersion, when given, must be the current one. With
   * subresource 'status' only the status changes; otherwise the status of kinds that have a
   * status subresource is kept.
   */
  update(def: ResourceDef, ns: string | null, name: string, body: unknown, o: WriteOptions = {}): KObject {
    if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be an object');
    const current = this.store.peek(def, def.namespaced ? ns : null, name);
    if (!current) throw errors.notFound(def, name);
    const obj = clone(body) as KObject;
    obj.metadata = asObj(obj.metadata) as KObject['metadata'];
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '' && obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(def, name);
    }
    if (obj.metadata.uid && obj.metadata.uid !== current.metadata.uid) {
      throw errors.conflict(def, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    return this.#replace(def, current, obj, o);
  }

  #replace(def: ResourceDef, current: KObject, obj: KObject, o: WriteOptions): KObject {
    const name = current.metadata.name!;
    let next: KObject;
    if (o.subresource === 'status') {
      next = clone(current);
      next.status = clone(obj.status);
    } else {
      next = obj;
      next.apiVersion = apiVersionOf(def);
      next.kind = def.kind;
      o.warnings?.push(...decodeStrictly(def.kind, next, o.fieldValidation ?? null));
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace'] as const) {
        if (current.metadata[k] === undefined) delete next.metadata[k];
        else (next.metadata as Record<string, unknown>)[k] = current.metadata[k];
      }
      next.metadata.name = name;
      if (def.subresources.includes('status')) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
      const causes: Cause[] = [];
      validateMeta(def, next, causes);
      this.#defaultAndValidate(def, next, current, causes);
      if (causes.length) throw errors.invalid(def, name, causes);
      if (def.generation && JSON.stringify(sortKeys(next.spec)) !== JSON.stringify(sortKeys(current.spec))) {
        next.metadata.generation = (current.metadata.generation ?? 1) + 1;
      }
      if (current.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length > (current.metadata.finalizers ?? []).length) {
        throw errors.invalid(def, name, [{ field: 'metadata.finalizers', type: 'Forbidden', detail: 'no new finalizers can be added if the object is being deleted' }]);
      }
    }
    if (o.dryRun) return next;
    if (JSON.stringify(sortKeys({ ...next, metadata: { ...next.metadata, resourceVersion: '' } })) === JSON.stringify(sortKeys({ ...current, metadata: { ...current.metadata, resourceVersion: '' } }))) {
      return clone(current); // no change: no new resourceVersion, no event (as the real server)
    }
    const stored = this.store.write(def, next, 'MODIFIED');
    if (stored.metadata.deletionTimestamp && (stored.metadata.finalizers ?? []).length === 0 && this.#finalizerWait.has(this.#id(def, stored))) {
      this.#finalizerWait.get(this.#id(def, stored))!();
    }
    if (def.resource === 'deployments' && o.subresource !== 'status' && stored.metadata.generation !== current.metadata.generation) this.hooks.deploymentChanged?.(stored);
    return stored;
  }

  /** PATCH in any of the four flavours; apply-patch creates the object when it does not exist. */
  patch(def: ResourceDef, ns: string | null, name: string, contentType: string, raw: string, o: WriteOptions & { fieldManager?: string | null; force?: boolean }): { object: KObject; created: boolean } {
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    let patch: unknown;
    try {
      patch = type === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
    } catch (e) {
      throw errors.badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    const current = this.store.peek(def, def.namespaced ? ns : null, name);
    if (!current) {
      if (type === 'application/apply-patch+yaml') {
        if (!o.fieldManager) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
        const body = asObj(patch);
        body.metadata = { ...asObj(body.metadata), name };
        const object = this.create(def, ns, clone(body), o);
        if (!o.dryRun) this.#applied.set(`${object.metadata.uid}/${o.fieldManager}`, body);
        return { object, created: true };
      }
      throw errors.notFound(def, name);
    }
    let next: unknown;
    let appliedConfig: unknown;
    switch (type) {
      case 'application/json-patch+json': next = jsonPatch(current, patch); break;
      case 'application/merge-patch+json': next = mergePatch(current, patch); break;
      case 'application/strategic-merge-patch+json': next = strategicMergePatch(current, patch); break;
      case 'application/apply-patch+yaml': {
        if (!o.fieldManager) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
        const p = asObj(clone(patch));
        const pm = asObj(p.metadata);
        delete pm.resourceVersion;
        if (pm.name !== undefined && pm.name !== name) throw errors.badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
        const last = this.#applied.get(`${current.metadata.uid}/${o.fieldManager}`);
        next = strategicMergePatch(last === undefined ? current : pruneApplied(current, last, p), p);
        appliedConfig = p;
        break;
      }
      default: throw errors.unsupportedMediaType(type);
    }
    const obj = asObj(next) as KObject;
    obj.metadata = asObj(obj.metadata) as KObject['metadata'];
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== current.metadata.resourceVersion) throw errors.conflict(def, name);
    const sub = o.subresource ?? null;
    const object = this.#replace(def, current, obj, { ...o, subresource: sub });
    if (appliedConfig !== undefined && !o.dryRun) this.#applied.set(`${current.metadata.uid}/${o.fieldManager}`, appliedConfig);
    return { object, created: false };
  }

  readonly #finalizerWait = new Map<string, () => void>();
  /** Server-side apply: the configuration each field manager applied last, by `${uid}/${manager}`. */
  readonly #applied = new Map<string, unknown>();

  /** Lets every deletion held by finalizers finish (the fake is closing). */
  releaseFinalizers(): void {
    for (const release of [...this.#finalizerWait.values()]) release();
  }

  #id(def: ResourceDef, o: KObject): string {
    return `${resourceKey(def)}:${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }

  /**
   * DELETE. Pods are deleted gracefully (deletionTimestamp first, removed when their containers
   * stopped) unless not scheduled, already terminal, or gracePeriodSeconds is 0. Objects with
   * finalizers stay until those are removed. Returns the object and whether it is gone already.
   */
  delete(def: ResourceDef, ns: string | null, name: string, opts: { gracePeriodSeconds?: number | null; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: boolean; propagationPolicy?: string | null } = {}): { object: KObject; deleted: boolean } {
    const current = this.store.peek(def, def.namespaced ? ns : null, name);
    if (!current) throw errors.notFound(def, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) throw errors.conflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw errors.conflict(def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    if (opts.dryRun) return { object: clone(current), deleted: true };
    if (current.metadata.deletionTimestamp) {
      // Already being deleted: a shorter grace period may still make it immediate.
      if (def.resource === 'pods' && opts.gracePeriodSeconds === 0) return { object: this.#removeNow(def, current), deleted: true };
      return { object: clone(current), deleted: false };
    }
    const finalizers = current.metadata.finalizers ?? [];
    if (def.resource === 'namespaces') return { object: this.#deleteNamespace(current), deleted: false };
    if (def.resource === 'pods') {
      const spec = asObj(current.spec);
      const phase = asObj(current.status).phase;
      let grace = opts.gracePeriodSeconds ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
      if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (grace > 0 || finalizers.length > 0) {
        const marked = clone(current);
        marked.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        marked.metadata.deletionGracePeriodSeconds = grace;
        const stored = this.store.write(def, marked, 'MODIFIED');
        const stopping = this.hooks.podDeleting?.(stored, grace) ?? 'now';
        const done = (async () => {
          if (stopping !== 'now') await stopping.catch(() => {});
          await this.#waitFinalizers(def, stored);
          const still = this.store.peek(def, stored.metadata.namespace ?? null, name);
          if (still && still.metadata.uid === stored.metadata.uid) this.store.remove(def, still.metadata.namespace ?? null, name);
        })();
        void this.track(done);
        return { object: stored, deleted: false };
      }
      const stopping = this.hooks.podDeleting?.(current, 0);
      if (stopping && stopping !== 'now') void this.track(stopping.catch(() => {}));
      return { object: this.#removeNow(def, current), deleted: true };
    }
    if (finalizers.length > 0) {
      const marked = clone(current);
      marked.metadata.deletionTimestamp = now();
      marked.metadata.deletionGracePeriodSeconds = 0;
      const stored = this.store.write(def, marked, 'MODIFIED');
      void this.track(this.#waitFinalizers(def, stored).then(() => {
        const still = this.store.peek(def, stored.metadata.namespace ?? null, name);
        if (still && still.metadata.uid === stored.metadata.uid) this.store.remove(def, still.metadata.namespace ?? null, name);
      }));
      return { object: stored, deleted: false };
    }
    const gone = this.#removeNow(def, current);
    if (opts.propagationPolicy !== 'Orphan') this.#collectDependents(current);
    return { object: gone, deleted: true };
  }

  #removeNow(def: ResourceDef, o: KObject): KObject {
    return this.store.remove(def, o.metadata.namespace ?? null, o.metadata.name!) ?? clone(o);
  }

  #waitFinalizers(def: ResourceDef, o: KObject): Promise<void> {
    const cur = this.store.peek(def, o.metadata.namespace ?? null, o.metadata.name!);
    if (!cur || (cur.metadata.finalizers ?? []).length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#finalizerWait.set(this.#id(def, o), () => {
      this.#finalizerWait.delete(this.#id(def, o));
      resolve();
    }));
  }

  /** Garbage collection of owned objects (ReplicaSets of a Deployment, pods of a ReplicaSet). */
  #collectDependents(owner: KObject): void {
    for (const def of [apps('replicasets'), core('pods')]) {
      for (const o of this.store.peekAll(def, owner.metadata.namespace ?? null)) {
        if ((o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid)) {
          try {
            this.delete(def, o.metadata.namespace ?? null, o.metadata.name!);
          } catch { /* already gone */ }
        }
      }
    }
  }

  #deleteNamespace(ns: KObject): KObject {
    const def = core('namespaces');
    const marked = clone(ns);
    marked.metadata.deletionTimestamp = now();
    marked.metadata.deletionGracePeriodSeconds = 0;
    marked.status = { ...asObj(marked.status), phase: 'Terminating' };
    const stored = this.store.write(def, marked, 'MODIFIED');
    const name = ns.metadata.name!;
    void this.track((async () => {
      const waits: Promise<unknown>[] = [];
      for (const d of [...this.#namespacedDefs()]) {
        for (const o of this.store.peekAll(d, name)) {
          try {
            this.delete(d, name, o.metadata.name!);
          } catch { /* gone meanwhile */ }
        }
      }
      waits.push(...this.pending);
      await Promise.allSettled(waits.filter((p) => p !== undefined));
      // Pods still terminating: wait until they are gone.
      for (let i = 0; i < 600 && this.store.peekAll(core('pods'), name).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      this.store.remove(def, null, name);
    })());
    return stored;
  }

  #namespacedDefs(): ResourceDef[] {
    return RESOURCES.filter((r) => r.namespaced && !r.createOnly);
  }

  /** Changes an object in place as a controller would (status writes, annotations); emits MODIFIED. */
  mutate(def: ResourceDef, ns: string | null, name: string, fn: (o: KObject) => void): KObject | undefined {
    const current = this.store.peek(def, def.namespaced ? ns : null, name);
    if (!current) return undefined;
    const next = clone(current);
    fn(next);
    if (JSON.stringify(next) === JSON.stringify(current)) return clone(current);
    return this.store.write(def, next, 'MODIFIED');
  }

  // -------------------------------------------------------------------------------------------
  // events, as the kubelet and the scheduler record them (repeated ones counted)

  recordEvent(involved: KObject, type: 'Normal' | 'Warning', reason: string, message: string, o: { fieldPath?: string; component?: string } = {}): void {
    const def = core('events');
    const ns = involved.metadata.namespace ?? 'default';
    if (!this.store.peek(core('namespaces'), null, ns)) return;
    const component = o.component ?? 'kubelet';
    const same = this.store.peekAll(def, ns).find((e) => {
      const io = asObj(e.involvedObject);
      return io.uid === involved.metadata.uid && e.reason === reason && e.message === message && (io.fieldPath ?? '') === (o.fieldPath ?? '');
    });
    const t = now();
    if (same) {
      this.mutate(def, ns, same.metadata.name!, (e) => {
        e.count = (typeof e.count === 'number' ? e.count : 1) + 1;
        e.lastTimestamp = t;
      });
      return;
    }
    const involvedObject: Obj = {
      kind: involved.kind ?? 'Pod', namespace: ns, name: involved.metadata.name, uid: involved.metadata.uid,
      apiVersion: involved.apiVersion ?? 'v1', resourceVersion: involved.metadata.resourceVersion,
    };
    if (o.fieldPath) involvedObject.fieldPath = o.fieldPath;
    const ev: KObject = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${involved.metadata.name}.${(BigInt(Date.now()) * 1000000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`, namespace: ns, uid: randomUUID(), creationTimestamp: t },
      involvedObject, reason, message, type, count: 1,
      source: component === 'kubelet' ? { component, host: this.nodeName } : { component },
      firstTimestamp: t, lastTimestamp: t, eventTime: null,
      reportingComponent: component, reportingInstance: component === 'kubelet' ? this.nodeName : '',
    };
    this.store.write(def, ev, 'ADDED');
  }
}

export { isPlainObject, asObj, asList };
