// The Artifactory plugin's scripted API, the `Artifactory` global:
//
//   def server = Artifactory.server 'art-1'            // an rtServer id or a configured server
//   def server = Artifactory.newServer url: 'https://x/artifactory', credentialsId: 'art-creds'
//   def bi = Artifactory.newBuildInfo()                // bi.name, bi.number, bi.env.capture = true
//   server.upload spec: uploadSpec, buildInfo: bi      // or server.upload(uploadSpec, bi)
//   server.download(downloadSpec, bi)
//   server.publishBuildInfo bi
//   server.promote targetRepo: 'libs-release', buildName: bi.name, buildNumber: bi.number
//   def scan = server.xrayScan buildName: bi.name, buildNumber: bi.number, failBuild: false
//   def rtDocker = Artifactory.docker server: server            // host: 'tcp://...' too
//   rtDocker.push('acme.jfrog.io/docker-local/app:1.0', 'docker-local', bi)   // or push image:, targetRepo:, properties:, buildInfo:
//   rtDocker.pull('acme.jfrog.io/docker-remote/base:1.0', 'docker-remote', bi)
//   def rtGradle = Artifactory.newGradleBuild()                // .tool, .useWrapper, .usesPlugin
//   rtGradle.resolver server: server, repo: 'libs-release'
//   rtGradle.deployer server: server, repo: 'libs-release-local'   // rtGradle.deployer.deployArtifacts = false
//   rtGradle.run rootDir: '.', buildFile: 'build.gradle', tasks: 'clean artifactoryPublish', buildInfo: bi
//
// Not steps of their own: each method calls the declarative step (rtUpload, rtDownload,
// rtPublishBuildInfo, rtPromote, xrayScan, rtDockerPush / rtDockerPull, rtGradleResolver / rtGradleDeployer /
// rtGradleRun) through the script, so console, masking and errors are the
// steps'. A build info object names a record of the build's state (state.ts) by its name and
// number; setting bi.name or bi.number moves the record.
import type { Loc } from '../../core/build.ts';
import { StepFailure } from '../../core/errors.ts';
import type { BuildScope } from '../../pipeline/plugin.ts';
import { isHostObject, isMap, type CallArgs, type DynamicContext, type GMap, type HostObject, type ScriptCalls, type Value } from '../../pipeline/script/values.ts';
import { buildRec, defaultBuildName, stateOf, type ArtState } from './state.ts';

type EnvOf = (ctx: DynamicContext) => Record<string, string>;

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

class BuildInfoObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.buildInfo.BuildInfo';
  name: string;
  number: string;
  readonly st: ArtState;
  constructor(st: ArtState, name: string, number: string) {
    this.st = st;
    this.name = name;
    this.number = number;
  }
  rec() { return buildRec(this.st, this.name, this.number); }
  getProperty(n: string): Value | undefined {
    if (n === 'name') return this.name;
    if (n === 'number') return this.number;
    if (n === 'env') return new EnvObj(this);
    return undefined;
  }
  setProperty(n: string, v: Value): boolean {
    if (n !== 'name' && n !== 'number') return false;
    const old = `${this.name}\n${this.number}`;
    const r = this.st.builds.get(old);
    if (n === 'name') this.name = str(v); else this.number = str(v);
    if (r) { this.st.builds.delete(old); r.name = this.name; r.number = this.number; this.st.builds.set(`${this.name}\n${this.number}`, r); }
    return true;
  }
  invokeMethod(n: string, args: CallArgs): Promise<Value> | undefined {
    if (n === 'getName') return Promise.resolve(this.name);
    if (n === 'getNumber') return Promise.resolve(this.number);
    if (n === 'setName' || n === 'setNumber') { this.setProperty(n === 'setName' ? 'name' : 'number', args.positional[0] ?? null); return Promise.resolve(null); }
    if (n === 'getEnv') return Promise.resolve(new EnvObj(this));
    if (n === 'retention') {
      const m = args.named ?? (isMap(args.positional[0]) ? args.positional[0] : null);
      const max = m?.get('maxBuilds');
      const days = m?.get('maxDays');
      this.rec().retention = {
        count: max === undefined || max === null ? -1 : Number(max),
        minimumBuildDate: days === undefined || days === null ? null : Date.now() - Number(days) * 86_400_000,
        deleteBuildArtifacts: m?.get('deleteBuildArtifacts') !== false,
        buildNumbersNotToBeDiscarded: ((m?.get('doNotDiscardBuilds') as Value[] | undefined) ?? []).map(str),
      };
      return Promise.resolve(null);
    }
    return undefined;
  }
  toString() { return `${this.name} #${this.number}`; }
}

class EnvObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.buildInfo.Env';
  readonly bi: BuildInfoObj;
  constructor(bi: BuildInfoObj) { this.bi = bi; }
  getProperty(n: string): Value | undefined {
    return n === 'capture' ? this.bi.rec().captureEnv : undefined;
  }
  setProperty(n: string, v: Value): boolean {
    if (n !== 'capture') return false;
    this.bi.rec().captureEnv = v === true;
    return true;
  }
  invokeMethod(n: string): Promise<Value> | undefined {
    if (n === 'setCapture') return Promise.resolve(null);
    return undefined;
  }
  toString() { return 'Env'; }
}

class ServerObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.ArtifactoryServer';
  readonly id: string;
  readonly st: ArtState;
  readonly envOf: EnvOf;
  constructor(st: ArtState, id: string, envOf: EnvOf) { this.st = st; this.id = id; this.envOf = envOf; }
  getProperty(n: string): Value | undefined {
    const d = this.st.servers.get(this.id);
    if (n === 'url') return d?.url ?? null;
    if (n === 'credentialsId') return d?.credentialsId ?? null;
    if (n === 'serverName' || n === 'id') return this.id;
    return undefined;
  }
  setProperty(n: string, v: Value): boolean {
    const d = this.st.servers.get(this.id);
    if (!d) return false;
    if (n === 'credentialsId') { d.credentialsId = str(v); d.username = ''; d.password = ''; return true; }
    if (n === 'username') { d.username = str(v); return true; }
    if (n === 'password') { d.password = str(v); return true; }
    return false;
  }
  invokeMethod(n: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!['upload', 'download', 'publishBuildInfo', 'promote', 'xrayScan'].includes(n)) return undefined;
    if (!script) return Promise.reject(new StepFailure(`server.${n} needs to be called from the pipeline script`));
    const named: GMap = args.named ?? new Map();
    const call = (step: string, m: Record<string, Value>) => script.call(step, { positional: [], named: new Map(Object.entries(m)), closure: null }, ctx, loc);
    if (n === 'promote' || n === 'xrayScan') {
      const m = named.size ? named : isMap(args.positional[0]) ? args.positional[0] : new Map<string, Value>();
      return call(n === 'promote' ? 'rtPromote' : 'xrayScan', { serverId: this.id, ...Object.fromEntries(m) });
    }
    const biArg = named.get('buildInfo') ?? args.positional.find((x) => isHostObject(x) && x instanceof BuildInfoObj);
    if (n === 'publishBuildInfo') {
      const bi = biArg instanceof BuildInfoObj ? biArg : null;
      if (!bi) return Promise.reject(new StepFailure('server.publishBuildInfo needs the build info: server.publishBuildInfo buildInfo'));
      return call('rtPublishBuildInfo', { serverId: this.id, buildName: bi.name, buildNumber: bi.number });
    }
    const spec = named.get('spec') ?? (typeof args.positional[0] === 'string' ? args.positional[0] : null);
    const env = this.envOf(ctx);
    const bi = biArg instanceof BuildInfoObj ? biArg : new BuildInfoObj(this.st, defaultBuildName(env.JOB_NAME ?? ''), env.BUILD_NUMBER ?? '');
    const m: Record<string, Value> = { serverId: this.id, spec: spec === null ? null : str(spec), buildName: bi.name, buildNumber: bi.number };
    if (named.has('failNoOp')) m.failNoOp = named.get('failNoOp')!;
    if (named.has('module')) m.module = named.get('module')!;
    return call(n === 'upload' ? 'rtUpload' : 'rtDownload', m).then(() => bi);
  }
  toString() { return `ArtifactoryServer ${this.id}`; }
}

type Call = (step: string, m: Record<string, Value>) => Promise<Value>;
const caller = (ctx: DynamicContext, loc: Loc, script: ScriptCalls | undefined, what: string): Call => {
  if (!script) throw new StepFailure(`${what} needs to be called from the pipeline script`);
  return (step, m) => script.call(step, { positional: [], named: new Map(Object.entries(m).filter(([, v]) => v !== undefined)), closure: null }, ctx, loc);
};
const serverIdOf = (v: Value | undefined, what: string): string => {
  if (isHostObject(v) && v instanceof ServerObj) return v.id;
  if (typeof v === 'string' && v) return v;
  throw new StepFailure(`${what} needs server: an Artifactory server (Artifactory.server 'id' or Artifactory.newServer ...)`);
};

