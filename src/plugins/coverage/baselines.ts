// The coverage plugin's quality gate baselines beyond PROJECT, from what Kiln has: the reference
// build (the newest earlier build of the job with a result of the same id, from the host) and
// the lines changed since its commit (`git diff -U0 <commit>` in the workspace, read through
// the Workspace's exec, so agents work the same).
//
//   PROJECT               the project's coverage of the metric
//   PROJECT_DELTA         the project's coverage minus the reference build's (percentage points)
//   MODIFIED_LINES        the metric over the changed lines the report covers or misses: LINE,
//                         BRANCH (the branches of those lines), FILE, PACKAGE, MODULE; other
//                         metrics have no per-line value (coverage-model), so their gate is inactive
//   MODIFIED_FILES        the metric over the files having such lines: every metric the report
//                         gives per file (LINE, BRANCH, INSTRUCTION, METHOD, CLASS, COMPLEXITY,
//                         FILE, PACKAGE, MODULE; LOC and COMPLEXITY_DENSITY from them)
//   MODIFIED_LINES_DELTA  MODIFIED_LINES minus the project's coverage of the same metric
//   MODIFIED_FILES_DELTA  MODIFIED_FILES minus the project's coverage of the same metric
//
// A report's paths are matched to the repository's by suffix (JaCoCo gives 'com/x/A.java' for
// 'src/main/java/com/x/A.java'), as the plugin does. A value that cannot be computed (no
// reference build, no commit, no changed line in the report, a metric the reports lack) leaves
// its gate inactive ("n/a").
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

type Values = Map<CoverageMetric, Counter>;

function addTo(m: Values, metric: CoverageMetric, c: Counter): void {
  const x = m.get(metric) ?? { covered: 0, missed: 0 };
  x.covered += c.covered;
  x.missed += c.missed;
  m.set(metric, x);
}

/** Metrics the modified lines have a value of (coverage-model keeps only line and branch counters for them, and the tree's files and packages). */
export const MODIFIED_LINES_METRICS: readonly GateMetric[] = ['MODULE', 'PACKAGE', 'FILE', 'LINE', 'BRANCH', 'LOC'];

/**
 * The modified code's values, as coverage-model's trees filtered by modified lines and by
 * modified files give them: `lines` over the changed lines the report has coverage of (a line
 * with branches counts 1 line, covered when a branch is, and its branches; another counts 1
 * line), `files` over every metric of the files having such a line. FILE, PACKAGE and MODULE
 * count the files (their packages, the module) with a covered line among those. null: no
 * changed line the report covers.
 */
function modified(d: BaselineData): { lines: Values; files: Values } | null {
  if (!d.changed) return null;
  const lines: Values = new Map();
  const files: Values = new Map();
  const seen = new Set<string>();
  const pkgLines = new Map<string, boolean>();
  const pkgFiles = new Map<string, boolean>();
  for (const [repoPath, nrs] of d.changed) {
    const f = reportFileOf(d.totals, repoPath);
    if (f === null || seen.has(f)) continue;
    const counters = d.totals.lineCounters.get(f) ?? new Map<number, Counter>();
    const mine: Values = new Map();
    for (const nr of nrs) {
      const c = counters.get(nr);
      if (c === undefined || c.covered + c.missed === 0) continue;
      if (c.covered + c.missed === 1) addTo(mine, 'LINE', c);
      else {
        addTo(mine, 'LINE', c.covered > 0 ? { covered: 1, missed: 0 } : { covered: 0, missed: 1 });
        addTo(mine, 'BRANCH', c);
      }
    }
    if (!mine.has('LINE')) continue;
    seen.add(f);
    for (const [m, c] of mine) addTo(lines, m, c);
    const lineHit = mine.get('LINE')!.covered > 0;
    addTo(lines, 'FILE', lineHit ? { covered: 1, missed: 0 } : { covered: 0, missed: 1 });
    const fm = d.totals.fileMetrics.get(f) ?? new Map<CoverageMetric, Counter>([['LINE', d.totals.files.get(f) ?? { covered: 0, missed: 0 }]]);
    for (const [m, c] of fm) addTo(files, m, c);
    const fileHit = (fm.get('LINE')?.covered ?? 0) > 0;
    addTo(files, 'FILE', fileHit ? { covered: 1, missed: 0 } : { covered: 0, missed: 1 });
    const pkg = d.totals.packages.get(f) ?? '';
    pkgLines.set(pkg, (pkgLines.get(pkg) ?? false) || lineHit);
    pkgFiles.set(pkg, (pkgFiles.get(pkg) ?? false) || fileHit);
  }
  if (seen.size === 0) return null;
  for (const [target, pk] of [[lines, pkgLines], [files, pkgFiles]] as const) {
    for (const hit of pk.values()) addTo(target, 'PACKAGE', hit ? { covered: 1, missed: 0 } : { covered: 0, missed: 1 });
    const any = [...pk.values()].some((x) => x);
    addTo(target, 'MODULE', any ? { covered: 1, missed: 0 } : { covered: 0, missed: 1 });
  }
  return { lines, files };
}

