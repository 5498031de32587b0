// The Performance plugin's publisher (perfReport / step([$class: 'PerformancePublisher'])):
// the format readers on results files written as JMeter, JUnit and Taurus write them (JMeter
// itself cannot run here: Debian's jmeter 2.13 stops on XStream's ForbiddenClassException),
// then the real CLI (`kiln run`) on a workspace: the plugin's console lines, the error
// thresholds giving UNSTABLE / FAILURE, the response-time threshold, the relative mode against
// an earlier run, and hostile input (patterns leaving the workspace, a DOCTYPE with entities,
// a file over the size limit, formats Kiln does not read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { PerformanceReportError, Samples, detect, parseJMeterCsv, parseJMeterXml, parseJUnit, parseTaurus, summarize } from '../../../src/plugins/performance/parsers.ts';

/** A JMeter XML results file (jmeter.save.saveservice.output_format=xml): [label, ms, ok, code]. */
function jtl(samples: [string, number, boolean, string][], transaction?: [string, number, [string, number][]]): string {
  const line = ([lb, t, s, rc]: [string, number, boolean, string], i: number) =>
    `<httpSample t="${t}" it="0" lt="${Math.max(0, t - 5)}" ct="2" ts="${1700000000000 + i * 10}" s="${s}" lb="${lb}" rc="${rc}" rm="${s ? 'OK' : 'Not Found'}" tn="Users 1-1" dt="text" by="512" sby="120" ng="1" na="1"/>`;
  const tx = transaction ? `<sample t="${transaction[1]}" ts="1700000009999" s="true" lb="${transaction[0]}" rc="200" rm="OK" tn="Users 1-1">\n${transaction[2].map(([lb, t], i) => line([lb, t, true, '200'], i)).join('\n')}\n</sample>\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testResults version="1.2">\n${samples.map(line).join('\n')}\n${tx}</testResults>\n`;
}

const CSV = `timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect
1700000000000,100,login,200,OK,Users 1-1,text,true,,512,120,1,1,http://127.0.0.1/login,90,0,2
1700000000100,300,login,200,OK,Users 1-1,text,true,,512,120,1,1,http://127.0.0.1/login,290,0,2
1700000000200,50,"search, fast",500,"Server Error, ""boom""",Users 1-1,text,false,"Test failed: code expected 200
but was 500",10,120,1,1,http://127.0.0.1/search,49,0,1
`;

const parse = (f: (t: string, s: Samples) => void, text: string, filter: RegExp | null = null, exclude = false) => {
  const s = new Samples(filter, exclude);
  f(text, s);
  return summarize(s);
};

test('JMeter XML: per label samples, errors, average, median, 90 % line, min, max; a transaction counts once, not its sub-samples', () => {
  const text = jtl([['home', 100, true, '200'], ['home', 200, true, '200'], ['home', 300, true, '200'], ['home', 400, false, '404'], ['cart', 50, true, '200']],
    ['checkout', 700, [['pay', 300], ['confirm', 400]]]);
  assert.equal(detect(text), 'JMeter');
  const r = parse(parseJMeterXml, text);
  assert.deepEqual(r.uris.map((u) => [u.uri, u.samples, u.errors, u.average, u.median, u.line90, u.min, u.max, u.httpCodes.join(',')]), [
    ['cart', 1, 0, 50, 50, 50, 50, 50, '200'], ['checkout', 1, 0, 700, 700, 700, 700, 700, '200'], ['home', 4, 1, 250, 300, 400, 100, 400, '200,404'],
  ]);
  assert.deepEqual([r.total.samples, r.total.errors, r.total.errorPercent, r.total.average, r.total.median], [6, 1, (1 / 6) * 100, 291, 300]);
  // JMeter 2.0's long attribute names; entities in labels.
  const old = '<?xml version="1.0"?>\n<testResults>\n<sample time="40" timeStamp="1" success="false" label="a &amp; b" responseCode="500"/>\n</testResults>';
  assert.deepEqual(parse(parseJMeterXml, old).uris.map((u) => [u.uri, u.errors, u.average]), [['a & b', 1, 40]]);
  // filterRegex keeps matching labels only; excludeResponseTime leaves errored samples' times out.
  assert.deepEqual(parse(parseJMeterXml, text, /^(?:home)$/).uris.map((u) => u.uri), ['home']);
  assert.equal(parse(parseJMeterXml, text, null, true).uris.find((u) => u.uri === 'home')!.average, 200);
});

