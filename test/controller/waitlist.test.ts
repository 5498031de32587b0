// The one wait list (src/controller/waitlist.ts) on its own: each kind of wait (quiet period,
// disableConcurrentBuilds, executor, pod slot) is an entry with its why while it waits, and none
// when it need not; every kind ends early the same way (the build's abort signal: the entry
// leaves, the wait rejects with the build's interruption); the store gets each entry as it comes,
// its reason when it changes, and loses it as it goes. The matching of executors to nodes is
// scheduler.test.ts's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WaitList, type WaitListOptions } from '../../src/controller/waitlist.ts';
import { LabelExpressionError } from '../../src/controller/labels.ts';
import { Interrupted } from '../../src/core/errors.ts';
import type { BuildRef } from '../../src/core/nodes.ts';
import { StoreError, type QueueEntrySpec, type QueueRepo } from '../../src/store/types.ts';

const build = (job: string, number: number): BuildRef => ({ job, number, id: `${job}#${number}` });
const kinds = (w: WaitList) => w.list().map((e) => [e.job, e.number, e.kind, e.why]);
/** Whether a promise has settled (after the microtasks due now). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setImmediate(r));
  return done;
}
function interrupted(p: Promise<unknown>, message = /Aborted/): Promise<void> {
  return assert.rejects(p, (e: unknown) => e instanceof Interrupted && message.test(e.message));
}
const abortWith = (ac: AbortController) => ac.abort(new Interrupted('user', 'Aborted by user'));

/** A store's queue in memory, with what was written in order. */
function memoryQueue(o: { failures?: number; finished?: Set<string> } = {}) {
  const rows = new Map<string, QueueEntrySpec>();
  const writes: string[] = [];
  let failures = o.failures ?? 0;
  const repo: Pick<QueueRepo, 'put' | 'drop'> = {
    put: async (e) => {
      await new Promise((r) => setImmediate(r));
      if (failures > 0) { failures--; throw new Error('disk I/O error'); }
      if (o.finished?.has(e.buildId)) return false;
      writes.push(`put ${e.id} ${e.buildId} ${e.reason}`);
      rows.set(e.id, { ...e });
      return true;
    },
    drop: async (id) => {
      await new Promise((r) => setImmediate(r));
      writes.push(`drop ${id}`);
      return rows.delete(id);
    },
  };
  return { rows, writes, repo: repo as QueueRepo };
}

function list(o: WaitListOptions = {}) {
  return new WaitList(o);
}

test('quiet period: the build waits with a countdown, then goes; a shorter one goes first', async () => {
  let now = 1_000_000;
  const mem = memoryQueue();
  const w = list({ now: () => now, store: mem.repo });
  const ac = new AbortController();
  const quiet = w.quietPeriod(build('a', 1), 5000, ac.signal);
  now += 800;
  assert.deepEqual(kinds(w), [['a', 1, 'quiet', 'In the quiet period. Expires in 4.2 sec']]);
  assert.equal(w.list()[0]!.since, 1_000_000);
  await w.flush();
  const row = [...mem.rows.values()][0]!;
  assert.deepEqual([row.kind, row.notBefore, row.reason, row.buildId], ['quiet', 1_005_000, 'In the quiet period. Expires in 5.0 sec', 'a#1']);
  abortWith(ac);
  await interrupted(quiet);
  assert.deepEqual(w.list(), []);

  const order: string[] = [];
  const slow = w.quietPeriod(build('a', 2), 30, new AbortController().signal).then(() => order.push('slow'));
  const fast = w.quietPeriod(build('b', 1), 5, new AbortController().signal).then(() => order.push('fast'));
  assert.match(w.list()[0]!.why, /^In the quiet period\. Expires in \d+ ms$/);
  await Promise.all([slow, fast]);
  assert.deepEqual(order, ['fast', 'slow']);
  assert.deepEqual(w.list(), []);
  await w.flush();
  assert.deepEqual(mem.rows.size, 0, 'the store loses each entry as it goes');
});

