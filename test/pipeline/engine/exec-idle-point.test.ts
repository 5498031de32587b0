// A durable exec's partial line that the engine's line sink emits after its idle delay is the
// exec's output in the console: the engine asks the host for a point covering it (issue 19), so
// a later boundary in the journal (another branch's line, a journal line) never lies past exec
// bytes no point accounts for, which a resumed build would show twice. The journal side is
// test/controller/exec-points.test.ts, the real processes test/controller/durable-journal.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../../helpers/tmp.ts';
import { registry } from '../../helpers/registry.ts';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { PipelineRun } from '../../../src/pipeline/engine/engine.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import type { NodeProvider } from '../../../src/core/nodes.ts';
import type { ExecSpec, Workspace } from '../../../src/core/workspace.ts';

test('a partial line flushed after the idle delay gets a point that covers it, before the exec prints on', async () => {
  const root = tempDir('exec-idle');
  const go = path.join(root, 'go');
  // Prints a prompt without a newline and waits (for the test) before it ends the line.
  const source = `node {
    sh '''set +x; printf 'Password: '; while [ ! -e '${go}' ]; do sleep 0.05; done; echo ok'''
  }`;
  const loaded = loadPipeline(source, registry);
  assert.ok(loaded.model, JSON.stringify(loaded.diagnostics ?? null));
  const backend = new LocalBackend({ root: path.join(root, 'nodes'), labels: ['linux'] });
  const nodes: NodeProvider = {
    async allocate(_req, build) {
      const ws = await backend.allocate({ build, path: path.join(root, 'ws') });
      // The workspace, but its exec asks the barrier for every chunk it hands over, in that turn,
      // as an agent session does (controller/agents/session.ts ackOutput).
      const durable = new Proxy(ws, {
        get(target, prop) {
          if (prop === 'exec') {
            return async (spec: ExecSpec) => {
              const got = { stdout: 0, stderr: 0 };
              return target.exec({ ...spec, onOutput: (d, s) => {
                got[s] += d.length;
                spec.onOutput(d, s);
                if (spec.barrier) void spec.barrier({ ...got });
              } });
            };
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as Workspace;
      return { workspace: durable, release: () => ws.release() };
    },
  };
  const events: string[] = [];
  let prompted: (() => void) | null = null;
  let execBytes = 0;
  let atPrompt = -1;
  const prompt = new Promise<void>((resolve) => { prompted = resolve; });
  const run = new PipelineRun({
    registry,
    model: loaded.model!,
    file: 'Jenkinsfile',
    build: { job: 'j', number: 1, id: 'j#1', url: 'http://kiln.test/job/j/1/' },
    nodes,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential: async (id) => { throw new Error(`no credential '${id}'`); },
      triggerJob: async (job) => { throw new Error(`cannot trigger ${job} here`); },
    },
    listener: {
      output: (d, where) => {
        events.push(`output${where.exec ? ' (exec)' : ''} ${JSON.stringify(d.toString())}`);
        if (where.exec) execBytes += d.length;
        if (where.exec && d.toString() === 'Password: ') {
          atPrompt = execBytes;
          setImmediate(() => prompted?.());
        }
      },
      outputWritten: async (_key, safe, end) => { events.push(`point ${safe.stdout}/${safe.stderr}${end ? ' end' : ''}`); },
    },
  });
  const done = run.run();
  await prompt; // the idle delay emitted the prompt (no newline came)
  const at = events.indexOf('output (exec) "Password: "');
  assert.ok(events.slice(at + 1).includes(`point ${atPrompt}/0`), `a point covering the ${atPrompt} bytes up to the prompt follows it:\n${events.join('\n')}`);
  writeFileSync(go, '');
  const state = await done.finally(() => backend.close());
  assert.equal(state.result, 'SUCCESS', events.join('\n'));
  const outputs = events.filter((e) => e.startsWith('output (exec)'));
  assert.deepEqual(outputs.slice(-2), ['output (exec) "Password: "', 'output (exec) "ok\\n"'], 'the rest of the line comes once, after the prompt');
  assert.ok(events.includes(`point ${atPrompt + 3}/0`), events.join('\n'));
});
