// options { }: pipeline-level and stage-level options. Values must be literals: options apply
// before anything of the build has run; only logRotator's counts may be expressions (kept in
// BuildDiscarder.exprs, evaluated by the engine when the build starts, as Jenkins does).
//
// As Jenkins (Options.getEligibleWrapperStepClasses), any step of the registry that takes a
// block may be an option too, unless it needs a node's workspace (Jenkins: FilePath/Launcher in
// its required context) or is node/parallel/stage/script: `options { withCredentials([...]) }`
// wraps the pipeline's or stage's run in the step (Options.wrappers, in the order written with
// timeout/retry/timestamps; its arguments, which may be expressions, are checked as a step
// call's are and evaluated when the run gets there). A step without a block is no option:
// "Invalid option type", listing the valid ones, wrappers included.
import type { Loc } from '../../core/build.ts';
import type { Expr } from '../syntax/ast.ts';
import type { StepRegistry } from '../steps/registry.ts';
import { TIME_UNITS, type BuildDiscarder, type DiscardKey, type Options, type StageOptions, type TimeUnit, type TimeoutOption, type WrapperOption } from './types.ts';
import {
  Ctx, argBool, argNum, argStr, bindArgs, blockOf, fmtList, typedEntries, withSuggestion, type ArgSpec, type BoundArg, type Section,
} from './context.ts';
import { checkGroovy, checkStepCall } from './steps.ts';
import { rateLimitOf } from '../steps/job-properties.ts';
import { toJson, type Value } from '../script/values.ts';

const DURABILITY_HINTS = ['MAX_SURVIVABILITY', 'PERFORMANCE_OPTIMIZED', 'SURVIVABLE_NONATOMIC'];

