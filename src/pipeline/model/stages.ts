// stages { stage('x') { ... } }: stages, their directives, sequential `stages`, `parallel` and
// `matrix`, and the checks that need the whole tree (duplicate names, `agent none`, the steps
// that run on a plugin's agent).
import type { Expr, Stmt } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { AgentSpec, Matrix, MatrixAxis, MatrixExclude, Post, Stage, StageBody } from './types.ts';
import {
  Ctx, IDENTIFIER, blockOf, boolArg, describeExpr, describeStmt, sourceText, statementText, didYouMean, withSuggestion, fmtList, sectionOf, staticValue, strArg,
  type Section,
} from './context.ts';
import { parseAgent } from './agent.ts';
import { parseEnvironment } from './environment.ts';
import { emptyStageOptions, parseOptions } from './options.ts';
import { parseWhen } from './when.ts';
import { parseInput } from './input.ts';
import { parseTools } from './tools.ts';
import { parsePost } from './post.ts';
import { firstNodeStep, validateSteps } from './steps.ts';
import { constantText } from './constant-text.ts';

const BODY_KINDS = ['steps', 'stages', 'parallel', 'matrix'] as const;
type BodyKind = (typeof BODY_KINDS)[number];
const STAGE_SECTIONS = ['agent', 'environment', 'options', 'when', 'input', 'tools', 'failFast', 'post', ...BODY_KINDS];
const MATRIX_SECTIONS = ['axes', 'excludes', 'agent', 'environment', 'options', 'when', 'input', 'tools', 'post', 'stages'];
/** Jenkins' words (ModelValidatorImpl.NothingForStage, TwoOfStepsStagesParallel); matrix is a fourth kind it does not name. */
const NOTHING_FOR_STAGE = (name: string) => `Expected one of "steps", "stages", or "parallel" for stage "${name}"`;
const TWO_OF = (name: string) => `Only one of "matrix", "parallel", "stages", or "steps" allowed for stage "${name}"`;

/** Where a stage is: inside a parallel branch or a matrix cell, nesting parallel/matrix is not allowed. */
export interface StageScope {
  inParallel: boolean;
}

/** The stage names of one stages / parallel block, with where each was first defined. */
type StageNames = Map<string, Loc>;

/** Reads `stages { ... }` or `parallel { ... }`: one or more stages. */
export function parseStageList(ctx: Ctx, sec: Section, scope: StageScope): Stage[] {
  const out: Stage[] = [];
  // Jenkins checks names per stages / parallel block: the same name in two blocks is allowed.
  const names: StageNames = new Map();
  const body = blockOf(ctx, sec, sec.name);
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (!s || s.name !== 'stage') {
      ctx.error('expected-stage', s && (STAGE_SECTIONS as string[]).includes(s.name)
        ? `Expected a stage: "${s.name}" must be inside stage('name') { ... }`
        : 'Expected a stage', s ? s.nameLoc : stmt.loc);
      continue;
    }
    const st = parseStage(ctx, s, names, scope);
    if (st) out.push(st);
  }
  if (sec.call.closure && body.length === 0) ctx.error('no-stages', 'No stages specified', sec.nameLoc);
  return out;
}

function stageName(ctx: Ctx, s: Section): string | null {
  const c = s.call;
  const a = c.args[0];
  if (c.args.length === 0 && c.namedArgs.length === 0) {
    ctx.error('stage-name', 'Expected a stage name but did not find any', s.nameLoc);
    return null;
  }
  if (c.namedArgs.length > 0 || c.args.length > 1) {
    ctx.error('stage-name', "Expected a stage name: stage('name') { ... }", (c.namedArgs[0] ?? c.args[1]!).loc);
    return null;
  }
  if (!a || a.type !== 'String') {
    ctx.error('stage-name', `Expected string literal for the stage name, got ${a ? describeExpr(a) : 'nothing'}`, a ? a.loc : s.nameLoc);
    return null;
  }
  if (a.value.trim() === '') {
    ctx.error('stage-name', 'Stage names cannot be empty', a.loc);
    return null;
  }
  return a.value;
}

