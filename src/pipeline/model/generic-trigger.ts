// The Generic Webhook Trigger plugin's GenericTrigger (jenkinsci/generic-webhook-trigger-plugin):
// its options read and checked the same way from `triggers { GenericTrigger(...) }`
// (model/triggers.ts, at lint) and `properties([pipelineTriggers([GenericTrigger(...)])])`
// (steps/job-properties.ts, at run), kept as JSON text in the job's trigger spec with the token
// replaced by its SHA-256 (genericSpecText); and the syntax of its JSONPath and XPath
// expressions. What a request gives a job (JSONPath/XPath evaluation, the variables, the
// filter) is generic-trigger-eval.ts, which only the controller loads (controller/generic-trigger.ts).
//   genericVariables         [key:, value: JSONPath or XPath on the body, expressionType:, regexpFilter:, defaultValue:]
//   genericRequestVariables  [key: a query parameter, regexpFilter:]  → key, and key_0, key_1 ... for each value
//   genericHeaderVariables   [key: a header, regexpFilter:]           → its name lower-cased, '-' and spaces as '_'
//   regexpFilterText / regexpFilterExpression   the text (with $VAR / ${VAR} rendered) must match the
//                            Java regex whole, else nothing starts for this job
//   causeString, token, printContributedVariables, printPostContent, silentResponse, shouldNotFlatten
// JSONPath here: $, .name, ['name'], [n], [*], .*, ..name (no filters or scripts: refused at lint);
// XPath: /a/b, //b, *, [n], @attr, text() (anything else refused at lint). tokenCredentialId
// names a secret text credential holding the token (the controller reads it). Nesting and the number of variables a request can
// make are bounded (MAX_DEPTH, MAX_VARIABLES).
import { createHash } from 'node:crypto';
import { isList, isMap, type Value } from '../script/values.ts';
import { patternError } from '../script/regex-translate.ts';

export const MAX_DEPTH = 64;
export const MAX_VARIABLES = 1000;

export interface GenericVariable { key: string; value: string; expressionType: 'JSONPath' | 'XPath'; regexpFilter: string; defaultValue: string }
export interface GenericKeyVariable { key: string; regexpFilter: string }
export interface GenericTriggerOptions {
  genericVariables: GenericVariable[];
  genericRequestVariables: GenericKeyVariable[];
  genericHeaderVariables: GenericKeyVariable[];
  regexpFilterText: string;
  regexpFilterExpression: string;
  causeString: string;
  token: string;
  tokenCredentialId: string;
  printContributedVariables: boolean;
  printPostContent: boolean;
  silentResponse: boolean;
  shouldNotFlatten: boolean;
  overrideQuietPeriod: boolean;
}

export const GENERIC_TRIGGER_STRINGS = ['regexpFilterText', 'regexpFilterExpression', 'causeString', 'token', 'tokenCredentialId'] as const;
export const GENERIC_TRIGGER_FLAGS = ['printContributedVariables', 'printPostContent', 'silentResponse', 'shouldNotFlatten', 'overrideQuietPeriod'] as const;
export const GENERIC_TRIGGER_LISTS = ['genericVariables', 'genericRequestVariables', 'genericHeaderVariables'] as const;

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

/** The options from the trigger's arguments, or the first problem (and the argument it is in). */
export function genericTriggerOptions(get: (key: string) => Value | undefined): GenericTriggerOptions | { problem: string; key: string } {
  const o: GenericTriggerOptions = {
    genericVariables: [], genericRequestVariables: [], genericHeaderVariables: [],
    regexpFilterText: str(get('regexpFilterText')), regexpFilterExpression: str(get('regexpFilterExpression')),
    causeString: str(get('causeString')) || 'Generic Cause', token: str(get('token')), tokenCredentialId: str(get('tokenCredentialId')),
    printContributedVariables: get('printContributedVariables') === true, printPostContent: get('printPostContent') === true,
    silentResponse: get('silentResponse') === true, shouldNotFlatten: get('shouldNotFlatten') === true, overrideQuietPeriod: get('overrideQuietPeriod') === true,
  };
  if (o.token && o.tokenCredentialId) return { key: 'tokenCredentialId', problem: 'give token: or tokenCredentialId:, not both' };
  if (o.regexpFilterExpression) {
    const why = patternError(o.regexpFilterExpression);
    if (why !== null) return { key: 'regexpFilterExpression', problem: `regexpFilterExpression is not a regular expression: ${why}` };
  }
  for (const list of GENERIC_TRIGGER_LISTS) {
    const v = get(list);
    if (v === undefined || v === null) continue;
    if (!isList(v)) return { key: list, problem: `${list} must be a list of maps: [[key: 'NAME', ...]]` };
    for (let i = 0; i < v.length; i++) {
      const m = v[i];
      if (!isMap(m)) return { key: list, problem: `${list}[${i}] must be a map [key: ..., ...]` };
      const allowed = list === 'genericVariables' ? ['key', 'value', 'expressionType', 'regexpFilter', 'defaultValue'] : ['key', 'regexpFilter'];
      for (const k of m.keys()) if (!allowed.includes(k)) return { key: list, problem: `${list}[${i}]: unknown parameter '${k}' (${allowed.join(', ')})` };
      const key = str(m.get('key')).trim();
      if (!key) return { key: list, problem: `${list}[${i}]: key is required` };
      const regexpFilter = str(m.get('regexpFilter'));
      if (regexpFilter) {
        const why = patternError(regexpFilter);
        if (why !== null) return { key: list, problem: `${list}[${i}] (${key}): regexpFilter is not a regular expression: ${why}` };
      }
      if (list !== 'genericVariables') { o[list].push({ key, regexpFilter }); continue; }
      const expressionType = str(m.get('expressionType')) || 'JSONPath';
      if (expressionType !== 'JSONPath' && expressionType !== 'XPath') return { key: list, problem: `${list}[${i}] (${key}): expressionType must be JSONPath or XPath, got '${expressionType}'` };
      const value = str(m.get('value'));
      const why = expressionType === 'JSONPath' ? jsonPathError(value) : xpathError(value);
      if (why) return { key: list, problem: `${list}[${i}] (${key}): ${why}` };
      o.genericVariables.push({ key, value, expressionType, regexpFilter, defaultValue: str(m.get('defaultValue')) });
    }
  }
  return o;
}