/** Every option: its arguments, and whether a stage may use it. */
const OPTIONS: Record<string, { spec: ArgSpec; stage: boolean; ignored?: boolean }> = {
  timeout: {
    stage: true,
    spec: {
      what: 'timeout', positional: 'time',
      // each may be an expression, evaluated when the run reaches the option (Jenkins runs the timeout step with them)
      params: [{ name: 'time', type: 'integer', required: true, literal: false }, { name: 'unit', type: 'string', values: TIME_UNITS, literal: false }, { name: 'activity', type: 'boolean', literal: false }],
    },
  },
  retry: { stage: true, spec: { what: 'retry', positional: 'count', params: [{ name: 'count', type: 'integer', required: true, literal: false }, { name: 'conditions', type: 'any', literal: false }] } },
  timestamps: { stage: true, spec: { what: 'timestamps', params: [] } },
  skipDefaultCheckout: { stage: true, spec: { what: 'skipDefaultCheckout', positional: 'value', params: [{ name: 'value', type: 'boolean' }] } },
  ansiColor: { stage: true, spec: { what: 'ansiColor', positional: 'colorMapName', params: [{ name: 'colorMapName', type: 'string', required: true }] } },
  skipStagesAfterUnstable: { stage: false, spec: { what: 'skipStagesAfterUnstable', params: [] } },
  // `parallelsAlwaysFailFast false` turns it off (ParallelsAlwaysFailFast's optional Boolean; none or null: on)
  parallelsAlwaysFailFast: { stage: false, spec: { what: 'parallelsAlwaysFailFast', positional: 'parallelsAlwaysFailFast', params: [{ name: 'parallelsAlwaysFailFast', type: 'boolean' }] } },
  disableConcurrentBuilds: { stage: false, spec: { what: 'disableConcurrentBuilds', params: [{ name: 'abortPrevious', type: 'boolean' }] } },
  quietPeriod: { stage: false, spec: { what: 'quietPeriod', positional: 'quietPeriod', params: [{ name: 'quietPeriod', type: 'integer', required: true }] } },
  buildDiscarder: { stage: false, spec: { what: 'buildDiscarder', positional: 'strategy', params: [{ name: 'strategy', type: 'any', required: true }] } },
  checkoutToSubdirectory: { stage: false, spec: { what: 'checkoutToSubdirectory', positional: 'path', params: [{ name: 'path', type: 'string', required: true, literal: false }] } },
  preserveStashes: { stage: false, spec: { what: 'preserveStashes', params: [{ name: 'buildCount', type: 'integer' }] } },
  newContainerPerStage: { stage: false, spec: { what: 'newContainerPerStage', params: [] } },
  disableResume: { stage: false, spec: { what: 'disableResume', params: [] } },
  // Accepted for compatibility; they change nothing in Kiln.
  durabilityHint: { stage: false, ignored: true, spec: { what: 'durabilityHint', positional: 'hint', params: [{ name: 'hint', type: 'string', required: true, values: DURABILITY_HINTS }] } },
  overrideIndexTriggers: { stage: false, ignored: true, spec: { what: 'overrideIndexTriggers', positional: 'value', params: [{ name: 'value', type: 'boolean', required: true }] } },
  // Kept in `ignored` as a marker: the controller caches it as the job's option (restart.ts refuses).
  disableRestartFromStage: { stage: false, ignored: true, spec: { what: 'disableRestartFromStage', params: [] } },
  copyArtifactPermission: { stage: false, ignored: true, spec: { what: 'copyArtifactPermission', positional: 'projectNames', params: [{ name: 'projectNames', type: 'string', required: true }] } },
  rateLimitBuilds: { stage: false, spec: { what: 'rateLimitBuilds', params: [{ name: 'throttle', type: 'any', required: true }] } },
  // The GitLab plugin's job property: the connection the build's GitLab steps use (src/plugins/checks).
  gitLabConnection: {
    stage: false,
    spec: { what: 'gitLabConnection', positional: 'gitLabConnection', params: [{ name: 'gitLabConnection', type: 'string', required: true }, { name: 'jobCredentialId', type: 'string' }, { name: 'useAlternativeCredential', type: 'boolean' }] },
  },
  // The Office 365 Connector plugin's job property: cards on the build's start and end (src/plugins/office365).
  office365ConnectorWebhooks: { stage: false, spec: { what: 'office365ConnectorWebhooks', positional: 'webhooks', params: [{ name: 'webhooks', type: 'any', required: true }] } },
  // The Compress Build Log plugin's job property: the finished console kept compressed (controller/log-gzip.ts).
  compressBuildLog: { stage: false, spec: { what: 'compressBuildLog', params: [] } },
};

export const OPTION_NAMES = Object.keys(OPTIONS).sort();
export const STAGE_OPTION_NAMES = OPTION_NAMES.filter((n) => OPTIONS[n]!.stage);

export function emptyOptions(): Options {
  return {
    timeout: null, retry: null, timestamps: false, skipDefaultCheckout: false, skipStagesAfterUnstable: false,
    parallelsAlwaysFailFast: false, disableConcurrentBuilds: null, quietPeriod: null, buildDiscarder: null,
    checkoutToSubdirectory: null, preserveStashes: null, newContainerPerStage: false, disableResume: false, ansiColor: null,
    rateLimitBuilds: null, ignored: [], wrappers: [],
  };
}

export function emptyStageOptions(): StageOptions {
  return { timeout: null, retry: null, timestamps: false, skipDefaultCheckout: null, ansiColor: null, wrappers: [] };
}

/** Jenkins' BlockedStepsAndMethodCalls that take a block: never options. */
const NOT_WRAPPERS = new Set(['node', 'parallel', 'stage', 'script']);
const wrapperCache = new WeakMap<StepRegistry, readonly string[]>();

/** The registry's steps that may be used as options: they take a block and need no workspace. */
export function wrapperStepNames(registry: StepRegistry): readonly string[] {
  let names = wrapperCache.get(registry);
  if (!names) {
    names = registry.steps()
      .filter((d) => d.kind !== 'symbol' && d.kind !== 'class' && d.block !== 'none' && !d.needsNode && !NOT_WRAPPERS.has(d.name) && !(d.name in OPTIONS))
      .map((d) => d.name);
    wrapperCache.set(registry, names);
  }
  return names;
}

