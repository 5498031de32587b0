// What maskPasswords (and wrap's MaskPasswordsBuildWrapper) does, as the Mask Passwords plugin's
// wrapper: the non-blank passwords of varPasswordPairs and the matches of varMaskRegexes are
// masked as ******** (MaskPasswordsOutputStream's mask) in everything printed from the block on;
// each pair with a var sets that variable to the password in the block. Nothing is printed.
//
// A regex is a Java regular expression, as in Jenkins (Pattern.compile): it is translated with
// Kiln's Java-regex translator (pipeline/script/regex-translate.ts, the one `when { changelog }`
// and the script's =~ use), so possessive quantifiers, \Q..\E, \h, \p{Alpha}, inline flags
// anywhere mean what they mean in Java; a syntax error is reported in Java's words
// (patternError) and a construct JavaScript cannot express (\G, \X...) is refused by name.
// It runs against every console line on the controller, so it is checked first: at most
// MAX_REGEX characters, and not exponential by regex-safety.ts's shape analysis (`(a+)+`,
// `(a|aa)*`, back-references: such patterns can take exponential time).
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { translateRegex, patternError, type Compiled } from '../../pipeline/script/regex-translate.ts';
import { regexShape } from '../../pipeline/script/regex-safety.ts';
import { ScriptError } from '../../pipeline/script/errors.ts';
import { StepFailure } from '../../core/errors.ts';

export const MASKED = '********';
const MAX_REGEX = 512;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Checked = { ok: true; compiled: Compiled } | { ok: false; why: string; kind: 'refused' | 'invalid' | 'unsupported' };

function check(src: string): Checked {
  if (src.length > MAX_REGEX) return { ok: false, kind: 'refused', why: `it is longer than ${MAX_REGEX} characters` };
  let compiled: Compiled;
  try {
    compiled = translateRegex(src, null);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof ScriptError && e.code === 'not-supported') return { ok: false, kind: 'unsupported', why: msg };
    return { ok: false, kind: 'invalid', why: patternError(src) ?? msg };
  }
  const shape = regexShape(compiled.source);
  if (shape.exponential) return { ok: false, kind: 'refused', why: /exponential/.test(shape.why) ? shape.why : `${shape.why} (this can take exponential time)` };
  return { ok: true, compiled };
}

/** Why the Java regex `src` may not be used as a mask regex, or null. */
export function regexProblem(src: string): string | null {
  const c = check(src);
  return c.ok ? null : c.why;
}

/** The JavaScript RegExp with the Java regex's meaning, or a StepFailure saying why not. */
export function safeRegex(src: string, where: string): RegExp {
  const c = check(src);
  const shown = `maskPasswords: ${where} '${src.slice(0, 80)}'`;
  if (!c.ok) {
    if (c.kind === 'invalid') throw new StepFailure(`${shown} is not a valid Java regular expression: ${c.why}`);
    if (c.kind === 'unsupported') throw new StepFailure(`${shown} cannot be run by Kiln: ${c.why}`);
    throw new StepFailure(`${shown} is refused: ${c.why}`);
  }
  return new RegExp(c.compiled.source, c.compiled.flags + 'g');
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
