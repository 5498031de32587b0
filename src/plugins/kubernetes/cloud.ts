// A Kubernetes cloud's settings (the seed's form: API server URL, CA certificate, skip TLS
// verification, namespace, credentials, controller URL for agents, tunnel, concurrency cap, pod
// retention, agent connect timeout, pod templates), checked field by field; the client
// configuration they make; and Test Connection, which answers "Connected to Kubernetes vX.Y"
// or the precise reason it could not (DNS, refused, TLS, 401, 403 on pods in the namespace,
// timeout), and checks the permissions the cloud needs. The cloud type `kubernetes`
// (kubernetesCloudType) is what the controller's clouds routes and wait list use through the
// plugin's provisioner.
//
// @kubernetes/client-node is imported only when a cloud is used: it takes ~0.7 s to load,
// which a controller without a Kubernetes cloud should not pay at start.
import type { Credential } from '../../core/credentials.ts';
import type { CloudType, ConnectionReport } from '../../core/plugin.ts';
import { parsePod, PodSpecError, type PodTemplate } from './podspec.ts';
import { KilnError } from '../../core/errors.ts';

export interface KubernetesCloudSettings {
  /** API server URL; null with inCluster. */
  serverUrl: string | null;
  /** PEM (as pasted, or base64 of the PEM as the seed allows); null = the system's CAs. */
  caCertificate: string | null;
  skipTlsVerify: boolean;
  namespace: string;
  /** A secret file (kubeconfig) or secret text (service-account token) credential; null with inCluster. */
  credentialsId: string | null;
  /** Use the service account mounted into the controller's own pod. */
  inCluster: boolean;
  /** The URL agents in pods dial (the seed uses the in-cluster service name); null = the controller's agent URL. */
  controllerUrl: string | null;
  /** host:port agents dial instead of the controller URL's host, when set. */
  tunnel: string | null;
  /** At most this many pods of this cloud at once; more builds wait in the queue. */
  containerCap: number;
  podRetention: 'never' | 'onFailure' | 'always';
  /** How long a pod's agent may take to connect before the build fails. */
  connectTimeoutSeconds: number;
  /** The image of the injected agent container. */
  agentImage: string;
  templates: PodTemplate[];
}

