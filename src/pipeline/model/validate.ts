// From the syntax tree of a Jenkinsfile to its typed model, or to every error it has.
//
// A file is declarative when it has a top-level `pipeline { }` block (one only); its other
// top-level statements (functions, `def`s, imports, classes, `@Field`, `@Library`) are its prelude. Otherwise it is a
// scripted pipeline (`node { stage('x') { ... } }`), checked as free Groovy.
//
// Validation never stops at the first error: every directive is read as far as it can be, and
// every problem is reported with its position, in Jenkins' words where Jenkins has them.
import type { ClassDecl, Script, Stmt } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import { sortDiagnostics, type Diagnostic } from '../diagnostics.ts';
import type { AgentSpec, DeclarativePipeline, LibraryRef, PipelineModel } from './types.ts';
import { Ctx, blockOf, describeExpr, describeStmt, didYouMean, sectionOf, sourceText, statementText, staticValue, type Section } from './context.ts';
import { parseAgent } from './agent.ts';
import { parseEnvironment } from './environment.ts';
import { emptyOptions, parseOptions } from './options.ts';
import { parseParameters } from './parameters.ts';
import { parseTriggers } from './triggers.ts';
import { parseTools } from './tools.ts';
import { parsePost } from './post.ts';
import { checkAgentNone, checkAgentScopes, parseStageList } from './stages.ts';
import { checkGroovy, checkScriptedNodeSteps } from './steps.ts';
import { checkClasses } from './classes.ts';
import { visit } from './walk.ts';
import { closest } from '../../util/suggest.ts';
import type { StepRegistry } from '../steps/registry.ts';
import { staticImportNames } from '../script/static-names.ts';
import { constantText } from './constant-text.ts';

export interface ValidationResult {
  /** The model, or null when there is any error. */
  model: PipelineModel | null;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
}

const PIPELINE_SECTIONS = ['agent', 'environment', 'options', 'parameters', 'triggers', 'tools', 'libraries', 'stages', 'post'];
const RENAMED: Record<string, string> = {
  properties: 'The \u2018properties\u2019 section has been renamed as of version 0.8. Use \u2018options\u2019 instead.',
  jobProperties: 'The \u2018jobProperties\u2019 section has been renamed as of version 0.7. Use \u2018properties\u2019 instead.',
  notifications: 'The \u2018notifications\u2019 section has been removed as of version 0.6. Use \u2018post\u2019 for all post-build actions.',
  postBuild: 'The \u2018postBuild\u2019 section has been renamed as of version 0.6. Use \u2018post\u2019 for all post-build actions.',
};
/** Names that only mean something inside `pipeline { }`. */
const DECLARATIVE_ONLY = new Set([...PIPELINE_SECTIONS, 'steps', 'when', 'matrix', 'failFast']);

/**
 * Validates a parsed Jenkinsfile against the steps, globals and agent types of `registry`.
 * `source` (the file's text) lets errors inside strings, such as an inline pod's YAML, be
 * placed precisely.
 */
export function validate(script: Script, source: string | null, registry: StepRegistry, libs?: LibraryNames): ValidationResult {
  const { declared, functions } = declarations(script);
  const ctx = new Ctx(source, declared, functions, registry);
  ctx.topLevel = script.body;
  if (libs) {
    ctx.libraryVars = libs.vars;
    ctx.missingLibraries = libs.missing;
  }
  const model = validateScript(ctx, script);
  return { model: ctx.errorCount > 0 ? null : model, diagnostics: sortDiagnostics(ctx.diagnostics) };
}

/** What validation knows of the shared libraries (../libraries/): their vars, and whether one asked for is missing. */
export interface LibraryNames {
  vars: ReadonlySet<string>;
  missing: boolean;
}

/**
 * Validates a shared library's var (`vars/NAME.groovy`): its code as free Groovy (the other vars
 * are known names), and each `pipeline { }` written as a statement of one of its functions (the
 * organisation template: `def call(Map config) { pipeline { ... } }`) as a declarative pipeline.
 * Returns those pipelines' models by the location of their `pipeline` call.
 */
