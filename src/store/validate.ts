// Input checks at the store's edge: every value is checked and turned into the exact shape
// that is written, so what is read back equals what went in. Failures are
// StoreError('invalid') with a message that names the field and says what is allowed, and the
// field's path as data (StoreError.field, `parameters.0.name`) for the API's `field`.
import { BUILD_RESULTS, type BuildResult } from '../core/build.ts';
import { gitParameterOptions } from '../pipeline/model/git-parameter.ts';
import { EXTENDED_CHOICE_TYPES } from '../pipeline/model/extended-choice.ts';
import { ACTIVE_CHOICE_KINDS, storedActiveChoice, type ActiveChoiceKind } from '../pipeline/model/active-choices.ts';
import {
  StoreError, type AgentLauncher, type BuildCause, type BuildScm, type BuildStatus, type DiscardPolicy,
  type JobDefinition, type JobOptions, type JobParameter, type JobTrigger, type JsonValue, type RateLimit,
} from './types.ts';

/** A path as the API's `field` says it (`parameters[0].name` is `parameters.0.name`); undefined when `what` is words, not a path. */
function fieldOf(what: string | undefined): string | undefined {
  if (what === undefined || !/^[A-Za-z_]\w*(?:\.[\w-]+|\[\d+\])*$/.test(what)) return undefined;
  return what.replace(/\[(\d+)\]/g, '.$1');
}

/** StoreError('invalid'); `field` (a path: `launcher.host`, `parameters[0].name`) is the field it is about, answered by the API as data. */
function invalid(message: string, field?: string): StoreError {
  const f = fieldOf(field);
  return new StoreError('invalid', message, f === undefined ? {} : { field: f });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FORBIDDEN = /[\x00-\x1f\x7f?*\\%!@#$^&|<>[\]:;"]/;
const FORBIDDEN_TEXT = '? * \\ % ! @ # $ ^ & | < > [ ] : ; " or control characters';

function checkSegment(kind: string, full: string, seg: string): void {
  if (seg === '') throw invalid(`invalid ${kind} name '${full}': empty part (no leading, trailing or double '/')`, 'name');
  if (seg === '.' || seg === '..') throw invalid(`invalid ${kind} name '${full}': '${seg}' is not allowed as a name`, 'name');
  if (seg.trim() !== seg) throw invalid(`invalid ${kind} name '${full}': no spaces at the start or end of a name`, 'name');
  const bad = FORBIDDEN.exec(seg);
  if (bad) {
    const shown = /[\x00-\x1f\x7f]/.test(bad[0]) ? `a control character (0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')})` : `'${bad[0]}'`;
    throw invalid(`invalid ${kind} name '${full}': contains ${shown}; names may not contain ${FORBIDDEN_TEXT}`, 'name');
  }
}

/** Job names: folders separated by '/', each part a Jenkins-legal item name; at most 255 characters. */
export function checkJobName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid('a job name is required (a non-empty string)', 'name');
  if (name.length > 255) throw invalid(`invalid job name '${name.slice(0, 40)}...': longer than 255 characters`, 'name');
  for (const seg of name.split('/')) checkSegment('job', name, seg);
  return name;
}

/** Agent names: one Jenkins-legal item name (no '/'); at most 128 characters. */
export function checkAgentName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid('an agent name is required (a non-empty string)', 'name');
  if (name.length > 128) throw invalid(`invalid agent name '${name.slice(0, 40)}...': longer than 128 characters`, 'name');
  if (name.includes('/')) throw invalid(`invalid agent name '${name}': contains '/'`, 'name');
  checkSegment('agent', name, name);
  return name;
}

