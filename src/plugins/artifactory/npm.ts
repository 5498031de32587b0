// The Artifactory plugin's npm steps, without JFrog's npm extractor:
//   rtNpmResolver(id:, serverId:, repo:)   the npm registry installs resolve from
//   rtNpmDeployer(id:, serverId:, repo:)   the npm registry rtNpmPublish publishes to
//   rtNpmInstall(path:, resolverId:, args:) / rtNpmCi(...)   `npm install` / `npm ci` in path
//   rtNpmPublish(path:, deployerId:)       `npm publish`, the package into the build info
// Each runs the node's `npm` (no shell; args split on white space) with --userconfig pointing at an
// .npmrc written in the workspace's scratch directory (mode 600, removed after) that sets the
// registry to <server>/api/npm/<repo>/ and its credentials for that registry only (`_auth` for a
// username and password, `_authToken` for an access token). The published package goes into the
// build info as module `name:version` (type npm) with the checksums Artifactory reports for its
// tarball (GET /api/storage/<repo>/<name>/-/<name>-<version>.tgz). Installed dependencies are not
// collected.
import path from 'node:path/posix';
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { call, errorText, type ArtServer } from './client.ts';
import { moduleOf, type BuildRec } from './state.ts';

interface NpmRepo { id: string; serverId: string; repo: string }
type ServerOf = (ctx: StepContext, step: string, id: string) => Promise<ArtServer>;
type RecOf = (ctx: StepContext, args: Record<string, Value>) => BuildRec;

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const maps = (ctx: StepContext) => ctx.build.scope.state('artifactory.npm', () => ({ resolvers: new Map<string, NpmRepo>(), deployers: new Map<string, NpmRepo>() }));

function repoConfig(step: string, args: Record<string, Value>): NpmRepo {
  const id = str(args.id).trim();
  if (!/^[\w.-]{1,100}$/.test(id)) throw new StepFailure(`${step}: id '${id}' must be letters, digits, '.', '_' or '-'`);
  const serverId = str(args.serverId).trim();
  if (!serverId) throw new StepFailure(`${step}: serverId is required`);
  const repo = str(args.repo).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(repo)) throw new StepFailure(`${step}: repo '${repo}' is not a repository key`);
  return { id, serverId, repo };
}

export const rtNpmResolver: StepRun = async (ctx, args) => { const c = repoConfig('rtNpmResolver', args.values); maps(ctx).resolvers.set(c.id, c); return null; };
export const rtNpmDeployer: StepRun = async (ctx, args) => { const c = repoConfig('rtNpmDeployer', args.values); maps(ctx).deployers.set(c.id, c); return null; };

/** The .npmrc lines for a registry: the registry itself and its credentials, keyed by its URL without the scheme (npm's "nerf dart"). */
function npmrc(registry: string, s: ArtServer): string {
  const nerf = registry.replace(/^https?:/, '');
  const lines = [`registry=${registry}`];
  if (s.auth?.kind === 'basic') lines.push(`${nerf}:_auth=${Buffer.from(`${s.auth.username}:${s.auth.password}`).toString('base64')}`);
  if (s.auth?.kind === 'bearer') lines.push(`${nerf}:_authToken=${s.auth.token}`);
  return lines.join('\n') + '\n';
}

async function runNpm(ctx: StepContext, step: string, command: string[], dirArg: string, registry: string, s: ArtServer, extra: string): Promise<void> {
  const ws = ctx.workspace();
  const rel = dirArg.trim() || '.';
  if (rel.startsWith('/') || path.normalize(rel).startsWith('..')) throw new StepFailure(`${step}: path '${rel}' leaves the workspace`);
  const cwd = ctx.resolvePath(rel);
  const tmp = `${ws.tmp}/artifactory-npm-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await ws.mkdir(tmp);
  await ws.writeFile(`${tmp}/npmrc`, npmrc(registry, s), 0o600);
  const argv = ['npm', ...command, ...extra.trim().split(/\s+/).filter(Boolean), '--userconfig', `${tmp}/npmrc`];
  ctx.log(`Executing command: ${argv.map((a) => (a === `${tmp}/npmrc` ? '<npmrc>' : a)).join(' ')}`);
  let r;
  try {
    r = await ws.exec({ argv, cwd, env: { ...ctx.env }, signal: ctx.signal, onOutput: (c, stream) => ctx.write(c, stream) });
  } finally {
    await ws.remove(tmp).catch(() => undefined);
  }
  if (r.exitCode !== 0) throw new StepFailure(`${step}: npm ${command[0]} ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`}`);
}