test('disableConcurrentBuilds: the next build waits while one runs, then goes at once; a build is not blocked by itself, nor another job', async () => {
  const w = list();
  const signal = new AbortController().signal;
  const heard: string[] = [];
  w.buildStarted(build('app', 3), 'job-app');
  assert.equal(w.turn(build('app', 3), 'job-app', { fifo: true }, signal, (why) => heard.push(why)), null, 'its own run does not block it');
  assert.equal(w.turn(build('lib', 1), 'job-lib', { fifo: true }, signal, (why) => heard.push(why)), null, 'other jobs go');
  const b4 = w.turn(build('app', 4), 'job-app', { fifo: true }, signal, (why) => heard.push(why));
  const b5 = w.turn(build('app', 5), 'job-app', { fifo: true }, signal, (why) => heard.push(why));
  assert.ok(b4 && b5);
  assert.deepEqual(heard, ['Build #3 is already in progress', 'Build #3 is already in progress'], 'each hears why once');
  assert.deepEqual(kinds(w), [['app', 4, 'concurrency', 'Build #3 is already in progress'], ['app', 5, 'concurrency', 'Build #3 is already in progress']]);
  w.buildEnded(build('app', 3), 'job-app');
  assert.equal(await settled(b4), true, 'the oldest goes as soon as the running build ends');
  assert.equal(await settled(b5), false);
  assert.deepEqual(kinds(w), [['app', 5, 'concurrency', 'Build #4 is already in progress']]);
  w.buildEnded(build('app', 4), 'job-app');
  await b5;
  assert.deepEqual(w.list(), []);
});

test('disableConcurrentBuilds: a build between two agents (holding no executor) still blocks; an abort lets the next in line go', async () => {
  const w = list();
  w.buildStarted(build('app', 7), 'j');
  const ac8 = new AbortController();
  const b8 = w.turn(build('app', 8), 'j', { fifo: true }, ac8.signal, () => {})!;
  const b9 = w.turn(build('app', 9), 'j', { fifo: true }, new AbortController().signal, () => {})!;
  // Build 7 takes and gives back an executor: it still runs.
  w.executors.addNode({ name: 'n', executors: 1 });
  const got = await w.executor(build('app', 7), null, new AbortController().signal, () => {});
  w.executors.release(got.node, got.executor);
  assert.deepEqual(kinds(w).map((k) => k[3]), ['Build #7 is already in progress', 'Build #7 is already in progress']);
  abortWith(ac8);
  await interrupted(b8);
  assert.equal(await settled(b9), false);
  w.buildEnded(build('app', 7), 'j');
  await b9;
  assert.deepEqual(w.list(), []);
});

test('executor: a build waits for a matching node with Jenkins\' why, goes when one comes, and an abort takes it out of the queue', async () => {
  const mem = memoryQueue();
  const w = list({ store: mem.repo });
  const heard: string[] = [];
  const ac = new AbortController();
  const gpu = w.executor(build('train', 1), ' gpu ', ac.signal, (why) => heard.push(why));
  assert.deepEqual(w.list().map((e) => [e.kind, e.label, e.cloud, e.why]), [['executor', 'gpu', null, 'There are no nodes with the label ‘gpu’']]);
  assert.deepEqual(heard, ['There are no nodes with the label ‘gpu’']);
  await w.flush();
  assert.equal([...mem.rows.values()][0]!.reason, 'There are no nodes with the label ‘gpu’');
  // A node change changes why: the stored reason follows.
  w.executors.addNode({ name: 'g1', labels: 'gpu', executors: 1, online: false });
  assert.equal(w.list()[0]!.why, '‘g1’ is offline');
  await new Promise((r) => setImmediate(r));
  await w.flush();
  assert.equal([...mem.rows.values()][0]!.reason, '‘g1’ is offline');
  w.executors.setOnline('g1', true);
  assert.deepEqual(await gpu, { node: 'g1', executor: 0 });
  assert.deepEqual(w.list(), []);

  // Busy: the next one waits; aborted, it never gets the executor.
  const second = w.executor(build('train', 2), 'gpu', ac.signal, () => {});
  assert.equal(w.list()[0]!.why, 'Waiting for next available executor on ‘g1’');
  abortWith(ac);
  await interrupted(second);
  w.executors.release('g1', 0);
  assert.deepEqual(w.executors.stats(), { waiting: 0, busyExecutors: 0, idleExecutors: 1, nodes: 2, onlineNodes: 2 });
  // Free: no entry at all, nothing said; a bad label is refused.
  const said: string[] = [];
  assert.deepEqual(await w.executor(build('train', 3), 'gpu', new AbortController().signal, (x) => said.push(x)), { node: 'g1', executor: 0 });
  assert.deepEqual(said, []);
  await assert.rejects(w.executor(build('train', 4), 'gpu &&', new AbortController().signal, () => {}), LabelExpressionError);
  assert.deepEqual(w.list(), []);
  await w.flush();
  assert.deepEqual([...mem.rows.keys()], []);
  assert.ok(!mem.writes.some((x) => x.includes('train#3')), 'a wait that never waited is never written');
});

