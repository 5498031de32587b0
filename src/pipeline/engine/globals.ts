// The objects a Jenkinsfile reaches by name: env, params, currentBuild, scm; then the globals the
// plugins declare (the `docker` object), made by their runtime on first use; then environment
// variables and parameters by bare name.
import type { Loc } from '../../core/build.ts';
import { type BuildResult, BUILD_RESULTS } from '../../core/build.ts';
import { PipelineError } from '../diagnostics.ts';
import { asExec } from './context.ts';
import type { CallArgs, DynamicContext, GMap, HostObject, Value } from '../script/values.ts';
import { formatDuration } from '../steps/args.ts';
import type { StepRegistry } from '../steps/registry.ts';
import type { BuildScope } from '../steps/types.ts';
import type { ChangeSetRecord, GitBuildDataRecord } from '../steps/changesets.ts';
import { changeSetObjects } from './change-objects.ts';

/** What the globals need from the running build. */
export interface GlobalsBackend {
  /** The effective environment of a context (all layers applied). */
  envOf(ctx: DynamicContext): Record<string, string>;
  /** `env.X = v`: build-wide. */
  setEnv(name: string, value: string | null): void;
  params: Record<string, Value>;
  currentBuild: CurrentBuildData;
  scm: { url: string; branch: string; credentialsId: string | null } | null;
  /** Where the plugins' globals come from. */
  registry: StepRegistry;
  scope: BuildScope;
}

export interface CurrentBuildData {
  number: number;
  job: string;
  url: string | null;
  startedAt: number;
  /** null while running and successful so far (Jenkins' currentBuild.result). */
  result(): BuildResult | null;
  currentResult(): BuildResult;
  setResult(r: BuildResult): void;
  description: string | null;
  displayName: string | null;
  previous: PreviousBuild | null;
  /** The change sets recorded so far (currentBuild.changeSets). */
  changeSets(): readonly ChangeSetRecord[];
}

export interface PreviousBuild {
  number: number;
  result: BuildResult | null;
  durationMs: number;
  startedAt: number;
  description: string | null;
  displayName: string | null;
  /** What it recorded of its checkouts (the Git plugin's BuildData): where this build's changelogs start. */
  gitBuildData?: GitBuildDataRecord[];
}

/** A host object over some data of the build (`data`), which its subclasses read. */
abstract class Host<T> implements HostObject {
  readonly kind = 'host' as const;
  abstract readonly typeName: string;
  protected readonly data: T;
  constructor(data: T) {
    this.data = data;
  }
  abstract getProperty(name: string, ctx: DynamicContext, loc: Loc): Value | undefined | Promise<Value>;
  toString(): string {
    return this.typeName;
  }
}

export class EnvObject extends Host<GlobalsBackend> {
  readonly typeName = 'EnvActionImpl';
  entries(ctx: DynamicContext): GMap {
    return new Map(Object.entries(this.data.envOf(ctx)));
  }
  getProperty(name: string, ctx: DynamicContext): Value | undefined | Promise<Value> {
    const block = asExec(ctx).envBlock;
    if (block !== null && name !== block.target && block.has(name)) return block.value(name);
    // Own variables only: env.constructor or env.__proto__ must not reach Object.prototype.
    const env = this.data.envOf(ctx);
    const v = Object.hasOwn(env, name) ? env[name] : undefined;
    if (v === undefined && block !== null && name === block.target && Object.hasOwn(this.data.params, name)) return this.data.params[name] ?? null;
    return v === undefined ? null : v; // env.UNSET is null in Jenkins, not an error
  }
  setProperty(name: string, value: Value): boolean {
    this.data.setEnv(name, value === null ? null : typeof value === 'string' ? value : stringOf(value));
    return true;
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext): Promise<Value> | undefined {
    if (name === 'getEnvironment') {
      const m: GMap = new Map(Object.entries(this.data.envOf(ctx)));
      return Promise.resolve(m);
    }
    if (name === 'getProperty' && typeof args.positional[0] === 'string') return Promise.resolve(this.getProperty(args.positional[0], ctx) ?? null);
    if (name === 'setProperty' && typeof args.positional[0] === 'string') {
      this.setProperty(args.positional[0], args.positional[1] ?? null);
      return Promise.resolve(null);
    }
    return undefined;
  }
}

