// The Active Choices plugin's parameters (org.biouno.unochoice), read the same way from
// `parameters { activeChoice(...) }` (model/parameters.ts, at lint) and from
// `properties([parameters([activeChoice(...)])])` or their `[$class: 'ChoiceParameter' /
// 'CascadeChoiceParameter' / 'DynamicReferenceParameter', ...]` forms (steps/job-properties.ts):
//   activeChoice(name: 'ENV', choiceType: 'PT_SINGLE_SELECT', filterable: true,
//                script: groovyScript(script: [script: "return ['dev', 'prod']", sandbox: true],
//                                     fallbackScript: [script: "return ['error']", sandbox: true]))
//   reactiveChoice(name: 'HOST', choiceType: 'PT_CHECKBOX', referencedParameters: 'ENV',
//                  script: groovyScript(script: [script: "ENV == 'prod' ? ['p1', 'p2'] : ['d1']"]))
//   activeChoiceHtml(name: 'INFO', choiceType: 'ET_FORMATTED_HTML', referencedParameters: 'ENV', script: ...)
// The script (and, when it fails, the fallback script) runs in Kiln's own restricted Groovy
// interpreter, always sandboxed whatever `sandbox:` says (a script never gets the host's files,
// processes or environment), with the referenced parameters' values bound as variables; it is
// stopped after SCRIPT_TIMEOUT_MS, and its answer is bounded (MAX_CHOICES values, MAX_TEXT
// characters each, MAX_HTML for an HTML answer). Its list (or map: value → label) gives the
// choices; an entry ending in ':selected' is selected, ':disabled' disabled, as the plugin reads
// them (active-choices-eval.ts runs it). What the build form shows comes from the controller
// (controller/active-choices.ts).
import { parse } from '../syntax/parser.ts';

export const ACTIVE_CHOICE_KINDS = ['activeChoice', 'reactiveChoice', 'activeChoiceHtml'] as const;
export type ActiveChoiceKind = typeof ACTIVE_CHOICE_KINDS[number];
/** The plugin's classes, by simple name. */
export const ACTIVE_CHOICE_CLASSES: Record<string, ActiveChoiceKind> = {
  ChoiceParameter: 'activeChoice', CascadeChoiceParameter: 'reactiveChoice', DynamicReferenceParameter: 'activeChoiceHtml',
};
export const CHOICE_TYPES = ['PT_SINGLE_SELECT', 'PT_MULTI_SELECT', 'PT_RADIO', 'PT_CHECKBOX'] as const;
export const HTML_TYPES = ['ET_TEXT_BOX', 'ET_ORDERED_LIST', 'ET_UNORDERED_LIST', 'ET_FORMATTED_HTML', 'ET_FORMATTED_HIDDEN_HTML'] as const;
/** Parameters the plugin takes besides name, description and script. */
export const ACTIVE_CHOICE_PARAMS = ['choiceType', 'referencedParameters', 'filterable', 'filterLength', 'randomName', 'omitValueField'] as const;

export const SCRIPT_TIMEOUT_MS = 10_000;
export const MAX_SCRIPT = 64 * 1024;
export const MAX_CHOICES = 5_000;
export const MAX_TEXT = 2_000;
export const MAX_HTML = 256 * 1024;

export interface ActiveChoiceOptions {
  kind: ActiveChoiceKind;
  /** PT_* for activeChoice/reactiveChoice, ET_* for activeChoiceHtml. */
  choiceType: string;
  script: string;
  /** '' when none. */
  fallbackScript: string;
  /** The parameters whose values the script sees (reactiveChoice, activeChoiceHtml). */
  referencedParameters: string[];
  filterable: boolean;
  omitValueField: boolean;
}

type Plain = unknown;
const obj = (v: Plain): Record<string, Plain> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, Plain> : null);
const simple = (s: Plain): string => (typeof s === 'string' ? s.split('.').pop() ?? '' : '');