/** The JSON text the job keeps: the options with the token replaced by its SHA-256. */
export function genericSpecText(o: GenericTriggerOptions): string {
  const { token, ...rest } = o;
  return JSON.stringify({ ...rest, ...(token ? { tokenSha256: createHash('sha256').update(token, 'utf8').digest('hex') } : {}) });
}

export type StoredGenericTrigger = Omit<GenericTriggerOptions, 'token'> & { tokenSha256?: string };

// ---------------------------------------------------------------------------------------------
// JSONPath (the subset real webhooks use)

export type Step = { kind: 'name'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'deep'; name: string | null };

export function parseJsonPath(p: string): Step[] | string {
  const s = p.trim();
  if (!s.startsWith('$')) return `JSONPath '${p}' must start with $`;
  const out: Step[] = [];
  let i = 1;
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      if (s[i] === '*') { out.push({ kind: 'deep', name: null }); i++; continue; }
      const m = /^[A-Za-z0-9_$-]+/.exec(s.slice(i));
      if (!m) return `JSONPath '${p}': a name must follow .. at ${i}`;
      out.push({ kind: 'deep', name: m[0] });
      i += m[0].length;
    } else if (s[i] === '.') {
      i++;
      if (s[i] === '*') { out.push({ kind: 'all' }); i++; continue; }
      const m = /^[A-Za-z0-9_$-]+/.exec(s.slice(i));
      if (!m) return `JSONPath '${p}': a name must follow . at ${i}`;
      out.push({ kind: 'name', name: m[0] });
      i += m[0].length;
    } else if (s[i] === '[') {
      const rest = s.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^\[\s*\*\s*\]/.exec(rest))) out.push({ kind: 'all' });
      else if ((m = /^\[\s*(\d+)\s*\]/.exec(rest))) out.push({ kind: 'index', index: Number(m[1]) });
      else if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) out.push({ kind: 'name', name: m[1]!.replace(/\\(.)/g, '$1') });
      else return `JSONPath '${p}': Kiln reads names, indexes and wildcards in brackets ([0], ['name'], [*]), not '${rest.slice(0, 20)}' (no filters or scripts)`;
      i += m[0].length;
    } else {
      return `JSONPath '${p}': unexpected '${s[i]}' at ${i}`;
    }
  }
  return out;
}

export function jsonPathError(p: string): string | null {
  if (p.trim() === '') return null;
  const r = parseJsonPath(p);
  return typeof r === 'string' ? r : null;
}

/** Whether a path gives a list (has a wildcard or deep scan), as Jayway's indefinite paths. */
export function indefinite(steps: Step[]): boolean {
  return steps.some((s) => s.kind === 'all' || s.kind === 'deep');
}

// ---------------------------------------------------------------------------------------------
// XPath (the subset real webhooks use) on fast-xml-parser's ordered tree

export type XNode = { name: string; attrs: Record<string, string>; children: XNode[]; text: string };
export type XStep = { axis: 'child' | 'desc'; test: string; index: number | null } | { axis: 'attr'; name: string } | { axis: 'text' };

export function parseXPath(p: string): XStep[] | string {
  const s = p.trim();
  if (!s.startsWith('/')) return `XPath '${p}' must be an absolute path (/a/b, //b)`;
  const out: XStep[] = [];
  let i = 0;
  while (i < s.length) {
    let axis: 'child' | 'desc' = 'child';
    if (s.startsWith('//', i)) { axis = 'desc'; i += 2; } else if (s[i] === '/') i++;
    else return `XPath '${p}': unexpected '${s[i]}' at ${i}`;
    const rest = s.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^@([A-Za-z_][\w.:-]*)/.exec(rest))) { out.push({ axis: 'attr', name: m[1]! }); i += m[0].length; continue; }
    if ((m = /^text\(\)/.exec(rest))) { out.push({ axis: 'text' }); i += m[0].length; continue; }
    if ((m = /^(\*|[A-Za-z_][\w.:-]*)(?:\[(\d+)\])?/.exec(rest))) {
      out.push({ axis, test: m[1]!, index: m[2] ? Number(m[2]) : null });
      i += m[0].length;
      continue;
    }
    return `XPath '${p}': Kiln reads element paths (/a/b, //b, *, [n]), @attributes and text(), not '${rest.slice(0, 20)}'`;
  }
  for (let k = 0; k < out.length - 1; k++) if (out[k]!.axis === 'attr' || out[k]!.axis === 'text') return `XPath '${p}': @attribute and text() must come last`;
  return out;
}

export function xpathError(p: string): string | null {
  if (p.trim() === '') return null;
  const r = parseXPath(p);
  return typeof r === 'string' ? r : null;
}