export class ParamsObject extends Host<GlobalsBackend> {
  readonly typeName = 'ParamsVariable';
  entries(): GMap {
    return new Map(Object.entries(this.data.params));
  }
  getProperty(name: string): Value | undefined {
    return Object.hasOwn(this.data.params, name) ? this.data.params[name] ?? null : null;
  }
  invokeMethod(name: string, args: CallArgs): Promise<Value> | undefined {
    if (name === 'get' && typeof args.positional[0] === 'string') return Promise.resolve(this.getProperty(args.positional[0]) ?? null);
    if (name === 'containsKey' && typeof args.positional[0] === 'string') return Promise.resolve(Object.hasOwn(this.data.params, args.positional[0]));
    if (name === 'keySet') return Promise.resolve(Object.keys(this.data.params));
    return undefined;
  }
}

function stringOf(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? `[${v.map((x) => stringOf(x)).join(', ')}]` : v instanceof Map ? `[${[...v].map(([k, x]) => `${k}:${stringOf(x)}`).join(', ')}]` : v.toString();
  return String(v);
}

/**
 * RunWrapper is a Java bean: `currentBuild.getNumber()` is `currentBuild.number`, and so for each
 * of its readable properties (getResult(), getDisplayName(), getPreviousBuild(), ...). Only a
 * getter with no arguments; an unknown name is left to the caller (a MissingMethodException).
 */
function runWrapperGetter(h: { getProperty(name: string): Value | undefined }, name: string, args: CallArgs): Promise<Value> | undefined {
  const m = /^get([A-Z][A-Za-z]*)$/.exec(name);
  if (!m || args.positional.length > 0 || args.named !== null || args.closure !== null) return undefined;
  const v = h.getProperty(m[1]![0]!.toLowerCase() + m[1]!.slice(1));
  return v === undefined ? undefined : Promise.resolve(v);
}

export class PreviousBuildObject extends Host<PreviousBuild> {
  readonly typeName = 'RunWrapper';
  getProperty(name: string): Value | undefined {
    switch (name) {
      case 'number': return this.data.number;
      case 'id': return String(this.data.number);
      case 'result': case 'currentResult': return this.data.result;
      case 'duration': return this.data.durationMs;
      case 'durationString': return formatDuration(this.data.durationMs);
      case 'startTimeInMillis': case 'timeInMillis': return this.data.startedAt;
      case 'description': return this.data.description;
      case 'displayName': return this.data.displayName ?? `#${this.data.number}`;
      case 'previousBuild': return null;
      default: return undefined;
    }
  }
  invokeMethod(name: string, args: CallArgs): Promise<Value> | undefined {
    return runWrapperGetter(this, name, args);
  }
  override toString(): string {
    return `#${this.data.number}`;
  }
}