export function validateLibraryVar(script: Script, source: string | null, registry: StepRegistry, libs: LibraryNames): { pipelines: Map<Loc, DeclarativePipeline>; diagnostics: Diagnostic[] } {
  const { declared, functions } = declarations(script);
  const ctx = new Ctx(source, declared, functions, registry);
  ctx.topLevel = script.body;
  ctx.libraryVars = libs.vars;
  ctx.missingLibraries = libs.missing;
  const pipelines = new Map<Loc, DeclarativePipeline>();
  const classes: ClassDecl[] = [];
  for (const stmt of script.body) {
    if (stmt.type === 'Class') classes.push(stmt);
    if (stmt.type === 'Annotation' && stmt.name !== 'Library') annotation(ctx, stmt, []);
    if (stmt.type !== 'Function') {
      checkGroovy(ctx, [stmt]);
      continue;
    }
    for (const p of stmt.params) if (p.default) checkGroovy(ctx, [p.default]);
    for (const s of stmt.body.body) {
      const sec = sectionOf(s);
      if (sec && sec.name === 'pipeline' && sec.call.closure && !functions.has('pipeline')) {
        const model = pipelineBlock(ctx, sec, [], []);
        if (model) pipelines.set(sec.call.loc, model);
      } else checkGroovy(ctx, [s]);
    }
  }
  checkClasses(ctx, classes);
  const words = (d: Diagnostic): Diagnostic => (d.code === 'grab' ? { ...d, message: d.message.replace('a Jenkinsfile in Kiln', 'a shared library in Kiln') } : d);
  return { pipelines, diagnostics: sortDiagnostics(ctx.diagnostics.map(words)) };
}

/**
 * The `pipeline { }` blocks written at the top level of a script that `load` or `evaluate` runs:
 * Jenkins compiles those with the Declarative transformation as it does the Jenkinsfile, so such
 * a script may hold the build's pipeline. Each is validated as a declarative pipeline and
 * returned by the location of its `pipeline` call; the rest of the script is not checked here
 * (it runs as the loaded script it is, its errors at run time).
 */
export function validateLoadedPipelines(script: Script, source: string | null, registry: StepRegistry, libs: LibraryNames): { pipelines: Map<Loc, DeclarativePipeline>; diagnostics: Diagnostic[] } {
  const { declared, functions } = declarations(script);
  const pipelines = new Map<Loc, DeclarativePipeline>();
  if (functions.has('pipeline')) return { pipelines, diagnostics: [] };
  const ctx = new Ctx(source, declared, functions, registry);
  ctx.libraryVars = libs.vars;
  ctx.missingLibraries = libs.missing;
  for (const stmt of script.body) {
    const sec = sectionOf(stmt);
    if (!sec || sec.name !== 'pipeline' || !sec.call.closure) continue;
    const model = pipelineBlock(ctx, sec, [], []);
    if (model) pipelines.set(sec.call.loc, model);
  }
  return { pipelines, diagnostics: sortDiagnostics(ctx.diagnostics) };
}

/** Checks the classes of a shared library's src/ file as the Jenkinsfile's own are (bare step calls in a class body). */
export function validateLibraryClasses(script: Script, registry: StepRegistry): Diagnostic[] {
  const { declared, functions } = declarations(script);
  const ctx = new Ctx(null, declared, functions, registry);
  checkClasses(ctx, script.body.filter((s): s is ClassDecl => s.type === 'Class'));
  return sortDiagnostics(ctx.diagnostics);
}

/** Every name the file declares anywhere, and its top-level functions. */
function declarations(script: Script): { declared: Set<string>; functions: Set<string> } {
  const declared = new Set<string>();
  const functions = new Set<string>();
  visit(script.body, (n) => {
    switch (n.type) {
      case 'VarDecl': for (const x of n.names) declared.add(x.name); break;
      case 'Function': functions.add(n.name); for (const p of n.params) declared.add(p.name); break;
      case 'ForIn': declared.add(n.varName); break;
      case 'Closure': for (const p of n.params) declared.add(p.name); break;
      case 'Try': for (const h of n.handlers) declared.add(h.varName); break;
      case 'Assign': if (n.target.type === 'Ident') declared.add(n.target.name); break;
      case 'Import': if (n.isStatic) for (const m of staticImportNames(n.path, n.star, n.alias)) functions.add(m); break;
      default: break;
    }
  });
  return { declared, functions };
}

function startLoc(script: Script): Loc {
  return { start: { line: 1, col: 1, offset: 0 }, end: script.loc.start.offset === 0 ? { line: 1, col: 1, offset: 0 } : script.loc.start };
}