test('pod slots: a cap per cloud, first come first served, said once; abort, a raised cap and a deleted cloud', async () => {
  const w = list();
  const signal = new AbortController().signal;
  const said: string[] = [];
  const say = (l: string) => said.push(l);
  const first = await w.acquire({ cloud: 'k8s', cap: 1, build: build('a', 1) }, signal, say);
  assert.deepEqual(said, []);
  const ac2 = new AbortController();
  const second = w.acquire({ cloud: 'k8s', cap: 1, build: build('b', 1) }, ac2.signal, say);
  const third = w.acquire({ cloud: 'k8s', cap: 1, build: build('c', 1) }, signal, say);
  const fourth = w.acquire({ cloud: 'k8s', cap: 1, build: build('d', 1) }, signal, say);
  assert.deepEqual(said, Array(3).fill("Waiting for a pod slot on cloud 'k8s' (1/1 in use)"));
  assert.deepEqual(w.list().map((e) => [e.job, e.kind, e.cloud, e.label]), [['b', 'pod-slot', 'k8s', null], ['c', 'pod-slot', 'k8s', null], ['d', 'pod-slot', 'k8s', null]]);
  // Other clouds are counted apart; 0 = no cap.
  (await w.acquire({ cloud: 'other', cap: 0, build: build('e', 1) }, signal, say))();
  abortWith(ac2);
  await interrupted(second);
  first();
  first(); // twice: no second slot freed
  const releaseThird = await third;
  assert.equal(await settled(fourth), false);
  assert.deepEqual(w.list().map((e) => e.why), ["Waiting for a pod slot on cloud 'k8s' (1/1 in use)"]);
  w.setCap('k8s', 2);
  const releaseFourth = await fourth;
  const fifth = w.acquire({ cloud: 'k8s', cap: 2, build: build('f', 1) }, signal, say);
  assert.deepEqual(w.list().map((e) => e.why), ["Waiting for a pod slot on cloud 'k8s' (2/2 in use)"]);
  w.dropCloud('k8s', (b) => new Error(`cloud 'k8s' was deleted while ${b.job} #${b.number} waited`));
  await assert.rejects(fifth, /cloud 'k8s' was deleted while f #1 waited/);
  assert.deepEqual(w.list(), []);
  releaseThird();
  releaseFourth();
  await assert.rejects(w.acquire({ cloud: 'k8s', cap: 1, build: build('g', 1) }, ac2.signal, say), Interrupted, 'an aborted build does not even wait');
});

test('cancel: every kind of entry is cancelled the same way, through its build', async () => {
  const cancelled: string[] = [];
  const controllers = new Map<string, AbortController>();
  const w = list({
    cancel: async (e) => {
      cancelled.push(`${e.kind}:${e.buildId}`);
      const ac = controllers.get(e.buildId);
      if (!ac) return false;
      abortWith(ac);
      return true;
    },
  });
  const signal = (b: BuildRef) => { const ac = new AbortController(); controllers.set(b.id, ac); return ac.signal; };
  const q = build('q', 1); const c = build('c', 2); const e = build('e', 1); const p = build('p', 1);
  w.buildStarted(build('c', 1), 'c');
  await w.acquire({ cloud: 'k', cap: 1, build: build('p', 0) }, new AbortController().signal, () => {});
  const waits = [
    w.quietPeriod(q, 60_000, signal(q)),
    w.turn(c, 'c', { fifo: true }, signal(c), () => {})!,
    w.executor(e, 'nowhere', signal(e), () => {}),
    w.acquire({ cloud: 'k', cap: 1, build: p }, signal(p), () => {}),
  ];
  assert.deepEqual(w.list().map((x) => x.kind), ['quiet', 'concurrency', 'executor', 'pod-slot']);
  assert.equal(await w.cancel('no-such-entry'), false);
  for (const entry of w.list()) assert.equal(await w.cancel(entry.id), true);
  for (const x of waits) await interrupted(x, /Aborted by user/);
  assert.deepEqual(cancelled, ['quiet:q#1', 'concurrency:c#2', 'executor:e#1', 'pod-slot:p#1']);
  assert.deepEqual(w.list(), []);
  assert.equal(w.size, 0);
});

test('the store: a refused write is reported and retried; a finished build\'s entry is not written; close keeps what waits', async () => {
  const mem = memoryQueue({ failures: 1, finished: new Set(['done#1']) });
  const errors: unknown[] = [];
  let retry: (() => Promise<void>) | null = null;
  const w = list({ store: mem.repo, onStoreError: (err, r) => { errors.push(err); retry = r; } });
  const ac = new AbortController();
  const waiting = w.executor(build('a', 1), 'nowhere', ac.signal, () => {});
  await w.flush();
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /disk I\/O error/);
  assert.deepEqual(mem.rows.size, 0);
  await retry!();
  assert.deepEqual([...mem.rows.values()].map((r) => [r.kind, r.label, r.buildId]), [['executor', 'nowhere', 'a#1']]);
  // A finished build's entry: the store refuses it, so its end writes nothing either.
  const late = new AbortController();
  const gone = w.executor(build('done', 1), 'nowhere', late.signal, () => {});
  const goneId = w.list().find((e) => e.job === 'done')!.id;
  await w.flush();
  abortWith(late);
  await interrupted(gone);
  await w.flush();
  assert.ok(!mem.writes.some((x) => x.includes(goneId)), mem.writes.join('\n'));
  // Closing: what still waits keeps its row.
  await w.close();
  abortWith(ac);
  await interrupted(waiting);
  await w.flush();
  assert.equal(mem.rows.size, 1);
});

