// Runs loadPipeline on what the fuzz test sends, in a worker, so that the test can tell a hang
// (no answer in time) from a slow input and stop it. Answers with the result's shape or the
// exception thrown.
import { parentPort } from 'node:worker_threads';
import { loadPipeline, loadPipelineBytes } from '../../src/pipeline/load.ts';
import { registry } from '../helpers/registry.ts';

parentPort!.on('message', (m: { id: number; source: string; bytes: boolean }) => {
  const t0 = performance.now();
  try {
    const r = m.bytes ? loadPipelineBytes(Buffer.from(m.source, 'latin1'), registry) : loadPipeline(m.source, registry);
    parentPort!.postMessage({
      id: m.id, ms: performance.now() - t0, model: r.model !== null,
      diagnostics: r.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, start: d.loc.start, end: d.loc.end })),
    });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ms: performance.now() - t0, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) });
  }
});
