// The Artifactory plugin's Maven steps, without JFrog's Maven extractor:
//   rtMavenResolver(id:, serverId:, releaseRepo:, snapshotRepo:)   where dependencies come from
//   rtMavenDeployer(id:, serverId:, releaseRepo:, snapshotRepo:, deployArtifacts:)  where artifacts go
//   rtMavenRun(pom:, goals:, opts:, resolverId:, deployerId:, buildName:, buildNumber:)
// rtMavenRun runs the node's `mvn` (no shell: goals and opts are split on white space) with a
// settings.xml it writes in the workspace's scratch directory (removed after): a mirror of
// everything to <server>/<resolver releaseRepo>, and the servers' credentials (Basic, or an
// Authorization: Bearer header for an access token). With a deployer it adds `deploy:deploy`
// (unless the goals deploy already) and -DaltReleaseDeploymentRepository /
// -DaltSnapshotDeploymentRepository, so that the artifacts the build installs are deployed, as
// the extractor deploys them. The files Maven reports "Uploaded to artifactory-deployer: <url>"
// go into the build info (module groupId:artifactId:version, checksums from
// GET /api/storage/<repo>/<path>). The password is in the settings file only, never in argv.
import path from 'node:path/posix';
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { call, errorText, type ArtServer } from './client.ts';
import { moduleOf, type BuildRec } from './state.ts';

export interface MavenRepoConfig { id: string; serverId: string; releaseRepo: string; snapshotRepo: string; deployArtifacts: boolean }

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function configOf(step: string, args: Record<string, Value>, deployer: boolean): MavenRepoConfig {
  const id = str(args.id).trim();
  if (!/^[\w.-]{1,100}$/.test(id)) throw new StepFailure(`${step}: id '${id}' must be letters, digits, '.', '_' or '-'`);
  const serverId = str(args.serverId).trim();
  if (!serverId) throw new StepFailure(`${step}: serverId is required`);
  const releaseRepo = str(args.releaseRepo).trim();
  const snapshotRepo = str(args.snapshotRepo).trim() || releaseRepo;
  if (!REPO.test(releaseRepo)) throw new StepFailure(`${step}: releaseRepo '${releaseRepo}' is not a repository key`);
  if (!REPO.test(snapshotRepo)) throw new StepFailure(`${step}: snapshotRepo '${snapshotRepo}' is not a repository key`);
  return { id, serverId, releaseRepo, snapshotRepo, deployArtifacts: !deployer || args.deployArtifacts !== false };
}

const maps = (ctx: StepContext) => ctx.build.scope.state('artifactory.maven', () => ({ resolvers: new Map<string, MavenRepoConfig>(), deployers: new Map<string, MavenRepoConfig>() }));

export const rtMavenResolver: StepRun = async (ctx, args) => {
  const c = configOf('rtMavenResolver', args.values, false);
  maps(ctx).resolvers.set(c.id, c);
  return null;
};

export const rtMavenDeployer: StepRun = async (ctx, args) => {
  const c = configOf('rtMavenDeployer', args.values, true);
  maps(ctx).deployers.set(c.id, c);
  return null;
};

function serverXml(id: string, s: ArtServer): string {
  if (!s.auth) return '';
  if (s.auth.kind === 'basic') return `<server><id>${id}</id><username>${xml(s.auth.username)}</username><password>${xml(s.auth.password)}</password></server>`;
  return `<server><id>${id}</id><configuration><httpHeaders><property><name>Authorization</name><value>Bearer ${xml(s.auth.token)}</value></property></httpHeaders></configuration></server>`;
}

type ServerOf = (ctx: StepContext, step: string, id: string) => Promise<ArtServer>;
type RecOf = (ctx: StepContext, args: Record<string, Value>) => BuildRec;

