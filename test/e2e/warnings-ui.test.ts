// The build page's static analysis section (web/src/pages/BuildIssues.tsx) in Chromium, against a
// real controller and agent: two builds of a job whose checkstyle report changes; the second
// build's page shows the counts by severity, 1 new / 1 fixed / 1 outstanding, the result's
// missed quality gate, and, opened, its issues at file:line; the "fixed" view lists the gone one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, startE2E, type Kiln, type E2E } from './harness.ts';

let e: E2E, kiln: Kiln, b: E2E['b'];
// The first admin is set up from the browser's context: the page has its session cookie.
before(async () => { ({ kiln, b } = e = await startE2E({ agent: { name: 'warnings-agent', executors: 2 }, setup: 'session' })); });
after(() => e?.stop());

async function finished(job: string, n: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const s = await kiln.api('GET', `/api/v1/jobs/${job}/builds/${n}`);
    if (s.status === 'finished') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${job} #${n} did not finish`);
}

test('the build page shows static analysis: counts, new/fixed/outstanding, the gate, issues at file:line', { timeout: 120_000 }, async () => {
  await kiln.api('POST', '/api/v1/jobs', {
    name: 'lint-ui',
    script: `pipeline {
  agent any
  stages {
    stage('Lint') {
      steps {
        script {
          def two = env.BUILD_NUMBER != '1'
          writeFile file: 'checkstyle-result.xml', text: """<checkstyle><file name="src/App.java"><error line="7" column="3" severity="warning" message="Kept" source="c.checks.coding.KeptCheck"/>\${two ? '<error line="12" severity="error" message="Brand new" source="c.checks.coding.NewCheck"/>' : '<error line="3" severity="info" message="Gone soon" source="c.checks.naming.GoneCheck"/>'}</file></checkstyle>"""
        }
        recordIssues tool: checkStyle(), qualityGates: [[threshold: 1, type: 'NEW', unstable: true]]
      }
    }
  }
}`,
  });
  for (const n of [1, 2]) {
    await kiln.api('POST', '/api/v1/jobs/lint-ui/builds', {});
    await finished('lint-ui', n);
  }
  const page = b.page;
  await page.goto(new URL('job/lint-ui/build/2', kiln.url).href);
  const section = page.getByRole('region', { name: 'Static analysis' });
  await section.waitFor();
  const counts = await section.locator('.issue-counts').innerText();
  assert.match(counts, /2 issues: 1 errors, 0 high, 1 normal, 0 low/);
  assert.match(counts, /1 new, 1 fixed, 1 outstanding/);
  const summary = section.locator('summary', { hasText: 'CheckStyle' });
  assert.match(await summary.innerText(), /quality gate missed: unstable/);
  await summary.click();
  await section.getByRole('cell', { name: 'src/App.java:12' }).waitFor();
  await section.getByRole('cell', { name: 'src/App.java:7:3' }).waitFor();
  await section.getByText('Compared with lint-ui #1.').waitFor();
  await section.getByRole('radio', { name: 'fixed' }).check();
  await section.getByRole('cell', { name: 'Gone soon' }).waitFor();
  await screenshot(page, 'warnings-build-issues');
  // The first build had no reference: everything outstanding.
  await page.goto(new URL('job/lint-ui/build/1', kiln.url).href);
  await page.getByRole('heading', { name: 'lint-ui #1' }).waitFor();
  assert.match(await page.getByRole('region', { name: 'Static analysis' }).locator('.issue-counts').innerText(), /0 new, 0 fixed, 2 outstanding/);
  assert.deepEqual(b.problems, [], 'no page errors or CSP violations');
});
