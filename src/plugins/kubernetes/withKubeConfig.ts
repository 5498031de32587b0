// withKubeConfig: as the Kubernetes CLI plugin does, writes a kubeconfig for the block (from a
// secret file credential holding one, or built from a secret text token and the server URL) to
// a file of its own under `<ws>@tmp` (0600), points KUBECONFIG at it, masks the token and any
// other secret in it, and removes the file however the block ends.
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
    const config = {
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: cluster, cluster: { server: o.serverUrl, ...(o.caCertificate ? { 'certificate-authority-data': caData(o.caCertificate) } : {}) } }],
      users: [{ name: 'kiln', user: { token } }],
      contexts: [{ name: context, context: { cluster, user: 'kiln', ...(o.namespace ? { namespace: o.namespace } : {}) } }],
      'current-context': context,
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
  if (!o.serverUrl && !o.caCertificate && !o.namespace && !o.contextName && !o.clusterName) return { text: raw, secrets };
  const contextName = o.contextName ?? (typeof config['current-context'] === 'string' ? config['current-context'] : undefined);
  const context = contextName ? named(config.contexts, contextName) : undefined;
  if (!contextName || !context) {
    const names = (config.contexts as unknown[]).filter(isObj).map((x) => String(x.name));
    throw new StepFailure(`withKubeConfig: credential '${c.id}' has no context ${contextName ? `'${contextName}'` : '(no current-context)'}; its contexts: ${names.join(', ') || 'none'}`);
  }
  config['current-context'] = contextName;
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
