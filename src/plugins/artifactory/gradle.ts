// The Artifactory plugin's Gradle steps, without JFrog's Gradle extractor:
//   rtGradleResolver(id:, serverId:, repo:)                 where dependencies and plugins come from
//   rtGradleDeployer(id:, serverId:, repo:, publications:, deployArtifacts:, properties:)  where artifacts go
//   rtGradleRun(tool: | useWrapper:, rootDir:, buildFile:, tasks:, switches:, resolverId:, deployerId:, buildName:, buildNumber:)
// rtGradleRun runs the node's `gradle` (or `./gradlew` in rootDir with useWrapper: true; no shell:
// tasks and switches are split on white space) with `--init-script <kiln-artifactory.gradle>`
// (buildFile: `-p <its directory>` for a build.gradle(.kts), else `-b <file>`),
// written in the workspace's scratch directory and removed after. As the plugin's init script
// applies its extractor, this one gives the build:
//   - the resolver: a Maven repository <server>/<repo> for every project and for plugins
//     (pluginManagement, Gradle 6+);
//   - the deployer: maven-publish on each project with the java component (a `mavenJava`
//     publication when the build has none), a Maven repository `artifactoryDeployer` =
//     <server>/<repo> for publishing, and a task `artifactoryPublish` that runs the publications'
//     publish tasks to it (only the `publications` named, when given), as the extractor's task;
//     each published publication (group, artifact, version, its files) is written to a report.
// Credentials reach Gradle in the environment only (KILN_ARTIFACTORY_RESOLVER_USER / _PASSWORD /
// _TOKEN, the same for DEPLOYER: read by the init script), never in argv or a file. After the
// run the reported files go into the build info as module group:artifact:version (type gradle)
// with the checksums Artifactory reports (GET /api/storage), and get build.name, build.number,
// build.timestamp and the deployer's `properties` (PUT /api/storage/...?properties=).
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { ArtifactoryError, call, errorText, setProps, urlPath, type ArtServer } from './client.ts';
import { parseProps } from './spec.ts';
import { moduleOf, type BuildRec } from './state.ts';

type ServerOf = (ctx: StepContext, step: string, id: string) => Promise<ArtServer>;
type RecOf = (ctx: StepContext, args: Record<string, Value>) => BuildRec;
export interface GradleRepo { id: string; serverId: string; repo: string; publications: string[]; deployArtifacts: boolean; properties: [string, string[]][] }

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const maps = (ctx: StepContext) => ctx.build.scope.state('artifactory.gradle', () => ({ resolvers: new Map<string, GradleRepo>(), deployers: new Map<string, GradleRepo>() }));

function configOf(step: string, args: Record<string, Value>, deployer: boolean): GradleRepo {
  const id = str(args.id).trim();
  if (!/^[\w.-]{1,100}$/.test(id)) throw new StepFailure(`${step}: id '${id}' must be letters, digits, '.', '_' or '-'`);
  const serverId = str(args.serverId).trim();
  if (!serverId) throw new StepFailure(`${step}: serverId is required`);
  const repo = str(args.repo).trim();
  if (!REPO.test(repo)) throw new StepFailure(`${step}: repo '${repo}' is not a repository key`);
  const pubs = args.publications;
  const publications = (Array.isArray(pubs) ? pubs.map(str) : str(pubs).split(',')).map((x) => x.trim()).filter(Boolean);
  for (const p of publications) if (!/^[A-Za-z_][\w-]{0,99}$/.test(p)) throw new StepFailure(`${step}: publication '${p.slice(0, 100)}' is not a publication name`);
  let properties: [string, string[]][] = [];
  try { properties = parseProps(str(args.properties)); } catch (e) { throw new StepFailure(`${step}: properties: ${(e as Error).message}`); }
  return { id, serverId, repo, publications, deployArtifacts: !deployer || args.deployArtifacts !== false, properties };
}

