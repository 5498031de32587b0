import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Scheduler, type EnqueueRequest, type QueueItem, type SchedulerOptions } from '../../src/controller/scheduler.ts';
import { LabelExpressionError, matches, parseLabelExpression } from '../../src/controller/labels.ts';

interface Dispatched {
  id: string;
  node: string;
  executor: number;
}

/** A scheduler whose dispatches are recorded in order. */
function harness(options: Partial<SchedulerOptions<unknown>> = {}) {
  const log: Dispatched[] = [];
  const waiters: { id: string; resolve: () => void }[] = [];
  const s = new Scheduler<unknown>({
    dispatch: (item: QueueItem, node: string, executor: number) => {
      log.push({ id: item.id, node, executor });
      for (const w of waiters.filter((x) => x.id === item.id)) w.resolve();
    },
    ...options,
  });
  const ids = () => log.map((d) => d.id);
  const where = (id: string) => log.find((d) => d.id === id);
  const dispatchedSoon = (id: string) =>
    new Promise<void>((resolve) => {
      if (where(id)) resolve();
      else waiters.push({ id, resolve });
    });
  const releaseOf = (id: string) => {
    const d = where(id);
    assert.ok(d, `${id} was not dispatched`);
    assert.equal(s.release(d.node, d.executor), true);
  };
  return { s, log, ids, where, dispatchedSoon, releaseOf };
}

const req = (id: string, job: string, label: string | null, extra: Partial<EnqueueRequest> = {}): EnqueueRequest => ({ id, job, label, ...extra });

test('label routing: an item goes to a free executor whose node matches, at once', () => {
  const { s, where, ids } = harness();
  s.addNode({ name: 'lin-1', labels: 'linux docker', executors: 2 });
  s.addNode({ name: 'win-1', labels: ['windows'], executors: 1 });
  s.enqueue(req('a', 'j1', 'linux'));
  s.enqueue(req('b', 'j2', 'windows'));
  s.enqueue(req('c', 'j3', 'linux && !windows'));
  s.enqueue(req('d', 'j4', 'win-1'));
  assert.deepEqual(where('a'), { id: 'a', node: 'lin-1', executor: 0 });
  assert.deepEqual(where('b'), { id: 'b', node: 'win-1', executor: 0 });
  assert.deepEqual(where('c'), { id: 'c', node: 'lin-1', executor: 1 });
  assert.deepEqual(ids(), ['a', 'b', 'c'], 'd waits: its node (a name is a label) is busy');
  assert.equal(s.why('d'), 'Waiting for next available executor on ‘win-1’');
  assert.throws(() => s.enqueue(req('e', 'j5', 'linux &&')), LabelExpressionError);
  assert.throws(() => s.enqueue(req('a', 'j1', 'linux')), /already exists/);
});

test('the controller has no executors by default; a setting can give it some', () => {
  const { s, ids } = harness();
  s.enqueue(req('a', 'j', null));
  s.enqueue(req('b', 'j', 'built-in'));
  assert.deepEqual(ids(), []);
  assert.equal(s.why('a'), 'Waiting for next available executor');
  assert.equal(s.why('b'), '‘built-in’ has no executors');
  assert.deepEqual(s.nodes().map((n) => [n.name, n.executors]), [['built-in', 0]]);

  const h2 = harness({ builtInExecutors: 2, builtInLabels: ['master'] });
  h2.s.enqueue(req('a', 'j', null));
  h2.s.enqueue(req('b', 'j', 'master'));
  assert.deepEqual(h2.log, [
    { id: 'a', node: 'built-in', executor: 0 },
    { id: 'b', node: 'built-in', executor: 1 },
  ]);
});

