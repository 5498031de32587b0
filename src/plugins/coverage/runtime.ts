// What the coverage plugin's steps do (declared in index.ts):
//
//   recordCoverage  coverage-plugin's CoverageRecorder: for each tool, the report files matching
//                   its pattern (default: the parser's) under the current directory, parsed and
//                   summed; quality gates (metric, threshold %, criticality) on the project's
//                   totals setting the build's (and stage's) result (a software metric's gate,
//                   COMPLEXITY, COMPLEXITY_DENSITY, COMPLEXITY_MAXIMUM, LOC, is missed above its
//                   threshold; a metric the reports lack leaves its gate inactive, saying so);
//                   console lines prefixed "[Coverage] "
//   jacoco          the JaCoCo plugin: the XML report instead of .exec files (said on the
//                   console); minimum*/maximum* coverages with changeBuildStatus: below a minimum
//                   FAILURE, below a maximum UNSTABLE, as JacocoPublisher's checkResult
//   cobertura       the Cobertura plugin: targets 'healthy, unhealthy, unstable'; below unstable
//                   UNSTABLE (FAILURE with failUnstable), below unhealthy FAILURE with failUnhealthy;
//                   also step([$class: 'CoberturaPublisher', ...]), the same publisher class
//   publishCoverage the Code Coverage API plugin's CoveragePublisher: coberturaAdapter,
//                   istanbulCoberturaAdapter (Cobertura parser) and jacocoAdapter (JaCoCo); each
//                   adapter's thresholds, then the global ones on other targets, applied to each
//                   report (or the adapter's reports merged, mergeToOneReport) as
//                   CoverageProcessor.processThresholds: below unstableThreshold UNSTABLE (FAILURE
//                   with failUnstable), below unhealthyThreshold FAILURE with failUnhealthy (the
//                   publisher's or the threshold's); no report: FAILURE only with failNoReports
//                   applyThresholdRecursively: also to each package and file of a report
//                   (childElements: a package sums its files'; no classes or methods)
//
// Report files are reached through the Workspace only (agents and containers too), patterns
// leaving the workspace are refused, and a file over MAX_REPORT_BYTES is skipped with an error.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { COVERAGE_BASELINES, COVERAGE_METRICS, type CoverageBaseline, type CoverageGateOutcome, type CoverageMetric, type CoverageRecord } from '../../core/buildtools.ts';
import { BASELINE_NAMES, MODIFIED, MODIFIED_LINES_METRICS, NOT_READ, SMALLER_IS_BETTER, baselineValue, changedLines, headCommit, type BaselineData, type GateMetric } from './baselines.ts';
import { CoverageReportError, MAX_REPORT_BYTES, PARSERS, emptyTotals, percent, type Counter, type CoverageTotals } from './parsers.ts';
import { checkReportPattern } from '../../pipeline/steps/report-patterns.ts';

const METRIC_NAMES: Readonly<Record<CoverageMetric, string>> = {
  MODULE: 'Module Coverage', PACKAGE: 'Package Coverage', FILE: 'File Coverage', CLASS: 'Class Coverage', METHOD: 'Method Coverage',
  LINE: 'Line Coverage', BRANCH: 'Branch Coverage', INSTRUCTION: 'Instruction Coverage', COMPLEXITY: 'Complexity',
  MUTATION: 'Mutation Coverage', TEST_STRENGTH: 'Test Strength',
};
const CRITICALITIES = ['NOTE', 'UNSTABLE', 'ERROR', 'FAILURE'] as const;
type Criticality = (typeof CRITICALITIES)[number];

interface Gate { metric: GateMetric; baseline: CoverageBaseline; threshold: number; criticality: Criticality }

/** A gate's metric by its name in coverage-model's Metric enum (Metric.fromName: case, '-' and '_' ignored; COMPLEXITY for CYCLOMATIC_COMPLEXITY and the like). */
const GATE_METRICS: readonly GateMetric[] = [...COVERAGE_METRICS, 'COMPLEXITY_DENSITY', 'COMPLEXITY_MAXIMUM', 'LOC', ...NOT_READ];
function gateMetric(name: string): GateMetric | null {
  const norm = (x: string) => x.toUpperCase().replace(/[-_]/g, '');
  const n = norm(name).replace(/^CYCLOMATIC(?=COMPLEXITY)/, '');
  return GATE_METRICS.find((m) => norm(m) === n) ?? null;
}

const GATE_NAMES: Readonly<Record<string, string>> = {
  COMPLEXITY: 'Cyclomatic Complexity', COMPLEXITY_DENSITY: 'Complexity Density', COMPLEXITY_MAXIMUM: 'Maximum Cyclomatic Complexity', LOC: 'Lines of Code',
  MUTATION: 'Mutation Coverage', TEST_STRENGTH: 'Test Strength', MCDC_PAIR: 'Modified Condition and Decision Coverage', FUNCTION_CALL: 'Function Call Coverage',
  TESTS: 'Number of Tests', NCSS: 'Non Commenting Source Statements', COGNITIVE_COMPLEXITY: 'Cognitive Complexity', NPATH_COMPLEXITY: 'N-Path Complexity',
};
const gateName = (m: GateMetric): string => GATE_NAMES[m] ?? METRIC_NAMES[m as CoverageMetric];

