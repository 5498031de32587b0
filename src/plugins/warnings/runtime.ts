// What the warnings plugin's steps do (declared in index.ts), following warnings-ng's
// IssuesScanner and IssuesPublisher and the console lines they print, each prefixed with the
// result's name ("[CheckStyle] ..."):
//
//   scan     for each tool: the report files matching its pattern under the current directory
//            (or, without a pattern, the build's console log so far), parsed (parsers.ts),
//            duplicates skipped, absolute paths inside the workspace made relative, filters
//            applied (Java regexes, matched whole, through the pipeline's regex runner)
//   publish  the reference build (discoverGitReferenceBuild's job, referenceJobName's, or this
//            job's previous builds: the newest finished SUCCESS/UNSTABLE build with a result of
//            the same id whose quality gate passed, unless ignoreQualityGate), the delta (new,
//            fixed, outstanding), the quality gates (which may make the build UNSTABLE or
//            FAILURE, the stage too), and the record kept through BuildServices.issues
//
// A problem with one report (not found, not well-formed, too large, a link out of the workspace)
// is an "[-ERROR-]" line and an error of the result, as in Jenkins (failOnError fails the build
// for it); a wrong argument (an unknown tool, a pattern that leaves the workspace, a bad regex or
// gate) fails the step.
import path from 'node:path/posix';
import { TextDecoder } from 'node:util';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext, StepArgs } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import type { Issue, IssueSeverity, IssuesRecord, QualityGateOutcome } from '../../core/issues.ts';
import { checkRegex, findFirst, matchesWhole } from '../../pipeline/script/regex.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { FILTERS, GATE_TYPES, TOOLS, toolById, toolBySymbol, type ToolDef } from './decl.ts';
import { MAX_ISSUES, MAX_REPORT_BYTES, ReportError, lineParser, parseLine, parseReport, type RawIssue } from './parsers.ts';
import { delta, evaluateGates, fingerprint, statistics, type GateSpec } from './analysis.ts';
import { checkReportPattern } from '../../pipeline/steps/report-patterns.ts';

/** An issue as scanned, before publishing: what filters read besides the stored fields. */
type Scanned = Issue & { packageName: string; moduleName: string };

interface ScanResult {
  id: string;
  name: string;
  tools: { id: string; name: string }[];
  issues: Scanned[];
  errors: string[];
}

const SCOPE_REFERENCE = 'warnings.referenceJob';
const SCOPE_IDS = 'warnings.ids';
const SCOPE_SCANS = 'warnings.scans';

/** The reference job discoverGitReferenceBuild set for this build (null: this job's own builds). */
function referenceSlot(ctx: StepContext): { job: string | null } {
  return ctx.build.scope.state(SCOPE_REFERENCE, () => ({ job: null as string | null }));
}

function str(m: GMap, k: string): string | undefined {
  const v = m.get(k);
  return v === undefined || v === null ? undefined : String(v);
}

