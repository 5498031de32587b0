// withKubeConfig: as the Kubernetes CLI plugin does, writes a kubeconfig for the block (from a
// secret file credential holding one, or built from a secret text token and the server URL) to
// a file of its own under `<ws>@tmp` (0600), points KUBECONFIG at it, masks the token and any
// other secret in it, and removes the file however the block ends.
// withKubeCredentials (the plugin's MultiKubectlBuildStep): one such file per entry of
// kubectlCredentials, KUBECONFIG the list of them joined by ':' (kubectl merges them); the user
// of a token entry is named after its credential (so that the files' users do not clash), and
// with two entries or more no file sets current-context (the plugin's skipUseContext): the block
// picks one with --context. After the block: "kubectl configuration cleaned up".
import { randomUUID } from 'node:crypto';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { Credential } from '../../core/credentials.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from '../../pipeline/steps/args.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Options {
  serverUrl?: string | undefined;
  caCertificate?: string | undefined;
  namespace?: string | undefined;
  contextName?: string | undefined;
  clusterName?: string | undefined;
  /** The user entry a token gets (withKubeCredentials: the credential's id); default 'kiln'. */
  userName?: string | undefined;
  /** Leave current-context out (withKubeCredentials with several entries). */
  skipUseContext?: boolean | undefined;
}

/** PEM from PEM or from base64 of PEM (what the Kubernetes cloud form accepts too). */
function caData(value: string): string {
  const v = value.trim();
  if (v.includes('-----BEGIN CERTIFICATE-----')) return Buffer.from(`${v}\n`).toString('base64');
  const decoded = Buffer.from(v.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/^[A-Za-z0-9+/=\s]+$/.test(v) && decoded.includes('-----BEGIN CERTIFICATE-----')) return v.replace(/\s+/g, '');
  throw new StepFailure('withKubeConfig: caCertificate is neither a PEM certificate (-----BEGIN CERTIFICATE-----) nor base64 of one');
}

function named(list: unknown, name: string): Obj | undefined {
  return (Array.isArray(list) ? list : []).find((x): x is Obj => isObj(x) && x.name === name);
}

