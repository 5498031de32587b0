// Badges across a controller restart, on real processes: a build that added badges and a summary,
// and changed them, is killed with SIGKILL mid-build; the resumed build (which replays its
// script, the badge steps run again: replayRuns) has each badge once, with every change made
// before and after the restart applied once, not lost and not doubled, and a badge's generated
// id the same before and after (the API's and the script's).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tempDir } from '../../helpers/tmp.ts';
import { jsonApi, finishedBuild, consoleText, consoleUntil } from '../../helpers/controller.ts';
import { startControllerProcess, kill9, freePort } from '../../helpers/controller-process.ts';

const running = new Set<ChildProcess>();
after(() => { for (const p of running) p.kill('SIGKILL'); });

test('a build killed with -9 after adding badges resumes with each badge once and every change applied once', async () => {
  const home = tempDir('badge-restart');
  const port = await freePort();
  let c = await startControllerProcess(home, { port, running });
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'marked', script: `
def s = addSummary text: 'one'
def b = addBadge text: 'before', id: 'b1'
def g = addWarningBadge text: 'generated'
echo "generated id \${g.id}"
s.appendText(', two')
removeBadges id: 'nothing'
echo 'ready for the kill'
sleep 3
s.appendText(', three')
b.text = 'before, changed'
addBadge text: 'after'
echo "generated id after the restart \${g.id}"
` });
  await api('POST', '/api/v1/jobs/marked/builds', {});
  await consoleUntil(c.url, 'marked', 1, 'ready for the kill');
  const seen = ((await api('GET', '/api/v1/jobs/marked/builds/1')) as { badges: { text: string; id: string }[] }).badges;
  const generated = seen.find((x) => x.text === 'generated')?.id;
  assert.match(generated ?? '', /^[0-9a-f-]{36}$/, JSON.stringify(seen));
  await kill9(c);
  c = await startControllerProcess(home, { port, running });
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'marked', 1);
  const text = await consoleText(c.url, 'marked', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.match(text, /^Resumed after the controller restarted/m, 'the build did resume');
  const d = await api('GET', '/api/v1/jobs/marked/builds/1');
  const badges = (d as { badges: { kind: string; text: string; id: string }[] }).badges;
  assert.deepEqual(badges.map((x) => [x.kind, x.text]), [['summary', 'one, two, three'], ['badge', 'before, changed'], ['badge', 'generated'], ['badge', 'after']], JSON.stringify(badges));
  assert.equal(badges[1]!.id, 'b1');
  // A generated id is kept with the badge: the API and the script see the one they saw before the restart.
  assert.equal(badges[2]!.id, generated);
  assert.match(text, new RegExp(`^generated id ${generated}$`, 'm'));
  assert.match(text, new RegExp(`^generated id after the restart ${generated}$`, 'm'));
  await kill9(c);
});
