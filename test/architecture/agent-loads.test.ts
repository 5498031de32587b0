// `kiln agent` loads only what an agent needs: it runs in every build pod, so each module it
// loads is paid once per pod in memory and start-up time. A real `bin/kiln agent` process
// connects to a test controller, runs steps, writes, reads, globs and stats files (so what
// loads lazily is loaded too), and stops; every module it resolved is recorded
// (load-recorder.ts through NODE_OPTIONS=--import, which the agent's re-execution without its
// secret keeps). Of src/ it may load the agent, the protocol, the exec backends, a few utils
// and core contracts, and the CLI's entry and agent command: no controller, store, pipeline
// engine, plugin, nor other command. No library at all: not `ws` (the agent's WebSocket client is
// its own, over node:net: agent/transport.ts), not pino (its log is util/log-lines.ts), none of
// TypeBox, Fastify, pg, the Kubernetes client, ssh2, yaml, XML, nor the TypeScript stripper's
// worker or a worker thread. Of Node's builtins, none of the HTTP, TLS (a ws: URL needs none),
// zlib or worker-thread modules (the recorder also lists the builtins taken with
// process.getBuiltinModule, as the agent takes them: KILN_LOAD_RECORD_BUILTINS).
//
// The second test runs the agent as it ships (util/agent-bundle.ts: a pod's image, an SSH host,
// the one-line install): the bundle written to a directory, started with a cold compile cache,
// and records Node's own process.moduleLoadList, which also names the builtins Node loads
// internally. It must never hold the TypeScript stripper (amaro: ~18 MB resident), OpenSSL's
// crypto modules (Web Crypto or node:crypto: agent/random.ts reads /dev/urandom instead), nor
// worker_threads and util's diff (what an ESM import of node:util drags in: cli/agent.ts takes
// parseArgs through process.getBuiltinModule). And what only some requests need stays unloaded
// until one comes: an agent that connected and ran a (durable) sh step, and one in a pod's tool
// container (through its step runner, as container('x') runs it), has not loaded
// node:fs/promises, nor the readline, REPL-history and file-stream modules it drags in (~1 MB in
// every pod: util/fs-async.ts; only a file transfer loads it), read from the agent at that moment
// (SIGUSR2 to the recorder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { spawnAgent, startAgent, startController, waitOnline, waitFor, run, sh } from '../backends/remote-harness.ts';
import { agentBundle, writeBundle } from '../../src/util/agent-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';
import { RUNNER_SH } from '../../src/exec/container-runner.ts';

const root = path.resolve(import.meta.dirname, '../..');
const recorder = path.join(import.meta.dirname, 'load-recorder.ts');

/** The src/ modules an agent may load (repository-relative), as patterns. */
const ALLOWED_SRC = [
  /^src\/cli\/(main|agent)\.ts$/,
  /^src\/agent\/[^/]+\.ts$/,
  /^src\/protocol\/[^/]+\.ts$/,
  /^src\/exec\/[^/]+\.ts$/,
  /^src\/core\/(errors|workspace)\.ts$/,
  /^src\/util\/(log-lines|antglob|files-stream|fs-async)\.ts$/,
];
/** Builtins an agent has no use for. */
const FORBIDDEN_BUILTINS = ['node:sqlite', 'node:vm', 'node:repl', 'node:inspector', 'node:cluster', 'node:dgram', 'node:http2',
  'node:http', 'node:https', 'node:tls', 'node:zlib', 'node:worker_threads', 'node:crypto', 'http', 'https', 'tls', 'zlib', 'worker_threads', 'crypto'];

const packageOf = (url: string) => {
  const rest = url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
};