/** The option types valid here, as Jenkins lists them: the options and the wrapper steps, sorted. */
function validOptionTypes(ctx: Ctx, stage: boolean): string[] {
  return [...(stage ? STAGE_OPTION_NAMES : OPTION_NAMES), ...wrapperStepNames(ctx.registry)].sort();
}

const WRAPPING_BUILTINS = new Set(['timeout', 'retry', 'timestamps']);

/** Reads `options { }` of the pipeline (stage = false) or of a stage / matrix (stage = true). */
export function parseOptions(ctx: Ctx, sec: Section, stage: false): Options;
export function parseOptions(ctx: Ctx, sec: Section, stage: true): StageOptions;
export function parseOptions(ctx: Ctx, sec: Section, stage: boolean): Options | StageOptions {
  const o = emptyOptions();
  const body = blockOf(ctx, sec, 'options');
  if (sec.call.closure && body.length === 0) ctx.error('empty-options', 'options can not be empty', sec.nameLoc);
  const wrapperNames = wrapperStepNames(ctx.registry);
  const entries = typedEntries(ctx, body, {
    kind: 'option',
    valid: wrapperNames.length === 0 ? OPTION_NAMES : [...OPTION_NAMES, ...wrapperNames],
    expected: 'Expected an option',
    duplicate: (name) => `Duplicate option name: "${name}"`,
    unknown: (name) => {
      // Jenkins' ParametersAndTriggersInOptions refuses `parameters(...)` and `triggers(...)` here
      if (name === 'parameters' || name === 'triggers' || name === 'pipelineTriggers') {
        const which = name === 'parameters' ? 'parameters' : 'triggers';
        return `The "${which}" job property can't be used in the "options" directive. Use the "${which} {...}" directive instead.`;
      }
      const valid = validOptionTypes(ctx, stage);
      return withSuggestion(`Invalid option type "${name}". Valid option types: ${fmtList(valid)}`, name, valid);
    },
    refuse: (s) => {
      if (!stage || !(s.name in OPTIONS) || OPTIONS[s.name]!.stage) return false;
      // Jenkins (ModelValidatorImpl, options in a stage): the option is not a stage option type
      ctx.error('options', `Invalid option type "${s.name}". Valid option types: ${fmtList(validOptionTypes(ctx, true))}`, s.nameLoc);
      return true;
    },
  });
  for (const s of entries) {
    const def = OPTIONS[s.name];
    if (!def) {
      const w = wrapperOption(ctx, s);
      if (w) o.wrappers.push(w);
      continue;
    }
    if (WRAPPING_BUILTINS.has(s.name)) o.wrappers.push({ name: s.name, builtin: true, positional: [], named: [], loc: s.loc });
    const strategyNamed = s.call.args.length === 0 && s.call.namedArgs.length === 1 && s.call.namedArgs[0]!.name === 'strategy';
    if (s.name === 'buildDiscarder' && !strategyNamed && (s.call.args.length !== 1 || s.call.namedArgs.length > 0)) {
      ctx.error('options', "buildDiscarder expects a logRotator: buildDiscarder(logRotator(numToKeepStr: '10'))", s.nameLoc);
      continue;
    }
    const b = bindArgs(ctx, s, def.spec);
    applyOption(ctx, o, s, b, def.ignored === true);
  }
  if (!stage) return o;
  return { timeout: o.timeout, retry: o.retry, timestamps: o.timestamps, skipDefaultCheckout: entries.some((s) => s.name === 'skipDefaultCheckout') ? o.skipDefaultCheckout : null, ansiColor: o.ansiColor, wrappers: o.wrappers };
}