function num(m: GMap, k: string): number | undefined {
  const v = m.get(k);
  const n = v === undefined || v === null ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function argStr(args: StepArgs, k: string): string | undefined {
  const v = args.values[k];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function argBool(args: StepArgs, k: string, dflt: boolean): boolean {
  const v = args.values[k];
  return v === undefined || v === null ? dflt : v === true || v === 'true';
}

function asList(v: Value | undefined): Value[] {
  if (v === undefined || v === null) return [];
  return isList(v) ? v : [v];
}

// --- patterns and files -------------------------------------------------------------------------

/** A pattern must stay in the workspace: no absolute part, no '..'. */

function decoder(step: string, encoding: string | undefined): TextDecoder {
  try {
    return new TextDecoder(encoding || 'utf-8');
  } catch {
    throw new StepFailure(`${step}: unknown encoding '${encoding}' (reportEncoding)`);
  }
}

/** Absolute paths inside the workspace become relative to it ("src/App.java"). */
function relativize(file: string, root: string): string {
  if (file.startsWith(root + '/')) return file.slice(root.length + 1);
  return file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// --- scanning -----------------------------------------------------------------------------------

async function scanTool(ctx: StepContext, step: string, tool: Value, reportEncoding: string | undefined): Promise<ScanResult> {
  if (!isMap(tool) || typeof tool.get('$symbol') !== 'string') {
    throw new StepFailure(`${step}: a tool must be one of ${TOOLS.filter((t) => t.symbol).map((t) => `${t.symbol}()`).join(', ')}, analysisParser(analysisModelId: ...); got ${JSON.stringify(String(tool)).slice(0, 100)}`);
  }
  const sym = tool.get('$symbol') as string;
  const known = () => [...new Set(TOOLS.filter((t) => t.parser !== 'tasks').map((t) => t.id))].join(', ');
  // analysisParser(analysisModelId: 'shellcheck'): any tool by its analysis-model id, with that tool's id, name and pattern.
  if (sym === 'analysisParser' && !str(tool, 'analysisModelId')) throw new StepFailure(`${step}: analysisParser() needs analysisModelId, one of ${known()}`);
  const def = sym === 'analysisParser' ? toolById(str(tool, 'analysisModelId')!) : toolBySymbol(sym);
  if (!def && sym === 'analysisParser') throw new StepFailure(`${step}: analysisParser(analysisModelId: '${str(tool, 'analysisModelId')}'): Kiln has no such parser; it has ${known()}`);
  if (!def) throw new StepFailure(`${step}: ${sym}() is not an analysis tool Kiln knows (${TOOLS.filter((t) => t.symbol).map((t) => t.symbol).join(', ')}, analysisParser)`);
  // issues(analysisModelId: 'pmd'): the native tool read with another tool's parser, as analysis-model's registry has it.
  const modelId = sym === 'issues' ? str(tool, 'analysisModelId') : undefined;
  const parser = modelId ? toolById(modelId)?.parser : def.parser;
  if (!parser) throw new StepFailure(`${step}: issues(analysisModelId: '${modelId}'): Kiln has no such parser; it has ${known()}`);
  const parseOpts = { highThreshold: num(tool, 'highThreshold'), normalThreshold: num(tool, 'normalThreshold') };
  const id = str(tool, 'id') || def.id;
  const name = str(tool, 'name') || def.name;
  const errors: string[] = [];
  const say = (l: string) => ctx.log(`[${name}] ${l}`);
  const err = (l: string) => { errors.push(l); ctx.log(`[${name}] [-ERROR-] ${l}`); };
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const raw: RawIssue[] = [];
  const seen = new Set<string>();
  let capped = false;
  const addAll = (found: RawIssue[]): number => {
    // Duplicates (the same issue twice in the tool's reports) are skipped, as analysis-model's Report does.
    let dup = 0;
    for (const i of found) {
      const k = key(i);
      if (seen.has(k)) { dup++; continue; }
      if (raw.length >= MAX_ISSUES) {
        if (!capped) err(`More than ${MAX_ISSUES} issues: the rest are left out`);
        capped = true;
        break;
      }
      seen.add(k);
      raw.push(i);
    }
    return dup;
  };
  if (def.parser === 'tasks') {
    await scanTasks(ctx, step, tool, say, err, raw);
  } else {
    const pattern = str(tool, 'pattern') || def.pattern;
    const dec = decoder(step, str(tool, 'reportEncoding') ?? reportEncoding);
    if (pattern) {
      checkReportPattern(step, pattern, 'report patterns are Ant patterns', '**/checkstyle-result.xml');
      say(`Searching for all files in '${base}' that match the pattern '${pattern}'`);
      let files: string[];
      try {
        files = await ws.glob(base, pattern);
      } catch (e) {
        throw new StepFailure(`${step}: ${e instanceof Error ? e.message : String(e)}`);
      }
      files = files.filter((f) => relPathProblem(f) === null);
      if (files.length === 0) err(`No files found for pattern '${pattern}'. Configuration error?`);
      else say(`-> found ${plural(files.length, 'file')}`);
      for (const rel of files) {
        const abs = path.join(base, rel);
        const st = await ws.stat(abs);
        if (st && st.type !== 'symlink' && st.size > MAX_REPORT_BYTES) {
          err(`Skipping file '${rel}' because it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB (${st.size} bytes)`);
          continue;
        }
        let bytes: Buffer;
        try {
          bytes = await ws.readFile(abs);
        } catch (e) {
          if (e instanceof WorkspaceError) { err(`Skipping file '${rel}': ${e.message}`); continue; }
          throw e;
        }
        if (bytes.length > MAX_REPORT_BYTES) { err(`Skipping file '${rel}' because it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`); continue; }
        if (bytes.length === 0) { say(`Skipping file '${rel}' because it's empty`); continue; }
        try {
          const found = parseReport(parser, dec.decode(bytes), abs, parseOpts);
          say(`Successfully parsed file ${abs}`);
          const dup = addAll(found);
          say(`-> found ${plural(found.length - dup, 'issue')} (skipped ${plural(dup, 'duplicate')})`);
        } catch (e) {
          if (!(e instanceof ReportError)) throw e;
          err(`Parsing of file '${abs}' failed due to an exception:`);
          err(e.message);
        }
      }
    } else {
      const log = ctx.build.services.consoleLog;
      if (!log) {
        err(`The console log cannot be read here; give ${sym}() a pattern of report files`);
      } else {
        say(`Parsing console log (workspace: '${ws.root}')`);
        const found = await scanConsole({ ...def, parser }, log(), ws.root);
        if (typeof found === 'string') err(found);
        else {
          const dup = addAll(found);
          say(`-> found ${plural(found.length - dup, 'issue')} (skipped ${plural(dup, 'duplicate')})`);
        }
      }
    }
  }
  const issues: Scanned[] = raw.map((r) => {
    const file = relativize(r.file, ws.root);
    const { packageName, moduleName, ...rest } = r;
    const i = { ...rest, file, tool: id };
    return { ...i, fingerprint: fingerprint(i), packageName, moduleName };
  });
  return { id, name, tools: [{ id, name }], issues, errors };
}

function key(i: RawIssue): string {
  return [i.file, i.line, i.column, i.severity, i.category, i.type, i.message].join('\u0000');
}

/** The console so far, line by line for the line formats (bounded memory); whole, up to the report limit, for others. */
async function scanConsole(def: ToolDef, chunks: AsyncIterable<Buffer>, root: string): Promise<RawIssue[] | string> {
  const lp = lineParser(def.parser);
  const dec = new TextDecoder('utf-8');
  if (!lp) {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of chunks) {
      size += c.length;
      if (size > MAX_REPORT_BYTES) return `The console log is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB; give a pattern of report files`;
      parts.push(c);
    }
    try {
      return parseReport(def.parser, dec.decode(Buffer.concat(parts)), 'the console log');
    } catch (e) {
      if (e instanceof ReportError) return `${e.message} (${def.name} reads report files: give a pattern)`;
      throw e;
    }
  }
  const out: RawIssue[] = [];
  let rest = '';
  const take = (line: string) => {
    if (line.length > 8192 || out.length >= MAX_ISSUES) return;
    const i = parseLine(lp, line.endsWith('\r') ? line.slice(0, -1) : line);
    if (i) out.push({ ...i, file: relativize(i.file, root) });
  };
  for await (const c of chunks) {
    const text = rest + dec.decode(c, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > 65536) rest = '';
    for (const l of lines) take(l);
  }
  take(rest + dec.decode());
  return out;
}

/** taskScanner: tags in source files (warnings-ng's open tasks scanner). */
async function scanTasks(ctx: StepContext, step: string, tool: GMap, say: (l: string) => void, err: (l: string) => void, out: RawIssue[]): Promise<void> {
  const include = str(tool, 'includePattern') || '**/*.java';
  const exclude = str(tool, 'excludePattern') || undefined;
  checkReportPattern(step, include, 'report patterns are Ant patterns', '**/checkstyle-result.xml');
  const ignoreCase = tool.get('ignoreCase') === true;
  const isRegex = tool.get('isRegularExpression') === true;
  const tags: { tag: string; severity: IssueSeverity }[] = [];
  for (const [k, sev] of [['highTags', 'HIGH'], ['normalTags', 'NORMAL'], ['lowTags', 'LOW']] as const) {
    for (const t of (str(tool, k) ?? '').split(',').map((x) => x.trim()).filter(Boolean)) tags.push({ tag: t, severity: sev });
  }
  if (tags.length === 0) { err('No tags have been defined (highTags, normalTags, lowTags)'); return; }
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  say(`Searching for files in workspace '${base}' that match the include pattern '${include}'${exclude ? ` and exclude pattern '${exclude}'` : ''}`);
  const files = (await ws.glob(base, include, exclude)).filter((f) => relPathProblem(f) === null);
  say(`-> found ${plural(files.length, 'file')} that will be scanned`);
  // Literal tags become a linear JavaScript regex; a tag written as a regular expression is a Java
  // regex run through the pipeline's regex runner (its deadline bounds a costly pattern).
  const site = { loc: ctx.loc, signal: ctx.signal };
  const matchers = tags.map((t) => {
    if (isRegex) {
      const java = `${ignoreCase ? '(?i)' : ''}(${t.tag})(.*)`;
      try {
        checkRegex(java, ctx.loc);
      } catch (e) {
        throw new StepFailure(`${step}: the tag '${t.tag}' is not a valid regular expression: ${(e as Error).message}`);
      }
      return { ...t, find: async (line: string) => (await findFirst(line, java, site))?.groups[2] ?? null };
    }
    const re = new RegExp(`\\b(${t.tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})\\b:?(.*)`, ignoreCase ? 'i' : '');
    return { ...t, find: async (line: string) => re.exec(line)?.[2] ?? null };
  });
  const dec = decoder(step, str(tool, 'sourceCodeEncoding'));
  for (const rel of files) {
    let bytes: Buffer;
    try {
      const st = await ws.stat(path.join(base, rel));
      if (st && st.size > MAX_REPORT_BYTES) continue;
      bytes = await ws.readFile(path.join(base, rel));
    } catch (e) {
      if (e instanceof WorkspaceError) { err(`Skipping file '${rel}': ${e.message}`); continue; }
      throw e;
    }
    const lines = dec.decode(bytes).split('\n');
    for (let n = 0; n < lines.length && out.length < MAX_ISSUES; n++) {
      const line = lines[n]!;
      if (line.length > 8192) continue;
      for (const m of matchers) {
        const rest = await m.find(line);
        if (rest === null) continue;
        out.push({ file: path.join(base, rel), line: n + 1, lineEnd: n + 1, column: 0, severity: m.severity, category: '', type: m.tag, message: rest.trim(), packageName: '', moduleName: '' });
        break;
      }
    }
  }
  say(`-> found a total of ${plural(out.length, 'open task')}`);
}

// --- filters ------------------------------------------------------------------------------------

const FILTER_PROPERTY: Readonly<Record<string, (i: Scanned, root: string) => string[]>> = {
  File: (i, root) => (i.file.startsWith('/') ? [i.file] : [i.file, path.join(root, i.file)]),
  Category: (i) => [i.category],
  Type: (i) => [i.type],
  Package: (i) => [i.packageName],
  Module: (i) => [i.moduleName],
  Message: (i) => [i.message],
};

/** analysis-model's IssueFilterBuilder: kept when any include matches (or none is given) and no exclude does. */
async function applyFilters(ctx: StepContext, step: string, r: ScanResult, filters: Value[]): Promise<void> {
  const say = (l: string) => ctx.log(`[${r.name}] ${l}`);
  if (filters.length === 0) { say(`No filter has been set, publishing all ${r.issues.length} issues`); return; }
  const specs = filters.map((f) => {
    const sym = isMap(f) ? f.get('$symbol') : undefined;
    if (!isMap(f) || typeof sym !== 'string' || !(FILTERS as readonly string[]).includes(sym)) {
      throw new StepFailure(`${step}: a filter must be one of ${FILTERS.map((x) => `${x}('regex')`).join(', ')}`);
    }
    const pattern = str(f, 'pattern') ?? '';
    try {
      checkRegex(pattern, ctx.loc);
    } catch (e) {
      throw new StepFailure(`${step}: ${sym}('${pattern}'): ${(e as Error).message}`);
    }
    return { include: sym.startsWith('include'), property: FILTER_PROPERTY[sym.replace(/^(include|exclude)/, '')]!, pattern };
  });
  const root = ctx.workspace().root;
  const site = { loc: ctx.loc, signal: ctx.signal };
  const matches = async (i: Scanned, s: (typeof specs)[number]) => {
    for (const v of s.property(i, root)) if (await matchesWhole(v, s.pattern, site)) return true;
    return false;
  };
  const includes = specs.filter((s) => s.include);
  const excludes = specs.filter((s) => !s.include);
  const kept: Scanned[] = [];
  for (const i of r.issues) {
    let ok = includes.length === 0;
    for (const s of includes) if (await matches(i, s)) { ok = true; break; }
    if (ok) for (const s of excludes) if (await matches(i, s)) { ok = false; break; }
    if (ok) kept.push(i);
  }
  say(`Applying ${plural(specs.length, 'filter')} on the set of ${r.issues.length} issues (${r.issues.length - kept.length} issues have been removed, ${kept.length} issues will be published)`);
  r.issues = kept;
}

// --- publishing ---------------------------------------------------------------------------------

const CRITICALITIES = ['NOTE', 'UNSTABLE', 'ERROR', 'FAILURE'] as const;
const DEPRECATED_GATES: Readonly<Record<string, string>> = {
  TotalAll: 'TOTAL', TotalHigh: 'TOTAL_HIGH', TotalNormal: 'TOTAL_NORMAL', TotalLow: 'TOTAL_LOW',
  NewAll: 'NEW', NewHigh: 'NEW_HIGH', NewNormal: 'NEW_NORMAL', NewLow: 'NEW_LOW',
};

function gatesOf(step: string, args: StepArgs): GateSpec[] {
  const out: GateSpec[] = [];
  for (const [i, g] of asList(args.values['qualityGates']).entries()) {
    if (!isMap(g)) throw new StepFailure(`${step}: qualityGates[${i}] must be a map like [threshold: 1, type: 'TOTAL', unstable: true]`);
    const type = String(g.get('type') ?? 'TOTAL');
    if (!(type in GATE_TYPES)) throw new StepFailure(`${step}: qualityGates[${i}]: type '${type}' is not one of ${Object.keys(GATE_TYPES).join(', ')}`);
    const threshold = Number(g.get('threshold') ?? 0);
    if (!Number.isFinite(threshold)) throw new StepFailure(`${step}: qualityGates[${i}]: threshold must be a number, got '${String(g.get('threshold'))}'`);
    let criticality: GateSpec['criticality'];
    const c = g.get('criticality');
    if (c !== undefined && c !== null) {
      const up = String(c).toUpperCase();
      if (!(CRITICALITIES as readonly string[]).includes(up)) throw new StepFailure(`${step}: qualityGates[${i}]: criticality '${String(c)}' is not one of ${CRITICALITIES.join(', ')}`);
      criticality = up as GateSpec['criticality'];
    } else {
      const u = g.get('unstable');
      criticality = u === undefined || u === null ? 'UNSTABLE' : u === true || u === 'true' ? 'UNSTABLE' : 'FAILURE';
    }
    out.push({ type, threshold, criticality });
  }
  for (const [kind, crit] of [['unstable', 'UNSTABLE'], ['failed', 'FAILURE']] as const) {
    for (const [suffix, type] of Object.entries(DEPRECATED_GATES)) {
      const v = args.values[`${kind}${suffix}`];
      if (v === undefined || v === null || v === '') continue;
      const threshold = Number(v);
      if (!Number.isFinite(threshold) || threshold <= 0) continue;
      out.push({ type, threshold, criticality: crit });
    }
  }
  return out;
}

const GOOD_RESULTS = new Set(['SUCCESS', 'UNSTABLE']);

async function publish(ctx: StepContext, step: string, r: ScanResult, args: StepArgs): Promise<Value> {
  const say = (l: string) => ctx.log(`[${r.name}] ${l}`);
  const ids = ctx.build.scope.state(SCOPE_IDS, () => new Set<string>());
  if (ids.has(r.id)) throw new StepFailure(`${step}: ID ${r.id} is already used by another action of this build; give each result its own id (id: '...')`);
  ids.add(r.id);
  const gates = gatesOf(step, args);
  const svc = ctx.build.services.issues;
  const refJob = argStr(args, 'referenceJobName') ?? referenceSlot(ctx).job;
  const ignoreGate = argBool(args, 'ignoreQualityGate', false);
  let reference: { job: string; number: number; issues: Issue[] } | null = null;
  if (svc) {
    if (refJob) say(`Obtaining reference build from reference job '${refJob}'`);
    else {
      say('Reference build recorder is not configured');
      say(`Obtaining reference build from same job (${ctx.build.jobName})`);
    }
    const history = await svc.history(r.id, refJob, 50);
    let skipped = false;
    for (const h of history) {
      if (h.result === null || !GOOD_RESULTS.has(h.result)) continue;
      const display = `${h.job} #${h.number}`;
      if (h.record) {
        const passed = h.record.qualityGate !== 'WARNING' && h.record.qualityGate !== 'FAILED';
        if (passed) say(`Quality gate successful for reference build '${display}', using this build as reference`);
        else if (ignoreGate) say(`Quality gate has been missed for reference build '${display}', but is configured to be ignored`);
        if (passed || ignoreGate) { reference = { job: h.job, number: h.number, issues: await h.record.issues() }; break; }
        if (!skipped) say(`Quality gate failed for reference build '${display}', analyzing previous builds`);
      } else if (!skipped) {
        say(`Reference build '${display}' does not contain a result action, analyzing previous builds`);
      }
      skipped = true;
    }
    if (!reference && skipped) say('No reference build with successful quality gate found, skipping delta computation');
  }
  const issues: Issue[] = r.issues.map(({ packageName: _p, moduleName: _m, ...i }) => i);
  const d = delta(issues, reference?.issues ?? null);
  if (reference) {
    say(`Using reference build '${reference.job} #${reference.number}' to compute new, fixed, and outstanding issues`);
    say(`Issues delta (vs. reference build): outstanding: ${d.outstanding.length}, new: ${d.fresh.length}, fixed: ${d.fixed.length}`);
  } else {
    say('No valid reference build found');
    say('All reported issues will be considered outstanding');
  }
  const stats = statistics(d, reference?.issues ?? null);
  const verdict = evaluateGates(gates, stats);
  for (const l of verdict.lines) say(l);
  if (verdict.result) ctx.build.setResult(verdict.result, verdict.result);
  say('Health report is disabled - skipping');
  if (argBool(args, 'failOnError', false) && r.errors.length > 0) {
    say('Failing build because analysis result contains errors');
    ctx.build.setResult('FAILURE', 'FAILURE');
  }
  say(`Created analysis result for ${issues.length} issues (found ${d.fresh.length} new issues, fixed ${d.fixed.length} issues)`);
  say(`Attaching ResultAction with ID '${r.id}' to build '${ctx.build.jobName} #${ctx.build.number}'.`);
  const freshSet = new Set(d.fresh);
  const record: IssuesRecord = {
    id: r.id, name: r.name, tools: r.tools,
    issues: issues.map((i) => ({ ...i, state: freshSet.has(i) ? 'new' as const : 'outstanding' as const })),
    fixed: d.fixed,
    reference: reference ? { job: reference.job, number: reference.number } : null,
    qualityGate: verdict.status, gates: verdict.outcomes as QualityGateOutcome[], errors: r.errors,
  };
  if (svc) await svc.record(record);
  return new Map<string, Value>([
    ['id', r.id], ['name', r.name], ['totalSize', issues.length], ['newSize', d.fresh.length], ['fixedSize', d.fixed.length],
    ['qualityGateStatus', verdict.status], ['errorMessages', [...r.errors]],
  ]);
}

function aggregate(parts: ScanResult[], id: string, name: string): ScanResult {
  return { id, name, tools: parts.flatMap((p) => p.tools), issues: parts.flatMap((p) => p.issues), errors: parts.flatMap((p) => p.errors) };
}

// --- the steps ----------------------------------------------------------------------------------

const recordIssues: StepRun = async (ctx, args) => {
  if (ctx.build.result === 'FAILURE' && !argBool(args, 'enabledForFailure', false)) {
    ctx.log(`Skipping execution of recorder since overall result is '${ctx.build.result}'`);
    return null;
  }
  const tools = [...asList(args.values['tools']), ...asList(args.values['tool'])];
  if (tools.length === 0) throw new StepFailure("recordIssues: no tools given; write recordIssues(tools: [java(), checkStyle(pattern: '**/checkstyle-result.xml')])");
  gatesOf('recordIssues', args); // a wrong gate fails before anything is scanned, as Jenkins' binding would
  const filters = asList(args.values['filters']);
  const encoding = argStr(args, 'sourceCodeEncoding');
  const scans: ScanResult[] = [];
  for (const t of tools) scans.push(await scanTool(ctx, 'recordIssues', t, encoding));
  const results: Value[] = [];
  if (argBool(args, 'aggregatingResults', false)) {
    const all = aggregate(scans, argStr(args, 'id') ?? 'analysis', argStr(args, 'name') ?? 'Static Analysis');
    await applyFilters(ctx, 'recordIssues', all, filters);
    results.push(await publish(ctx, 'recordIssues', all, args));
  } else {
    for (const s of scans) {
      if (scans.length === 1) {
        s.id = argStr(args, 'id') ?? s.id;
        s.name = argStr(args, 'name') ?? s.name;
      }
      await applyFilters(ctx, 'recordIssues', s, filters);
      results.push(await publish(ctx, 'recordIssues', s, args));
    }
  }
  return results;
};

const scanForIssues: StepRun = async (ctx, args) => {
  const tool = args.values['tool'];
  if (tool === undefined || tool === null) throw new StepFailure('scanForIssues: missing required parameter "tool" (scanForIssues tool: checkStyle())');
  const s = await scanTool(ctx, 'scanForIssues', tool, argStr(args, 'sourceCodeEncoding'));
  await applyFilters(ctx, 'scanForIssues', s, asList(args.values['filters']));
  const scans = ctx.build.scope.state(SCOPE_SCANS, () => new Map<string, ScanResult>());
  const token = `scan-${scans.size + 1}`;
  scans.set(token, s);
  return new Map<string, Value>([['$issues', token], ['id', s.id], ['name', s.name], ['size', s.issues.length]]);
};

const publishIssues: StepRun = async (ctx, args) => {
  gatesOf('publishIssues', args);
  const scans = ctx.build.scope.state(SCOPE_SCANS, () => new Map<string, ScanResult>());
  const parts = asList(args.values['issues']).map((v, i) => {
    const token = isMap(v) ? v.get('$issues') : undefined;
    const s = typeof token === 'string' ? scans.get(token) : undefined;
    if (!s) throw new StepFailure(`publishIssues: issues[${i}] is not a result of scanForIssues in this build`);
    return s;
  });
  if (parts.length === 0) throw new StepFailure('publishIssues: no issues given; write publishIssues issues: [scanForIssues(tool: java())]');
  const r = parts.length === 1 && !argStr(args, 'id')
    ? { ...parts[0]!, issues: [...parts[0]!.issues] }
    : aggregate(parts, argStr(args, 'id') ?? 'analysis', argStr(args, 'name') ?? 'Static Analysis');
  if (parts.length === 1 && argStr(args, 'name')) r.name = argStr(args, 'name')!;
  return publish(ctx, 'publishIssues', r, args);
};

const discoverGitReferenceBuild: StepRun = async (ctx, args) => {
  const job = argStr(args, 'referenceJob') ?? null;
  // What publishing reads afterwards in this build (Jenkins' ReferenceBuild action).
  referenceSlot(ctx).job = job;
  const svc = ctx.build.services.issues;
  const target = job ?? ctx.build.jobName;
  if (!svc) {
    ctx.log('[ReferenceFinder] No reference builds can be looked up here');
    return null;
  }
  const found = (await svc.history('', job, 1))[0];
  if (found) ctx.log(`[ReferenceFinder] Found reference build '${found.job} #${found.number}' for target branch`);
  else ctx.log(`[ReferenceFinder] No reference build found in '${target}'`);
  return null;
};

const runtime: PluginRuntime = {
  steps: { recordIssues, scanForIssues, publishIssues, discoverGitReferenceBuild },
};
export default runtime;