test('a connected agent running steps and file requests loads only agent modules: no library, no HTTP, TLS, zlib or worker threads', async () => {
  const c = await startController();
  const record = path.join(tempDir('agent-loads'), 'loaded.txt');
  try {
    const a = startAgent(c, 'light', { env: { NODE_OPTIONS: `--import ${recorder}`, KILN_LOAD_RECORD: record, KILN_LOAD_RECORD_BUILTINS: '1' } });
    try {
      await waitOnline(c, 'light');
      const ws = await c.hub.backend('light').allocate({ build: { job: 'loads', number: 1, id: 'loads#1' } });
      const r = await run(ws, sh('echo out; echo err >&2; exit 3'));
      assert.equal(r.exitCode, 3);
      assert.equal(r.stdout.toString(), 'out\n');
      await ws.writeFile(path.join(ws.root, 'dir/a.txt'), 'hello');
      assert.equal((await ws.readFile(path.join(ws.root, 'dir/a.txt'))).toString(), 'hello');
      assert.deepEqual(await ws.glob(ws.root, '**/*.txt'), ['dir/a.txt']);
      await ws.release();
    } finally {
      assert.equal(await a.stop(), 0, a.stderr());
    }
  } finally {
    await c.close();
  }
  const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  const prefix = `file://${root}/`;
  const src = urls.filter((u) => u.startsWith(`${prefix}src/`)).map((u) => u.slice(prefix.length));
  // The recorder saw the agent (else the test proves nothing).
  for (const m of ['src/cli/agent.ts', 'src/agent/agent.ts', 'src/agent/transport.ts', 'src/agent/executor.ts', 'src/protocol/codec.ts', 'src/exec/local-workspace.ts']) {
    assert.ok(src.includes(m), `${m} was not recorded: ${src.join(', ')}`);
  }
  assert.deepEqual(src.filter((m) => !ALLOWED_SRC.some((re) => re.test(m))), [], 'the agent loaded modules of src/ that are not the agent\'s');
  const packages = [...new Set(urls.filter((u) => u.includes('/node_modules/')).map(packageOf))].sort();
  assert.deepEqual(packages, [], 'the agent loaded packages: it needs none');
  assert.ok(urls.includes('node:net'), 'node:net was not recorded (the recorder sees builtins)');
  assert.deepEqual(urls.filter((u) => FORBIDDEN_BUILTINS.includes(u)), [], 'the agent loaded builtins an agent does not need');
});

/** Internal modules a shipped agent must not load (process.moduleLoadList entries). */
const FORBIDDEN_INTERNAL = [
  'NativeModule internal/deps/amaro/dist/index', // the TypeScript stripper
  'Internal Binding crypto', 'NativeModule internal/crypto/random', 'NativeModule internal/crypto/webcrypto',
  'NativeModule worker_threads', 'NativeModule internal/worker', 'NativeModule internal/util/diff',
];
/**
 * Internal modules an agent that connected and ran a step (in its own container and in a tool
 * container) must not have loaded yet: only a file transfer needs them, and only removing a
 * directory tree needs fs.rm's recursive walk (rimraf).
 */
const NOT_YET = ['NativeModule fs/promises', 'NativeModule internal/fs/promises', 'NativeModule internal/readline/interface',
  'NativeModule internal/repl/history', 'NativeModule internal/fs/streams', 'NativeModule internal/fs/rimraf'];

