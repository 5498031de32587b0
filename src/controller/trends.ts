// A job's history at a glance, for the job page's trends (GET /api/v1/jobs/:job/trend) and a
// build's test history (GET /api/v1/jobs/:job/builds/:n/tests/history).
//
// Why here and not in the UI: a thousand builds are one query for their times and results and
// one for their test totals; the stage grid (Jenkins' Stage View) reads the stage trees of the
// newest builds only (their state can be large), and a test's history reads the reports of a
// bounded window of builds. The browser gets small answers it can draw at once.
import type { Store, BuildSummary } from '../store/types.ts';
import type { StageRecord } from '../pipeline/engine/state.ts';
import type { BuildResult } from '../core/build.ts';

/** How many of the newest builds the stage grid shows. */
export const STAGE_GRID_BUILDS = 20;
/** The most builds a trend covers. */
export const MAX_TREND = 1000;

export interface TrendBuild {
  number: number;
  status: BuildSummary['status'];
  result: BuildResult | null;
  startedAt: number | null;
  endedAt: number | null;
  tests: { total: number; failed: number; skipped: number; passed: number } | null;
}

export interface StageCell { status: string; durationMs: number | null }

export interface JobTrend {
  /** Newest first. */
  builds: TrendBuild[];
  /** The stage grid: the top-level stage names in the order they ran, and per build (newest first) each stage's cell. */
  stages: { names: string[]; rows: { number: number; cells: Record<string, StageCell> }[] };
  /** The newest build of each kind, as Jenkins' permalinks: stable = SUCCESS, successful = SUCCESS or UNSTABLE. */
  last: { stable: number | null; successful: number | null; failed: number | null; unsuccessful: number | null; completed: number | null };
}

export async function jobTrend(store: Store, job: string, limit: number): Promise<JobTrend> {
  const page = await store.builds.list(job, { limit: Math.max(1, Math.min(MAX_TREND, limit)) });
  const totals = await store.tests.totalsOf(page.builds.map((b) => b.id));
  const builds: TrendBuild[] = page.builds.map((b) => {
    const t = totals.get(b.id);
    return {
      number: b.number, status: b.status, result: b.result, startedAt: b.startedAt, endedAt: b.endedAt,
      tests: t ? { total: t.total, failed: t.failed + t.errors, skipped: t.skipped, passed: t.passed } : null,
    };
  });
  const names: string[] = [];
  const rows: JobTrend['stages']['rows'] = [];
  for (const summary of page.builds.slice(0, STAGE_GRID_BUILDS)) {
    const full = await store.builds.get(summary.id);
    const cells: Record<string, StageCell> = {};
    for (const s of topStages(full?.state?.stages ?? [])) {
      if (!names.includes(s.name)) names.push(s.name);
      cells[s.name] = { status: s.status, durationMs: s.startedAt !== null && s.endedAt !== null ? s.endedAt - s.startedAt : null };
    }
    rows.push({ number: summary.number, cells });
  }
  const newest = async (results: BuildResult[]) => (await store.builds.latestSummary(job, { status: ['finished'], results }))?.number ?? null;
  return {
    builds,
    stages: { names, rows },
    last: {
      stable: await newest(['SUCCESS']),
      successful: await newest(['SUCCESS', 'UNSTABLE']),
      failed: await newest(['FAILURE']),
      unsuccessful: await newest(['UNSTABLE', 'FAILURE', 'ABORTED', 'NOT_BUILT']),
      completed: (await store.builds.latestSummary(job, { status: ['finished'] }))?.number ?? null,
    },
  };
}

/** The stages a stage view shows as columns: the top level, not post, parallel branches or matrix cells. */
function topStages(stages: readonly StageRecord[]): StageRecord[] {
  return stages.filter((s) => s.parentId === null && s.kind !== 'post');
}

export interface TestHistory {
  /** How many builds (this one and those before it) the history covers. */
  window: number;
  /** Per failing or flaky case of this build, by `className.name`. */
  cases: Record<string, {
    /** The oldest build of the current run of failures (this build's number when it just started failing); null when it passes now. */
    failingSince: number | null;
    /** Failed in this many of the `window` builds that ran it. */
    failed: number;
    ran: number;
    /** Passed and failed, back and forth, in the window. */
    flaky: boolean;
    /** Newest first: 'passed' | 'failed' | 'skipped' | null (not run). */
    history: (string | null)[];
  }>;
}

const failing = (status: string) => status === 'failed' || status === 'error';

/** The history of this build's failing tests (and any flaky ones) over the `window` builds up to it. */
export async function testHistory(store: Store, job: string, number: number, window: number): Promise<TestHistory> {
  const n = Math.max(2, Math.min(100, window));
  const page = await store.builds.list(job, { limit: n, cursor: String(number + 1) });
  const statusOf: Map<string, string>[] = [];
  for (const b of page.builds) {
    const report = await store.tests.get(b.id);
    const m = new Map<string, string>();
    for (const c of report?.cases ?? []) {
      const key = `${c.className}.${c.name}`;
      // A case run twice in one build (two junit calls) counts as failed if either failed.
      if (!m.has(key) || failing(c.status)) m.set(key, c.status === 'error' ? 'failed' : c.status);
    }
    statusOf.push(m);
  }
  const cases: TestHistory['cases'] = {};
  const current = page.builds[0]?.number === number ? statusOf[0] : undefined;
  if (!current) return { window: page.builds.length, cases };
  const interesting = new Set<string>();
  for (const [key, st] of current) if (failing(st)) interesting.add(key);
  for (const m of statusOf) for (const [key, st] of m) if (failing(st) && current.has(key)) interesting.add(key);
  for (const key of interesting) {
    const history = statusOf.map((m) => m.get(key) ?? null);
    let since: number | null = null;
    if (failing(history[0] ?? '')) {
      for (let i = 0; i < history.length && (history[i] === 'failed' || history[i] === null || history[i] === 'skipped'); i++) {
        if (history[i] === 'failed') since = page.builds[i]!.number;
      }
    }
    const ran = history.filter((h) => h === 'passed' || h === 'failed');
    let flips = 0;
    for (let i = 1; i < ran.length; i++) if (ran[i] !== ran[i - 1]) flips++;
    cases[key] = { failingSince: since, failed: ran.filter((h) => h === 'failed').length, ran: ran.length, flaky: flips >= 2, history };
  }
  return { window: page.builds.length, cases };
}
