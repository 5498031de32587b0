// Job properties written in a pipeline: the `properties([...])` step (workflow-multibranch's
// JobPropertyStep) and the symbols it takes, as data, and the conversion of their values into
// the JobProperties the host keeps for the next builds (BuildServices.jobProperties).
//
//   properties([
//     buildDiscarder(logRotator(numToKeepStr: '10')),
//     disableConcurrentBuilds(abortPrevious: true),
//     parameters([string(name: 'V', defaultValue: '1'), choice(name: 'ENV', choices: ['dev', 'prod'])]),
//     pipelineTriggers([cron('H 2 * * *'), pollSCM('H/15 * * * *'), upstream(upstreamProjects: 'lib', threshold: hudson.model.Result.SUCCESS)]),
//     rateLimitBuilds(throttle: [count: 2, durationName: 'hour', userBoost: true]),
//     durabilityHint('PERFORMANCE_OPTIMIZED'), disableResume(), copyArtifactPermission('*'),
//   ])
//
// The `[$class: 'BuildDiscarderProperty', strategy: [$class: 'LogRotator', ...]]` forms of the
// same properties are read too. As Jenkins' step, a call sets the job's whole set of properties:
// a property left out is removed (no discarder, no triggers, concurrent builds allowed again...).
// The run that calls it is not changed (its parameters are those it was started with).
// Properties whose Jenkins effect does not exist in Kiln (durability levels, resuming after a
// restart, Copy Artifact permissions, a GitHub project link, branch indexing triggers) are
// accepted and change nothing (docs/steps.md says so); any other property is an error naming it.
// Declaration side: pure data and pure functions (kiln lint loads this file).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import { StepFailure } from '../../core/errors.ts';
import { BUILD_RESULTS } from '../../core/build.ts';
import { checkCron } from '../model/cron.ts';
import { GITLAB_FILTERS, GITLAB_UNHONOURED, gitlabSpecText } from '../model/triggers.ts';
import { githubPrSpec } from '../model/github-pr-trigger.ts';
import { genericSpecText, genericTriggerOptions } from '../model/generic-trigger.ts';
import { extendedChoiceOptions, extendedChoiceValue } from '../model/extended-choice.ts';
import type { ExtendedChoiceOptions } from '../model/types.ts';
import { isList, isMap, toJson, type GMap, type Value } from '../script/values.ts';
import { ACTIVE_CHOICE_CLASSES, ACTIVE_CHOICE_KINDS, activeChoiceOptions, type ActiveChoiceKind, type ActiveChoiceOptions } from '../model/active-choices.ts';
import type { JobProperties, RateLimit } from './types.ts';
import { gitParameterOptions } from '../model/git-parameter.ts';
import type { GitParameterOptions } from '../model/types.ts';

/** rateLimitBuilds' durations, as Branch API's RateLimitBranchProperty. */
export const RATE_DURATIONS: readonly RateLimit['durationName'][] = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'];
const DURATION_MS: Record<RateLimit['durationName'], number> = {
  second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 31 * 86_400_000, year: 365 * 86_400_000,
};

/** The least time between two build starts under a throttle (Jenkins: duration / count). */
export function msBetweenBuilds(r: RateLimit): number {
  return Math.floor(DURATION_MS[r.durationName] / Math.max(1, r.count));
}

/** Properties that are accepted and change nothing in Kiln (why, for the docs and `kiln lint --list-steps`). */
export const NO_EFFECT_PROPERTIES: Readonly<Record<string, string>> = {
  durabilityHint: 'Kiln has one durability level: a build\'s state is saved as it changes',
  disableResume: 'Kiln does not resume running builds after a controller restart: they end ABORTED',
  copyArtifactPermission: 'every user may read every job in Kiln, so copyArtifacts needs no permission from the source job',
  githubProjectProperty: 'only a link to the GitHub project in Jenkins\' UI',
  overrideIndexTriggers: 'Kiln has no multibranch indexing',
  disableRestartFromStage: 'in properties([...]): Kiln reads it from a declarative pipeline\'s options { disableRestartFromStage() } only',
  RebuildSettings: 'the Rebuilder plugin\'s button, which Kiln does not have (it has replay)',
  JiraProjectProperty: 'only a link to a JIRA site in Jenkins\' UI',
};
const NO_EFFECT_CLASSES: Readonly<Record<string, string>> = {
  GithubProjectProperty: 'githubProjectProperty', DurabilityHintJobProperty: 'durabilityHint', DisableResumeJobProperty: 'disableResume',
  CopyArtifactPermissionProperty: 'copyArtifactPermission', OverrideIndexTriggersJobProperty: 'overrideIndexTriggers',
  DisableRestartFromStageJobProperty: 'disableRestartFromStage', RebuildSettings: 'RebuildSettings', JiraProjectProperty: 'JiraProjectProperty',
};

