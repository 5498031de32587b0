// parameters { }: build parameters (also the `parameters { }` of a stage's `input`).
//   string(name: 'V', defaultValue: '1.0', description: '...', trim: true)
//   booleanParam(name: 'DEPLOY', defaultValue: false)
//   choice(name: 'ENV', choices: ['dev', 'prod'])     choices: "dev\nprod" works too
//   gitParameter(name: 'BRANCH', type: 'PT_BRANCH', defaultValue: 'main', branchFilter: '.*')
//     (the Git Parameter plugin's: its options checked by git-parameter.ts)
// A default may be an expression (defaultValue: V): kept as defaultExpr, evaluated by the engine
// when the build starts (after the script's top level), as Jenkins does.
import type { GitParameterOptions, ParameterDef, ParameterType } from './types.ts';
import { GIT_PARAMETER_ACCEPTED, GIT_PARAMETER_OPTIONS, gitParameterOptions } from './git-parameter.ts';
import { Ctx, argBool, argStr, bindArgs, blockOf, typedEntries, type ArgSpec, type Section } from './context.ts';

const desc = { name: 'description', type: 'string' } as const;

const PARAMETERS: Record<ParameterType, ArgSpec> = {
  string: { what: 'string', params: [{ name: 'name', type: 'string', required: true }, { name: 'defaultValue', type: 'string', literal: false }, desc, { name: 'trim', type: 'boolean' }] },
  text: { what: 'text', params: [{ name: 'name', type: 'string', required: true }, { name: 'defaultValue', type: 'string', literal: false }, desc, { name: 'trim', type: 'boolean' }] },
  booleanParam: { what: 'booleanParam', params: [{ name: 'name', type: 'string', required: true }, { name: 'defaultValue', type: 'boolean', literal: false }, desc] },
  choice: { what: 'choice', params: [{ name: 'name', type: 'string', required: true }, { name: 'choices', type: 'string-or-list', required: true }, desc] },
  password: { what: 'password', params: [{ name: 'name', type: 'string', required: true }, { name: 'defaultValue', type: 'string', literal: false }, desc] },
  file: { what: 'file', params: [{ name: 'name', type: 'string', required: true }, desc] },
  credentials: {
    what: 'credentials',
    params: [
      { name: 'name', type: 'string', required: true }, { name: 'credentialType', type: 'string' }, { name: 'defaultValue', type: 'string', literal: false },
      desc, { name: 'required', type: 'boolean' },
    ],
  },
  run: {
    what: 'run',
    params: [
      { name: 'name', type: 'string', required: true }, { name: 'projectName', type: 'string', required: true }, desc,
      { name: 'filter', type: 'string', values: ['ALL', 'STABLE', 'SUCCESSFUL', 'COMPLETED'] },
    ],
  },
  gitParameter: {
    what: 'gitParameter',
    params: [
      { name: 'name', type: 'string', required: true }, { name: 'defaultValue', type: 'string', literal: false }, desc,
      ...GIT_PARAMETER_OPTIONS.map((name) => ({ name, type: 'string' as const })),
      { name: 'quickFilterEnabled', type: 'boolean' }, { name: 'listSize', type: 'string' }, { name: 'requiredParameter', type: 'boolean' },
    ],
  },
};
void GIT_PARAMETER_ACCEPTED;

export const PARAMETER_TYPES = Object.keys(PARAMETERS).sort() as ParameterType[];

/** Reads `parameters { ... }`. */
export function parseParameters(ctx: Ctx, sec: Section): ParameterDef[] {
  const out: ParameterDef[] = [];
  const seen = new Set<string>();
  const body = blockOf(ctx, sec, 'parameters');
  for (const s of typedEntries(ctx, body, { kind: 'parameter', valid: PARAMETER_TYPES, expected: 'Expected a build parameter definition' })) {
    const type = s.name as ParameterType;
    const b = bindArgs(ctx, s, PARAMETERS[type]);
    const name = argStr(b, 'name');
    if (name === null) continue;
    if (name.trim() === '') {
      ctx.error('parameters', 'Parameter names cannot be empty', b.get('name')!.expr.loc);
      continue;
    }
    if (seen.has(name)) {
      ctx.error('parameters', `Duplicate parameter name: "${name}"`, b.get('name')!.expr.loc);
      continue;
    }
    seen.add(name);
    let choices: string[] = [];
    let defaultValue: string | boolean | null = null;
    if (type === 'choice') {
      const c = b.get('choices')?.value;
      if (typeof c === 'string') choices = c.split('\n').map((x) => x.replace(/\r$/, '')).filter((x) => x !== '');
      else if (Array.isArray(c)) choices = c.map((x) => (x === null ? '' : String(x)));
      if (b.has('choices') && choices.length === 0) ctx.error('parameters', `Choice parameter "${name}" has no choices`, b.get('choices')!.expr.loc);
      defaultValue = choices[0] ?? null;
    } else if (type === 'booleanParam') {
      defaultValue = argBool(b, 'defaultValue', false);
    } else {
      defaultValue = argStr(b, 'defaultValue');
    }
    // A default written as an expression (defaultValue: V) is evaluated when the build starts.
    const d = b.get('defaultValue');
    const defaultExpr = d && d.value === undefined ? d.expr : null;
    if (defaultExpr) defaultValue = null;
    let git: GitParameterOptions | undefined;
    if (type === 'gitParameter') {
      const o = gitParameterOptions((k) => argStr(b, k) ?? undefined);
      if ('problem' in o) {
        ctx.error('parameters', `gitParameter "${name}": ${o.problem}`, (b.get(o.key) ?? b.get('name')!).expr.loc);
        continue;
      }
      git = o;
    }
    out.push({
      type, name, defaultValue, defaultExpr, description: argStr(b, 'description') ?? '', choices, trim: argBool(b, 'trim', false), ...(git ? { git } : {}), loc: s.loc,
    });
  }
  if (sec.call.closure && body.length === 0) ctx.error('empty-parameters', 'parameters can not be empty', sec.nameLoc);
  return out;
}
