// The Artifactory plugin's Docker steps, with the real docker CLI on the node (as Kiln's docker
// plugin drives Docker: `docker` run through the workspace's exec, where the executor is):
//   rtDockerPush(serverId:, image:, targetRepo:, properties:, buildName:, buildNumber:, project:, host:)
//   rtDockerPull(serverId:, image:, sourceRepo:, buildName:, buildNumber:, project:, host:)
// Each logs in to the image's registry with the Artifactory server's credentials (a username
// with password: `docker login --username U --password-stdin <registry>` into a DOCKER_CONFIG in
// the workspace's scratch directory, removed after), then `docker push` / `docker pull`. Then, as
// JFrog's DockerImage does, the build info: the image's manifest.json is read from Artifactory
// (GET <url>/<repo>/<image path>/<tag>/manifest.json, the reverse-proxy path first, then the
// "repository path" one, whose first path segment is the repository key), its config digest must
// be the local image's id (`docker image inspect`), the layers are found with AQL
// (items.find({"repo", "path", "$or": [{"name": {"$match": "sha256__<hex>*"}}]})) for their
// SHA-1, and they go into the build info as module `<image without the registry>` of type docker
// (push: artifacts manifest.json, the config and each layer as sha256__<hex>; pull: the config and
// the layers as dependencies), with the module properties docker.image.id and
// docker.captured.image. A push also sets build.name, build.number, build.timestamp and the
// `properties` on the manifest (PUT /api/storage/<repo>/<path>/manifest.json?properties=...).
// Security: the server's credentials go only to its own host or a subdomain (foreignRegistry):
// an image naming another registry (or Docker Hub) is refused, not logged in to; the image must be a plain Docker reference (no option-like or odd text reaches the
// CLI; arguments are never through a shell); the password goes through stdin only; an access
// token (secret text) cannot log in to a Docker registry and is refused; a hostile answer
// (manifest not JSON, bad digests) fails with a clear message and never writes a file.
import { randomBytes } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { Workspace } from '../../core/workspace.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { aql, ArtifactoryError, call, errorText, setProps, urlPath, type ArtServer } from './client.ts';
import { parseProps } from './spec.ts';
import { moduleOf, type BuildRec } from './state.ts';

type ServerOf = (ctx: StepContext, step: string, id: string) => Promise<ArtServer>;
type RecOf = (ctx: StepContext, args: Record<string, Value>) => BuildRec;

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$`);
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageRef { full: string; registry: string | null; path: string; tag: string }

/** A Docker image reference: [registry/]path[:tag] (no digest); the tag defaults to latest. */
export function parseImage(step: string, image: string): ImageRef {
  const raw = image.trim();
  const m = raw.length <= 512 ? IMAGE.exec(raw) : null;
  if (!m) throw new StepFailure(`${step}: image '${image.slice(0, 200)}' is not a Docker image name ([registry/]name[:tag], lower-case name)`);
  let registry = m[1] ?? null;
  let path = m[2]!;
  // as Docker: the first part is a registry only when it has a '.' or a ':' or is localhost
  if (registry && !/[.:]/.test(registry) && registry !== 'localhost') { path = `${registry}/${path}`; registry = null; }
  const tag = m[3] ?? 'latest';
  return { full: `${registry ? `${registry}/` : ''}${path}:${tag}`, registry, path, tag };
}

async function cli(ctx: StepContext, ws: Workspace, args: string[], env: Record<string, string>, o: { stdin?: string; stream?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let r;
  try {
    r = await ws.exec({
      argv: ['docker', ...args], cwd: ws.root, env, signal: ctx.signal, ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
      onOutput: (c, stream) => { (stream === 'stdout' ? out : err).push(c); if (o.stream) ctx.write(c, stream); },
    });
  } catch (e) {
    if (/no such program|ENOENT/.test((e as Error).message)) throw new StepFailure(`the docker CLI is not installed on node '${ws.nodeName}'`);
    throw e;
  }
  const stderr = Buffer.concat(err).toString('utf8');
  if (r.exitCode === 127 && /not found|No such file/i.test(stderr)) throw new StepFailure(`the docker CLI is not installed on node '${ws.nodeName}'`);
  return { code: r.exitCode ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr };
}

const last = (s: string) => s.trim().split('\n').slice(-3).join(' | ').slice(0, 500);

/**
 * Why the server's credentials may not go to `registry`, or null: only to the server's own host
 * or a subdomain of it (acme.jfrog.io, docker.artifactory.acme.com for artifactory.acme.com), any
 * port; never to Docker Hub or another host a build names in its image.
 */
export function foreignRegistry(s: ArtServer, registry: string | null): string | null {
  const server = new URL(s.url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (!registry) return `the image names no registry (Docker Hub): the credentials of Artifactory server '${s.id}' go only to its host ${server}; name the image ${server}/...`;
  const host = registry.toLowerCase().replace(/:\d+$/, '');
  if (host === server || host.endsWith(`.${server}`)) return null;
  return `the image's registry ${registry} is not the host of Artifactory server '${s.id}' (${server}): its credentials are not sent to another host`;
}