/**
 * Job properties of plugins (their symbols are the plugins' declarations): not kept on the job,
 * but set for the rest of the build that writes them, in options or in properties([...]), where
 * the plugin's steps read them: the build scope's PLUGIN_PROPERTIES_KEY, a Map from the symbol
 * to its arguments. Each build's own call sets them again (Jenkins reads the job's property when
 * a step runs, so the effect on that build's steps is the same).
 */
export const PLUGIN_PROPERTIES: Readonly<Record<string, string>> = {
  gitLabConnection: "the GitLab connection the build's GitLab steps use (the GitLab plugin's GitLabConnectionProperty)",
  office365ConnectorWebhooks: "Microsoft Teams webhooks that get the build's started and completed cards (the Office 365 Connector plugin's WebhookJobProperty)",
  compressBuildLog: "the build's console is kept gzip-compressed once it has finished (the Compress Build Log plugin's BuildLogCompressor)",
};
const PLUGIN_PROPERTY_CLASSES: Readonly<Record<string, string>> = { GitLabConnectionProperty: 'gitLabConnection', WebhookJobProperty: 'office365ConnectorWebhooks', BuildLogCompressor: 'compressBuildLog' };
export const PLUGIN_PROPERTIES_KEY = 'job.pluginProperties';
export type PluginProperties = Map<string, Record<string, Value>>;

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const sym = (name: string, doc: string, params: StepParam[], positional?: string): StepDecl => ({
  name, doc, params, block: 'none', needsNode: false, kind: 'symbol', ...(positional ? { positional } : {}),
});

