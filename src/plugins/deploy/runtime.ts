// What `deploy` and step([$class: 'DeployPublisher']) do (declared in index.ts), as the Deploy to
// container plugin's DeployPublisher and its Tomcat adapters (through Cargo) do it:
//   [DeployPublisher][INFO] Attempting to deploy 1 war file(s)
//   [DeployPublisher][INFO] Deploying /ws/target/shop.war to container Tomcat 9.x Remote with context /shop
//     Redeploying [/ws/target/shop.war]
//     OK - Deployed application at context path [/shop]
// Each WAR goes to each adapter by Tomcat's manager text API: PUT <url><path>/deploy?path=/ctx&update=true
// with the file as the body and Basic authentication (a username/password credential). Tomcat's
// answer is a text starting "OK - " or "FAIL - "; a FAIL, a 401/403 or any other status fails the
// step naming the WAR and the container. No WAR matching: the step fails ("No wars found").
// onFailure: false and a build already failed or unstable: nothing is deployed.
//
// The WAR is streamed: opened in the workspace (an agent's too) for each adapter and sent in chunks
// as the socket takes them (http-client's bodyStream), so no WAR is ever held whole, whatever its
// size (Jenkins sets no limit either).
//
// Where from: the Kiln process, as Jenkins deploys from the controller or agent. As httpRequest,
// on a controller an address of its own network (loopback, private, link-local) is refused
// unless the administrator's HTTP request settings allow the host. The credential goes to the
// adapter's URL only (redirects are not followed). The context path and manager path are
// checked (no query, fragment or '..' smuggled into the request).
import path from 'node:path/posix';
import { StepFailure } from '../../core/errors.ts';
import type { HttpRequestSettings } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { collectSources } from '../../pipeline/steps/collect.ts';
import type { SourceFile } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, privateAddress } from '../../util/http-client.ts';

const TAG = '[DeployPublisher]';

interface Adapter { name: string; url: string; credentialsId: string; managerPath: string }

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