/** The directives of a stage or matrix, each once, unknown ones reported. */
function directives(ctx: Ctx, body: readonly Stmt[], allowed: readonly string[], unknown: (s: Section) => void, what: string): Map<string, Section> {
  const found = new Map<string, Section>();
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (!s) {
      // Jenkins' ModelParser.parseStage: InvalidStageSectionDefinition with the statement's source
      if (what === 'stage') ctx.error('stage-section', `Not a valid stage section definition: "${statementText(ctx, stmt)}". Some extra configuration is required. (${describeStmt(stmt)} belongs inside steps { script { ... } })`, stmt.loc);
      else ctx.error('stage-section', `Expected a ${what} section: ${describeStmt(stmt)} must be inside steps { script { ... } }`, stmt.loc);
      continue;
    }
    if (!allowed.includes(s.name)) {
      unknown(s);
      continue;
    }
    if (found.has(s.name)) {
      ctx.error('duplicate-section', `Multiple occurrences of the ${s.name} section`, s.nameLoc);
      continue;
    }
    found.set(s.name, s);
  }
  return found;
}

/** The directives a stage and a matrix share. */
type CommonDirectives = Pick<Stage, 'agent' | 'environment' | 'options' | 'when' | 'input' | 'tools' | 'post'>;

function common(ctx: Ctx, d: Map<string, Section>): CommonDirectives {
  const get = <T>(name: string, f: (s: Section) => T): T | null => {
    const s = d.get(name);
    return s ? f(s) : null;
  };
  return {
    agent: get('agent', (s) => parseAgent(ctx, s, true)),
    environment: get('environment', (s) => parseEnvironment(ctx, s)) ?? [],
    options: get('options', (s) => parseOptions(ctx, s, true)) ?? emptyStageOptions(),
    when: get('when', (s) => parseWhen(ctx, s)),
    input: get('input', (s) => parseInput(ctx, s)),
    tools: get('tools', (s) => parseTools(ctx, s)) ?? [],
    // post is read after the body, so that messages come in source order within it
    post: null,
  };
}

function parseStage(ctx: Ctx, s: Section, names: StageNames, scope: StageScope): Stage | null {
  const name = stageName(ctx, s);
  const nameArg = s.call.args[0];
  const nameLoc = nameArg ? nameArg.loc : s.nameLoc;
  if (name !== null) {
    const first = names.get(name);
    if (first) ctx.error('duplicate-stage', `Duplicate stage name: "${name}"`, nameLoc);
    else names.set(name, nameLoc);
  }
  const label = name ?? '';
  if (!s.call.closure) {
    ctx.error('stage-block', 'Stage does not have a block', s.nameLoc);
    return null;
  }
  const d = directives(ctx, s.call.closure.body, STAGE_SECTIONS, (u) => {
    ctx.error('stage-section', withSuggestion(`Unknown stage section "${u.name}". Starting with version 0.5, steps in a stage must be in a \u2018steps\u2019 block.`, u.name, STAGE_SECTIONS), u.nameLoc);
  }, 'stage');
  const kinds = BODY_KINDS.filter((k) => d.has(k)).sort((a, b) => d.get(a)!.nameLoc.start.offset - d.get(b)!.nameLoc.start.offset);
  const c = common(ctx, d);
  let body: StageBody = { kind: 'steps', steps: [], loc: s.loc };
  if (kinds.length === 0) {
    ctx.error('stage-body', NOTHING_FOR_STAGE(label), s.nameLoc);
  }
  // as Jenkins (ModelValidatorImpl): once, at the stage
  if (kinds.length > 1) ctx.error('stage-body', TWO_OF(label), s.nameLoc);
  const kind: BodyKind | undefined = kinds[0];
  if (kind) {
    const bs = d.get(kind)!;
    const nested = kind === 'parallel' || kind === 'matrix';
    if (nested && scope.inParallel) {
      ctx.error('nested-parallel', '"matrix" or "parallel" cannot be nested inside another "matrix" or "parallel".', bs.nameLoc);
    } else if (kind === 'steps') {
      const steps = blockOf(ctx, bs, 'steps');
      if (bs.call.closure && steps.length === 0) ctx.error('empty-steps', 'No steps specified for branch', bs.nameLoc);
      // `steps { parallel() }`: Jenkins reads the branches of a lone parallel as the stage's; none is no body at all.
      if (steps.length === 1 && isEmptyParallel(steps[0]!)) ctx.error('stage-body', NOTHING_FOR_STAGE(label), s.nameLoc);
      else validateSteps(ctx, steps, 'steps');
      body = { kind: 'steps', steps: [...steps], loc: bs.loc };
    } else if (kind === 'stages') {
      body = { kind: 'stages', stages: parseStageList(ctx, bs, scope), loc: bs.loc };
    } else if (kind === 'parallel') {
      body = { kind: 'parallel', stages: parseStageList(ctx, bs, { inParallel: true }), loc: bs.loc };
    } else {
      body = { kind: 'matrix', matrix: parseMatrix(ctx, bs), loc: bs.loc };
    }
    if (nested) {
      for (const which of ['agent', 'tools'] as const) {
        const ds = d.get(which);
        if (ds) ctx.error('stage-section', `"${which}" is not allowed in stage "${label}" as it contains parallel or matrix stages`, ds.nameLoc);
      }
    }
  }
  // failFast on a stage without parallel or matrix is accepted and means nothing, as in Jenkins.
  let failFast = false;
  const ff = d.get('failFast');
  if (ff) failFast = boolArg(ctx, ff, 'stage section') ?? false;
  const ps = d.get('post');
  const post = ps ? parsePost(ctx, ps) : null;
  if (name === null) return null;
  return { name, nameLoc, ...c, failFast, body, post, loc: s.loc };
}

