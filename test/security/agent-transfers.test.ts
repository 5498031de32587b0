// A hostile agent against the streamed transfers (readStream / writeStream, session.ts): the
// controller must hold no more than a bounded window of a file in memory whatever credit the
// agent grants, whether or not it reads its socket and acknowledges what it got.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startController, waitFor, type TestController } from '../backends/remote-harness.ts';
import { connectFakeAgent } from './fake-agent.ts';

const build = (job: string, number = 1) => ({ job, number, id: `${job}#${number}` });
const controllers: TestController[] = [];
after(async () => {
  for (const c of controllers) await c.close();
});

test('writeStream: an agent that grants huge credit and then neither reads its socket nor acknowledges gets no more than a window: the controller stops pulling the file', async () => {
  const c = await startController();
  controllers.push(c);
  const secret = c.hub.secret('greedy');
  const agent = await connectFakeAgent(c.url, 'greedy', secret, {
    answer: (req, a) => {
      if (req.type !== 'writeStream') return false;
      a.send({ type: 'credit', id: req.id, bytes: 2 ** 52 });
      // From now on nothing is read: no acknowledgement can come back.
      a.ws.pause();
      return true;
    },
  });
  const ws = await c.hub.backend('greedy').allocate({ build: build('unstash') });
  let pulled = 0;
  const total = 256 * 1024 * 1024;
  async function* source(): AsyncGenerator<Buffer> {
    for (let n = 0; n < total; n += 1024 * 1024) {
      pulled += 1024 * 1024;
      yield Buffer.alloc(1024 * 1024, 7);
    }
  }
  const writing = ws.writeFrom!('big.bin', source()).catch((e: unknown) => e);
  await waitFor(() => pulled > 0, 5000, 'the transfer to start');
  let last = -1;
  for (let i = 0; i < 40 && pulled !== last; i++) {
    last = pulled;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(pulled <= 32 * 1024 * 1024, `the controller pulled ${pulled / 1048576} MiB of the file for an agent that acknowledged none of it`);
  c.hub.endSession('greedy');
  assert.ok((await writing) instanceof Error, 'the write fails once the session ends');
  agent.close();
});
