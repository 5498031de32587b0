// What the Artifactory plugin's declarative steps do (declared in index.ts), over Artifactory's
// REST API (client.ts), with File Specs (spec.ts) and the build's shared state (state.ts):
//   rtServer            defines a server for the rest of the build (id, url, credentials)
//   rtUpload            each spec group's workspace files → PUT /<repo>/<path>;build.name=..;
//                       "Deploying artifact: <url>/<repo>/<path>"; collected into the build info
//   rtDownload          AQL search, then GET each item into the workspace (its SHA-1 checked; a
//                       local file with Artifactory's SHA-1 is kept, not downloaded again);
//                       collected as the build info's dependencies
//   rtBuildInfo         the build info's environment capture, retention, name / number
//   rtPublishBuildInfo  PUT /api/build with the build info's JSON
//   rtPromote           POST /api/build/promote/<name>/<number>
//   rtSetProps, rtDeleteProps  the spec's items' properties (PUT / DELETE /api/storage/...)
//   rtMavenResolver, rtMavenDeployer, rtMavenRun: maven.ts; rtNpmResolver, rtNpmDeployer,
//   rtNpmInstall, rtNpmCi, rtNpmPublish: npm.ts; rtDockerPush, rtDockerPull: docker.ts;
//   rtGradleResolver, rtGradleDeployer, rtGradleRun: gradle.ts; xrayScan: xray.ts
// A server id is one rtServer defined in this build, else one an administrator configured
// (settings `artifactory`, kiln run: KILN_ARTIFACTORY_SERVERS). Credentials: a username /
// password credential is sent as Basic, a secret text (an access token) as Bearer; neither is
// ever printed, put in the build info or in an error.
// Security: a server the build defines (rtServer, Artifactory.newServer) may not reach the Kiln
// server's own network (loopback, private, link-local) unless allowed, as httpRequest; a pattern,
// specPath or download target leaving the workspace is an error; so is a
// repository path with '.' or '..' segments, and an item of a (hostile) server's answer whose
// local path would leave the workspace.
import { createHash } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, type Value } from '../../pipeline/script/values.ts';
import { openFile, writeChunks } from '../../util/files-stream.ts';
import { privateAddress } from '../../util/http-client.ts';
import { ArtifactoryError, aql, deleteProps, deploy, get, promote, publishBuild, setProps, type ArtServer, type Checksums } from './client.ts';
import { downloadPlan, downloadQuery, inside, matchedItems, parseProps, parseSpec, uploadBase, uploadTargets, type AqlItem, type SpecGroup } from './spec.ts';
import { buildInfoJson, buildRec, captureEnv, defaultBuildName, moduleOf, stateOf, type BuildRec, type ServerDef } from './state.ts';
import { artifactoryGlobal } from './global.ts';
import { run as jf } from './jf.ts';
import { mavenRun, rtMavenDeployer, rtMavenResolver } from './maven.ts';
import { dockerPull, dockerPush } from './docker.ts';
import { gradleRun, rtGradleDeployer, rtGradleResolver } from './gradle.ts';
import { xrayScan } from './xray.ts';
import { npmCi, npmInstall, npmPublish, rtNpmDeployer, rtNpmResolver } from './npm.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const fail = (step: string, msg: string): StepFailure => new StepFailure(`${step}: ${msg}`);