/** The `properties` step and the symbols only it takes (the parameter types are the core plugin's). */
export const jobPropertySteps: StepDecl[] = [
  {
    name: 'properties',
    doc: "Set the job's properties for the next builds: properties([buildDiscarder(logRotator(numToKeepStr: '10')), parameters([...]), pipelineTriggers([cron('H 2 * * *')])]). A property left out is removed.",
    params: [{ name: 'properties', type: 'list', required: true, doc: "buildDiscarder, disableConcurrentBuilds, parameters, pipelineTriggers, rateLimitBuilds, the no-effect ones below, their [$class: '...'] forms, and [$class: 'RebuildSettings'] / [$class: 'JiraProjectProperty'] (no effect)" }],
    positional: 'properties',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'readTrusted',
    doc: "Read a file from the build's trusted revision of the job's repository: evaluate(readTrusted('ci/steps.groovy')). For a fork's pull request the file must be unchanged by it.",
    params: [{ name: 'path', type: 'string', required: true, doc: "a path relative to the repository's root" }],
    positional: 'path',
    block: 'none',
    needsNode: false,
    differs: "Kiln's git jobs are the SCM jobs: a build of a fork's revision (a pull/merge request from an untrusted author) reads the job's branch and fails when the fork changed the file; kiln run reads the project directory",
  },
  sym('buildDiscarder', 'keep only some old builds: buildDiscarder(logRotator(...))', [{ name: 'strategy', type: 'any', required: true, doc: 'logRotator(...)' }], 'strategy'),
  sym('disableConcurrentBuilds', 'one build of the job at a time; abortPrevious: a new build aborts the running one', [{ name: 'abortPrevious', type: 'boolean', doc: 'abort the running build instead of waiting for it' }]),
  sym('parameters', "the job's build parameters: parameters([string(...), booleanParam(...), choice(...), ...])", [{ name: 'parameterDefinitions', type: 'list', required: true, doc: 'the parameters' }], 'parameterDefinitions'),
  sym('pipelineTriggers', 'what starts the job: pipelineTriggers([cron(...), pollSCM(...), upstream(...)])', [{ name: 'triggers', type: 'list', required: true, doc: 'the triggers' }], 'triggers'),
  sym('cron', 'a timer trigger (Jenkins cron syntax, H hashed per job)', [s('spec', 'the schedule', true)], 'spec'),
  sym('pollSCM', "a trigger that polls the job's repository and builds on a new commit", [s('scmpoll_spec', 'the schedule', true), { name: 'ignorePostCommitHooks', type: 'boolean', doc: 'accepted for compatibility' }], 'scmpoll_spec'),
  sym('parameterizedCron', 'a timer trigger with parameters per line: H 2 * * * %NAME=value', [s('parameterizedSpecification', 'the schedule lines', true)], 'parameterizedSpecification'),
  sym('upstream', 'build when another job finishes with a result at least as good as threshold', [
    s('upstreamProjects', "comma-separated job names (relative to this job's folder, or absolute)", true),
    { name: 'threshold', type: 'any', doc: "hudson.model.Result.SUCCESS (default), UNSTABLE, FAILURE, or the name" },
  ]),
  sym('githubPush', 'build on a GitHub push webhook (Kiln: the webhooks build matching git jobs anyway)', []),
  sym('rateLimitBuilds', 'at most count build starts per duration: rateLimitBuilds(throttle: [count: 1, durationName: \'hour\', userBoost: true])', [
    { name: 'throttle', type: 'map', required: true, doc: "[count: N, durationName: 'second'|'minute'|'hour'|'day'|'week'|'month'|'year', userBoost: builds a user starts skip the throttle]" },
  ]),
  sym('durabilityHint', `accepted, no effect: ${NO_EFFECT_PROPERTIES['durabilityHint']}`, [s('hint', 'MAX_SURVIVABILITY, PERFORMANCE_OPTIMIZED or SURVIVABLE_NONATOMIC', true)], 'hint'),
  sym('disableResume', `accepted, no effect: ${NO_EFFECT_PROPERTIES['disableResume']}`, []),
  sym('copyArtifactPermission', `accepted, no effect: ${NO_EFFECT_PROPERTIES['copyArtifactPermission']}`, [s('projectNames', 'jobs that may copy artifacts', true)], 'projectNames'),
  sym('githubProjectProperty', `accepted, no effect: ${NO_EFFECT_PROPERTIES['githubProjectProperty']}`, [s('projectUrlStr', 'the project URL', true), s('displayName', 'link text')], 'projectUrlStr'),
  sym('overrideIndexTriggers', `accepted, no effect: ${NO_EFFECT_PROPERTIES['overrideIndexTriggers']}`, [{ name: 'value', type: 'boolean', required: true, doc: 'whether indexing triggers builds' }], 'value'),
  sym('disableRestartFromStage', `accepted, no effect: ${NO_EFFECT_PROPERTIES['disableRestartFromStage']}`, []),
  sym('credentials', 'a credentials parameter (its value is a credential id)', [
    s('name', 'parameter name', true), s('credentialType', 'the credential class'), s('defaultValue', 'default credential id'), s('description', 'help text'),
    { name: 'required', type: 'boolean', doc: 'whether a value is required' },
  ]),
  sym('run', 'a run parameter (a build of another job)', [
    s('name', 'parameter name', true), s('projectName', 'the job', true), s('description', 'help text'), { name: 'filter', type: 'string', values: ['ALL', 'STABLE', 'SUCCESSFUL', 'COMPLETED'], doc: 'which builds' },
  ]),
];

/** Reads a rateLimitBuilds throttle map; a string says what is wrong. */
export function rateLimitOf(v: Value | undefined): RateLimit | string {
  if (!isMap(v)) return "rateLimitBuilds: throttle must be a map: throttle: [count: 1, durationName: 'hour', userBoost: false]";
  for (const k of v.keys()) if (!['count', 'durationName', 'userBoost'].includes(k)) return `rateLimitBuilds: unknown throttle setting "${k}" (count, durationName, userBoost)`;
  const c = v.get('count');
  const count = typeof c === 'number' ? c : typeof c === 'string' && /^\d+$/.test(c.trim()) ? Number(c) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > 1000) return `rateLimitBuilds: count must be a whole number from 1 to 1000, got ${c === undefined ? 'nothing' : String(c)}`;
  const d = v.get('durationName') ?? 'hour';
  if (typeof d !== 'string' || !(RATE_DURATIONS as readonly string[]).includes(d)) return `rateLimitBuilds: durationName must be one of ${RATE_DURATIONS.join(', ')}, got ${String(d)}`;
  const u = v.get('userBoost') ?? false;
  if (typeof u !== 'boolean') return `rateLimitBuilds: userBoost must be true or false, got ${String(u)}`;
  return { count, durationName: d as RateLimit['durationName'], userBoost: u };
}