export function mavenRun(serverOf: ServerOf, recOf: RecOf): StepRun {
  return async (ctx, args) => {
    const v = args.values;
    const ws = ctx.workspace();
    const m = maps(ctx);
    const resolverId = str(v.resolverId).trim();
    const deployerId = str(v.deployerId).trim();
    const resolver = resolverId ? m.resolvers.get(resolverId) : undefined;
    const deployer = deployerId ? m.deployers.get(deployerId) : undefined;
    if (resolverId && !resolver) throw new StepFailure(`rtMavenRun: no rtMavenResolver with id '${resolverId}' in this build`);
    if (deployerId && !deployer) throw new StepFailure(`rtMavenRun: no rtMavenDeployer with id '${deployerId}' in this build`);
    const rs = resolver ? await serverOf(ctx, 'rtMavenRun', resolver.serverId) : null;
    const ds = deployer ? await serverOf(ctx, 'rtMavenRun', deployer.serverId) : null;
    const pom = str(v.pom).trim() || 'pom.xml';
    if (pom.startsWith('/') || path.normalize(pom).startsWith('..')) throw new StepFailure(`rtMavenRun: pom '${pom}' leaves the workspace`);
    const goals = str(v.goals).trim().split(/\s+/).filter(Boolean);
    const opts = str(v.opts).trim().split(/\s+/).filter(Boolean);
    if (goals.length === 0) throw new StepFailure("rtMavenRun: goals is required: goals: 'clean install'");
    const settings = [
      '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">',
      '<servers>', rs ? serverXml('artifactory-resolver', rs) : '', ds ? serverXml('artifactory-deployer', ds) : '', '</servers>',
      rs && resolver ? `<mirrors><mirror><id>artifactory-resolver</id><mirrorOf>*</mirrorOf><url>${xml(`${rs.url}/${resolver.releaseRepo}`)}</url></mirror></mirrors>` : '',
      '</settings>', '',
    ].join('\n');
    const dir = `${ws.tmp}/artifactory-maven-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const file = `${dir}/settings.xml`;
    await ws.mkdir(dir);
    await ws.writeFile(file, settings, 0o600);
    const argv = ['mvn', '-B', '-s', file, '-f', pom, ...opts, ...goals];
    if (ds && deployer?.deployArtifacts) {
      if (!goals.includes('deploy')) argv.push('deploy:deploy');
      argv.push(`-DaltReleaseDeploymentRepository=artifactory-deployer::default::${ds.url}/${deployer.releaseRepo}`,
        `-DaltSnapshotDeploymentRepository=artifactory-deployer::default::${ds.url}/${deployer.snapshotRepo}`);
    }
    ctx.log(`Executing command: ${argv.map((a) => (a === file ? '<settings.xml>' : a)).join(' ')}`);
    const out: Buffer[] = [];
    let r;
    try {
      r = await ws.exec({
        argv, cwd: ctx.cwd ?? ws.root, env: { ...ctx.env }, signal: ctx.signal,
        onOutput: (c, stream) => { if (stream === 'stdout') out.push(c); ctx.write(c, stream); },
      });
    } finally {
      await ws.remove(dir).catch(() => undefined);
    }
    if (r.exitCode !== 0) throw new StepFailure(`rtMavenRun: mvn ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`}`);
    if (!ds) return null;
    const rec = recOf(ctx, v);
    const prefix = `Uploaded to artifactory-deployer: ${ds.url}/`;
    const uploaded = Buffer.concat(out).toString('utf8').split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').replace(/^\[INFO\] /, '').trim())
      .filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).replace(/ \(.*\)$/, ''))
      .filter((p) => !/(^|\/)maven-metadata\.xml(\.\w+)?$/.test(p) && !/\.(md5|sha1|sha256|sha512|asc)$/.test(p));
    for (const u of new Set(uploaded)) {
      const parts = u.split('/');
      const repo = parts[0]!;
      const inRepo = parts.slice(1).join('/');
      if (parts.length < 5) continue;
      const name = parts.at(-1)!;
      const version = parts.at(-2)!;
      const artifactId = parts.at(-3)!;
      const groupId = parts.slice(1, -3).join('.');
      const a = await call(ds, { method: 'GET', path: `/api/storage/${parts.map(encodeURIComponent).join('/')}`, signal: ctx.signal });
      let sums = { sha1: '', sha256: '', md5: '' };
      if (a.status === 200) {
        try { sums = { ...sums, ...(JSON.parse(a.body.toString('utf8')) as { checksums?: typeof sums }).checksums }; } catch { /* keep empty */ }
      } else {
        ctx.log(`rtMavenRun: no checksums for ${u}: HTTP ${a.status}: ${errorText(a)}`);
      }
      const mod = moduleOf(rec, str(v.module).trim() || `${groupId}:${artifactId}:${version}`, 'maven');
      mod.artifacts.set(u, { name, type: name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '', path: inRepo, sha1: sums.sha1, sha256: sums.sha256, md5: sums.md5, originalDeploymentRepo: repo });
    }
    return null;
  };
}
