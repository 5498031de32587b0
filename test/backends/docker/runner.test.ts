// The injected step runner at the Workspace level: byte-exact output (large, binary, stdout and
// stderr apart), stdin, exit codes and signals, parallel steps in one container, environment
// and cwd, a container stopped under a running step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { tempDir } from '../../helpers/tmp.ts';
import { IMAGES, assertNoLeftovers, requireDocker, testLabel } from '../../plugins/docker/harness.ts';
import { Engine } from '../../../src/plugins/docker/engine.ts';
import { PodWorkspace, parsePodYaml, startPod } from '../../../src/plugins/docker/pod.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import type { ExecSpec } from '../../../src/core/workspace.ts';

const label = testLabel();
let backend: LocalBackend;
let ws: PodWorkspace;
const engine = new Engine();

before(async () => {
  requireDocker();
  backend = new LocalBackend({ root: tempDir('runner') });
  const build = { job: 'runner', number: 1, id: `runner#${label}` };
  const node = await backend.allocate({ build });
  const pod = await startPod(parsePodYaml(`spec:\n  containers:\n  - name: tool\n    image: ${IMAGES.busybox}\n    command: [cat]\n    tty: true\n    env:\n    - name: FROM_SPEC\n      value: spec-value\n`), {
    engine, build, workspace: node, pauseImage: IMAGES.busybox, labels: { 'kiln.test': label },
  });
  ws = new PodWorkspace(node, pod);
});
after(async () => {
  await ws?.release();
  await backend?.close();
  assertNoLeftovers(label);
});

async function run(argv: string[], o: Partial<ExecSpec> = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const r = await ws.exec({ argv, cwd: ws.root, env: {}, container: 'tool', onOutput: (c, s) => (s === 'stdout' ? out : err).push(c), ...o });
  return { ...r, out: Buffer.concat(out), err: Buffer.concat(err) };
}

test('large and binary output arrives byte for byte, stdout and stderr apart', async () => {
  const r = await run(['sh', '-c', 'head -c 3000000 /dev/urandom > big.bin; cat big.bin; echo to-stderr >&2']);
  assert.equal(r.exitCode, 0);
  const file = await ws.readFile(`${ws.root}/big.bin`);
  assert.equal(r.out.length, 3_000_000);
  assert.equal(createHash('sha256').update(r.out).digest('hex'), createHash('sha256').update(file).digest('hex'));
  assert.equal(r.err.toString(), 'to-stderr\n');
});

test('stdin, exit codes, signals, environment and cwd', async () => {
  assert.equal((await run(['cat'], { stdin: 'from stdin\n' })).out.toString(), 'from stdin\n');
  assert.equal((await run(['sh', '-c', 'exit 42'])).exitCode, 42);
  assert.equal((await run(['sh', '-c', 'kill -9 $$'])).exitCode, 137);
  await ws.mkdir(`${ws.root}/sub dir`);
  const r = await run(['sh', '-c', 'echo "$PWD|$FROM_SPEC|$STEP_VAR|$QUOTED"'], { cwd: `${ws.root}/sub dir`, env: { STEP_VAR: 'step', QUOTED: `it's "quoted" $HOME`, PATH: '/host/only' } });
  assert.equal(r.out.toString(), `${ws.root}/sub dir|spec-value|step|it's "quoted" $HOME\n`);
  assert.notEqual((await run(['sh', '-c', 'echo $PATH'], { env: { PATH: '/host/only' } })).out.toString(), '/host/only\n');
});

test('twenty steps at once in one container each get their own output and status', async () => {
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => run(['sh', '-c', `echo step-${i}; exit ${i}`])));
  rs.forEach((r, i) => {
    assert.equal(r.out.toString(), `step-${i}\n`);
    assert.equal(r.exitCode, i);
  });
});

test('abort kills the step and its children', async () => {
  const ac = new AbortController();
  const started = Date.now();
  const p = run(['sh', '-c', 'sleep 300 & sleep 300; echo never'], { signal: ac.signal, onOutput: () => {} });
  setTimeout(() => ac.abort(), 300);
  const r = await p;
  assert.equal(r.aborted, true);
  assert.ok(Date.now() - started < 5000);
  const left = await run(['sh', '-c', 'ps -o args | grep -v grep | grep -c "sleep 300" || true']);
  assert.equal(left.out.toString().trim(), '0');
});