/** What a `properties([...])` call sets; notes are lines for the console (properties without effect here). */
export function jobPropertiesOf(list: Value): { props: Required<JobProperties>; notes: string[]; plugin: PluginProperties } {
  if (!isList(list)) throw new StepFailure('properties: expects a list of job properties: properties([buildDiscarder(...), parameters([...])])');
  const props: Required<JobProperties> = { parameters: [], triggers: [], discarder: null, disableConcurrentBuilds: null, rateLimit: null };
  const notes: string[] = [];
  const plugin: PluginProperties = new Map();
  const seen = new Set<string>();
  for (const item of list) {
    if (!isMap(item)) throw new StepFailure(`properties: ${describe(item)} is not a job property`);
    const kind = kindOf(item);
    if (seen.has(kind)) throw new StepFailure(`properties: ${kind} is given twice`);
    seen.add(kind);
    switch (kind) {
      case 'buildDiscarder': props.discarder = discarderOf(item.get('strategy')); break;
      case 'disableConcurrentBuilds': props.disableConcurrentBuilds = { abortPrevious: item.get('abortPrevious') === true }; break;
      case 'parameters': props.parameters = parametersOf(item.get('parameterDefinitions')); break;
      case 'pipelineTriggers': props.triggers = triggersOf(item.get('triggers'), notes); break;
      case 'rateLimitBuilds': {
        const r = rateLimitOf(item.get('throttle'));
        if (typeof r === 'string') throw new StepFailure(r);
        props.rateLimit = r;
        break;
      }
      default:
        if (Object.hasOwn(PLUGIN_PROPERTIES, kind)) plugin.set(kind, Object.fromEntries([...item.entries()].filter(([k]) => k !== '$symbol' && k !== '$class')));
        else if (Object.hasOwn(NO_EFFECT_PROPERTIES, kind)) notes.push(`properties: ${kind} has no effect in Kiln (${NO_EFFECT_PROPERTIES[kind]})`);
        else throw new StepFailure(`properties: ${kind} is not a job property Kiln knows (it knows buildDiscarder, disableConcurrentBuilds, parameters, pipelineTriggers, rateLimitBuilds, ${[...Object.keys(PLUGIN_PROPERTIES), ...Object.keys(NO_EFFECT_PROPERTIES)].join(', ')})`);
    }
  }
  return { props, notes, plugin };
}

/** The property's symbol, or the symbol its Jenkins class stands for. */
function kindOf(m: GMap): string {
  const symbol = m.get('$symbol');
  if (typeof symbol === 'string') return symbol;
  const cls = simpleClass(m);
  if (cls === null) throw new StepFailure(`properties: ${describe(m)} is not a job property (write buildDiscarder(...), parameters([...]), ... or [$class: 'BuildDiscarderProperty', ...])`);
  switch (cls) {
    case 'BuildDiscarderProperty': return 'buildDiscarder';
    case 'DisableConcurrentBuildsJobProperty': return 'disableConcurrentBuilds';
    case 'ParametersDefinitionProperty': return 'parameters';
    case 'PipelineTriggersJobProperty': return 'pipelineTriggers';
    case 'RateLimitBranchProperty$JobPropertyImpl': case 'JobPropertyImpl': return 'rateLimitBuilds';
  }
  return NO_EFFECT_CLASSES[cls] ?? PLUGIN_PROPERTY_CLASSES[cls] ?? cls;
}

function simpleClass(m: GMap): string | null {
  const c = m.get('$class');
  if (typeof c !== 'string') return null;
  return c.slice(c.lastIndexOf('.') + 1);
}

function describe(v: Value | undefined): string {
  if (isMap(v)) {
    const sy = v.get('$symbol') ?? v.get('$class');
    if (typeof sy === 'string') return sy;
    return `[${[...v.keys()].join(', ')}]`;
  }
  return v === undefined || v === null ? 'null' : `'${String(v)}'`;
}

function text(v: Value | undefined): string | null {
  return v === undefined || v === null ? null : String(v);
}

function discarderOf(strategy: Value | undefined): Required<JobProperties>['discarder'] {
  if (!isMap(strategy) || !(strategy.get('$symbol') === 'logRotator' || simpleClass(strategy) === 'LogRotator')) {
    throw new StepFailure("buildDiscarder expects a logRotator: buildDiscarder(logRotator(numToKeepStr: '10'))");
  }
  const count = (key: string): number | null => {
    const t = text(strategy.get(`${key}Str`) ?? strategy.get(key));
    if (t === null || t.trim() === '' || t.trim() === '-1') return null;
    if (!/^\d+$/.test(t.trim())) throw new StepFailure(`logRotator: "${key}Str" must be a whole number, got "${t.trim()}"`);
    return Number(t.trim());
  };
  return { numToKeep: count('numToKeep'), daysToKeep: count('daysToKeep'), artifactNumToKeep: count('artifactNumToKeep'), artifactDaysToKeep: count('artifactDaysToKeep') };
}