/** A block step written as an option: its arguments checked as a step call's, without its block (the run is the block). */
function wrapperOption(ctx: Ctx, s: Section): WrapperOption | null {
  const decl = ctx.registry.step(s.name)!;
  if (s.call.closure) {
    ctx.error('unexpected-block', `"${s.name}" does not take a block`, s.call.closure.loc);
    return null;
  }
  const body = { type: 'Closure' as const, explicitParams: false, params: [], body: [], loc: s.loc };
  const before = ctx.errorCount;
  const eff = checkStepCall(ctx, decl, { ...s.call, closure: body }, s.nameLoc);
  const values = [...eff.positional, ...eff.named.map((a) => a.value)];
  if (values.length > 0) checkGroovy(ctx, values, undefined, true);
  if (ctx.errorCount > before) return null;
  return { name: s.name, builtin: false, positional: eff.positional, named: eff.named, loc: s.loc };
}

/** The arguments written as expressions (known only at run time), checked as Groovy. */
function runtimeExprs<K extends string>(ctx: Ctx, b: Map<string, BoundArg>, names: readonly K[]): Partial<Record<K, Expr>> {
  const out: Partial<Record<K, Expr>> = {};
  for (const n of names) {
    const a = b.get(n);
    if (a !== undefined && a.value === undefined) out[n] = a.expr;
  }
  const exprs = Object.values(out) as Expr[];
  if (exprs.length > 0) checkGroovy(ctx, exprs);
  return out;
}

function applyOption(ctx: Ctx, o: Options, s: Section, b: Map<string, BoundArg>, ignored: boolean): void {
  if (ignored) {
    o.ignored.push({ name: s.name, loc: s.loc });
    return;
  }
  switch (s.name) {
    case 'timeout': {
      const exprs = runtimeExprs(ctx, b, ['time', 'unit', 'activity']);
      const time = argNum(b, 'time');
      if (time === null && exprs.time === undefined) return;
      if (time !== null && time <= 0) ctx.error('options', `timeout: "time" must be positive, got ${time}`, b.get('time')!.expr.loc);
      o.timeout = { time: time ?? 0, unit: (argStr(b, 'unit') ?? 'MINUTES') as TimeUnit, activity: argBool(b, 'activity', false), loc: s.loc } satisfies TimeoutOption;
      if (Object.keys(exprs).length > 0) o.timeout.exprs = exprs;
      return;
    }
    case 'retry': {
      const exprs = runtimeExprs(ctx, b, ['count']);
      const count = argNum(b, 'count');
      if (count === null && exprs.count === undefined) return;
      // A count under 1 runs the block once (RetryStep does not check it; its callback stops when none is left).
      const conditions = b.get('conditions')?.expr ?? null; // [agent(), ...]: evaluated when the run gets there (engine)
      if (conditions) checkGroovy(ctx, [conditions]);
      o.retry = { count: count ?? 1, conditions, loc: s.loc };
      if (exprs.count !== undefined) o.retry.countExpr = exprs.count;
      return;
    }
    case 'timestamps': o.timestamps = true; return;
    case 'skipDefaultCheckout': o.skipDefaultCheckout = argBool(b, 'value', true); return;
    case 'ansiColor': o.ansiColor = argStr(b, 'colorMapName'); return;
    case 'skipStagesAfterUnstable': o.skipStagesAfterUnstable = true; return;
    case 'parallelsAlwaysFailFast': o.parallelsAlwaysFailFast = argBool(b, 'parallelsAlwaysFailFast', true); return;
    case 'disableConcurrentBuilds': o.disableConcurrentBuilds = { abortPrevious: argBool(b, 'abortPrevious', false), loc: s.loc }; return;
    case 'quietPeriod': o.quietPeriod = argNum(b, 'quietPeriod'); return;
    case 'buildDiscarder': {
      const strat = b.get('strategy');
      if (strat) o.buildDiscarder = logRotator(ctx, strat, s.loc);
      return;
    }
    case 'checkoutToSubdirectory': {
      // `checkoutToSubdirectory("${dir}")` is accepted, as Jenkins does, and evaluated at checkout
      o.checkoutToSubdirectory = argStr(b, 'path');
      const e = b.get('path');
      if (e && e.value === undefined) o.checkoutToSubdirectoryExpr = e.expr;
      return;
    }
    case 'preserveStashes': {
      const n = argNum(b, 'buildCount') ?? 1;
      if (n < 1 || n > 50) ctx.error('options', `preserveStashes: buildCount must be between 1 and 50, got ${n}`, b.get('buildCount')!.expr.loc);
      o.preserveStashes = n;
      return;
    }
    case 'newContainerPerStage': o.newContainerPerStage = true; return;
    case 'disableResume': o.disableResume = true; return;
    case 'gitLabConnection':
    case 'office365ConnectorWebhooks':
    case 'compressBuildLog': {
      const args: Record<string, unknown> = {};
      for (const [k, a] of b) {
        // Options are read before the build runs: a value computed at run time would be lost.
        if (a.value === undefined && s.name === 'office365ConnectorWebhooks') ctx.error('options', "office365ConnectorWebhooks: the webhooks must be written as literals in options (a url may be '${VARIABLE}' of the build's variables, expanded when the card is posted), or given at run time with properties([office365ConnectorWebhooks(...)])", a.expr.loc);
        args[k] = a.value === undefined ? null : toJson(a.value as Value);
      }
      (o.pluginProperties ??= {})[s.name] = args;
      return;
    }
    case 'rateLimitBuilds': {
      const r = rateLimitOf(b.get('throttle')?.value);
      if (typeof r === 'string') ctx.error('options', r, b.get('throttle')?.expr.loc ?? s.nameLoc);
      else o.rateLimitBuilds = r;
      return;
    }
  }
}

