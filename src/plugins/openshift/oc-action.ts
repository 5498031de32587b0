// `_OcAction`: one oc command for the openshift global (dsl.ts), as the OpenShift Client plugin's
// OcAction and OcCmdBuilder build it:
//   oc VERB <userArgs> <verbArgs> <options> --server=URL --namespace=PROJECT --loglevel=N
// (--namespace only when the user gave no -n/--namespace, --loglevel only when not given).
// The cluster is a name configured on the host (core/http-services.ts openshiftClusters: URL,
// credential, CA, skip TLS verify, default project), a URL (insecure://host: https without TLS
// verification), or none: the cluster named "default", else the pod's own (KUBERNETES_SERVICE_HOST,
// the service account's token, CA and namespace under /var/run/secrets/kubernetes.io/serviceaccount).
//
// Security: the plugin puts --token=TOKEN in oc's arguments, where any process list shows it.
// Kiln writes a kubeconfig (mode 0600) to the workspace's @tmp directory holding the token (or,
// for the pod's service account, only the token file's path) and the CA, passes --kubeconfig=FILE,
// and removes it when oc ends. The command runs without a shell: hostile names are only arguments.
// The result is the plugin's OcActionResult as a map: verb, cmd (the command as run, no secret),
// out, err (trimmed), status, reference (the markup given, by file).
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { OpenShiftCluster } from '../../core/http-services.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { bool, list, num, str } from '../../pipeline/steps/args.ts';
import { fromJson } from '../../pipeline/script/values.ts';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Captured output per stream beyond which oc is stopped (an `oc get` of a whole cluster fits). */
const MAX_OUTPUT = 64 * 1024 * 1024;

export interface Target {
  server: string;
  skipTLSVerify: boolean;
  /** PEM of the cluster's CA (configured), or a path on the agent (the pod's). */
  caPem: string | null;
  caPath: string | null;
  /** The token, or the path on the agent of a file holding it (the pod's). */
  token: string | null;
  tokenFile: string | null;
  project: string | null;
}

async function clusters(ctx: StepContext): Promise<OpenShiftCluster[]> {
  const s = ctx.build.services.httpServices;
  return s ? ((await s.settings()).openshiftClusters ?? []) : [];
}

async function readOnAgent(ctx: StepContext, file: string): Promise<string | null> {
  const out: Buffer[] = [];
  const r = await ctx.workspace().exec({
    argv: ['cat', file], cwd: ctx.cwd ?? ctx.workspace().root, env: { ...ctx.env }, ...(ctx.container ? { container: ctx.container } : {}),
    onOutput: (chunk, stream) => { if (stream === 'stdout') out.push(chunk); }, signal: ctx.signal,
  });
  return r.exitCode === 0 ? Buffer.concat(out).toString('utf8').trim() : null;
}

/** Where and as whom oc goes: the plugin's Context resolution. */
export async function resolveTarget(ctx: StepContext, clusterName: string | null, project: string | null, credentialsId: string | null): Promise<Target> {
  const configured = await clusters(ctx);
  const cc = configured.find((c) => c.name === (clusterName ?? 'default')) ?? null;
  const t: Target = { server: '', skipTLSVerify: false, caPem: null, caPath: null, token: null, tokenFile: null, project };
  let inPod = false;
  if (cc) {
    t.server = cc.url;
    t.skipTLSVerify = cc.skipTlsVerify;
    t.caPem = cc.serverCertificateAuthority || null;
    t.project ??= cc.defaultProject || null;
    credentialsId ??= cc.credentialsId || null;
  } else if (clusterName) {
    let url = clusterName;
    if (url.startsWith('insecure://')) {
      t.skipTLSVerify = true;
      url = `https://${url.slice('insecure://'.length)}`;
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new StepFailure(`openshift.withCluster('${clusterName}'): no cluster of that name is configured (${configured.length ? `configured: ${configured.map((c) => c.name).join(', ')}` : 'none is'}) and it is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new StepFailure(`openshift.withCluster('${clusterName}'): an https URL, insecure://host, or the name of a configured cluster`);
    if (u.username || u.password) throw new StepFailure(`openshift.withCluster: no user or password in the cluster URL: use a token credential`);
    t.server = url;
  } else {
    const host = ctx.env.KUBERNETES_SERVICE_HOST;
    if (!host) throw new StepFailure('openshift.withCluster(): no cluster named "default" is configured and the agent is not in a pod (KUBERNETES_SERVICE_HOST is not set): name a cluster or its URL');
    const port = ctx.env.KUBERNETES_SERVICE_PORT || '443';
    t.server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    t.caPath = `${SA_DIR}/ca.crt`;
    inPod = true;
  }
  if (credentialsId) {
    let c;
    try {
      c = await ctx.build.services.credential(credentialsId);
    } catch (e) {
      throw new StepFailure(`openshift: the credential '${credentialsId}' cannot be used: ${(e as Error).message} (Kiln takes no literal token here: store it as a secret text credential)`);
    }
    if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`openshift: the credential '${credentialsId}' is a ${c.type}: an OpenShift token is a secret text credential`);
    t.token = c.secret;
  } else {
    t.tokenFile = `${SA_DIR}/token`;
    if (!inPod && !t.caPem && !t.skipTLSVerify) t.caPath = null;
  }
  if (!t.project) {
    t.project = await readOnAgent(ctx, `${SA_DIR}/namespace`);
    if (!t.project) throw new StepFailure('openshift: no project: use openshift.withProject(\'name\'), a default project of the cluster, or run in a pod whose service account names its namespace');
  }
  return t;
}

/** A kubeconfig for oc: the cluster (CA or skip TLS), the user (token or token file). JSON is YAML. */
export function kubeconfig(t: Target): string {
  const cluster: Record<string, unknown> = { server: t.server };
  if (t.skipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  else if (t.caPem) cluster['certificate-authority-data'] = Buffer.from(t.caPem).toString('base64');
  else if (t.caPath) cluster['certificate-authority'] = t.caPath;
  const user: Record<string, unknown> = t.token ? { token: t.token } : { tokenFile: t.tokenFile };
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'kiln',
    clusters: [{ name: 'kiln', cluster }], users: [{ name: 'kiln', user }],
    contexts: [{ name: 'kiln', context: { cluster: 'kiln', user: 'kiln', namespace: t.project } }],
  });
}

