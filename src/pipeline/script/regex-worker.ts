// A regex worker thread (started by regex-pool.ts): runs one scan at a time for the
// controller's thread and posts the result back. A scan that runs past its deadline is not
// interrupted here (JavaScript cannot interrupt a running RegExp): the pool terminates the
// whole thread, which is why regexes that may backtrack for long run here and not inline.
import { parentPort } from 'node:worker_threads';
import { scan, type ScanRequest } from './regex-scan.ts';

export interface WorkerRequest {
  readonly id: number;
  readonly req: ScanRequest;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly groups: number; readonly count: number; readonly spans: Int32Array; readonly truncated: boolean }
  | { readonly id: number; readonly ok: false; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('regex-worker.ts runs as a worker thread (new Worker), not as a main module');

port.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const r = scan(msg.req);
    reply = { id: msg.id, ok: true, groups: r.groups, count: r.count, spans: r.spans, truncated: r.truncated };
  } catch (err) {
    reply = { id: msg.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, reply.ok ? [reply.spans.buffer as ArrayBuffer] : []);
});
