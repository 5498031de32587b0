// What the TAP plugin's publisher does (declared in index.ts): step([$class: 'TapPublisher', ...])
// and its symbol publishTap, as tap-plugin's TapPublisher.perform:
//   skipIfBuildNotOk and a result worse than UNSTABLE: skipped, said so; else
//   "TAP Reports Processing: START", the pattern (${VARS} expanded) globbed in the workspace
//   (patterns leaving it refused); none: failIfNoResults sets FAILURE, else only said;
//   each file parsed (parser.ts; outputTapToConsole, default true, prints the stream); a file the
//   parser refuses is a parse error set (its reason on the console): UNSTABLE;
//   validateNumberOfTests: a plan not matching the number of tests: UNSTABLE;
//   failed tests (not ok; a TODO one too with todoIsFailure, default true): UNSTABLE, or FAILURE
//   with failedTestsMarkBuildAsFailure; "TAP Reports Processing: FINISH".
// The tests of the top-level test lines are recorded as the build's tests (where junit keeps
// them: the tests page and API), one suite per file; subtests are listed in their parent's details.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext, TestCase, TestReport } from '../../pipeline/steps/types.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { TapParseError, parseTap, type TapSet, type TapTest } from './parser.ts';
import { checkReportPattern, expandEnv } from '../../pipeline/steps/report-patterns.ts';

/** Larger TAP files are refused (a parse error), so a runaway test log cannot exhaust memory. */
export const MAX_TAP_BYTES = 64 * 1024 * 1024;
/** At most this many lines of a stream are echoed to the console (outputTapToConsole). */
const MAX_ECHO_LINES = 5000;



function status(t: TapTest, planSkip: boolean, todoIsFailure: boolean): TestCase['status'] {
  if (planSkip || t.directive?.kind === 'SKIP') return 'skipped';
  if (t.directive?.kind === 'TODO') return todoIsFailure ? 'failed' : t.ok ? 'passed' : 'skipped';
  return t.ok ? 'passed' : 'failed';
}

