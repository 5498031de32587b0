// What the Valgrind plugin's publisher does (declared in index.ts): publishValgrind(...) and
// step([$class: 'ValgrindPublisher', ...]), as ValgrindPublisher.perform and ValgrindEvaluator:
// skipped on an ABORTED build unless publishResultsForAbortedBuilds, on a FAILURE one unless
// publishResultsForFailedBuilds; the pattern globbed in the workspace (leaving it refused); none:
// FAILURE with failBuildOnMissingReports ("ERROR: no report files found for pattern '...'");
// each report parsed (report.ts; one that cannot be: "ERROR: failed to parse <file>: <why>",
// FAILURE with failBuildOnInvalidReports); three thresholds, each a count the errors must
// exceed (count > threshold): definitely lost leaks, invalid reads + writes, all errors; a fail
// threshold exceeded FAILURE, else an unstable one UNSTABLE. Console lines prefixed
// "[Valgrind] ". The errors are kept as the build's analysis result 'valgrind'
// (BuildServices.issues: the first frame with a source file gives file and line).
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import type { IssuesRecord, QualityGateOutcome } from '../../core/issues.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { ValgrindReportError, parseValgrind, type ValgrindError } from './report.ts';
import { checkReportPattern, expandEnv } from '../../pipeline/steps/report-patterns.ts';

export const MAX_REPORT_BYTES = 128 * 1024 * 1024;



const publishValgrind: StepRun = async (ctx, args) => {
  const log = (l: string) => ctx.log(`[Valgrind] ${l}`);
  const r = ctx.build.result;
  if (r === 'ABORTED' && !bool(args, 'publishResultsForAbortedBuilds', false)) return null;
  if (r === 'FAILURE' && !bool(args, 'publishResultsForFailedBuilds', false)) return null;
  const given = str(args, 'pattern');
  if (!given || given.trim() === '') { log('ERROR: no pattern for valgrind xml files configured'); return null; }
  const pattern = expandEnv(ctx, given);
  checkReportPattern('publishValgrind', pattern, 'pattern is an Ant pattern', 'valgrind-*.xml');
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  let files: string[];
  try {
    files = (await ws.glob(base, pattern)).filter((f) => relPathProblem(f) === null).sort();
  } catch (e) {
    throw new StepFailure(`publishValgrind: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (files.length === 0 && bool(args, 'failBuildOnMissingReports', false)) {
    log(`ERROR: no report files found for pattern '${pattern}'`);
    ctx.build.setResult('FAILURE', 'FAILURE');
    return null;
  }
  log('Files to copy:');
  for (const f of files) log(f);
  const errors: { e: ValgrindError; report: string }[] = [];
  const parseErrors: string[] = [];
  for (const rel of files) {
    const abs = path.join(base, rel);
    const report = path.relative(ws.root, abs);
    try {
      const st = await ws.stat(abs);
      if (st && st.size > MAX_REPORT_BYTES) throw new ValgrindReportError(`the file is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB (${st.size} bytes)`);
      const bytes = await ws.readFile(abs);
      for (const e of parseValgrind(bytes.toString('utf8'), report).errors) errors.push({ e, report });
    } catch (e) {
      if (!(e instanceof ValgrindReportError) && !(e instanceof WorkspaceError)) throw e;
      const why = e.message.startsWith(`${report}: `) ? e.message.slice(report.length + 2) : e.message;
      parseErrors.push(`${report}: ${why}`);
      log(`ERROR: failed to parse ${report}: ${why}`);
    }
  }
  const total = errors.length;
  const lost = errors.filter(({ e }) => e.kind === 'Leak_DefinitelyLost').length;
  const rw = errors.filter(({ e }) => e.kind === 'InvalidRead' || e.kind === 'InvalidWrite').length;
  log(`Errors: ${total} (definitely lost: ${lost}, invalid reads and writes: ${rw})`);
  const outcomes: QualityGateOutcome[] = [];
  const threshold = (name: string): number | null => {
    const v = args.values[name];
    if (v === undefined || v === null || v === '') return null;
    const s = expandEnv(ctx, String(v)).trim();
    if (!/^\d+$/.test(s)) { log(`ERROR: '${s}' is not a valid threshold`); return null; }
    return Number(s);
  };
  let result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS';
  for (const [name, count] of [['DefinitelyLost', lost], ['InvalidReadWrite', rw], ['Total', total]] as const) {
    const fail = threshold(`failThreshold${name}`);
    const unstable = threshold(`unstableThreshold${name}`);
    if (fail !== null) outcomes.push({ type: `FAIL_${name.toUpperCase()}`, name: `${name} (fail)`, threshold: fail, actual: count, criticality: 'FAILURE', missed: count > fail });
    if (unstable !== null) outcomes.push({ type: `UNSTABLE_${name.toUpperCase()}`, name: `${name} (unstable)`, threshold: unstable, actual: count, criticality: 'UNSTABLE', missed: count > unstable });
    if (fail !== null && count > fail) result = 'FAILURE';
    else if (unstable !== null && count > unstable && result === 'SUCCESS') result = 'UNSTABLE';
  }
  if (parseErrors.length > 0 && bool(args, 'failBuildOnInvalidReports', false)) result = 'FAILURE';
  if (result !== 'SUCCESS') ctx.build.setResult(result, result);
  const svc = ctx.build.services.issues;
  if (svc) {
    const rec: IssuesRecord = {
      id: 'valgrind', name: 'Valgrind', tools: [{ id: 'valgrind', name: 'Valgrind' }],
      issues: errors.map(({ e, report }) => {
        const at = e.stack.find((f) => f.file !== '');
        const file = at ? (at.dir && path.join(at.dir, at.file).startsWith(`${ws.root}/`) ? path.relative(ws.root, path.join(at.dir, at.file)) : at.file) : report;
        return {
          file, line: at?.line ?? 0, lineEnd: at?.line ?? 0, column: 0,
          severity: e.kind === 'Leak_DefinitelyLost' || e.kind === 'InvalidRead' || e.kind === 'InvalidWrite' ? 'HIGH' as const : 'NORMAL' as const,
          category: e.kind, type: e.kind, message: `${e.what}${at?.fn ? ` (in ${at.fn})` : ''}`, tool: 'valgrind',
          fingerprint: `${file}|${at?.fn ?? ''}|${e.kind}`, state: 'outstanding' as const,
        };
      }),
      fixed: [], reference: null,
      qualityGate: outcomes.length === 0 ? 'INACTIVE' : result === 'FAILURE' ? 'FAILED' : result === 'UNSTABLE' ? 'WARNING' : 'PASSED',
      gates: outcomes, errors: parseErrors,
    };
    await svc.record(rec);
  }
  log('Ending the valgrind analysis.');
  return null;
};

const runtime: PluginRuntime = { steps: { publishValgrind, ValgrindPublisher: publishValgrind } };
export default runtime;
