// The Extended Choice Parameter plugin's extendedChoice as a build parameter: its options read
// and checked the same way from `parameters { extendedChoice(...) }` (model/parameters.ts, at
// lint) and `properties([parameters([extendedChoice(...)])])` (steps/job-properties.ts, at run).
//   extendedChoice(name: 'OS', type: 'PT_CHECKBOX', value: 'linux,mac,windows', defaultValue: 'linux,mac',
//                  multiSelectDelimiter: ',', visibleItemCount: 3, quoteValue: false, description: '...')
// The choices are `value` split on commas (as the plugin splits it), the defaults `defaultValue`
// split the same way; a build gets the chosen values joined by multiSelectDelimiter (quoted
// when quoteValue), and without a form its defaults. PT_TEXTBOX is a free text. The plugin's
// other sources (Groovy scripts and files, property files, PT_JSON with its JavaScript) run code
// or read the controller's files: refused with a message saying so.
import type { ExtendedChoiceOptions } from './types.ts';

export const EXTENDED_CHOICE_TYPES = ['PT_SINGLE_SELECT', 'PT_MULTI_SELECT', 'PT_CHECKBOX', 'PT_RADIO', 'PT_TEXTBOX'] as const;
/** Parameters Kiln reads (besides name and description). */
export const EXTENDED_CHOICE_STRINGS = ['type', 'value', 'defaultValue', 'multiSelectDelimiter', 'descriptionPropertyValue'] as const;
/** Parameters that only make sense with the refused sources: refused when given a non-empty value. */
export const EXTENDED_CHOICE_REFUSED = [
  'propertyFile', 'propertyKey', 'defaultPropertyFile', 'defaultPropertyKey', 'groovyScript', 'groovyScriptFile', 'bindings', 'groovyClasspath',
  'defaultGroovyScript', 'defaultGroovyScriptFile', 'defaultBindings', 'defaultGroovyClasspath', 'descriptionPropertyFile', 'descriptionPropertyKey',
  'descriptionGroovyScript', 'descriptionGroovyScriptFile', 'descriptionBindings', 'descriptionGroovyClasspath', 'javascriptFile', 'javascript',
] as const;
/** Accepted with no effect on what a build gets. */
export const EXTENDED_CHOICE_ACCEPTED = ['saveJSONParameterToFile', 'projectName'] as const;

const split = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** The options (values as given: strings, booleans, numbers), or the first problem and the key it is in. */
export function extendedChoiceOptions(get: (key: string) => unknown): ExtendedChoiceOptions | { problem: string; key: string } {
  for (const k of EXTENDED_CHOICE_REFUSED) {
    const v = get(k);
    if (v !== undefined && v !== null && v !== '' && v !== false) {
      return { key: k, problem: `${k}: Kiln does not run the plugin's Groovy scripts or read property files on the controller; list the choices in value: 'a,b,c' (or use activeChoice for computed choices)` };
    }
  }
  const str = (k: string): string => { const v = get(k); return v === undefined || v === null ? '' : String(v); };
  const type = str('type').trim();
  if (type === 'PT_JSON') return { key: 'type', problem: "type 'PT_JSON' needs the plugin's JSON editor and its JavaScript, which Kiln does not have" };
  if (!(EXTENDED_CHOICE_TYPES as readonly string[]).includes(type)) return { key: 'type', problem: `type must be one of ${EXTENDED_CHOICE_TYPES.join(', ')}${type ? `, got '${type}'` : ''}` };
  const choices = type === 'PT_TEXTBOX' ? [] : split(str('value'));
  if (type !== 'PT_TEXTBOX' && choices.length === 0) return { key: 'value', problem: "value lists no choices: value: 'a,b,c'" };
  const defaults = type === 'PT_TEXTBOX' ? [str('defaultValue')] : split(str('defaultValue'));
  if (type !== 'PT_TEXTBOX') {
    const bad = defaults.find((d) => !choices.includes(d));
    if (bad !== undefined) return { key: 'defaultValue', problem: `defaultValue '${bad}' is not one of the choices (${choices.join(', ')})` };
    if ((type === 'PT_SINGLE_SELECT' || type === 'PT_RADIO') && defaults.length > 1) return { key: 'defaultValue', problem: `a ${type} parameter has one default, got ${defaults.length}` };
  }
  const delimiter = get('multiSelectDelimiter') === undefined || get('multiSelectDelimiter') === null || str('multiSelectDelimiter') === '' ? ',' : str('multiSelectDelimiter');
  const count = get('visibleItemCount');
  const visible = count === undefined || count === null || count === '' ? 5 : Number(count);
  if (!Number.isInteger(visible) || visible < 1 || visible > 1000) return { key: 'visibleItemCount', problem: `visibleItemCount must be a whole number from 1 to 1000, got '${String(count)}'` };
  const quote = get('quoteValue');
  return { type, choices, defaults, delimiter, visibleItemCount: visible, quoteValue: quote === true || quote === 'true' };
}

/** The value a build gets from chosen values (the defaults when none is given). */
export function extendedChoiceValue(o: ExtendedChoiceOptions, chosen: readonly string[]): string {
  const v = chosen.join(o.delimiter);
  return o.quoteValue ? `"${v}"` : v;
}

/** A given value's problem (a value that is not a choice; several for a single choice), or null. */
export function extendedChoiceProblem(o: ExtendedChoiceOptions, given: string): string | null {
  if (o.type === 'PT_TEXTBOX') return null;
  let text = given;
  if (o.quoteValue && text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  const parts = text === '' ? [] : text.split(o.delimiter);
  if ((o.type === 'PT_SINGLE_SELECT' || o.type === 'PT_RADIO') && parts.length > 1) return `one of ${o.choices.join(', ')}; got '${given}'`;
  const bad = parts.find((p) => !o.choices.includes(p));
  return bad === undefined ? null : `made of ${o.choices.join(', ')} (joined by '${o.delimiter}'); '${bad}' is not one of them`;
}
