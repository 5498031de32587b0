// lock(label:, quantity:, variable:) over resources configured with labels (Lockable Resources'
// global configuration, given to the LockManager as the controller's store gives it): real
// pipelines with contending branches, the plugin's console lines, and the LockManager's order
// (first come, first served per resource; an abort leaves the queue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, start } from './harness.ts';
import { LockManager } from '../../../src/pipeline/engine/locks.ts';
import type { LockableResource } from '../../../src/core/locks.ts';

const printers: LockableResource[] = [
  { name: 'printer-a', labels: ['printers', 'colour'], description: '' },
  { name: 'printer-b', labels: ['printers'], description: '' },
  { name: 'printer-c', labels: ['printers'], description: '' },
  { name: 'plotter', labels: ['big'], description: '' },
];
const manager = () => new LockManager({ resources: async () => printers });

test('lock(label:, quantity:, variable:) takes that many of the label\'s resources and names them in VAR, VAR0, VAR1', async () => {
  const { state, console } = await runPipeline(`node {
  lock(label: 'printers', quantity: 2, variable: 'P') {
    sh 'echo "got=$P first=$P0 second=$P1"'
  }
  lock(label: 'printers', variable: 'ALL') { echo "all=\${env.ALL}" }
}`, { locks: manager() });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Trying to acquire lock on \[Label: printers, Quantity: 2\]$/m);
  assert.match(console, /^Lock acquired on \[Label: printers, Quantity: 2\]$/m);
  assert.match(console, /^got=printer-a,printer-b first=printer-a second=printer-b$/m);
  assert.match(console, /^Lock released on resource \[Label: printers, Quantity: 2\]$/m);
  assert.match(console, /^Trying to acquire lock on \[Label: printers\]$/m);
  assert.match(console, /^all=printer-a,printer-b,printer-c$/m);
});

test('two branches wanting two printers each of three take turns; a label resource locked by name is taken from the label', async () => {
  // Each branch makes a directory per printer it holds: mkdir fails if another holds it too.
  const body = (who: string) => `lock(label: 'printers', quantity: 2, variable: 'P') { sh 'for p in $(echo $P | tr , " "); do mkdir "held-$p"; done; echo "${who} has $P"; sleep 0.3; for p in $(echo $P | tr , " "); do rmdir "held-$p"; done' }`;
  const { state, console } = await runPipeline(`node {
  parallel one: { ${body('one')} }, two: { ${body('two')} }, named: { lock('printer-c') { sh 'mkdir held-printer-c && sleep 0.1 && rmdir held-printer-c && echo named-done' } }
}`, { locks: manager() });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /\[(one|two)\] Found [01] available resource\(s\)\. Waiting for correct amount: 2\./);
  assert.match(console, /\[(one|two)\] \[Label: printers, Quantity: 2\] is not free, waiting for execution \.\.\./);
  assert.equal((console.match(/^\[(one|two)\] (one|two) has printer-\w,printer-\w$/gm) ?? []).length, 2);
  assert.match(console, /named-done/);
  assert.doesNotMatch(console, /Resource \[printer-c\] did not exist/, 'a configured resource exists');
});

test('options { lock(label:, quantity:, variable:) } holds the resources for the whole pipeline', async () => {
  const { state, console } = await runPipeline(`pipeline {
  agent any
  options { lock(label: 'big', quantity: 1, variable: 'BIG') }
  stages { stage('a') { steps { echo "plotting on \${env.BIG}" } } }
}`, { locks: manager() });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^plotting on plotter$/m);
  assert.match(console, /^Lock released on resource \[Label: big, Quantity: 1\]$/m);
});