function install(step: string, command: string, serverOf: ServerOf): StepRun {
  return async (ctx, args) => {
    const id = str(args.values.resolverId).trim();
    const res = id ? maps(ctx).resolvers.get(id) : undefined;
    if (!res) throw new StepFailure(`${step}: ${id ? `no rtNpmResolver with id '${id}' in this build` : 'resolverId is required'}`);
    const s = await serverOf(ctx, step, res.serverId);
    await runNpm(ctx, step, [command], str(args.values.path), `${s.url}/api/npm/${res.repo}/`, s, str(args.values.args));
    return null;
  };
}

export const npmInstall = (serverOf: ServerOf) => install('rtNpmInstall', 'install', serverOf);
export const npmCi = (serverOf: ServerOf) => install('rtNpmCi', 'ci', serverOf);

export function npmPublish(serverOf: ServerOf, recOf: RecOf): StepRun {
  return async (ctx, args) => {
    const id = str(args.values.deployerId).trim();
    const dep = id ? maps(ctx).deployers.get(id) : undefined;
    if (!dep) throw new StepFailure(`rtNpmPublish: ${id ? `no rtNpmDeployer with id '${id}' in this build` : 'deployerId is required'}`);
    const s = await serverOf(ctx, 'rtNpmPublish', dep.serverId);
    const dir = str(args.values.path).trim() || '.';
    const ws = ctx.workspace();
    let pkg: { name?: unknown; version?: unknown };
    try {
      pkg = JSON.parse((await ws.readFile(ctx.resolvePath(path.join(dir, 'package.json')))).toString('utf8')) as typeof pkg;
    } catch (e) {
      throw new StepFailure(`rtNpmPublish: cannot read ${path.join(dir, 'package.json')}: ${(e as Error).message}`);
    }
    const name = typeof pkg.name === 'string' ? pkg.name : '';
    const version = typeof pkg.version === 'string' ? pkg.version : '';
    if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name) || !/^[\w.+-]+$/.test(version)) throw new StepFailure('rtNpmPublish: package.json needs a valid name and version');
    await runNpm(ctx, 'rtNpmPublish', ['publish'], dir, `${s.url}/api/npm/${dep.repo}/`, s, str(args.values.args));
    const file = `${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
    const inRepo = `${name}/-/${file}`;
    const a = await call(s, { method: 'GET', path: `/api/storage/${encodeURIComponent(dep.repo)}/${inRepo.split('/').map(encodeURIComponent).join('/')}`, signal: ctx.signal });
    let sums = { sha1: '', sha256: '', md5: '' };
    if (a.status === 200) {
      try { sums = { ...sums, ...(JSON.parse(a.body.toString('utf8')) as { checksums?: typeof sums }).checksums }; } catch { /* keep empty */ }
    } else {
      ctx.log(`rtNpmPublish: no checksums for ${dep.repo}/${inRepo}: HTTP ${a.status}: ${errorText(a)}`);
    }
    const rec = recOf(ctx, args.values);
    moduleOf(rec, str(args.values.module).trim() || `${name}:${version}`, 'npm').artifacts.set(`${dep.repo}/${inRepo}`, { name: file, type: 'tgz', path: inRepo, ...sums, originalDeploymentRepo: dep.repo });
    return null;
  };
}
