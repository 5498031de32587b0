// The `docker` global of the Docker Pipeline plugin, for script {} blocks and scripted pipelines:
//
//   def img = docker.build('app:1.0', '-f ci/Dockerfile .')
//   docker.withRegistry('https://registry.example.com', 'registry-creds') { img.push(); img.push('latest') }
//   docker.image('maven:3.9').inside('-v m2:/root/.m2') { sh 'mvn -v' }
//   docker.image('postgres:16').withRun('-e POSTGRES_PASSWORD=x') { c -> sh "echo ${c.id}" }
//
// Not a step: a host object whose methods do what the plugin's Docker.groovy does, through the
// same steps a Jenkinsfile would call (`sh "docker build ..."`, withDockerRegistry,
// withDockerContainer), so their output, masking and abort behave like any other step's.
import type { Loc } from '../../core/build.ts';
import { isClosure, type CallArgs, type ClosureValue, type DynamicContext, type HostObject, type ScriptCalls, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { qualifyImage } from './registry.ts';

type EnvOf = (ctx: DynamicContext) => Record<string, string>;

/** Single-quotes a word for sh. */
function q(s: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function strAt(args: CallArgs, i: number, what: string, dflt?: string): string {
  const v = args.positional[i];
  if (v === undefined || v === null || isClosure(v)) {
    if (dflt !== undefined) return dflt;
    throw new StepFailure(`${what}: expected a string argument`);
  }
  return String(v);
}

function closureOf(args: CallArgs, what: string): ClosureValue {
  const c = args.closure ?? args.positional.find(isClosure);
  if (!c || !isClosure(c)) throw new StepFailure(`${what} needs a block: ${what} { ... }`);
  return c;
}

function named(entries: Record<string, Value>): Map<string, Value> {
  return new Map(Object.entries(entries));
}

async function sh(script: ScriptCalls, ctx: DynamicContext, loc: Loc, cmd: string, returnStdout = false): Promise<string> {
  const v = await script.call('sh', { positional: [], named: named({ script: cmd, returnStdout }), closure: null }, ctx, loc);
  return typeof v === 'string' ? v.trim() : '';
}

abstract class DockerHost implements HostObject {
  readonly kind = 'host' as const;
  abstract readonly typeName: string;
  getProperty(_name: string, _ctx: DynamicContext, _loc: Loc): Value | undefined {
    return undefined;
  }
  abstract invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined;
  toString(): string {
    return this.typeName;
  }
}

export class DockerGlobal extends DockerHost {
  readonly typeName = 'org.jenkinsci.plugins.docker.workflow.Docker';
  readonly envOf: EnvOf;
  constructor(envOf: EnvOf) {
    super();
    this.envOf = envOf;
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!script) return undefined;
    switch (name) {
      case 'image':
        return Promise.resolve(new DockerImage(this, strAt(args, 0, 'docker.image')));
      case 'build':
        return (async () => {
          const id = strAt(args, 0, 'docker.build');
          await sh(script, ctx, loc, `docker build -t ${q(id)} ${strAt(args, 1, 'docker.build', '.')}`);
          return new DockerImage(this, id);
        })();
      case 'withRegistry': {
        const url = strAt(args, 0, 'docker.withRegistry', '');
        const cred = typeof args.positional[1] === 'string' ? args.positional[1] : null;
        return script.call('withDockerRegistry', { positional: [], named: named({ url, ...(cred ? { credentialsId: cred } : {}) }), closure: closureOf(args, 'docker.withRegistry') }, ctx, loc);
      }
      case 'withServer': {
        const uri = strAt(args, 0, 'docker.withServer');
        return script.call('withEnv', { positional: [[`DOCKER_HOST=${uri}`]], named: null, closure: closureOf(args, 'docker.withServer') }, ctx, loc);
      }
      case 'withTool':
        return script.callClosure(closureOf(args, 'docker.withTool'), [], ctx);
      default:
        return undefined;
    }
  }
}

/** 'reg:5000/team/app:1.0' → ['reg:5000/team/app', '1.0']; no tag → 'latest'. */
function splitTag(id: string): [string, string] {
  const at = id.indexOf('@');
  const base = at >= 0 ? id.slice(0, at) : id;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? [base.slice(0, colon), base.slice(colon + 1)] : [base, 'latest'];
}

export class DockerImage extends DockerHost {
  readonly typeName = 'org.jenkinsci.plugins.docker.workflow.Docker$Image';
  readonly id: string;
  readonly #docker: DockerGlobal;
  constructor(docker: DockerGlobal, id: string) {
    super();
    this.#docker = docker;
    this.id = id;
  }
  override getProperty(name: string): Value | undefined {
    return name === 'id' ? this.id : undefined;
  }
  /** The name with the registry of the enclosing docker.withRegistry in front (the plugin's imageName()). */
  imageName(ctx: DynamicContext, tag?: string): string {
    const [repo, own] = splitTag(this.id);
    return qualifyImage(`${repo}:${tag ?? own}`, this.#docker.envOf(ctx).DOCKER_REGISTRY_URL ?? null);
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!script) return undefined;
    switch (name) {
      case 'imageName':
        return Promise.resolve(this.imageName(ctx));
      case 'tag':
      case 'push':
        return (async () => {
          const tag = strAt(args, 0, `image.${name}`, splitTag(this.id)[1]);
          const target = this.imageName(ctx, tag);
          if (target !== this.id) await sh(script, ctx, loc, `docker tag ${q(this.id)} ${q(target)}`);
          if (name === 'push') await sh(script, ctx, loc, `docker push ${q(target)}`);
          return null;
        })();
      case 'pull':
        return sh(script, ctx, loc, `docker pull ${q(this.imageName(ctx))}`).then(() => null);
      case 'inside': {
        const a = strAt(args, 0, 'image.inside', '');
        return script.call('withDockerContainer', { positional: [], named: named({ image: this.imageName(ctx), args: a }), closure: closureOf(args, 'image.inside') }, ctx, loc);
      }
      case 'run':
        return this.#run(args, ctx, loc, script);
      case 'withRun':
        return (async () => {
          const body = closureOf(args, 'image.withRun');
          const c = await this.#run({ ...args, positional: args.positional.filter((v) => !isClosure(v)) }, ctx, loc, script);
          try {
            return await script.callClosure(body, [c], ctx);
          } finally {
            await c.stop(ctx, loc, script);
          }
        })();
      default:
        return undefined;
    }
  }
  async #run(args: CallArgs, ctx: DynamicContext, loc: Loc, script: ScriptCalls): Promise<DockerContainer> {
    const runArgs = strAt(args, 0, 'image.run', '');
    const command = strAt(args, 1, 'image.run', '');
    const id = await sh(script, ctx, loc, `docker run -d ${runArgs} ${q(this.imageName(ctx))} ${command}`.replace(/ +$/, ''), true);
    const cid = id.split('\n').pop() ?? '';
    if (!/^[0-9a-f]{12,64}$/.test(cid)) throw new StepFailure(`image.run: docker run did not print a container id (it printed: ${id.slice(0, 200)})`);
    return new DockerContainer(cid);
  }
}

export class DockerContainer extends DockerHost {
  readonly typeName = 'org.jenkinsci.plugins.docker.workflow.Docker$Container';
  readonly id: string;
  constructor(id: string) {
    super();
    this.id = id;
  }
  override getProperty(name: string): Value | undefined {
    return name === 'id' ? this.id : undefined;
  }
  async stop(ctx: DynamicContext, loc: Loc, script: ScriptCalls): Promise<void> {
    await sh(script, ctx, loc, `docker rm -f -v ${this.id}`); // stop and remove at once (a `sleep` as PID 1 ignores TERM for 10 s)
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!script) return undefined;
    if (name === 'stop') return this.stop(ctx, loc, script).then(() => null);
    if (name === 'port') return sh(script, ctx, loc, `docker port ${this.id} ${strAt(args, 0, 'container.port')}`, true);
    return undefined;
  }
}
