// What perfReport / step([$class: 'PerformancePublisher']) do (declared in index.ts), as the
// Performance plugin's PerformancePublisher.perform in its standard evaluation mode:
//   - sourceDataFiles: globs separated by ';' (each may list patterns separated by , or :),
//     ${VAR}s expanded, relative to the current directory; patterns leaving the workspace refused
//   - each file's format detected from its content (parsers.ts); a file Kiln cannot read is
//     said on the console and left out ("Cannot detect file type because of error: ...")
//   - no file at all: FAILURE (failBuildIfNoResultFile, default true)
//   - absolute mode (default): per report, its error % over errorFailedThreshold gives FAILURE,
//     over errorUnstableThreshold UNSTABLE (strictly over, as the plugin compares), and an
//     average over its errorUnstableResponseTimeThreshold line ("file.jtl:2000") UNSTABLE
//   - relative mode (modeOfThreshold: true): each label's average (ART), median (MRT) or 90 %
//     line (PRT) against the same label of the previous successful build (compareBuildPrevious)
//     or of build nthBuildNumber, in %, against the four relative thresholds
// The console lines are the plugin's. The numbers of every report are kept through
// BuildServices.buildTools.performance (the controller: beside the build, served at
// .../builds/N/performance and shown on the build page with the previous build's; kiln run:
// performance.json); the report files themselves are not copied.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import type { PerformanceRecord, PerformanceReport } from '../../core/performance.ts';
import { MAX_REPORT_BYTES, PARSE, PerformanceReportError, Samples, detect, summarize, type ParserName } from './parsers.ts';
import { leavesWorkspace } from '../../pipeline/steps/report-patterns.ts';

/** Report files one call reads (each kept with up to MAX_PERFORMANCE_URIS labels). */
const MAX_FILES = 200;
type Result = 'SUCCESS' | 'UNSTABLE' | 'FAILURE';
const ORDER: Readonly<Record<string, number>> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };
const worse = (a: Result, b: Result): Result => (ORDER[b]! > ORDER[a]! ? b : a);

const str = (v: Value | undefined, d = ''): string => (v === undefined || v === null ? d : String(v));
function num(step: string, name: string, v: Value | undefined, d: number): number {
  if (v === undefined || v === null || v === '') return d;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n)) throw new StepFailure(`${step}: ${name} must be a number, not '${String(v).slice(0, 60)}'`);
  return n;
}
const bool = (v: Value | undefined, d: boolean): boolean => (v === undefined || v === null ? d : v === true || String(v) === 'true');

/** Java's Double.toString for the values the plugin prints (50.0, 33.33333333333333). */
export function javaDouble(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? whole);
}

function checkPattern(step: string, part: string): void {
  if (leavesWorkspace(part)) {
    throw new StepFailure(`${step}: the pattern '${part}' leaves the workspace; sourceDataFiles are Ant patterns relative to the workspace (e.g. '**/*.jtl')`);
  }
}

/** The old `parsers: [[$class: 'JMeterParser', glob: 'x.jtl']]` list, folded into sourceDataFiles as the plugin migrates it. */
function legacyGlobs(step: string, v: Value | undefined): string[] {
  if (v === undefined || v === null) return [];
  const items = isList(v) ? v : [v];
  return items.map((p, i) => {
    if (!isMap(p)) throw new StepFailure(`${step}: parsers[${i}] must be a map like [$class: 'JMeterParser', glob: 'results.jtl']`);
    const glob = p.get('glob');
    if (typeof glob !== 'string' || glob.trim() === '') throw new StepFailure(`${step}: parsers[${i}] has no glob`);
    return glob;
  });
}

interface Thresholds {
  errorFailed: number; errorUnstable: number; responseTime: Map<string, string>;
  relFailedPos: number; relFailedNeg: number; relUnstablePos: number; relUnstableNeg: number;
}

