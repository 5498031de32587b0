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
    assert.deepEqual(badges.map((x) => [x.kind, x.icon, x.text, x.link, x.id]), [
      ['badge', 'symbol-star', 'release', 'https://example.com/r/1', 'rel'],
      ['badge', 'info', 'from main', null, null],
      ['badge', 'error', 'lint', 'javascript:alert(1)', null],
      ['html', null, '<br>release version: 1.2<script>x()</script>', null, null],
      ['badge', null, 'v1.2', null, null],
    ]);
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
});