export class CloudSettingsError extends KilnError {
  constructor(message: string) {
    super('kubernetes.cloud-settings', message);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The CA certificate as PEM, from PEM or from base64 of PEM. */
export function caPem(value: string): string {
  const v = value.trim();
  if (v.includes('-----BEGIN CERTIFICATE-----')) return `${v}\n`;
  const decoded = Buffer.from(v.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/^[A-Za-z0-9+/=\s]+$/.test(v) && decoded.includes('-----BEGIN CERTIFICATE-----')) return decoded.endsWith('\n') ? decoded : `${decoded}\n`;
  throw new CloudSettingsError('caCertificate: neither a PEM certificate (-----BEGIN CERTIFICATE-----) nor base64 of one');
}

export function checkKubernetesSettings(input: unknown): KubernetesCloudSettings {
  if (!isObj(input)) throw new CloudSettingsError('settings: expected an object');
  const known = ['serverUrl', 'caCertificate', 'skipTlsVerify', 'namespace', 'credentialsId', 'inCluster', 'controllerUrl', 'tunnel', 'containerCap', 'podRetention', 'connectTimeoutSeconds', 'agentImage', 'templates'];
  for (const k of Object.keys(input)) if (!known.includes(k)) throw new CloudSettingsError(`${k}: not a Kubernetes cloud setting (known: ${known.join(', ')})`);
  const str = (k: string, o: { nullable?: boolean; max?: number } = {}): string | null => {
    const v = input[k];
    if (v === undefined || v === null || v === '') {
      if (o.nullable !== false) return null;
      throw new CloudSettingsError(`${k}: required`);
    }
    if (typeof v !== 'string') throw new CloudSettingsError(`${k}: must be a string`);
    if (v.length > (o.max ?? 2000)) throw new CloudSettingsError(`${k}: at most ${o.max ?? 2000} characters`);
    return v.trim();
  };
  const bool = (k: string): boolean => {
    const v = input[k];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new CloudSettingsError(`${k}: must be true or false`);
    return v;
  };
  const int = (k: string, dflt: number, min: number, max: number): number => {
    const v = input[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new CloudSettingsError(`${k}: a whole number from ${min} to ${max}`);
    return v;
  };
  const url = (k: string): string | null => {
    const v = str(k);
    if (v === null) return null;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new CloudSettingsError(`${k}: not a URL: '${v}'`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new CloudSettingsError(`${k}: must be an https:// (or http://) URL, got '${v}'`);
    return v;
  };

  const inCluster = bool('inCluster');
  const serverUrl = url('serverUrl');
  if (!inCluster && serverUrl === null && input.credentialsId === undefined) {
    throw new CloudSettingsError('serverUrl: required (the Kubernetes API server URL, e.g. https://10.0.0.1:6443), unless inCluster is true or the credential is a kubeconfig');
  }
  const ca = str('caCertificate', { max: 100_000 });
  if (ca !== null) caPem(ca);
  const namespace = str('namespace', { max: 63 }) ?? 'default';
  if (!DNS_LABEL.test(namespace)) throw new CloudSettingsError(`namespace: '${namespace}' is not a Kubernetes namespace name (lowercase letters, digits and '-', at most 63)`);
  const credentialsId = str('credentialsId', { max: 100 });
  if (!inCluster && credentialsId === null) throw new CloudSettingsError('credentialsId: required: a secret file credential holding a kubeconfig, or a secret text holding a service-account token (or set inCluster when Kiln runs in the cluster)');
  const tunnel = str('tunnel', { max: 300 });
  if (tunnel !== null && !/^[^\s:/]+:\d{1,5}$/.test(tunnel)) throw new CloudSettingsError(`tunnel: write host:port (e.g. kiln-agent.kiln.svc:50000), got '${tunnel}'`);
  const retention = input.podRetention ?? 'never';
  if (retention !== 'never' && retention !== 'onFailure' && retention !== 'always') throw new CloudSettingsError(`podRetention: never, onFailure or always (got ${JSON.stringify(retention)})`);

  const templates: PodTemplate[] = [];
  const rawTemplates = input.templates ?? [];
  if (!Array.isArray(rawTemplates)) throw new CloudSettingsError('templates: must be a list of pod templates');
  for (const [i, t] of rawTemplates.entries()) {
    const where = `templates[${i}]`;
    if (!isObj(t)) throw new CloudSettingsError(`${where}: must be an object { name, labels, yaml, inheritFrom, yamlMergeStrategy, namespace }`);
    const name = t.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(name)) throw new CloudSettingsError(`${where}.name: 1 to 100 letters, digits, '.', '_' or '-'`);
    if (templates.some((x) => x.name === name)) throw new CloudSettingsError(`${where}.name: two templates are named '${name}'`);
    const words = (v: unknown, what: string): string[] => {
      if (v === undefined || v === null) return [];
      if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      throw new CloudSettingsError(`${where}.${what}: a list of names (or one space-separated string)`);
    };
    const yaml = t.yaml ?? '';
    if (typeof yaml !== 'string') throw new CloudSettingsError(`${where}.yaml: must be a string of YAML`);
    try {
      parsePod(yaml, `${where}.yaml`);
    } catch (e) {
      if (e instanceof PodSpecError) throw new CloudSettingsError(e.message);
      throw e;
    }
    const strategy = t.yamlMergeStrategy ?? 'override';
    if (strategy !== 'override' && strategy !== 'merge') throw new CloudSettingsError(`${where}.yamlMergeStrategy: override or merge`);
    const ns = t.namespace ?? null;
    if (ns !== null && (typeof ns !== 'string' || !DNS_LABEL.test(ns))) throw new CloudSettingsError(`${where}.namespace: not a namespace name`);
    templates.push({ name, labels: words(t.labels, 'labels'), yaml, inheritFrom: words(t.inheritFrom, 'inheritFrom'), yamlMergeStrategy: strategy, namespace: ns as string | null });
  }
  for (const t of templates) {
    for (const p of t.inheritFrom) if (!templates.some((x) => x.name === p)) throw new CloudSettingsError(`templates: '${t.name}' inherits from '${p}', which is not a template of this cloud`);
  }

  return {
    serverUrl, caCertificate: ca, skipTlsVerify: bool('skipTlsVerify'), namespace, credentialsId, inCluster,
    controllerUrl: url('controllerUrl'), tunnel,
    containerCap: int('containerCap', 10, 1, 10_000),
    podRetention: retention,
    connectTimeoutSeconds: int('connectTimeoutSeconds', 300, 5, 86_400),
    agentImage: str('agentImage', { max: 500 }) ?? 'kiln/agent:latest',
    templates,
  };
}

// ---------------------------------------------------------------------------------------------
// the client

type ClientModule = typeof import('@kubernetes/client-node');
let clientModule: Promise<ClientModule> | null = null;
export function kubernetesClient(): Promise<ClientModule> {
  clientModule ??= import('@kubernetes/client-node');
  return clientModule;
}

/** The client configuration for a cloud, with its credential (a kubeconfig file, or a token). */
export async function kubeConfig(s: KubernetesCloudSettings, cred: Credential | null): Promise<InstanceType<ClientModule['KubeConfig']>> {
  const k = await kubernetesClient();
  const kc = new k.KubeConfig();
  if (s.inCluster) {
    kc.loadFromCluster();
  } else if (cred?.type === 'secretFile') {
    try {
      kc.loadFromString(cred.content?.toString('utf8') ?? '');
    } catch (e) {
      throw new CloudSettingsError(`credential '${cred.id}' is not a readable kubeconfig: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!kc.getCurrentCluster()) throw new CloudSettingsError(`credential '${cred.id}': the kubeconfig has no current context with a cluster`);
  } else if (cred?.type === 'secretText') {
    if (!s.serverUrl) throw new CloudSettingsError('serverUrl: required with a token credential');
    kc.loadFromOptions({
      clusters: [{ name: 'kiln', server: s.serverUrl, skipTLSVerify: s.skipTlsVerify, ...(s.caCertificate ? { caData: Buffer.from(caPem(s.caCertificate)).toString('base64') } : {}) }],
      users: [{ name: 'kiln', token: cred.secret ?? '' }],
      contexts: [{ name: 'kiln', cluster: 'kiln', user: 'kiln', namespace: s.namespace }],
      currentContext: 'kiln',
    });
    return kc;
  } else if (cred) {
    throw new CloudSettingsError(`credential '${cred.id}' is a ${cred.type} credential; a Kubernetes cloud needs a secret file (a kubeconfig) or a secret text (a service-account token)`);
  } else {
    throw new CloudSettingsError('credentialsId: required (or inCluster)');
  }
  // The form's fields win over the kubeconfig's where given.
  const cur = kc.getCurrentCluster();
  if (cur && (s.serverUrl || s.caCertificate || s.skipTlsVerify)) {
    const cluster = { ...cur, ...(s.serverUrl ? { server: s.serverUrl } : {}), ...(s.caCertificate ? { caData: Buffer.from(caPem(s.caCertificate)).toString('base64'), caFile: undefined } : {}), ...(s.skipTlsVerify ? { skipTLSVerify: true } : {}) };
    kc.clusters = kc.clusters.map((c) => (c.name === cur.name ? cluster : c));
  }
  return kc;
}

/** Why a call to the API server failed, in words a person can act on. */
export function describeKubeError(err: unknown, server: string): string {
  const e = err as { code?: unknown; body?: unknown; message?: string; cause?: unknown };
  if (typeof e.code === 'number') {
    let msg = '';
    try {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) as { message?: string } : e.body as { message?: string } | undefined;
      msg = body?.message ?? '';
    } catch { /* not JSON */ }
    if (e.code === 401) return `the API server at ${server} rejected the credentials (401 Unauthorized): the token or client certificate is wrong or expired`;
    if (e.code === 403) return `forbidden (403): ${msg || 'the credentials may not do this'}`;
    return `the API server answered ${e.code}${msg ? `: ${msg}` : ''}`;
  }
  // fetch's network errors carry the reason in their cause chain.
  let c: unknown = e.cause ?? err;
  let code: string | undefined;
  for (let i = 0; i < 5 && c && !code; i++) {
    const x = c as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof x.code === 'string') code = x.code;
    else c = x.errors?.[0] ?? x.cause;
  }
  const host = (() => { try { return new URL(server).host; } catch { return server; } })();
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${host} (DNS): check the API server URL`;
  if (code === 'ECONNREFUSED') return `connection refused at ${host}: nothing listens there (check the URL and port, and that the API server is up)`;
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `no answer from ${host}: a firewall may drop the traffic`;
  if (code === 'ECONNRESET') return `${host} closed the connection: is it an HTTPS Kubernetes API server?`;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/.test(code)) {
    return `TLS: the server's certificate is not trusted (${code}): paste the cluster's CA certificate (PEM or base64) into the cloud's CA certificate, or, for testing only, skip TLS verification`;
  }
  // No code: the innermost cause says what happened (fetch's own "fetch failed" says nothing).
  let inner: unknown = e.cause;
  for (let i = 0; i < 5 && (inner as { cause?: unknown } | undefined)?.cause; i++) inner = (inner as { cause?: unknown }).cause;
  const why = inner instanceof Error ? inner.message : '';
  if (why === 'bad port') return `${host}: that port is one fetch refuses to use (a blocked port such as 9 or 25): check the API server URL's port`;
  return `${(e.message ?? String(err)).split('\n')[0]}${why ? `: ${why}` : ''}${code ? ` (${code})` : ''}`;
}

export type { ConnectionReport };

/** What the cloud does with pods: create, watch and delete them, and read their logs. */
export const NEEDED: readonly { verb: string; resource: string; subresource?: string }[] = [
  { verb: 'create', resource: 'pods' }, { verb: 'get', resource: 'pods' }, { verb: 'list', resource: 'pods' },
  { verb: 'watch', resource: 'pods' }, { verb: 'delete', resource: 'pods' }, { verb: 'get', resource: 'pods', subresource: 'log' },
];

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`timeout: no answer from ${what} in ${ms >= 10_000 ? Math.round(ms / 1000) : (ms / 1000).toFixed(1)} s`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export async function testKubernetesConnection(s: KubernetesCloudSettings, cred: Credential | null, o: { timeoutMs?: number } = {}): Promise<ConnectionReport> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const fail = (message: string): ConnectionReport => ({ ok: false, message, version: null, permissions: [] });
  let kc;
  try {
    kc = await kubeConfig(s, cred);
  } catch (e) {
    return fail((e as Error).message);
  }
  const k = await kubernetesClient();
  const server = kc.getCurrentCluster()?.server ?? s.serverUrl ?? '(in-cluster)';
  let version: string;
  try {
    const v = await withTimeout(kc.makeApiClient(k.VersionApi).getCode(), timeoutMs, server);
    version = v.gitVersion;
  } catch (e) {
    return fail(/^timeout:/.test((e as Error).message) ? (e as Error).message.replace(/^timeout: /, '') : describeKubeError(e, server));
  }
  const namespace = s.namespace;
  try {
    await withTimeout(kc.makeApiClient(k.CoreV1Api).listNamespacedPod({ namespace, limit: 1 }), timeoutMs, server);
  } catch (e) {
    const why = describeKubeError(e, server);
    return { ok: false, message: `Connected to Kubernetes ${version}, but cannot list pods in namespace '${namespace}': ${why}`, version, permissions: [] };
  }
  // What else the cloud needs, asked of the API server itself.
  const authz = kc.makeApiClient(k.AuthorizationV1Api);
  const permissions: ConnectionReport['permissions'] = [];
  for (const n of NEEDED) {
    const resource = n.subresource ? `${n.resource}/${n.subresource}` : n.resource;
    try {
      const r = await withTimeout(authz.createSelfSubjectAccessReview({
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace, verb: n.verb, resource: n.resource, ...(n.subresource ? { subresource: n.subresource } : {}) } } },
      }), timeoutMs, server);
      permissions.push({ verb: n.verb, resource, allowed: r.status?.allowed ?? false, ...(r.status?.reason ? { reason: r.status.reason } : {}) });
    } catch (e) {
      permissions.push({ verb: n.verb, resource, allowed: null, reason: `could not check: ${describeKubeError(e, server)}` });
    }
  }
  const denied = permissions.filter((p) => p.allowed === false);
  if (denied.length > 0) {
    return { ok: false, message: `Connected to Kubernetes ${version}, but the credentials may not ${denied.map((p) => `${p.verb} ${p.resource}`).join(', ')} in namespace '${namespace}'`, version, permissions };
  }
  return { ok: true, message: `Connected to Kubernetes ${version}`, version, permissions };
}

/** The `kubernetes` cloud type: settings checked field by field, its containerCap, Test Connection with its credential. */
export const kubernetesCloudType: CloudType<KubernetesCloudSettings> = {
  name: 'kubernetes',
  doc: 'a Kubernetes cluster that runs a pod per kubernetes agent',
  check(_name, settings) {
    try {
      const s = checkKubernetesSettings(settings ?? {});
      return { settings: s, stored: { ...s } };
    } catch (e) {
      if (e instanceof CloudSettingsError) return { error: e.message };
      throw e;
    }
  },
  cap: (s) => s.containerCap,
  async test(_name, s, credential) {
    let cred = null;
    if (s.credentialsId && !s.inCluster) {
      try {
        cred = await credential(s.credentialsId);
      } catch (e) {
        return { ok: false, message: `credentialsId: ${(e as Error).message}`, version: null, permissions: [] };
      }
    }
    return testKubernetesConnection(s, cred);
  },
};
