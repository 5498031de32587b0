// Spare control directories (agent/durable.ts, DurableExecs "spare directories"): a durable exec
// starts in a directory made ahead in `.kiln-durable-spare` and renamed into `.kiln-durable/<key>`,
// and a finished exec's directory becomes a spare again. What a user would notice if that went
// wrong: output of an earlier step (a process it left running) in a later step's output, an old
// meta.json read by a later agent process, a spare handed back as if it were a step, or spares
// left behind. Real /bin/sh, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DurableExecs, SPARE_DIR, DURABLE_DIR, type DurableExec } from '../../src/agent/durable.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/controller.ts';

/** Runs an exec to its end, acknowledges everything and the end; its stdout and stderr. */
async function run(execs: DurableExecs, key: string, script: string, cwd: string): Promise<{ e: DurableExec; out: string; err: string; ino: number }> {
  const e = execs.start({ key, buildId: 'B1', build: 'job #1', argv: ['/bin/sh', '-e', '-c', script], cwd, env: { PATH: '/usr/bin:/bin' } });
  const ino = statSync(e.dir).ino;
  let out = '';
  let err = '';
  let o = 0;
  let x = 0;
  let ended = false;
  e.attach({
    output: (data, stream) => {
      if (stream === 'stdout') { out += data.toString(); o += data.length; } else { err += data.toString(); x += data.length; }
    },
    exited: () => { ended = true; },
    forgotten: () => {},
  });
  await until(() => ended, `${key} to end`);
  assert.equal(e.ackTo(o, x, true), true);
  return { e, out, err, ino };
}

const spares = (work: string) => {
  try {
    return readdirSync(path.join(work, SPARE_DIR)).map((n) => path.join(work, SPARE_DIR, n));
  } catch {
    return [];
  }
};