test('the agent as it ships (its bundle, cold compile cache) is JavaScript: it never loads the TypeScript stripper, crypto, worker threads or util\'s diff, and node:fs/promises only for a file transfer', async () => {
  const bundle = await agentBundle();
  const tsFiles = bundle.files.filter((f) => f.path.endsWith('.ts')).map((f) => f.path);
  assert.deepEqual(tsFiles, [], 'the bundle ships TypeScript');
  assert.ok(bundle.files.some((f) => f.path === 'src/cli/main.js') && bundle.files.some((f) => f.path === 'src/agent/agent.js'), bundle.files.map((f) => f.path).join(', '));
  const dir = tempDir('agent-shipped');
  const kiln = path.join(dir, 'kiln');
  await writeBundle(bundle, kiln);
  // A plain .mjs recorder: a .ts one would itself load the stripper.
  const recorderJs = path.join(dir, 'record.mjs');
  // node:fs through getBuiltinModule: the recorder's own ESM import would load fs/promises.
  writeFileSync(recorderJs, "const { writeFileSync } = process.getBuiltinModule('node:fs');\n"
    + "const write = (f) => writeFileSync(f, process.moduleLoadList.join('\\n') + '\\n');\n"
    + "process.on('SIGUSR2', () => write(process.env.KILN_LOAD_RECORD + '.now'));\n"
    + "process.on('exit', () => write(process.env.KILN_LOAD_RECORD));\n");
  const record = path.join(dir, 'loaded.txt');
  let afterStep: string[] = [];
  // As in a pod: a tool container's step runner (here a process on this machine) on a directory
  // the agent shares, which the agent learns from its environment (exec/pod-workspace.ts).
  const runners = path.join(dir, 'runners');
  mkdirSync(path.join(runners, 'tool'), { recursive: true });
  const runner = spawn('sh', ['-c', RUNNER_SH, 'kiln-runner', path.join(runners, 'tool'), 'sleep', '600'], { stdio: 'ignore', detached: true });
  const c = await startController();
  try {
    await waitFor(() => existsSync(path.join(runners, 'tool', 'ready')), 10_000, 'the tool container\'s runner');
    const name = 'shipped';
    const env = { NODE_OPTIONS: `--import ${recorderJs}`, KILN_LOAD_RECORD: record, NODE_COMPILE_CACHE: path.join(dir, 'cold-cache'), PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      KILN_POD_RUNNERS: runners, KILN_POD_CONTAINERS: 'tool' };
    const a = spawnAgent(['agent', '--url', c.url, '--name', name, '--secret', c.hub.secret(name), '--workdir', path.join(dir, 'work')], name, path.join(dir, 'work'), env, path.join(kiln, 'bin/kiln'));
    try {
      await waitOnline(c, name);
      const ws = await c.hub.backend(name).allocate({ build: { job: 'shipped', number: 1, id: 'shipped#1' } });
      const r = await run(ws, sh('echo shipped'), { durableKey: 'shipped-1' });
      assert.equal(r.stdout.toString(), 'shipped\n');
      // and a step in the pod's tool container (container('tool') { sh ... }).
      const t = await run(ws, sh('echo in the tool container; echo err >&2'), { container: 'tool' });
      assert.deepEqual([t.exitCode, t.stdout.toString(), t.stderr.toString()], [0, 'in the tool container\n', 'err\n']);
      // What the agent has loaded now, connected and one step run (bin/kiln and the agent's
      // re-execution keep this pid).
      a.child.kill('SIGUSR2');
      await waitFor(() => { try { return readFileSync(`${record}.now`, 'utf8').endsWith('\n'); } catch { return false; } }, 10_000, 'the recorder\'s list');
      afterStep = readFileSync(`${record}.now`, 'utf8').split('\n').filter(Boolean);
      await ws.writeFile(path.join(ws.root, 'a.txt'), 'hello');
      assert.deepEqual(await ws.glob(ws.root, '**/*.txt'), ['a.txt']);
      await ws.release();
    } finally {
      assert.equal(await a.stop(), 0, a.stderr());
    }
  } finally {
    process.kill(-runner.pid!, 'SIGKILL'); // the runner and its serving loop
    await c.close();
  }
  const loaded = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  assert.ok(loaded.includes('NativeModule child_process') && loaded.includes('NativeModule net'), 'the record is not the agent\'s');
  assert.deepEqual(loaded.filter((m) => FORBIDDEN_INTERNAL.includes(m)), [], 'the shipped agent loaded modules it must not');
  assert.ok(afterStep.includes('NativeModule child_process'), 'the list read after the step is not the agent\'s');
  assert.deepEqual(afterStep.filter((m) => NOT_YET.includes(m)), [], 'the agent loaded, before any file transfer, what only a file transfer needs');
  assert.ok(loaded.includes('NativeModule internal/fs/promises'), 'the file transfer did not load node:fs/promises: the test no longer shows what it means to');
});
