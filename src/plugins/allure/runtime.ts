// What `allure` does (declared in index.ts), as AllureReportPublisher.perform without its report:
//   disabled            "Allure report is disabled." and nothing else
//   results             each [path: 'dir'] (${VAR}s expanded; an Ant pattern may name several
//                       directories) relative to the current directory; leaving the workspace fails
//   reportBuildPolicy   ALWAYS; UNSTABLE: only when the build is UNSTABLE; UNSUCCESSFUL: UNSTABLE
//                       or FAILURE; otherwise "Allure report generation reject by policy [<title>]"
//   the count           every <dir>/*-result.json (Allure 2): its status passed / failed / broken /
//                       skipped / unknown; results sharing a historyId (retries) count once, the
//                       one that stopped last. A file that is not JSON, over 8 MiB, or a link
//                       leaving the workspace is said and left out.
//   the result          the thresholds when any is given (failed + broken, as a count and as a %
//                       of all, at or over: FAILURE before UNSTABLE), else resultPolicy
//                       (UNSTABLE_IF_FAILED_OR_BROKEN by default), as applyResultStatus does
//   kept                allure-summary.json (the report's widgets/summary.json shape: statistic,
//                       time) and the results directories, as the build's artifacts
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { expandEnv, leavesWorkspace } from '../../pipeline/steps/report-patterns.ts';
import { run as archiveRun } from '../../pipeline/steps/archiveArtifacts.ts';

export const MAX_RESULT_BYTES = 8 * 1024 * 1024;
export const MAX_RESULT_FILES = 20_000;
const STATUSES = ['passed', 'failed', 'broken', 'skipped', 'unknown'] as const;
type Status = typeof STATUSES[number];
export type AllureStatistic = Record<Status, number> & { total: number };

const POLICY_TITLE: Record<string, string> = { ALWAYS: 'For all builds', UNSTABLE: 'For all unstable builds', UNSUCCESSFUL: 'For unsuccessful builds' };
const RESULT_POLICIES = ['LEAVE_AS_IS', 'UNSTABLE_IF_FAILED_OR_BROKEN', 'FAILURE_IF_FAILED_OR_BROKEN'];

/** One *-result.json's status, history id and stop time, or a reason it is not one. */
export function readResult(text: string): { status: Status; historyId: string | null; stop: number; start: number } | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { error: 'not an Allure result (a JSON object)' };
  const o = doc as Record<string, unknown>;
  const s = typeof o.status === 'string' ? o.status.toLowerCase() : 'unknown';
  return {
    status: (STATUSES as readonly string[]).includes(s) ? s as Status : 'unknown',
    historyId: typeof o.historyId === 'string' && o.historyId ? o.historyId : null,
    stop: typeof o.stop === 'number' && Number.isFinite(o.stop) ? o.stop : 0,
    start: typeof o.start === 'number' && Number.isFinite(o.start) ? o.start : 0,
  };
}

/** The plugin's decision from a summary (decideByThresholds, then ResultPolicy.decide); null: leave the result as it is. */
export function decide(st: AllureStatistic, o: { resultPolicy: string; unstableCount: number | null; failureCount: number | null; unstablePercent: number | null; failurePercent: number | null }): 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | null {
  const problems = st.failed + st.broken;
  if (o.unstableCount !== null || o.failureCount !== null || o.unstablePercent !== null || o.failurePercent !== null) {
    const total = st.total;
    const pct = total > 0 ? (problems * 100) / total : 0;
    const pair = (v: number, fail: number | null, unstable: number | null) => (fail !== null && v >= fail ? 'FAILURE' : unstable !== null && v >= unstable ? 'UNSTABLE' : null);
    const a = pair(problems, o.failureCount, o.unstableCount);
    const b = pair(pct, o.failurePercent, o.unstablePercent);
    return a === 'FAILURE' || b === 'FAILURE' ? 'FAILURE' : a === 'UNSTABLE' || b === 'UNSTABLE' ? 'UNSTABLE' : null;
  }
  if (o.resultPolicy === 'LEAVE_AS_IS') return null;
  if (problems === 0) return 'SUCCESS';
  return o.resultPolicy === 'FAILURE_IF_FAILED_OR_BROKEN' ? 'FAILURE' : 'UNSTABLE';
}

function intOrNull(name: string, v: Value | undefined): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n)) throw new StepFailure(`allure: ${name} must be a whole number, not '${String(v).slice(0, 60)}'`);
  return n;
}

function resultPaths(v: Record<string, Value>): string[] {
  let results = v.results;
  if ((results === undefined || results === null) && isMap(v.config)) results = v.config.get('results');
  if (results === undefined || results === null) throw new StepFailure("allure: The property 'Results' have to be specified! Check your job's configuration.");
  const list = isList(results) ? results : [results];
  return list.map((r, i) => {
    const p = isMap(r) ? r.get('path') : r;
    if (typeof p !== 'string' || p.trim() === '') throw new StepFailure(`allure: results[${i}] must be [path: 'allure-results'] (a directory relative to the workspace)`);
    return p.trim().replace(/\/+$/, '');
  });
}

