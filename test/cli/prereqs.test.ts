// README command 2's prerequisites (scripts/test-prereqs.sh): an agent image that cannot be
// built stops the test command with the reason, instead of leaving 40 Docker and pod tests to
// fail one by one (or, worse, pass on a machine that still has an old image).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';

test('test-prereqs.sh with a module of the agent missing: stops non-zero, naming the agent bundle and the missing file', () => {
  // A checkout without node_modules (as a fresh clone has it before `npm ci`: the agent needs no
  // package, so that alone builds) and with a source file of the agent gone.
  const root = tempDir('prereqs');
  for (const p of ['bin', 'scripts', 'src', 'package.json']) cpSync(path.join(repoRoot, p), path.join(root, p), { recursive: true });
  rmSync(path.join(root, 'src/agent/transport.ts'));
  const r = spawnSync('bash', ['scripts/test-prereqs.sh'], {
    cwd: root, encoding: 'utf8', timeout: 600_000,
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  assert.notEqual(r.status, 0, `test-prereqs.sh succeeded without src/agent/transport.ts:\n${r.stderr}`);
  assert.match(r.stderr, /cannot collect the agent bundle for kiln-test\/agent/);
  assert.match(r.stderr, /transport\.ts/);
  assert.match(r.stderr, /not ready \(see above\); stopping/);
});