export function checkString(v: unknown, what: string, opts: { max?: number; nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw invalid(`${what} must be a string`, what);
  if (opts.nonEmpty && v.trim() === '') throw invalid(`${what} must not be empty`, what);
  const max = opts.max ?? 1_000_000;
  if (v.length > max) throw invalid(`${what} is longer than ${max} characters`, what);
  return v;
}

export function checkStringOrNull(v: unknown, what: string, opts: { max?: number; nonEmpty?: boolean } = {}): string | null {
  return v === null || v === undefined ? null : checkString(v, what, opts);
}

export function checkInt(v: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${what} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v) ?? String(v)})`, what);
  }
  return v;
}

export function checkIntOrNull(v: unknown, what: string, min: number, max?: number): number | null {
  return v === null || v === undefined ? null : checkInt(v, what, min, max);
}

export function checkTime(v: unknown, what: string): number {
  return checkInt(v, what, 0);
}

export function checkBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw invalid(`${what} must be true or false`, what);
  return v;
}

/** Serializes a value for a JSON column; refuses what would not read back the same. */
export function toJson(v: unknown, what: string): string {
  checkJsonValue(v, what, 0);
  return JSON.stringify(v);
}

function checkJsonValue(v: unknown, path: string, depth: number): asserts v is JsonValue {
  if (depth > 200) throw invalid(`${path}: nested too deeply`, path);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalid(`${path}: ${v} cannot be stored (not a finite number)`, path);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJsonValue(x, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) throw invalid(`${path}: only plain objects can be stored (got ${(v as object).constructor?.name ?? 'an object'})`, path);
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue; // dropped by JSON, as an absent key reads back
      checkJsonValue(x, `${path}.${k}`, depth + 1);
    }
    return;
  }
  throw invalid(`${path}: a ${typeof v} cannot be stored (only JSON values)`, path);
}

// ---------------------------------------------------------------------------------------------
// jobs

export function checkDefinition(v: unknown): JobDefinition {
  if (!isObject(v)) throw invalid("definition must be { kind: 'inline', script } or { kind: 'git', url, branch, path, credentialsId }");
  if (v['kind'] === 'inline') {
    return { kind: 'inline', script: checkString(v['script'], 'definition.script', { max: 10 * 1024 * 1024 }) };
  }
  if (v['kind'] === 'git') {
    return {
      kind: 'git',
      url: checkString(v['url'], 'definition.url', { nonEmpty: true, max: 2048 }),
      branch: checkString(v['branch'] ?? 'main', 'definition.branch', { nonEmpty: true, max: 255 }),
      path: checkString(v['path'] ?? 'Jenkinsfile', 'definition.path', { nonEmpty: true, max: 1024 }),
      credentialsId: checkStringOrNull(v['credentialsId'], 'definition.credentialsId', { nonEmpty: true, max: 255 }),
    };
  }
  throw invalid(`definition.kind must be 'inline' or 'git' (got ${JSON.stringify(v['kind']) ?? 'nothing'})`, 'definition.kind');
}

const PARAM_TYPES = new Set(['string', 'text', 'booleanParam', 'choice', 'password', 'file', 'credentials', 'run', 'gitParameter', 'extendedChoice', ...ACTIVE_CHOICE_KINDS]);

export function checkParameters(v: unknown): JobParameter[] {
  if (!Array.isArray(v)) throw invalid('parameters must be a list', 'parameters');
  return v.map((p: unknown, i): JobParameter => {
    const at = `parameters[${i}]`;
    if (!isObject(p)) throw invalid(`${at} must be an object`, at);
    if (typeof p['type'] !== 'string' || !PARAM_TYPES.has(p['type'])) throw invalid(`${at}.type must be one of ${[...PARAM_TYPES].join(', ')}`, `${at}.type`);
    const d = p['defaultValue'];
    if (d !== null && d !== undefined && typeof d !== 'string' && typeof d !== 'boolean') throw invalid(`${at}.defaultValue must be a string, a boolean or null`, `${at}.defaultValue`);
    const choices = p['choices'] ?? [];
    if (!Array.isArray(choices) || !choices.every((c) => typeof c === 'string')) throw invalid(`${at}.choices must be a list of strings`, `${at}.choices`);
    return {
      type: p['type'] as JobParameter['type'],
      name: checkString(p['name'], `${at}.name`, { nonEmpty: true, max: 255 }),
      defaultValue: d ?? null,
      description: checkString(p['description'] ?? '', `${at}.description`),
      choices: [...choices] as string[],
      trim: checkBool(p['trim'] ?? false, `${at}.trim`),
      ...(p['git'] !== undefined ? { git: checkGitOptions(p['git'], `${at}.git`) } : {}),
      ...(p['activeChoice'] !== undefined ? { activeChoice: checkActiveChoice(p['activeChoice'], `${at}.activeChoice`) } : {}),
      ...(p['extendedChoice'] !== undefined ? { extendedChoice: checkExtendedChoice(p['extendedChoice'], `${at}.extendedChoice`) } : {}),
    };
  });
}

/** An extendedChoice's options (pipeline/model/extended-choice.ts made them), checked again. */
function checkExtendedChoice(v: unknown, at: string): NonNullable<JobParameter['extendedChoice']> {
  if (!isObject(v)) throw invalid(`${at} must be an object`, at);
  const list = (k: string): string[] => {
    const x = v[k];
    if (!Array.isArray(x) || !x.every((c) => typeof c === 'string')) throw invalid(`${at}.${k} must be a list of strings`, `${at}.${k}`);
    return [...x] as string[];
  };
  const type = v['type'];
  if (typeof type !== 'string' || !(EXTENDED_CHOICE_TYPES as readonly string[]).includes(type)) throw invalid(`${at}.type must be one of ${EXTENDED_CHOICE_TYPES.join(', ')}`, `${at}.type`);
  const n = v['visibleItemCount'];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) throw invalid(`${at}.visibleItemCount must be a whole number from 1 to 1000`, `${at}.visibleItemCount`);
  return { type, choices: list('choices'), defaults: list('defaults'), delimiter: checkString(v['delimiter'], `${at}.delimiter`, { nonEmpty: true, max: 64 }), visibleItemCount: n, quoteValue: checkBool(v['quoteValue'], `${at}.quoteValue`) };
}

/** A gitParameter's options (pipeline/model/git-parameter.ts made them): strings, each a known value where it has to be. */
function checkGitOptions(v: unknown, at: string): NonNullable<JobParameter['git']> {
  if (!isObject(v)) throw invalid(`${at} must be an object`, at);
  const o = gitParameterOptions((k) => (typeof v[k] === 'string' ? v[k] as string : undefined));
  if ('problem' in o) throw invalid(`${at}: ${o.problem}`, `${at}.${o.key}`);
  return o;
}

/** An Active Choices parameter's options (pipeline/model/active-choices.ts made them), checked again. */
function checkActiveChoice(v: unknown, at: string): NonNullable<JobParameter['activeChoice']> {
  if (!isObject(v)) throw invalid(`${at} must be an object`, at);
  const kind = v['kind'];
  if (typeof kind !== 'string' || !(ACTIVE_CHOICE_KINDS as readonly string[]).includes(kind)) throw invalid(`${at}.kind must be one of ${ACTIVE_CHOICE_KINDS.join(', ')}`, `${at}.kind`);
  const o = storedActiveChoice(kind as ActiveChoiceKind, v);
  if ('problem' in o) throw invalid(`${at}: ${o.problem}`, `${at}.${o.key}`);
  return o;
}

const TRIGGER_TYPES = new Set(['cron', 'pollSCM', 'upstream', 'githubPush', 'gitlab', 'githubPullRequests', 'parameterizedCron', 'GenericTrigger']);

export function checkTriggers(v: unknown): JobTrigger[] {
  if (!Array.isArray(v)) throw invalid('triggers must be a list', 'triggers');
  return v.map((t: unknown, i): JobTrigger => {
    const at = `triggers[${i}]`;
    if (!isObject(t)) throw invalid(`${at} must be an object`, at);
    if (typeof t['type'] !== 'string' || !TRIGGER_TYPES.has(t['type'])) throw invalid(`${at}.type must be one of ${[...TRIGGER_TYPES].join(', ')}`, `${at}.type`);
    return {
      type: t['type'] as JobTrigger['type'],
      spec: checkString(t['spec'] ?? '', `${at}.spec`, { max: 10_000 }),
      threshold: checkStringOrNull(t['threshold'], `${at}.threshold`, { max: 64 }),
    };
  });
}

export function checkDiscardPolicy(v: unknown, what: string): DiscardPolicy {
  if (!isObject(v)) throw invalid(`${what} must be an object with numToKeep, daysToKeep, artifactNumToKeep, artifactDaysToKeep`, what);
  // Jenkins' logRotator writes -1 (or an empty string) for "no limit".
  const n = (k: string): number | null => {
    const x = v[k];
    if (x === undefined || x === null || x === -1 || x === '') return null;
    return checkInt(x, `${what}.${k}`, 0);
  };
  return { numToKeep: n('numToKeep'), daysToKeep: n('daysToKeep'), artifactNumToKeep: n('artifactNumToKeep'), artifactDaysToKeep: n('artifactDaysToKeep') };
}

export const NO_OPTIONS: JobOptions = { disableConcurrentBuilds: null, quietPeriod: null, buildDiscarder: null, rateLimit: null };

/** rateLimitBuilds' durations (Branch API's RateLimitBranchProperty). */
export const RATE_DURATIONS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const;

/** Checks the given options over `base` (the current ones, for an update). */
export function checkOptions(v: unknown, base: JobOptions = NO_OPTIONS): JobOptions {
  if (!isObject(v)) throw invalid('options must be an object', 'options');
  const out: JobOptions = { ...base };
  if ('disableConcurrentBuilds' in v) {
    const d = v['disableConcurrentBuilds'];
    if (d === null || d === undefined) out.disableConcurrentBuilds = null;
    else if (isObject(d)) out.disableConcurrentBuilds = { abortPrevious: checkBool(d['abortPrevious'] ?? false, 'options.disableConcurrentBuilds.abortPrevious') };
    else throw invalid('options.disableConcurrentBuilds must be null or { abortPrevious }', 'options.disableConcurrentBuilds');
  }
  if ('disableRestartFromStage' in v) out.disableRestartFromStage = checkBool(v['disableRestartFromStage'] ?? false, 'options.disableRestartFromStage');
  if ('quietPeriod' in v) out.quietPeriod = checkIntOrNull(v['quietPeriod'], 'options.quietPeriod', 0, 86_400 * 365);
  if ('buildDiscarder' in v) {
    const b = v['buildDiscarder'];
    out.buildDiscarder = b === null || b === undefined ? null : checkDiscardPolicy(b, 'options.buildDiscarder');
  }
  if ('rateLimit' in v) {
    const r = v['rateLimit'];
    if (r === null || r === undefined) out.rateLimit = null;
    else if (isObject(r)) {
      const d = r['durationName'];
      if (typeof d !== 'string' || !(RATE_DURATIONS as readonly string[]).includes(d)) throw invalid(`options.rateLimit.durationName must be one of ${RATE_DURATIONS.join(', ')}`, 'options.rateLimit.durationName');
      out.rateLimit = { count: checkInt(r['count'], 'options.rateLimit.count', 1, 1000), durationName: d as RateLimit['durationName'], userBoost: checkBool(r['userBoost'] ?? false, 'options.rateLimit.userBoost') };
    } else throw invalid('options.rateLimit must be null or { count, durationName, userBoost }', 'options.rateLimit');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// builds

const STATUSES = new Set<BuildStatus>(['queued', 'running', 'paused', 'finished']);
const RESULTS = new Set<string>(BUILD_RESULTS);
const CAUSE_TYPES = new Set(['user', 'api', 'timer', 'scm', 'webhook', 'upstream', 'replay', 'restart']);

export function checkStatus(v: unknown): BuildStatus {
  if (typeof v !== 'string' || !STATUSES.has(v as BuildStatus)) throw invalid(`status must be one of ${[...STATUSES].join(', ')} (got ${JSON.stringify(v)})`, 'status');
  return v as BuildStatus;
}

export function checkResult(v: unknown): BuildResult | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || !RESULTS.has(v)) throw invalid(`result must be one of ${BUILD_RESULTS.join(', ')} or null (got ${JSON.stringify(v)})`, 'result');
  return v as BuildResult;
}

export function checkResults(v: unknown): BuildResult[] {
  if (!Array.isArray(v)) throw invalid('results must be a list', 'results');
  return v.map((r) => checkResult(r) ?? (() => { throw invalid('results must not contain null', 'results'); })());
}

/** The most a cause's console text may hold (a webhook body printed by printPostContent is cut to fit). */
export const CAUSE_LOG_MAX = 256 * 1024;

export function checkCauses(v: unknown): BuildCause[] {
  if (!Array.isArray(v)) throw invalid('causes must be a list', 'causes');
  return v.map((c: unknown, i): BuildCause => {
    const at = `causes[${i}]`;
    if (!isObject(c)) throw invalid(`${at} must be an object`, at);
    if (typeof c['type'] !== 'string' || !CAUSE_TYPES.has(c['type'])) throw invalid(`${at}.type must be one of ${[...CAUSE_TYPES].join(', ')}`, `${at}.type`);
    const out: BuildCause = { type: c['type'] as BuildCause['type'], description: checkString(c['description'], `${at}.description`, { max: 10_000 }) };
    if (c['userId'] !== undefined) out.userId = checkStringOrNull(c['userId'], `${at}.userId`, { max: 255 });
    if (c['upstreamJob'] !== undefined) out.upstreamJob = c['upstreamJob'] === null ? null : checkJobName(c['upstreamJob']);
    if (c['upstreamBuild'] !== undefined) out.upstreamBuild = checkIntOrNull(c['upstreamBuild'], `${at}.upstreamBuild`, 1);
    if (c['stage'] !== undefined) out.stage = checkStringOrNull(c['stage'], `${at}.stage`, { max: 1024 });
    if (c['untrustedRevision'] !== undefined) {
      if (typeof c['untrustedRevision'] !== 'boolean') throw invalid(`${at}.untrustedRevision must be true or false`, `${at}.untrustedRevision`);
      out.untrustedRevision = c['untrustedRevision'];
    }
    if (c['log'] !== undefined) out.log = checkString(c['log'], `${at}.log`, { max: CAUSE_LOG_MAX });
    if (c['env'] !== undefined) {
      const e = c['env'];
      if (!isObject(e) || Object.keys(e).length > 100) throw invalid(`${at}.env must be an object of at most 100 variables`, `${at}.env`);
      out.env = {};
      for (const [k, x] of Object.entries(e)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(k)) throw invalid(`${at}.env: '${k.slice(0, 100)}' is not a variable name`, `${at}.env`);
        out.env[k] = checkString(x, `${at}.env.${k}`, { max: 10_000 });
      }
    }
    return out;
  });
}

export function checkScm(v: unknown): BuildScm | null {
  if (v === null || v === undefined) return null;
  if (!isObject(v)) throw invalid('scm must be null or { url, branch, commit }', 'scm');
  return {
    url: checkStringOrNull(v['url'], 'scm.url', { max: 2048 }),
    branch: checkStringOrNull(v['branch'], 'scm.branch', { max: 255 }),
    commit: checkStringOrNull(v['commit'], 'scm.commit', { max: 255 }),
  };
}

export function checkParams(v: unknown): string {
  if (!isObject(v)) throw invalid('params must be an object of parameter names to values', 'params');
  return toJson(v, 'params');
}

// ---------------------------------------------------------------------------------------------
// agents and artifacts

export function checkLabels(v: unknown): string[] {
  if (!Array.isArray(v)) throw invalid('labels must be a list of strings', 'labels');
  const out: string[] = [];
  for (const l of v) {
    if (typeof l !== 'string' || l === '' || /[\s&|!()'"]/.test(l)) {
      throw invalid(`invalid label ${JSON.stringify(l)}: a label is one word without spaces, quotes, or & | ! ( )`, 'labels');
    }
    if (l.length > 255) throw invalid(`invalid label '${l.slice(0, 40)}...': longer than 255 characters`, 'labels');
    if (!out.includes(l)) out.push(l);
  }
  return out;
}

export function checkLauncher(v: unknown): AgentLauncher {
  if (!isObject(v)) throw invalid("launcher must be { type: 'inbound' } or { type: 'ssh', host, port, credentialsId }", 'launcher');
  if (v['type'] === 'inbound') return { type: 'inbound' };
  if (v['type'] === 'ssh') {
    return {
      type: 'ssh',
      host: checkString(v['host'], 'launcher.host', { nonEmpty: true, max: 255 }),
      port: checkInt(v['port'] ?? 22, 'launcher.port', 1, 65535),
      credentialsId: checkString(v['credentialsId'], 'launcher.credentialsId', { nonEmpty: true, max: 255 }),
      ...(v['hostKey'] != null ? { hostKey: checkString(v['hostKey'], 'launcher.hostKey', { nonEmpty: true, max: 100_000 }) } : {}),
      ...(v['pinnedHostKey'] != null ? { pinnedHostKey: checkString(v['pinnedHostKey'], 'launcher.pinnedHostKey', { nonEmpty: true, max: 200 }) } : {}),
      ...(v['command'] != null ? { command: checkString(v['command'], 'launcher.command', { nonEmpty: true, max: 4096 }) } : {}),
      ...(v['path'] != null ? { path: checkString(v['path'], 'launcher.path', { nonEmpty: true, max: 4096 }) } : {}),
      ...(v['launchTimeoutSeconds'] != null ? { launchTimeoutSeconds: checkInt(v['launchTimeoutSeconds'], 'launcher.launchTimeoutSeconds', 1, 3600) } : {}),
      ...(v['install'] != null ? { install: checkInstall(v['install'], v['command']) } : {}),
    };
  }
  throw invalid(`launcher.type must be 'inbound' or 'ssh' (got ${JSON.stringify(v['type']) ?? 'nothing'})`, 'launcher.type');
}

function checkInstall(v: unknown, command: unknown): 'sftp' {
  if (v !== 'sftp') throw invalid(`launcher.install must be 'sftp' (copy the agent over SFTP) or absent (run the installed kiln); got ${JSON.stringify(v)}`, 'launcher.install');
  if (command != null) throw invalid("give launcher.command (an installed agent) or launcher.install: 'sftp' (Kiln copies it), not both", 'launcher.install');
  return v;
}

export function checkArtifactPath(v: unknown): string {
  const p = checkString(v, 'artifact path', { nonEmpty: true, max: 4096 });
  if (p.startsWith('/') || p.includes('\\') || p.split('/').some((s) => s === '' || s === '.' || s === '..') || /[\x00]/.test(p)) {
    throw invalid(`invalid artifact path '${p}': must be relative, '/'-separated, without empty, '.' or '..' parts`);
  }
  return p;
}

export function checkSha256(v: unknown): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw invalid(`sha256 must be 64 lowercase hex digits (got ${JSON.stringify(v)})`, 'sha256');
  return v;
}