test('the store: a row it refuses as invalid is skipped, not retried, and the others are written; a long reason is cut, the label kept whole', async () => {
  const mem = memoryQueue();
  const put = mem.repo.put;
  mem.repo.put = async (e) => {
    if (e.buildId === 'bad#1') throw new StoreError('invalid', 'queue reason is longer than 10 characters');
    return put(e);
  };
  const errors: [unknown, unknown][] = [];
  const w = list({ store: mem.repo, onStoreError: (err, retry) => errors.push([err, retry]) });
  const signal = new AbortController().signal;
  void w.executor(build('bad', 1), 'nowhere', signal, () => {});
  const label = `x${'y'.repeat(20_000)}`;
  void w.executor(build('good', 1), label, signal, () => {});
  await w.flush();
  assert.equal(errors.length, 1);
  assert.deepEqual([(errors[0]![0] as Error).message, errors[0]![1]], ['queue reason is longer than 10 characters', null]);
  const rows = [...mem.rows.values()];
  assert.deepEqual(rows.map((r) => r.buildId), ['good#1']);
  assert.equal(rows[0]!.label, label);
  assert.equal(rows[0]!.reason.length, 10_000);
  assert.match(rows[0]!.reason, /^There are no nodes with the label ‘xyyy.*…$/);
});
