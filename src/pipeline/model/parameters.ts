// parameters { }: build parameters (also the `parameters { }` of a stage's `input`).
//   string(name: 'V', defaultValue: '1.0', description: '...', trim: true)
//   booleanParam(name: 'DEPLOY', defaultValue: false)
//   choice(name: 'ENV', choices: ['dev', 'prod'])     choices: "dev\nprod" works too
//   gitParameter(name: 'BRANCH', type: 'PT_BRANCH', defaultValue: 'main', branchFilter: '.*')
//     (the Git Parameter plugin's: its options checked by git-parameter.ts)
//   activeChoice / reactiveChoice / activeChoiceHtml(name: 'ENV', script: groovyScript(script: [script: '...']))
//     (the Active Choices plugin's: its options checked by active-choices.ts; the script as a literal)
// A default may be an expression (defaultValue: V): kept as defaultExpr, evaluated by the engine
// when the build starts (after the script's top level), as Jenkins does.
import type { GitParameterOptions, ParameterDef, ParameterType } from './types.ts';
import { GIT_PARAMETER_ACCEPTED, GIT_PARAMETER_OPTIONS, gitParameterOptions } from './git-parameter.ts';
import { Ctx, argBool, argStr, bindArgs, blockOf, typedEntries, type ArgParam, type ArgSpec, type Section } from './context.ts';
import { ACTIVE_CHOICE_KINDS, activeChoiceOptions, type ActiveChoiceKind } from './active-choices.ts';
import type { ActiveChoiceOptions } from './active-choices.ts';
import type { Expr } from '../syntax/ast.ts';
import { EXTENDED_CHOICE_ACCEPTED, EXTENDED_CHOICE_REFUSED, EXTENDED_CHOICE_STRINGS, extendedChoiceOptions, extendedChoiceValue } from './extended-choice.ts';
import type { ExtendedChoiceOptions } from './types.ts';

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
  activeChoice: activeChoiceSpec('activeChoice', ['filterable', 'filterLength']),
  reactiveChoice: activeChoiceSpec('reactiveChoice', ['filterable', 'filterLength', 'referencedParameters']),
  activeChoiceHtml: activeChoiceSpec('activeChoiceHtml', ['referencedParameters', 'omitValueField']),
  extendedChoice: {
    what: 'extendedChoice',
    params: [
      { name: 'name', type: 'string', required: true }, desc, { name: 'type', type: 'string', required: true },
      ...EXTENDED_CHOICE_STRINGS.filter((n) => n !== 'type').map((name) => ({ name, type: 'string' as const })),
      { name: 'visibleItemCount', type: 'any' }, { name: 'quoteValue', type: 'boolean' },
      ...[...EXTENDED_CHOICE_REFUSED, ...EXTENDED_CHOICE_ACCEPTED].map((name) => ({ name, type: 'any' as const })),
    ],
  },
};

/** The Active Choices plugin's parameters: the script is a groovyScript(...) call, read by astPlain. */
function activeChoiceSpec(what: string, more: string[]): ArgSpec {
  const types: Record<string, ArgParam['type']> = { filterable: 'boolean', filterLength: 'integer', referencedParameters: 'string', omitValueField: 'boolean' };
  return {
    what,
    params: [
      { name: 'name', type: 'string', required: true }, desc, { name: 'choiceType', type: 'string' }, { name: 'randomName', type: 'string' },
      { name: 'script', type: 'any', required: true, literal: false }, ...more.map((name) => ({ name, type: types[name]! })),
    ],
  };
}

/** A literal written in the Jenkinsfile as plain data (a call f(k: v) is { $symbol: 'f', k: v }); undefined when not literal. */
function astPlain(e: Expr): unknown {
  switch (e.type) {
    case 'String': return e.value;
    case 'Boolean': return e.value;
    case 'Null': return null;
    case 'Number': return e.value;
    case 'List': {
      const out = e.items.map(astPlain);
      return out.includes(undefined) ? undefined : out;
    }
    case 'Map': {
      const out: Record<string, unknown> = {};
      for (const en of e.entries) {
        const v = astPlain(en.value);
        if (en.key.type !== 'String' || v === undefined) return undefined;
        out[en.key.value] = v;
      }
      return out;
    }
    case 'Call': {
      if (e.callee.type !== 'Ident' || e.closure || e.args.length > 0) return undefined;
      const out: Record<string, unknown> = { $symbol: e.callee.name };
      for (const a of e.namedArgs) {
        const v = astPlain(a.value);
        if (a.keyExpr || v === undefined) return undefined;
        out[a.name] = v;
      }
      return out;
    }
    default: return undefined;
  }
}
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
    let extendedChoice: ExtendedChoiceOptions | undefined;
    if (type === 'extendedChoice') {
      const o = extendedChoiceOptions((k) => b.get(k)?.value);
      if ('problem' in o) {
        ctx.error('parameters', `extendedChoice "${name}": ${o.problem}`, (b.get(o.key) ?? b.get('name')!).expr.loc);
        continue;
      }
      extendedChoice = o;
      choices = o.choices;
      defaultValue = extendedChoiceValue(o, o.defaults);
    }
    let activeChoice: ActiveChoiceOptions | undefined;
    if ((ACTIVE_CHOICE_KINDS as readonly string[]).includes(type)) {
      const script = b.get('script');
      const plain: Record<string, unknown> = { script: script ? astPlain(script.expr) : undefined };
      for (const k of ['choiceType', 'referencedParameters', 'filterable', 'omitValueField']) plain[k] = b.get(k)?.value;
      if (script && plain.script === undefined) {
        ctx.error('parameters', `${type} "${name}": script must be written as a literal: groovyScript(script: [script: '...', sandbox: true])`, script.expr.loc);
        continue;
      }
      const o = activeChoiceOptions(type as ActiveChoiceKind, plain);
      if ('problem' in o) {
        if (script) ctx.error('parameters', `${type} "${name}": ${o.problem}`, (b.get(o.key) ?? b.get('name')!).expr.loc);
        continue;
      }
      activeChoice = o;
    }
    out.push({
      type, name, defaultValue, defaultExpr, description: argStr(b, 'description') ?? '', choices, trim: argBool(b, 'trim', false), ...(git ? { git } : {}),
      ...(activeChoice ? { activeChoice } : {}), ...(extendedChoice ? { extendedChoice } : {}), loc: s.loc,
    });
  }
  if (sec.call.closure && body.length === 0) ctx.error('empty-parameters', 'parameters can not be empty', sec.nameLoc);
  return out;
}