/** Artifactory.docker(server: server, host: ...): push / pull through rtDockerPush / rtDockerPull. */
class DockerObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.Docker';
  readonly serverId: string;
  readonly host: string;
  readonly st: ArtState;
  readonly envOf: EnvOf;
  constructor(st: ArtState, serverId: string, host: string, envOf: EnvOf) { this.st = st; this.serverId = serverId; this.host = host; this.envOf = envOf; }
  getProperty(): Value | undefined { return undefined; }
  invokeMethod(n: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (n !== 'push' && n !== 'pull') return undefined;
    try {
      const call = caller(ctx, loc, script, `docker.${n}`);
      const named: GMap = args.named ?? (isMap(args.positional[0]) ? args.positional[0] : new Map());
      const pos = args.positional.filter((x) => !isMap(x));
      const image = named.get('image') ?? pos[0];
      const repo = named.get(n === 'push' ? 'targetRepo' : 'sourceRepo') ?? (typeof pos[1] === 'string' ? pos[1] : undefined);
      const biArg = named.get('buildInfo') ?? pos.find((x) => isHostObject(x) && x instanceof BuildInfoObj);
      const env = this.envOf(ctx);
      const bi = biArg instanceof BuildInfoObj ? biArg : new BuildInfoObj(this.st, defaultBuildName(env.JOB_NAME ?? ''), env.BUILD_NUMBER ?? '');
      const m: Record<string, Value> = { serverId: this.serverId, image: str(image), buildName: bi.name, buildNumber: bi.number };
      if (repo !== undefined && repo !== null) m[n === 'push' ? 'targetRepo' : 'sourceRepo'] = str(repo);
      if (named.has('properties')) m.properties = str(named.get('properties'));
      if (this.host) m.host = this.host;
      return call(n === 'push' ? 'rtDockerPush' : 'rtDockerPull', m).then(() => bi);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  toString() { return 'Docker'; }
}

/** rtGradle.deployer.publications: .add('mavenJava').add('other'). */
class PublicationsObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.deployers.GradleDeployer$Publications';
  readonly list: string[];
  constructor(list: string[]) { this.list = list; }
  getProperty(): Value | undefined { return undefined; }
  invokeMethod(n: string, args: CallArgs): Promise<Value> | undefined {
    if (n !== 'add') return undefined;
    this.list.push(...args.positional.map(str));
    return Promise.resolve(this as unknown as Value);
  }
  toString() { return this.list.join(','); }
}

/** rtGradle.deployer (the property): deployArtifacts, publications, properties to set before run. */
class GradleDeployerObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.deployers.GradleDeployer';
  readonly g: GradleBuildObj;
  constructor(g: GradleBuildObj) { this.g = g; }
  getProperty(n: string): Value | undefined {
    if (n === 'deployArtifacts') return this.g.deployArtifacts;
    if (n === 'repo') return this.g.deployer?.repo ?? null;
    if (n === 'publications') return new PublicationsObj(this.g.publications);
    return undefined;
  }
  setProperty(n: string, v: Value): boolean {
    if (n === 'deployArtifacts') { this.g.deployArtifacts = v !== false; return true; }
    if (['deployMavenDescriptors', 'deployIvyDescriptors', 'mavenCompatible', 'usesPlugin'].includes(n)) return true;
    return false;
  }
  invokeMethod(n: string, args: CallArgs): Promise<Value> | undefined {
    if (n === 'addProperty') { this.g.properties.push(`${str(args.positional[0])}=${args.positional.slice(1).map(str).join(',')}`); return Promise.resolve(this as unknown as Value); }
    if (n === 'setDeployArtifacts') { this.g.deployArtifacts = args.positional[0] !== false; return Promise.resolve(null); }
    if (n === 'addPublications' || n === 'setPublications') { for (const x of args.positional) this.g.publications.push(...(Array.isArray(x) ? x.map(str) : [str(x)])); return Promise.resolve(this as unknown as Value); }
    if (n === 'deployArtifacts') return Promise.reject(new StepFailure('rtGradle.deployer.deployArtifacts(buildInfo) is not provided: artifactoryPublish deploys during rtGradle.run'));
    return undefined;
  }
  toString() { return 'GradleDeployer'; }
}