test('more than a label has, a bad quantity, extra mixing names and labels', async () => {
  const tooMany = await runPipeline(`node { lock(label: 'big', quantity: 2) { echo 'never' } }`, { locks: manager() });
  assert.equal(tooMany.state.result, 'FAILURE');
  assert.match(tooMany.console, /lock: label 'big' has 1 resource \(plotter\); 2 cannot be locked at once/);
  const negative = await runPipeline(`node { lock(label: 'big', quantity: -1) { echo 'never' } }`, { locks: manager() });
  assert.equal(negative.state.result, 'FAILURE');
  assert.match(negative.console, /quantity must be a whole number, 0 or more/);
  const mixed = await runPipeline(`node { lock(resource: 'db', extra: [[label: 'colour', quantity: 1]], variable: 'R') { echo "R=\${env.R}" } }`, { locks: manager() });
  assert.equal(mixed.state.result, 'SUCCESS', mixed.console);
  assert.match(mixed.console, /^Trying to acquire lock on \[\{db\},\{Label: colour, Quantity: 1\}\]$/m);
  assert.match(mixed.console, /^Resource \[db\] did not exist\. Created\.$/m);
  assert.match(mixed.console, /^R=db,printer-a$/m);
});

test('LockManager: first come, first served per resource; a later small request does not take what an earlier large one waits for', async () => {
  const m = manager();
  const signal = new AbortController().signal;
  const order: string[] = [];
  const held = (await m.lock({ names: [], labels: [{ label: 'printers', quantity: 2 }] }, 'first', signal))!;
  assert.deepEqual(held.names, ['printer-a', 'printer-b']);
  const big = m.lock({ names: [], labels: [{ label: 'printers', quantity: 3 }] }, 'big', signal).then((g) => { order.push('big'); return g!; });
  const small = m.lock({ names: [], labels: [{ label: 'printers', quantity: 1 }] }, 'small', signal).then((g) => { order.push('small'); return g!; });
  // printer-c is free, but the earlier waiter needs it: the small request waits too.
  const plot = (await m.lock({ names: ['plotter'], labels: [] }, 'unrelated', signal))!;
  assert.deepEqual(plot.names, ['plotter'], 'a request for other resources does not wait behind them');
  assert.equal(m.holder('printer-c'), undefined);
  held.release();
  const g = await big;
  assert.deepEqual(g.names.sort(), ['printer-a', 'printer-b', 'printer-c']);
  assert.deepEqual(order, ['big']);
  g.release();
  const s = await small;
  assert.deepEqual(order, ['big', 'small']);
  assert.deepEqual(s.names, ['printer-a']);
  s.release();
  plot.release();
});

test('LockManager: an aborted waiter leaves the queue and what it reserved goes to the next; skipIfLocked answers null with the cause', async () => {
  const m = manager();
  const held = (await m.lock({ names: ['printer-a'], labels: [] }, 'holder', new AbortController().signal))!;
  const ac = new AbortController();
  const waiting = m.lock({ names: [], labels: [{ label: 'printers', quantity: 3 }] }, 'aborted', ac.signal);
  const next = m.lock({ names: [], labels: [{ label: 'printers', quantity: 1 }] }, 'next', new AbortController().signal);
  ac.abort();
  await assert.rejects(waiting);
  const n = (await next)!;
  assert.deepEqual(n.names, ['printer-b']);
  let cause: string[] = [];
  const skipped = await m.lock({ names: ['printer-a'], labels: [] }, 'skipper', new AbortController().signal, { skipIfLocked: true, onBlocked: (l) => { cause = l; } });
  assert.equal(skipped, null);
  assert.deepEqual(cause, ['The resource [printer-a] is locked by holder.']);
  held.release();
  n.release();
});

test('an aborted build releases what it holds, and the console says so', async () => {
  const m = manager();
  const h = await start(`node { lock(label: 'printers', quantity: 3) { sh 'touch held; sleep 60' } }`, { locks: m });
  let ended = false;
  void h.done.then(() => { ended = true; });
  while (!/^\+ sleep 60$/m.test(h.console())) {
    assert.equal(ended, false, `the build ended before holding the lock:\n${h.console()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(m.holder('printer-a'), 'test-job #7');
  h.run.abort();
  const state = await h.done;
  assert.equal(state.result, 'ABORTED');
  assert.match(h.console(), /^Lock released on resource \[Label: printers, Quantity: 3\]$/m);
  for (const p of ['printer-a', 'printer-b', 'printer-c']) assert.equal(m.holder(p), undefined);
});