/** Runs fn logged in to `registry` with the server's credentials, in a DOCKER_CONFIG of its own. */
async function loggedIn<T>(ctx: StepContext, step: string, ws: Workspace, s: ArtServer, registry: string | null, env: Record<string, string>, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  if (!s.auth) return fn(env);
  const why = foreignRegistry(s, registry);
  if (why) throw new StepFailure(`${step}: ${why}`);
  if (s.auth.kind !== 'basic') throw new StepFailure(`${step}: server '${s.id}' has an access token (a secret text credential): docker login needs a username with password`);
  const dir = `${ws.tmp}/artifactory-docker-${randomBytes(6).toString('hex')}`;
  await ws.mkdir(dir);
  try {
    const cliEnv = { ...env, DOCKER_CONFIG: dir };
    const r = await cli(ctx, ws, ['login', '--username', s.auth.username, '--password-stdin', ...(registry ? [registry] : [])], cliEnv, { stdin: s.auth.password });
    if (r.code !== 0) throw new StepFailure(`${step}: docker login to ${registry ?? 'Docker Hub'} as '${s.auth.username}' failed: ${last(r.stderr)}`);
    return await fn(cliEnv);
  } finally {
    await ws.remove(dir).catch(() => undefined);
  }
}

function dockerEnv(ctx: StepContext, step: string, host: string): Record<string, string> {
  const env: Record<string, string> = { ...ctx.env };
  if (host) {
    if (!/^(unix:\/\/\/[\w./-]+|tcp:\/\/[\w.-]+(:\d+)?|ssh:\/\/[\w.@-]+(:\d+)?)$/.test(host)) throw new StepFailure(`${step}: host '${host}' is not a Docker daemon address (unix:///path, tcp://host:port or ssh://user@host)`);
    env.DOCKER_HOST = host;
  }
  return env;
}

interface Layer { digest: string; name: string; sha1: string }
interface Found { manifestPath: string; imagePath: string; imageId: string; layers: Layer[]; order: string[] }