const allure: StepRun = async (ctx: StepContext, args) => {
  const v = args.values;
  if (v.disabled === true || String(v.disabled) === 'true') { ctx.log('Allure report is disabled.'); return null; }
  const reportPolicy = String(v.reportBuildPolicy ?? 'ALWAYS').toUpperCase();
  if (!POLICY_TITLE[reportPolicy]) throw new StepFailure(`allure: reportBuildPolicy '${reportPolicy}' is none of ALWAYS, UNSTABLE, UNSUCCESSFUL`);
  const resultPolicy = String(v.resultPolicy ?? 'UNSTABLE_IF_FAILED_OR_BROKEN').toUpperCase();
  if (!RESULT_POLICIES.includes(resultPolicy)) throw new StepFailure(`allure: resultPolicy '${resultPolicy}' is none of ${RESULT_POLICIES.join(', ')}`);
  const thresholds = {
    resultPolicy,
    unstableCount: intOrNull('unstableThresholdCount', v.unstableThresholdCount), failureCount: intOrNull('failureThresholdCount', v.failureThresholdCount),
    unstablePercent: intOrNull('unstableThresholdPercent', v.unstableThresholdPercent), failurePercent: intOrNull('failureThresholdPercent', v.failureThresholdPercent),
  };
  const paths = resultPaths(v).map((p) => expandEnv(ctx, p));
  for (const p of paths) {
    if (leavesWorkspace(p)) throw new StepFailure(`allure: the results path '${p}' leaves the workspace; results are directories relative to the workspace (e.g. 'target/allure-results')`);
  }
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  // the results directories, with what they hold
  const files: string[] = [];
  const dirs: string[] = [];
  for (const p of paths) {
    let found: string[];
    try {
      found = await ws.glob(base, `${p}/*-result.json`);
    } catch (e) {
      throw new StepFailure(`allure: ${e instanceof Error ? e.message : String(e)}`);
    }
    found = found.filter((f) => !f.split('/').includes('..'));
    if (found.length === 0) {
      const st = await ws.stat(path.join(base, p));
      if (!st || st.type !== 'dir') ctx.log(`Allure results directory '${p}' does not exist`);
      else ctx.log(`Allure results directory '${p}' has no *-result.json`);
    }
    for (const f of found) { const d = path.dirname(f); if (!dirs.includes(d)) dirs.push(d); }
    files.push(...found);
  }
  const runResult = ctx.build.runResult !== undefined ? ctx.build.runResult : ctx.build.result;
  const wanted = reportPolicy === 'ALWAYS' || (reportPolicy === 'UNSTABLE' && runResult === 'UNSTABLE')
    || (reportPolicy === 'UNSUCCESSFUL' && (runResult === 'UNSTABLE' || runResult === 'FAILURE'));
  if (!wanted) { ctx.log(`Allure report generation reject by policy [${POLICY_TITLE[reportPolicy]}]`); return null; }

  const latest = new Map<string, { status: Status; stop: number }>();
  const times: number[][] = [];
  const unread: string[] = [];
  let n = 0;
  for (const rel of [...new Set(files)].sort()) {
    if (n >= MAX_RESULT_FILES) { ctx.log(`allure: more than ${MAX_RESULT_FILES} result files: ${rel} and the rest are left out`); break; }
    n++;
    const abs = path.join(base, rel);
    let text: string;
    try {
      const st = await ws.stat(abs);
      if (st && st.size > MAX_RESULT_BYTES) { ctx.log(`allure: ${rel} is larger than ${MAX_RESULT_BYTES / 1024 / 1024} MiB: left out`); continue; }
      text = (await ws.readFile(abs)).toString('utf8');
    } catch (e) {
      if (e instanceof WorkspaceError) { ctx.log(`allure: cannot read ${rel}: ${e.message}`); unread.push(rel); continue; }
      throw e;
    }
    const r = readResult(text);
    if ('error' in r) { ctx.log(`allure: ${rel} is left out: ${r.error}`); continue; }
    const key = r.historyId ?? `file:${rel}`;
    const had = latest.get(key);
    if (!had || r.stop >= had.stop) latest.set(key, { status: r.status, stop: r.stop });
    if (r.start > 0 && r.stop >= r.start) times.push([r.start, r.stop]);
  }
  const stat: AllureStatistic = { passed: 0, failed: 0, broken: 0, skipped: 0, unknown: 0, total: 0 };
  for (const { status } of latest.values()) { stat[status]++; stat.total++; }
  ctx.log(`Allure: ${stat.total} test results: ${stat.passed} passed, ${stat.failed} failed, ${stat.broken} broken, ${stat.skipped} skipped, ${stat.unknown} unknown`);
  ctx.log('Kiln keeps the Allure results as artifacts and does not generate the Allure report (Allure\'s commandline does not run here; generate it with the allure CLI and publishHTML)');

  const start = times.length ? Math.min(...times.map((t) => t[0]!)) : null;
  const stop = times.length ? Math.max(...times.map((t) => t[1]!)) : null;
  const summary = {
    reportName: String(v.reportName ?? '') || 'Allure Report',
    statistic: stat,
    time: { start, stop, duration: start !== null && stop !== null ? stop - start : null },
  };
  const summaryRel = 'allure-summary.json';
  await ws.writeFile(path.join(base, summaryRel), `${JSON.stringify(summary, null, 2)}\n`);
  try {
    await archiveRun(ctx, { values: { artifacts: summaryRel }, body: null });
    if (dirs.length > 0) {
      try {
        await archiveRun(ctx, { values: { artifacts: dirs.map((d) => `${d}/**`).join(','), excludes: unread.join(','), allowEmptyArchive: true }, body: null });
      } catch (e) {
        // a link out of the workspace among the attachments: the results are not kept, the count stands
        if (!(e instanceof StepFailure)) throw e;
        ctx.log(`allure: the results directories are not kept as artifacts: ${e.message}`);
      }
    }
  } finally {
    await ws.remove(path.join(base, summaryRel));
  }
  const target = decide(stat, thresholds);
  if (target !== null) ctx.build.setResult(target);
  return null;
};

const runtime: PluginRuntime = { steps: { allure } };
export default runtime;
