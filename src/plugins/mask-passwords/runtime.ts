// What maskPasswords (and wrap's MaskPasswordsBuildWrapper) does, as the Mask Passwords plugin's
// wrapper: the non-blank passwords of varPasswordPairs and the matches of varMaskRegexes are
// masked as ******** (MaskPasswordsOutputStream's mask) in everything printed from the block on;
// each pair with a var sets that variable to the password in the block. Nothing is printed.
//
// A regex is user input run against every console line, so it is checked first (safeRegex):
// bounded length, no back-references, no repeated group that repeats or alternates inside
// (`(a+)+`, `(a|aa)*`: exponential backtracking); Java's leading (?i) becomes the i flag.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';

export const MASKED = '********';
const MAX_REGEX = 512;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `src` may not be used as a mask regex, or null. */
export function regexProblem(src: string): string | null {
  if (src.length > MAX_REGEX) return `it is longer than ${MAX_REGEX} characters`;
  if (/\\[1-9]|\\k</.test(src)) return 'back-references are not allowed';
  const groups: { repeats: boolean; alternates: boolean }[] = [{ repeats: false, alternates: false }];
  const repeatAt = (i: number): boolean => src[i] === '*' || src[i] === '+' || (src[i] === '{' && /^\{\d+(,\d*)?\}/.test(src.slice(i)));
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    const top = groups[groups.length - 1]!;
    if (c === '(') groups.push({ repeats: false, alternates: false });
    else if (c === '|') top.alternates = true;
    else if (c === ')') {
      if (groups.length === 1) return 'it has an unbalanced )';
      const g = groups.pop()!;
      const repeated = repeatAt(i + 1);
      if (repeated && (g.repeats || g.alternates)) return 'a repeated group repeats or alternates inside (this can take exponential time)';
      const parent = groups[groups.length - 1]!;
      parent.repeats ||= g.repeats || repeated;
    } else if (repeatAt(i)) top.repeats = true;
  }
  return null;
}

/** The RegExp for a mask regex, or a StepFailure saying why not. */
export function safeRegex(src: string, where: string): RegExp {
  const problem = regexProblem(src);
  if (problem) throw new StepFailure(`maskPasswords: ${where} '${src.slice(0, 80)}' is refused: ${problem}`);
  const caseless = src.startsWith('(?i)');
  try {
    return new RegExp(caseless ? src.slice(4) : src, caseless ? 'gi' : 'g');
  } catch (e) {
    throw new StepFailure(`maskPasswords: ${where} '${src.slice(0, 80)}' is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function entries(v: Value | undefined, name: string): Map<Value, Value>[] {
  if (v === undefined || v === null) return [];
  const list = isList(v) ? v : [v];
  return list.map((e, i) => {
    if (!isMap(e)) throw new StepFailure(`maskPasswords: ${name}[${i}] must be a map like ${name === 'varPasswordPairs' ? "[var: 'NAME', password: 'value']" : "[regex: '...']"}`);
    return e;
  });
}

const maskPasswords: StepRun = async (ctx, args) => {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [i, e] of entries(args.values['varPasswordPairs'], 'varPasswordPairs').entries()) {
    const pw = e.get('password');
    const name = e.get('var');
    const password = pw === undefined || pw === null ? '' : String(pw);
    if (password.trim() !== '') secrets.push(password);
    if (name !== undefined && name !== null && String(name).trim() !== '') {
      const n = String(name).trim();
      if (!ENV_NAME.test(n)) throw new StepFailure(`maskPasswords: varPasswordPairs[${i}].var '${n.slice(0, 80)}' is not a valid environment variable name`);
      env[n] = password;
    }
  }
  const patterns: RegExp[] = [];
  for (const [i, e] of entries(args.values['varMaskRegexes'], 'varMaskRegexes').entries()) {
    const r = e.get('regex');
    if (r === undefined || r === null || String(r) === '') continue;
    patterns.push(safeRegex(String(r), `varMaskRegexes[${i}].regex`));
  }
  return ctx.runBody(args.body!, { env, masks: { secrets, patterns, mask: MASKED } });
};

const runtime: PluginRuntime = { steps: { maskPasswords, MaskPasswordsBuildWrapper: maskPasswords } };
export default runtime;
