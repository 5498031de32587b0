// when { }: whether a stage runs.
//   when { branch 'main' }                       when { branch pattern: 'release-*', comparator: 'GLOB' }
//   when { environment name: 'DEPLOY', value: 'true' }
//   when { expression { return params.RUN_E2E } }
//   when { not { branch 'main' } }               when { anyOf { tag 'v*'; branch 'main' } }
//   when { beforeAgent true; branch 'main' }
import type { Expr } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { Comparator, When, WhenCondition } from './types.ts';
import { Ctx, bindArgs, boolArg, blockOf, withSuggestion, fmtList, sectionOf, type ArgSpec, type BoundArg, type Section } from './context.ts';
import { checkGroovy } from './steps.ts';
import { patternError } from '../script/regex-translate.ts';

const COMPARATORS: readonly Comparator[] = ['EQUALS', 'GLOB', 'REGEXP'];
// Any case ('regexp'), as Jenkins' Comparator.get upper-cases it; checked in build().
const comparator = { name: 'comparator', type: 'string', literal: true } as const;
const CHANGE_REQUEST_ATTRS = ['id', 'target', 'branch', 'fork', 'url', 'title', 'author', 'authorDisplayName', 'authorEmail'];

/** Conditions that take arguments, as argument specs (values may be expressions unless noted). */
const SPECS: Record<string, ArgSpec> = {
  branch: { what: 'branch', literal: false, positional: 'pattern', params: [{ name: 'pattern', type: 'string', required: true }, comparator] },
  buildingTag: { what: 'buildingTag', params: [] },
  isRestartedRun: { what: 'isRestartedRun', params: [] },
  changelog: { what: 'changelog', literal: false, positional: 'pattern', params: [{ name: 'pattern', type: 'string', required: true }] },
  changeset: {
    what: 'changeset', literal: false, positional: 'pattern',
    params: [
      { name: 'pattern', type: 'string', required: true }, { name: 'caseSensitive', type: 'boolean', literal: true },
      { name: 'shouldMatchAll', type: 'boolean', literal: true }, comparator,
    ],
  },
  changeRequest: { what: 'changeRequest', literal: false, params: [...CHANGE_REQUEST_ATTRS.map((name) => ({ name, type: 'string' as const })), comparator] },
  environment: {
    what: 'environment', literal: false,
    params: [{ name: 'name', type: 'string', required: true }, { name: 'value', type: 'string', required: true }, { name: 'ignoreCase', type: 'boolean', literal: true }, comparator],
  },
  equals: { what: 'equals', literal: false, params: [{ name: 'expected', type: 'any', required: true }, { name: 'actual', type: 'any', required: true }] },
  tag: { what: 'tag', literal: false, positional: 'pattern', params: [{ name: 'pattern', type: 'string' }, comparator] },
  triggeredBy: { what: 'triggeredBy', literal: false, positional: 'cause', params: [{ name: 'cause', type: 'string', required: true }, { name: 'detail', type: 'string' }] },
};

const NESTED = ['allOf', 'anyOf', 'not'];
export const WHEN_CONDITIONS = [...Object.keys(SPECS), 'expression', ...NESTED].sort();
const WHEN_OPTIONS = ['beforeAgent', 'beforeInput', 'beforeOptions'];

export function parseWhen(ctx: Ctx, sec: Section): When | null {
  const body = blockOf(ctx, sec, 'when');
  const when: When = { conditions: [], beforeAgent: false, beforeInput: false, beforeOptions: false, loc: sec.loc };
  const seenOpts = new Set<string>();
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (s && WHEN_OPTIONS.includes(s.name)) {
      if (seenOpts.has(s.name)) ctx.error('when', `Multiple occurrences of "${s.name}" in when`, s.nameLoc);
      seenOpts.add(s.name);
      const v = boolArg(ctx, s, 'when option');
      if (v !== null) when[s.name as 'beforeAgent' | 'beforeInput' | 'beforeOptions'] = v;
      continue;
    }
    const c = condition(ctx, stmt);
    if (c) when.conditions.push(c);
  }
  if (sec.call.closure && body.length === 0) {
    ctx.error('when', 'Empty when closure, remove the property or add some content.', sec.nameLoc);
  } else if (sec.call.closure && when.conditions.length === 0 && body.length === seenOpts.size) {
    ctx.error('when', `Expected a when condition: ${fmtList(WHEN_CONDITIONS)}`, sec.nameLoc);
  }
  return when;
}

