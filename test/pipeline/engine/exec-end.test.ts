// A durable exec's end is acknowledged only once the step's end is in the journal (issue 19): the
// engine's output barrier with `end` waits for the call's `finally` to journal the entry, so a
// controller killed in between finds the step in flight and its exec still held by the agent.
// The real-process side is test/controller/durable-journal.test.ts; this one pins the order,
// with a workspace that asks for the end's barrier in the very turn its result is handed back
// (the earliest a session can: agents/session.ts ackEnd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../helpers/tmp.ts';
import { startDurableExecRun } from '../../helpers/durable-exec-run.ts';
import type { ExecSpec } from '../../../src/core/workspace.ts';

test("a durable exec's end barrier resolves only after the step's end is journaled (the agent keeps the result until then)", async () => {
  const source = `node {
    script {
      def v = sh(returnStdout: true, script: 'echo captured')
      echo "got \${v.trim()}"
    }
    sh 'echo plain'
  }`;
  const events: string[] = [];
  const specs: ExecSpec[] = [];
  const out: Buffer[] = [];
  const { done } = startDurableExecRun({
    source,
    root: tempDir('exec-end'),
    // The exec asks for the end's barrier as it hands the result back.
    exec: async (target, spec) => {
      specs.push(spec);
      const got = { stdout: 0, stderr: 0 };
      const r = await target.exec({ ...spec, onOutput: (d, s) => { got[s] += d.length; spec.onOutput(d, s); } });
      if (spec.barrier) void spec.barrier({ ...got }, true).then(() => events.push(`acked end ${spec.durableKey}`));
      return r;
    },
    listener: {
      output: (d) => { out.push(d); },
      journal: (e) => { if (e.exec && e.status !== 'running') events.push(`journaled end ${e.exec}`); },
      outputWritten: async (key, _safe, end) => { if (end) events.push(`written end ${key}`); },
    },
  });
  const state = await done;
  assert.equal(state.result, 'SUCCESS', Buffer.concat(out).toString());
  assert.match(Buffer.concat(out).toString(), /^got captured$/m);
  const keys = specs.map((s) => s.durableKey);
  assert.equal(keys.length, 2);
  assert.ok(keys.every((k) => typeof k === 'string'), 'both script steps ran as durable execs');
  assert.deepEqual(specs.map((s) => s.keepStdout === true), [true, false], 'the returnStdout step asks the node to keep its stdout whole');
  for (const k of keys) {
    const order = events.filter((e) => e.endsWith(` ${k}`));
    assert.deepEqual(order, [`journaled end ${k}`, `written end ${k}`, `acked end ${k}`], events.join('\n'));
  }
});
