// xrayScan and server.xrayScan through `kiln run` against the in-process Artifactory
// (artifactory-server.ts) answering POST /api/xray/scanBuild as Artifactory documents it (a blank
// keep-alive line, then the JSON): the request (build name, number, context, auth), the summary on
// the console, the build failing when Xray says so and failBuild is on (the default), a result
// object in scripted pipelines, and hostile or broken answers (errors, not JSON, control
// characters) giving clear failures.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startArtifactory, type FakeArtifactory } from './artifactory-server.ts';

const TOKEN = 'xray-Access-token-77';
const answers: Record<string, { status: number; body: string }> = {
  vulnerable: { status: 200, body: JSON.stringify({
    summary: { message: 'Build vulnerable number 1 was scanned by Xray and 1 Alerts were generated', total_alerts: 1, fail_build: true, more_details_url: 'https://xray.example/web/#/component/details/build:~2F~2Fvulnerable%2F1' },
    alerts: [{ issues: [{ severity: 'High', type: 'security', summary: 'CVE-2026-0001 in lodash \u001b[31mred', impacted_artifacts: [{ display_name: 'lodash:4.17.20' }] }] }],
  }) },
  clean: { status: 200, body: JSON.stringify({ summary: { message: 'Build clean number 1 was scanned by Xray and 0 Alerts were generated', total_alerts: 0, fail_build: false, more_details_url: '' }, alerts: [] }) },
  down: { status: 200, body: JSON.stringify({ errors: [{ status: -1, message: 'Xray is not available' }] }) },
  garbage: { status: 200, body: '<html>proxy error</html>' },
};
let art: FakeArtifactory | undefined;
after(async () => { await art?.close(); });
async function server(): Promise<FakeArtifactory> {
  art ??= await startArtifactory({ user: 'u', password: 'p', token: TOKEN, repos: [], xray: (r) => answers[r.buildName] ?? { status: 404, body: JSON.stringify({ errors: [{ status: 404, message: `No build ${r.buildName}` }] }) } });
  return art;
}

function project(jenkinsfile: string): string {
  const dir = tempDir('artifactory-xray');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'xray-token': { type: 'secretText', secret: TOKEN } }));
  return dir;
}
const run = (dir: string) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '' } });
const declarative = (url: string, build: string, extra = '') => `
pipeline {
  agent any
  stages { stage('scan') { steps {
    rtServer(id: 'art', url: '${url}', credentialsId: 'xray-token')
    xrayScan(serverId: 'art', buildName: '${build}', buildNumber: '1'${extra})
    echo 'after the scan'
  } } }
}`;

test('xrayScan fails the build when Xray says so, with the summary, the details URL and the issues on the console', async () => {
  const a = await server();
  const r = await run(project(declarative(a.url, 'vulnerable')));
  assert.notEqual(r.code, 0);
  const req = a.requests.findLast((x) => x.path === '/artifactory/api/xray/scanBuild')!;
  assert.equal(req.method, 'POST');
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(JSON.parse(req.body.toString()), { buildName: 'vulnerable', buildNumber: '1', context: 'jenkins' });
  assert.match(r.stdout, /ERROR: Build vulnerable number 1 was scanned by Xray and 1 Alerts were generated/);
  assert.match(r.stdout, /Xray scan details are available at: https:\/\/xray\.example\/web\/#\/component\/details\/build:~2F~2Fvulnerable%2F1/);
  assert.match(r.stdout, /High security: CVE-2026-0001 in lodash  \[31mred \(lodash:4\.17\.20\)/);
  assert.ok(!r.stdout.includes('\u001b[31m'), 'no control character from the answer reaches the console');
  assert.match(r.stdout, /Violations were found by Xray: Build vulnerable number 1/);
  assert.ok(!r.stdout.includes('after the scan'));
  assert.ok(!r.stdout.includes(TOKEN));
});

test('failBuild: false keeps the build going; scripted server.xrayScan returns the result', async () => {
  const a = await server();
  const r1 = await run(project(declarative(a.url, 'vulnerable', ', failBuild: false')));
  assert.equal(r1.code, 0, r1.stdout.slice(-3000));
  assert.match(r1.stdout, /ERROR: Build vulnerable number 1 was scanned/);
  assert.match(r1.stdout, /after the scan/);
  const r2 = await run(project(`
node {
  rtServer(id: 'art', url: '${a.url}', credentialsId: 'xray-token')
  def server = Artifactory.server 'art'
  def bad = server.xrayScan buildName: 'vulnerable', buildNumber: '1', failBuild: false
  def good = server.xrayScan buildName: 'clean', buildNumber: '1'
  echo "vulnerable: \${bad.isFoundVulnerable()} / \${good.isFoundVulnerable()}"
  echo "message: \${good.getScanMessage()}"
}`));
  assert.equal(r2.code, 0, r2.stdout.slice(-3000));
  assert.match(r2.stdout, /vulnerable: true \/ false/);
  assert.match(r2.stdout, /message: Build clean number 1 was scanned by Xray and 0 Alerts were generated/);
});

test("Xray's errors, a missing build and an answer that is not JSON fail the step clearly", async () => {
  const a = await server();
  const down = await run(project(declarative(a.url, 'down')));
  assert.notEqual(down.code, 0);
  assert.match(down.stdout, /xrayScan: Artifactory response: \[\{"status":-1,"message":"Xray is not available"\}\]/);
  const missing = await run(project(declarative(a.url, 'nothing')));
  assert.match(missing.stdout, /xrayScan: Xray scan failed: HTTP 404 Not Found: No build nothing/);
  const garbage = await run(project(declarative(a.url, 'garbage')));
  assert.match(garbage.stdout, /xrayScan: Failed processing scan response: not JSON: <html>proxy error<\/html>/);
});