function condition(ctx: Ctx, stmt: import('../syntax/ast.ts').Stmt): WhenCondition | null {
  const s = sectionOf(stmt);
  if (!s) {
    ctx.error('when', 'Expected a when condition', stmt.loc);
    return null;
  }
  const loc = s.loc;
  if (s.name === 'expression') {
    const c = s.call;
    if (c.args.length + c.namedArgs.length > 0) ctx.error('when', 'expression takes no arguments, only a block: expression { ... }', (c.args[0] ?? c.namedArgs[0]!).loc);
    if (!c.closure) {
      ctx.error('when', 'Expected a block for expression: expression { ... }', s.nameLoc);
      return null;
    }
    checkGroovy(ctx, c.closure.body);
    return { type: 'expression', body: c.closure.body, loc };
  }
  if (NESTED.includes(s.name)) {
    const c = s.call;
    if (c.args.length + c.namedArgs.length > 0) {
      ctx.error('when', `No additional arguments are allowed for children when condition "${s.name}".`, (c.args[0] ?? c.namedArgs[0]!).loc);
    }
    if (!c.closure) {
      ctx.error('when', `Nested when condition "${s.name}" requires ${s.name === 'not' ? 'exactly 1 child condition(s)' : 'at least one child condition'}.`, s.nameLoc);
      return null;
    }
    const children: WhenCondition[] = [];
    for (const st of c.closure.body) {
      const ch = condition(ctx, st);
      if (ch) children.push(ch);
    }
    if (s.name === 'not') {
      if (c.closure.body.length !== 1) {
        ctx.error('when', 'Nested when condition "not" requires exactly 1 child condition(s).', s.nameLoc);
        return null;
      }
      return children[0] ? { type: 'not', condition: children[0], loc } : null;
    }
    if (c.closure.body.length === 0) {
      ctx.error('when', `Nested when condition "${s.name}" requires at least one child condition.`, s.nameLoc);
      return null;
    }
    return { type: s.name as 'allOf' | 'anyOf', conditions: children, loc };
  }
  const spec = Object.hasOwn(SPECS, s.name) ? SPECS[s.name] : undefined;
  if (!spec) {
    const msg = `Unknown conditional ${s.name}. Valid conditionals are: ${WHEN_CONDITIONS.join(', ')}`;
    ctx.error('when', WHEN_OPTIONS.includes(s.name) ? `${msg}. "${s.name}" is only allowed directly in when { }.` : withSuggestion(msg, s.name, WHEN_CONDITIONS), s.nameLoc);
    return null;
  }
  if (s.call.closure && s.call.closure.body.length > 0) {
    // `branch('x') { ... }`: only allOf/anyOf/not have children. As Jenkins' ModelValidatorImpl,
    // that is the one error: the condition's own arguments are not checked then.
    ctx.error('when', `No children when conditions are allowed for when condition "${s.name}".`, s.call.closure.loc);
    return null;
  }
  const leaf: Section = s.call.closure ? { ...s, call: { ...s.call, closure: null } } : s;
  const b = bindArgs(ctx, leaf, spec);
  for (const a of b.values()) if (a.value === undefined) checkGroovy(ctx, [a.expr]);
  return build(ctx, leaf, b, loc);
}

function build(ctx: Ctx, s: Section, b: Map<string, BoundArg>, loc: Loc): WhenCondition | null {
  const e = (name: string): Expr | null => b.get(name)?.expr ?? null;
  const cmp = (dflt: Comparator): Comparator => {
    const a = b.get('comparator');
    if (!a || typeof a.value !== 'string') return dflt;
    const up = a.value.toUpperCase() as Comparator;
    if (COMPARATORS.includes(up)) return up;
    ctx.error('when', `Invalid value "${a.value}" for parameter "comparator" of "${s.name}". Valid values: ${fmtList(COMPARATORS)}`, a.expr.loc);
    return dflt;
  };
  const bool = (name: string): boolean => b.get(name)?.value === true || b.get(name)?.value === 'true';
  switch (s.name) {
    case 'branch': {
      const pattern = e('pattern');
      return pattern ? { type: 'branch', pattern, comparator: cmp('GLOB'), loc } : null;
    }
    case 'buildingTag': return { type: 'buildingTag', loc };
    case 'isRestartedRun': return { type: 'isRestartedRun', loc };
    case 'changelog': {
      const pattern = e('pattern');
      if (pattern && pattern.type === 'String') {
        // Java's regex, checked as Jenkins' validator does: the pattern, and its multi-line form
        const why = patternError(pattern.value) ?? patternError(`(?m)(?s)^[^\\r\\n]*?${pattern.value}[^\\r\\n]*?$`);
        if (why !== null) ctx.error('when', `"${pattern.value}" is not a valid regular expression. ${why}`, pattern.loc);
      }
      return pattern ? { type: 'changelog', pattern, loc } : null;
    }
    case 'changeset': {
      const pattern = e('pattern');
      return pattern ? { type: 'changeset', pattern, caseSensitive: bool('caseSensitive'), shouldMatchAll: bool('shouldMatchAll'), comparator: cmp('GLOB'), loc } : null;
    }
    case 'changeRequest': {
      const attributes: Record<string, Expr> = {};
      for (const [k, v] of b) if (k !== 'comparator') attributes[k] = v.expr;
      return { type: 'changeRequest', attributes, comparator: cmp('EQUALS'), loc };
    }
    case 'environment': {
      const name = e('name');
      const value = e('value');
      return name && value ? { type: 'environment', name, value, ignoreCase: bool('ignoreCase'), comparator: cmp('EQUALS'), loc } : null;
    }
    case 'equals': {
      const expected = e('expected');
      const actual = e('actual');
      return expected && actual ? { type: 'equals', expected, actual, loc } : null;
    }
    case 'tag': return { type: 'tag', pattern: e('pattern'), comparator: cmp('GLOB'), loc };
    case 'triggeredBy': {
      const cause = e('cause');
      return cause ? { type: 'triggeredBy', cause, detail: e('detail'), loc } : null;
    }
  }
  return null;
}
