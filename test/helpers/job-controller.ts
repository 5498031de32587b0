// A controller in the test process for a test file that runs jobs and reads what their builds
// kept (reports, results, files): started before the file's tests, closed after them. `run`
// creates the job (or gives it the new script), builds it and waits for its end.
import { after, before } from 'node:test';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from './tmp.ts';
import { consoleText, finishedBuild, jsonApi, rawApi, testConfig } from './controller.ts';

export interface JobController {
  readonly url: string;
  api: ReturnType<typeof jsonApi>;
  raw: ReturnType<typeof rawApi>;
  run(job: string, script: string): Promise<{ result: string; log: string; number: number }>;
}

export function jobController(prefix: string, executors = 1): JobController {
  let c: ControllerHandle | undefined;
  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir(prefix), 'home'), port: '0', executors: String(executors) }));
  });
  after(async () => { await c?.close(); });
  const url = () => {
    if (!c) throw new Error('the controller has not started (jobController is used in a before hook)');
    return c.url;
  };
  const api = jsonApi(url);
  const raw = rawApi(url);
  return {
    get url() { return url(); },
    api,
    raw,
    async run(job, script) {
      if (!(await raw('GET', `/api/v1/jobs/${job}`)).status.toString().startsWith('2')) await api('POST', '/api/v1/jobs', { name: job, script });
      else await api('PUT', `/api/v1/jobs/${job}`, { script });
      const b = await api('POST', `/api/v1/jobs/${job}/builds`, {});
      const done = await finishedBuild(url(), job, b.number);
      return { result: done.result, log: await consoleText(url(), job, b.number), number: b.number };
    },
  };
}
