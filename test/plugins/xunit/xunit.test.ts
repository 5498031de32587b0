// The xUnit plugin's xunit step and XUnitPublisher, through `kiln run` (the real CLI): a real CMake
// project's tests run by the real `ctest -T Test` (its Test.xml: passed, failed and disabled tests),
// and reports of the other tools written here in each framework's documented format (GoogleTest's
// --gtest_output=xml, Boost.Test's XML log, NUnit 2 and 3, a .trx of MSTest, libcheck's XML,
// CppUnit's XmlOutputter, QTestLib's xml, xUnit.net v2, PHPUnit's JUnit log). What a user sees: the
// tests the build recorded (tests.json, what the tests page shows), the console lines the plugin
// prints, the thresholds' result, and the errors: no report, a report older than the build, an
// invalid one, a bad threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

interface Case { className: string; name: string; status: string; message: string | null; durationMs: number }
interface Report { total: number; failed: number; errors: number; skipped: number; passed: number; cases: Case[] }

function project(jenkinsfile: string, files: Record<string, string> = {}): string {
  const dir = tempDir('xunit');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}
const run = (dir: string) => runKiln(['run', '--job', 'shop'], { cwd: dir });
const reports = (dir: string): Report[] => {
  const f = path.join(dir, '.kiln/runs/1/tests.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) as Report[] : [];
};
const brief = (r: Report) => r.cases.map((c) => `${c.className}.${c.name}=${c.status}${c.message ? ` (${c.message})` : ''}`);

const CMAKE = `cmake_minimum_required(VERSION 3.10)
project(shop NONE)
include(CTest)
add_test(NAME adds COMMAND sh -c "echo adding; exit 0")
add_test(NAME divides-by-zero COMMAND sh -c "echo 'division by zero' >&2; exit 3")
add_test(NAME slow COMMAND true)
set_tests_properties(slow PROPERTIES DISABLED TRUE)
add_subdirectory(money)
`;

test('CTest: the reports of a real `ctest -T Test` run, recorded with a failed and a disabled test; failed(unstableThreshold) makes the build and stage UNSTABLE', async () => {
  for (const tool of ['cmake', 'ctest']) {
    try { execFileSync('sh', ['-c', `command -v ${tool}`]); } catch { assert.fail(`${tool} is not installed on this machine: install CMake (apt-get install -y cmake) to run this test`); }
  }
  const dir = project(`
pipeline {
  agent any
  stages {
    stage('test') { steps {
      sh 'cmake -S . -B build >/dev/null && cd build && (ctest -T Test >/dev/null || true)'
      script {
        def r = xunit(tools: [CTest(pattern: 'build/Testing/**/Test.xml', deleteOutputFiles: false)],
                      thresholds: [failed(unstableThreshold: '0', failureThreshold: '1'), skipped(failureThreshold: '5')], thresholdMode: 1)
        echo "totals: \${r.totalCount} \${r.failCount} \${r.skipCount} \${r.passCount}"
      }
      junit 'generatedJUnitFiles/CTest/*.xml'
    } }
  }
}`, { 'CMakeLists.txt': CMAKE, 'money/CMakeLists.txt': 'add_test(NAME rounds COMMAND true)\n' });
  const r = await run(dir);
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE
  assert.match(r.stdout, /^INFO: Processing CTest$/m);
  assert.match(r.stdout, /^INFO: \[CTest\] - 1 test report file\(s\) were found with the pattern 'build\/Testing\/\*\*\/Test\.xml' relative to '.+' for the testing framework 'CTest'\.$/m);
  assert.match(r.stdout, /^INFO: Check 'Failed Tests' threshold\.$/m);
  assert.match(r.stdout, /^INFO: The total number of tests for the threshold 'Failed Tests' exceeds the specified "unstable threshold" value\.$/m);
  assert.doesNotMatch(r.stdout, /Check 'Skipped Tests'/); // the first threshold crossed decides
  assert.match(r.stdout, /^totals: 4 1 1 2$/m);
  assert.match(r.stdout, /test\s+UNSTABLE/);
  const [xunit, junit] = reports(dir);
  assert.deepEqual(brief(xunit!).sort(), [
    'projectroot.adds=passed', 'projectroot.divides_by_zero=failed (exit value 3)', 'projectroot.money.rounds=passed', 'projectroot.slow=skipped (Disabled)',
  ]);
  assert.equal(xunit!.cases.find((c) => c.name === 'divides_by_zero')!.durationMs >= 0, true);
  // deleteOutputFiles: false kept the conversion, which the junit step reads the same.
  assert.deepEqual(brief(junit!).sort(), brief(xunit!).sort());
});

const GTEST = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" failures="1" disabled="1" errors="0" time="0.01" name="AllTests">
  <testsuite name="CartTest" tests="3" failures="1" disabled="1" errors="0" time="0.01">
    <testcase name="AddsItem" status="run" result="completed" time="0.002" classname="CartTest" />
    <testcase name="Total" status="run" result="completed" time="0.003" classname="CartTest">
      <failure message="cart_test.cc:20&#x0A;Expected equality of these values:&#x0A;  total&#x0A;    Which is: 3&#x0A;  4" type=""><![CDATA[cart_test.cc:20
Expected equality of these values:
  total
    Which is: 3
  4]]></failure>
    </testcase>
    <testcase name="DISABLED_Slow" status="notrun" result="suppressed" time="0" classname="CartTest" />
  </testsuite>
</testsuites>`;
const BOOST = `<TestLog><TestSuite name="Shop"><TestSuite name="cart"><TestCase name="adds" file="cart.cpp" line="5"><Message file="cart.cpp" line="6">adding</Message><TestingTime>1500</TestingTime></TestCase><TestCase name="total" file="cart.cpp" line="9"><Error file="cart.cpp" line="11"><![CDATA[check total == 4 has failed [3 != 4]]]></Error><TestingTime>200</TestingTime></TestCase><TestCase name="slow" skipped="yes" reason="disabled"/></TestSuite></TestSuite></TestLog>`;
const NUNIT2 = `<?xml version="1.0" encoding="utf-8"?>
<test-results name="Shop.Tests.dll" total="3" errors="0" failures="1" not-run="1" date="2024-01-01" time="10:00:00">
  <test-suite type="Assembly" name="Shop.Tests.dll" executed="True" result="Failure" success="False" time="0.05">
    <results>
      <test-suite type="TestFixture" name="CartTests" executed="True" result="Failure" success="False" time="0.05">
        <results>
          <test-case name="Shop.Tests.CartTests.AddsItem" executed="True" result="Success" success="True" time="0.010" asserts="1" />
          <test-case name="Shop.Tests.CartTests.Total" executed="True" result="Failure" success="False" time="0.020" asserts="1">
            <failure><message><![CDATA[  Expected: 4
  But was:  3]]></message><stack-trace><![CDATA[at Shop.Tests.CartTests.Total() in CartTests.cs:line 20]]></stack-trace></failure>
          </test-case>
          <test-case name="Shop.Tests.CartTests.Slow" executed="False" result="Ignored"><reason><message><![CDATA[too slow]]></message></reason></test-case>
        </results>
      </test-suite>
    </results>
  </test-suite>
</test-results>`;
const NUNIT3 = `<?xml version="1.0" encoding="utf-8"?>
<test-run id="0" testcasecount="3" result="Failed" total="3" passed="1" failed="1" skipped="1">
  <test-suite type="Assembly" name="Shop.Tests.dll" fullname="Shop.Tests.dll">
    <test-suite type="TestFixture" name="CartTests" fullname="Shop.Tests.CartTests" classname="Shop.Tests.CartTests">
      <test-case id="1" name="AddsItem" fullname="Shop.Tests.CartTests.AddsItem" methodname="AddsItem" classname="Shop.Tests.CartTests" result="Passed" duration="0.01" />
      <test-case id="2" name="Total" fullname="Shop.Tests.CartTests.Total" methodname="Total" classname="Shop.Tests.CartTests" result="Failed" label="Error" duration="0.02">
        <failure><message><![CDATA[System.NullReferenceException : no cart]]></message><stack-trace><![CDATA[at Shop.Cart.Total()]]></stack-trace></failure>
      </test-case>
      <test-case id="3" name="Slow" fullname="Shop.Tests.CartTests.Slow" methodname="Slow" classname="Shop.Tests.CartTests" result="Skipped" label="Ignored" duration="0"><reason><message><![CDATA[too slow]]></message></reason></test-case>
    </test-suite>
  </test-suite>
</test-run>`;
const TRX = `<?xml version="1.0" encoding="utf-8"?>
<TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult executionId="e1" testId="t1" testName="AddsItem" duration="00:00:00.0120000" outcome="Passed"><Output><StdOut>added</StdOut></Output></UnitTestResult>
    <UnitTestResult executionId="e2" testId="t2" testName="Total" duration="00:00:01.5000000" outcome="Failed"><Output><ErrorInfo><Message>Assert.AreEqual failed. Expected:&lt;4&gt;. Actual:&lt;3&gt;.</Message><StackTrace>at Shop.Tests.CartTests.Total()</StackTrace></ErrorInfo></Output></UnitTestResult>
    <UnitTestResult executionId="e3" testId="t3" testName="Slow" duration="00:00:00" outcome="NotExecuted" />
  </Results>
  <TestDefinitions>
    <UnitTest name="AddsItem" id="t1"><TestMethod className="Shop.Tests.CartTests, Shop.Tests" name="AddsItem" /></UnitTest>
    <UnitTest name="Total" id="t2"><TestMethod className="Shop.Tests.CartTests, Shop.Tests" name="Total" /></UnitTest>
    <UnitTest name="Slow" id="t3"><TestMethod className="Shop.Tests.CartTests, Shop.Tests" name="Slow" /></UnitTest>
  </TestDefinitions>
</TestRun>`;
const CHECK = `<?xml version="1.0"?>
<testsuites xmlns="http://check.sourceforge.net/ns">
  <datetime>2024-01-01 10:00:00</datetime>
  <suite>
    <title>Money</title>
    <test result="success"><path>.</path><fn>check_money.c:18</fn><id>test_money_create</id><iteration>0</iteration><duration>0.001</duration><description>Core</description><message>Passed</message></test>
    <test result="failure"><path>.</path><fn>check_money.c:25</fn><id>test_money_add</id><iteration>0</iteration><duration>0.002</duration><description>Core</description><message>Amount not set correctly on creation</message></test>
    <test result="error"><path>.</path><fn>check_money.c:31</fn><id>test_money_neg</id><iteration>0</iteration><duration>0.001</duration><description>Limits</description><message>Received signal 11 (Segmentation fault)</message></test>
  </suite>
  <duration>0.004</duration>
</testsuites>`;
const CPPUNIT = `<?xml version="1.0" encoding='ISO-8859-1' standalone='yes' ?>
<TestRun>
  <FailedTests>
    <FailedTest id="2"><Name>MoneyTest::testAdd</Name><FailureType>Assertion</FailureType><Location><File>MoneyTest.cpp</File><Line>40</Line></Location><Message>equality assertion failed</Message></FailedTest>
    <FailedTest id="3"><Name>MoneyTest::testParse</Name><FailureType>Error</FailureType><Message>uncaught exception of type std::exception</Message></FailedTest>
  </FailedTests>
  <SuccessfulTests><Test id="1"><Name>MoneyTest::testConstructor</Name></Test></SuccessfulTests>
  <Statistics><Tests>3</Tests><FailuresTotal>2</FailuresTotal><Errors>1</Errors><Failures>1</Failures></Statistics>
</TestRun>`;
const QTEST = `<?xml version="1.0" encoding="UTF-8"?>
<TestCase name="TestCart">
  <Environment><QtVersion>5.15.2</QtVersion><QtBuild/><QTestVersion>5.15.2</QTestVersion></Environment>
  <TestFunction name="initTestCase"><Incident type="pass" file="" line="0" /><Duration msecs="0.1"/></TestFunction>
  <TestFunction name="total"><Incident type="fail" file="tst_cart.cpp" line="30"><DataTag><![CDATA[two items]]></DataTag><Description><![CDATA[Compared values are not the same
   Actual   (cart.total()): 3
   Expected (4)           : 4]]></Description></Incident><Duration msecs="2"/></TestFunction>
  <TestFunction name="slow"><Incident type="skip" file="tst_cart.cpp" line="40"><Description><![CDATA[too slow]]></Description></Incident><Duration msecs="0"/></TestFunction>
  <Duration msecs="3"/>
</TestCase>`;
const XUNITNET = `<?xml version="1.0" encoding="utf-8"?>
<assemblies>
  <assembly name="Shop.Tests.dll" total="3" passed="1" failed="1" skipped="1">
    <collection name="Test collection for Shop.Tests.CartTests" total="3">
      <test name="Shop.Tests.CartTests.AddsItem" type="Shop.Tests.CartTests" method="AddsItem" time="0.01" result="Pass" />
      <test name="Shop.Tests.CartTests.Total" type="Shop.Tests.CartTests" method="Total" time="0.02" result="Fail"><failure exception-type="Xunit.Sdk.EqualException"><message><![CDATA[Assert.Equal() Failure]]></message><stack-trace><![CDATA[at Shop.Tests.CartTests.Total()]]></stack-trace></failure></test>
      <test name="Shop.Tests.CartTests.Slow" type="Shop.Tests.CartTests" method="Slow" time="0" result="Skip"><reason><![CDATA[too slow]]></reason></test>
    </collection>
  </assembly>
</assemblies>`;
const PHPUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="Shop" tests="2" failures="1"><testsuite name="CartTest" file="tests/CartTest.php" tests="2" failures="1">
  <testcase name="testAdds" class="CartTest" classname="CartTest" file="tests/CartTest.php" line="8" assertions="1" time="0.001"/>
  <testcase name="testTotal" class="CartTest" classname="CartTest" file="tests/CartTest.php" line="14" assertions="1" time="0.002"><failure type="PHPUnit\\Framework\\ExpectationFailedException">Failed asserting that 3 matches expected 4.</failure></testcase>
</testsuite></testsuite></testsuites>`;

test("every tool's format, through step([$class: 'XUnitPublisher']) and xunit: the tests each framework reports, named as the plugin's stylesheets name them", async () => {
  const dir = project(`
node {
  sh 'touch reports/*'   // written during the build, as a test run writes them (failIfNotNew)
  step([$class: 'XUnitPublisher', testTimeMargin: '3000', thresholdMode: 1, thresholds: [], tools: [
    [$class: 'GoogleTestType', pattern: 'reports/gtest.xml', skipNoTestFiles: false, failIfNotNew: true, deleteOutputFiles: true, stopProcessingIfError: true],
    [$class: 'BoostTestJunitHudsonTestType', pattern: 'reports/boost.xml'],
    [$class: 'NUnitJunitHudsonTestType', pattern: 'reports/nunit2.xml'],
  ]])
  xunit([NUnit3('reports/nunit3.xml'), MSTest(pattern: 'reports/*.trx'), Check(pattern: 'reports/check.xml'), CppUnit(pattern: 'reports/cppunit.xml'),
         QtTest(pattern: 'reports/qtest.xml'), xUnitDotNet(pattern: 'reports/xunitnet.xml'), PHPUnit(pattern: 'reports/phpunit.xml')])
}`, {
    'reports/gtest.xml': GTEST, 'reports/boost.xml': BOOST, 'reports/nunit2.xml': NUNIT2, 'reports/nunit3.xml': NUNIT3, 'reports/run.trx': TRX,
    'reports/check.xml': CHECK, 'reports/cppunit.xml': CPPUNIT, 'reports/qtest.xml': QTEST, 'reports/xunitnet.xml': XUNITNET, 'reports/phpunit.xml': PHPUNIT,
  });
  const r = await run(dir);
  // No thresholds: failed tests leave the result as it is (the plugin sets it only from thresholds).
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^INFO: Setting the build status to SUCCESS$/m);
  for (const label of ['GoogleTest', 'BoostTest', 'NUnit', 'NUnit3', 'MSTest', 'Check', 'CppUnit', 'QTestLib', 'xUnit.Net', 'PHPUnit']) assert.match(r.stdout, new RegExp(`^INFO: Processing ${label.replace('.', '\\.')}$`, 'm'));
  const [pub, step] = reports(dir);
  assert.deepEqual(brief(pub!), [
    'CartTest.AddsItem=passed', 'CartTest.Total=failed (cart_test.cc:20)', 'CartTest.DISABLED_Slow=skipped',
    'Shop.cart.adds=passed', 'Shop.cart.total=failed (check total == 4 has failed [3 != 4])', 'Shop.cart.slow=skipped (disabled)',
    'Shop.Tests.CartTests.AddsItem=passed', 'Shop.Tests.CartTests.Total=failed (Expected: 4\n  But was:  3)', 'Shop.Tests.CartTests.Slow=skipped (too slow)',
  ]);
  assert.deepEqual(brief(step!), [
    'Shop.Tests.CartTests.AddsItem=passed', 'Shop.Tests.CartTests.Total=error (System.NullReferenceException : no cart)', 'Shop.Tests.CartTests.Slow=skipped (too slow)',
    'Shop.Tests.CartTests.AddsItem=passed', 'Shop.Tests.CartTests.Total=failed (Assert.AreEqual failed. Expected:<4>. Actual:<3>.)', 'Shop.Tests.CartTests.Slow=skipped',
    'Money.Core.test_money_create=passed', 'Money.Core.test_money_add=failed (Amount not set correctly on creation)', 'Money.Limits.test_money_neg=error (Received signal 11 (Segmentation fault))',
    'MoneyTest.testAdd=failed (equality assertion failed)', 'MoneyTest.testParse=error (uncaught exception of type std::exception)', 'MoneyTest.testConstructor=passed',
    'TestCart.initTestCase=passed', 'TestCart.total=failed (Compared values are not the same\n   Actual   (cart.total()): 3\n   Expected (4)           : 4)', 'TestCart.slow=skipped (too slow)',
    'Shop.Tests.CartTests.AddsItem=passed', 'Shop.Tests.CartTests.Total=failed (Assert.Equal() Failure)', 'Shop.Tests.CartTests.Slow=skipped (too slow)',
    'CartTest.testAdds=passed', 'CartTest.testTotal=failed',
  ]);
  assert.equal(step!.cases.find((c) => c.name === 'Total' && c.status === 'failed' && c.durationMs === 1500) !== undefined, true); // the .trx duration
  assert.equal(pub!.cases.find((c) => c.name === 'adds')!.durationMs, 2); // Boost.Test's µs
});

