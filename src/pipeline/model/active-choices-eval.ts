// Running an Active Choices parameter's script (model/active-choices.ts reads its options) for
// the build form: in Kiln's restricted Groovy interpreter with a host that has no steps and no
// globals but the referenced parameters' values, so the sandbox (script/java-classes.ts) refuses
// files, processes, the environment, reflection and Jenkins' internals as Jenkins' script
// security sandbox does, whatever the parameter's `sandbox:` says. Each script is stopped after
// SCRIPT_TIMEOUT_MS; its answer is bounded (MAX_CHOICES, MAX_TEXT, MAX_HTML); when it fails,
// the fallback script runs, as the plugin's GroovyScript does; `error` says why.
import type { Loc } from '../../core/build.ts';
import { parse } from '../syntax/parser.ts';
import { Interpreter } from '../script/interpreter.ts';
import { isList, isMap, type CallArgs, type DynamicContext, type ScriptHost, type Value } from '../script/values.ts';
import { toGroovyString } from '../script/format.ts';
import { MAX_CHOICES, MAX_HTML, MAX_TEXT, SCRIPT_TIMEOUT_MS, type ActiveChoiceOptions } from './active-choices.ts';

/** What the form offers: the values, their labels, which are selected and disabled; or the HTML text. */
export interface ActiveChoices {
  values: string[];
  labels: string[];
  selected: string[];
  disabled: string[];
  /** activeChoiceHtml: the script's answer as text (its list joined for the list types). */
  html: string | null;
  /** The fallback script gave them (the script failed: `error` says why). */
  fallback: boolean;
  error: string | null;
}

class ChoiceScriptHost implements ScriptHost {
  readonly #vars: ReadonlyMap<string, string>;
  constructor(vars: ReadonlyMap<string, string>) { this.#vars = vars; }
  resolveGlobal(name: string): Value | undefined { return this.#vars.get(name); }
  hasStep(): boolean { return false; }
  callStep(name: string, _a: CallArgs, _c: DynamicContext, _l: Loc): Promise<Value> {
    return Promise.reject(new Error(`No such DSL method '${name}': an Active Choices script calls no steps`));
  }
}

async function runOne(text: string, vars: ReadonlyMap<string, string>, signal: AbortSignal): Promise<Value> {
  const p = parse(text);
  const err = p.diagnostics.find((d) => d.severity === 'error');
  if (err || !p.ast) throw new Error(err?.message ?? 'the script is not valid Groovy');
  const interp = new Interpreter(new ChoiceScriptHost(vars), { file: 'script', maxCallDepth: 200 });
  return interp.runScript(p.ast.body, { signal });
}

const clip = (s: string): string => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s);

/** The script's answer as the form's choices (a list, or a map value → label), bounded. */
export function choicesOf(v: Value, o: ActiveChoiceOptions): Omit<ActiveChoices, 'fallback' | 'error'> {
  const out: Omit<ActiveChoices, 'fallback' | 'error'> = { values: [], labels: [], selected: [], disabled: [], html: null };
  if (o.kind === 'activeChoiceHtml' && (o.choiceType === 'ET_TEXT_BOX' || o.choiceType === 'ET_FORMATTED_HTML' || o.choiceType === 'ET_FORMATTED_HIDDEN_HTML')) {
    const t = v === null ? '' : isList(v) ? v.map((x) => toGroovyString(x)).join(',') : toGroovyString(v);
    if (t.length > MAX_HTML) throw new Error(`the script's answer is larger than ${MAX_HTML / 1024} KiB`);
    out.html = t;
    return out;
  }
  const pairs: [string, string][] = [];
  if (isList(v)) for (const x of v) pairs.push([toGroovyString(x), toGroovyString(x)]);
  else if (isMap(v)) for (const [k, x] of v) pairs.push([k, toGroovyString(x)]);
  else if (v !== null) throw new Error(`the script returned ${typeof v === 'string' ? 'a String' : 'a value'} that is not a list or a map`);
  if (pairs.length > MAX_CHOICES) throw new Error(`the script returned ${pairs.length} choices; at most ${MAX_CHOICES}`);
  for (const [k0, l0] of pairs) {
    let k = k0;
    let l = l0;
    let sel = false;
    let dis = false;
    for (;;) {
      if (k.endsWith(':selected')) { sel = true; k = k.slice(0, -9); if (l.endsWith(':selected')) l = l.slice(0, -9); continue; }
      if (k.endsWith(':disabled')) { dis = true; k = k.slice(0, -9); if (l.endsWith(':disabled')) l = l.slice(0, -9); continue; }
      break;
    }
    out.values.push(clip(k));
    out.labels.push(clip(l));
    if (sel) out.selected.push(clip(k));
    if (dis) out.disabled.push(clip(k));
  }
  if (o.kind === 'activeChoiceHtml') out.html = out.labels.join('\n');
  return out;
}

/**
 * Runs the parameter's script with the referenced parameters' values (only those: any other
 * name is unknown to the script), the fallback script when it fails; each stopped after
 * SCRIPT_TIMEOUT_MS or when `signal` aborts.
 */
export async function evaluateActiveChoices(o: ActiveChoiceOptions, values: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ActiveChoices> {
  const vars = new Map<string, string>();
  for (const r of o.referencedParameters) vars.set(r, clip(values[r] ?? ''));
  const run = async (text: string) => {
    const s = AbortSignal.any([AbortSignal.timeout(SCRIPT_TIMEOUT_MS), ...(signal ? [signal] : [])]);
    try {
      return choicesOf(await runOne(text, vars, s), o);
    } catch (e) {
      if (s.aborted && !signal?.aborted) throw new Error(`the script did not finish within ${SCRIPT_TIMEOUT_MS / 1000} seconds`);
      throw e;
    }
  };
  try {
    return { ...(await run(o.script)), fallback: false, error: null };
  } catch (e) {
    if (signal?.aborted) throw e;
    const why = (e as Error).message;
    if (!o.fallbackScript.trim()) return { values: [], labels: [], selected: [], disabled: [], html: o.kind === 'activeChoiceHtml' ? '' : null, fallback: false, error: why };
    try {
      return { ...(await run(o.fallbackScript)), fallback: true, error: why };
    } catch (e2) {
      return { values: [], labels: [], selected: [], disabled: [], html: o.kind === 'activeChoiceHtml' ? '' : null, fallback: true, error: `${why}; the fallback script failed too: ${(e2 as Error).message}` };
    }
  }
}
