// The build-tool and report steps in a real controller (store, files, HTTP API):
//   - publishHTML keeps a report the pipeline writes (HTML with a <script>, a stylesheet, a
//     page in a subdirectory) and the controller serves it with the sandboxing CSP, nosniff and
//     its type; '..' and encoded traversal are refused; keepAll: false drops older builds' copy;
//     a missing directory fails the build unless allowMissing
//   - recordCoverage's result through GET .../coverage, and a delta against the job's earlier build
//   - managed config files: admin-only routes, written by configFileProvider for the block and
//     removed after it
//   - copyArtifacts from another job's builds (selectors, filter, target, flatten, optional)
//   - withMaven running the real Maven of this machine (offline, plugins from ~/.m2) with managed
//     settings, a JUnit 5 test failing: UNSTABLE, the surefire results and the jar kept
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { jobController } from '../../helpers/job-controller.ts';
import { JACOCO_XML } from '../coverage/fixtures.ts';

const c = jobController('buildtools-controller', 2);
const { api, raw, run } = c;

const REPORT = `node {
  writeFile file: 'out/report/index.html', text: '<html><head><link rel="stylesheet" href="style.css"></head><body><h1>Report</h1><script>fetch("/api/v1/me")</script><a href="sub/page.html">more</a></body></html>'
  writeFile file: 'out/report/style.css', text: 'h1 { color: red }'
  writeFile file: 'out/report/sub/page.html', text: '<p>sub page</p>'
  writeFile file: 'out/report/notes.txt', text: 'not included'
  publishHTML(target: [reportDir: 'out/report', reportFiles: 'index.html', reportName: 'My Report', keepAll: false, includes: '**/*.html, **/*.css'])
}`;