/** The image's manifest and layers in Artifactory, as JFrog's DockerImage finds them; null (with the reason logged) when not found. */
async function findInArtifactory(ctx: StepContext, s: ArtServer, repo: string, ref: ImageRef, imageId: string): Promise<Found | null> {
  const candidates = [ref.path];
  if (ref.path.includes('/')) candidates.push(ref.path.slice(ref.path.indexOf('/') + 1));
  for (const imagePath of candidates) {
    const dir = `${imagePath}/${ref.tag}`;
    const a = await call(s, { method: 'GET', path: urlPath(repo, `${dir}/manifest.json`), signal: ctx.signal, maxBytes: 4 * 1024 * 1024 });
    if (a.status !== 200) { ctx.log(`The manifest could not be fetched from ${repo}/${dir}/manifest.json: HTTP ${a.status}: ${errorText(a)}`); continue; }
    let manifest: { config?: { digest?: unknown }; layers?: { digest?: unknown }[] };
    try { manifest = JSON.parse(a.body.toString('utf8')) as typeof manifest; } catch { throw new ArtifactoryError(`${repo}/${dir}/manifest.json is not JSON`); }
    const config = manifest.config?.digest;
    const layerDigests = Array.isArray(manifest.layers) ? manifest.layers.map((l) => l?.digest) : [];
    if (Array.isArray((manifest as { manifests?: unknown }).manifests)) { ctx.log(`${repo}/${dir}/manifest.json is a manifest list (fat manifest): not followed`); continue; }
    if (typeof config !== 'string' || !DIGEST.test(config) || !layerDigests.every((d): d is string => typeof d === 'string' && DIGEST.test(d))) {
      throw new ArtifactoryError(`${repo}/${dir}/manifest.json is not a Docker image manifest (schema 2 with sha256 digests)`);
    }
    if (config !== imageId) { ctx.log(`${repo}/${dir}/manifest.json is of image ${config}, not of the local image ${imageId}`); continue; }
    const order = [...new Set([config, ...layerDigests])];
    const q = `items.find(${JSON.stringify({ repo, path: dir, $or: order.map((d) => ({ name: { $match: `${d.replace(':', '__')}*` } })) })}).include("name","repo","path","actual_sha1")`;
    const results = (await aql(s, q, ctx.signal)) as { name?: unknown; actual_sha1?: unknown }[];
    const layers: Layer[] = [];
    for (const d of order) {
      const name = d.replace(':', '__');
      const hit = results.find((x) => x && x.name === name);
      if (!hit) throw new ArtifactoryError(`layer ${name} of ${ref.full} is not in ${repo}/${dir}`);
      layers.push({ digest: d, name, sha1: typeof hit.actual_sha1 === 'string' && /^[a-f0-9]{40}$/.test(hit.actual_sha1) ? hit.actual_sha1 : '' });
    }
    return { manifestPath: `${dir}/manifest.json`, imagePath, imageId, layers, order };
  }
  return null;
}

async function imageId(ctx: StepContext, step: string, ws: Workspace, env: Record<string, string>, ref: ImageRef): Promise<string> {
  const r = await cli(ctx, ws, ['image', 'inspect', '--format', '{{.Id}}', '--', ref.full], env);
  const id = r.stdout.trim();
  if (r.code !== 0 || !DIGEST.test(id)) throw new StepFailure(`${step}: docker image inspect ${ref.full} failed: ${last(r.stderr) || id}`);
  return id;
}

function setModule(rec: BuildRec, ref: ImageRef, repo: string, f: Found, push: boolean, manifestSums: { sha1: string; sha256: string; md5: string }): void {
  const id = ref.full.slice(ref.full.indexOf('/') + 1);
  const m = moduleOf(rec, ref.registry ? id : ref.full, 'docker');
  m.repository = repo;
  m.properties = { 'docker.image.id': f.imageId.slice('sha256:'.length), 'docker.captured.image': ref.full };
  const dir = f.manifestPath.slice(0, -'/manifest.json'.length);
  for (const l of f.layers) {
    const hex = l.digest.slice('sha256:'.length);
    if (push) m.artifacts.set(`${repo}/${dir}/${l.name}`, { name: l.name, type: '', path: `${dir}/${l.name}`, sha1: l.sha1, sha256: hex, md5: '', originalDeploymentRepo: repo });
    else m.dependencies.set(`${repo}/${dir}/${l.name}`, { id: l.name, type: '', sha1: l.sha1, sha256: hex, md5: '' });
  }
  if (push) m.artifacts.set(`${repo}/${f.manifestPath}`, { name: 'manifest.json', type: 'json', path: f.manifestPath, ...manifestSums, originalDeploymentRepo: repo });
}