/**
 * What a quality gate can name: the coverage metrics (a percentage; larger is better) and
 * coverage-model's software metrics Kiln can compute from JaCoCo's counters (smaller is better):
 * COMPLEXITY (the cyclomatic complexity: the COMPLEXITY counter's total), COMPLEXITY_DENSITY
 * (complexity per line of code), COMPLEXITY_MAXIMUM (of one method; PROJECT only) and LOC (the
 * lines the report counts). MUTATION and TEST_STRENGTH come from mutation testing (PIT), whose
 * report Kiln does not read: a gate on them is inactive, as on any metric the reports lack.
 */
export type GateMetric = CoverageMetric | 'COMPLEXITY_DENSITY' | 'COMPLEXITY_MAXIMUM' | 'LOC' | (typeof NOT_READ)[number];

/** coverage-model's metrics that no report Kiln reads provides (mutation testing, MC/DC, test counts, other complexities). */
export const NOT_READ = ['MCDC_PAIR', 'FUNCTION_CALL', 'TESTS', 'NCSS', 'COGNITIVE_COMPLEXITY', 'NPATH_COMPLEXITY'] as const;

/** Software metrics: their value is not a percentage, and a gate is missed when the value is larger than its threshold. */
export const SMALLER_IS_BETTER: ReadonlySet<GateMetric> = new Set(['COMPLEXITY', 'COMPLEXITY_DENSITY', 'COMPLEXITY_MAXIMUM', 'LOC']);

/** A metric's value from counters (percentage for a coverage metric), or null when they lack it. */
function valueIn(metric: GateMetric, v: ReadonlyMap<CoverageMetric, Counter>): number | null {
  const total = (m: CoverageMetric) => { const c = v.get(m); return c ? c.covered + c.missed : null; };
  switch (metric) {
    case 'COMPLEXITY': return total('COMPLEXITY');
    case 'LOC': return total('LINE');
    case 'COMPLEXITY_DENSITY': {
      const cc = total('COMPLEXITY');
      const loc = total('LINE');
      return cc !== null && loc !== null && loc > 0 ? cc / loc : null;
    }
    case 'COMPLEXITY_MAXIMUM': return null;
    default: {
      if ((NOT_READ as readonly string[]).includes(metric)) return null;
      const c = v.get(metric as CoverageMetric);
      return c ? percent(c) : null;
    }
  }
}

/** The gate's value (percentage, or percentage points for a delta; a software metric's value or difference), or null when it cannot be computed. */
export function baselineValue(baseline: CoverageBaseline, metric: GateMetric, d: BaselineData): number | null {
  const project = metric === 'COMPLEXITY_MAXIMUM' ? d.totals.maxMethodComplexity : valueIn(metric, d.totals.metrics);
  if (baseline === 'PROJECT') return project;
  if (baseline === 'PROJECT_DELTA') {
    const ref = d.reference ? valueIn(metric, new Map(d.reference.record.metrics.map((m) => [m.metric, m]))) : null;
    return project !== null && ref !== null ? project - ref : null;
  }
  const m = modified(d);
  if (!m) return null;
  const ofLines = valueIn(metric, m.lines);
  const ofFiles = valueIn(metric, m.files);
  switch (baseline) {
    case 'MODIFIED_LINES': return ofLines;
    case 'MODIFIED_FILES': return ofFiles;
    case 'MODIFIED_LINES_DELTA': return ofLines !== null && project !== null ? ofLines - project : null;
    case 'MODIFIED_FILES_DELTA': return ofFiles !== null && project !== null ? ofFiles - project : null;
  }
}