const PARAM_CLASSES: Record<string, JobProperties['parameters'][number]['type']> = {
  StringParameterDefinition: 'string', TextParameterDefinition: 'text', BooleanParameterDefinition: 'booleanParam',
  ChoiceParameterDefinition: 'choice', PasswordParameterDefinition: 'password', FileParameterDefinition: 'file',
  CredentialsParameterDefinition: 'credentials', RunParameterDefinition: 'run', GitParameterDefinition: 'gitParameter',
  ExtendedChoiceParameterDefinition: 'extendedChoice',
  ...ACTIVE_CHOICE_CLASSES,
};
const PARAM_SYMBOLS = new Set(Object.values(PARAM_CLASSES));

function parametersOf(v: Value | undefined): JobProperties['parameters'] {
  if (!isList(v)) throw new StepFailure('parameters: expects a list: parameters([string(name: ...), ...])');
  const out: JobProperties['parameters'] = [];
  const names = new Set<string>();
  for (const p of v) {
    if (!isMap(p)) throw new StepFailure(`parameters: ${describe(p)} is not a parameter definition`);
    const sy = p.get('$symbol');
    const type = typeof sy === 'string' ? (PARAM_SYMBOLS.has(sy as never) ? sy as JobProperties['parameters'][number]['type'] : undefined) : PARAM_CLASSES[simpleClass(p) ?? ''];
    if (!type) throw new StepFailure(`parameters: ${describe(p)} is not a parameter type Kiln has (${[...PARAM_SYMBOLS].join(', ')})`);
    const name = text(p.get('name'))?.trim() ?? '';
    if (name === '') throw new StepFailure(`parameters: a ${type} parameter has no name`);
    if (names.has(name)) throw new StepFailure(`parameters: the parameter "${name}" is defined twice`);
    names.add(name);
    let choices: string[] = [];
    let dflt: string | boolean | null = null;
    if (type === 'choice') {
      const c = p.get('choices');
      choices = isList(c) ? c.map((x) => (x === null ? '' : String(x))) : typeof c === 'string' ? c.split('\n').map((x) => x.replace(/\r$/, '')).filter((x) => x !== '') : [];
      if (choices.length === 0) throw new StepFailure(`parameters: the choice parameter "${name}" has no choices`);
      dflt = choices[0]!;
    } else if (type === 'booleanParam') {
      const d = p.get('defaultValue');
      dflt = d === true || d === 'true';
    } else if (type !== 'file' && type !== 'run') {
      dflt = text(p.get('defaultValue')) ?? '';
    }
    let git: GitParameterOptions | undefined;
    if (type === 'gitParameter') {
      const o = gitParameterOptions((k) => text(p.get(k)) ?? undefined);
      if ('problem' in o) throw new StepFailure(`parameters: gitParameter "${name}": ${o.problem}`);
      git = o;
    }
    let extendedChoice: ExtendedChoiceOptions | undefined;
    if (type === 'extendedChoice') {
      const o = extendedChoiceOptions((k) => p.get(k));
      if ('problem' in o) throw new StepFailure(`parameters: extendedChoice "${name}": ${o.problem}`);
      extendedChoice = o;
      choices = o.choices;
      dflt = extendedChoiceValue(o, o.defaults);
    }
    let activeChoice: ActiveChoiceOptions | undefined;
    if ((ACTIVE_CHOICE_KINDS as readonly string[]).includes(type)) {
      const o = activeChoiceOptions(type as ActiveChoiceKind, toJson(p) as Record<string, unknown>);
      if ('problem' in o) throw new StepFailure(`parameters: ${type} "${name}": ${o.problem}`);
      activeChoice = o;
      dflt = null;
    }
    out.push({ type, name, defaultValue: dflt, description: text(p.get('description')) ?? '', choices, trim: p.get('trim') === true, ...(git ? { git } : {}), ...(activeChoice ? { activeChoice } : {}), ...(extendedChoice ? { extendedChoice } : {}) });
  }
  return out;
}

