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
import { startDurableExecRun } from '../../helpers/durable-exec-run.ts';

test('a partial line flushed after the idle delay gets a point that covers it, before the exec prints on', async () => {
  const root = tempDir('exec-idle');
  const go = path.join(root, 'go');
  // Prints a prompt without a newline and waits (for the test) before it ends the line.
  const source = `node {
    sh '''set +x; printf 'Password: '; while [ ! -e '${go}' ]; do sleep 0.05; done; echo ok'''
  }`;
  const events: string[] = [];
  let prompted: (() => void) | null = null;
  let execBytes = 0;
  let atPrompt = -1;
  const prompt = new Promise<void>((resolve) => { prompted = resolve; });
  const { done } = startDurableExecRun({
    source,
    root,
    // The exec asks the barrier for every chunk it hands over, in that turn, as an agent session
    // does (controller/agents/session.ts ackOutput).
    exec: (target, spec) => {
      const got = { stdout: 0, stderr: 0 };
      return target.exec({ ...spec, onOutput: (d, s) => {
        got[s] += d.length;
        spec.onOutput(d, s);
        if (spec.barrier) void spec.barrier({ ...got });
      } });
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
  await prompt; // the idle delay emitted the prompt (no newline came)
  const at = events.indexOf('output (exec) "Password: "');
  assert.ok(events.slice(at + 1).includes(`point ${atPrompt}/0`), `a point covering the ${atPrompt} bytes up to the prompt follows it:\n${events.join('\n')}`);
  writeFileSync(go, '');
  const state = await done;
  assert.equal(state.result, 'SUCCESS', events.join('\n'));
  const outputs = events.filter((e) => e.startsWith('output (exec)'));
  assert.deepEqual(outputs.slice(-2), ['output (exec) "Password: "', 'output (exec) "ok\\n"'], 'the rest of the line comes once, after the prompt');
  assert.ok(events.includes(`point ${atPrompt + 3}/0`), events.join('\n'));
});
