// The control directory's files as a later agent process finds them (agent/durable.ts): meta.json,
// overwritten in place once the process group is known, parses and names that group; `acked`,
// rewritten in place, holds exactly the last offsets as they grow; a new DurableExecs on the same
// work directory (the next agent process) takes the exec over with its exit status from `rc` and
// the output from the acknowledged offsets; once the end is acknowledged, the directory is gone
// with nothing left in `.kiln-durable`. Real /bin/sh, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DurableExecs, type ExecSink } from '../../src/agent/durable.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/controller.ts';

function sink() {
  let text = '';
  let exited: { exitCode: number | null } | null = null;
  const s: ExecSink = {
    output: (data, stream) => { if (stream === 'stdout') text += data.toString(); },
    exited: (r) => { exited = r; },
    forgotten: () => {},
  };
  return { s, text: () => text, exited: () => exited };
}

test('a later agent process finds meta.json, acked and rc as this one left them, and the directory goes once the end is acknowledged', async () => {
  const work = tempDir('durable-files');
  const first = new DurableExecs(work);
  const e = first.start({ key: 'b1-s1-files', buildId: 'B1', build: 'j #1', argv: ['/bin/sh', '-c', 'echo 0123456789; exit 3'], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  const a = sink();
  e.attach(a.s);
  await until(() => a.exited() !== null, 'the exec to end');
  assert.equal(a.exited()!.exitCode, 3);
  const meta = JSON.parse(readFileSync(path.join(e.dir, 'meta.json'), 'utf8')) as { key: string; pgid: number; buildId: string };
  assert.equal(meta.key, 'b1-s1-files');
  assert.equal(meta.buildId, 'B1');
  assert.ok(Number.isSafeInteger(meta.pgid) && meta.pgid > 0, `meta.json names the process group: ${JSON.stringify(meta)}`);
  assert.equal(existsSync(path.join(e.dir, 'meta.json.tmp')), false);
  assert.equal(e.ackTo(4, 0, false), true);
  assert.equal(readFileSync(path.join(e.dir, 'acked'), 'utf8'), '4 0\n');
  assert.equal(e.ackTo(10, 0, false), true);
  assert.equal(readFileSync(path.join(e.dir, 'acked'), 'utf8'), '10 0\n', 'the longer text replaces the shorter one whole');
  e.detach(); // this agent process is gone (its session ended; nothing acknowledged the end)

  const next = new DurableExecs(work);
  next.load();
  const h = next.handback();
  assert.deepEqual(h, [{ key: 'b1-s1-files', buildId: 'B1', stdout: { bytes: 11, acked: 10 }, stderr: { bytes: 0, acked: 0 }, exit: { code: 3, signal: null } }]);
  const again = next.get('b1-s1-files')!;
  const b = sink();
  again.attach(b.s);
  await until(() => b.exited() !== null, 'the rest and the end');
  assert.equal(b.text(), '\n');
  assert.equal(b.exited()!.exitCode, 3);
  assert.equal(again.ackTo(1, 0, true), true);
  await until(() => readdirSync(path.join(work, '.kiln-durable')).length === 0, 'the directory to be removed');
});