/** The kubeconfig text for the block, and the secrets in it to mask. */
export function buildKubeconfig(c: Credential, o: Options): { text: string; secrets: string[] } {
  const secrets: string[] = [];
  if (c.type === 'secretText') {
    if (!o.serverUrl) throw new StepFailure(`withKubeConfig: serverUrl is required with a token credential ('${c.id}' is secret text)`);
    const token = (c.secret ?? '').trim();
    secrets.push(token);
    const cluster = o.clusterName ?? 'k8s';
    const context = o.contextName ?? 'k8s';
    const user = o.userName ?? 'kiln';
    const config = {
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: cluster, cluster: { server: o.serverUrl, ...(o.caCertificate ? { 'certificate-authority-data': caData(o.caCertificate) } : {}) } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: context, context: { cluster, user, ...(o.namespace ? { namespace: o.namespace } : {}) } }],
      ...(o.skipUseContext ? {} : { 'current-context': context }),
    };
    return { text: toYaml(config), secrets };
  }
  if (c.type !== 'secretFile') {
    throw new StepFailure(`withKubeConfig: credential '${c.id}' is a ${c.type} credential; use a secret file (a kubeconfig) or a secret text (a token, with serverUrl)`);
  }
  const raw = c.content?.toString('utf8') ?? '';
  let config: unknown;
  try {
    config = parseYaml(raw);
  } catch (e) {
    throw new StepFailure(`withKubeConfig: credential '${c.id}' is not a readable kubeconfig: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!isObj(config) || !Array.isArray(config.clusters) || !Array.isArray(config.contexts)) {
    throw new StepFailure(`withKubeConfig: credential '${c.id}' is not a kubeconfig (no clusters and contexts)`);
  }
  for (const u of Array.isArray(config.users) ? config.users : []) {
    const user = isObj(u) && isObj(u.user) ? u.user : {};
    for (const k of ['token', 'password', 'client-key-data']) if (typeof user[k] === 'string' && user[k].length >= 6) secrets.push(user[k]);
  }
  // Nothing to change: the file is written byte for byte as stored.
  if (!o.serverUrl && !o.caCertificate && !o.namespace && !o.contextName && !o.clusterName) {
    if (!o.skipUseContext) return { text: raw, secrets };
    delete config['current-context'];
    return { text: toYaml(config), secrets };
  }
  const contextName = o.contextName ?? (typeof config['current-context'] === 'string' ? config['current-context'] : undefined);
  const context = contextName ? named(config.contexts, contextName) : undefined;
  if (!contextName || !context) {
    const names = (config.contexts as unknown[]).filter(isObj).map((x) => String(x.name));
    throw new StepFailure(`withKubeConfig: credential '${c.id}' has no context ${contextName ? `'${contextName}'` : '(no current-context)'}; its contexts: ${names.join(', ') || 'none'}`);
  }
  if (o.skipUseContext) delete config['current-context'];
  else config['current-context'] = contextName;
  const ctxBody: Obj = isObj(context.context) ? context.context : {};
  context.context = ctxBody;
  if (o.clusterName) {
    if (!named(config.clusters, o.clusterName) && !o.serverUrl) throw new StepFailure(`withKubeConfig: credential '${c.id}' has no cluster '${o.clusterName}' (give serverUrl to define it)`);
    ctxBody.cluster = o.clusterName;
  }
  if (o.namespace) ctxBody.namespace = o.namespace;
  if (o.serverUrl || o.caCertificate) {
    const name = String(ctxBody.cluster ?? o.clusterName ?? 'k8s');
    let cl = named(config.clusters, name);
    if (!cl) {
      cl = { name, cluster: {} };
      (config.clusters as unknown[]).push(cl);
      ctxBody.cluster = name;
    }
    const body: Obj = isObj(cl.cluster) ? cl.cluster : {};
    cl.cluster = body;
    if (o.serverUrl) body.server = o.serverUrl;
    if (o.caCertificate) {
      body['certificate-authority-data'] = caData(o.caCertificate);
      delete body['certificate-authority'];
      delete body['insecure-skip-tls-verify'];
    }
  }
  return { text: toYaml(config), secrets };
}

export const run: StepRun = async (ctx, args) => {
  const id = str(args, 'credentialsId');
  if (!id) throw new StepFailure('withKubeConfig: missing required parameter "credentialsId"');
  const cred = await ctx.build.services.credential(id);
  const { text, secrets } = buildKubeconfig(cred, {
    serverUrl: str(args, 'serverUrl'), caCertificate: str(args, 'caCertificate'), namespace: str(args, 'namespace'),
    contextName: str(args, 'contextName'), clusterName: str(args, 'clusterName'),
  });
  const ws = ctx.workspace();
  const dir = `${ws.tmp}/kubeconfig-${randomUUID()}`;
  const file = `${dir}/config`;
  try {
    await ws.writeFile(file, text, 0o600);
    return args.body ? await ctx.runBody(args.body, { env: { KUBECONFIG: file }, secrets: secrets.filter((s) => s.length > 0) }) : null;
  } finally {
    await ws.remove(dir).catch(() => {});
  }
};

/** withKubeCredentials(kubectlCredentials: [[credentialsId:, serverUrl:, ...], ...]) { }. */
export const runMulti: StepRun = async (ctx, args) => {
  const list = args.values['kubectlCredentials'];
  const entries = Array.isArray(list) ? list : [];
  if (entries.length === 0) throw new StepFailure('withKubeCredentials: [kubernetes-cli] credentials list cannot be empty');
  if (entries.length > 64) throw new StepFailure(`withKubeCredentials: ${entries.length} credentials; at most 64`);
  const skipUseContext = entries.length >= 2;
  const files: { text: string; secrets: string[] }[] = [];
  for (const [i, e] of entries.entries()) {
    if (!(e instanceof Map)) throw new StepFailure(`withKubeCredentials: kubectlCredentials[${i}] must be a map like [credentialsId: 'kube', serverUrl: 'https://...']`);
    const get = (k: string): string | undefined => {
      const v = e.get(k);
      return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
    };
    for (const k of e.keys()) {
      if (!['credentialsId', 'serverUrl', 'caCertificate', 'clusterName', 'contextName', 'namespace'].includes(String(k))) {
        throw new StepFailure(`withKubeCredentials: kubectlCredentials[${i}] has no parameter '${String(k)}' (credentialsId, serverUrl, caCertificate, clusterName, contextName, namespace)`);
      }
    }
    const id = get('credentialsId');
    if (!id) throw new StepFailure(`withKubeCredentials: kubectlCredentials[${i}] has no credentialsId`);
    const cred = await ctx.build.services.credential(id);
    try {
      files.push(buildKubeconfig(cred, {
        serverUrl: get('serverUrl'), caCertificate: get('caCertificate'), namespace: get('namespace'),
        contextName: get('contextName'), clusterName: get('clusterName'), userName: id, skipUseContext,
      }));
    } catch (err) {
      if (err instanceof StepFailure) throw new StepFailure(`${err.message.replace(/^withKubeConfig: /, 'withKubeCredentials: ')} (kubectlCredentials[${i}])`);
      throw err;
    }
  }
  const ws = ctx.workspace();
  const dir = `${ws.tmp}/kubeconfig-${randomUUID()}`;
  try {
    const paths: string[] = [];
    for (const [i, f] of files.entries()) {
      const file = `${dir}/config-${i}`;
      await ws.writeFile(file, f.text, 0o600);
      paths.push(file);
    }
    return args.body ? await ctx.runBody(args.body, { env: { KUBECONFIG: paths.join(':') }, secrets: files.flatMap((f) => f.secrets).filter((s) => s.length > 0) }) : null;
  } finally {
    await ws.remove(dir).catch(() => {});
    ctx.log('kubectl configuration cleaned up');
  }
};