/** Artifactory.newGradleBuild(): resolver / deployer / run through rtGradleResolver / rtGradleDeployer / rtGradleRun. */
class GradleBuildObj implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.builds.GradleBuild';
  readonly st: ArtState;
  readonly envOf: EnvOf;
  tool: string | null = null;
  useWrapper = false;
  resolver: { serverId: string; repo: string } | null = null;
  deployer: { serverId: string; repo: string } | null = null;
  deployArtifacts = true;
  publications: string[] = [];
  properties: string[] = [];
  constructor(st: ArtState, envOf: EnvOf) { this.st = st; this.envOf = envOf; }
  getProperty(n: string): Value | undefined {
    if (n === 'tool') return this.tool;
    if (n === 'useWrapper') return this.useWrapper;
    if (n === 'deployer') return new GradleDeployerObj(this);
    return undefined;
  }
  setProperty(n: string, v: Value): boolean {
    if (n === 'tool') { this.tool = v === null ? null : str(v); return true; }
    if (n === 'useWrapper') { this.useWrapper = v === true; return true; }
    if (n === 'usesPlugin' || n === 'javaHome') return true;
    return false;
  }
  invokeMethod(n: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (n === 'resolver' || n === 'deployer') {
      const m: GMap = args.named ?? (isMap(args.positional[0]) ? args.positional[0] : new Map());
      try {
        this[n] = { serverId: serverIdOf(m.get('server'), `rtGradle.${n}`), repo: str(m.get('repo')) };
      } catch (e) { return Promise.reject(e); }
      return Promise.resolve(n === 'deployer' ? new GradleDeployerObj(this) : null);
    }
    if (n !== 'run') return undefined;
    try {
      const call = caller(ctx, loc, script, 'rtGradle.run');
      const m: GMap = args.named ?? (isMap(args.positional[0]) ? args.positional[0] : new Map());
      const env = this.envOf(ctx);
      const biArg = m.get('buildInfo');
      const bi = biArg instanceof BuildInfoObj ? biArg : new BuildInfoObj(this.st, defaultBuildName(env.JOB_NAME ?? ''), env.BUILD_NUMBER ?? '');
      const id = `kiln-gradle-${++this.st.seq}`;
      const steps: [string, Record<string, Value>][] = [];
      if (this.resolver) steps.push(['rtGradleResolver', { id: `${id}-resolver`, serverId: this.resolver.serverId, repo: this.resolver.repo }]);
      if (this.deployer) steps.push(['rtGradleDeployer', { id: `${id}-deployer`, serverId: this.deployer.serverId, repo: this.deployer.repo, deployArtifacts: this.deployArtifacts, publications: this.publications.join(','), properties: this.properties.join(';') }]);
      const run: Record<string, Value> = { tasks: str(m.get('tasks')), buildName: bi.name, buildNumber: bi.number, useWrapper: this.useWrapper };
      for (const k of ['rootDir', 'buildFile', 'switches']) if (m.has(k)) run[k] = str(m.get(k));
      if (this.tool) run.tool = this.tool;
      if (this.resolver) run.resolverId = `${id}-resolver`;
      if (this.deployer) run.deployerId = `${id}-deployer`;
      steps.push(['rtGradleRun', run]);
      return steps.reduce<Promise<Value>>((p, [step, a]) => p.then(() => call(step, a)), Promise.resolve(null)).then(() => bi);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  toString() { return 'GradleBuild'; }
}

export function artifactoryGlobal(scope: BuildScope, envOf: EnvOf): HostObject {
  const st = stateOf(scope);
  return {
    kind: 'host',
    typeName: 'org.jfrog.hudson.pipeline.common.types.ArtifactoryPipelineGlobal',
    getProperty: () => undefined,
    invokeMethod(n: string, args: CallArgs, ctx: DynamicContext): Promise<Value> | undefined {
      if (n === 'server') {
        const id = str(args.positional[0]).trim();
        if (!id) return Promise.reject(new StepFailure("Artifactory.server needs the server's id: Artifactory.server 'my-server'"));
        return Promise.resolve(new ServerObj(st, id, envOf));
      }
      if (n === 'newServer') {
        const m = args.named ?? new Map<string, Value>();
        const url = str(m.get('url') ?? args.positional[0]).trim();
        let u: URL;
        try { u = new URL(url); } catch { return Promise.reject(new StepFailure(`Artifactory.newServer: '${url}' is not a URL`)); }
        if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) return Promise.reject(new StepFailure('Artifactory.newServer: an http or https URL without a user or password in it'));
        const id = `kiln-server-${++st.seq}`;
        st.servers.set(id, {
          id, url: url.replace(/\/+$/, ''), credentialsId: str(m.get('credentialsId')),
          username: str(m.get('username') ?? args.positional[1]), password: str(m.get('password') ?? args.positional[2]), timeout: 300, connectionRetry: 3,
        });
        return Promise.resolve(new ServerObj(st, id, envOf));
      }
      if (n === 'docker') {
        const m = args.named ?? (isMap(args.positional[0]) ? args.positional[0] : new Map<string, Value>());
        try {
          return Promise.resolve(new DockerObj(st, serverIdOf(m.get('server'), 'Artifactory.docker'), str(m.get('host')), envOf));
        } catch (e) { return Promise.reject(e); }
      }
      if (n === 'newGradleBuild') return Promise.resolve(new GradleBuildObj(st, envOf));
      if (n === 'newBuildInfo') {
        const env = envOf(ctx);
        return Promise.resolve(new BuildInfoObj(st, defaultBuildName(env.JOB_NAME ?? ''), env.BUILD_NUMBER ?? ''));
      }
      return undefined;
    },
    toString: () => 'Artifactory',
  };
}