function validateScript(ctx: Ctx, script: Script): PipelineModel | null {
  // Nothing but comments: Jenkins runs the empty script and the build succeeds (teams commit an
  // empty Jenkinsfile to have a green job before writing the pipeline), so a warning, not an error.
  if (script.body.length === 0) {
    ctx.warn('empty', 'Jenkinsfile is empty: the build will succeed having done nothing', startLoc(script));
    return { kind: 'scripted', body: script.body, loc: script.loc };
  }
  const pipelines: { stmt: Stmt; sec: Section }[] = [];
  for (const stmt of script.body) {
    const s = sectionOf(stmt);
    if (s && s.name === 'pipeline' && !ctx.functions.has('pipeline')) pipelines.push({ stmt, sec: s });
  }
  const libraries: LibraryRef[] = [];
  const others: Stmt[] = [];
  const classes: ClassDecl[] = [];
  for (const stmt of script.body) {
    if (pipelines.some((p) => p.stmt === stmt)) continue;
    // Imports, classes and annotations (@Field) belong to the script: they run with the prelude.
    if (stmt.type === 'Annotation') annotation(ctx, stmt, libraries);
    else if (stmt.type === 'Class') classes.push(stmt);
    others.push(stmt);
  }
  checkClasses(ctx, classes);
  if (pipelines.length === 0) return scripted(ctx, script, others);
  for (const p of pipelines.slice(1)) ctx.error('multiple-pipelines', 'Only one pipeline { ... } block is allowed in a Jenkinsfile', p.sec.nameLoc);
  checkTopLevel(ctx, others);
  const model = pipelineBlock(ctx, pipelines[0]!.sec, others, libraries);
  return model;
}

