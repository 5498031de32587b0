// Artifacts' metadata, test reports, agents and the persisted queue, on both stores.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshStore, rejectsWith } from './helpers.ts';
import type { TestReport } from '../../src/store/index.ts';

const def = { kind: 'inline', script: 'pipeline {}' } as const;
const h = (c: string): string => c.repeat(64);

function report(names: string[], failed: string[] = []): TestReport {
  const cases = names.map((name) => ({
    suite: 'S', className: 'com.example.T', name, durationMs: 12, status: failed.includes(name) ? 'failed' as const : 'passed' as const,
    message: failed.includes(name) ? 'expected <1> but was <2>' : null, details: failed.includes(name) ? 'at T.java:3\n\tat ...' : null,
    stdout: 'ünï 🚀', stderr: null,
  }));
  return { total: names.length, failed: failed.length, errors: 0, skipped: 0, passed: names.length - failed.length, cases };
}

for (const kind of KINDS) {
  describe(`artifacts and test reports (${kind})`, () => {
    it('records artifacts, replaces by path, lists sorted', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'j', definition: def });
      const b = await s.builds.create('j');
      await s.artifacts.add(b.id, [
        { path: 'target/app.jar', size: 5_000_000_000, sha256: h('a'), mode: 0o644 },
        { path: 'bin/run.sh', size: 10, sha256: h('b'), mode: 0o755 },
      ]);
      await s.artifacts.add(b.id, [{ path: 'bin/run.sh', size: 11, sha256: h('c'), mode: 0o700 }]);
      assert.deepEqual(await s.artifacts.list(b.id), [
        { path: 'bin/run.sh', size: 11, sha256: h('c'), mode: 0o700 },
        { path: 'target/app.jar', size: 5_000_000_000, sha256: h('a'), mode: 0o644 },
      ]);
      assert.deepEqual(await s.artifacts.get(b.id, 'target/app.jar'), { path: 'target/app.jar', size: 5_000_000_000, sha256: h('a'), mode: 0o644 });
      assert.equal(await s.artifacts.get(b.id, 'nope'), null);
      await rejectsWith(s.artifacts.add('missing', [{ path: 'a', size: 1, sha256: h('a'), mode: 0o644 }]), 'not-found', /no build with id missing/);
      await rejectsWith(s.artifacts.add(b.id, [{ path: '../etc/passwd', size: 1, sha256: h('a'), mode: 0o644 }]), 'invalid', /invalid artifact path/);
      await rejectsWith(s.artifacts.add(b.id, [{ path: '/abs', size: 1, sha256: h('a'), mode: 0o644 }]), 'invalid', /must be relative/);
      await rejectsWith(s.artifacts.add(b.id, [{ path: 'ok', size: -1, sha256: h('a'), mode: 0o644 }]), 'invalid', /size of ok/);
      await rejectsWith(s.artifacts.add(b.id, [{ path: 'ok', size: 1, sha256: 'XYZ', mode: 0o644 }]), 'invalid', /sha256 must be 64 lowercase hex/);
      assert.equal((await s.artifacts.list(b.id)).length, 2, 'a refused batch adds nothing');
    });

    it('adds up several junit calls of a build, cases in call order', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'j', definition: def });
      const b = await s.builds.create('j');
      assert.equal(await s.tests.get(b.id), null);
      assert.equal(await s.tests.totals(b.id), null);
      const r1 = report(['a', 'b', 'c'], ['b']);
      const r2 = report(['d']);
      await s.tests.add(b.id, r1);
      await s.tests.add(b.id, r2);
      const got = await s.tests.get(b.id);
      assert.deepEqual(got, { total: 4, failed: 1, errors: 0, skipped: 0, passed: 3, cases: [...r1.cases, ...r2.cases] });
      assert.deepEqual(await s.tests.totals(b.id), { total: 4, failed: 1, errors: 0, skipped: 0, passed: 3 });
      // Concurrent calls neither collide nor lose one.
      await Promise.all(Array.from({ length: 10 }, (_, i) => s.tests.add(b.id, report([`p${i}`]))));
      assert.equal((await s.tests.totals(b.id))!.total, 14);
      await rejectsWith(s.tests.add('missing', r2), 'not-found');
      await rejectsWith(s.tests.add(b.id, { ...r2, failed: -1 }), 'invalid', /test report failed/);
      await rejectsWith(s.tests.add(b.id, { ...r2, cases: [{ name: 'x', status: 'weird' }] as never }), 'invalid', /cases\[0\]/);
    });
  });

  describe(`agents (${kind})`, () => {
    it('creates, reads, lists, updates and deletes agents', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      const a = await s.agents.create({ name: 'linux-1', labels: ['linux', 'docker', 'linux'], executors: 2, description: 'build box' });
      assert.deepEqual(a, {
        name: 'linux-1', labels: ['linux', 'docker'], executors: 2, description: 'build box', launcher: { type: 'inbound' },
        workdir: null, createdAt: clock.t, updatedAt: clock.t,
      });
      const ssh = await s.agents.create({ name: 'mac', launcher: { type: 'ssh', host: '10.0.0.5', port: 2222, credentialsId: 'mac-key' }, workdir: '/Users/ci' });
      assert.equal(ssh.executors, 1);
      assert.deepEqual(await s.agents.get('mac'), ssh);
      assert.deepEqual((await s.agents.list()).map((x) => x.name), ['linux-1', 'mac']);
      clock.advance(5);
      const u = await s.agents.update('linux-1', { executors: 4, labels: ['linux'] });
      assert.deepEqual(u, { ...a, executors: 4, labels: ['linux'], updatedAt: clock.t });
      assert.deepEqual(await s.agents.get('linux-1'), u);
      await rejectsWith(s.agents.create({ name: 'mac' }), 'conflict', /an agent named 'mac' already exists/);
      await rejectsWith(s.agents.create({ name: 'a/b' }), 'invalid', /contains '\/'/);
      await rejectsWith(s.agents.create({ name: 'x', labels: ['has space'] }), 'invalid', /invalid label "has space"/);
      await rejectsWith(s.agents.create({ name: 'x', executors: -1 }), 'invalid', /executors/);
      await rejectsWith(s.agents.create({ name: 'x', launcher: { type: 'ssh', host: 'h' } as never }), 'invalid', /launcher.credentialsId/);
      await rejectsWith(s.agents.update('nope', { executors: 1 }), 'not-found', /no agent named 'nope'/);
      assert.equal(await s.agents.delete('mac'), true);
      assert.equal(await s.agents.delete('mac'), false);
      assert.equal(await s.agents.get('mac'), null);
    });
  });

  describe(`queue (${kind})`, () => {
    it('persists queue items oldest first, removes them, and refuses non-queued builds', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await s.jobs.create({ name: 'q', definition: def });
      await s.jobs.create({ name: 'r', definition: def });
      const a = await s.builds.create('q', { enqueue: { label: 'linux && docker', reason: 'Started by user admin', notBefore: clock.t + 5000 } });
      clock.advance(1);
      const b = await s.builds.create('r', { enqueue: { label: '  ' } });
      clock.advance(1);
      const c = await s.builds.create('q');
      const item = await s.queue.add(c.id, { reason: 'Started by timer' });
      assert.deepEqual(item, { buildId: c.id, jobId: c.jobId, job: 'q', number: 2, label: null, reason: 'Started by timer', enqueuedAt: clock.t, notBefore: null });
      const list = await s.queue.list();
      assert.deepEqual(list.map((i) => [i.job, i.number]), [['q', 1], ['r', 1], ['q', 2]]);
      assert.deepEqual(list[0], {
        buildId: a.id, jobId: a.jobId, job: 'q', number: 1, label: 'linux && docker', reason: 'Started by user admin',
        enqueuedAt: clock.t - 2, notBefore: clock.t - 2 + 5000,
      });
      assert.equal(list[1]!.label, null, 'a blank label means any executor');
      await rejectsWith(s.queue.add(c.id), 'conflict', /already queued/);
      assert.equal(await s.queue.remove(b.id), true);
      assert.equal(await s.queue.remove(b.id), false);
      await s.builds.update(a.id, { status: 'running' });
      await rejectsWith(s.queue.add(a.id), 'conflict', /q #1 is running, not queued/);
      await rejectsWith(s.queue.add('missing'), 'not-found');
      assert.deepEqual((await s.queue.list()).map((i) => i.buildId), [c.id]);
    });
  });
}
