// The badge plugin's steps on a real controller: a build adds and removes badges, and the
// build's API answer (what the build page shows) has them, in order, kept after the build
// ended; the deprecated steps print the plugin's line; a hostile link or HTML stays data.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('badges on a controller', () => {
  let c: ControllerHandle;
  const api = rawApi(() => c.url);
  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir('badge-ctl'), 'home'), port: '0', executors: '1' }));
  });
  after(async () => { await c?.close(); });

  test('added badges are in the build, removed ones are not; HTML is kept as text', async () => {
    const script = `
pipeline {
  agent none
  stages {
    stage('mark') {
      steps {
        addBadge icon: 'symbol-star', text: 'release', link: "https://example.com/r/\${BUILD_NUMBER}", id: 'rel'
        addInfoBadge 'from main'
        addWarningBadge text: 'slow tests', id: 'tmp'
        addErrorBadge text: 'lint', link: 'javascript:alert(1)'
        addHtmlBadge html: '<br>release version: 1.2<script>x()</script>'
        addShortText text: 'v1.2', background: 'green', border: 1
        removeBadges id: 'tmp'
      }
    }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'marked', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/marked/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'marked', 1);
    const log = await consoleText(c.url, 'marked', 1);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /^Step 'addHtmlBadge' is deprecated - please consider using 'addBadge' instead\.$/m);
    assert.match(log, /^Step 'addShortText' is deprecated - please consider using 'addBadge' instead\.$/m);
    const d = await api('GET', '/api/v1/jobs/marked/builds/1');
    assert.equal(d.status, 200, d.text);
    const badges = d.json.badges as { kind: string; icon: string | null; text: string; link: string | null; id: string | null; style: string | null }[];
    assert.deepEqual(badges.map((x) => [x.kind, x.icon, x.text, x.link]), [
      ['badge', 'symbol-star', 'release', 'https://example.com/r/1'],
      ['badge', 'info', 'from main', null],
      ['badge', 'error', 'lint', 'javascript:alert(1)'],
      ['html', null, '<br>release version: 1.2<script>x()</script>', null],
      ['badge', null, 'v1.2', null],
    ]);
    // The id given, else a random UUID, as the plugin's actions get
    assert.equal(badges[0]!.id, 'rel');
    for (const x of badges.slice(1)) assert.match(x.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(badges[4]!.style, 'border: 1px solid ;background: green;');
  });

  test('a scripted build removes all badges; a missing text is a lint error', async () => {
    const script = "addBadge text: 'a'\naddHtmlBadge '<i>b</i>'\nremoveHtmlBadges()\necho 'one left'\nremoveBadges()";
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'cleared', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/cleared/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'cleared', 1);
    assert.equal(b.result, 'SUCCESS', await consoleText(c.url, 'cleared', 1));
    assert.deepEqual((await api('GET', '/api/v1/jobs/cleared/builds/1')).json.badges, []);
    const bad = await api('POST', '/api/v1/jobs', { name: 'bad-badge', script: "addInfoBadge id: 'x'" });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /Missing required parameter: \\"text\\"|Missing required parameter: "text"/);
  });

  test('an add step returns the badge: its id removes it, its fields change it on the build page', async () => {
    const script = `
def a = addBadge text: 'a'
def b = addWarningBadge 'building'
echo "badge id: \${a.id}, getId: \${a.getId()}, text: \${b.text}"
b.text = 'built'
b.setIcon('symbol-check')
b.link = '/job/x'
echo "now: \${b.getText()} \${b.icon} \${b.getLink()}"
removeBadges id: a.id
def h = addHtmlBadge '<i>x</i>'
h.setText('<b>y</b>')
`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'returned', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/returned/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'returned', 1);
    const log = await consoleText(c.url, 'returned', 1);
    assert.equal(b.result, 'SUCCESS', log);
    const m = /^badge id: ([0-9a-f-]{36}), getId: ([0-9a-f-]{36}), text: building$/m.exec(log);
    assert.ok(m, log);
    assert.equal(m[1], m[2]);
    assert.match(log, /^now: built symbol-check \/job\/x$/m);
    const badges = (await api('GET', '/api/v1/jobs/returned/builds/1')).json.badges as { kind: string; icon: string | null; text: string; link: string | null; id: string }[];
    assert.deepEqual(badges.map((x) => [x.kind, x.icon, x.text, x.link]), [['badge', 'symbol-check', 'built', '/job/x'], ['html', null, '<b>y</b>', null]]);
    assert.ok(!badges.some((x) => x.id === m[1]), 'the badge removed by its returned id is gone');
  });

  test('summaries: createSummary and appendText build the plugin\'s markup, kept as text; removeSummaries by id', async () => {
    const script = `
def s = createSummary('symbol-star')
s.appendText('<b>bold</b>', true)
s.appendText(' & ', false)
s.appendText('red', false, true, false, 'red"x')
def t = createSummary icon: 'info', text: 'first', id: 'gone'
def u = addSummary icon: 'symbol-document', text: 'Deployed', link: 'https://example.com/d', id: 'dep'
u.appendText(' to prod')
addBadge text: 'not a summary', id: 'gone'
removeSummaries id: 'gone'
`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'summed', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/summed/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'summed', 1);
    const log = await consoleText(c.url, 'summed', 1);
    assert.equal(b.result, 'SUCCESS', log);
    assert.equal(log.split('\n').filter((l) => l === "Step 'createSummary' is deprecated - please consider using 'addSummary' instead.").length, 2, log);
    const all = (await api('GET', '/api/v1/jobs/summed/builds/1')).json.badges as { kind: string; icon: string | null; text: string; link: string | null; id: string }[];
    assert.deepEqual(all.map((x) => [x.kind, x.icon, x.text, x.link]), [
      ['summary', 'symbol-star', '&lt;b&gt;bold&lt;/b&gt; & <b><font color="red&quot;x">red</b></font>', null], // the plugin closes its tags in the order it opened them
      ['summary', 'symbol-document', 'Deployed to prod', 'https://example.com/d'],
      ['badge', null, 'not a summary', null],
    ]);
  });

  test('appendText on a badge, and a setter of the id, fail the build saying so', async () => {
    const script = "def b = addBadge text: 'x'\nb.appendText('y')";
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'noappend', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/noappend/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'noappend', 1);
    const log = await consoleText(c.url, 'noappend', 1);
    assert.equal(b.result, 'FAILURE', log);
    assert.match(log, /appendText: only a summary \(addSummary, createSummary\) has it/);
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'noid', script: "def b = addBadge text: 'x'\nb.setId('y')" })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/noid/builds', {})).status, 201);
    assert.equal((await finishedBuild(c.url, 'noid', 1)).result, 'FAILURE');
    assert.match(await consoleText(c.url, 'noid', 1), /No signature of method|setId/);
  });
});