/** A gate's value as the plugin's ElementFormatter shows it: a percentage, an integer, a density; a delta with its sign. */
function shownValue(m: GateMetric, v: number, delta: boolean): string {
  const sign = delta && v >= 0 ? '+' : '';
  if (!SMALLER_IS_BETTER.has(m)) return `${sign}${v.toFixed(2)}%`;
  return `${sign}${m === 'COMPLEXITY_DENSITY' ? v.toFixed(2) : String(Math.round(v))}`;
}

function asList(v: Value | undefined): Value[] {
  if (v === undefined || v === null) return [];
  return isList(v) ? v : [v];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function pct(x: number): string {
  return `${x.toFixed(2)}%`;
}

/** A pattern must stay in the workspace: no absolute part, no '..'. */

/** Reads every report matching `pattern` with `parser` into `totals`; problems go to `err`. */
async function scan(ctx: StepContext, step: string, parser: string, pattern: string, totals: CoverageTotals, reports: string[],
  say: (l: string) => void, err: (l: string) => void, each?: (rel: string, own: CoverageTotals) => void): Promise<number> {
  checkReportPattern(step, pattern, 'report patterns are Ant patterns', '**/jacoco.xml');
  const p = PARSERS[parser]!;
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  say(`Searching for all files in '${base}' that match the pattern '${pattern}'`);
  let files: string[];
  try {
    files = (await ws.glob(base, pattern)).filter((f) => relPathProblem(f) === null);
  } catch (e) {
    throw new StepFailure(`${step}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (files.length === 0) {
    err(`No files found for pattern '${pattern}'. Configuration error?`);
    return 0;
  }
  say(`-> found ${plural(files.length, 'file')}`);
  let parsed = 0;
  for (const rel of files.sort()) {
    const abs = path.join(base, rel);
    try {
      const st = await ws.stat(abs);
      if (st && st.size > MAX_REPORT_BYTES) { err(`Skipping file '${rel}' because it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB (${st.size} bytes)`); continue; }
      const bytes = await ws.readFile(abs);
      if (bytes.length > MAX_REPORT_BYTES) { err(`Skipping file '${rel}' because it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`); continue; }
      if (bytes.length === 0) { err(`Skipping file '${rel}' because it's empty`); continue; }
      p.parse(bytes.toString('utf8'), rel, totals);
      if (each) { const own = emptyTotals(); p.parse(bytes.toString('utf8'), rel, own); each(rel, own); }
      say(`Successfully parsed file '${abs}'`);
      reports.push(path.relative(ws.root, abs));
      parsed++;
    } catch (e) {
      if (e instanceof WorkspaceError) { err(`Skipping file '${rel}': ${e.message}`); continue; }
      if (e instanceof CoverageReportError) { err(`Parsing of file '${abs}' failed due to an exception: ${e.message}`); continue; }
      throw e;
    }
  }
  return parsed;
}

function metricsOf(t: CoverageTotals): CoverageRecord['metrics'] {
  return COVERAGE_METRICS.filter((m) => t.metrics.has(m)).map((m) => ({ metric: m, ...t.metrics.get(m)! }));
}

function filesOf(t: CoverageTotals): CoverageRecord['files'] {
  return [...t.files].map(([p, c]) => ({ path: p, ...c }))
    .sort((a, b) => percent(a) - percent(b) || a.path.localeCompare(b.path)).slice(0, 1000);
}

function gatesOf(step: string, v: Value | undefined): Gate[] {
  return asList(v).map((g, i) => {
    if (!isMap(g)) throw new StepFailure(`${step}: qualityGates[${i}] must be a map like [metric: 'LINE', threshold: 80.0, criticality: 'UNSTABLE']`);
    const metric = gateMetric(String(g.get('metric') ?? 'LINE'));
    if (metric === null) {
      throw new StepFailure(`${step}: qualityGates[${i}]: No metric found for name: ${String(g.get('metric'))} (the Coverage plugin's metrics: ${GATE_METRICS.join(', ')})`);
    }
    const baseline = String(g.get('baseline') ?? 'PROJECT').toUpperCase();
    if (!(COVERAGE_BASELINES as readonly string[]).includes(baseline)) {
      throw new StepFailure(`${step}: qualityGates[${i}]: baseline '${baseline}' is not one Kiln computes (${COVERAGE_BASELINES.join(', ')}; INDIRECT needs the reference build's line coverage, which Kiln does not keep)`);
    }
    const delta = baseline.endsWith('_DELTA');
    const threshold = Number(g.get('threshold') ?? 0);
    if (SMALLER_IS_BETTER.has(metric)) {
      if (!Number.isFinite(threshold) || (!delta && threshold < 0)) throw new StepFailure(`${step}: qualityGates[${i}]: threshold must be ${delta ? 'a number' : 'a number from 0'} (the largest ${metric} that passes), got '${String(g.get('threshold'))}'`);
    } else if (!Number.isFinite(threshold) || threshold < (delta ? -100 : 0) || threshold > 100) throw new StepFailure(`${step}: qualityGates[${i}]: threshold must be ${delta ? 'a difference in percentage points from -100' : 'a percentage from 0'} to 100, got '${String(g.get('threshold'))}'`);
    let criticality: Criticality;
    const c = g.get('criticality');
    if (c !== undefined && c !== null) {
      const up = String(c).toUpperCase();
      if (!(CRITICALITIES as readonly string[]).includes(up)) throw new StepFailure(`${step}: qualityGates[${i}]: criticality '${String(c)}' is not one of ${CRITICALITIES.join(', ')}`);
      criticality = up as Criticality;
    } else {
      const u = g.get('unstable');
      criticality = u === undefined || u === null || u === true || u === 'true' ? 'UNSTABLE' : 'FAILURE';
    }
    return { metric, baseline: baseline as CoverageBaseline, threshold, criticality };
  });
}

const STATUS_OF: Readonly<Record<Criticality, CoverageRecord['qualityGate']>> = { NOTE: 'NOTE', UNSTABLE: 'WARNING', ERROR: 'FAILED', FAILURE: 'FAILED' };
const RANK: Readonly<Record<CoverageRecord['qualityGate'], number>> = { INACTIVE: 0, PASSED: 1, NOTE: 2, WARNING: 3, FAILED: 4 };
const LABEL: Readonly<Record<Criticality, string>> = { NOTE: 'Note', UNSTABLE: 'Unstable', ERROR: 'Error', FAILURE: 'Failed' };

/** plugin-util-api's QualityGateEvaluator, with coverage-plugin's wording. */
function evaluate(gates: Gate[], d: BaselineData, say: (l: string) => void): { status: CoverageRecord['qualityGate']; outcomes: CoverageGateOutcome[]; result: 'UNSTABLE' | 'FAILURE' | null } {
  if (gates.length === 0) {
    say('No quality gates have been set - skipping');
    return { status: 'INACTIVE', outcomes: [], result: null };
  }
  say('Evaluating quality gates');
  let status: CoverageRecord['qualityGate'] = 'PASSED';
  let result: 'UNSTABLE' | 'FAILURE' | null = null;
  const outcomes: CoverageGateOutcome[] = [];
  const details: string[] = [];
  for (const g of gates) {
    const value = baselineValue(g.baseline, g.metric, d);
    const actual = value ?? 0;
    // a value that cannot be computed (a metric the reports lack, no reference) leaves the gate inactive ("n/a"), as the plugin's evaluator does
    const inactive = value === null;
    // Value.isOutOfValidRange: a coverage below its threshold, a software metric above it
    const missed = !inactive && (SMALLER_IS_BETTER.has(g.metric) ? actual > g.threshold : actual < g.threshold);
    const name = `${BASELINE_NAMES[g.baseline]} - ${gateName(g.metric)}`;
    outcomes.push({ metric: g.metric, baseline: g.baseline, name, threshold: g.threshold, actual, criticality: g.criticality, missed, ...(inactive ? { inactive } : {}) });
    const shown = value === null ? 'n/a' : shownValue(g.metric, actual, g.baseline.endsWith('_DELTA'));
    details.push(`   - [${name}]: ≪${inactive ? 'Inactive' : missed ? LABEL[g.criticality] : 'Success'}≫ - (Actual value: ${shown}, Quality gate: ${g.threshold.toFixed(2)})`);
    if (!missed) continue;
    const st = STATUS_OF[g.criticality];
    if (RANK[st] > RANK[status]) status = st;
    if (g.criticality === 'UNSTABLE' && result === null) result = 'UNSTABLE';
    if (g.criticality === 'FAILURE' || g.criticality === 'ERROR') result = 'FAILURE';
  }
  if (status === 'PASSED' || status === 'NOTE') say('-> All quality gates have been passed');
  else say(`-> Some quality gates have been missed: overall result is ${result ?? 'SUCCESS'}`);
  say('-> Details for each quality gate:');
  for (const d of details) say(d);
  return { status, outcomes, result };
}

function summary(t: CoverageTotals): string {
  return COVERAGE_METRICS.filter((m) => t.metrics.has(m) && m !== 'MODULE')
    .map((m) => `${METRIC_NAMES[m].replace(' Coverage', '')}: ${pct(percent(t.metrics.get(m)!))}`).join(', ');
}

async function keep(ctx: StepContext, step: string, r: CoverageRecord, say: (l: string) => void): Promise<void> {
  const ids = ctx.build.scope.state('coverage.ids', () => new Set<string>());
  if (ids.has(r.id)) throw new StepFailure(`${step}: ID ${r.id} is already used by another action of this build; give each result its own id (id: '...')`);
  ids.add(r.id);
  const svc = ctx.build.services.buildTools?.coverage;
  if (svc) await svc.record(r);
  else say('This host keeps no coverage results; the totals are only in this log');
}

function resultMap(r: CoverageRecord): Value {
  const m = new Map<string, Value>([['id', r.id], ['name', r.name], ['qualityGateStatus', r.qualityGate]]);
  for (const v of r.metrics) m.set(v.metric.toLowerCase(), Math.round(percent(v) * 100) / 100);
  return m;
}

// --- recordCoverage -----------------------------------------------------------------------------

const recordCoverage: StepRun = async (ctx, args) => {
  const step = 'recordCoverage';
  const say = (l: string) => ctx.log(`[Coverage] ${l}`);
  if (ctx.build.result === 'FAILURE' && !bool(args, 'enabledForFailure', false)) {
    say(`Skipping execution of coverage recorder since overall result is '${ctx.build.result}'`);
    return null;
  }
  const gates = gatesOf(step, args.values['qualityGates']);
  const tools = asList(args.values['tools']).map((t, i) => {
    if (!isMap(t)) throw new StepFailure(`${step}: tools[${i}] must be a map like [parser: 'JACOCO', pattern: '**/jacoco.xml']`);
    const parser = String(t.get('parser') ?? 'JACOCO').toUpperCase();
    if (!PARSERS[parser]) throw new StepFailure(`${step}: tools[${i}]: parser '${String(t.get('parser'))}' is not one Kiln reads (${Object.keys(PARSERS).join(', ')})`);
    const pattern = t.get('pattern');
    return { parser, pattern: pattern === undefined || pattern === null || pattern === '' ? PARSERS[parser]!.pattern : String(pattern) };
  });
  if (tools.length === 0) throw new StepFailure(`${step}: no tools given; write recordCoverage(tools: [[parser: 'JACOCO']])`);
  const errors: string[] = [];
  const ignore = bool(args, 'ignoreParsingErrors', false);
  const err = (l: string) => { if (!ignore) errors.push(l); say(`[-ERROR-] ${l}`); };
  const totals = emptyTotals();
  const reports: string[] = [];
  for (const t of tools) {
    say(`Using parser '${PARSERS[t.parser]!.name}'`);
    await scan(ctx, step, t.parser, t.pattern, totals, reports, say, err);
  }
  if (reports.length > 0) say(`-> ${summary(totals)}`);
  const id = str(args, 'id') || 'coverage';
  const commit = await headCommit(ctx);
  const data: BaselineData = { totals, reference: null, changed: null };
  if (gates.some((g) => g.baseline !== 'PROJECT')) {
    const svc = ctx.build.services.buildTools?.coverage;
    data.reference = svc?.reference ? await svc.reference(id) : null;
    if (!data.reference) say('No reference build found: the gates on deltas and modified code are inactive');
    else {
      say(`Using reference build #${data.reference.build}${data.reference.record.commit ? ` (commit ${data.reference.record.commit.slice(0, 12)})` : ''}`);
      const refCommit = data.reference.record.commit;
      if (gates.some((g) => MODIFIED.has(g.baseline))) {
        data.changed = refCommit ? await changedLines(ctx, refCommit) : null;
        if (data.changed) say(`-> ${plural([...data.changed.values()].reduce((n, s) => n + s.size, 0), 'modified line')} in ${plural(data.changed.size, 'file')} since ${refCommit!.slice(0, 12)}`);
        else say(`Cannot compute the modified code: ${refCommit ? `git cannot compare with ${refCommit.slice(0, 12)} in this workspace` : 'the reference build recorded no commit'}`);
      }
    }
  }
  for (const g of gates) {
    if ((g.baseline === 'MODIFIED_LINES' || g.baseline === 'MODIFIED_LINES_DELTA') && !MODIFIED_LINES_METRICS.includes(g.metric)) {
      say(`The ${g.baseline} gate on ${g.metric} is inactive: modified lines have values of ${MODIFIED_LINES_METRICS.join(', ')} only`);
    } else if ((NOT_READ as readonly string[]).includes(g.metric) || (g.metric === 'COMPLEXITY_MAXIMUM' && totals.maxMethodComplexity === null)
      || (!SMALLER_IS_BETTER.has(g.metric) && !totals.metrics.has(g.metric as CoverageMetric))
      || ((g.metric === 'COMPLEXITY' || g.metric === 'COMPLEXITY_DENSITY') && !totals.metrics.has('COMPLEXITY'))) {
      say(`The gate on ${g.metric} is inactive: the reports (${[...new Set(tools.map((t) => PARSERS[t.parser]!.name))].join(', ')}) do not provide ${g.metric}`);
    } else if (g.metric === 'COMPLEXITY_MAXIMUM' && g.baseline !== 'PROJECT') {
      say(`The ${g.baseline} gate on COMPLEXITY_MAXIMUM is inactive: Kiln computes the maximum complexity of the project only`);
    }
  }
  const verdict = evaluate(gates, data, say);
  if (verdict.result) ctx.build.setResult(verdict.result, verdict.result);
  if (bool(args, 'failOnError', false) && errors.length > 0) {
    say('Failing build because analysis result contains errors');
    ctx.build.setResult('FAILURE', 'FAILURE');
  }
  const r: CoverageRecord = {
    id, name: str(args, 'name') || 'Code Coverage', parsers: [...new Set(tools.map((t) => t.parser))], reports,
    metrics: metricsOf(totals), files: filesOf(totals), qualityGate: verdict.status, gates: verdict.outcomes, errors,
    ...(commit ? { commit } : {}),
    ...(data.reference ? { reference: { build: data.reference.build, commit: data.reference.record.commit ?? null } } : {}),
  };
  await keep(ctx, step, r, say);
  return resultMap(r);
};

// --- jacoco -------------------------------------------------------------------------------------

const JACOCO_METRICS: readonly [string, CoverageMetric][] = [['Instruction', 'INSTRUCTION'], ['Branch', 'BRANCH'], ['Complexity', 'COMPLEXITY'], ['Line', 'LINE'], ['Method', 'METHOD'], ['Class', 'CLASS']];

function threshold(step: string, args: StepArgs, name: string): number {
  const v = str(args, name);
  if (v === undefined || v.trim() === '') return 0;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new StepFailure(`${step}: ${name} must be a percentage from 0 to 100, got '${v}'`);
  return n;
}

const jacoco: StepRun = async (ctx, args) => {
  const step = 'jacoco';
  const say = (l: string) => ctx.log(`[JaCoCo plugin] ${l}`);
  const limits = JACOCO_METRICS.map(([n, m]) => ({ n, m, min: threshold(step, args, `minimum${n}Coverage`), max: threshold(step, args, `maximum${n}Coverage`) }));
  if (ctx.build.result === 'FAILURE' || ctx.build.result === 'ABORTED') {
    if (!bool(args, 'runAlways', false)) {
      say(`Skipping JaCoCo coverage report as build was not ${ctx.build.result === 'FAILURE' ? 'SUCCESS or UNSTABLE' : 'successful'}.`);
      return null;
    }
  }
  say('Collecting JaCoCo coverage data...');
  const pattern = str(args, 'xmlReportPattern') || '**/jacoco.xml, **/jacocoTestReport.xml';
  say(`Kiln reads JaCoCo's XML report ('${pattern}'), not the execution data ('${str(args, 'execPattern') || '**/**.exec'}'): run jacoco:report or jacocoTestReport before this step`);
  const errors: string[] = [];
  const totals = emptyTotals();
  const reports: string[] = [];
  await scan(ctx, step, 'JACOCO', pattern, totals, reports, say, (l) => { errors.push(l); say(l); });
  if (reports.length === 0) {
    say('No JaCoCo XML report found; no coverage recorded');
    return null;
  }
  const p = (m: CoverageMetric) => percent(totals.metrics.get(m) ?? { covered: 0, missed: 0 });
  say(`Overall coverage: class: ${p('CLASS').toFixed(2)}, method: ${p('METHOD').toFixed(2)}, line: ${p('LINE').toFixed(2)}, branch: ${p('BRANCH').toFixed(2)}, instruction: ${p('INSTRUCTION').toFixed(2)}, complexity: ${p('COMPLEXITY').toFixed(2)}`);
  const outcomes: CoverageGateOutcome[] = [];
  let result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS';
  for (const l of limits) {
    if (!totals.metrics.has(l.m)) continue;
    const actual = p(l.m);
    if (l.min > 0) outcomes.push({ metric: l.m, name: `minimum ${l.n.toLowerCase()} coverage`, threshold: l.min, actual, criticality: 'FAILURE', missed: actual < l.min });
    if (l.max > 0) outcomes.push({ metric: l.m, name: `maximum ${l.n.toLowerCase()} coverage`, threshold: l.max, actual, criticality: 'UNSTABLE', missed: actual < l.max });
    if (actual < l.min) result = 'FAILURE';
    else if (actual < l.max && result === 'SUCCESS') result = 'UNSTABLE';
  }
  let status: CoverageRecord['qualityGate'] = outcomes.length === 0 ? 'INACTIVE' : result === 'FAILURE' ? 'FAILED' : result === 'UNSTABLE' ? 'WARNING' : 'PASSED';
  if (bool(args, 'changeBuildStatus', false)) {
    say(`Health thresholds: ${limits.filter((l) => l.min > 0 || l.max > 0).map((l) => `${l.n.toLowerCase()} ${l.min}-${l.max}`).join(', ') || 'none'}`);
    if (result !== 'SUCCESS') {
      say(`Build status is changed to ${result}`);
      ctx.build.setResult(result, result);
    }
  } else if (result !== 'SUCCESS') {
    status = 'NOTE';
    say(`Coverage is below the thresholds; the build status is not changed (changeBuildStatus is false)`);
  }
  const r: CoverageRecord = { id: 'jacoco', name: 'JaCoCo Coverage', parsers: ['JACOCO'], reports, metrics: metricsOf(totals), files: filesOf(totals), qualityGate: status, gates: outcomes, errors };
  await keep(ctx, step, r, say);
  return resultMap(r);
};

// --- cobertura ----------------------------------------------------------------------------------

const COBERTURA_TARGETS: readonly [string, CoverageMetric, string][] = [
  ['lineCoverageTargets', 'LINE', 'Lines'], ['conditionalCoverageTargets', 'BRANCH', 'Conditionals'], ['methodCoverageTargets', 'METHOD', 'Methods'],
  ['classCoverageTargets', 'CLASS', 'Classes'], ['fileCoverageTargets', 'FILE', 'Files'], ['packageCoverageTargets', 'PACKAGE', 'Packages'],
];

/** 'healthy, unhealthy, unstable' → the three numbers (missing ones 0). */
function targets(step: string, name: string, v: string | undefined): [number, number, number] {
  if (v === undefined || v.trim() === '') return [0, 0, 0];
  const parts = v.split(',').map((x) => x.trim());
  const nums = parts.map((x) => (x === '' ? 0 : Number(x)));
  if (parts.length > 3 || nums.some((x) => !Number.isFinite(x) || x < 0 || x > 100)) {
    throw new StepFailure(`${step}: ${name} must be 'healthy, unhealthy, unstable' percentages (e.g. '80, 0, 70'), got '${v}'`);
  }
  return [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0];
}

const cobertura: StepRun = async (ctx, args) => {
  const step = 'cobertura';
  const say = (l: string) => ctx.log(`[Cobertura] ${l}`);
  const limits = COBERTURA_TARGETS.map(([param, m, label]) => ({ m, label, t: targets(step, param, str(args, param)) }));
  if (bool(args, 'onlyStable', false) && ctx.build.result !== 'SUCCESS') {
    say('Skipping Cobertura coverage report as build was not SUCCESS.');
    return null;
  }
  if (ctx.build.result === 'FAILURE' || ctx.build.result === 'ABORTED') {
    say(`Skipping Cobertura coverage report as build was not ${ctx.build.result === 'FAILURE' ? 'UNSTABLE or better' : 'complete'}.`);
    return null;
  }
  say('Publishing Cobertura coverage report...');
  const pattern = str(args, 'coberturaReportFile') || '**/coverage.xml';
  const errors: string[] = [];
  const totals = emptyTotals();
  const reports: string[] = [];
  await scan(ctx, step, 'COBERTURA', pattern, totals, reports, say, (l) => { errors.push(l); say(l); });
  if (reports.length === 0) {
    say('No coverage results were found using the pattern \'' + pattern + '\' relative to \'' + (ctx.cwd ?? ctx.workspace().root) + '\'.  Did you enter a pattern relative to the correct directory?  Did you generate the XML report(s) for Cobertura?');
    if (bool(args, 'failNoReports', true)) {
      ctx.build.setResult('FAILURE', 'FAILURE');
      say('No coverage results were successfully parsed.  Did you generate the XML report(s) for Cobertura?');
    }
    return null;
  }
  say('Cobertura coverage report found.');
  say(`-> ${summary(totals)}`);
  const failUnhealthy = bool(args, 'failUnhealthy', false);
  const failUnstable = bool(args, 'failUnstable', false);
  const outcomes: CoverageGateOutcome[] = [];
  let result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS';
  for (const l of limits) {
    const c = totals.metrics.get(l.m);
    if (!c) continue;
    const actual = percent(c);
    const [, unhealthy, unstable] = l.t;
    if (unstable > 0) {
      const missed = actual < unstable;
      outcomes.push({ metric: l.m, name: `${l.label} unstable target`, threshold: unstable, actual, criticality: failUnstable ? 'FAILURE' : 'UNSTABLE', missed });
      if (missed) {
        say(`Code coverage enforcement failed for the following metrics:\n    ${l.label}'s stability is ${actual.toFixed(2)} and set mininum stability is ${unstable.toFixed(2)}.`);
        if (failUnstable) result = 'FAILURE';
        else if (result === 'SUCCESS') result = 'UNSTABLE';
      }
    }
    if (failUnhealthy && unhealthy > 0) {
      const missed = actual < unhealthy;
      outcomes.push({ metric: l.m, name: `${l.label} unhealthy target`, threshold: unhealthy, actual, criticality: 'FAILURE', missed });
      if (missed) {
        say(`Unhealthy for the following metrics:\n    ${l.label}'s health is ${actual.toFixed(2)} and set minimum health is ${unhealthy.toFixed(2)}.`);
        result = 'FAILURE';
      }
    }
  }
  if (result !== 'SUCCESS') {
    say(`Setting Build to ${result}.`);
    ctx.build.setResult(result, result);
  }
  const status: CoverageRecord['qualityGate'] = outcomes.length === 0 ? 'INACTIVE' : result === 'FAILURE' ? 'FAILED' : result === 'UNSTABLE' ? 'WARNING' : 'PASSED';
  const r: CoverageRecord = { id: 'cobertura', name: 'Cobertura Coverage', parsers: ['COBERTURA'], reports, metrics: metricsOf(totals), files: filesOf(totals), qualityGate: status, gates: outcomes, errors };
  await keep(ctx, step, r, say);
  return resultMap(r);
};

// --- publishCoverage (Code Coverage API) ---------------------------------------------------------

/** The adapters Kiln reads: symbol (or $class) → parser. */
const ADAPTERS: Readonly<Record<string, string>> = {
  coberturaAdapter: 'COBERTURA', CoberturaReportAdapter: 'COBERTURA',
  istanbulCoberturaAdapter: 'COBERTURA', IstanbulCoberturaReportAdapter: 'COBERTURA',
  jacocoAdapter: 'JACOCO', JacocoReportAdapter: 'JACOCO',
};
/** A threshold's target (CoverageElement's name) → the metric; the others (Report, Group, Directory...) have no value of Kiln's. */
const API_TARGETS: Readonly<Record<string, CoverageMetric>> = {
  Line: 'LINE', Conditional: 'BRANCH', Method: 'METHOD', Class: 'CLASS', File: 'FILE', Package: 'PACKAGE', Instruction: 'INSTRUCTION',
};
const API_ELEMENTS = ['Aggregated Report', 'Report', 'Group', 'Package', 'Directory', 'File', 'Class', 'Method', 'Line', 'Conditional', 'Instruction'];

interface ApiThreshold { target: string; unstable: number; unhealthy: number; failUnhealthy: boolean }

function apiThresholds(step: string, where: string, v: Value | undefined): ApiThreshold[] {
  return asList(v).map((t, i) => {
    if (!isMap(t)) throw new StepFailure(`${step}: ${where}[${i}] must be a map like [thresholdTarget: 'Line', unstableThreshold: 80.0]`);
    const target = String(t.get('thresholdTarget') ?? '');
    if (!API_ELEMENTS.includes(target)) throw new StepFailure(`${step}: ${where}[${i}]: thresholdTarget '${target}' is none of ${API_ELEMENTS.join(', ')}`);
    const number = (k: string): number => {
      const x = t.get(k);
      if (x === undefined || x === null || x === '') return 0;
      const n = Number(x);
      if (!Number.isFinite(n) || n < 0 || n > 100) throw new StepFailure(`${step}: ${where}[${i}]: ${k} must be a percentage from 0 to 100, got '${String(x)}'`);
      return n;
    };
    return { target, unstable: number('unstableThreshold'), unhealthy: number('unhealthyThreshold'), failUnhealthy: t.get('failUnhealthy') === true };
  });
}

/** The packages and files of a report, each with its counters (a package sums its files'), for applyThresholdRecursively. */
function childElements(t: CoverageTotals): { level: string; name: string; metrics: Map<CoverageMetric, Counter> }[] {
  const packages = new Map<string, Map<CoverageMetric, Counter>>();
  const files: { level: string; name: string; metrics: Map<CoverageMetric, Counter> }[] = [];
  for (const [file, metrics] of [...t.fileMetrics].sort(([a], [b]) => a.localeCompare(b))) {
    const pkg = t.packages.get(file) ?? '';
    const sum = packages.get(pkg) ?? new Map<CoverageMetric, Counter>();
    for (const [m, v] of metrics) {
      const old = sum.get(m) ?? { covered: 0, missed: 0 };
      sum.set(m, { ...old, covered: old.covered + v.covered, missed: old.missed + v.missed });
    }
    packages.set(pkg, sum);
    files.push({ level: 'File', name: file, metrics });
  }
  return [...[...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, metrics]) => ({ level: 'Package', name: name || '(default)', metrics })), ...files];
}

