// The durable-builds bench (bench/durable.ts) in its short mode, as a smoke test: it resumes ten
// sleeping builds after a kill -9, then runs a short soak (four builds at once on two real agent
// processes, their `sh` steps durable execs, the controller killed with SIGKILL and started again
// every few seconds) and checks every build's console.
// Asserted: the bench ran to its end and the soak lost nothing (no line lost or printed twice,
// none out of order, every result as expected); its times are reported, never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/kiln.ts';

test('bench/durable.ts --short: every build of the soak finishes as expected with each line once, in order', () => {
  const r = spawnSync(process.execPath, ['bench/durable.ts', '--short'], { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
  const lines = r.stdout.trim().split('\n');
  let j: any;
  try {
    j = JSON.parse(lines.at(-1) ?? '');
  } catch {
    assert.fail(`the bench printed no JSON line (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  assert.equal(j.bench, 'durable');
  assert.equal(j.error, undefined, `${r.stdout}\n${r.stderr}`);
  assert.equal(j.resume?.builds, 10, r.stdout);
  assert.ok(j.soak && j.soak.kills >= 1 && j.soak.builds >= 4, r.stdout);
  assert.deepEqual(j.soak.problems, [], r.stdout);
  assert.equal(j.soak.lost_lines, 0, r.stdout);
  assert.equal(j.soak.duplicated_lines, 0, r.stdout);
  assert.equal(j.soak.lost_nothing, true, r.stdout);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
