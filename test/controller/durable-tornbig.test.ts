// A console write torn by the kill with more than 1 MiB of bytes other than execs' output in it
// (issue 19): a branch echoes a 1.5 MB line beside another branch's running sh (a durable exec
// with points), the controller is killed, and the console file is cut on disk within that line
// (as a kill within the write leaves it). The resumed build cuts back to the journal's last
// boundary and puts back what the write's marks carry: the whole line once, every sh line once
// and in order, on both stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { durableKillHarness, readOrEmpty } from '../helpers/durable-kill.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { kill9, freePort } from '../helpers/controller-process.ts';

const { dbFor, startCtl, startAgent } = durableKillHarness('kiln_durbig');
const read = readOrEmpty;

const BIG = 1_500_000;

for (const kind of ['sqlite', 'postgres'] as const) for (const again of [false, true]) test(`a console write torn by the kill (${kind} store) within a ${BIG}-byte echo beside a running sh${again ? ', and a kill of the next controller once it resumed' : ''}: the line kept whole, once, and every other line once`, async () => {
  const home = tempDir('durbig');
  const marks = tempDir('durbig-marks');
  const workdir = tempDir('durbig-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  await startAgent(c, 'a1', workdir);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'big', script: `node('durable') {
    parallel a: {
      sh \'\'\'set +x; echo ran >> '${marks}/ran'; i=1; while [ $i -le 5 ]; do echo "A$i"; i=$((i+1)); sleep 0.1; done; while [ ! -e '${marks}/go' ]; do sleep 0.1; done; echo a-done\'\'\'
    }, b: {
      sleep(time: 1500, unit: 'MILLISECONDS')
      echo('y' * ${BIG})
      echo 'b done'
    }
  }` });
  await api('POST', '/api/v1/jobs/big/builds', {});
  const root = path.join(home, 'builds');
  await until(() => readdirSync(root).some((id) => existsSync(path.join(root, id, '1', 'log'))), 'the build', 60_000, 10);
  const id = readdirSync(root).find((x) => existsSync(path.join(root, x, '1', 'log')))!;
  const logFile = path.join(root, id, '1', 'log');
  // a printed before the big line and waits silently: nothing the agent was told is safe lies past
  // the tear (as with a kill within the write), b's later lines are written after it.
  await until(() => read(logFile).includes('[b] [Pipeline] }\n'), 'the big line written, b ended', 120_000, 20);
  await kill9(c);
  const log = readFileSync(logFile);
  const start = log.indexOf('[b] yyyy');
  assert.ok(start > log.indexOf('[a] A5\n'), `the big line is in the console after a's lines: ${log.subarray(0, 2000).toString()}`);
  // Torn within the big line, as a kill within its write leaves it.
  truncateSync(logFile, start + 700_000);
  if (again) {
    // A restart during the restart: the second controller put the line back and resumed.
    c = await startCtl(home, port, db);
    await until(() => read(logFile).includes('Resumed after the controller restarted'), 'the build to resume', 120_000, 10);
    await kill9(c);
  }
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  await until(() => read(logFile).includes('Resumed after the controller restarted'), 'the build to resume', 120_000, 10);
  writeFileSync(`${marks}/go`, '');
  const b = await finishedBuild(c.url, 'big', 1);
  const text = await consoleText(c.url, 'big', 1);
  const short = text.split('\n').map((l) => (l.length > 200 ? `${l.slice(0, 60)}...(${l.length})` : l)).join('\n');
  assert.equal(b.result, 'SUCCESS', short.slice(-3000));
  const lines = text.split('\n');
  assert.equal(lines.filter((l) => l === `[b] ${'y'.repeat(BIG)}`).length, 1, `the big line once, whole:\n${short}`);
  assert.equal(lines.filter((l) => l.includes('yyyy')).length, 1, `no torn part of it left:\n${short}`);
  assert.equal(lines.filter((l) => l === '[b] b done').length, 1, short);
  assert.deepEqual(lines.filter((l) => /^\[a\] A\d+$/.test(l)), ['[a] A1', '[a] A2', '[a] A3', '[a] A4', '[a] A5'], `a's lines once, in order:\n${short}`);
  assert.equal(lines.filter((l) => l === '[b] [Pipeline] }').length, 1, short);
  assert.equal(lines.filter((l) => l === '[a] a-done').length, 1, short);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the sh ran once');
  await kill9(c);
});
