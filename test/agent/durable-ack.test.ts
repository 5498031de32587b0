// The ack barrier on the agent's side (agent/durable.ts): a durable exec's output is forgotten only
// up to what the controller's `execAck` says is safe, whatever the link acknowledged; an ack of
// bytes never sent, or of an end never sent, is refused; `done` forgets the exec and removes its
// directory; a new attachment resends from the acknowledged offsets (or from `from`, leaving the
// acknowledged offsets where they are). Real /bin/sh, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DurableExecs, type ExecSink } from '../../src/agent/durable.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/controller.ts';

function sink() {
  const out: { data: string; stream: string; n: number }[] = [];
  let exited: { exitCode: number | null; chunks: number } | null = null;
  let forgotten = false;
  const s: ExecSink = {
    output: (data, stream, n) => { out.push({ data: data.toString(), stream, n }); },
    exited: (r) => { exited = r; },
    forgotten: () => { forgotten = true; },
  };
  return { s, out, text: () => out.filter((o) => o.stream === 'stdout').map((o) => o.data).join(''), exited: () => exited, forgotten: () => forgotten };
}

test('output is forgotten only as far as execAck says; a new attachment resends the rest; done forgets the exec', async () => {
  const work = tempDir('durable-ack');
  const execs = new DurableExecs(work);
  const e = execs.start({ key: 'b1-s1-abc', buildId: 'B', build: 'j #1', argv: ['/bin/sh', '-c', 'printf "one\\ntwo\\n"'], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  const a = sink();
  e.attach(a.s);
  await until(() => a.exited() !== null, 'the exec to end and every byte to be sent');
  assert.equal(a.text(), 'one\ntwo\n');
  // Nothing acknowledged yet: a new attachment (the controller died) gets all of it again.
  e.detach();
  const b = sink();
  e.attach(b.s);
  await until(() => b.exited() !== null, 'the resend');
  assert.equal(b.text(), 'one\ntwo\n');
  // The controller has "one\n" on disk: that much is forgotten, and kept so in `acked`.
  assert.equal(e.ackTo(4, 0, false), true);
  assert.equal(readFileSync(path.join(e.dir, 'acked'), 'utf8'), '4 0\n');
  assert.equal(e.ackTo(2, 0, false), true, 'an older ack is no news');
  assert.equal(e.out.acked, 4);
  // Bytes never sent cannot be acknowledged.
  assert.equal(e.ackTo(9, 0, false), false);
  e.detach();
  const c = sink();
  e.attach(c.s);
  await until(() => c.exited() !== null, 'the resend from the acknowledged offset');
  assert.equal(c.text(), 'two\n');
  // From a later offset (the controller counted what it got): sent from there, acknowledged stays.
  e.detach();
  const d = sink();
  assert.equal(e.canResendFrom({ stdout: 8, stderr: 0 }), true);
  assert.equal(e.canResendFrom({ stdout: 2, stderr: 0 }), false, 'below what was acknowledged');
  e.attach(d.s, { stdout: 8, stderr: 0 });
  await until(() => d.exited() !== null, 'the end');
  assert.equal(d.text(), '');
  assert.equal(e.out.acked, 4);
  assert.equal(e.ackTo(8, 0, true), true);
  assert.equal(d.forgotten(), true);
  assert.equal(execs.get('b1-s1-abc'), undefined);
  await until(() => !existsSync(e.dir), 'its directory to be removed');
});

test('an end acknowledged before it was sent is refused', async () => {
  const work = tempDir('durable-ack-early');
  const execs = new DurableExecs(work);
  const e = execs.start({ key: 'b1-s2-abc', buildId: 'B', build: 'j #1', argv: ['/bin/sh', '-c', 'echo x; sleep 5'], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  const a = sink();
  e.attach(a.s);
  await until(() => a.text() === 'x\n', 'the first line');
  assert.equal(e.ackTo(2, 0, true), false);
  assert.equal(e.ackTo(2, 0, false), true);
  await e.discard(100);
  assert.equal(existsSync(e.dir), false, 'discarded: its directory is gone once it is stopped');
});

test('a kept stdout (returnStdout: keep) may be asked for again from 0 after it was acknowledged, by a later agent process too; stderr only from its acknowledged offset', async () => {
  const work = tempDir('durable-keep');
  const execs = new DurableExecs(work);
  const e = execs.start({
    key: 'b1-s2-keep', buildId: 'B', build: 'j #1', argv: ['/bin/sh', '-c', 'printf "one\\ntwo\\n"; printf "warn\\n" >&2'], cwd: work, env: { PATH: '/usr/bin:/bin' }, keep: 'stdout',
  });
  const a = sink();
  e.attach(a.s);
  await until(() => a.exited() !== null, 'the exec to end');
  assert.equal(e.ackTo(8, 5, false), true);
  assert.equal(e.out.acked, 8);
  e.detach();
  // A new agent process (its files and `meta.json`, as after a kill -9) allows the same.
  const again = new DurableExecs(work);
  again.load();
  const l = again.get('b1-s2-keep')!;
  assert.equal(l.canResendFrom({ stdout: 0, stderr: 5 }), true, 'stdout from 0');
  assert.equal(l.canResendFrom({ stdout: 0, stderr: 0 }), false, 'stderr below what was acknowledged');
  const b = sink();
  l.attach(b.s, { stdout: 0, stderr: 5 });
  await until(() => b.exited() !== null, 'the resend');
  assert.equal(b.text(), 'one\ntwo\n', 'the whole stdout again');
  // Acknowledgements of the resent bytes are fine and leave `acked` where it was (they only move forward).
  assert.equal(l.ackTo(4, 0, false), true);
  assert.equal(l.out.acked, 8);
  // An exec started without keep refuses the same (its stdout is the console's, acknowledged is forgotten).
  const p = execs.start({ key: 'b1-s3-plain', buildId: 'B', build: 'j #1', argv: ['/bin/sh', '-c', 'printf "x\\n"'], cwd: work, env: { PATH: '/usr/bin:/bin' } });
  const c = sink();
  p.attach(c.s);
  await until(() => c.exited() !== null, 'the plain exec to end');
  assert.equal(p.ackTo(2, 0, false), true);
  p.detach();
  assert.equal(p.canResendFrom({ stdout: 0, stderr: 0 }), false);
});