// Values may be expressions (numToKeepStr: isMain ? '50' : '5'), known only when the build runs.
const LOG_ROTATOR: ArgSpec = {
  what: 'logRotator', literal: false,
  params: [
    { name: 'numToKeepStr', type: 'string' }, { name: 'daysToKeepStr', type: 'string' },
    { name: 'artifactNumToKeepStr', type: 'string' }, { name: 'artifactDaysToKeepStr', type: 'string' },
  ],
};

/** buildDiscarder(logRotator(numToKeepStr: '10', ...)) */
function logRotator(ctx: Ctx, strat: BoundArg, loc: Loc): BuildDiscarder | null {
  const e = strat.expr;
  if (e.type !== 'Call' || e.callee.type !== 'Ident' || e.callee.name !== 'logRotator') {
    ctx.error('options', "buildDiscarder expects a logRotator: buildDiscarder(logRotator(numToKeepStr: '10'))", e.loc);
    return null;
  }
  const s: Section = { name: 'logRotator', nameLoc: e.callee.loc, call: e, loc: e.loc };
  const b = bindArgs(ctx, s, LOG_ROTATOR);
  const exprs: BuildDiscarder['exprs'] = {};
  const num = (key: DiscardKey): number | null => {
    const name = `${key}Str`;
    const a = b.get(name);
    if (!a) return null;
    if (a.value === undefined) {
      exprs[key] = a.expr; // known when the build starts (engine: jobProperties)
      return null;
    }
    const n = discardCount(a.value === null ? null : String(a.value));
    if (n === 'bad') ctx.error('options', discardCountProblem(name, String(a.value)), a.expr.loc);
    return n === 'bad' ? null : n;
  };
  return {
    numToKeep: num('numToKeep'), daysToKeep: num('daysToKeep'), artifactNumToKeep: num('artifactNumToKeep'),
    artifactDaysToKeep: num('artifactDaysToKeep'), exprs, loc,
  };
}

/** A logRotator count as Jenkins reads it: '' / '-1' / null = no limit, else a whole number ('bad' otherwise). */
export function discardCount(text: string | null): number | null | 'bad' {
  if (text === null) return null;
  const t = text.trim();
  if (t === '' || t === '-1') return null;
  return /^\d+$/.test(t) ? Number(t) : 'bad';
}

export function discardCountProblem(name: string, text: string): string {
  return `logRotator: "${name}" must be a whole number, got "${text.trim()}"`;
}