async function storageSums(ctx: StepContext, s: ArtServer, repo: string, p: string): Promise<{ sha1: string; sha256: string; md5: string }> {
  const a = await call(s, { method: 'GET', path: `/api/storage${urlPath(repo, p)}`, signal: ctx.signal });
  const sums = { sha1: '', sha256: '', md5: '' };
  if (a.status !== 200) return sums;
  try {
    const c = (JSON.parse(a.body.toString('utf8')) as { checksums?: Record<string, unknown> }).checksums ?? {};
    for (const k of ['sha1', 'sha256', 'md5'] as const) if (typeof c[k] === 'string' && /^[a-f0-9]+$/.test(c[k])) sums[k] = c[k];
  } catch { /* keep empty */ }
  return sums;
}

function dockerStep(kind: 'push' | 'pull', serverOf: ServerOf, recOf: RecOf): StepRun {
  const step = kind === 'push' ? 'rtDockerPush' : 'rtDockerPull';
  return async (ctx, args) => {
    const v = args.values;
    const ref = parseImage(step, str(v.image));
    const repoKey = kind === 'push' ? 'targetRepo' : 'sourceRepo';
    const repo = str(v[repoKey]).trim();
    if (kind === 'push' && !repo) throw new StepFailure(`${step}: targetRepo is required: the Docker repository of Artifactory the image goes to`);
    if (repo && !REPO.test(repo)) throw new StepFailure(`${step}: ${repoKey} '${repo}' is not a repository key`);
    let props: [string, string[]][] = [];
    try { props = parseProps(str(v.properties)); } catch (e) { throw new StepFailure(`${step}: properties: ${(e as Error).message}`); }
    const s = await serverOf(ctx, step, str(v.serverId).trim());
    const here = ctx.workspace();
    const ws = here.containerHost ?? here;
    const env = dockerEnv(ctx, step, str(v.host).trim());
    const rec = recOf(ctx, v);
    await loggedIn(ctx, step, ws, s, ref.registry, env, async (cliEnv) => {
      ctx.log(`${kind === 'push' ? 'Pushing' : 'Pulling'} image: ${ref.full}`);
      const r = await cli(ctx, ws, [kind, '--', ref.full], cliEnv, { stream: true });
      if (r.code !== 0) throw new StepFailure(`${step}: docker ${kind} ${ref.full} failed: ${last(r.stderr)}`);
      return null;
    });
    if (!repo) { ctx.log(`${step}: no sourceRepo: the image's layers are not collected into the build info`); return null; }
    const id = await imageId(ctx, step, ws, env, ref);
    let found: Found | null;
    try {
      found = await findInArtifactory(ctx, s, repo, ref, id);
      if (!found) { ctx.log(`The manifest could not be fetched from Artifactory: ${ref.full} is not in the build info`); return null; }
      const buildProps: [string, string[]][] = [['build.name', [rec.name]], ['build.number', [rec.number]], ['build.timestamp', [String(rec.started)]]];
      if (kind === 'push') await setProps(s, repo, found.manifestPath, [...buildProps, ...props], ctx.signal);
      ctx.log('Fetching details of published docker layers from Artifactory...');
      setModule(rec, ref, repo, found, kind === 'push', kind === 'push' ? await storageSums(ctx, s, repo, found.manifestPath) : { sha1: '', sha256: '', md5: '' });
    } catch (e) {
      if (e instanceof ArtifactoryError) throw new StepFailure(`${step}: ${e.message}`);
      throw e;
    }
    ctx.log(`Successfully ${kind === 'push' ? 'pushed' : 'pulled'} docker image: ${ref.full}`);
    return null;
  };
}

export const dockerPush = (serverOf: ServerOf, recOf: RecOf) => dockerStep('push', serverOf, recOf);
export const dockerPull = (serverOf: ServerOf, recOf: RecOf) => dockerStep('pull', serverOf, recOf);