test('FIFO within a job; release dispatches the next item before it returns', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'n', labels: '', executors: 1 });
  for (const id of ['1', '2', '3', '4']) s.enqueue(req(id, 'job', null));
  assert.deepEqual(ids(), ['1']);
  assert.deepEqual(s.list().map((i) => [i.id, i.why]), [
    ['2', 'Waiting for next available executor'],
    ['3', 'Waiting for next available executor'],
    ['4', 'Waiting for next available executor'],
  ]);
  releaseOf('1');
  assert.deepEqual(ids(), ['1', '2']);
  releaseOf('2');
  releaseOf('3');
  assert.deepEqual(ids(), ['1', '2', '3', '4']);
  assert.deepEqual(s.list(), []);
  assert.equal(s.release('n', 0), true);
  assert.equal(s.release('n', 0), false, 'an idle executor cannot be released');
});

test('fairness: a job with 100 queued items does not starve a job with 1', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'n', labels: 'linux', executors: 1 });
  for (let i = 0; i < 100; i++) s.enqueue(req(`big-${i}`, 'big', 'linux'));
  s.enqueue(req('small-0', 'small', 'linux'));
  releaseOf('big-0');
  assert.equal(ids()[1], 'small-0', 'the least recently served job goes first');
  // Two busy jobs alternate.
  s.enqueue(req('small-1', 'small', 'linux'));
  s.enqueue(req('small-2', 'small', 'linux'));
  for (let k = 0; k < 6; k++) releaseOf(ids().at(-1)!);
  assert.deepEqual(ids().slice(0, 8), ['big-0', 'small-0', 'big-1', 'small-1', 'big-2', 'small-2', 'big-3', 'big-4']);
});

test('fairness across several executors and labels: a freed executor serves the job that waited longest for service', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'a', labels: 'linux', executors: 2 });
  for (let i = 0; i < 10; i++) s.enqueue(req(`x${i}`, 'x', 'linux'));
  s.enqueue(req('y0', 'y', 'linux'));
  s.enqueue(req('z0', 'z', 'linux'));
  assert.deepEqual(ids(), ['x0', 'x1']);
  releaseOf('x0');
  releaseOf('x1');
  assert.deepEqual(ids(), ['x0', 'x1', 'y0', 'z0']);
  releaseOf('y0');
  assert.deepEqual(ids().at(-1), 'x2');
});

test('why: no nodes with the label, offline nodes, busy nodes', () => {
  const { s, ids } = harness();
  s.enqueue(req('gpu', 'j', 'gpu'));
  assert.equal(s.why('gpu'), 'There are no nodes with the label ‘gpu’');
  s.addNode({ name: 'lin-1', labels: 'linux', executors: 1, online: false });
  s.enqueue(req('l1', 'j', 'linux'));
  assert.equal(s.why('l1'), '‘lin-1’ is offline');
  s.addNode({ name: 'lin-2', labels: 'linux', executors: 1, online: false });
  assert.equal(s.why('l1'), 'All nodes of label ‘linux’ are offline');
  s.setOnline('lin-2', true);
  assert.deepEqual(ids(), ['l1'], 'coming online dispatches at once');
  s.enqueue(req('l2', 'j', 'linux'));
  assert.equal(s.why('l2'), 'Waiting for next available executor on ‘linux’');
  s.setOnline('lin-1', true);
  assert.deepEqual(ids(), ['l1', 'l2']);
  s.enqueue(req('l3', 'j', 'lin-1 || lin-2'));
  assert.equal(s.why('l3'), 'Waiting for next available executor on ‘lin-1 || lin-2’');
  s.addNode({ name: 'zero', labels: 'z', executors: 0 });
  s.addNode({ name: 'zero-2', labels: 'z', executors: 0, online: false });
  s.enqueue(req('z', 'j', 'z'));
  assert.equal(s.why('z'), 'All nodes of label ‘z’ are offline or have no executors');
  assert.equal(s.why('nope'), null);
  assert.equal(s.why('l1'), null, 'a running item is not waiting');
});