const publishCoverage: StepRun = async (ctx, args) => {
  const step = 'publishCoverage';
  const log = (l: string) => ctx.log(l);
  const globals = apiThresholds(step, 'globalThresholds', args.values['globalThresholds']);
  const adapters = asList(args.values['adapters']).map((a, i) => {
    const name = isMap(a) ? String(a.get('$symbol') ?? a.get('$class') ?? '') : '';
    const simple = name.slice(name.lastIndexOf('.') + 1);
    const parser = Object.hasOwn(ADAPTERS, simple) ? ADAPTERS[simple]! : undefined;
    if (!isMap(a) || !parser) {
      throw new StepFailure(`${step}: adapters[${i}]${name ? ` (${name})` : ''} is not an adapter Kiln reads: coberturaAdapter(path), istanbulCoberturaAdapter(path) or jacocoAdapter(path)`);
    }
    const p = a.get('path');
    if (typeof p !== 'string' || p.trim() === '') throw new StepFailure(`${step}: adapters[${i}] (${name}) has no path: write ${name}('**/coverage.xml')`);
    const own = apiThresholds(step, `adapters[${i}].thresholds`, a.get('thresholds'));
    // the adapter's own thresholds come first; a global one on the same target only when the adapter has none
    const thresholds = [...own, ...globals.filter((g) => !own.some((o) => o.target === g.target))];
    return { name: simple, parser, path: p, thresholds, merge: a.get('mergeToOneReport') === true };
  });
  if (adapters.length === 0) throw new StepFailure(`${step}: no adapters given; write publishCoverage(adapters: [coberturaAdapter('coverage.xml')])`);
  log('Publishing Coverage report....');
  const say = (l: string) => ctx.log(`[Coverage] ${l}`);
  const errors: string[] = [];
  const totals = emptyTotals();
  const reports: string[] = [];
  /** What the thresholds are applied to: each report (the plugin's Report level), or an adapter's reports merged into one. */
  const checked: { adapter: (typeof adapters)[number]; name: string; totals: CoverageTotals }[] = [];
  for (const ad of adapters) {
    const mine: { name: string; totals: CoverageTotals }[] = [];
    await scan(ctx, step, ad.parser, ad.path, totals, reports, say, (l) => { errors.push(l); say(l); },
      (rel, own) => mine.push({ name: path.basename(rel), totals: own }));
    if (ad.merge && mine.length > 1) {
      const merged = emptyTotals();
      await scan(ctx, step, ad.parser, ad.path, merged, [], () => {}, () => {});
      checked.push({ adapter: ad, name: `${ad.name}: ${ad.path}`, totals: merged });
    } else checked.push(...mine.map((m) => ({ adapter: ad, ...m })));
  }
  if (checked.length === 0) {
    log('No reports were found');
    if (bool(args, 'failNoReports', false)) {
      log('Publish Coverage Failed : No Reports were found');
      ctx.build.setResult('FAILURE', 'FAILURE');
    }
    return null;
  }
  log(`A total of ${checked.length} reports were found`);
  say(`-> ${summary(totals)}`);
  const outcomes: CoverageGateOutcome[] = [];
  const unstable = new Set<string>();
  const unhealthy = new Map<string, boolean>();
  const recursive = bool(args, 'applyThresholdRecursively', false);
  for (const c of checked) {
    // The plugin applies them to each report, and with applyThresholdRecursively to every element
    // below it too: Kiln has the packages and the files (not classes and methods) of each report.
    const elements: { level: string; name: string; metrics: Map<CoverageMetric, Counter> }[] = [{ level: 'Report', name: c.name, metrics: c.totals.metrics }];
    if (recursive) elements.push(...childElements(c.totals));
    for (const { level, name, metrics } of elements) for (const t of c.adapter.thresholds) {
      const m = API_TARGETS[t.target];
      const v = m ? metrics.get(m) : undefined;
      if (!m || !v || v.covered + v.missed === 0) continue;
      const actual = percent(v);
      const top = level === 'Report';
      const where = top ? c.name : `${level} ${name} in ${c.name}`;
      if (t.unstable > 0 && (top || actual < t.unstable)) outcomes.push({ metric: m, name: `${t.target} stable threshold (${where})`, threshold: t.unstable, actual, criticality: 'UNSTABLE', missed: actual < t.unstable });
      if (t.unhealthy > 0 && (top || (actual >= t.unstable && actual < t.unhealthy))) outcomes.push({ metric: m, name: `${t.target} healthy threshold (${where})`, threshold: t.unhealthy, actual, criticality: 'FAILURE', missed: actual >= t.unstable && actual < t.unhealthy });
      if (actual < t.unstable) {
        log(`Code coverage enforcement failed: ${t.target} coverage in ${level} level '${name}' is lower than ${t.unstable.toFixed(2)} stable threshold`);
        unstable.add(t.target);
      } else if (actual < t.unhealthy) {
        log(`Code coverage enforcement failed: ${t.target} coverage in ${level} level '${name}' is lower than ${t.unhealthy.toFixed(2)} healthy threshold`);
        unhealthy.set(t.target, (unhealthy.get(t.target) ?? false) || t.failUnhealthy);
      }
    }
  }
  let result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS';
  if (unstable.size > 0) {
    if (bool(args, 'failUnstable', false)) {
      log(`Build failed because following metrics did not meet stability target: [${[...unstable].join(', ')}].`);
      result = 'FAILURE';
    } else result = 'UNSTABLE';
  }
  if (result !== 'FAILURE' && unhealthy.size > 0) {
    const failing = bool(args, 'failUnhealthy', false) ? [...unhealthy.keys()] : [...unhealthy].filter(([, f]) => f).map(([t]) => t);
    if (failing.length > 0) {
      log(`Build failed because following metrics did not meet health target: [${failing.join(', ')}].`);
      result = 'FAILURE';
    }
  }
  if (result !== 'SUCCESS') ctx.build.setResult(result, result);
  const ids = ctx.build.scope.state('coverage.ids', () => new Set<string>());
  let id = 'coverage-api';
  for (let k = 2; ids.has(id); k++) id = `coverage-api-${k}`;
  const status: CoverageRecord['qualityGate'] = outcomes.length === 0 ? 'INACTIVE' : result === 'FAILURE' ? 'FAILED' : result === 'UNSTABLE' ? 'WARNING' : 'PASSED';
  const tag = str(args, 'tag');
  const r: CoverageRecord = {
    id, name: tag ? `Coverage Report (${tag})` : 'Coverage Report', parsers: [...new Set(adapters.map((a) => a.parser))], reports,
    metrics: metricsOf(totals), files: filesOf(totals), qualityGate: status, gates: outcomes, errors,
  };
  await keep(ctx, step, r, say);
  return resultMap(r);
};

const runtime: PluginRuntime = {
  steps: { recordCoverage, jacoco, JacocoPublisher: jacoco, cobertura, CoberturaPublisher: cobertura, publishCoverage },
};
export default runtime;