test('thresholds: percents (thresholdMode 2), skipped and passed thresholds, FAILURE over UNSTABLE; the publisher keeps a worse result', async () => {
  const files = { 'reports/gtest.xml': GTEST };
  const jf = (call: string) => project(`node { sh 'touch reports/*'\n${call}\n}`, files);
  // 1 of 3 failed = 33%: over a 30% failure threshold.
  const pct = await run(jf(`xunit(tools: [GoogleTest('reports/*.xml')], thresholdMode: 2, thresholds: [skipped(unstableThreshold: '50'), failed(unstableThreshold: '10', failureThreshold: '30')])`));
  assert.equal(pct.code, 1, pct.stdout + pct.stderr);
  assert.match(pct.stdout, /^INFO: Check 'Skipped Tests' threshold\.\nINFO: Check 'Failed Tests' threshold\.\nINFO: The total number of tests for the threshold 'Failed Tests' exceeds the specified "failure threshold" value\.$/m);
  // Numbers: one failure is within failureThreshold 1; the skipped one over 0; passed 1 is fewer than 2.
  const skipped = await run(jf(`xunit(tools: [GoogleTest('reports/*.xml')], thresholds: [failed(failureThreshold: 1), skipped(unstableNewThreshold: '0')])`));
  assert.equal(skipped.code, 3, skipped.stdout + skipped.stderr);
  assert.match(skipped.stdout, /^INFO: The new number of tests for the threshold 'Skipped Tests' exceeds the specified "new unstable threshold" value\.$/m);
  const passed = await run(jf(`xunit(tools: [GoogleTest('reports/*.xml')], thresholds: [passed(failureThreshold: '2')])`));
  assert.equal(passed.code, 1, passed.stdout + passed.stderr);
  const kept = await run(jf(`unstable 'earlier'\nstep([$class: 'XUnitPublisher', tools: [[$class: 'GoogleTestType', pattern: 'reports/*.xml']], thresholds: [[$class: 'FailedThreshold', unstableThreshold: '5']]])`));
  assert.equal(kept.code, 3, kept.stdout + kept.stderr);
  assert.match(kept.stdout, /^INFO: Setting the build status to UNSTABLE$/m);
  const bad = await run(jf(`xunit(tools: [GoogleTest('reports/*.xml')], thresholds: [failed(unstableThreshold: 'a few')])`));
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /xunit: thresholds\[0\]: failed\(unstableThreshold: "a few"\): a threshold is a whole number/);
});