test('cancel removes a waiting item; a running item cannot be cancelled', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'n', labels: '', executors: 1 });
  s.enqueue(req('a', 'j', null));
  s.enqueue(req('b', 'j', null));
  assert.equal(s.cancel('a'), false);
  assert.equal(s.cancel('b'), true);
  assert.equal(s.cancel('b'), false);
  assert.deepEqual(s.list(), []);
  releaseOf('a');
  assert.deepEqual(ids(), ['a']);
  assert.equal(s.get('b'), null);
});

test('node removal while items wait: they wait with a reason, and run on a new node at once', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'lin-1', labels: 'linux', executors: 1 });
  s.enqueue(req('run', 'j', 'linux'));
  s.enqueue(req('wait', 'j', 'linux'));
  assert.equal(s.removeNode('lin-1'), true);
  assert.equal(s.why('wait'), 'There are no nodes with the label ‘linux’');
  assert.deepEqual(s.nodes().find((n) => n.name === 'lin-1')?.draining, true);
  releaseOf('run');
  assert.deepEqual(ids(), ['run'], 'a removed node takes no new work');
  assert.equal(s.nodes().find((n) => n.name === 'lin-1'), undefined, 'gone once its last build released');
  s.addNode({ name: 'lin-2', labels: 'linux', executors: 1 });
  assert.deepEqual(ids(), ['run', 'wait']);
  assert.throws(() => s.setOnline('lin-1', true), /no node named/);
});

test('a removed node with builds still running can be added again (an agent reconnecting)', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'a', labels: 'x', executors: 2 });
  s.enqueue(req('1', 'j', 'x'));
  s.removeNode('a');
  s.addNode({ name: 'a', labels: 'x', executors: 2 });
  s.enqueue(req('2', 'j', 'x'));
  assert.deepEqual(ids(), ['1', '2']);
  releaseOf('1');
  releaseOf('2');
  assert.equal(s.stats().busyExecutors, 0);
});

test('executors and labels can change; exclusive nodes take only items whose label names them', () => {
  const { s, ids } = harness();
  s.addNode({ name: 'big', labels: 'heavy', executors: 0, mode: 'exclusive' });
  s.enqueue(req('any', 'j', null));
  s.enqueue(req('heavy', 'j', 'heavy'));
  s.setExecutors('big', 2);
  assert.deepEqual(ids(), ['heavy']);
  s.setMode('big', 'normal');
  assert.deepEqual(ids(), ['heavy', 'any']);
  s.enqueue(req('gpu', 'j', 'gpu'));
  s.setExecutors('big', 3);
  s.setLabels('big', 'heavy gpu');
  assert.deepEqual(ids(), ['heavy', 'any', 'gpu']);
  assert.deepEqual(s.stats(), { waiting: 0, busyExecutors: 3, idleExecutors: 0, nodes: 2, onlineNodes: 2 });
  assert.throws(() => s.setExecutors('big', -1), /whole number/);
});

test('dispatch may call back into the scheduler; a dispatch that throws frees its executor', () => {
  const order: string[] = [];
  let s!: Scheduler;
  s = new Scheduler({
    dispatch: (item, node, executor) => {
      order.push(item.id);
      if (item.id === 'bad') throw new Error('agent went away');
      s.release(node, executor); // a build that ends at once
    },
    onDispatchError: (err, item) => order.push(`error:${item.id}:${(err as Error).message}`),
  });
  s.addNode({ name: 'n', labels: '', executors: 0 });
  for (let i = 0; i < 50; i++) s.enqueue(req(`i${i}`, `job${i % 3}`, null));
  s.enqueue(req('bad', 'x', null));
  s.enqueue(req('after', 'x', null));
  s.setExecutors('n', 1);
  assert.equal(order.length, 53);
  assert.ok(order.includes('error:bad:agent went away'));
  assert.deepEqual(s.list(), []);
  assert.equal(s.stats().busyExecutors, 0);
});

// ---------------------------------------------------------------------------------------------
// Property: no executor is ever double-booked; whenever an item could run it does; and every
// item is eventually dispatched exactly once when capacity exists.

