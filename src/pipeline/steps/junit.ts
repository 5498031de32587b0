// junit: records test results from JUnit XML files; failures make the build UNSTABLE.
import path from 'node:path/posix';
import type { StepRun } from '../plugin.ts';
import { type TestReport } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, reqStr, str } from './args.ts';
import { JUnitParseError, parseJUnit } from './junit-xml.ts';

export const run: StepRun = async (ctx, args) => {
  const patterns = reqStr(args, 'testResults', 'junit');
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const files = await ws.glob(base, patterns);
  if (files.length === 0) {
    if (bool(args, 'allowEmptyResults', false)) {
      ctx.log(`None of the test reports contained any result (no file matches '${patterns}')`);
      return null;
    }
    throw new StepFailure(`No test report files were found matching '${patterns}'. Configuration error?`);
  }
  // stdioRetention (junit 1.x): ALL keeps every output whole; FAILED (the default, as keepLongStdio: false) cuts
  // passing tests' output past 4 KiB; NONE cuts failing tests' too.
  const retention = str(args, 'stdioRetention') ?? (bool(args, 'keepLongStdio', false) ? 'ALL' : 'FAILED');
  const report: TestReport = { total: 0, failed: 0, errors: 0, skipped: 0, passed: 0, cases: [] };
  for (const f of files) {
    const xml = (await ws.readFile(path.join(base, f))).toString('utf8');
    let cases;
    try {
      cases = parseJUnit(xml, f);
    } catch (err) {
      if (err instanceof JUnitParseError) throw new StepFailure(`junit: ${err.message}`);
      throw err;
    }
    for (const c of cases) {
      if (retention === 'NONE' || (retention === 'FAILED' && c.status === 'passed')) {
        c.stdout = c.stdout && c.stdout.length > 4096 ? c.stdout.slice(0, 4096) + '\n...[truncated]' : c.stdout;
        c.stderr = c.stderr && c.stderr.length > 4096 ? c.stderr.slice(0, 4096) + '\n...[truncated]' : c.stderr;
      }
      report.cases.push(c);
    }
  }
  for (const c of report.cases) {
    report.total++;
    if (c.status === 'failed') report.failed++;
    else if (c.status === 'error') report.errors++;
    else if (c.status === 'skipped') report.skipped++;
    else report.passed++;
  }
  await ctx.build.services.tests.record(report);
  const bad = report.failed + report.errors;
  ctx.log(`Recording test results: ${report.total} tests, ${bad} failed, ${report.skipped} skipped (${files.length} report file(s))`);
  if (bad > 0) {
    for (const c of report.cases.filter((x) => x.status === 'failed' || x.status === 'error').slice(0, 10)) {
      ctx.log(`  FAILED ${c.className}.${c.name}${c.message ? `: ${c.message}` : ''}`);
    }
    if (!bool(args, 'skipMarkingBuildUnstable', false)) ctx.build.setResult('UNSTABLE', 'UNSTABLE');
  }
  return report.total === 0 ? null : new Map<string, number>([['totalCount', report.total], ['failCount', bad], ['skipCount', report.skipped], ['passCount', report.passed]]);
};