export class CurrentBuildObject extends Host<CurrentBuildData> {
  readonly typeName = 'RunWrapper';
  getProperty(name: string): Value | undefined {
    const d = this.data;
    switch (name) {
      case 'number': return d.number;
      case 'id': return String(d.number);
      case 'result': return d.result();
      case 'currentResult': return d.currentResult();
      case 'duration': return Date.now() - d.startedAt;
      case 'durationString': return `${formatDuration(Date.now() - d.startedAt)} and counting`;
      case 'startTimeInMillis': case 'timeInMillis': return d.startedAt;
      case 'projectName': return d.job.split('/').pop() ?? d.job;
      case 'fullProjectName': return d.job;
      case 'displayName': return d.displayName ?? `#${d.number}`;
      case 'fullDisplayName': return `${d.job} ${d.displayName ?? `#${d.number}`}`;
      case 'description': return d.description;
      case 'absoluteUrl': return d.url;
      case 'previousBuild': return d.previous ? new PreviousBuildObject(d.previous) : null;
      case 'buildCauses': return [];
      case 'keepLog': return false;
      case 'changeSets': return changeSetObjects(d.changeSets());
      default: return undefined;
    }
  }
  setProperty(name: string, value: Value, _ctx: DynamicContext, loc: Loc): boolean {
    switch (name) {
      case 'result': {
        if (value === null) throw new PipelineError('bad-result', `currentBuild.result cannot be set to null (one of ${BUILD_RESULTS.join(', ')})`, loc);
        this.data.setResult(resultFromString(typeof value === 'string' ? value : stringOf(value)));
        return true;
      }
      case 'description':
        this.data.description = value === null ? null : stringOf(value);
        return true;
      case 'displayName':
        this.data.displayName = value === null ? null : stringOf(value);
        return true;
      case 'keepLog':
        return true;
      default:
        return false;
    }
  }
  invokeMethod(name: string, args: CallArgs): Promise<Value> | undefined {
    if (name === 'resultIsBetterOrEqualTo' || name === 'resultIsWorseOrEqualTo') {
      const order = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'];
      const mine = order.indexOf(this.data.currentResult());
      const other = order.indexOf(String(args.positional[0]));
      return Promise.resolve(name === 'resultIsBetterOrEqualTo' ? mine <= other : mine >= other);
    }
    if (name === 'getBuildCauses') return Promise.resolve([]);
    if (name === 'getChangeSets' && args.positional.length === 0) return Promise.resolve(changeSetObjects(this.data.changeSets()));
    return runWrapperGetter(this, name, args);
  }
}

/** Jenkins' Result.fromString: a result's name in any case; any other string is FAILURE. */
export function resultFromString(s: string): BuildResult {
  const up = s.toUpperCase();
  return (BUILD_RESULTS as readonly string[]).includes(up) ? up as BuildResult : 'FAILURE';
}

export class ScmObject extends Host<GlobalsBackend> {
  readonly typeName = 'GitSCM';
  getProperty(name: string): Value | undefined {
    const scm = this.data.scm;
    switch (name) {
      case 'url': return scm?.url ?? null;
      case 'branch': return scm?.branch ?? null;
      case 'credentialsId': return scm?.credentialsId ?? null;
      case 'userRemoteConfigs': return scm ? [new Map<string, Value>([['url', scm.url], ['credentialsId', scm.credentialsId]])] : [];
      case 'branches': return scm ? [new Map<string, Value>([['name', scm.branch]])] : [];
      // checkout([$class: 'GitSCM', branches: scm.branches, extensions: scm.extensions + [...], userRemoteConfigs: scm.userRemoteConfigs])
      case 'extensions': return [];
      case 'doGenerateSubmoduleConfigurations': return false;
      default: return undefined;
    }
  }
}

/** env, params, currentBuild, scm, a plugin's global object, then environment variables and parameters by bare name. */
export function resolveGlobal(b: GlobalsBackend, objects: { env: EnvObject; params: ParamsObject; currentBuild: CurrentBuildObject; scm: ScmObject },
  name: string, ctx: DynamicContext): Value | undefined | Promise<Value> {
  switch (name) {
    case 'env': return objects.env;
    case 'params': return objects.params;
    case 'currentBuild': return objects.currentBuild;
    case 'scm': return objects.scm;
  }
  // Inside an environment {} value, another name of the block is that entry's value.
  const block = asExec(ctx).envBlock;
  if (block !== null && name !== block.target && block.has(name)) return block.value(name);
  // A plugin's object (the Docker Pipeline plugin's `docker`), made for each use by its runtime.
  if (b.registry.isGlobalObject(name)) return b.registry.global(name, { envOf: (c) => b.envOf(c), scope: b.scope });
  const env = b.envOf(asExec(ctx));
  if (Object.hasOwn(env, name)) return env[name];
  if (Object.hasOwn(b.params, name)) return b.params[name] ?? null;
  // Jenkins' getScriptPropOrParam: an unknown name in an environment value is null, not an error.
  return block !== null ? null : undefined;
}
