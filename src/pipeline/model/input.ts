// A stage's input directive: the stage waits for a person to approve (and fill parameters).
//   input { message 'Deploy?'; ok 'Yes'; submitter 'alice,ops'; parameters { string(name: 'V') } }
import type { Expr } from '../syntax/ast.ts';
import type { InputSpec, ParameterDef } from './types.ts';
import { Ctx, blockOf, didYouMean, fmtList, sectionOf, singleArg, statementText, strArg, type Section } from './context.ts';
import { parseParameters } from './parameters.ts';
import { checkGroovy } from './steps.ts';

const INPUT_FIELDS = ['message', 'id', 'ok', 'submitter', 'submitterParameter', 'parameters'];

export function parseInput(ctx: Ctx, sec: Section): InputSpec | null {
  const body = blockOf(ctx, sec, 'input');
  const fields = new Map<string, Section>();
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (!s) {
      // Jenkins' ModelParser.parseInput: InvalidSectionDefinition with the statement's source
      ctx.error('input', `Not a valid section definition: "${statementText(ctx, stmt)}". Some extra configuration is required. (input takes ${fmtList(INPUT_FIELDS)})`, stmt.loc);
      continue;
    }
    if (!INPUT_FIELDS.includes(s.name)) {
      ctx.error('input', `Not a valid field for input: "${s.name}"${didYouMean(s.name, INPUT_FIELDS)}`, s.nameLoc);
      continue;
    }
    if (fields.has(s.name)) {
      ctx.error('input', `Multiple occurrences of the ${s.name} section`, s.nameLoc);
      continue;
    }
    fields.set(s.name, s);
  }
  const value = (name: string): Expr | null => {
    const s = fields.get(name);
    if (!s) return null;
    const e = singleArg(ctx, s, 'input field');
    if (e) checkGroovy(ctx, [e]);
    return e;
  };
  const message = value('message');
  if (!fields.has('message')) ctx.error('input', 'No message specified for input', sec.nameLoc);
  const sp = fields.get('submitterParameter');
  const submitterParameter = sp ? strArg(ctx, sp, 'input field') : null;
  const ps = fields.get('parameters');
  const parameters: ParameterDef[] = ps ? parseParameters(ctx, ps) : [];
  const spec: InputSpec = { message: message!, id: value('id'), ok: value('ok'), submitter: value('submitter'), submitterParameter, parameters, loc: sec.loc };
  return message ? spec : null;
}