/** tomcat9(...) / [$class: 'Tomcat9xAdapter', ...] → the adapter, checked. */
export function adapterOf(v: Value, i: number): Adapter {
  if (!isMap(v)) throw new StepFailure(`deploy: adapters[${i}] must be tomcat9(url: ..., credentialsId: ...) or [$class: 'Tomcat9xAdapter', ...]`);
  const m = v as GMap;
  const sym = str(m.get('$symbol'));
  const cls = str(m.get('$class')).split('.').pop() ?? '';
  const version = /^tomcat([789])$/.exec(sym)?.[1] ?? /^Tomcat([789])xAdapter$/.exec(cls)?.[1];
  if (!version) {
    const what = sym || cls || 'a map without $class';
    throw new StepFailure(`deploy: adapters[${i}]: ${what} is not supported by Kiln; the adapters are tomcat7, tomcat8 and tomcat9 (Tomcat's manager text API)`);
  }
  const name = `Tomcat ${version}.x Remote`;
  const url = str(m.get('url')).trim().replace(/\/+$/, '');
  if (!url) throw new StepFailure(`deploy: adapters[${i}] (${name}): url is required`);
  let u: URL;
  try { u = new URL(url); } catch { throw new StepFailure(`deploy: adapters[${i}] (${name}): '${url}' is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StepFailure(`deploy: adapters[${i}] (${name}): '${url}': only http and https URLs`);
  if (u.search || u.hash || u.username || u.password) throw new StepFailure(`deploy: adapters[${i}] (${name}): '${url}': give Tomcat's top URL without a query, fragment or user (the credential goes in credentialsId)`);
  const managerPath = str(m.get('path')).trim() || '/manager/text';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(managerPath) || managerPath.split('/').includes('..')) {
    throw new StepFailure(`deploy: adapters[${i}] (${name}): path '${managerPath}' must be the manager's path, like /manager/text`);
  }
  if (str(m.get('alternativeDeploymentContext')).trim()) throw new StepFailure(`deploy: adapters[${i}] (${name}): alternativeDeploymentContext is not supported by Kiln; remove it`);
  return { name, url, credentialsId: str(m.get('credentialsId')).trim(), managerPath: managerPath.replace(/\/+$/, '') };
}

/** The context path Tomcat gets: contextPath, else the WAR's name without .war (Cargo's default); ROOT is '/'. */
export function contextOf(contextPath: string, war: string): string {
  let c = contextPath.trim().replace(/^\/+|\/+$/g, '');
  if (!contextPath.trim()) c = path.basename(war).replace(/\.war$/i, '').replace(/#/g, '/');
  if (c === '' || c === 'ROOT') return '/';
  if (c.split('/').some((p) => p === '..' || p === '.') || /[\0-\x1f?#%\\]/.test(c)) throw new StepFailure(`deploy: context path '${contextPath || c}' is not a path Tomcat can deploy to`);
  return `/${c}`;
}

function hostAllowed(host: string, s: HttpRequestSettings): boolean {
  const h = host.toLowerCase();
  return s.allowedHosts.some((a) => {
    const x = a.trim().toLowerCase();
    return x.startsWith('*.') ? h.endsWith(x.slice(1)) : h === x;
  });
}

async function deployOne(ctx: StepContext, a: Adapter, auth: string | undefined, warAbs: string, war: SourceFile, context: string, settings: HttpRequestSettings): Promise<void> {
  ctx.log(`${TAG}[INFO] Deploying ${warAbs} to container ${a.name} with context ${context}`);
  ctx.log(`  Redeploying [${warAbs}]`);
  const url = `${a.url}${a.managerPath}/deploy?${new URLSearchParams({ path: context, update: 'true' }).toString()}`;
  const guard = settings.allowPrivate ? undefined : (address: string, host: string) =>
    privateAddress(address) && !hostAllowed(host, settings)
      ? `deploy: ${host} is ${address}, an address of the Kiln server's own network: builds may not reach it unless an administrator allows the host (Settings → HTTP request: allowed hosts)`
      : null;
  let answer;
  const reader = await war.open();
  try {
    answer = await httpCall({
      method: 'PUT', url, bodyStream: { length: reader.size, chunks: () => reader.chunks() }, signal: ctx.signal, timeoutMs: 0, maxBytes: 1024 * 1024,
      headers: { 'Content-Type': 'application/octet-stream', ...(auth ? { Authorization: auth } : {}) },
      ...(guard ? { addressGuard: guard } : {}),
    });
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    const msg = (e as Error).message;
    throw new StepFailure(`deploy: Failed to redeploy [${warAbs}] to ${a.name} at ${a.url}: ${msg.replace(/^deploy: /, '')}`);
  } finally {
    await reader.close();
  }
  const text = answer.body.toString('utf8').trim();
  const first = text.split('\n')[0]?.trim() ?? '';
  if (answer.status === 401) throw new StepFailure(`deploy: Failed to redeploy [${warAbs}] to ${a.name} at ${a.url}: The username and password you provided are not correct (error 401)${a.credentialsId ? ` (credentialsId '${a.credentialsId}')` : ' (no credentialsId given)'}`);
  if (answer.status === 403) throw new StepFailure(`deploy: Failed to redeploy [${warAbs}] to ${a.name} at ${a.url}: The username you provided is not allowed to use the text-based Tomcat Manager (error 403): the user needs the manager-script role`);
  if (answer.status < 200 || answer.status > 299) throw new StepFailure(`deploy: Failed to redeploy [${warAbs}] to ${a.name} at ${a.url}: HTTP ${answer.status} ${answer.statusText}`.trimEnd());
  if (!first.startsWith('OK')) throw new StepFailure(`deploy: Failed to redeploy [${warAbs}] to ${a.name} at ${a.url}: ${first || 'an empty answer (is this the manager text API?)'}`);
  ctx.log(`  ${first}`);
}

const run = (step: string): StepRun => async (ctx, args) => {
  const v = args.values;
  const list = v.adapters;
  if (!isList(list) || list.length === 0) throw new StepFailure(`${step}: adapters must be a list of containers, like [tomcat9(url: 'http://host:8080', credentialsId: 'tc')]`);
  const adapters = list.map((x, i) => adapterOf(x, i));
  const onFailure = v.onFailure === undefined || v.onFailure === null ? true : v.onFailure === true;
  const result = ctx.build.runResult === undefined ? ctx.build.result : ctx.build.runResult;
  if (!onFailure && result !== null && result !== 'SUCCESS') {
    ctx.log(`${TAG}[INFO] Build failed, project not deployed`);
    return null;
  }
  const pattern = str(v.war).trim();
  if (!pattern) throw new StepFailure(`${step}: war is required: an Ant pattern of the WAR files, like 'target/*.war'`);
  const files = await collectSources(ctx, pattern, undefined, { defaultExcludes: true, step });
  if (files.length === 0) throw new StepFailure(`${TAG}[WARN] No wars found. Deploy aborted.`);
  const contextPath = str(v.contextPath);
  const settings = (await ctx.build.services.httpServices?.settings())?.httpRequest ?? { allowedHosts: [], allowPrivate: false };
  const auths = new Map<string, string | undefined>();
  for (const a of adapters) {
    if (!a.credentialsId || auths.has(a.credentialsId)) continue;
    const c = await ctx.build.services.credential(a.credentialsId);
    if (c.type !== 'usernamePassword') throw new StepFailure(`${step}: credentialsId '${a.credentialsId}' is a ${c.type} credential: Tomcat's manager needs a username/password credential`);
    auths.set(a.credentialsId, `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`);
  }
  ctx.log(`${TAG}[INFO] Attempting to deploy ${files.length} war file(s)`);
  for (const f of files) {
    const abs = ctx.resolvePath(f.path);
    const context = contextOf(contextPath, f.path);
    for (const a of adapters) await deployOne(ctx, a, a.credentialsId ? auths.get(a.credentialsId) : undefined, abs, f, context, settings);
  }
  return null;
};

const runtime: PluginRuntime = { steps: { deploy: run('deploy'), DeployPublisher: run('DeployPublisher') } };
export default runtime;