function triggersOf(v: Value | undefined, notes: string[]): JobProperties['triggers'] {
  if (!isList(v)) throw new StepFailure("pipelineTriggers: expects a list: pipelineTriggers([cron('H 2 * * *')])");
  const out: JobProperties['triggers'] = [];
  for (const t of v) {
    if (!isMap(t)) throw new StepFailure(`pipelineTriggers: ${describe(t)} is not a trigger`);
    const sy = t.get('$symbol');
    const cls = simpleClass(t);
    const kind = typeof sy === 'string' ? sy
      : cls === 'TimerTrigger' ? 'cron' : cls === 'SCMTrigger' ? 'pollSCM' : cls === 'ReverseBuildTrigger' ? 'upstream' : cls === 'GitHubPushTrigger' ? 'githubPush' : cls === 'GitLabPushTrigger' ? 'gitlab' : cls === 'GitHubPRTrigger' ? 'githubPullRequests' : cls === 'GenericTrigger' ? 'GenericTrigger' : cls ?? describe(t);
    switch (kind) {
      case 'cron': case 'pollSCM': case 'parameterizedCron': {
        const key = kind === 'cron' ? 'spec' : kind === 'pollSCM' ? 'scmpoll_spec' : 'parameterizedSpecification';
        const spec = text(t.get(key)) ?? '';
        if (kind !== 'parameterizedCron' && spec.trim() !== '') {
          const problem = checkCron(spec)[0];
          if (problem) throw new StepFailure(`${kind}: ${problem.message}`);
        }
        out.push({ type: kind, spec, threshold: null });
        break;
      }
      case 'upstream': {
        const projects = text(t.get('upstreamProjects')) ?? '';
        if (projects.split(',').every((x) => x.trim() === '')) throw new StepFailure('upstream: "upstreamProjects" names no job');
        const th = text(t.get('threshold')) ?? 'SUCCESS';
        if (!(BUILD_RESULTS as readonly string[]).includes(th)) throw new StepFailure(`upstream: "threshold" must be one of ${BUILD_RESULTS.map((r) => `hudson.model.Result.${r}`).join(', ')}, got ${th}`);
        out.push({ type: 'upstream', spec: projects, threshold: th });
        break;
      }
      case 'githubPush': out.push({ type: 'githubPush', spec: '', threshold: null }); break;
      case 'gitlab': {
        // Its arguments as JSON text, as triggers { gitlab(...) } keeps them (controller/gitlab-trigger.ts reads them).
        const o: Record<string, string | boolean> = {};
        for (const [k, x] of t.entries()) if (k !== '$symbol' && k !== '$class' && (typeof x === 'string' || typeof x === 'boolean')) o[k] = x;
        const type = o['branchFilterType'] ?? o['branchFilterName'];
        if (type !== undefined && !GITLAB_FILTERS.includes(String(type))) throw new StepFailure(`gitlab: "branchFilterType" must be one of ${GITLAB_FILTERS.join(', ')}, got "${String(type)}"`);
        for (const k of ['sourceBranchRegex', 'targetBranchRegex', 'noteRegex']) {
          try {
            if (typeof o[k] === 'string') new RegExp(o[k]);
          } catch (e) {
            throw new StepFailure(`gitlab: "${k}" is not a regular expression: ${(e as Error).message}`);
          }
        }
        for (const k of GITLAB_UNHONOURED) if (t.has(k) && ![false, '', 'never'].includes(t.get(k) as never)) notes.push(`gitlab: Kiln does not act on "${k}"; the trigger works without it (docs/notifications.md, GitLab)`);
        out.push({ type: 'gitlab', spec: gitlabSpecText(o), threshold: null });
        break;
      }
      case 'githubPullRequests': {
        // Checked and kept as JSON text, as triggers { githubPullRequests(...) } (controller/github-pr-trigger.ts reads it).
        const { spec, errors } = githubPrSpec(toJson(t) as Record<string, unknown>);
        if (errors.length > 0) throw new StepFailure(errors.join('; '));
        out.push({ type: 'githubPullRequests', spec: JSON.stringify(spec), threshold: null });
        break;
      }
      case 'GenericTrigger': {
        // Its options as JSON text, the token as its SHA-256 (controller/generic-trigger.ts reads them).
        const o = genericTriggerOptions((k) => t.get(k));
        if ('problem' in o) throw new StepFailure(`GenericTrigger: ${o.problem}`);
        out.push({ type: 'GenericTrigger', spec: genericSpecText(o), threshold: null });
        break;
      }
      default: throw new StepFailure(`pipelineTriggers: ${kind} is not a trigger Kiln has (cron, pollSCM, parameterizedCron, upstream, githubPush, gitlab, githubPullRequests, GenericTrigger)`);
    }
  }
  return out;
}
