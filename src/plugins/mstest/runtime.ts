// What mstest / step([$class: 'MSTestPublisher']) do (declared in index.ts), as the MSTest
// plugin's MSTestPublisher: the pattern ($VARS expanded) is said ("[MSTEST-PLUGIN] INFO
// processing test results in file(s) ..."), each matching .trx file ("... processing report
// file: f") is read (trx.ts: UnitTestResult outcomes, TestDefinitions' class names, ErrorInfo,
// StdOut/StdErr; a document declaring entities is refused), and the results are the build's tests. No file: with failOnError (the default) the
// step fails with "[MSTEST-PLUGIN] No MSTest TRX test report files were found. Configuration
// error?", else a WARN line. Files with no result: "None of the test reports contained any
// result" (FAILURE with failOnError). failIfNotNew refuses a file older than the build's start
// (JUnit's words). A failed test makes the build UNSTABLE. Passing tests' output is cut past
// 4 KiB unless keepLongStdio.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { TestCase, TestReport } from '../../pipeline/steps/types.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { expandEnv, leavesWorkspace } from '../../pipeline/steps/report-patterns.ts';
import { TrxError, parseTrx } from './trx.ts';

const PREFIX = '[MSTEST-PLUGIN]';
/** The largest TRX file read (it is parsed whole). */
const MAX_TRX = 256 * 1024 * 1024;
/** How much of a passing test's output is kept without keepLongStdio. */
const STDIO_CUT = 4096;

const cut = (s: string | null): string | null => (s && s.length > STDIO_CUT ? `${s.slice(0, STDIO_CUT)}\n...[truncated]` : s);

const mstest: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const failOnError = bool(args, 'failOnError', true);
  const failIfNotNew = bool(args, 'failIfNotNew', true);
  const keepLongStdio = bool(args, 'keepLongStdio', false);
  const info = (m: string) => ctx.log(`${PREFIX} INFO ${m}`);
  const pattern = (str(args, 'testResultsFile')?.trim() || '**/*.trx');
  const resolved = expandEnv(ctx, pattern);
  if (resolved !== pattern) ctx.log(`${PREFIX} DEBUG the path ${pattern} has been resolved to ${resolved}`);
  info(`processing test results in file(s) ${resolved}`);
  const base = ctx.cwd ?? ws.root;
  let files: string[];
  if (resolved.startsWith('/')) {
    // The plugin takes an absolute file as it is; Kiln only one inside the workspace.
    const inside = resolved.startsWith(`${ws.root.replace(/\/+$/, '')}/`) && !resolved.split('/').includes('..');
    if (!inside) throw new StepFailure(`mstest: the file '${resolved}' is outside the workspace; give the TRX files relative to the workspace (e.g. '**/*.trx')`);
    files = (await ws.stat(resolved)) ? [resolved] : [];
  } else {
    for (const part of resolved.split(',').map((p) => p.trim()).filter(Boolean)) {
      if (leavesWorkspace(part)) throw new StepFailure(`mstest: the pattern '${part}' leaves the workspace; give the TRX files relative to the workspace (e.g. '**/*.trx')`);
    }
    files = (await ws.glob(base, resolved)).map((f) => path.join(base, f));
  }
  if (files.length === 0) {
    if (!failOnError) {
      ctx.log(`${PREFIX} WARN No MSTest TRX test report files were found. Ignoring.`);
      return null;
    }
    throw new StepFailure(`${PREFIX} No MSTest TRX test report files were found. Configuration error?`);
  }
  const startedAt = ctx.build.startedAt;
  const cases: TestCase[] = [];
  for (const f of files) {
    info(`processing report file: ${f}`);
    const st = await ws.stat(f);
    if (st && st.size > MAX_TRX) throw new StepFailure(`${PREFIX} the report file ${f} is larger than ${MAX_TRX / 1024 / 1024} MiB`);
    if (failIfNotNew && startedAt !== undefined && st?.mtimeMs !== undefined && st.mtimeMs < startedAt - 3000) {
      throw new StepFailure(`Test reports were found but not all of them are new. Did all the tests run?\n  * ${f} is ${Math.round((startedAt - st.mtimeMs) / 1000)} s old`);
    }
    const xml = (await ws.readFile(f)).toString('utf8').replace(/^\uFEFF/, '');
    try {
      cases.push(...parseTrx(xml));
    } catch (e) {
      if (!(e instanceof TrxError)) throw e;
      throw new StepFailure(`${PREFIX} Unable to transform the MSTest report ${f}: ${e.message}`);
    }
  }
  const report: TestReport = { total: 0, failed: 0, errors: 0, skipped: 0, passed: 0, cases: [] };
  for (const c of cases) {
    if (!keepLongStdio && c.status === 'passed') { c.stdout = cut(c.stdout); c.stderr = cut(c.stderr); }
    report.cases.push(c);
    report.total++;
    if (c.status === 'failed') report.failed++;
    else if (c.status === 'error') report.errors++;
    else if (c.status === 'skipped') report.skipped++;
    else report.passed++;
  }
  if (report.passed === 0 && report.failed + report.errors === 0) {
    ctx.log('None of the test reports contained any result');
    if (failOnError) ctx.build.setResult('FAILURE');
    return null;
  }
  await ctx.build.services.tests.record(report);
  if (report.failed + report.errors > 0) ctx.build.setResult('UNSTABLE', 'UNSTABLE');
  return null;
};

const runtime: PluginRuntime = { steps: { mstest, MSTestPublisher: mstest } };
export default runtime;

