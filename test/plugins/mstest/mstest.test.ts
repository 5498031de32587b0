// The MSTest plugin's mstest / step([$class: 'MSTestPublisher']) on TRX files written here from
// the vstest TRX schema (TestRun, TestDefinitions/UnitTest/TestMethod, Results/UnitTestResult
// with Output/StdOut and ErrorInfo): the build's test results, the plugin's console lines, a
// failed test making the build UNSTABLE; no file (failOnError or not), an old file
// (failIfNotNew); hostile XML (documents declaring entities are refused before parsing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline, oneStage } from '../../pipeline/engine/harness.ts';
import { tempDir } from '../../helpers/tmp.ts';

const NS = 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010';

interface T { id: string; cls: string; name: string; outcome: string; duration?: string; stdout?: string; message?: string; stack?: string }

function trx(tests: T[]): string {
  const defs = tests.map((t) => `    <UnitTest name="${t.name}" storage="/src/bin/calc.tests.dll" id="${t.id}">
      <Execution id="e-${t.id}" />
      <TestMethod codeBase="/src/bin/calc.tests.dll" adapterTypeName="executor://mstestadapter/v2" className="${t.cls}, Calc.Tests, Version=1.0.0.0, Culture=neutral" name="${t.name}" />
    </UnitTest>`).join('\n');
  const results = tests.map((t) => `    <UnitTestResult executionId="e-${t.id}" testId="${t.id}" testName="${t.name}" computerName="ci" duration="${t.duration ?? '00:00:00.0120000'}" startTime="2026-12-07T10:00:00.000+00:00" endTime="2026-12-07T10:00:00.012+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="${t.outcome}" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="e-${t.id}">
      <Output>${t.stdout ? `
        <StdOut>${t.stdout}</StdOut>` : ''}${t.message ? `
        <ErrorInfo>
          <Message>${t.message}</Message>
          <StackTrace>${t.stack ?? ''}</StackTrace>
        </ErrorInfo>` : ''}
      </Output>
    </UnitTestResult>`).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<TestRun id="a1b2c3d4-0000-4000-8000-000000000001" name="ci@ci 2026-12-07 10:00:00" xmlns="${NS}">
  <Times creation="2026-12-07T10:00:00.000+00:00" queuing="2026-12-07T10:00:00.000+00:00" start="2026-12-07T10:00:00.000+00:00" finish="2026-12-07T10:00:01.000+00:00" />
  <TestSettings name="default" id="a1b2c3d4-0000-4000-8000-000000000002" />
  <Results>
${results}
  </Results>
  <TestDefinitions>
${defs}
  </TestDefinitions>
  <TestLists>
    <TestList name="Results Not in a List" id="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
  </TestLists>
  <ResultSummary outcome="Failed">
    <Counters total="${tests.length}" executed="${tests.length}" />
  </ResultSummary>
</TestRun>
`;
}

function workspace(files: Record<string, string>): string {
  const ws = path.join(tempDir('mstest'), 'ws');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    writeFileSync(path.join(ws, name), text);
  }
  return ws;
}

const TESTS: T[] = [
  { id: 't1', cls: 'Calc.Tests.AdderTests', name: 'AddsTwoNumbers', outcome: 'Passed', stdout: 'adding 2 and 2' },
  { id: 't2', cls: 'Calc.Tests.AdderTests', name: 'AddsNegative', outcome: 'Failed', duration: '00:00:01.5000000', message: 'Assert.AreEqual failed. Expected:&lt;-1&gt;. Actual:&lt;1&gt;.', stack: '   at Calc.Tests.AdderTests.AddsNegative() in /src/AdderTests.cs:line 21' },
  { id: 't3', cls: 'Calc.Tests.DividerTests', name: 'DividesByZero', outcome: 'NotExecuted' },
  { id: 't4', cls: 'Calc.Tests.DividerTests', name: 'Divides', outcome: 'Passed', stdout: 'x'.repeat(10_000) },
];

test('mstest records a TRX as the build\'s tests: the plugin\'s lines, a failed test makes the build UNSTABLE, passing output cut unless keepLongStdio', async () => {
  const ws = workspace({ 'TestResults/run1.trx': trx(TESTS) });
  const { state, console, h } = await runPipeline(oneStage("sh 'touch TestResults/run1.trx'\n        mstest testResultsFile: '**/*.trx'"), { workspace: ws });
  assert.equal(state.result, 'UNSTABLE', console);
  assert.match(console, /\[MSTEST-PLUGIN\] INFO processing test results in file\(s\) \*\*\/\*\.trx\n/);
  assert.match(console, new RegExp(`\\[MSTEST-PLUGIN\\] INFO processing report file: ${ws}/TestResults/run1\\.trx\\n`));
  assert.equal(h.reports.length, 1);
  const r = h.reports[0]!;
  assert.deepEqual({ total: r.total, passed: r.passed, failed: r.failed, skipped: r.skipped }, { total: 4, passed: 2, failed: 1, skipped: 1 });
  const failed = r.cases.find((c) => c.name === 'AddsNegative')!;
  assert.equal(failed.className, 'Calc.Tests.AdderTests');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.durationMs, 1500);
  assert.equal(failed.message, 'Assert.AreEqual failed. Expected:<-1>. Actual:<1>.');
  assert.match(failed.details ?? '', /AdderTests\.cs:line 21/);
  assert.equal(r.cases.find((c) => c.name === 'AddsTwoNumbers')!.stdout, 'adding 2 and 2');
  assert.match(r.cases.find((c) => c.name === 'Divides')!.stdout ?? '', /^x{4096}\n\.\.\.\[truncated\]$/);

  const kept = await runPipeline(oneStage("sh 'touch TestResults/run1.trx'\n        step([$class: 'MSTestPublisher', testResultsFile: 'TestResults/*.trx', keepLongStdio: true])"), { workspace: ws });
  assert.equal(kept.state.result, 'UNSTABLE', kept.console);
  assert.equal(kept.h.reports[0]!.cases.find((c) => c.name === 'Divides')!.stdout, 'x'.repeat(10_000));
});

test('mstest without a TRX file: FAILURE with the plugin\'s message, or a WARN line with failOnError: false; a file older than the build fails with failIfNotNew', async () => {
  const ws = workspace({ 'old/run.trx': trx([TESTS[0]!]) });
  let r = await runPipeline(oneStage("mstest testResultsFile: 'none/*.trx'"), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /\[MSTEST-PLUGIN\] No MSTest TRX test report files were found\. Configuration error\?/);
  r = await runPipeline(oneStage("mstest testResultsFile: 'none/*.trx', failOnError: false"), { workspace: ws });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /\[MSTEST-PLUGIN\] WARN No MSTest TRX test report files were found\. Ignoring\./);
  const past = new Date(Date.now() - 3600_000);
  utimesSync(path.join(ws, 'old/run.trx'), past, past);
  r = await runPipeline(oneStage("mstest testResultsFile: 'old/*.trx'"), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /Test reports were found but not all of them are new\. Did all the tests run\?/);
  r = await runPipeline(oneStage("mstest testResultsFile: 'old/*.trx', failIfNotNew: false"), { workspace: ws });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.equal(r.h.reports[0]!.passed, 1);
  r = await runPipeline(oneStage("mstest testResultsFile: '../*.trx'"), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /mstest: the pattern '\.\.\/\*\.trx' leaves the workspace/);
});

test('mstest on hostile XML: documents declaring entities (an external one, a billion laughs) are refused unread, a broken file fails clearly', async () => {
  const secretFile = path.join(tempDir('mstest-secret'), 'secret.txt');
  writeFileSync(secretFile, 'TOP-SECRET-CONTENT');
  const xxe = trx([{ ...TESTS[1]!, message: '&xxe;' }]).replace('<TestRun ', `<!DOCTYPE TestRun [ <!ENTITY xxe SYSTEM "file://${secretFile}"> ]>\n<TestRun `);
  const lol = `<?xml version="1.0"?>
<!DOCTYPE TestRun [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
${trx([{ ...TESTS[1]!, message: '&g;' }]).replace(/^<\?xml[^>]*>\n/, '')}`;
  const ws = workspace({ 'xxe/r.trx': xxe, 'lol/r.trx': lol, 'bad/r.trx': '<TestRun><Results>' });
  let r = await runPipeline(oneStage("sh 'touch xxe/r.trx'\n        mstest testResultsFile: 'xxe/*.trx'"), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /\[MSTEST-PLUGIN\] Unable to transform the MSTest report \S+xxe\/r\.trx: the document declares entities/);
  assert.ok(!r.console.includes('TOP-SECRET-CONTENT'), r.console);
  assert.equal(r.h.reports.length, 0);
  r = await runPipeline(oneStage("sh 'touch lol/r.trx'\n        mstest testResultsFile: 'lol/*.trx'"), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /the document declares entities/);
  assert.equal(r.h.reports.length, 0);
  r = await runPipeline(oneStage("sh 'touch bad/r.trx'\n        mstest testResultsFile: 'bad/*.trx'"), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /\[MSTEST-PLUGIN\] Unable to transform the MSTest report \S+bad\/r\.trx: not well-formed XML/);
});