test('a finished step\'s directory is a spare again, and the step that takes it has only its own output and meta.json, even with a process the first left writing', async () => {
  const work = tempDir('durable-spares');
  const execs = new DurableExecs(work);
  execs.load();
  assert.equal(existsSync(path.join(work, SPARE_DIR)), false, 'no spare before a first step');
  // The first step leaves a process behind that writes to its stdout after the step ended.
  const marker = path.join(work, 'late-done');
  const first = await run(execs, 'b1-s1-a-much-longer-key-than-the-next-one-0123456789', `(sleep 1; echo LATE-FROM-THE-FIRST-STEP; touch ${marker}) & echo one`, work);
  assert.equal(first.out, 'one\n');
  // Its directory leaves `.kiln-durable` and waits among the spares (the same directory: its inode).
  await until(() => execs.spares.length > 0 && statSync(execs.spares.at(-1)!).ino === first.ino, 'the first step\'s directory to be the next spare');
  assert.equal(path.dirname(execs.spares.at(-1)!), path.join(work, SPARE_DIR));
  assert.deepEqual(readdirSync(path.join(work, DURABLE_DIR)), []);
  const second = execs.start({ key: 'b1-s2-b', buildId: 'B1', build: 'job #1', argv: ['/bin/sh', '-e', '-c', `while [ ! -e ${marker} ]; do sleep 0.05; done; echo two`], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  assert.equal(statSync(second.dir).ino, first.ino, 'the second step took the first one\'s directory');
  assert.equal(second.dir, path.join(work, DURABLE_DIR, 'b1-s2-b'));
  const meta = JSON.parse(readFileSync(path.join(second.dir, 'meta.json'), 'utf8')) as { key: string; pgid: number };
  assert.equal(meta.key, 'b1-s2-b', 'meta.json is the second step\'s, nothing of the first\'s longer one left');
  assert.ok(meta.pgid > 0);
  assert.equal(readFileSync(path.join(second.dir, 'rc'), 'utf8'), '', 'no status before the step ends');
  let out = '';
  let code: number | null | undefined;
  second.attach({ output: (d, s) => { if (s === 'stdout') out += d.toString(); }, exited: (r) => { code = r.exitCode; }, forgotten: () => {} });
  await until(() => code !== undefined, 'the second step to end');
  assert.equal(code, 0);
  assert.equal(out, 'two\n', 'the first step\'s late output is not the second\'s');
  assert.equal(readFileSync(path.join(second.dir, 'rc'), 'utf8'), '0\n');
  assert.equal(second.ackTo(4, 0, true), true);
  execs.close();
  assert.equal(existsSync(path.join(work, SPARE_DIR)), false, 'the spares go when the agent stops');
  await until(() => readdirSync(path.join(work, DURABLE_DIR)).length === 0, 'the finished directories to go');
});

test('spares are never handed back: a later agent process removes them, and takes over only the steps', async () => {
  const work = tempDir('durable-spares-load');
  const first = new DurableExecs(work);
  first.load();
  const e = first.start({ key: 'b1-s1-kept', buildId: 'B1', build: 'job #1', argv: ['/bin/sh', '-e', '-c', 'echo kept'], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  await until(() => existsSync(path.join(e.dir, 'rc')) && /^0\n$/.test(readFileSync(path.join(e.dir, 'rc'), 'utf8')), 'the step to end');
  await until(() => spares(work).length >= 2, 'a spare to be made in place of the one taken');
  // The agent process dies here (nothing detached, nothing removed); the next one loads.
  const next = new DurableExecs(work);
  next.load();
  assert.deepEqual(next.handback().map((h) => [h.key, h.exit?.code]), [['b1-s1-kept', 0]]);
  assert.deepEqual(readdirSync(path.join(work, DURABLE_DIR)), ['b1-s1-kept']);
  assert.equal(existsSync(path.join(work, SPARE_DIR)), false, 'the earlier process\'s spares are gone');
  next.close();
  first.close();
  assert.deepEqual(readdirSync(path.join(work, DURABLE_DIR)), ['b1-s1-kept'], 'the step stays for the controller');
});

test('with no spare ready (a burst of starts), a start makes its own directory, as before', async () => {
  const work = tempDir('durable-spares-burst');
  const execs = new DurableExecs(work); // no spares made ahead yet
  const started = Array.from({ length: 6 }, (_, i) => execs.start({ key: `b1-s${i}-burst`, buildId: 'B1', build: 'job #1', argv: ['/bin/sh', '-e', '-c', `echo ${i}`], cwd: work, env: { PATH: '/usr/bin:/bin' } }));
  for (const [i, e] of started.entries()) {
    let out = '';
    let ended = false;
    e.attach({ output: (d, s) => { if (s === 'stdout') out += d.toString(); }, exited: () => { ended = true; }, forgotten: () => {} });
    await until(() => ended, `step ${i}`);
    assert.equal(out, `${i}\n`);
    assert.equal(e.ackTo(out.length, 0, true), true);
  }
  await until(() => readdirSync(path.join(work, DURABLE_DIR)).length === 0, 'the finished directories to leave .kiln-durable');
  await until(() => spares(work).length >= 2, 'the finished directories to be spares');
  execs.close();
  assert.equal(existsSync(path.join(work, SPARE_DIR)), false);
});

test('a step in a spare directory that sets noclobber (set -C) still records its status, and a spare\'s file written to by another hand starts empty', async () => {
  const work = tempDir('durable-spares-noclobber');
  const execs = new DurableExecs(work);
  execs.load();
  await run(execs, 'b1-s1-a', 'echo one', work);
  await until(() => execs.spares.length > 0, 'a spare');
  // Something wrote into the spare's `out` and `meta.json` meanwhile: the step has none of it.
  const spare = execs.spares.at(-1)!;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(spare, 'out'), 'NOT-THIS-STEP\n');
  writeFileSync(path.join(spare, 'meta.json'), ' '.repeat(4096) + 'garbage');
  const e = execs.start({ key: 'b1-s2-b', buildId: 'B1', build: 'job #1', argv: ['/bin/sh', '-e', '-c', 'set -C; echo two; exit 3'], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  assert.equal(statSync(e.dir).ino, statSync(path.join(work, DURABLE_DIR, 'b1-s2-b')).ino);
  assert.equal(JSON.parse(readFileSync(path.join(e.dir, 'meta.json'), 'utf8')).key, 'b1-s2-b', 'meta.json is whole, nothing of what was there left');
  let out = '';
  let code: number | null | undefined;
  e.attach({ output: (d, s) => { if (s === 'stdout') out += d.toString(); }, exited: (r) => { code = r.exitCode; }, forgotten: () => {} });
  await until(() => code !== undefined, 'the step to end');
  assert.equal(out, 'two\n');
  assert.equal(code, 3);
  // What a later agent process reads when this one is gone: the status, though the script forbade `>` on existing files.
  assert.equal(readFileSync(path.join(e.dir, 'rc'), 'utf8'), '3\n');
  assert.equal(e.ackTo(4, 0, true), true);
  execs.close();
});