/** One script of groovyScript: a text, or [script: '...', sandbox: true, classpath: []] (SecureGroovyScript). */
function scriptText(v: Plain, key: string): string | { problem: string } {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  const o = obj(v);
  if (!o) return { problem: `${key} must be a text or [script: '...', sandbox: true]` };
  const cp = o.classpath;
  if (Array.isArray(cp) ? cp.length > 0 : cp !== undefined && cp !== null && cp !== '') return { problem: `${key}: a classpath is not supported by Kiln (the script runs in Kiln's sandboxed interpreter)` };
  const t = o.script;
  if (t === undefined || t === null) return '';
  if (typeof t !== 'string') return { problem: `${key}.script must be a text` };
  return t;
}

/**
 * The options of an Active Choices parameter of `kind` from its arguments (plain values: a
 * symbol call is { $symbol, ... }), or the first problem and the argument it is in.
 */
export function activeChoiceOptions(kind: ActiveChoiceKind, a: Record<string, Plain>): ActiveChoiceOptions | { problem: string; key: string } {
  const types: readonly string[] = kind === 'activeChoiceHtml' ? HTML_TYPES : CHOICE_TYPES;
  const choiceType = typeof a.choiceType === 'string' && a.choiceType.trim() ? a.choiceType.trim() : types[0]!;
  if (!types.includes(choiceType)) return { key: 'choiceType', problem: `choiceType '${choiceType}' is not one of ${types.join(', ')}` };
  const s = obj(a.script);
  if (!s) return { key: 'script', problem: "script is required: script: groovyScript(script: [script: \"return ['a', 'b']\", sandbox: true])" };
  const sk = String(s.$symbol ?? simple(s.$class));
  if (sk === 'scriptlerScript' || sk === 'ScriptlerScript') return { key: 'script', problem: 'Scriptler scripts are not supported by Kiln: use groovyScript(script: [script: ...])' };
  if (sk !== 'groovyScript' && sk !== 'GroovyScript') return { key: 'script', problem: `script must be groovyScript(...) or [$class: 'GroovyScript', ...], not ${sk || 'a map without $class'}` };
  const main = scriptText(s.script, 'script');
  if (typeof main !== 'string') return { key: 'script', problem: main.problem };
  if (main.trim() === '') return { key: 'script', problem: 'groovyScript has no script' };
  const fallback = scriptText(s.fallbackScript, 'fallbackScript');
  if (typeof fallback !== 'string') return { key: 'script', problem: fallback.problem };
  for (const [k, t] of [['script', main], ['fallbackScript', fallback]] as const) {
    if (t.length > MAX_SCRIPT) return { key: 'script', problem: `${k} is larger than ${MAX_SCRIPT / 1024} KiB` };
    const err = parse(t).diagnostics.find((d) => d.severity === 'error');
    if (err) return { key: 'script', problem: `${k} is not valid Groovy: ${err.message} (line ${err.loc.start.line} of the script)` };
  }
  const refs = typeof a.referencedParameters === 'string' ? a.referencedParameters.split(',').map((x) => x.trim()).filter(Boolean) : [];
  if (kind === 'activeChoice' && refs.length > 0) return { key: 'referencedParameters', problem: 'referencedParameters is for reactiveChoice and activeChoiceHtml' };
  for (const r of refs) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r)) return { key: 'referencedParameters', problem: `'${r}' is not a parameter name a script can use as a variable` };
  return {
    kind, choiceType, script: main, fallbackScript: fallback, referencedParameters: refs,
    filterable: a.filterable === true || a.filterable === 'true', omitValueField: a.omitValueField === true || a.omitValueField === 'true',
  };
}

/** Options as the store keeps them (plain JSON), checked again as when they were read. */
export function storedActiveChoice(kind: ActiveChoiceKind, v: Record<string, Plain>): ActiveChoiceOptions | { problem: string; key: string } {
  return activeChoiceOptions(kind, {
    choiceType: v.choiceType, filterable: v.filterable, omitValueField: v.omitValueField,
    referencedParameters: Array.isArray(v.referencedParameters) ? v.referencedParameters.join(',') : undefined,
    script: { $symbol: 'groovyScript', script: v.script, fallbackScript: v.fallbackScript },
  });
}