test('no report, an old report, an invalid or empty one: the step fails with the plugin\'s message unless told to go on', async () => {
  const none = await run(project(`node { xunit([GoogleTest('out/*.xml')]) }`));
  assert.equal(none.code, 1, none.stdout + none.stderr);
  assert.match(none.stdout, /\[GoogleTest\] - No test report file\(s\) were found with the pattern 'out\/\*\.xml' relative to '.+' for the testing framework 'GoogleTest'\./);
  const skip = await run(project(`node { xunit([GoogleTest(pattern: 'out/*.xml', skipNoTestFiles: true)]); echo 'went on' }`));
  assert.equal(skip.code, 0, skip.stdout + skip.stderr);
  assert.match(skip.stdout, /^INFO: \[GoogleTest\] - No test report file\(s\) were found/m);
  assert.match(skip.stdout, /^went on$/m);
  assert.deepEqual(reports(project('')), []);

  // A report from before the build (checked in, left from an earlier run) is not this build's.
  const oldDir = project(`node { sh 'touch -d "2020-01-01 00:00:00" reports/gtest.xml'; xunit([GoogleTest('reports/*.xml')]) }`, { 'reports/gtest.xml': GTEST });
  const old = await run(oldDir);
  assert.equal(old.code, 1, old.stdout + old.stderr);
  assert.match(old.stdout, /Test reports were found but not all of them are new\. Did all the tests run\?\n\s*\* .*reports\/gtest\.xml is \d+ hr \d+ min old/);
  const oldOk = await run(project(`node { sh 'touch -d "2020-01-01 00:00:00" reports/gtest.xml'; xunit([GoogleTest(pattern: 'reports/*.xml', failIfNotNew: false)]) }`, { 'reports/gtest.xml': GTEST }));
  assert.equal(oldOk.code, 0, oldOk.stdout + oldOk.stderr);

  const files = { 'reports/a.xml': GTEST, 'reports/b.xml': '<testsuites><testsuite name="x">', 'reports/c.xml': '', 'reports/d.xml': NUNIT3 };
  const invalid = await run(project(`node { sh 'touch reports/*'; xunit([GoogleTest('reports/*.xml')]) }`, files));
  assert.equal(invalid.code, 1, invalid.stdout + invalid.stderr);
  assert.match(invalid.stdout, /The result file '.*reports\/b\.xml' for the metric 'GoogleTest' is not valid \(not well-formed XML at line \d+, column \d+: .*\)\. The result file has been skipped\./);
  const goOn = await run(project(`node { sh 'touch reports/*'; xunit([GoogleTest(pattern: 'reports/*.xml', stopProcessingIfError: false)]) }`, files));
  assert.equal(goOn.code, 0, goOn.stdout + goOn.stderr);
  assert.match(goOn.stdout, /^WARNING: The result file '.*reports\/c\.xml' for the metric 'GoogleTest' is empty\. The result file has been skipped\.$/m);
  assert.match(goOn.stdout, /^WARNING: The result file '.*reports\/d\.xml' for the metric 'GoogleTest' is not valid \(not a GoogleTest report \(no <testsuites> or <testsuite> element: run the tests with --gtest_output=xml:FILE\)\)\. The result file has been skipped\.$/m);
  assert.equal(reports(path.join(goOn.stdout.match(/kept in (.+)\/\.kiln\/runs\/1\)/)![1]!))[0]!.total, 3);

  const noTool = await run(project(`node { xunit(tools: []) }`));
  assert.match(noTool.stdout, /At least one tool must be specified for the xunit step\./);
  const unknown = await run(project(`node { xunit([Valgrind(pattern: 'x.xml')]) }`));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stdout + unknown.stderr, /Valgrind/);
});