export const rtGradleResolver: StepRun = async (ctx, args) => { const c = configOf('rtGradleResolver', args.values, false); maps(ctx).resolvers.set(c.id, c); return null; };
export const rtGradleDeployer: StepRun = async (ctx, args) => { const c = configOf('rtGradleDeployer', args.values, true); maps(ctx).deployers.set(c.id, c); return null; };

/** A Groovy single-quoted string literal. */
const gs = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

/** The init script; URLs are in it, credentials are read from the environment. */
export function initScript(resolverUrl: string | null, deployerUrl: string | null, publications: string[]): string {
  const lines = [
    '// Written by Kiln for rtGradleRun (the Artifactory plugin\'s resolver and deployer); removed after the run.',
    'import groovy.json.JsonOutput',
    'def kilnRepo = { handler, String repoName, String repoUrl, String prefix ->',
    '  handler.maven { r ->',
    '    r.name = repoName',
    '    r.url = repoUrl',
    '    String token = System.getenv(prefix + \'_TOKEN\')',
    '    if (token) {',
    '      r.credentials(HttpHeaderCredentials) { c -> c.name = \'Authorization\'; c.value = \'Bearer \' + token }',
    '      r.authentication { a -> a.create(\'header\', HttpHeaderAuthentication) }',
    '    } else if (System.getenv(prefix + \'_USER\') != null) {',
    '      r.credentials { c -> c.username = System.getenv(prefix + \'_USER\'); c.password = System.getenv(prefix + \'_PASSWORD\') }',
    '    }',
    '  }',
    '}',
  ];
  if (resolverUrl) {
    lines.push(
      `def kilnResolverUrl = ${gs(resolverUrl)}`,
      'if (gradle.gradleVersion.tokenize(\'.\')[0].toInteger() >= 6) {',
      '  beforeSettings { s -> s.pluginManagement.repositories { h -> kilnRepo(h, \'artifactoryResolver\', kilnResolverUrl, \'KILN_ARTIFACTORY_RESOLVER\') } }',
      '}',
      'allprojects { p -> kilnRepo(p.repositories, \'artifactoryResolver\', kilnResolverUrl, \'KILN_ARTIFACTORY_RESOLVER\') }',
    );
  }
  if (deployerUrl) {
    lines.push(
      `def kilnDeployerUrl = ${gs(deployerUrl)}`,
      `def kilnPublications = [${publications.map(gs).join(', ')}]`,
      'allprojects { p ->',
      '  p.afterEvaluate {',
      '    if (!p.plugins.hasPlugin(\'maven-publish\') && p.components.findByName(\'java\') != null) p.pluginManager.apply(\'maven-publish\')',
      '    def task = p.tasks.findByName(\'artifactoryPublish\') ?: p.tasks.create(\'artifactoryPublish\')',
      '    task.group = \'publishing\'',
      '    if (!p.plugins.hasPlugin(\'maven-publish\')) return',
      '    kilnRepo(p.publishing.repositories, \'artifactoryDeployer\', kilnDeployerUrl, \'KILN_ARTIFACTORY_DEPLOYER\')',
      '    if (p.publishing.publications.isEmpty() && p.components.findByName(\'java\') != null) {',
      '      p.publishing.publications.create(\'mavenJava\', MavenPublication) { it.from(p.components.java) }',
      '    }',
      '    def mine = p.tasks.withType(PublishToMavenRepository).matching { t -> t.repository.name == \'artifactoryDeployer\' && (kilnPublications.isEmpty() || kilnPublications.contains(t.publication.name)) }',
      '    task.dependsOn(mine)',
      '    mine.all { t ->',
      '      t.doLast {',
      '        def pub = t.publication',
      '        def files = pub.artifacts.collect { a -> pub.artifactId + \'-\' + pub.version + (a.classifier ? \'-\' + a.classifier : \'\') + \'.\' + a.extension }',
      '        files << (pub.artifactId + \'-\' + pub.version + \'.pom\')',
      '        new File(System.getenv(\'KILN_ARTIFACTORY_GRADLE_REPORT\')).append(JsonOutput.toJson([groupId: pub.groupId, artifactId: pub.artifactId, version: pub.version, files: files]) + \'\\n\')',
      '      }',
      '    }',
      '  }',
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

function credEnv(prefix: string, s: ArtServer): Record<string, string> {
  if (!s.auth) return {};
  if (s.auth.kind === 'bearer') return { [`${prefix}_TOKEN`]: s.auth.token };
  return { [`${prefix}_USER`]: s.auth.username, [`${prefix}_PASSWORD`]: s.auth.password };
}

/**
 * buildFile as Gradle 8 still takes it: a build.gradle(.kts) names its project directory (-p dir,
 * nothing for the root); another file name needs -b, which Gradle 8 removed.
 */
export function buildFileArgs(buildFile: string): string[] {
  if (!buildFile) return [];
  const base = path.basename(buildFile);
  if (base !== 'build.gradle' && base !== 'build.gradle.kts') return ['-b', buildFile];
  const dir = path.normalize(path.dirname(buildFile));
  return dir === '.' ? [] : ['-p', dir];
}

const inside = (p: string) => !p.startsWith('/') && !path.normalize(p).startsWith('..');

export function gradleRun(serverOf: ServerOf, recOf: RecOf): StepRun {
  return async (ctx, args) => {
    const v = args.values;
    const ws = ctx.workspace();
    const m = maps(ctx);
    const resolverId = str(v.resolverId).trim();
    const deployerId = str(v.deployerId).trim();
    const resolver = resolverId ? m.resolvers.get(resolverId) : undefined;
    const deployer = deployerId ? m.deployers.get(deployerId) : undefined;
    if (resolverId && !resolver) throw new StepFailure(`rtGradleRun: no rtGradleResolver with id '${resolverId}' in this build`);
    if (deployerId && !deployer) throw new StepFailure(`rtGradleRun: no rtGradleDeployer with id '${deployerId}' in this build`);
    const rs = resolver ? await serverOf(ctx, 'rtGradleRun', resolver.serverId) : null;
    const ds = deployer ? await serverOf(ctx, 'rtGradleRun', deployer.serverId) : null;
    const rootDir = str(v.rootDir).trim() || '.';
    const buildFile = str(v.buildFile).trim();
    if (!inside(rootDir)) throw new StepFailure(`rtGradleRun: rootDir '${rootDir}' leaves the workspace`);
    if (buildFile && !inside(path.join(rootDir, buildFile))) throw new StepFailure(`rtGradleRun: buildFile '${buildFile}' leaves the workspace`);
    const tasks = str(v.tasks).trim().split(/\s+/).filter(Boolean);
    const switches = str(v.switches).trim().split(/\s+/).filter(Boolean);
    if (tasks.length === 0) throw new StepFailure("rtGradleRun: tasks is required: tasks: 'clean artifactoryPublish'");
    const cwd = ctx.resolvePath(rootDir);
    const exe = v.useWrapper === true ? './gradlew' : 'gradle';
    if (v.useWrapper === true && (await ws.stat(ctx.resolvePath(path.join(rootDir, 'gradlew'))))?.type !== 'file') throw new StepFailure(`rtGradleRun: useWrapper: true but there is no gradlew in '${rootDir}'`);
    const dir = `${ws.tmp}/artifactory-gradle-${randomBytes(6).toString('hex')}`;
    const init = `${dir}/kiln-artifactory.gradle`;
    const report = `${dir}/published.jsonl`;
    const deploying = !!(ds && deployer?.deployArtifacts);
    await ws.mkdir(dir);
    await ws.writeFile(init, initScript(rs && resolver ? `${rs.url}/${resolver.repo}` : null, deploying ? `${ds!.url}/${deployer!.repo}` : null, deployer?.publications ?? []), 0o600);
    await ws.writeFile(report, '', 0o600);
    const argv = [exe, '--init-script', init, ...buildFileArgs(buildFile), ...switches, ...tasks];
    ctx.log(`Executing command: ${argv.map((a) => (a === init ? '<kiln-artifactory.gradle>' : a)).join(' ')}`);
    const env = { ...ctx.env, ...(rs ? credEnv('KILN_ARTIFACTORY_RESOLVER', rs) : {}), ...(deploying ? credEnv('KILN_ARTIFACTORY_DEPLOYER', ds!) : {}), KILN_ARTIFACTORY_GRADLE_REPORT: report };
    let r;
    let published = '';
    try {
      r = await ws.exec({ argv, cwd, env, signal: ctx.signal, onOutput: (c, stream) => ctx.write(c, stream) });
      if (deploying) published = (await ws.readFile(report)).subarray(0, 4 * 1024 * 1024).toString('utf8');
    } catch (e) {
      if (/no such program|ENOENT/.test((e as Error).message)) throw new StepFailure(`rtGradleRun: ${exe} is not installed on node '${ws.nodeName}'${exe === 'gradle' ? ' (put a Gradle installation on PATH, or use useWrapper: true)' : ''}`);
      throw e;
    } finally {
      await ws.remove(dir).catch(() => undefined);
    }
    if (r.exitCode !== 0) throw new StepFailure(`rtGradleRun: ${exe} ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`}`);
    if (!deploying) return null;
    const rec = recOf(ctx, v);
    const buildProps: [string, string[]][] = [['build.name', [rec.name]], ['build.number', [rec.number]], ['build.timestamp', [String(rec.started)]], ...deployer!.properties];
    const seg = /^[A-Za-z0-9_][\w.+~-]{0,199}$/;
    for (const line of published.split('\n')) {
      if (!line.trim()) continue;
      let p: { groupId?: unknown; artifactId?: unknown; version?: unknown; files?: unknown };
      try { p = JSON.parse(line) as typeof p; } catch { continue; }
      const g = str(p.groupId as Value), a = str(p.artifactId as Value), ver = str(p.version as Value);
      if (!g.split('.').every((x) => seg.test(x)) || !seg.test(a) || !seg.test(ver) || !Array.isArray(p.files)) continue;
      const mod = moduleOf(rec, str(v.module).trim() || `${g}:${a}:${ver}`, 'gradle');
      for (const f of p.files.map(String)) {
        if (!seg.test(f)) continue;
        const inRepo = `${g.split('.').join('/')}/${a}/${ver}/${f}`;
        const st = await call(ds!, { method: 'GET', path: `/api/storage${urlPath(deployer!.repo, inRepo)}`, signal: ctx.signal });
        if (st.status !== 200) { ctx.log(`rtGradleRun: no checksums for ${deployer!.repo}/${inRepo}: HTTP ${st.status}: ${errorText(st)}`); continue; }
        let sums = { sha1: '', sha256: '', md5: '' };
        try { sums = { ...sums, ...(JSON.parse(st.body.toString('utf8')) as { checksums?: typeof sums }).checksums }; } catch { /* keep empty */ }
        try { await setProps(ds!, deployer!.repo, inRepo, buildProps, ctx.signal); } catch (e) { if (e instanceof ArtifactoryError) throw new StepFailure(`rtGradleRun: ${e.message}`); throw e; }
        ctx.log(`Deployed artifact: ${ds!.url}/${deployer!.repo}/${inRepo}`);
        mod.artifacts.set(`${deployer!.repo}/${inRepo}`, { name: f, type: f.includes('.') ? f.slice(f.lastIndexOf('.') + 1) : '', path: inRepo, sha1: sums.sha1, sha256: sums.sha256, md5: sums.md5, originalDeploymentRepo: deployer!.repo });
      }
    }
    return null;
  };
}
