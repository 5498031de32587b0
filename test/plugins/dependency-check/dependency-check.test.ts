// dependencyCheckPublisher (OWASP Dependency-Check plugin) under `kiln run`. Dependency-Check
// itself (a Java tool with an NVD download) cannot run here, so its reports are written as the
// tool writes them (dependency-check 2.x schema, engine 9; and the JSON form). Asserts the console
// lines, the counts by severity, the thresholds as the plugin's RiskGate applies them (failed
// before unstable; "new" ones against the previous build), stopBuild, skipNoReportFiles, the
// findings kept as the build's issues (kiln run's issues.json; a controller's store, where the
// next build reads them), and bad reports refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startController } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, jsonApi, testConfig } from '../../helpers/controller.ts';

const vuln = (cve: string, sev: string) => `<vulnerability source="NVD"><name>${cve}</name><severity>${sev}</severity><cvssV3><baseScore>9.8</baseScore><baseSeverity>${sev}</baseSeverity></cvssV3><cwes><cwe>CWE-502</cwe></cwes><description>${cve} lets an attacker in.</description><references><reference><source>MISC</source><url>https://example.invalid/${cve}</url><name>${cve}</name></reference></references></vulnerability>`;
const report = (engine: string, deps: [string, string[][]][]) => `<?xml version="1.0" encoding="UTF-8"?>
<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd">
  <scanInfo><engineVersion>${engine}</engineVersion></scanInfo>
  <projectInfo><name>shop</name><reportDate>2026-12-01T10:00:00Z</reportDate><credits>NVD</credits></projectInfo>
  <dependencies>
${deps.map(([file, vs]) => `    <dependency isVirtual="false"><fileName>${file}</fileName><filePath>/src/lib/${file}</filePath><md5>x</md5><sha1>y</sha1>${vs.length ? `<vulnerabilities>${vs.map(([c, s]) => vuln(c!, s!)).join('')}</vulnerabilities>` : ''}</dependency>`).join('\n')}
  </dependencies>
</analysis>
`;
/** 1 critical, 2 high, 1 medium (MODERATE), 1 low; one clean dependency. */
const XML = report('9.0.9', [
  ['jackson-databind-2.9.8.jar', [['CVE-2019-12384', 'CRITICAL'], ['CVE-2019-14379', 'HIGH']]],
  ['commons-text-1.9.jar', [['CVE-2022-42889', 'HIGH'], ['CVE-2022-0001', 'MODERATE']]],
  ['log-1.0.jar', [['CVE-2020-0002', 'LOW']]],
  ['clean-1.0.jar', []],
]);