// ---------------------------------------------------------------------------------------------
// matrix

function parseMatrix(ctx: Ctx, sec: Section): Matrix {
  const body = blockOf(ctx, sec, 'matrix');
  const d = directives(ctx, body, MATRIX_SECTIONS, (u) => {
    // Jenkins (ModelParser.parseMatrix): Parser.UndefinedSection
    ctx.error('matrix-section', `Undefined section "${u.name}"${didYouMean(u.name, MATRIX_SECTIONS)}`, u.nameLoc);
  }, 'matrix');
  const axesSec = d.get('axes');
  const axes = axesSec ? parseAxes(ctx, axesSec) : [];
  if (!axesSec && sec.call.closure) ctx.error('matrix', 'Missing required section "axes"', sec.nameLoc);
  const ex = d.get('excludes');
  const excludes = ex ? parseExcludes(ctx, ex, axes) : [];
  const c = common(ctx, d);
  const st = d.get('stages');
  if (!st && sec.call.closure) ctx.error('matrix', 'Missing required section "stages"', sec.nameLoc);
  const stages = st ? parseStageList(ctx, st, { inParallel: true }) : [];
  const ps = d.get('post');
  const post = ps ? parsePost(ctx, ps) : null;
  return { axes, excludes, ...c, stages, post, loc: sec.loc };
}

function parseAxes(ctx: Ctx, sec: Section): MatrixAxis[] {
  const out: MatrixAxis[] = [];
  const firstLocs = new Map<string, Loc>();
  const dupNames = new Set<string>();
  const body = blockOf(ctx, sec, 'axes');
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (!s || s.name !== 'axis') {
      ctx.error('matrix', "Expected an axis: axis { name 'X'; values 'a', 'b' }", s ? s.nameLoc : stmt.loc);
      continue;
    }
    const a = parseAxis(ctx, s, false);
    if (!a) continue;
    const first = out.find((o) => o.name === a.name);
    if (first) {
      // as Jenkins (ModelValidatorImpl): once per name, at its first axis
      if (!dupNames.has(a.name)) ctx.error('matrix', `Duplicate axis name: "${a.name}"`, firstLocs.get(a.name)!);
      dupNames.add(a.name);
      continue;
    }
    firstLocs.set(a.name, a.nameLoc);
    out.push({ name: a.name, values: a.values, loc: s.loc });
  }
  if (sec.call.closure && body.length === 0) ctx.error('matrix', 'No axis directives specified', sec.nameLoc);
  return out;
}

interface AxisRead {
  name: string;
  nameLoc: Loc;
  values: string[];
  valueLocs: Loc[];
  not: boolean;
}

