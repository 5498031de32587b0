// kubernetesDeploy: the Kubernetes Continuous Deploy plugin's step, on kubernetesApply's machinery
// (apply.ts): the files matching `configs` (Ant patterns, comma separated) are read, their $VAR
// and ${VAR} replaced with the build's environment when enableConfigSubstitution (default true;
// an unknown name is left as written, as Jenkins' Util.replaceMacro does), and server-side
// applied with the kubeconfig credential `kubeconfigId`, objects without a namespace going to the
// kubeconfig context's. With dockerCredentials, a kubernetes.io/dockerconfigjson Secret (named
// `secretName`, else one made from the job and build) is applied first in `secretNamespace`
// (default 'default'), and its name is $KUBERNETES_SECRET_NAME for the substitution. It does not
// wait for rollouts (the plugin does not). Console lines as the plugin's:
//   Starting Kubernetes deployment / Loading configuration: <file> / <kind/name created|configured|unchanged>
//   Finished Kubernetes deployment            (or: Kubernetes deployment ended with HasError, and the step fails)
// The files come from the workspace only (no '..', links out refused: steps/collect.ts). The API
// calls are made by the Kiln process, as kubernetesApply's.
import path from 'node:path/posix';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Credential } from '../../core/credentials.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { collectFiles } from '../../pipeline/steps/collect.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import type { Manifest } from './apply.ts';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DOCKER_HUB = 'https://index.docker.io/v1/';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

/** Jenkins' Util.replaceMacro: $NAME and ${NAME} of the map replaced, others left as written. */
export function substitute(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$(?:([A-Za-z0-9_]+)|\{([A-Za-z0-9_.]+)\})/g, (all, a: string | undefined, b: string | undefined) => {
    const k = (a ?? b)!;
    return Object.hasOwn(env, k) ? env[k]! : all;
  });
}

/** A secret text holding a kubeconfig (the plugin's Kubeconfig credential entered directly) is read as the file. */
function kubeconfigOf(c: Credential, id: string): Credential {
  if (c.type === 'secretFile') return c;
  if (c.type === 'secretText' && /^\s*(apiVersion|clusters|kind)\s*:/m.test(c.secret ?? '') && /clusters\s*:/.test(c.secret ?? '')) {
    return { id: c.id, type: 'secretFile', fileName: 'config', content: Buffer.from(c.secret ?? '') };
  }
  throw new StepFailure(`kubernetesDeploy: kubeconfigId '${id}' is a ${c.type} credential: it must be a secret file (or secret text) holding a kubeconfig`);
}

async function dockerSecret(ctx: StepContext, list: Value | undefined, name: string, namespace: string): Promise<Manifest> {
  if (!isList(list)) throw new StepFailure("kubernetesDeploy: dockerCredentials must be a list: [[credentialsId: 'registry', url: 'https://registry.example.com']]");
  const auths: Record<string, { username: string; password: string; auth: string }> = {};
  for (const [i, d] of list.entries()) {
    if (!isMap(d)) throw new StepFailure(`kubernetesDeploy: dockerCredentials[${i}] must be [credentialsId: '...', url: '...']`);
    const id = str(d.get('credentialsId')).trim();
    if (!id) throw new StepFailure(`kubernetesDeploy: dockerCredentials[${i}]: credentialsId is required`);
    const c = await ctx.build.services.credential(id);
    if (c.type !== 'usernamePassword') throw new StepFailure(`kubernetesDeploy: dockerCredentials[${i}]: '${id}' is a ${c.type} credential: a registry needs a username/password credential`);
    let url = str(d.get('url')).trim() || DOCKER_HUB;
    if (!/^[a-z]+:\/\//i.test(url)) url = `https://${url}`;
    const u = c.username ?? '';
    const p = c.password ?? '';
    auths[url] = { username: u, password: p, auth: Buffer.from(`${u}:${p}`).toString('base64') };
  }
  return {
    source: 'dockerCredentials', doc: 1, item: null,
    object: {
      apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
    },
  };
}

export const run: StepRun = async (ctx, args) => {
  const v = args.values;
  const m = await import('./apply.ts');
  const kubeconfigId = str(v.kubeconfigId).trim();
  if (!kubeconfigId) throw new StepFailure('kubernetesDeploy: missing required parameter "kubeconfigId"');
  const configs = str(v.configs).trim();
  if (!configs) throw new StepFailure('kubernetesDeploy: Kubernetes config files are not specified.');
  if (v.deleteResource === true) throw new StepFailure('kubernetesDeploy: deleteResource is not supported by Kiln (it applies the configs); remove it or delete with kubectl in withKubeConfig');
  const substituteOn = v.enableConfigSubstitution === undefined || v.enableConfigSubstitution === null ? true : v.enableConfigSubstitution === true;
  const env: Record<string, string> = { ...ctx.env };
  ctx.log('Starting Kubernetes deployment');
  const fail = (why: string): never => {
    ctx.log('Kubernetes deployment ended with HasError');
    throw new StepFailure(`kubernetesDeploy: ${why}`);
  };

  const manifests: Manifest[] = [];
  const docker = v.dockerCredentials;
  const hasDocker = isList(docker) && docker.length > 0;
  if (hasDocker) {
    const secretNamespace = substitute(str(v.secretNamespace).trim(), env) || 'default';
    if (!NAME.test(secretNamespace)) fail(`secretNamespace '${secretNamespace}' is not a Kubernetes namespace name`);
    const fallback = `${ctx.build.jobName.split('/').pop() ?? 'build'}-${ctx.build.number}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
    const secretName = substitute(str(v.secretName).trim(), env) || fallback;
    if (!NAME.test(secretName) || secretName.length > 253) fail(`secretName '${secretName}' is not a Kubernetes name (lower case letters, digits, '-' and '.')`);
    manifests.push(await dockerSecret(ctx, docker, secretName, secretNamespace));
    env.KUBERNETES_SECRET_NAME = secretName;
    ctx.log(`Inject environment variable KUBERNETES_SECRET_NAME=${secretName}`);
  } else if (docker !== undefined && docker !== null && !isList(docker)) {
    fail("dockerCredentials must be a list: [[credentialsId: 'registry', url: 'https://registry.example.com']]");
  }

  const files = await collectFiles(ctx, configs, undefined, { defaultExcludes: true, step: 'kubernetesDeploy' });
  if (files.length === 0) fail(`No matching configuration files found for ${configs}`);
  for (const f of files) {
    ctx.log(`Loading configuration: ${ctx.resolvePath(f.path)}`);
    const text = f.data.toString('utf8');
    try {
      manifests.push(...m.parseManifests(substituteOn ? substitute(text, env) : text, path.normalize(f.path)));
    } catch (e) {
      fail((e as Error).message);
    }
  }

  const credential = kubeconfigOf(await ctx.build.services.credential(kubeconfigId), kubeconfigId);
  let conn: Awaited<ReturnType<typeof m.connect>>;
  try {
    conn = await m.connect({ credential });
  } catch (e) {
    return fail((e as Error).message);
  }
  try {
    await m.applyAll(conn, manifests, { namespace: null, fieldManager: 'kiln', signal: ctx.signal, log: (l) => ctx.log(l) });
  } catch (e) {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    fail((e as Error).message);
  }
  ctx.log('Finished Kubernetes deployment');
  return null;
};