function annotation(ctx: Ctx, stmt: Stmt & { type: 'Annotation' }, libraries: LibraryRef[]): void {
  if (stmt.name === 'Library') {
    const specs: string[] = [];
    for (const a of [...stmt.args, ...stmt.namedArgs.filter((n) => n.name === 'value').map((n) => n.value)]) {
      const v = staticValue(a);
      if (typeof v === 'string') specs.push(v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') specs.push(x);
    }
    for (const spec of specs) libraries.push({ spec, loc: stmt.loc });
    if (specs.length === 0) ctx.error('library', "@Library expects a library name: @Library('name@version') _", stmt.loc);
  } else if (stmt.name === 'Grab' || stmt.name === 'Grapes') {
    ctx.error('grab', `@${stmt.name} is not supported: a Jenkinsfile in Kiln cannot load Java libraries`, stmt.loc);
  }
}

function scripted(ctx: Ctx, script: Script, body: Stmt[]): PipelineModel | null {
  const runs = body.some((s) => ['ExprStmt', 'If', 'For', 'ForIn', 'While', 'Try', 'Switch', 'Block', 'Throw'].includes(s.type));
  // Only declarations (a helper that `load` reads: methods, then `return this`): Jenkins runs
  // such a file and the build succeeds having done nothing, so this is a warning, not an error.
  if (!runs) ctx.warn('no-pipeline', 'Jenkinsfile has no pipeline { ... } block and runs no steps: the build will succeed having done nothing', startLoc(script));
  checkTopLevel(ctx, body);
  checkScriptedNodeSteps(ctx, body);
  return { kind: 'scripted', body: script.body, loc: script.loc };
}

/** Top-level statements outside `pipeline { }`: free Groovy, but declarative sections do not belong there. */
function checkTopLevel(ctx: Ctx, body: readonly Stmt[]): void {
  for (const stmt of body) {
    const s = sectionOf(stmt);
    if (s && DECLARATIVE_ONLY.has(s.name) && !ctx.functions.has(s.name) && !ctx.declared.has(s.name)) {
      ctx.error('not-in-pipeline', `"${s.name}" is only valid inside pipeline { ... }`, s.nameLoc);
      continue;
    }
    checkGroovy(ctx, [stmt]);
  }
}

function pipelineBlock(ctx: Ctx, sec: Section, prelude: Stmt[], libraries: LibraryRef[]): DeclarativePipeline | null {
  const c = sec.call;
  if (!c.closure) {
    ctx.error('pipeline-block', 'Expected a block for pipeline: pipeline { agent ...; stages { ... } }', sec.nameLoc);
    return null;
  }
  if (c.args.length + c.namedArgs.length > 0) ctx.error('pipeline-block', 'pipeline takes no arguments, only a block', (c.args[0] ?? c.namedArgs[0]!).loc);
  const found = new Map<string, Section>();
  /** Required sections that a misspelt one probably meant: not reported as missing too. */
  const meant = new Set<string>();
  for (const stmt of c.closure.body) {
    const s = sectionOf(stmt);
    if (!s) {
      // Jenkins' ModelParser: a statement that is not a method call is not a section; it quotes its source
      ctx.error('pipeline-section', `Not a valid section definition: "${statementText(ctx, stmt)}". Some extra configuration is required. (${describeStmt(stmt)} belongs inside a stage's steps { script { ... } })`, stmt.loc);
      continue;
    }
    if (!PIPELINE_SECTIONS.includes(s.name)) {
      const renamed = Object.hasOwn(RENAMED, s.name) ? RENAMED[s.name] : undefined; // not Object.prototype's constructor
      if (renamed) ctx.error('undefined-section', renamed, s.nameLoc);
      else if (s.name === 'stage') {
        ctx.error('undefined-section', 'Undefined section "stage": stages go inside stages { stage(\'name\') { ... } }', s.nameLoc);
        meant.add('stages');
      } else {
        const guess = closest(s.name, PIPELINE_SECTIONS);
        if (guess) meant.add(guess);
        ctx.error('undefined-section', `Undefined section "${s.name}"${didYouMean(s.name, PIPELINE_SECTIONS)}`, s.nameLoc);
      }
      continue;
    }
    if (found.has(s.name)) {
      ctx.error('duplicate-section', `Multiple occurrences of the ${s.name} section`, s.nameLoc);
      continue;
    }
    found.set(s.name, s);
  }
  if (!found.has('agent') && !meant.has('agent')) ctx.error('missing-agent', 'Missing required section "agent"', sec.nameLoc);
  if (!found.has('stages') && !meant.has('stages')) ctx.error('missing-stages', 'Missing required section "stages"', sec.nameLoc);
  const get = <T>(name: string, f: (s: Section) => T): T | null => {
    const s = found.get(name);
    return s ? f(s) : null;
  };
  const agent: AgentSpec | null = get('agent', (s) => parseAgent(ctx, s));
  const environment = get('environment', (s) => parseEnvironment(ctx, s)) ?? [];
  const options = get('options', (s) => parseOptions(ctx, s, false)) ?? emptyOptions();
  const parameters = get('parameters', (s) => parseParameters(ctx, s)) ?? [];
  const triggers = get('triggers', (s) => parseTriggers(ctx, s)) ?? [];
  const tools = get('tools', (s) => parseTools(ctx, s)) ?? [];
  get('libraries', (s) => librariesBlock(ctx, s, libraries));
  const stages = get('stages', (s) => parseStageList(ctx, s, { inParallel: false })) ?? [];
  const post = get('post', (s) => parsePost(ctx, s));
  if (agent && agent.type === 'none') checkAgentNone(ctx, stages, post);
  checkAgentScopes(ctx, agent, stages, post);
  if (!agent) return null;
  return { kind: 'declarative', prelude, libraries, agent, environment, options, parameters, triggers, tools, stages, post, loc: sec.loc };
}

/** libraries { lib('name@version') } */
function librariesBlock(ctx: Ctx, sec: Section, out: LibraryRef[]): void {
  const body = blockOf(ctx, sec, 'libraries');
  for (const stmt of body) {
    const s = sectionOf(stmt);
    const a = s?.call.args[0];
    if (!s || s.name !== 'lib' || !a || s.call.args.length !== 1 || s.call.namedArgs.length > 0 || s.call.closure || (a.type !== 'String' && a.type !== 'GString' && a.type !== 'Ident')) {
      // Jenkins shows the statement as written: Expected a "lib(...)" but got foo('bar')
      const text = (sourceText(ctx, stmt.loc) ?? describeStmt(stmt)).trim();
      ctx.error('libraries', `Expected a "lib(...)" but got ${text}`, s ? s.nameLoc : stmt.loc);
      continue;
    }
    // Jenkins evaluates lib("${name}@main") when the pipeline runs; Kiln fetches the library before,
    // so the name must be made of the file's constants (constant-text.ts)
    const spec = constantText(ctx.topLevel, a);
    if (spec === null) {
      ctx.error('libraries', `Kiln loads a library before the run: lib(${(sourceText(ctx, a.loc) ?? describeExpr(a)).trim()}) must be made of string literals, top-level constants (def NAME = 'text') and functions without arguments that return one`, a.loc);
      continue;
    }
    out.push({ spec, loc: s.loc });
  }
  if (sec.call.closure && body.length === 0) ctx.error('empty-libraries', 'libraries can not be empty', sec.nameLoc);
}
