// input: pauses the build until someone approves or rejects it (API, UI, or `kiln run`'s prompt).
import type { StepRun } from '../plugin.ts';
import { type InputRequest } from './types.ts';
import { Interrupted, StepFailure } from '../../core/errors.ts';
import { list, reqStr, str } from './args.ts';
import { isList, isMap, type GMap, type Value } from '../script/values.ts';

/** Turns input's `parameters: [string(...), booleanParam(...), choice(...)]` into the request's form. */
export function inputParameters(values: Value[] | undefined): InputRequest['parameters'] {
  return (values ?? []).map((p) => {
    if (!isMap(p) || typeof p.get('name') !== 'string') throw new StepFailure("input: each parameter must be like string(name: 'X', defaultValue: '')");
    const type = String(p.get('$symbol') ?? 'string');
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
  // Resumed after a controller restart: it waits again, its question already in the console.
  if (!ctx.resumed) ctx.log(`${message}\n${req.ok} or Abort`);
  const outcome = await ctx.build.services.input(req, ctx.signal);
  if (!outcome.approved) {
    ctx.log(`Rejected by ${outcome.submitter}`);
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