async function publish(ctx: StepContext, v: Record<string, Value>, step: string): Promise<Value> {
  if (bool(v.modeEvaluation, false)) throw new StepFailure(`${step}: modeEvaluation: true (the expert mode's constraints) is not supported by Kiln; use the standard mode's error and relative thresholds`);
  if (v.constraints !== undefined && v.constraints !== null && !(isList(v.constraints) && v.constraints.length === 0)) throw new StepFailure(`${step}: constraints (the expert mode) are not supported by Kiln; use the standard mode's error and relative thresholds`);
  const configType = str(v.configType, 'ART').toUpperCase();
  if (!['ART', 'MRT', 'PRT'].includes(configType)) throw new StepFailure(`${step}: configType '${configType}' is none of ART (average), MRT (median), PRT (90 percentile)`);
  const filterText = str(v.filterRegex).trim();
  let filter: RegExp | null = null;
  if (filterText) {
    if (filterText.length > 500) throw new StepFailure(`${step}: filterRegex is longer than 500 characters`);
    try { filter = new RegExp(`^(?:${filterText})$`, 'u'); } catch (e) { throw new StepFailure(`${step}: filterRegex '${filterText}' is not a regular expression: ${(e as Error).message}`); }
  }
  const t: Thresholds = {
    errorFailed: Math.trunc(num(step, 'errorFailedThreshold', v.errorFailedThreshold, -1)),
    errorUnstable: Math.trunc(num(step, 'errorUnstableThreshold', v.errorUnstableThreshold, -1)),
    responseTime: new Map(),
    relFailedPos: num(step, 'relativeFailedThresholdPositive', v.relativeFailedThresholdPositive, -1),
    relFailedNeg: num(step, 'relativeFailedThresholdNegative', v.relativeFailedThresholdNegative, -1),
    relUnstablePos: num(step, 'relativeUnstableThresholdPositive', v.relativeUnstableThresholdPositive, -1),
    relUnstableNeg: num(step, 'relativeUnstableThresholdNegative', v.relativeUnstableThresholdNegative, -1),
  };
  const excludeResponseTime = bool(v.excludeResponseTime, false);
  const failIfNone = bool(v.failBuildIfNoResultFile, true);
  const percentiles = str(v.percentiles, '0,50,90,100');

  const sources = [str(v.sourceDataFiles), str(v.filename), ...legacyGlobs(step, v.parsers)].filter((s) => s.trim() !== '').join(';');
  if (!sources) throw new StepFailure(`${step}: sourceDataFiles is required: the report files, e.g. perfReport 'results/*.jtl'`);
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const reports: PerformanceReport[] = [];
  let anyFile = false;
  let read = 0;
  for (const globRaw of sources.split(';').filter((g) => g.trim() !== '')) {
    ctx.log(`Creating parser with percentiles:'${percentiles},' filterRegex:${filterText || 'null'}`);
    const glob = expand(globRaw.trim(), ctx.env);
    const parts = glob.split(/\s*[;:,]+\s*/).filter(Boolean);
    for (const p of parts) checkPattern(step, p);
    const found = new Set<string>();
    for (const p of parts) {
      try {
        for (const f of await ws.glob(base, p)) if (relPathProblem(f) === null) found.add(f);
      } catch (e) {
        throw new StepFailure(`${step}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (found.size === 0) {
      if (failIfNone) ctx.build.setResult('FAILURE');
      ctx.log(`Performance: no files matching '${glob}' have been found. Has the report generated?. Setting Build to ${failIfNone ? 'FAILURE' : ctx.build.result}`);
      continue;
    }
    anyFile = true;
    const byParser = new Map<ParserName, { rel: string; text: string }[]>();
    for (const rel of [...found].sort()) {
      if (read >= MAX_FILES) { ctx.log(`Performance: more than ${MAX_FILES} report files: ${rel} and the rest are left out`); break; }
      read++;
      const abs = path.join(base, rel);
      try {
        const st = await ws.stat(abs);
        if (st && st.size > MAX_REPORT_BYTES) throw new PerformanceReportError(`it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB (${st.size} bytes)`);
        const bytes = await ws.readFile(abs);
        if (bytes.length > MAX_REPORT_BYTES) throw new PerformanceReportError(`it is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`);
        const text = bytes.toString('utf8');
        const parser = detect(text);
        byParser.set(parser, [...(byParser.get(parser) ?? []), { rel, text }]);
      } catch (e) {
        if (e instanceof PerformanceReportError || e instanceof WorkspaceError) { ctx.log(`Cannot detect file type because of error: ${rel}: ${e.message}`); continue; }
        throw e;
      }
    }
    for (const [parser, files] of byParser) {
      ctx.log(`Performance: Recording ${parser} reports '${glob}'`);
      for (const f of files) {
        ctx.log(`Performance: Parsing ${parser} report file '${f.rel}'.`);
        const samples = new Samples(filter, excludeResponseTime);
        try {
          PARSE[parser](f.text, samples);
        } catch (e) {
          if (!(e instanceof PerformanceReportError)) throw e;
          ctx.log(`Performance: Failed to parse file '${f.rel}': ${e.message}`);
          ctx.build.setResult('UNSTABLE');
          ctx.log(`Performance: Report analysis failed. Setting Build to ${ctx.build.result}`);
          continue;
        }
        const { uris, total, truncated } = summarize(samples);
        reports.push({ file: path.basename(f.rel), path: path.relative(ws.root, path.join(base, f.rel)), parser, ...total, uris, ...(truncated ? { truncated } : {}), result: 'SUCCESS' });
      }
    }
  }
  if (!anyFile && failIfNone) ctx.build.setResult('FAILURE');

  let comparedWith: number | null = null;
  const service = ctx.build.services.buildTools?.performance;
  if (!bool(v.modeOfThreshold, false)) {
    absolute(ctx, reports, t, str(v.errorUnstableResponseTimeThreshold));
  } else {
    const history = service ? await service.history() : [];
    comparedWith = relative(ctx, reports, t, configType, bool(v.compareBuildPrevious, false), Math.trunc(num(step, 'nthBuildNumber', v.nthBuildNumber, 0)), history);
  }
  const record: PerformanceRecord = { reports, comparedWith };
  if (service && reports.length > 0) await service.record(record);
  return null;
}

function absolute(ctx: StepContext, reports: PerformanceReport[], t: Thresholds, responseTimes: string): void {
  ctx.log(t.errorUnstable >= 0 && t.errorUnstable <= 100 ? `Performance: Percentage of errors greater or equal than ${t.errorUnstable}% sets the build as unstable` : 'Performance: No threshold configured for making the test unstable');
  ctx.log(t.errorFailed >= 0 && t.errorFailed <= 100 ? `Performance: Percentage of errors greater or equal than ${t.errorFailed}% sets the build as failure` : 'Performance: No threshold configured for making the test failure');
  const times = new Map<string, string>();
  if (responseTimes.trim()) {
    for (const line of responseTimes.split('\n')) {
      const c = line.split(':');
      if (c.length === 2) { ctx.log(`Setting threshold: ${c[0]}:${c[1]}`); times.set(c[0]!, c[1]!); }
    }
  }
  const TOL = 0.00000001;
  for (const r of reports) {
    let result: Result = 'SUCCESS';
    const limit = times.get(r.file);
    if (limit !== undefined) {
      const n = /^\s*-?\d+\s*$/.test(limit) ? Number(limit) : Number.NaN;
      if (Number.isNaN(n)) { ctx.log(`ERROR: Threshold set to a non-number [${limit}]`); result = 'FAILURE'; }
      else if (n <= r.average) { ctx.log(`UNSTABLE: ${r.file} has exceeded the threshold of [${n}] with the time of [${r.average}]`); result = 'UNSTABLE'; }
    }
    if (t.errorFailed >= 0 && r.errorPercent - t.errorFailed > TOL) result = 'FAILURE';
    else if (t.errorUnstable >= 0 && r.errorPercent - t.errorUnstable > TOL) result = worse(result, 'UNSTABLE');
    r.result = result;
    ctx.build.setResult(result);
    ctx.log(`Performance: File ${r.file} reported ${javaDouble(r.errorPercent)}% of errors [${result}]. Build status is: ${ctx.build.result}`);
  }
}

/** Java's %20.0f / %19.2f of the plugin's comparison table. */
const pad = (s: string, w: number) => (s.length >= w ? s : ' '.repeat(w - s.length) + s);

function relative(ctx: StepContext, reports: PerformanceReport[], t: Thresholds, configType: string, previousSuccessful: boolean, nth: number,
  history: { build: number; result: string | null; record: PerformanceRecord | null }[]): number | null {
  const info = (th: number, sign: string, what: string, res: string) => { if (th >= 0) ctx.log(`Performance: Percentage of relative difference ${what} ${sign}${javaDouble(th)} % sets the build as [${res}]`); };
  info(t.relFailedNeg, '-', 'less than', 'FAILURE');
  info(t.relFailedPos, '', 'more than', 'FAILURE');
  info(t.relUnstableNeg, '-', 'less than', 'UNSTABLE');
  info(t.relUnstablePos, '', 'more than', 'UNSTABLE');
  const other = previousSuccessful ? history.find((h) => h.result === 'SUCCESS') : nth > 0 ? history.find((h) => h.build === nth) : undefined;
  if (!other) return null;
  const prev = other.record?.reports.flatMap((r) => r.uris) ?? [];
  const current = reports.flatMap((r) => r.uris.map((u) => ({ u, r })));
  const width = Math.max(0, ...current.map((c) => c.u.uri.length));
  const what = configType === 'MRT' ? ['Median response time', 'PrevBuildURIMed', 'CurrentBuildURIMed'] : configType === 'PRT' ? ['90 Percentile response time', 'PrevBuildURI90%', 'CurrentBuildURI90%'] : ['Average response time', 'PrevBuildURIAvg', 'CurrentBuildURIAvg'];
  ctx.log(`\nComparison build no. - ${other.build} and ${ctx.build.number} using ${what[0]}\n\n`);
  ctx.log(`${what[1] === undefined ? '' : 'URI'.padEnd(width)}${pad(what[1]!, 20)}${pad(what[2]!, 20)}${pad('RelativeDiff', 20)}${pad('RelativeDiff(%)', 20)}`);
  const value = (u: { average: number; median: number; line90: number }) => (configType === 'MRT' ? u.median : configType === 'PRT' ? u.line90 : u.average);
  const TOL = 0.00000001;
  for (const p of prev) {
    for (const { u, r } of current) {
      if (p.uri.toLowerCase() !== u.uri.toLowerCase()) continue;
      const diff = value(u) - value(p);
      const pct = value(p) === 0 ? 0 : Math.round(((diff * 100) / value(p)) * 100) / 100;
      ctx.log(`${p.uri.padEnd(width)}${pad(String(value(p)), 20)}${pad(String(value(u)), 20)}${pad(diff.toFixed(0), 20)}${pad(pct.toFixed(2), 19)}%`);
      let res: Result | null = null;
      const over = (th: number) => th >= 0 && Math.abs(pct) - th > TOL;
      if (pct < 0) res = over(t.relFailedNeg) ? 'FAILURE' : over(t.relUnstableNeg) ? 'UNSTABLE' : null;
      else res = over(t.relFailedPos) ? 'FAILURE' : over(t.relUnstablePos) ? 'UNSTABLE' : null;
      if (res) {
        ctx.build.setResult(res);
        r.result = worse(r.result, res);
        ctx.log(res === 'FAILURE' ? `\nThe label "${p.uri}" caused the build to fail` : `\nThe label "${p.uri}" made the build unstable`);
      }
    }
  }
  return other.build;
}

const perfReport: StepRun = (ctx, args) => publish(ctx, args.values, 'perfReport');
const performanceReport: StepRun = (ctx, args) => publish(ctx, args.values, 'performanceReport');
const PerformancePublisher: StepRun = (ctx, args) => publish(ctx, args.values, 'PerformancePublisher');

const runtime: PluginRuntime = { steps: { perfReport, performanceReport, PerformancePublisher } };
export default runtime;