/** `axis { name 'X'; values 'a', 'b' }` (or, in an exclude, `notValues 'a'`), in Jenkins' words (ModelParser.parseAxis). */
function parseAxis(ctx: Ctx, sec: Section, inExclude: boolean): AxisRead | null {
  const fields = inExclude ? ['name', 'values', 'notValues'] : ['name', 'values'];
  const body = blockOf(ctx, sec, 'axis');
  const d = new Map<string, Section>();
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (!s) {
      ctx.error('matrix', "Expected 'name' or 'values' in axis", stmt.loc);
      continue;
    }
    if (!fields.includes(s.name)) {
      ctx.error('matrix', `Undefined section "${s.name}"${didYouMean(s.name, fields)}`, s.nameLoc);
      continue;
    }
    if (d.has(s.name)) {
      ctx.error('matrix', `Multiple occurrences of the ${s.name} section`, s.nameLoc);
      continue;
    }
    if (s.name !== 'name' && (d.has('values') || d.has('notValues'))) {
      ctx.error('matrix', 'Exclude axis must contain either "values" or "notValues"', s.nameLoc);
      continue;
    }
    d.set(s.name, s);
  }
  if (!sec.call.closure) return null;
  const ns = d.get('name');
  if (!ns) ctx.error('matrix', 'Missing required section "name"', sec.nameLoc);
  const vs = d.get('values') ?? d.get('notValues');
  if (!vs) ctx.error('matrix', 'Missing required section "values"', sec.nameLoc);
  const name = ns ? axisName(ctx, ns) : null;
  const badName = name !== null && !IDENTIFIER.test(name);
  if (badName) {
    // Jenkins validates an axis name as an environment variable's (ModelValidatorImpl.InvalidIdentifierInEnv)
    ctx.error('matrix', `"${name}" is not a valid identifier and cannot be used for an environment variable. Identifiers must start with a letter or underscore and can contain only letters, numbers or underscores.`, ns!.call.args[0]!.loc);
  }
  const values: string[] = [];
  const valueLocs: Loc[] = [];
  const dupValues = new Set<string>();
  if (vs) {
    if (vs.call.namedArgs.length > 0 || vs.call.closure) ctx.error('matrix', `Expected values: ${vs.name} 'a', 'b'`, vs.nameLoc);
    if (vs.call.args.length === 0) ctx.error('matrix', `No argument for "${vs.name}"`, vs.nameLoc);
    // an axis (not an exclude) may name a list declared at the top of the file: values osList
    const items = vs.call.args.flatMap((a) => {
      const list = !inExclude && a.type === 'Ident' ? listVariable(ctx, a.name) : null;
      return list ? list.map((e) => ({ e, fromList: true })) : [{ e: a, fromList: false }];
    });
    for (const { e: a, fromList } of items) {
      const v = axisValue(ctx, a, fromList);
      if (v === null) continue;
      const at = values.indexOf(v);
      if (at >= 0) {
        // as Jenkins (ModelValidatorImpl): once per value, at its first place
        if (!dupValues.has(v)) ctx.error('matrix', `Duplicate axis value: "${v}"`, valueLocs[at]!);
        dupValues.add(v);
        continue;
      }
      values.push(v);
      valueLocs.push(a.loc);
    }
  }
  if (name === null || badName || !vs) return null;
  return { name, nameLoc: ns!.call.args[0]!.loc, values, valueLocs, not: vs.name === 'notValues' };
}

/** `name 'OS'`: a string literal, or a bare name Jenkins takes as its text (ModelParser.parseStringLiteralOrEmpty). */
function axisName(ctx: Ctx, ns: Section): string | null {
  const c = ns.call;
  if (c.args.length + c.namedArgs.length === 0) {
    ctx.error('matrix', 'No argument for field "name"', ns.nameLoc);
    return null;
  }
  if (c.args.length + c.namedArgs.length > 1 || c.closure) {
    ctx.error('matrix', 'Too many arguments for field "name"', ns.nameLoc);
    return null;
  }
  const e = c.args[0];
  if (e?.type === 'String') return e.value;
  if (e?.type === 'Ident') return e.name;
  // Jenkins reports the literal it wanted, then checks the empty name it kept
  ctx.error('matrix', 'Expected string literal', (e ?? c.namedArgs[0]!.value).loc);
  return '';
}