function message(t: TapTest, st: TestCase['status']): string | null {
  if (st === 'passed') return null;
  if (t.directive) return `${t.directive.kind}${t.directive.reason ? ` ${t.directive.reason}` : ''}`;
  const d = t.diagnostic ?? {};
  for (const k of ['message', 'error']) {
    const v = d[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim().split('\n')[0]!.slice(0, 1000);
  }
  return 'not ok';
}

function details(t: TapTest, todoIsFailure: boolean): string | null {
  const parts: string[] = [];
  if (t.diagnosticText) parts.push(t.diagnosticText);
  const sub = (ts: TapTest[], depth: number): void => {
    for (const s of ts) {
      parts.push(`${'  '.repeat(depth)}${s.ok ? 'ok' : 'not ok'} ${s.number ?? ''} - ${s.description} (${status(s, false, todoIsFailure)})`);
      sub(s.subtests, depth + 1);
    }
  };
  if (t.subtests.length > 0) { parts.push('subtests:'); sub(t.subtests, 1); }
  return parts.length > 0 ? parts.join('\n') : null;
}

function casesOf(set: TapSet, file: string, todoIsFailure: boolean): TestCase[] {
  const planSkip = set.plan?.skip !== null && set.plan?.skip !== undefined;
  return set.tests.map((t) => {
    const st = status(t, planSkip, todoIsFailure);
    const ms = Number(t.diagnostic?.['duration_ms']);
    return {
      suite: file, className: file, name: t.number !== null ? `${t.number} - ${t.description}` : t.description,
      durationMs: Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : 0, status: st,
      message: message(t, st), details: st === 'passed' && !t.subtests.length ? null : details(t, todoIsFailure), stdout: null, stderr: null,
    };
  });
}

const TapPublisher: StepRun = async (ctx, args) => {
  const log = (l: string) => ctx.log(l);
  if (bool(args, 'skipIfBuildNotOk', false) && (ctx.build.result === 'FAILURE' || ctx.build.result === 'ABORTED' || ctx.build.result === 'NOT_BUILT')) {
    log('Build result is not better or equal unstable. Skipping TAP publisher.');
    return null;
  }
  const given = str(args, 'testResults');
  if (!given || given.trim() === '') throw new StepFailure("TapPublisher: testResults is required: an Ant pattern of TAP files, e.g. step([$class: 'TapPublisher', testResults: 'reports/*.tap'])");
  const opts = {
    planRequired: bool(args, 'planRequired', true),
    removeYamlIfCorrupted: bool(args, 'removeYamlIfCorrupted', false),
  };
  const todoIsFailure = bool(args, 'todoIsFailure', true);
  log('TAP Reports Processing: START');
  const pattern = expandEnv(ctx, given);
  log(`Looking for TAP results report in workspace using pattern: ${pattern}`);
  checkReportPattern('TapPublisher', pattern, 'testResults is an Ant pattern', 'reports/**/*.tap');
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  let files: string[];
  try {
    files = (await ws.glob(base, pattern)).filter((f) => relPathProblem(f) === null).sort();
  } catch (e) {
    throw new StepFailure(`TapPublisher: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (files.length === 0) {
    if (bool(args, 'failIfNoResults', false)) {
      log('Did not find any matching files. Setting build result to FAILURE.');
      ctx.build.setResult('FAILURE', 'FAILURE');
    } else log('Did not find any matching files.');
    return null;
  }
  const echo = bool(args, 'outputTapToConsole', true);
  const sets: { file: string; set: TapSet }[] = [];
  const errors: string[] = [];
  for (const rel of files) {
    const abs = path.join(base, rel);
    const file = path.relative(ws.root, abs);
    try {
      const st = await ws.stat(abs);
      if (st && st.size > MAX_TAP_BYTES) throw new TapParseError(`${file}: the file is larger than ${MAX_TAP_BYTES / 1024 / 1024} MiB (${st.size} bytes)`);
      const bytes = await ws.readFile(abs);
      if (bytes.length > MAX_TAP_BYTES) throw new TapParseError(`${file}: the file is larger than ${MAX_TAP_BYTES / 1024 / 1024} MiB`);
      const text = bytes.toString('utf8');
      if (echo) {
        const lines = text.split(/\r?\n/);
        for (const l of lines.slice(0, MAX_ECHO_LINES)) log(l);
        if (lines.length > MAX_ECHO_LINES) log(`... (${lines.length - MAX_ECHO_LINES} more lines of ${file})`);
      }
      sets.push({ file, set: parseTap(text, file, opts) });
    } catch (e) {
      if (e instanceof TapParseError) { errors.push(e.message); log(`TAP parse error: ${e.message}`); continue; }
      if (e instanceof WorkspaceError) { errors.push(`${file}: ${e.message}`); log(`TAP parse error: ${file}: ${e.message}`); continue; }
      throw e;
    }
  }
  const withTests = sets.filter((s) => s.set.tests.length > 0 || s.set.bailOut !== null);
  if (withTests.length === 0 && errors.length === 0) {
    log('Found matching files but did not find any TAP results.');
    return null;
  }
  const cases = withTests.flatMap((s) => casesOf(s.set, s.file, todoIsFailure));
  const report: TestReport = { total: cases.length, failed: 0, errors: 0, skipped: 0, passed: 0, cases };
  for (const c of cases) {
    if (c.status === 'failed') report.failed++;
    else if (c.status === 'skipped') report.skipped++;
    else report.passed++;
  }
  if (cases.length > 0) await ctx.build.services.tests.record(report);
  for (const s of withTests) if (s.set.bailOut !== null) log(`Bail out! in ${s.file}${s.set.bailOut ? `: ${s.set.bailOut}` : ''}`);
  let result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS';
  const worsen = (r: 'UNSTABLE' | 'FAILURE') => { if (result !== 'FAILURE') result = r; };
  if (errors.length > 0) {
    log('TAP parse errors found in the build. Marking build as UNSTABLE');
    worsen('UNSTABLE');
  }
  if (bool(args, 'validateNumberOfTests', false) && withTests.some((s) => s.set.plan !== null && s.set.plan.last !== s.set.tests.length)) {
    log('Not all test cases were executed according to the test set plan. Marking build as UNSTABLE');
    worsen('UNSTABLE');
  }
  if (report.failed > 0) {
    if (bool(args, 'failedTestsMarkBuildAsFailure', false)) {
      log('There are failed test cases and the job is configured to mark the build as failure. Marking build as FAILURE');
      worsen('FAILURE');
    } else {
      log('There are failed test cases. Marking build as UNSTABLE');
      worsen('UNSTABLE');
    }
  }
  if (result !== 'SUCCESS') ctx.build.setResult(result, result);
  log('TAP Reports Processing: FINISH');
  return null;
};

const runtime: PluginRuntime = { steps: { TapPublisher, publishTap: TapPublisher } };
export default runtime;
