// input: pauses the build until someone approves or rejects it (API, UI, or `kiln run`'s prompt).
//
// Active Choices parameters (activeChoice, reactiveChoice, activeChoiceHtml, or their
// [$class: 'ChoiceParameter'...] forms) in `parameters:` are rendered when the input is shown, as
// Jenkins renders the form: renderActiveChoices runs each script in the same sandboxed interpreter
// as the job's parameters (model/active-choices-eval.ts), in order, each seeing the values the
// earlier parameters of the form start with; the choices, labels, HTML text and the default
// (the ':selected' entries, else the first enabled one) go in the request. The form asks again
// when a referenced value changes (GET .../inputs/:id/parameters/:name/choices, controller).
import type { StepRun } from '../plugin.ts';
import { type InputParameter, type InputRequest } from './types.ts';
import { Interrupted, StepFailure } from '../../core/errors.ts';
import { list, reqStr, str } from './args.ts';
import { isList, isMap, toJson, type GMap, type Value } from '../script/values.ts';
import { ACTIVE_CHOICE_CLASSES, ACTIVE_CHOICE_KINDS, activeChoiceOptions, type ActiveChoiceKind, type ActiveChoiceOptions } from '../model/active-choices.ts';
import { evaluateActiveChoices, type ActiveChoices } from '../model/active-choices-eval.ts';

/** The value a form starts with (and a build without the form gets), as the plugin's getDefaultParameterValue. */
export function activeChoiceDefault(o: ActiveChoiceOptions, r: ActiveChoices): string {
  if (r.html !== null) return o.choiceType === 'ET_TEXT_BOX' ? r.html : '';
  return r.selected.length > 0 ? r.selected.join(',') : r.values.find((v) => !r.disabled.includes(v)) ?? '';
}

/** Runs the Active Choices parameters' scripts of an input's form (in place), when the input is shown. */
export async function renderActiveChoices(params: InputParameter[], signal?: AbortSignal): Promise<void> {
  const known: Record<string, string> = {};
  for (const p of params) {
    const o = p.activeChoice;
    if (o) {
      const r = await evaluateActiveChoices(o, known, signal);
      Object.assign(p, { choices: r.values, labels: r.labels, html: r.html, choiceType: o.choiceType, referencedParameters: o.referencedParameters, error: r.error, defaultValue: activeChoiceDefault(o, r) });
    }
    known[p.name] = p.defaultValue === null || p.defaultValue === undefined ? '' : String(p.defaultValue);
  }
}

/** Turns input's `parameters: [string(...), booleanParam(...), choice(...)]` into the request's form. */
export function inputParameters(values: Value[] | undefined): InputParameter[] {
  return (values ?? []).map((p) => {
    if (!isMap(p) || typeof p.get('name') !== 'string') throw new StepFailure("input: each parameter must be like string(name: 'X', defaultValue: '')");
    const cls = String(p.get('$class') ?? '').split('.').pop() ?? '';
    const type = String(p.get('$symbol') ?? ACTIVE_CHOICE_CLASSES[cls] ?? 'string');
    if ((ACTIVE_CHOICE_KINDS as readonly string[]).includes(type)) {
      // declarative `input { parameters { activeChoice(...) } }`: the model read the options; the engine sets them
      if (!p.has('script')) return { name: String(p.get('name')), type, defaultValue: '', description: String(p.get('description') ?? ''), choices: [] };
      const o = activeChoiceOptions(type as ActiveChoiceKind, toJson(p) as Record<string, unknown>);
      if ('problem' in o) throw new StepFailure(`input: ${type} "${String(p.get('name'))}": ${o.problem}`);
      return { name: String(p.get('name')), type, defaultValue: '', description: String(p.get('description') ?? ''), choices: [], activeChoice: o };
    }
    const choicesV = p.get('choices');
    const choices = isList(choicesV) ? choicesV.map(String) : typeof choicesV === 'string' ? choicesV.split('\n') : [];
    const dflt = p.get('defaultValue') ?? (type === 'choice' ? choices[0] ?? null : type === 'booleanParam' ? false : null);
    return { name: String(p.get('name')), type, defaultValue: dflt, description: String(p.get('description') ?? ''), choices };
  });
}

export const run: StepRun = async (ctx, args) => {
  const message = reqStr(args, 'message', 'input');
  const id = str(args, 'id') ?? (message.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'input');
  const req: InputRequest = {
    id, message, ok: str(args, 'ok') ?? 'Proceed', submitter: str(args, 'submitter') ?? null, parameters: inputParameters(list(args, 'parameters')),
  };
  await renderActiveChoices(req.parameters, ctx.signal);
  // The question is printed once: then the step's journal entry says so (`journaled`), and that
  // line carries the question while it is only in the controller's memory (the console writes
  // asynchronously): a controller killed then gets it back from the journal. An input resumed
  // after a restart waits again, its question already in the console, or prints it when the kill
  // fell before that line (neither in the console nor in the journal).
  const ask = () => ctx.log(`${message}\n${req.ok} or Abort`);
  if (ctx.journaled) ctx.journaled('asked', () => { ask(); return '1'; });
  else if (!ctx.resumed) ask();
  const outcome = await ctx.build.services.input(req, ctx.signal);
  if (!outcome.approved) {
    // InputStepExecution.doAbort prints nothing: the rejection is the build's cause of interruption, printed once where it ends the build
    throw new Interrupted('input-rejected', `Rejected by ${outcome.submitter}`);
  }
  ctx.log(`Approved by ${outcome.submitter}`);
  const submitterParameter = str(args, 'submitterParameter');
  const names = Object.keys(outcome.values);
  if (!submitterParameter && names.length === 0) return null;
  if (!submitterParameter && names.length === 1) return outcome.values[names[0]!] ?? null;
  const m: GMap = new Map(Object.entries(outcome.values));
  if (submitterParameter) {
    if (names.length === 0) return outcome.submitter;
    m.set(submitterParameter, outcome.submitter);
  }
  return m;
};