test('JMeter CSV: columns from the header, quoted fields with commas, quotes and newlines', () => {
  assert.equal(detect(CSV), 'JMeterCSV');
  const r = parse(parseJMeterCsv, CSV);
  assert.deepEqual(r.uris.map((u) => [u.uri, u.samples, u.errors, u.average, u.httpCodes.join(',')]), [['login', 2, 0, 200, '200'], ['search, fast', 1, 1, 50, '500']]);
  assert.throws(() => parse(parseJMeterCsv, 'timeStamp,elapsed,label\n1,2,x\n'), /Missing required column: responseCode, success/);
  assert.throws(() => parse(parseJMeterCsv, 'timeStamp,elapsed,label,responseCode,success\n1,fast,x,200,true\n'), /record 2: elapsed 'fast' is not a number/);
});

test('JUnit XML and Taurus final stats; other formats refused by name; a DOCTYPE (entities) refused before any parsing', () => {
  const junit = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="api" tests="3"><testcase classname="api.Users" name="list" time="0.25"/><testcase classname="api.Users" name="create" time="1,250.5"><failure message="500"/></testcase><testcase classname="api.Users" name="skip" time="0.01"><skipped/></testcase></testsuite>';
  assert.equal(detect(junit), 'JUnit');
  assert.deepEqual(parse(parseJUnit, junit).uris.map((u) => [u.uri, u.errors, u.average]), [['api.Users.create', 1, 1250500], ['api.Users.list', 0, 250], ['api.Users.skip', 0, 10]]);
  const taurus = `<?xml version="1.0" ?>\n<FinalStatus>\n<TestDuration>10.0</TestDuration>\n<Group label=""><fail value="2"/><succ value="98"/><avg_rt value="0.25"/><throughput value="100"/><bytes value="1000"/><perc param="0.0" value="0.01"/><perc param="50.0" value="0.2"/><perc param="90.0" value="0.5"/><perc param="100.0" value="1.5"/></Group>\n<Group label="home"><fail value="2"/><succ value="48"/><avg_rt value="0.3"/><throughput value="50"/><bytes value="500"/><perc param="0.0" value="0.02"/><perc param="50.0" value="0.25"/><perc param="90.0" value="0.6"/><perc param="100.0" value="1.5"/></Group>\n</FinalStatus>`;
  assert.equal(detect(taurus), 'Taurus');
  const t = parse(parseTaurus, taurus);
  assert.deepEqual([t.total.samples, t.total.errors, t.total.errorPercent, t.total.average, t.total.line90], [100, 2, 2, 250, 500]);
  assert.deepEqual(t.uris.map((u) => [u.uri, u.samples, u.median]), [['home', 50, 250]]);
  assert.throws(() => detect('Running 10s test @ http://127.0.0.1:8080/\n  2 threads'), /wrk summary, which Kiln does not read/);
  assert.throws(() => detect('INF [20240101-10:00:00.000] stats: {}'), /Iago log/);
  assert.throws(() => detect('<?xml version="1.0"?>\n<html/>'), /Unknown xml file format: the root element <html>/);
  const laughs = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n<testResults><httpSample t="1" lb="&lol2;" s="true"/></testResults>';
  assert.throws(() => detect(laughs), (e: unknown) => e instanceof PerformanceReportError && /DOCTYPE: Kiln reads no DTD and expands no entity/.test(e.message));
  assert.throws(() => detect(''), /empty/);
});

