import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isProcessAlive, killGroupTree, parseProcStat, treeOfGroup } from '../../src/exec/process-tree.ts';

test('parseProcStat copes with spaces and parentheses in the command name', () => {
  const line = '4242 (my (weird) cmd) S 4000 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200 18446744073709551615';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 4000, pgid: 4242, sid: 4242, state: 'S', starttime: 987654 });
  assert.equal(parseProcStat('garbage'), null);
  assert.equal(parseProcStat('1 (x) S 0'), null);
});

test('killGroupTree kills a detached group and a member that left it, and reports it gone', async () => {
  // The leader starts a child in the group and one that leaves it (setsid), then waits.
  const child = spawn('sh', ['-c', 'sleep 300 & echo $!; setsid sh -c \'echo $$; trap "" TERM; while :; do sleep 1; done\' & wait'], {
    detached: true, stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pgid = child.pid!;
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.trim().split('\n').length === 2) resolve();
    });
  });
  const pids = [pgid, ...out.trim().split('\n').map(Number)];
  const tree = await treeOfGroup(pgid);
  for (const pid of pids) assert.ok(tree.includes(pid), `${pid} in ${tree.join(' ')}`);
  const gone = await killGroupTree(pgid, { graceMs: 300 });
  assert.equal(gone, true);
  for (const pid of pids) assert.equal(await isProcessAlive(pid), false, `pid ${pid}`);
  assert.deepEqual(await treeOfGroup(pgid), []);
});

test('isProcessAlive: this process yes, an exited one no', async () => {
  assert.equal(await isProcessAlive(process.pid), true);
  const c = spawn('true');
  await new Promise((r) => c.on('exit', r));
  assert.equal(await isProcessAlive(c.pid!), false);
});