const hasArg = (args: string[], ...names: string[]) => args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));

export const run: StepRun = async (ctx, args) => {
  const t = await resolveTarget(ctx, str(args, 'cluster')?.trim() || null, str(args, 'project')?.trim() || null, str(args, 'credentialsId')?.trim() || null);
  if (bool(args, 'info', false)) return fromJson({ server: t.server, project: t.project, skipTLSVerify: t.skipTLSVerify });
  const verb = str(args, 'verb') ?? '';
  const strs = (name: string) => (list(args, name) ?? []).map(String);
  const logLevel = num(args, 'logLevel') ?? 0;
  const ws = ctx.workspace();
  const dir = path.join(ws.tmp, `oc-${randomBytes(6).toString('hex')}`);
  const markup = str(args, 'markup');
  const reference: Record<string, string> = {};
  const markupFile = path.join(dir, `${verb || 'raw'}.markup`);
  const argv = [verb, ...strs('userArgs'), ...strs('verbArgs').map((a) => (markup !== undefined && a === '@markup' ? markupFile : a)), ...strs('options')].filter((a) => a !== '');
  argv.push(`--server=${t.server}`);
  if (t.project && !hasArg(argv, '-n', '--namespace')) argv.push(`--namespace=${t.project}`);
  if (!hasArg(argv, '--loglevel')) argv.push(`--loglevel=${logLevel}`);
  const configFile = path.join(dir, 'kubeconfig');
  argv.push(`--kubeconfig=${configFile}`);
  const cmd = `oc ${argv.join(' ')}`;
  const prefix = str(args, 'streamPrefix');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  let atLineStart = true;
  const abort = new AbortController();
  const onAbort = () => abort.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let status: number;
  try {
    await ws.writeFile(configFile, kubeconfig(t), 0o600);
    if (markup !== undefined) {
      await ws.writeFile(markupFile, markup, 0o600);
      reference[markupFile] = markup;
    }
    const r = await ws.exec({
      argv: ['oc', ...argv], cwd: ctx.cwd ?? ws.root, env: { ...ctx.env }, signal: abort.signal,
      ...(ctx.container ? { container: ctx.container } : {}),
      onOutput: (chunk, stream) => {
        size += chunk.length;
        if (size > MAX_OUTPUT) { abort.abort(); return; }
        (stream === 'stdout' ? out : err).push(chunk);
        if (prefix !== undefined && stream === 'stdout') {
          // The plugin's printToConsole: every line of stdout as "[prefix] line".
          let text = chunk.toString('utf8');
          if (atLineStart) text = `[${prefix}] ${text}`;
          atLineStart = text.endsWith('\n');
          const body = atLineStart ? text.slice(0, -1) : text;
          ctx.write(Buffer.from(body.replace(/\n/g, `\n[${prefix}] `) + (atLineStart ? '\n' : '')), 'stdout');
        }
      },
    });
    if (ctx.signal.aborted) throw ctx.signal.reason as Error;
    if (size > MAX_OUTPUT) throw new StepFailure(`${cmd}: more than ${MAX_OUTPUT / 1024 / 1024} MiB of output: stopped`);
    status = r.exitCode ?? 1;
    if (r.exitCode === null) err.push(Buffer.from(`oc was killed by ${r.signal ?? 'a signal'}`));
  } catch (e) {
    if (e instanceof Error && !(e instanceof StepFailure) && !ctx.signal.aborted && /ENOENT|no such program|cannot run program/i.test(e.message)) {
      throw new StepFailure(`openshift: oc could not be started on ${ws.nodeName}: ${e.message} (the OpenShift client, oc, must be on the agent's PATH)`);
    }
    throw e;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await ws.remove(dir).catch(() => undefined);
  }
  if (prefix !== undefined && !atLineStart) ctx.write(Buffer.from('\n'), 'stdout');
  const result = { verb, cmd, out: Buffer.concat(out).toString('utf8').trim(), err: Buffer.concat(err).toString('utf8').trim(), status, reference };
  if (logLevel > 0) {
    ctx.log(`Verbose sub-step output:\n\tCommand> ${cmd}\n\tStatus> ${status}\n\tStdOut>${result.out}\n\tStdErr> ${result.err}\n\tReference> {${Object.entries(reference).map(([k, v]) => `${k}=${v}`).join(', ')}}`);
  }
  return fromJson(result);
};
