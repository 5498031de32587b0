// The read-ahead window of a durable exec (agent/durable.ts): a step printing faster than the
// controller acknowledges has at most WINDOW_BYTES read and sent beyond the acknowledgements, the
// rest waits in its file; while the window is full its directory is not watched (each of the
// step's writes would be an inotify event for nothing: the next read comes with an
// acknowledgement); once the reads catch up with the file it is watched again, so what the step
// prints after a quiet spell comes. Every byte once, in order. Real /bin/sh, real files; whether
// the directory is watched is read from this process's inotify descriptors in /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DurableExecs, WINDOW_BYTES, type ExecSink } from '../../src/agent/durable.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/controller.ts';

/** Whether this process has an inotify watch on `dir` (Linux: /proc/self/fdinfo of its inotify descriptors). */
function watched(dir: string): boolean {
  const ino = statSync(dir).ino.toString(16);
  for (const fd of readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (the listing's own descriptor)
    }
    if (!link.includes('inotify')) continue;
    if (new RegExp(`^inotify wd:\\d+ ino:${ino} `, 'm').test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))) return true;
  }
  return false;
}

test('a step printing more than the window: unwatched while the window is full, watched again once the reads catch up; every byte once, in order', async () => {
  assert.ok(process.platform === 'linux', `this test reads inotify watches from /proc (Linux); this machine is ${process.platform}`);
  const work = tempDir('durable-window');
  const execs = new DurableExecs(work);
  const gate = path.join(work, 'gate');
  const total = 3 * WINDOW_BYTES + 12345;
  const e = execs.start({
    key: 'b1-s1-window', buildId: 'B', build: 'j #1',
    // All of it at once, then a line once the test opens the gate (a file outside the control directory).
    argv: ['/bin/sh', '-c', `head -c ${total} /dev/zero | tr '\\0' x; while [ ! -e ${gate} ]; do sleep 0.02; done; echo tail`],
    cwd: work, env: { PATH: '/usr/bin:/bin' },
  });
  const chunks: Buffer[] = [];
  let got = 0;
  let exited: { exitCode: number | null } | null = null;
  const sink: ExecSink = {
    output: (data, stream) => {
      assert.equal(stream, 'stdout');
      chunks.push(Buffer.from(data));
      got += data.length;
    },
    exited: (r) => { exited = r; },
    forgotten: () => {},
  };
  e.attach(sink);
  await until(() => e.out.size() >= total && got === WINDOW_BYTES, 'the step to print it all, and one window of it to be sent');
  assert.equal(got, WINDOW_BYTES, 'nothing beyond the window before an acknowledgement');
  assert.equal(watched(e.dir), false, 'not watched while the window is full');
  // An acknowledgement moves the window: the next part is read at once, from the file.
  assert.equal(e.ackTo(got, 0, false), true);
  assert.equal(got, 2 * WINDOW_BYTES);
  assert.equal(watched(e.dir), false, 'still behind the file: still not watched');
  assert.equal(e.ackTo(got, 0, false), true);
  assert.equal(e.ackTo(got, 0, false), true);
  assert.equal(got, total, 'the rest, within the window');
  assert.equal(watched(e.dir), true, 'caught up with the file: watched again');
  writeFileSync(gate, '');
  await until(() => exited !== null, 'the line after the quiet spell, and the end');
  assert.equal(exited!.exitCode, 0);
  const all = Buffer.concat(chunks);
  assert.equal(all.length, total + 5);
  assert.equal(all.subarray(total).toString(), 'tail\n');
  assert.equal(all.indexOf('tail'), total, 'in order');
  assert.ok(all.subarray(0, total).every((b) => b === 0x78), 'each byte once: the step printed only x before its last line');
  assert.equal(watched(e.dir), false, 'its end sent: no longer watched');
  assert.equal(e.ackTo(got, 0, true), true);
});