function project(files: Record<string, string>, jenkinsfile: string): string {
  const dir = tempDir('perf');
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

// 2 errors in 10 samples: 20 %.
const TWENTY = jtl([...Array.from({ length: 8 }, (_, i): [string, number, boolean, string] => ['home', 100 + i * 10, true, '200']), ['api', 900, false, '500'], ['api', 1100, false, '500']]);

test('perfReport: error thresholds (strictly over) give UNSTABLE or FAILURE with the plugin\'s lines; the numbers kept in performance.json', async () => {
  const dir = project({ 'results/run.jtl': TWENTY }, "node { perfReport sourceDataFiles: 'results/*.jtl', errorUnstableThreshold: 10, errorFailedThreshold: 25 }");
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE
  assert.match(r.stdout, /Performance: Recording JMeter reports 'results\/\*\.jtl'\n/);
  assert.match(r.stdout, /Performance: Parsing JMeter report file 'results\/run\.jtl'\.\n/);
  assert.match(r.stdout, /Performance: Percentage of errors greater or equal than 10% sets the build as unstable\nPerformance: Percentage of errors greater or equal than 25% sets the build as failure\n/);
  assert.match(r.stdout, /Performance: File run\.jtl reported 20\.0% of errors \[UNSTABLE\]\. Build status is: UNSTABLE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln', 'runs', '1', 'performance.json'), 'utf8'));
  assert.deepEqual(kept.reports.map((x: { file: string; parser: string; samples: number; errors: number; result: string }) => [x.file, x.parser, x.samples, x.errors, x.result]), [['run.jtl', 'JMeter', 10, 2, 'UNSTABLE']]);
  assert.deepEqual(kept.reports[0].uris.map((u: { uri: string; average: number }) => [u.uri, u.average]), [['api', 1000], ['home', 135]]);

  const fail = await runKiln(['run'], { cwd: project({ 'run.jtl': TWENTY }, "node { step([$class: 'PerformancePublisher', sourceDataFiles: 'run.jtl', errorFailedThreshold: 15, errorUnstableThreshold: 5]) }") });
  assert.equal(fail.code, 1, fail.stdout + fail.stderr);
  assert.match(fail.stdout, /Performance: File run\.jtl reported 20\.0% of errors \[FAILURE\]\. Build status is: FAILURE\n/);
  // Exactly at the threshold is not over it (the plugin compares with a tolerance, strictly).
  const at = await runKiln(['run'], { cwd: project({ 'run.jtl': TWENTY }, "node { perfReport sourceDataFiles: 'run.jtl', errorUnstableThreshold: 20 }") });
  assert.equal(at.code, 0, at.stdout + at.stderr);
  assert.match(at.stdout, /Performance: No threshold configured for making the test failure\n/);
});

test('perfReport: the response-time threshold per file, several globs and formats, no file found fails the build', async () => {
  const dir = project({ 'a.jtl': TWENTY, 'b/results.csv': CSV }, `node {
  perfReport sourceDataFiles: 'a.jtl;b/*.csv', errorUnstableResponseTimeThreshold: 'a.jtl:200\\nresults.csv:5000'
}`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /Setting threshold: a\.jtl:200\nSetting threshold: results\.csv:5000\n/);
  assert.match(r.stdout, /UNSTABLE: a\.jtl has exceeded the threshold of \[200\] with the time of \[308\]\n/);
  assert.match(r.stdout, /Performance: Recording JMeterCSV reports 'b\/\*\.csv'\n/);
  assert.match(r.stdout, /Performance: File results\.csv reported 33\.33333333333333% of errors \[SUCCESS\]\. Build status is: UNSTABLE\n/);
  const none = await runKiln(['run'], { cwd: project({}, "node { perfReport 'nothing/*.jtl'; echo 'goes on' }") });
  assert.equal(none.code, 1, none.stdout);
  assert.match(none.stdout, /Performance: no files matching 'nothing\/\*\.jtl' have been found\. Has the report generated\?\. Setting Build to FAILURE\n/);
  assert.match(none.stdout, /^goes on$/m);
  const optional = await runKiln(['run'], { cwd: project({}, "node { perfReport sourceDataFiles: 'nothing/*.jtl', failBuildIfNoResultFile: false }") });
  assert.equal(optional.code, 0, optional.stdout);
});

test('perfReport modeOfThreshold: each label against the same label of build nthBuildNumber, the relative thresholds, the plugin\'s table', async () => {
  const fast = jtl([['home', 100, true, '200'], ['home', 100, true, '200'], ['api', 400, true, '200']]);
  const slow = jtl([['home', 150, true, '200'], ['home', 150, true, '200'], ['api', 410, true, '200']]);
  const dir = project({ 'r.jtl': fast }, "node { perfReport sourceDataFiles: 'r.jtl', modeOfThreshold: true, nthBuildNumber: 1, relativeFailedThresholdPositive: 30, relativeUnstableThresholdPositive: 10 }");
  const first = await runKiln(['run'], { cwd: dir });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /Performance: Percentage of relative difference more than 30\.0 % sets the build as \[FAILURE\]\n/);
  writeFileSync(path.join(dir, 'r.jtl'), slow);
  const second = await runKiln(['run'], { cwd: dir });
  assert.equal(second.code, 1, second.stdout + second.stderr);
  assert.match(second.stdout, /Comparison build no\. - 1 and 2 using Average response time\n/);
  assert.match(second.stdout, /\nURI {6}PrevBuildURIAvg {2}CurrentBuildURIAvg {8}RelativeDiff {5}RelativeDiff\(%\)\n/);
  assert.match(second.stdout, /\nhome {17}100 {17}150 {18}50 {14}50\.00%\n/);
  assert.match(second.stdout, /The label "home" caused the build to fail\n/);
  assert.doesNotMatch(second.stdout, /The label "api"/); // 2.5 % slower: under both thresholds
  // compareBuildPrevious: the previous successful run (#1: #2 failed), whatever nthBuildNumber says.
  writeFileSync(path.join(dir, 'Jenkinsfile'), "node { perfReport sourceDataFiles: 'r.jtl', modeOfThreshold: true, compareBuildPrevious: true, nthBuildNumber: 2, relativeUnstableThresholdPositive: 10 }");
  const third = await runKiln(['run'], { cwd: dir });
  assert.equal(third.code, 3, third.stdout + third.stderr);
  assert.match(third.stdout, /Comparison build no\. - 1 and 3 using Average response time\n/);
  assert.match(third.stdout, /The label "home" made the build unstable\n/);
});

test('perfReport: hostile input: patterns leaving the workspace, a DOCTYPE, a file over 128 MiB, the expert mode, an unreadable format', async () => {
  const out = await runKiln(['run'], { cwd: project({}, "node { perfReport '../../etc/*.jtl' }") });
  assert.equal(out.code, 1);
  assert.match(out.stdout, /perfReport: the pattern '\.\.\/\.\.\/etc\/\*\.jtl' leaves the workspace/);
  const abs = await runKiln(['run'], { cwd: project({}, "node { perfReport '/etc/passwd' }") });
  assert.match(abs.stdout, /perfReport: the pattern '\/etc\/passwd' leaves the workspace/);
  const laughs = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<testResults><httpSample t="1" lb="&b;" s="true"/></testResults>\n';
  const dir = project({ 'evil.jtl': laughs, 'wrk.txt': 'Running 10s test @ http://x/\n', 'ok.jtl': TWENTY }, "node { perfReport '*.jtl;wrk.txt' }");
  writeFileSync(path.join(dir, 'big.jtl'), '');
  truncateSync(path.join(dir, 'big.jtl'), 129 * 1024 * 1024); // sparse: costs no disk
  writeFileSync(path.join(dir, 'Jenkinsfile'), "node { perfReport '*.jtl;wrk.txt' }");
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /Cannot detect file type because of error: evil\.jtl: it declares a DOCTYPE: Kiln reads no DTD and expands no entity in a report\n/);
  assert.match(r.stdout, /Cannot detect file type because of error: big\.jtl: it is larger than 128 MiB \(135266304 bytes\)\n/);
  assert.match(r.stdout, /Cannot detect file type because of error: wrk\.txt: it is a wrk summary, which Kiln does not read/);
  assert.match(r.stdout, /Performance: File ok\.jtl reported 20\.0% of errors \[SUCCESS\]/);
  assert.equal(r.code, 0, r.stdout);
  const expert = await runKiln(['run'], { cwd: project({ 'ok.jtl': TWENTY }, "node { perfReport sourceDataFiles: 'ok.jtl', modeEvaluation: true }") });
  assert.equal(expert.code, 1);
  assert.match(expert.stdout, /perfReport: modeEvaluation: true \(the expert mode's constraints\) is not supported by Kiln/);
});

test("performanceReport (the publisher's other symbol) with the old parsers list: JMeter and JUnit globs read, thresholds applied; a glob leaving the workspace refused", async () => {
  const junit = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="api" tests="2"><testcase classname="api.Users" name="list" time="0.25"/><testcase classname="api.Users" name="create" time="0.5"><failure message="500"/></testcase></testsuite>';
  const jf = `pipeline {
  agent any
  stages { stage('load') { steps {
    performanceReport(parsers: [[$class: 'JMeterParser', glob: 'a.jtl'], [$class: 'JUnitParser', glob: 'junit/*.xml']], errorFailedThreshold: 40, errorUnstableThreshold: 10, relativeFailedThresholdPositive: 0, relativeFailedThresholdNegative: 0, modeOfThreshold: false)
  } } }
}`;
  const dir = project({ 'a.jtl': TWENTY, 'junit/TEST-api.xml': junit }, jf);
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr); // the JUnit file: 1 error in 2 = 50 % > 40
  assert.match(r.stdout, /Performance: File a\.jtl reported 20\.0% of errors \[UNSTABLE\]\. Build status is: UNSTABLE\n/);
  assert.match(r.stdout, /Performance: Recording JUnit reports 'junit\/\*\.xml'\n/);
  assert.match(r.stdout, /Performance: File TEST-api\.xml reported 50\.0% of errors \[FAILURE\]\. Build status is: FAILURE\n/);
  const out = await runKiln(['run'], { cwd: project({}, "node { performanceReport(parsers: [[$class: 'JMeterParser', glob: '../../etc/*.jtl']]) }") });
  assert.equal(out.code, 1, out.stdout);
  assert.match(out.stdout, /performanceReport: the pattern '\.\.\/\.\.\/etc\/\*\.jtl' leaves the workspace/);
});