test('publishHTML: the report is served sandboxed (CSP sandbox, no script), traversal refused, keepAll false keeps the newest only', async () => {
  const b = await run('html', REPORT);
  assert.equal(b.result, 'SUCCESS', b.log);
  assert.match(b.log, /\[htmlpublisher\] Archiving HTML reports\.\.\.\n\[htmlpublisher\] Archiving at PROJECT level \S+\/out\/report to My Report\n/);
  const list = await api('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports`);
  assert.deepEqual(list.reports, [{ name: 'My Report', files: ['index.html'], keepAll: false, alwaysLinkToLastBuild: false, url: `/api/v1/jobs/html/builds/${b.number}/html-reports/My%20Report/index.html` }]);
  const page = await fetch(new URL(list.reports[0].url.slice(1), c.url), { headers: { authorization: `Bearer kiln-test-admin-token-0123456789abcdef0123456789` } });
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /^sandbox; default-src 'none'/, csp);
  assert.doesNotMatch(csp, /script-src|allow-scripts|allow-same-origin/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await page.text(), /<h1>Report<\/h1>/);
  const css = await raw('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports/My%20Report/style.css`);
  assert.equal(css.status, 200);
  assert.equal((await raw('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports/My%20Report/sub/page.html`)).text, '<p>sub page</p>');
  // Not in `includes`; traversal in every spelling; not logged in.
  assert.equal((await raw('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports/My%20Report/notes.txt`)).status, 404);
  for (const evil of ['../../log', '..%2F..%2Flog', 'sub/..%2F..%2F..%2Flog', '%2E%2E/%2E%2E/log', 'sub/../../state']) {
    const r = await raw('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports/My%20Report/${evil}`);
    assert.equal(r.status, 404, `${evil}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.equal((await raw('GET', list.reports[0].url, undefined, { authorization: '' })).status, 401);
  // keepAll: false: the next build's report replaces this one's.
  const b2 = await run('html', REPORT);
  assert.equal(b2.result, 'SUCCESS', b2.log);
  assert.deepEqual((await api('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports`)).reports, []);
  assert.equal((await raw('GET', `/api/v1/jobs/html/builds/${b.number}/html-reports/My%20Report/index.html`)).status, 404);
  assert.equal((await api('GET', `/api/v1/jobs/html/builds/${b2.number}/html-reports`)).reports.length, 1);
});

test('publishHTML: a missing directory fails the build, allowMissing does not; a reportDir leaving the workspace is refused', async () => {
  const m = await run('html-missing', `node { publishHTML(target: [reportDir: 'nope', reportFiles: 'index.html', reportName: 'X']) }`);
  assert.equal(m.result, 'FAILURE', m.log);
  assert.match(m.log, /ERROR: Specified HTML directory '\S+\/nope' does not exist\.\n/);
  const a = await run('html-allow', `node { publishHTML(target: [reportDir: 'nope', reportFiles: 'index.html', reportName: 'X', allowMissing: true]) }`);
  assert.equal(a.result, 'SUCCESS', a.log);
  const out = await run('html-out', `node { publishHTML(target: [reportDir: '../..', reportFiles: 'index.html', reportName: 'X']) }`);
  assert.equal(out.result, 'FAILURE');
  assert.match(out.log, /publishHTML: reportDir '\.\.\/\.\.' leaves the workspace/);
});

test('recordCoverage: the result is served at GET .../coverage', async () => {
  const b = await run('cov', `node {
  writeFile file: 'target/site/jacoco/jacoco.xml', text: '''${JACOCO_XML}'''
  recordCoverage(tools: [[parser: 'JACOCO']], qualityGates: [[metric: 'LINE', threshold: 90.0, unstable: true]])
}`);
  assert.equal(b.result, 'UNSTABLE', b.log);
  const cov = await api('GET', `/api/v1/jobs/cov/builds/${b.number}/coverage`);
  assert.equal(cov.results.length, 1);
  const r = cov.results[0];
  assert.deepEqual([r.id, r.name, r.qualityGate, r.reports], ['coverage', 'Code Coverage', 'WARNING', ['target/site/jacoco/jacoco.xml']]);
  assert.deepEqual(r.metrics.find((m: any) => m.metric === 'LINE'), { metric: 'LINE', covered: 3, missed: 1 });
  assert.deepEqual(r.gates.map((g: any) => [g.name, g.threshold, g.actual, g.missed]), [['Overall project - Line Coverage', 90, 75, true]]);
  assert.equal((await raw('GET', `/api/v1/jobs/cov/builds/${b.number}/coverage`, undefined, { authorization: '' })).status, 401);
});

test("recordCoverage's PROJECT_DELTA gate compares with the job's earlier build of a result with the same id", async () => {
  const script = `node {
  writeFile file: 'target/site/jacoco/jacoco.xml', text: '''${JACOCO_XML}'''
  recordCoverage(id: 'delta', tools: [[parser: 'JACOCO']], qualityGates: [[metric: 'LINE', baseline: 'PROJECT_DELTA', threshold: 0.0, criticality: 'FAILURE']])
}`;
  const first = await run('cov-delta', script);
  assert.equal(first.result, 'SUCCESS', first.log);
  assert.match(first.log, /No reference build found: the gates on deltas and modified code are inactive/);
  const second = await run('cov-delta', script);
  assert.equal(second.result, 'SUCCESS', second.log);
  assert.match(second.log, new RegExp(`Using reference build #${first.number}`));
  assert.match(second.log, /\[Overall project \(difference to reference job\) - Line Coverage\]: ≪Success≫ - \(Actual value: \+0\.00%, Quality gate: 0\.00\)/);
  const r = (await api('GET', `/api/v1/jobs/cov-delta/builds/${second.number}/coverage`)).results[0];
  assert.deepEqual(r.reference, { build: first.number, commit: null });
  assert.deepEqual(r.gates.map((g: any) => [g.baseline, g.actual, g.missed]), [['PROJECT_DELTA', 0, false]]);
});

test('managed config files: admin-only API; configFileProvider writes one for the block and removes it; withMaven uses it as settings', async () => {
  const put = await raw('PUT', '/api/v1/config-files/maven-settings', { name: 'Maven settings', type: 'maven-settings', content: '<settings><servers/></settings>\n' });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual([put.json.id, put.json.name, put.json.type], ['maven-settings', 'Maven settings', 'maven-settings']);
  assert.deepEqual((await api('GET', '/api/v1/config-files')).files.map((f: any) => [f.id, 'content' in f]), [['maven-settings', false]]);
  assert.equal((await api('GET', '/api/v1/config-files/maven-settings')).content, '<settings><servers/></settings>\n');
  assert.equal((await raw('PUT', '/api/v1/config-files/..%2Fx', { content: 'x' })).status, 400);
  assert.equal((await raw('PUT', '/api/v1/config-files/ok', { content: 'x', extra: 1 })).status, 400);
  // A developer may not read or change them.
  await api('POST', '/api/v1/users', { name: 'dev', role: 'developer', password: 'dev-password-1' });
  const token = (await api('POST', '/api/v1/users/dev/tokens', { name: 't' })).token;
  const dev = { authorization: `Bearer ${token}` };
  assert.equal((await raw('GET', '/api/v1/config-files/maven-settings', undefined, dev)).status, 403);
  assert.equal((await raw('PUT', '/api/v1/config-files/maven-settings', { content: 'evil' }, dev)).status, 403);
  assert.equal((await raw('DELETE', '/api/v1/config-files/maven-settings', undefined, dev)).status, 403);

  const b = await run('cfp', `node {
  configFileProvider([configFile(fileId: 'maven-settings', variable: 'MVN_SETTINGS')]) {
    sh 'cat "$MVN_SETTINGS"; echo "$MVN_SETTINGS" > where'
  }
  sh 'test ! -e "$(cat where)" && echo removed'
}`);
  assert.equal(b.result, 'SUCCESS', b.log);
  assert.match(b.log, /copy managed file \[Maven settings\] to file:\S+@tmp\/config[0-9a-f]+tmp\n/);
  assert.match(b.log, /\n<settings><servers\/><\/settings>\n/);
  assert.match(b.log, /Deleting 1 temporary files\n/);
  assert.match(b.log, /\nremoved\n/);

  assert.equal((await raw('DELETE', '/api/v1/config-files/maven-settings')).status, 204);
  assert.equal((await raw('GET', '/api/v1/config-files/maven-settings')).status, 404);
  const gone = await run('cfp', `node { configFileProvider([configFile(fileId: 'maven-settings', variable: 'S')]) { echo 'never' } }`);
  assert.equal(gone.result, 'FAILURE');
  assert.match(gone.log, /configFileProvider: not able to provide the following file\(s\): maven-settings/);
});

test('withMaven with the real Maven of this machine: managed settings (offline) through -s, the surefire results recorded, the jar archived', async () => {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('sh', ['-c', 'command -v mvn && command -v java'], { stdio: 'ignore' });
  } catch {
    assert.fail('mvn and java are not installed on this machine: this test runs them (apt-get install maven default-jdk-headless)');
  }
  // Offline: the settings say so, which proves withMaven passed them (-s); the plugins come from ~/.m2.
  await api('PUT', '/api/v1/config-files/offline-settings', { name: 'Offline settings', type: 'maven-settings', content: '<settings><offline>true</offline></settings>\n' });
  const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>ex</groupId><artifactId>app</artifactId><version>1.0</version>
<properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
<dependencies><dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.10.2</version><scope>test</scope></dependency></dependencies>
<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.1</version></plugin></plugins></build></project>`;
  const b = await run('maven', `node {
  writeFile file: 'pom.xml', text: '''${pom}'''
  writeFile file: 'src/main/java/ex/App.java', text: 'package ex; public class App { public static int add(int a, int b) { return a + b; } }'
  writeFile file: 'src/test/java/ex/AppTest.java', text: 'package ex; import org.junit.jupiter.api.Test; import static org.junit.jupiter.api.Assertions.*; class AppTest { @Test void adds() { assertEquals(3, App.add(1, 2)); } @Test void fails() { assertEquals(4, App.add(1, 2)); } }'
  withMaven(mavenSettingsConfig: 'offline-settings') {
    sh 'mvn -q package -Dmaven.test.failure.ignore=true'
  }
}`);
  assert.equal(b.result, 'UNSTABLE', b.log);
  assert.match(b.log, /\[withMaven\] using Maven settings provided by the Jenkins Managed Configuration File 'Offline settings'\n/);
  assert.match(b.log, /Apache Maven 3\.\d+\.\d+/); // --show-version from the wrapper
  assert.match(b.log, /\[withMaven\] junitPublisher - Archive test results for 1 report file/);
  const tests = await api('GET', `/api/v1/jobs/maven/builds/${b.number}/tests`);
  assert.deepEqual([tests.total, tests.failed], [2, 1]);
  assert.ok(tests.cases.some((c: any) => c.name === 'fails' && c.status === 'failed' && /expected: <4> but was: <3>/.test(c.message ?? '')), JSON.stringify(tests.cases));
  const artifacts = await api('GET', `/api/v1/jobs/maven/builds/${b.number}/artifacts`);
  assert.ok(JSON.stringify(artifacts).includes('target/app-1.0.jar'), JSON.stringify(artifacts));
});

test("copyArtifacts: another job's last successful build's artifacts, filtered, into a target; specific build; missing ones", async () => {
  const p1 = await run('producer', `node { writeFile file: 'dist/app.txt', text: 'v1'; writeFile file: 'dist/skip.log', text: 'x'; archiveArtifacts 'dist/*' }`);
  assert.equal(p1.result, 'SUCCESS', p1.log);
  const p2 = await run('producer', `node { writeFile file: 'dist/app.txt', text: 'v2'; archiveArtifacts 'dist/*'; error 'broken' }`);
  assert.equal(p2.result, 'FAILURE');
  const c1 = await run('consumer', `node {
  copyArtifacts(projectName: 'producer', selector: lastSuccessful(), filter: 'dist/*.txt', target: 'up')
  echo "got \${readFile('up/dist/app.txt')}"
  sh 'test ! -e up/dist/skip.log && echo filtered'
  copyArtifacts projectName: 'producer', selector: lastCompleted(), flatten: true, filter: '**/app.txt'
  echo "got \${readFile('app.txt')}"
  copyArtifacts(projectName: 'producer', selector: specific('99'), optional: true)
  copyArtifacts(projectName: 'nope')
}`);
  assert.equal(c1.result, 'FAILURE', c1.log);
  assert.match(c1.log, /\nCopied 1 artifact from "producer" build number 1\n/);
  // fingerprintArtifacts (default true): the copies' MD5s, the source build as their original.
  const v1 = createHash('md5').update('v1').digest('hex');
  const fps = await api('GET', `/api/v1/jobs/consumer/builds/${c1.number}/fingerprints`);
  assert.deepEqual(fps.fingerprints.map((f: any) => [f.path, f.md5, f.original]), [
    ['app.txt', createHash('md5').update('v2').digest('hex'), { job: 'producer', number: 2 }],
    ['up/dist/app.txt', v1, { job: 'producer', number: 1 }],
  ]);
  assert.deepEqual((await api('GET', `/api/v1/fingerprints/${v1}`)).uses, [{ job: 'consumer', number: c1.number }]);
  assert.match(c1.log, /\ngot v1\n/);
  assert.match(c1.log, /\nfiltered\n/);
  assert.match(c1.log, /Copied 1 artifact from "producer" build number 2\n/);
  assert.match(c1.log, /\ngot v2\n/);
  assert.match(c1.log, /Unable to find a build for artifact copy from: producer\n/);
  assert.match(c1.log, /Unable to find project for artifact copy: nope/);
  const out = await run('consumer2', `node { copyArtifacts(projectName: 'producer', target: '../../x') }`);
  assert.equal(out.result, 'FAILURE');
  assert.match(out.log, /copyArtifacts: target '\.\.\/\.\.\/x': the path has a '\.\.' part/);
});