/**
 * One axis value as its text, or null after reporting why it is none (ModelParser.parseArgument,
 * ModelValidatorImpl). Only an item of a list variable has its "${...}" filled from constants.
 */
function axisValue(ctx: Ctx, a: Expr, fromList: boolean): string | null {
  if (a.type === 'String') return a.value;
  if (a.type === 'Boolean') return String(a.value);
  if (a.type === 'Number' && a.isInteger && !a.exact) return String(a.value);
  if (a.type === 'GString') {
    const text = fromList ? constantText(ctx.topLevel, a, { calls: false }) : null;
    if (text !== null) return text;
    // Jenkins names a GString by its source, quotes included
    ctx.error('matrix', `Expected string literal but got ${sourceText(ctx, a.loc)?.trim() ?? describeExpr(a)}`, a.loc);
    return null;
  }
  const v = staticValue(a);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  // any other expression Jenkins keeps as "${...}" and refuses twice
  const src = '${' + (sourceText(ctx, a.loc)?.trim() ?? describeExpr(a)) + '}';
  ctx.error('matrix', `${src} cannot be used as a value directly. Did you mean "${src}"?`, a.loc);
  ctx.error('matrix', `Expected string literal but got ${src}`, a.loc);
  return null;
}

/**
 * Jenkins (ModelParser.resolveListVariableOrParse): `values osList` takes the items of the first
 * top-level declaration of osList whose value is a list literal, `def osList = ['a', "${x}b"]`.
 */
function listVariable(ctx: Ctx, name: string): Expr[] | null {
  for (const s of ctx.topLevel) {
    if (s.type === 'VarDecl' && !s.multi && s.names[0]?.name === name && s.init?.type === 'List') return s.init.items;
  }
  return null;
}

function parseExcludes(ctx: Ctx, sec: Section, axes: MatrixAxis[]): MatrixExclude[] {
  const out: MatrixExclude[] = [];
  const body = blockOf(ctx, sec, 'excludes');
  const axisNames = axes.map((a) => a.name);
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (!s || s.name !== 'exclude') {
      ctx.error('matrix', "Expected an exclude: exclude { axis { name 'X'; values 'a' } }", s ? s.nameLoc : stmt.loc);
      continue;
    }
    const ex: MatrixExclude = { axes: [], loc: s.loc };
    const exFirst = new Map<string, Loc>();
    const exDup = new Set<string>();
    const eb = blockOf(ctx, s, 'exclude');
    for (const st of eb) {
      const a = sectionOf(st);
      if (!a || a.name !== 'axis') {
        ctx.error('matrix', "Expected an axis: axis { name 'X'; values 'a' }", a ? a.nameLoc : st.loc);
        continue;
      }
      const r = parseAxis(ctx, a, true);
      if (!r) continue;
      if (ex.axes.some((x) => x.name === r.name)) {
        if (!exDup.has(r.name)) ctx.error('matrix', `Duplicate axis name: "${r.name}"`, exFirst.get(r.name)!);
        exDup.add(r.name);
        continue;
      }
      exFirst.set(r.name, r.nameLoc);
      const axis = axes.find((x) => x.name === r.name);
      if (!axis) {
        if (axes.length > 0) ctx.error('matrix', `Exclude refers to axis "${r.name}", which is not defined in axes${didYouMean(r.name, axisNames)} (axes: ${axisNames.join(', ')})`, r.nameLoc);
        continue;
      }
      r.values.forEach((v, i) => {
        if (!axis.values.includes(v)) {
          ctx.error('matrix', `Value "${v}" is not a value of axis "${axis.name}"${didYouMean(v, axis.values)} (values: ${axis.values.join(', ')})`, r.valueLocs[i]!);
        }
      });
      ex.axes.push({ name: r.name, values: r.values, not: r.not, loc: a.loc });
    }
    if (s.call.closure && eb.length === 0) ctx.error('matrix', 'No axis directives specified', s.nameLoc);
    out.push(ex);
  }
  if (sec.call.closure && body.length === 0) ctx.error('matrix', 'No exclude directives specified', sec.nameLoc);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Whole-tree checks

