// A parallel branch's closing lines across a controller kill (issue 19): its last step ended (its end
// journaled) and its `[Pipeline] }` / `[Pipeline] // stage` lines come after, with no journal line
// of theirs. Real processes, both stores: `kill -9` of the controller before those lines were
// printed (the branch runs Groovy between its last step and its end) and after they were written
// (while another branch's sh runs on), and a kill of the second controller while it resumes (a
// restart during a restart). Every line of the branch comes once, whole and in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { durableKillHarness, readOrEmpty, buildDir } from '../helpers/durable-kill.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { kill9, freePort } from '../helpers/controller-process.ts';

const { dbFor, startCtl, startAgent } = durableKillHarness('kiln_durtrail');
const read = readOrEmpty;

/** Whether the journal has branch b's echo ended (its last step). */
const bEchoEnded = (dir: string) => read(path.join(dir, 'journal.jsonl')).split('\n').some((l) => l.includes('"branch":"b"') && l.includes('"call":"echo@') && l.includes('"status":"success"'));

/** Branch b's lines as they must read, once each and in order. */
const B_LINES = ['[b] [Pipeline] { (Branch: b)', '[b] [Pipeline] stage', '[b] [Pipeline] { (sb)', '[b] [Pipeline] echo', '[b] from b', '[b] [Pipeline] }', '[b] [Pipeline] // stage', '[b] [Pipeline] }'];
const closed = (log: string) => log.includes('[b] [Pipeline] // stage\n');

type Side = 'before' | 'after' | 'before, then again';

for (const kind of ['sqlite', 'postgres'] as const) for (const side of ['before', 'after', 'before, then again'] as Side[]) test(`kill -9 of the controller (${kind} store) ${side === 'after' ? 'after' : 'before'} a parallel branch's closing lines were printed${side === 'before, then again' ? ', and of the next one while it resumes' : ''}: each of them once, in order`, async () => {
  const home = tempDir('durtrail');
  const marks = tempDir('durtrail-marks');
  const workdir = tempDir('durtrail-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  await startAgent(c, 'a1', workdir);
  let api = jsonApi(() => c.url);
  // Branch a's sh prints on (a durable exec the resumed build takes over); branch b's last step is
  // its echo, then Groovy runs for a while (the window) before its closing lines.
  await api('POST', '/api/v1/jobs', { name: 'trail', script: `node('durable') {
    parallel a: {
      sh '''set +x; echo ran >> '${marks}/ran'; i=1; while [ ! -e '${marks}/go' ]; do echo "A$i"; i=$((i+1)); sleep 0.1; done; echo a-done'''
    }, b: {
      stage('sb') {
        echo 'from b'
        def t = 0
        for (int i = 0; i < 300000; i++) { t += i % 7 }
      }
    }
  }` });
  await api('POST', '/api/v1/jobs/trail/builds', {});
  const dir = buildDir(home);
  const logFile = path.join(dir, 'log');
  if (side === 'after') await until(() => closed(read(logFile)) && read(logFile).includes('[a] A2\n'), 'b\'s closing lines on disk, a printing on', 120_000, 5);
  else await until(() => bEchoEnded(dir), 'b\'s echo to end (journaled)', 60_000, 2);
  await kill9(c);
  const at = read(logFile);
  assert.equal(closed(at), side === 'after', `killed ${side === 'after' ? 'after' : 'before'} b's closing lines were written (the Groovy after b's last step was too short?):\n${at}`);
  if (side === 'before, then again') {
    // The second controller replays b's Groovy again (the same window) and is killed within it or
    // just after its closing lines, whichever it reaches first; then a third one finishes the build.
    c = await startCtl(home, port, db);
    await until(() => read(logFile).includes('Resumed after the controller restarted'), 'the build to resume', 60_000, 5);
    await kill9(c);
  }
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  await until(() => read(logFile).includes('Resumed after the controller restarted') && closed(read(logFile)), 'the resumed build to close b', 120_000, 10);
  writeFileSync(`${marks}/go`, '');
  const b = await finishedBuild(c.url, 'trail', 1);
  const text = await consoleText(c.url, 'trail', 1);
  assert.equal(b.result, 'SUCCESS', text.slice(-3000));
  const lines = text.split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith('[b] ')), B_LINES, `b's lines once each, in order:\n${text}`);
  const as = lines.filter((l) => /^\[a\] A\d+$/.test(l));
  assert.deepEqual(as, as.map((_, i) => `[a] A${i + 1}`), `a's lines once, in order:\n${text}`);
  assert.equal(lines.filter((l) => l === '[a] a-done').length, 1, text);
  assert.equal(lines.filter((l) => l === '[Pipeline] // node').length, 1, text);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the sh ran once');
  await kill9(c);
});
