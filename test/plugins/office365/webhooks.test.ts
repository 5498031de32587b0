// The Office 365 Connector plugin's job property office365ConnectorWebhooks through `kiln run`
// (the real CLI, builds one after another in the same project so each has its previous one),
// against a Microsoft Teams incoming webhook in this process (real HTTP, 200 "1"): which cards
// each webhook receives on the build's start and end as its notify flags and macros decide
// (DecisionMaker), what the cards say, the console lines, and that no URL reaches the console.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Received, type TestService } from '../http-services/service-helper.ts';

const services: TestService[] = [];
after(async () => { for (const s of services) await s.close(); });
async function teams(): Promise<TestService> {
  const s = await startService(() => ({ text: '1' }));
  services.push(s);
  return s;
}

type Card = { summary: string; themeColor: string; sections: { activityTitle: string; facts: { name: string; value: string }[] }[] };
const cards = (s: TestService, hook: string): Card[] => s.received.filter((r: Received) => r.path === `/hook/${hook}`).map((r) => r.json as Card);
const summaries = (s: TestService, hook: string): string[] => cards(s, hook).map((c) => c.summary);

function project(): string {
  return tempDir('o365-webhooks');
}
async function build(dir: string, jenkinsfile: string, env: Record<string, string> = {}) {
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return runKiln(['run', '--job', 'team/shop'], { cwd: dir, env });
}

const declarative = (url: string, steps: string) => `
pipeline {
  agent none
  options {
    office365ConnectorWebhooks([
      [name: 'team', url: '${url}/hook/secretA', startNotification: true, notifySuccess: true, notifyFailure: true,
       notifyRepeatedFailure: true, notifyBackToNormal: true, factDefinitions: [[name: 'Job', template: '\${JOB_BASE_NAME}']]],
      [name: 'ops', url: '${url}/hook/secretB', notifyFailure: true, notifyAborted: true],
    ])
  }
  stages { stage('s') { steps { ${steps} } } }
}`;

test('options { office365ConnectorWebhooks }: started and completed cards per webhook, as its flags and the previous result decide', async () => {
  const t = await teams();
  const dir = project();
  const ok = declarative(t.url, "echo 'ok'");
  const bad = declarative(t.url, "error 'boom'");
  const results: (number | null)[] = [];
  for (const jf of [ok, bad, bad, ok]) {
    const r = await build(dir, jf);
    results.push(r.code);
    assert.ok(!r.stdout.includes('secretA') && !r.stdout.includes('secretB') && !r.stderr.includes('secret'), r.stdout);
    if (jf === bad) assert.match(r.stdout, /^\[Office365connector\] Matched status 'FAILURE' for webhook 'team'\.$/m);
  }
  assert.deepEqual(results, [0, 1, 1, 0]);
  assert.deepEqual(summaries(t, 'secretA'), [
    'team » shop: Build #1 Started', 'team » shop: Build #1 Success',
    'team » shop: Build #2 Started', 'team » shop: Build #2 Failed',
    'team » shop: Build #3 Started', 'team » shop: Build #3 Repeated Failure',
    'team » shop: Build #4 Started', 'team » shop: Build #4 Back to Normal',
  ]);
  // ops: notifyFailure only (a repeated failure is notifyRepeatedFailure's), no start card.
  assert.deepEqual(summaries(t, 'secretB'), ['team » shop: Build #2 Failed']);
  const failed = cards(t, 'secretA')[3]!;
  assert.equal(failed.themeColor, '#FF0000');
  assert.equal(failed.sections[0]!.activityTitle, 'Update from team » shop.');
  assert.deepEqual(failed.sections[0]!.facts, [{ name: 'Status', value: 'Build Failed' }, { name: 'Job', value: 'shop' }]);
  assert.deepEqual(cards(t, 'secretA')[0]!.sections[0]!.facts, [{ name: 'Status', value: 'Build Started' }, { name: 'Job', value: 'shop' }]);
});

test('macros gate a webhook: only one whose template, expanded, equals its value is notified', async () => {
  const t = await teams();
  const dir = project();
  const r = await build(dir, `
pipeline {
  agent none
  options {
    office365ConnectorWebhooks([
      [name: 'mine', url: '${t.url}/hook/m1', notifySuccess: true, macros: [[template: '\${JOB_BASE_NAME}', value: 'other'], [template: '\${JOB_BASE_NAME}', value: 'shop']]],
      [name: 'theirs', url: '${t.url}/hook/m2', notifySuccess: true, startNotification: true, macros: [[template: '\${JOB_BASE_NAME}', value: 'other']]],
    ])
  }
  stages { stage('s') { steps { echo 'ok' } } }
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(summaries(t, 'm1'), ['team » shop: Build #1 Success']);
  assert.deepEqual(summaries(t, 'm2'), []);
  assert.match(r.stdout, /^\[Office365connector\] Matched template '\$\{JOB_BASE_NAME\}' for webhook 'mine'\.$/m);
});

test('properties([office365ConnectorWebhooks(...)]) in a scripted pipeline: the completed card of that build (no started card), adaptive when asked', async () => {
  const t = await teams();
  const dir = project();
  const r = await build(dir, `
properties([office365ConnectorWebhooks([[name: 'team', url: '${t.url}/hook/s1', startNotification: true, notifyUnstable: true, adaptiveCards: true]])])
node { unstable('flaky') }`);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /^Finished: UNSTABLE$/m);
  const got = t.received.filter((x) => x.path === '/hook/s1').map((x) => x.json as { type: string; attachments: { content: { body: { text: string }[] } }[] });
  assert.equal(got.length, 1);
  assert.equal(got[0]!.type, 'message');
  assert.equal(got[0]!.attachments[0]!.content.body[0]!.text, 'team » shop: Build #1 Unstable');
});

test("a webhook in the Kiln server's own network is refused and printed; the build's result is its own; a webhook without a url is printed", async () => {
  const t = await teams();
  const dir = project();
  const r = await build(dir, declarative(t.url, "echo 'ok'"), { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(t.received.length, 0);
  assert.match(r.stdout, /^\[Office365connector\] Failed to post data to webhook - .*Kiln server's own network/m);
  assert.ok(!r.stdout.includes('secretA'));
  const bad = await build(project(), `
properties([office365ConnectorWebhooks([[name: 'x', notifySuccess: true]])])
node { echo 'ran' }`);
  assert.match(bad.stdout, /office365ConnectorWebhooks: webhook 1 has no url/);
});

test('a webhook computed at run time in options is a lint error at its line (options are read before the build runs)', async () => {
  const dir = project();
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline {
  agent none
  options { office365ConnectorWebhooks([[name: 'x', url: env.HOOK, notifySuccess: true]]) }
  stages { stage('s') { steps { echo 'ok' } } }
}
`);
  const r = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /^Jenkinsfile:3:40: office365ConnectorWebhooks: the webhooks must be written as literals in options/m);
});

test("a url written '${VARIABLE}' is expanded with the build's parameters when the card is posted; it is never printed", async () => {
  const t = await teams();
  const r = await build(project(), `
pipeline {
  agent none
  parameters { string(name: 'TEAMS_HOOK', defaultValue: '${t.url}/hook/param1') }
  options { office365ConnectorWebhooks([[name: 'team', url: '\${TEAMS_HOOK}', startNotification: true, notifySuccess: true]]) }
  stages { stage('s') { steps { echo 'ok' } } }
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(summaries(t, 'param1'), ['team » shop: Build #1 Started', 'team » shop: Build #1 Success']);
  assert.ok(!r.stdout.includes('/hook/param1'));
});