function checkUrl(step: string, raw: string): string {
  let u: URL;
  try { u = new URL(raw); } catch { throw fail(step, `'${raw}' is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw fail(step, `'${raw}': an http or https URL`);
  if (u.username || u.password) throw fail(step, 'no user or password in the URL: give credentialsId');
  return raw.replace(/\/+$/, '');
}

const rtServer: StepRun = async (ctx, args) => {
  const id = str(args.values.id).trim();
  if (!/^[\w.-]{1,100}$/.test(id)) throw fail('rtServer', `id '${id}' must be letters, digits, '.', '_' or '-'`);
  const url = checkUrl('rtServer', str(args.values.url).trim());
  const credentialsId = str(args.values.credentialsId).trim();
  const username = str(args.values.username);
  const password = str(args.values.password);
  if (credentialsId && (username || password)) throw fail('rtServer', 'give credentialsId or username and password, not both');
  const timeout = args.values.timeout === undefined || args.values.timeout === null ? 300 : Number(args.values.timeout);
  const retry = args.values.connectionRetry === undefined || args.values.connectionRetry === null ? 3 : Number(args.values.connectionRetry);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86400) throw fail('rtServer', 'timeout is seconds, 1 to 86400');
  if (!Number.isInteger(retry) || retry < 0 || retry > 10) throw fail('rtServer', 'connectionRetry is 0 to 10');
  stateOf(ctx.build.scope).servers.set(id, { id, url, credentialsId, username, password, timeout, connectionRetry: retry });
  return null;
};

/** The server `id` names, with its credentials resolved. */
async function serverOf(ctx: StepContext, step: string, id: string): Promise<ArtServer> {
  if (!id) throw fail(step, 'serverId is required: the id of an rtServer step or of a server configured on the host');
  let def: ServerDef | undefined = stateOf(ctx.build.scope).servers.get(id);
  let guard: ArtServer['guard'];
  if (def) {
    // a URL the build chose: the controller's own network only where an administrator allows it (as httpRequest)
    const reach = (await ctx.build.services.httpServices?.settings())?.httpRequest ?? { allowedHosts: [], allowPrivate: false };
    const allowed = (host: string) => reach.allowedHosts.some((a) => { const x = a.trim().toLowerCase(); const h = host.toLowerCase(); return x.startsWith('*.') ? h.endsWith(x.slice(1)) : h === x; });
    if (!reach.allowPrivate) guard = (address, host) => (privateAddress(address) && !allowed(host) ? `${host} is ${address}, an address of the Kiln server's own network: a server defined in the build may not reach it unless an administrator allows the host (HTTP services settings: httpRequest allowed hosts) or configures the server` : null);
  } else {
    const conf = (await ctx.build.services.httpServices?.settings())?.artifactory?.find((s) => s.id === id);
    if (conf) def = { id, url: conf.url.replace(/\/+$/, ''), credentialsId: conf.credentialsId, username: '', password: '', timeout: 300, connectionRetry: 3 };
  }
  if (!def) throw fail(step, `no Artifactory server '${id}': define it with rtServer(id: '${id}', url: ...) first, or ${ctx.build.services.httpServices?.configureHint ?? 'configure it on the host'}`);
  let auth: ArtServer['auth'] = null;
  if (def.credentialsId) {
    const c = await ctx.build.services.credential(def.credentialsId);
    if (c.type === 'usernamePassword') auth = { kind: 'basic', username: c.username ?? '', password: c.password ?? '' };
    else if (c.type === 'secretText') auth = { kind: 'bearer', token: c.secret ?? '' };
    else throw fail(step, `the credential '${def.credentialsId}' is a ${c.type}: Artifactory needs a username with password or a secret text (an access token)`);
  } else if (def.username || def.password) {
    auth = { kind: 'basic', username: def.username, password: def.password };
  }
  return { id, url: def.url, auth, timeoutMs: def.timeout * 1000, retries: def.connectionRetry, ...(guard ? { guard } : {}) };
}

async function specText(ctx: StepContext, step: string, args: Record<string, Value>): Promise<string> {
  const spec = str(args.spec);
  const specPath = str(args.specPath).trim();
  if (spec && specPath) throw fail(step, 'give spec or specPath, not both');
  if (spec) return spec;
  if (!specPath) throw fail(step, 'a File Spec is required: spec: \'{"files": [...]}\' or specPath: \'spec.json\'');
  const rel = inside(specPath);
  if (rel === null || rel === '') throw fail(step, `specPath '${specPath}' leaves the workspace`);
  const ws = ctx.workspace();
  const st = await ws.stat(ctx.resolvePath(rel));
  if (st?.type !== 'file') throw fail(step, `specPath '${specPath}': no such file in the workspace`);
  if (st.size > 1024 * 1024) throw fail(step, `specPath '${specPath}' is larger than 1 MB`);
  return (await ws.readFile(ctx.resolvePath(rel))).toString('utf8');
}

function groups(step: string, text: string, kind: 'upload' | 'download'): SpecGroup[] {
  try {
    return parseSpec(text, kind);
  } catch (e) {
    throw fail(step, `bad File Spec: ${(e as Error).message}`);
  }
}

/** The build info the step collects into: buildName / buildNumber, else the job's own. */
function recOf(ctx: StepContext, args: Record<string, Value>): BuildRec {
  const name = str(args.buildName).trim() || defaultBuildName(ctx.build.jobName);
  const number = str(args.buildNumber).trim() || String(ctx.build.number);
  const r = buildRec(stateOf(ctx.build.scope), name, number, ctx.build.startedAt);
  const project = str(args.project).trim();
  if (project) r.project = project;
  return r;
}

async function checksums(ctx: StepContext, abs: string): Promise<Checksums & { size: number }> {
  const h1 = createHash('sha1'), h256 = createHash('sha256'), h5 = createHash('md5');
  const r = await openFile(ctx.workspace(), abs);
  for await (const c of r.chunks()) { h1.update(c); h256.update(c); h5.update(c); }
  return { sha1: h1.digest('hex'), sha256: h256.digest('hex'), md5: h5.digest('hex'), size: r.size };
}

const typeOf = (name: string): string => (name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '');

const rtUpload: StepRun = async (ctx, args) => {
  const step = ctx.stepName === 'rtUpload' ? 'rtUpload' : ctx.stepName;
  const server = await serverOf(ctx, step, str(args.values.serverId).trim());
  const gs = groups(step, await specText(ctx, step, args.values), 'upload');
  const rec = recOf(ctx, args.values);
  const module = moduleOf(rec, str(args.values.module).trim() || rec.name);
  const ws = ctx.workspace();
  const buildProps: [string, string[]][] = [['build.name', [rec.name]], ['build.number', [rec.number]], ['build.timestamp', [String(rec.started)]]];
  let count = 0;
  for (const [i, g] of gs.entries()) {
    const at = `files[${i}]`;
    let items;
    try {
      const { base } = uploadBase(g, at);
      const dir = ctx.resolvePath(base || '.');
      const st = await ws.stat(dir);
      const found = st?.type === 'dir' ? await ws.glob(dir, '**', undefined, { defaultExcludes: false }) : [];
      items = uploadTargets(found.map((f) => (base ? `${base}/${f}` : f)), g, at);
    } catch (e) {
      if (e instanceof StepFailure) throw e;
      throw fail(step, (e as Error).message);
    }
    let props: [string, string[]][];
    try { props = [...parseProps(g.props), ...buildProps]; } catch (e) { throw fail(step, `${at}.props: ${(e as Error).message}`); }
    for (const it of items) {
      const abs = ctx.resolvePath(it.file);
      const st = await ws.stat(abs);
      if (st?.type !== 'file') { ctx.log(`Skipping ${it.file}: a ${st?.type ?? 'missing file'}, not a regular file`); continue; }
      const sums = await checksums(ctx, abs);
      ctx.log(`Deploying artifact: ${server.url}/${it.repo}/${it.path}`);
      try {
        await deploy(server, it.repo, it.path, props, sums, { kind: 'stream', length: sums.size, open: async () => (await openFile(ws, abs)).chunks() }, ctx.signal);
      } catch (e) {
        if (e instanceof ArtifactoryError) throw fail(step, e.message);
        throw e;
      }
      const name = it.path.slice(it.path.lastIndexOf('/') + 1);
      module.artifacts.set(`${it.repo}/${it.path}`, { name, type: typeOf(name), path: it.path, sha1: sums.sha1, sha256: sums.sha256, md5: sums.md5, originalDeploymentRepo: it.repo });
      count++;
    }
  }
  captureEnv(rec, ctx.env);
  if (count === 0 && args.values.failNoOp === true) throw fail(step, 'Fail-no-op: No files were affected in the upload process.');
  return null;
};

async function* hashing(chunks: AsyncIterable<Buffer>, h: ReturnType<typeof createHash>[]): AsyncIterable<Buffer> {
  for await (const c of chunks) { for (const x of h) x.update(c); yield c; }
}

const rtDownload: StepRun = async (ctx, args) => {
  const step = ctx.stepName;
  const server = await serverOf(ctx, step, str(args.values.serverId).trim());
  const gs = groups(step, await specText(ctx, step, args.values), 'download');
  const rec = recOf(ctx, args.values);
  const module = moduleOf(rec, str(args.values.module).trim() || rec.name);
  const ws = ctx.workspace();
  let count = 0;
  for (const [i, g] of gs.entries()) {
    const at = `files[${i}]`;
    let plan;
    try {
      const results = await aql(server, downloadQuery(g, at), ctx.signal);
      plan = downloadPlan(results as AqlItem[], g, at);
    } catch (e) {
      if (e instanceof StepFailure && !(e instanceof ArtifactoryError)) throw e;
      throw fail(step, (e as Error).message);
    }
    for (const d of plan) {
      const abs = ctx.resolvePath(d.local);
      const inRepo = d.full.slice(d.item.repo.length + 1);
      const have = await ws.stat(abs);
      if (have?.type === 'file' && d.item.actual_sha1 && have.size === d.item.size) {
        const local = await checksums(ctx, abs);
        if (local.sha1 === d.item.actual_sha1) {
          ctx.log(`${d.local}: the file exists locally with the same checksum, not downloaded again`);
          module.dependencies.set(d.full, { id: d.item.name, type: typeOf(d.item.name), sha1: local.sha1, sha256: local.sha256, md5: local.md5 });
          count++;
          continue;
        }
      }
      ctx.log(`Downloading artifact: ${server.url}/${d.full}`);
      const h1 = createHash('sha1'), h256 = createHash('sha256'), h5 = createHash('md5');
      try {
        await get(server, d.item.repo, inRepo, (chunks) => writeChunks(ws, abs, hashing(chunks, [h1, h256, h5])), ctx.signal);
      } catch (e) {
        if (e instanceof ArtifactoryError) throw fail(step, e.message);
        throw e;
      }
      const sums = { sha1: h1.digest('hex'), sha256: h256.digest('hex'), md5: h5.digest('hex') };
      if (d.item.actual_sha1 && d.item.actual_sha1 !== sums.sha1) {
        await ws.remove(abs);
        throw fail(step, `${d.full}: the downloaded file's SHA-1 is ${sums.sha1}, Artifactory says ${d.item.actual_sha1}; the file was removed`);
      }
      module.dependencies.set(d.full, { id: d.item.name, type: typeOf(d.item.name), ...sums });
      count++;
    }
  }
  captureEnv(rec, ctx.env);
  if (count === 0 && args.values.failNoOp === true) throw fail(step, 'Fail-no-op: No files were affected in the download process.');
  return null;
};

/** rtSetProps / rtDeleteProps: the spec's items (found by AQL, like a download's), each changed in Artifactory. */
function propsStep(step: 'rtSetProps' | 'rtDeleteProps'): StepRun {
  return async (ctx, args) => {
    const server = await serverOf(ctx, step, str(args.values.serverId).trim());
    const gs = groups(step, await specText(ctx, step, args.values), 'download');
    let props: [string, string[]][];
    try { props = parseProps(str(args.values.props)); } catch (e) { throw fail(step, `props: ${(e as Error).message}`); }
    if (props.length === 0) throw fail(step, step === 'rtSetProps' ? "props is required: props: 'status=tested;team=core'" : "props is required: props: 'status,team'");
    const keys = step === 'rtDeleteProps' ? str(args.values.props).split(/[,;]/).map((k) => k.trim()).filter(Boolean) : [];
    let count = 0;
    for (const [i, g] of gs.entries()) {
      try {
        for (const m of matchedItems(await aql(server, downloadQuery(g, `files[${i}]`), ctx.signal) as AqlItem[], g, `files[${i}]`)) {
          ctx.log(`${step === 'rtSetProps' ? 'Setting properties on' : 'Deleting properties of'} ${m.full}`);
          if (step === 'rtSetProps') await setProps(server, m.item.repo, m.inRepo, props, ctx.signal);
          else await deleteProps(server, m.item.repo, m.inRepo, keys, ctx.signal);
          count++;
        }
      } catch (e) {
        if (e instanceof StepFailure && !(e instanceof ArtifactoryError)) throw e;
        throw fail(step, (e as Error).message);
      }
    }
    if (count === 0 && args.values.failNoOp === true) throw fail(step, `Fail-no-op: No files were affected in the ${step === 'rtSetProps' ? 'set' : 'delete'} properties process.`);
    return null;
  };
}

function strList(step: string, name: string, v: Value | undefined): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter(Boolean);
  if (isList(v)) return v.map((x) => str(x).trim()).filter(Boolean);
  throw fail(step, `${name}: a list of patterns`);
}