/** Under `agent none`, every stage that runs node steps needs an agent of its own (or an enclosing one). */
export function checkAgentNone(ctx: Ctx, stages: readonly Stage[], post: Post | null): void {
  const need = (stmts: readonly Stmt[]) => firstNodeStep(ctx, stmts);
  const walk = (list: readonly Stage[], hasAgent: boolean) => {
    for (const st of list) {
      const here = hasAgent || (st.agent !== null && st.agent.type !== 'none');
      let found: { name: string; loc: Loc } | null = null;
      if (!here) {
        if (st.body.kind === 'steps') found = need(st.body.steps);
        for (const b of st.post?.blocks ?? []) found ??= need(b.steps);
      }
      if (found) {
        ctx.warn('agent-none', `Stage "${st.name}" runs steps that need a node (${found.name} at line ${found.loc.start.line}), but the pipeline has "agent none" and this stage has no agent`, st.nameLoc);
      }
      if (st.body.kind === 'stages' || st.body.kind === 'parallel') walk(st.body.stages, here);
      if (st.body.kind === 'matrix') {
        const m = st.body.matrix;
        const mh = here || (m.agent !== null && m.agent.type !== 'none');
        if (!mh) {
          let mf: { name: string; loc: Loc } | null = null;
          for (const b of m.post?.blocks ?? []) mf ??= need(b.steps);
          if (mf) ctx.warn('agent-none', `Stage "${st.name}" runs steps that need a node (${mf.name} at line ${mf.loc.start.line}), but the pipeline has "agent none" and this stage has no agent`, st.nameLoc);
        }
        walk(m.stages, mh);
      }
    }
  };
  walk(stages, false);
  for (const b of post?.blocks ?? []) {
    const f = need(b.steps);
    if (f) ctx.warn('agent-none', `Post condition "${b.condition}" runs steps that need a node (${f.name} at line ${f.loc.start.line}), but the pipeline has "agent none"`, b.loc);
  }
}

/**
 * The steps that run on an agent whose type's check asked to see them (agent.ts): each steps
 * block and post block of the stages the agent is the nearest agent of, and of the pipeline's
 * post for the pipeline's agent (kubernetes: `container('x')` must name a container of its pod).
 */
export function checkAgentScopes(ctx: Ctx, top: AgentSpec | null, stages: readonly Stage[], post: Post | null): void {
  const check = (agent: AgentSpec | null, stmts: readonly Stmt[]) => {
    const steps = agent ? ctx.agentScopes.get(agent) : undefined;
    if (steps) steps(stmts);
  };
  const effective = (parent: AgentSpec | null, own: AgentSpec | null) => (own && own.type !== 'none' ? own : parent);
  const walk = (list: readonly Stage[], agent: AgentSpec | null) => {
    for (const st of list) {
      const a = effective(agent, st.agent);
      if (st.body.kind === 'steps') check(a, st.body.steps);
      for (const b of st.post?.blocks ?? []) check(a, b.steps);
      if (st.body.kind === 'stages' || st.body.kind === 'parallel') walk(st.body.stages, a);
      if (st.body.kind === 'matrix') {
        const ma = effective(a, st.body.matrix.agent);
        for (const b of st.body.matrix.post?.blocks ?? []) check(ma, b.steps);
        walk(st.body.matrix.stages, ma);
      }
    }
  };
  walk(stages, top);
  for (const b of post?.blocks ?? []) check(top, b.steps);
}

/** `parallel()` or `parallel([:])`: a parallel step with no branch. */
function isEmptyParallel(stmt: Stmt): boolean {
  if (stmt.type !== 'ExprStmt' || stmt.expr.type !== 'Call') return false;
  const c = stmt.expr;
  if (c.callee.type !== 'Ident' || c.callee.name !== 'parallel' || c.closure || c.namedArgs.length > 0) return false;
  return c.args.length === 0 || (c.args.length === 1 && c.args[0]!.type === 'Map' && c.args[0]!.entries.length === 0);
}