function project(body: string, files: Record<string, string> = { 'target/dependency-check-report.xml': XML }): string {
  const dir = tempDir('depcheck');
  const writes = Object.entries(files).map(([f, t]) => `  writeFile file: '${f}', text: '''${t.replace(/'''/g, '')}'''`).join('\n');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {\n${writes}\n  ${body}\n  echo "result: \${currentBuild.currentResult}"\n}\n`);
  return dir;
}
const run = (dir: string) => runKiln(['run'], { cwd: dir });

test('dependencyCheckPublisher: counts by severity; a failed threshold met makes the build FAILURE, the findings are kept', async () => {
  const dir = project(`dependencyCheckPublisher(pattern: '**/dependency-check-report.xml', failedTotalCritical: 1, unstableTotalHigh: 1)`);
  const r = await run(dir);
  assert.match(r.stdout, /\[DependencyCheck\] Collecting Dependency-Check artifact\n\[DependencyCheck\] Parsing file .*target\/dependency-check-report\.xml\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /\[DependencyCheck\] Findings: critical 1, high 2, medium 1, low 1, unassigned 0\n/);
  assert.match(r.stdout, /\[DependencyCheck\] Threshold exceeded: the build is FAILURE\n/);
  assert.match(r.stdout, /result: FAILURE\n/); // the step itself goes on (stopBuild is false)
  const f = path.join(dir, '.kiln/runs/1/issues.json');
  assert.ok(existsSync(f), 'the findings are kept as the build\'s issues');
  const kept = JSON.parse(readFileSync(f, 'utf8'));
  const rec = (Array.isArray(kept) ? kept : [kept]).find((x: { id: string }) => x.id === 'dependency-check');
  assert.equal(rec.issues.length, 5);
  assert.deepEqual(rec.issues.map((i: { type: string; category: string; severity: string }) => `${i.type}:${i.category}:${i.severity}`).sort(),
    ['CVE-2019-12384:CRITICAL:ERROR', 'CVE-2019-14379:HIGH:HIGH', 'CVE-2020-0002:LOW:LOW', 'CVE-2022-0001:MEDIUM:NORMAL', 'CVE-2022-42889:HIGH:HIGH']);
  assert.equal(rec.qualityGate, 'FAILED');
});

test('dependencyCheckPublisher: unstable thresholds; a threshold above the count passes; stopBuild fails the step', async () => {
  const dir = project(`dependencyCheckPublisher(unstableTotalHigh: 2, failedTotalHigh: 3, failedTotalLow: 2)`);
  const r = await run(dir);
  assert.match(r.stdout, /Threshold exceeded: the build is UNSTABLE\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /result: UNSTABLE\n/);

  const stop = project(`dependencyCheckPublisher(failedTotalMedium: 1, stopBuild: true)
  echo 'not reached'`);
  const s = await run(stop);
  assert.match(s.stdout, /ERROR: Threshold exceeded/, s.stdout + s.stderr);
  assert.doesNotMatch(s.stdout, /not reached/);
  assert.match(s.stdout, /Finished: FAILURE\n/);
});

test('dependencyCheckPublisher in a controller: new findings against the previous build (failedNewHigh); kiln run has no previous build', async () => {
  const k = await run(project(`dependencyCheckPublisher(failedNewHigh: 1)`));
  assert.match(k.stdout, /No previous build with Dependency-Check results: the thresholds on new findings are not applied\n/, k.stdout + k.stderr);
  assert.match(k.stdout, /result: SUCCESS\n/);

  const c = await startController(testConfig({ home: path.join(tempDir('depcheck-controller'), 'home'), port: '0', executors: '1' }));
  try {
    const api = jsonApi(() => c.url);
    const xml = report('9.0.9', [['a.jar', [['CVE-2021-1', 'HIGH']]]]);
    const second = xml.replace('<vulnerabilities>', `<vulnerabilities>${vuln('CVE-2021-2', 'HIGH')}`);
    await api('POST', '/api/v1/jobs', { name: 'deps', script: `node {
  writeFile file: 'dependency-check-report.xml', text: env.BUILD_NUMBER == '1' ? '''${xml}''' : '''${second}'''
  dependencyCheckPublisher(failedNewHigh: 1)
}` });
    const build = async () => {
      const b = await api('POST', '/api/v1/jobs/deps/builds', {});
      const done = await finishedBuild(c.url, 'deps', b.number);
      return { result: done.result as string, log: await consoleText(c.url, 'deps', b.number) };
    };
    const one = await build();
    assert.equal(one.result, 'SUCCESS', one.log);
    assert.match(one.log, /No previous build with Dependency-Check results/);
    const two = await build();
    assert.match(two.log, /Findings: critical 0, high 2/, two.log);
    assert.match(two.log, /Threshold exceeded: the build is FAILURE/);
    assert.equal(two.result, 'FAILURE');
  } finally {
    await c.close();
  }
});

test('dependencyCheckPublisher: no report fails unless skipNoReportFiles; JSON reports; old or hostile reports are refused', async () => {
  const none = project(`dependencyCheckPublisher(pattern: 'none/*.xml', skipNoReportFiles: true)
  echo "after: \${currentBuild.currentResult}"
  dependencyCheckPublisher(pattern: 'none/*.xml')`, {});
  const n = await run(none);
  assert.match(n.stdout, /after: SUCCESS\n[^]*\[DependencyCheck\] Unable to find Dependency-Check reports to parse\n/, n.stdout + n.stderr);
  assert.match(n.stdout, /result: FAILURE\n/);

  const json = JSON.stringify({ reportSchema: '1.1', scanInfo: { engineVersion: '10.0.3' }, projectInfo: { name: 'web' },
    dependencies: [{ fileName: 'lodash@4.17.15', filePath: '/src/package-lock.json', vulnerabilities: [{ source: 'NPM', name: 'CVE-2020-8203', severity: 'HIGH' }] }] });
  const j = await run(project(`dependencyCheckPublisher(pattern: 'dependency-check-report.json', unstableTotalHigh: 1)`, { 'dependency-check-report.json': json }));
  assert.match(j.stdout, /Findings: critical 0, high 1, medium 0, low 0/, j.stdout + j.stderr);
  assert.match(j.stdout, /result: UNSTABLE\n/);

  const old = await run(project(`dependencyCheckPublisher()`, { 'dependency-check-report.xml': report('4.0.2', []) }));
  assert.match(old.stdout, /Unable to parse dependency-check-report\.xml: dependency-check-report\.xml: Unsupported Dependency-Check schema version detected \(engine 4\.0\.2\)/, old.stdout + old.stderr);
  assert.match(old.stdout, /result: FAILURE\n/);

  const bomb = await run(project(`dependencyCheckPublisher()`, { 'dependency-check-report.xml': '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><analysis>&x;</analysis>' }));
  assert.match(bomb.stdout, /the XML declares entities/, bomb.stdout + bomb.stderr);

  const out = await run(project(`dependencyCheckPublisher(pattern: '/etc/**/*.xml')`, {}));
  assert.match(out.stdout + out.stderr, /dependencyCheckPublisher: the pattern '\/etc\/\*\*\/\*\.xml' leaves the workspace/);

  const bad = await run(project(`dependencyCheckPublisher(failedTotalHigh: -1)`, {}));
  assert.match(bad.stdout + bad.stderr, /dependencyCheckPublisher: failedTotalHigh must be a whole number of findings \(0 or more\), got '-1'/);
});