const rtBuildInfo: StepRun = async (ctx, args) => {
  const v = args.values;
  const rec = recOf(ctx, v);
  if (v.captureEnv !== undefined && v.captureEnv !== null) rec.captureEnv = v.captureEnv === true;
  rec.include = strList('rtBuildInfo', 'includeEnvPatterns', v.includeEnvPatterns) ?? rec.include;
  rec.exclude = strList('rtBuildInfo', 'excludeEnvPatterns', v.excludeEnvPatterns) ?? rec.exclude;
  const maxBuilds = v.maxBuilds === undefined || v.maxBuilds === null ? null : Number(v.maxBuilds);
  const maxDays = v.maxDays === undefined || v.maxDays === null ? null : Number(v.maxDays);
  if (maxBuilds !== null && (!Number.isInteger(maxBuilds) || maxBuilds < 1)) throw fail('rtBuildInfo', 'maxBuilds is a positive whole number');
  if (maxDays !== null && (!Number.isInteger(maxDays) || maxDays < 1)) throw fail('rtBuildInfo', 'maxDays is a positive whole number');
  if (maxBuilds !== null || maxDays !== null) {
    rec.retention = {
      count: maxBuilds ?? -1,
      minimumBuildDate: maxDays === null ? null : Date.now() - maxDays * 86_400_000,
      deleteBuildArtifacts: v.deleteBuildArtifacts !== false,
      buildNumbersNotToBeDiscarded: strList('rtBuildInfo', 'doNotDiscardBuilds', v.doNotDiscardBuilds) ?? [],
    };
  }
  const startDate = str(v.startDate).trim();
  if (startDate) {
    const ms = Date.parse(startDate.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
    if (Number.isNaN(ms)) throw fail('rtBuildInfo', `startDate '${startDate}' is not a date like 2026-12-07T03:35:56.000+0000`);
    rec.started = ms;
  }
  captureEnv(rec, ctx.env);
  return null;
};

const rtPublishBuildInfo: StepRun = async (ctx, args) => {
  const server = await serverOf(ctx, 'rtPublishBuildInfo', str(args.values.serverId).trim());
  const rec = recOf(ctx, args.values);
  captureEnv(rec, ctx.env);
  const json = buildInfoJson(rec, { url: ctx.env.BUILD_URL ?? '', kilnVersion: '', now: Date.now(), principal: '' });
  ctx.log(`Deploying build info to: ${server.url}/api/build`);
  try {
    await publishBuild(server, json, rec.project, ctx.signal);
  } catch (e) {
    if (e instanceof ArtifactoryError) throw fail('rtPublishBuildInfo', e.message);
    throw e;
  }
  ctx.log(`Build successfully deployed. Browse it in Artifactory under ${server.url}/webapp/builds/${encodeURIComponent(rec.name)}/${encodeURIComponent(rec.number)}`);
  return null;
};

const rtPromote: StepRun = async (ctx, args) => {
  const v = args.values;
  const server = await serverOf(ctx, 'rtPromote', str(v.serverId).trim());
  const rec = recOf(ctx, v);
  const targetRepo = str(v.targetRepo).trim();
  if (!targetRepo) throw fail('rtPromote', 'targetRepo is required');
  const body = {
    status: str(v.status) || undefined,
    comment: str(v.comment) || undefined,
    ciUser: 'kiln',
    timestamp: new Date().toISOString().replace('Z', '+0000'),
    dryRun: false,
    sourceRepo: str(v.sourceRepo) || undefined,
    targetRepo,
    copy: v.copy === true,
    artifacts: true,
    dependencies: v.includeDependencies === true,
    failFast: v.failFast !== false,
  };
  ctx.log(`Promoting build ${rec.name} #${rec.number} to ${targetRepo}`);
  let messages: string[];
  try {
    messages = await promote(server, rec.name, rec.number, body, rec.project, ctx.signal);
  } catch (e) {
    if (e instanceof ArtifactoryError) throw fail('rtPromote', e.message);
    throw e;
  }
  for (const m of messages) ctx.log(m);
  ctx.log('Promotion completed successfully!');
  return null;
};

const runtime: PluginRuntime = {
  steps: { rtServer, rtUpload, rtDownload, rtBuildInfo, rtPublishBuildInfo, rtPromote, rtSetProps: propsStep('rtSetProps'), rtDeleteProps: propsStep('rtDeleteProps'), rtMavenResolver, rtMavenDeployer, rtMavenRun: mavenRun(serverOf, recOf),
    rtNpmResolver, rtNpmDeployer, rtNpmInstall: npmInstall(serverOf), rtNpmCi: npmCi(serverOf), rtNpmPublish: npmPublish(serverOf, recOf), jf,
    rtDockerPush: dockerPush(serverOf, recOf), rtDockerPull: dockerPull(serverOf, recOf), rtGradleResolver, rtGradleDeployer, rtGradleRun: gradleRun(serverOf, recOf), xrayScan: xrayScan(serverOf, recOf) },
  globals: { Artifactory: (g) => artifactoryGlobal(g.scope, (c) => g.envOf(c)) },
};
export default runtime;
