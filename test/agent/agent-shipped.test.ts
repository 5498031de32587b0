// The agent as it ships (src/util/agent-bundle.ts written out: what a pod's image, an SSH host
// and the one-line install run), started by the bundle's own bin/kiln with its secret in
// KILN_SECRET, as a pod's agent is: bin/kiln hands the secret over in a private file before node
// starts (instead of the agent re-executing itself), so the agent connects and runs a step, and
// neither its /proc/PID/environ nor its cmdline holds the secret, and the hand-over file and its
// directory are gone. With the secret on the command line the agent still hides it itself.
// Hand-over directories an agent killed before reading its own left behind are removed by the
// next agent that starts: those whose process (the pid in their name) is gone, and nameless
// ones older than ten minutes; one of a live process is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { spawnAgent, startController, waitOnline, run, sh } from '../backends/remote-harness.ts';
import { agentBundle, writeBundle } from '../../src/util/agent-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

const procText = (pid: number, f: string) => readFileSync(`/proc/${pid}/${f}`).toString('latin1');

test('the shipped agent given KILN_SECRET: connects and builds; the secret is in neither its environ nor its cmdline, and no hand-over file is left', async () => {
  const dir = tempDir('agent-shipped');
  const kiln = path.join(dir, 'kiln');
  await writeBundle(await agentBundle(), kiln);
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  // Left behind by agents killed between handing over and reading: a secret a build could read.
  const deadPid = spawnSync('/bin/true').pid!;
  const plant = (name: string, ageMs = 0) => {
    mkdirSync(path.join(tmp, name));
    writeFileSync(path.join(tmp, name, 'secret'), 'an old secret', { mode: 0o600 });
    const t = (Date.now() - ageMs) / 1000;
    utimesSync(path.join(tmp, name), t, t);
  };
  plant(`kiln-agent-secret-${deadPid}-aaaaaa`);
  plant('kiln-agent-secret-bbbbbb', 3_600_000);
  plant(`kiln-agent-secret-${process.pid}-cccccc`);
  plant('kiln-agent-secret-dddddd');
  const c = await startController();
  try {
    const env = { PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, TMPDIR: tmp, NODE_COMPILE_CACHE: path.join(dir, 'cache') };
    const secret = c.hub.secret('by-env');
    const a = spawnAgent(['agent', '--url', c.url, '--name', 'by-env', '--workdir', path.join(dir, 'w1')], 'by-env', path.join(dir, 'w1'), { ...env, KILN_SECRET: secret }, path.join(kiln, 'bin/kiln'));
    const secret2 = c.hub.secret('by-argv');
    const b = spawnAgent(['agent', '--url', c.url, '--name', 'by-argv', '--secret', secret2, '--workdir', path.join(dir, 'w2')], 'by-argv', path.join(dir, 'w2'), env, path.join(kiln, 'bin/kiln'));
    try {
      await waitOnline(c, 'by-env', 30_000).catch((e: Error) => assert.fail(`${e.message}\n${a.stderr()}`));
      await waitOnline(c, 'by-argv', 30_000).catch((e: Error) => assert.fail(`${e.message}\n${b.stderr()}`));
      const ws = await c.hub.backend('by-env').allocate({ build: { job: 'shipped', number: 1, id: 'shipped#1' } });
      const r = await run(ws, sh('echo "from $PWD"'));
      assert.equal(r.stdout.toString(), `from ${ws.root}\n`);
      await ws.release();
      assert.ok(!procText(a.child.pid!, 'environ').includes(secret), 'the agent\'s environ holds its secret');
      assert.ok(!procText(a.child.pid!, 'cmdline').includes(secret));
      assert.match(procText(a.child.pid!, 'cmdline'), /src\/cli\/main\.js\0agent\0/, 'the agent runs the bundle\'s JavaScript');
      assert.ok(!procText(b.child.pid!, 'cmdline').includes(secret2), 'the agent\'s command line holds its secret');
      assert.ok(!procText(b.child.pid!, 'environ').includes(secret2));
      assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('kiln-agent-secret-')).sort(), [`kiln-agent-secret-${process.pid}-cccccc`, 'kiln-agent-secret-dddddd'],
        'a hand-over directory was left behind, or one of a live process (or a fresh nameless one) was removed');
    } finally {
      assert.equal(await a.stop(), 0, a.stderr());
      assert.equal(await b.stop(), 0, b.stderr());
    }
  } finally {
    await c.close();
  }
});