type Op =
  | { op: 'add'; node: number; labels: string[]; executors: number; online: boolean }
  | { op: 'remove'; node: number }
  | { op: 'online'; node: number; online: boolean }
  | { op: 'executors'; node: number; executors: number }
  | { op: 'enqueue'; job: number; label: string | null }
  | { op: 'release'; pick: number }
  | { op: 'cancel'; pick: number };

const LABELS = ['linux', 'windows', 'docker', 'gpu'];
const EXPRS = [null, 'linux', 'windows', 'linux && docker', 'linux || windows', '!gpu', 'gpu', 'n0', 'docker -> linux'];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), node: fc.nat(4), labels: fc.subarray(LABELS), executors: fc.nat(3), online: fc.boolean() }),
  fc.record({ op: fc.constant('remove' as const), node: fc.nat(4) }),
  fc.record({ op: fc.constant('online' as const), node: fc.nat(4), online: fc.boolean() }),
  fc.record({ op: fc.constant('executors' as const), node: fc.nat(4), executors: fc.nat(3) }),
  fc.record({ op: fc.constant('enqueue' as const), job: fc.nat(3), label: fc.constantFrom(...EXPRS) }),
  fc.record({ op: fc.constant('enqueue' as const), job: fc.nat(3), label: fc.constantFrom(...EXPRS) }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat(20) }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat(20) }),
  fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(20) }),
);

test('property: no executor is double-booked, nothing runnable waits, and every item is eventually dispatched', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 5, maxLength: 150, size: 'large' }), (ops) => {
      const busy = new Map<string, string>(); // "node#i" → item id
      const dispatchedCount = new Map<string, number>();
      const info = new Map<string, { job: string; build: number; label: string | null }>();
      const s = new Scheduler({
        dispatch: (item, node, executor) => {
          const key = `${node}#${executor}`;
          assert.ok(!busy.has(key), `executor ${key} double-booked: ${busy.get(key)} and ${item.id}`);
          busy.set(key, item.id);
          dispatchedCount.set(item.id, (dispatchedCount.get(item.id) ?? 0) + 1);
        },
      });
      const nodes = new Map<string, { labels: Set<string>; executors: number; online: boolean }>();
      const cancelled = new Set<string>();
      let nextId = 0;
      let nextBuild = 1;
      const release = (key: string): void => {
        const id = busy.get(key)!;
        busy.delete(key);
        const [node, idx] = key.split('#') as [string, string];
        assert.ok(info.has(id));
        assert.equal(s.release(node, Number(idx)), true);
      };
      const checkNothingRunnableWaits = (): void => {
        for (const w of s.list()) {
          const inf = info.get(w.id)!;
          const expr = parseLabelExpression(inf.label ?? '');
          for (const [name, n] of nodes) {
            if (!n.online) continue;
            let free = 0;
            for (let i = 0; i < n.executors; i++) if (!busy.has(`${name}#${i}`)) free++;
            if (free === 0) continue;
            const ok = inf.label === null ? true : matches(expr, new Set([...n.labels, name]));
            assert.ok(!ok, `${w.id} (${inf.label}) waits (${w.why}) although ${name} has a free executor`);
          }
        }
      };
      for (const o of ops) {
        const name = 'node' in o ? `n${o.node}` : '';
        switch (o.op) {
          case 'add':
            if (nodes.has(name)) break;
            nodes.set(name, { labels: new Set(o.labels), executors: o.executors, online: o.online });
            s.addNode({ name, labels: o.labels, executors: o.executors, online: o.online });
            break;
          case 'remove':
            if (!nodes.has(name)) break;
            nodes.delete(name);
            s.removeNode(name);
            break;
          case 'online':
            if (!nodes.has(name)) break;
            nodes.get(name)!.online = o.online;
            s.setOnline(name, o.online);
            break;
          case 'executors':
            if (!nodes.has(name)) break;
            nodes.get(name)!.executors = o.executors;
            s.setExecutors(name, o.executors);
            break;
          case 'enqueue': {
            const id = `i${nextId++}`;
            const job = `job${o.job}`;
            const build = nextBuild++;
            info.set(id, { job, build, label: o.label });
            s.enqueue({ id, job, label: o.label, build });
            break;
          }
          case 'release': {
            const keys = [...busy.keys()];
            if (keys.length > 0) release(keys[o.pick % keys.length]!);
            break;
          }
          case 'cancel': {
            const waiting = s.list();
            if (waiting.length === 0) break;
            const id = waiting[o.pick % waiting.length]!.id;
            assert.equal(s.cancel(id), true);
            cancelled.add(id);
            break;
          }
        }
        checkNothingRunnableWaits();
      }
      // Capacity arrives: a fresh node with every label; release everything until the queue drains.
      s.addNode({ name: 'rescue', labels: [...LABELS, 'n0'], executors: 2 });
      nodes.set('rescue', { labels: new Set([...LABELS, 'n0']), executors: 2, online: true });
      for (let guard = 0; guard < 10_000 && (busy.size > 0 || s.list().length > 0); guard++) {
        const keys = [...busy.keys()];
        if (keys.length === 0) break;
        release(keys[0]!);
        checkNothingRunnableWaits();
      }
      const leftover = s.list().filter((w) => !matches(parseLabelExpression(info.get(w.id)!.label ?? ''), new Set([...LABELS, 'n0', 'rescue'])));
      assert.deepEqual(s.list(), leftover, 'only items no node can ever match may remain');
      for (const id of info.keys()) {
        if (cancelled.has(id) || leftover.some((w) => w.id === id)) assert.equal(dispatchedCount.get(id) ?? 0, 0);
        else assert.equal(dispatchedCount.get(id), 1, `${id} dispatched once`);
      }
    }),
    { numRuns: 300 },
  );
});

