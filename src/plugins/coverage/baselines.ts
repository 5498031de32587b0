// The coverage plugin's quality gate baselines beyond PROJECT, from what Kiln has: the reference
// build (the newest earlier build of the job with a result of the same id, from the host) and
// the lines changed since its commit (`git diff -U0 <commit>` in the workspace, read through
// the Workspace's exec, so agents work the same).
//
//   PROJECT               the project's coverage of the metric
//   PROJECT_DELTA         the project's coverage minus the reference build's (percentage points)
//   MODIFIED_LINES        line coverage of the changed lines that the report covers or misses
//   MODIFIED_FILES        line coverage of the files having changed lines
//   MODIFIED_LINES_DELTA  MODIFIED_LINES minus the project's line coverage
//   MODIFIED_FILES_DELTA  MODIFIED_FILES minus the project's line coverage
//
// A report's paths are matched to the repository's by suffix (JaCoCo gives 'com/x/A.java' for
// 'src/main/java/com/x/A.java'), as the plugin does. Modified-code baselines are computed for the
// LINE metric only (the reports' per-line data). A value that cannot be computed (no reference
// build, no commit, no changed line in the report) leaves its gate inactive ("n/a").
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { CoverageBaseline, CoverageMetric, CoverageRecord } from '../../core/buildtools.ts';
import { percent, type Counter, type CoverageTotals } from './parsers.ts';

export const BASELINE_NAMES: Readonly<Record<CoverageBaseline, string>> = {
  PROJECT: 'Overall project',
  MODIFIED_LINES: 'Modified code lines',
  MODIFIED_FILES: 'Modified files',
  PROJECT_DELTA: 'Overall project (difference to reference job)',
  MODIFIED_LINES_DELTA: 'Modified code lines (difference to overall project)',
  MODIFIED_FILES_DELTA: 'Modified files (difference to overall project)',
};

export const MODIFIED: ReadonlySet<CoverageBaseline> = new Set(['MODIFIED_LINES', 'MODIFIED_FILES', 'MODIFIED_LINES_DELTA', 'MODIFIED_FILES_DELTA']);

/** What the baselines are computed from. */
export interface BaselineData {
  totals: CoverageTotals;
  reference: { build: number; record: CoverageRecord } | null;
  /** Changed lines per repository path since the reference's commit; null: not known. */
  changed: Map<string, Set<number>> | null;
}

/** Runs git in the current directory; stdout, or null when git fails. */
async function git(ctx: StepContext, args: string[]): Promise<string | null> {
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  const r = await ws.exec({ argv: ['git', ...args], cwd: ctx.cwd ?? ws.root, env: { ...ctx.env, GIT_TERMINAL_PROMPT: '0' }, signal: ctx.signal, onOutput: (c, s) => { if (s === 'stdout') out.push(c); } }).catch(() => null);
  return r && r.exitCode === 0 ? Buffer.concat(out).toString('utf8') : null;
}

/** The workspace's commit, or undefined when it is not a git checkout. */
export async function headCommit(ctx: StepContext): Promise<string | undefined> {
  const out = (await git(ctx, ['rev-parse', 'HEAD']))?.trim();
  return out && /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
}

/** Lines added or changed since `commit` (`git diff -U0`), by path; null when git cannot say. */
export async function changedLines(ctx: StepContext, commit: string): Promise<Map<string, Set<number>> | null> {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) return null;
  const out = await git(ctx, ['diff', '--no-color', '--no-ext-diff', '--no-renames', '-U0', commit, '--']);
  if (out === null) return null;
  const changed = new Map<string, Set<number>>();
  let file: string | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? null : line.slice(4).replace(/^b\//, '');
      continue;
    }
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h && file !== null) {
      const start = Number(h[1]);
      const n = h[2] === undefined ? 1 : Number(h[2]);
      const set = changed.get(file) ?? new Set<number>();
      for (let i = 0; i < n; i++) set.add(start + i);
      changed.set(file, set);
    }
  }
  return changed;
}

/** The report's file for a repository path: equal, or the repository path ends with '/' + it. */
function reportFileOf(totals: CoverageTotals, repoPath: string): string | null {
  let best: string | null = null;
  for (const f of totals.lines.keys()) {
    if ((repoPath === f || repoPath.endsWith(`/${f}`)) && (best === null || f.length > best.length)) best = f;
  }
  return best;
}

function modified(d: BaselineData): { lines: Counter; files: Counter } | null {
  if (!d.changed) return null;
  const lines: Counter = { covered: 0, missed: 0 };
  const files: Counter = { covered: 0, missed: 0 };
  const seen = new Set<string>();
  for (const [repoPath, nrs] of d.changed) {
    const f = reportFileOf(d.totals, repoPath);
    if (f === null) continue;
    const cov = d.totals.lines.get(f)!;
    let touched = false;
    for (const nr of nrs) {
      const c = cov.get(nr);
      if (c === undefined) continue;
      touched = true;
      if (c) lines.covered++;
      else lines.missed++;
    }
    if (touched && !seen.has(f)) {
      seen.add(f);
      for (const c of cov.values()) {
        if (c) files.covered++;
        else files.missed++;
      }
    }
  }
  return lines.covered + lines.missed === 0 ? null : { lines, files };
}

/** The gate's value (percentage, or percentage points for a delta), or null when it cannot be computed. */
export function baselineValue(baseline: CoverageBaseline, metric: CoverageMetric, d: BaselineData): number | null {
  const project = d.totals.metrics.get(metric);
  if (baseline === 'PROJECT') return project ? percent(project) : null;
  if (baseline === 'PROJECT_DELTA') {
    const ref = d.reference?.record.metrics.find((m) => m.metric === metric);
    return project && ref ? percent(project) - percent(ref) : null;
  }
  const m = modified(d);
  if (!m) return null;
  const line = d.totals.metrics.get('LINE');
  switch (baseline) {
    case 'MODIFIED_LINES': return percent(m.lines);
    case 'MODIFIED_FILES': return percent(m.files);
    case 'MODIFIED_LINES_DELTA': return line ? percent(m.lines) - percent(line) : null;
    case 'MODIFIED_FILES_DELTA': return line ? percent(m.files) - percent(line) : null;
  }
}