test('lowering executors while they are busy: a freed executor below the new count is used again', () => {
  const { s, ids, releaseOf } = harness();
  s.addNode({ name: 'n', labels: '', executors: 2 });
  s.enqueue(req('a', 'j', null));
  s.enqueue(req('b', 'j', null));
  s.setExecutors('n', 1);
  s.enqueue(req('c', 'j', null));
  releaseOf('b');
  assert.deepEqual(ids(), ['a', 'b'], 'executor #1 is gone once freed');
  releaseOf('a');
  assert.deepEqual(ids(), ['a', 'b', 'c']);
});

test('a claim (throttle maxConcurrentPerNode): refused nodes are skipped, it is taken as the node is picked and released with the executor; unclaimed items behind it still go', () => {
  const { s, where, releaseOf } = harness();
  const onNode = new Map<string, number>();
  const claim = {
    refuses: (node: string) => ((onNode.get(node) ?? 0) >= 1 ? `Already running ${onNode.get(node)} builds on node` : null),
    take: (node: string) => {
      onNode.set(node, (onNode.get(node) ?? 0) + 1);
      return () => onNode.set(node, onNode.get(node)! - 1);
    },
  };
  s.addNode({ name: 'a', labels: ['pool'], executors: 3 });
  s.enqueue(req('t1', 'job', 'pool', { claim }));
  assert.equal(where('t1')?.node, 'a');
  s.enqueue(req('t2', 'job', 'pool', { claim }));
  assert.equal(where('t2'), undefined, 'a runs one claimed item: the second may not go there');
  assert.equal(s.why('t2'), 'Already running 1 builds on node');
  // an item of the same job and label without the claim is not held behind the claimed one
  s.enqueue(req('free', 'job', 'pool'));
  assert.equal(where('free')?.node, 'a');
  s.addNode({ name: 'b', labels: ['pool'], executors: 3 });
  assert.equal(where('t2')?.node, 'b');
  s.enqueue(req('t3', 'job', 'pool', { claim }));
  assert.equal(where('t3'), undefined);
  releaseOf('t1');
  assert.equal(where('t3')?.node, 'a', 'the released claim lets the next claimed item onto a');
  assert.equal(onNode.get('a'), 1);
});
