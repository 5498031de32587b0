// The UI's plumbing: live events over SSE, lint for the editor, and the web files with their
// caching, the app's fallback, and paths that try to leave the directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { registerWeb } from '../../src/controller/web.ts';
import { tempDir } from '../helpers/tmp.ts';
import { adminFetch, consoleText, finishedBuild, jsonApi, rawApi, testConfig } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('live'), 'home'), port: '0', executors: '1' }));
});
after(async () => { await c?.close(); });

/** Reads SSE events from the stream until `until` says stop. */
async function collect(res: Response, until: (events: { type: string; data: any }[]) => boolean): Promise<{ type: string; data: any }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { type: string; data: any }[] = [];
  let buf = '';
  const deadline = setTimeout(() => void reader.cancel(), 15_000);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
  return events;
}

test('GET /api/v1/events: job, queue and build changes arrive as they happen; nothing without a login', async () => {
  assert.equal((await raw('GET', 'api/v1/events', undefined, { authorization: '' })).status, 401);
  // HEAD answers at once (the fuzzer found it waiting forever).
  const head = await adminFetch(new URL('api/v1/events', c.url), { method: 'HEAD', signal: AbortSignal.timeout(5000) });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const res = await adminFetch(new URL('api/v1/events', c.url));
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const seen = collect(res, (ev) => ev.some((e) => e.type === 'build' && e.data.job === 'live' && e.data.status === 'finished'));
  await api('POST', '/api/v1/jobs', { name: 'live', script: `pipeline { agent { label 'nowhere' }; stages { stage('A') { steps { echo 'x' } } } }` });
  const b = await api('POST', '/api/v1/jobs/live/builds', {});
  // It waits for an executor labelled 'nowhere': the queue changes; cancelling ends the build.
  let item: { id: string } | undefined;
  for (let i = 0; i < 200 && !item; i++) {
    item = (await api('GET', '/api/v1/queue')).items.find((q: { job: string }) => q.job === 'live');
    if (!item) await new Promise((r) => setTimeout(r, 10));
  }
  await api('DELETE', `/api/v1/queue/${item!.id}`);
  const events = await seen;
  assert.ok(events.some((e) => e.type === 'job' && e.data.name === 'live'), JSON.stringify(events));
  assert.ok(events.some((e) => e.type === 'queue'), JSON.stringify(events));
  const last = events.filter((e) => e.type === 'build').at(-1)!;
  assert.deepEqual(last.data, { job: 'live', number: b.number, status: 'finished', result: 'ABORTED' });
});

test('POST /api/v1/lint: every problem with its range, nothing saved', async () => {
  const ok = await api('POST', '/api/v1/lint', { script: `pipeline { agent any; stages { stage('A') { steps { echo 'x' } } } }` });
  assert.deepEqual(ok.diagnostics, []);
  const bad = await api('POST', '/api/v1/lint', { script: `pipeline {\n  agent any\n  stages {\n    stage('A') { steps { ech 'x' } }\n  }\n  tools { nope 'x' }\n}` });
  assert.ok(bad.diagnostics.length >= 1);
  const d = bad.diagnostics.find((x: { message: string }) => /ech/.test(x.message));
  assert.ok(d, JSON.stringify(bad.diagnostics));
  assert.deepEqual([d.line, d.col, d.severity], [4, 26, 'error']);
  assert.ok(d.endLine >= d.line);
  assert.equal((await raw('POST', 'api/v1/lint', {})).status, 400);
  assert.equal((await api('GET', '/api/v1/jobs')).jobs.some((j: { name: string }) => j.name === 'A'), false);
});

test('the web UI files: cached assets, the app for any page path, 404 for a missing asset, no way out of the directory', async () => {
  const base = tempDir('web');
  const dir = path.join(base, 'dist');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Kiln</title><script type="module" src="/assets/app-1a2b.js"></script>');
  writeFileSync(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(path.join(base, 'secret.txt'), 'outside');
  const app = Fastify();
  app.decorateRequest('principal', null);
  registerWeb(app, { dir, publicUrl: () => 'http://127.0.0.1/' });
  const get = (url: string) => app.inject({ method: 'GET', url });

  const index = await get('/');
  assert.equal(index.statusCode, 200);
  assert.match(index.headers['content-type'] as string, /^text\/html/);
  assert.equal(index.headers['cache-control'], 'no-cache');
  const asset = await get('/assets/app-1a2b.js');
  assert.equal(asset.body, 'console.log(1)');
  assert.match(asset.headers['content-type'] as string, /^text\/javascript/);
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  const page = await get('/jobs/app/builds/3?tab=console');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<title>Kiln<\/title>/);
  assert.equal((await get('/assets/old-9z9z.js')).statusCode, 404);
  for (const evil of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/assets/%00.js']) {
    const r = await get(evil);
    assert.equal(r.body.includes('outside'), false, evil);
    assert.ok(r.statusCode === 200 || r.statusCode === 404 || r.statusCode === 400, `${evil}: ${r.statusCode}`);
  }
  assert.equal((await get('/%E0%A4%A')).statusCode, 400);
  // Unknown API paths are not pages.
  assert.equal((await get('/api/v1/nope')).statusCode, 401);
  await app.close();

  const empty = Fastify();
  empty.decorateRequest('principal', null);
  registerWeb(empty, { dir: path.join(dir, 'missing'), publicUrl: () => 'http://127.0.0.1/' });
  const r = await empty.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 503);
  assert.match(r.body, /The web UI is not built .* Build it with: npm run build:web/s);
  await empty.close();
});

test('console sections: where each stage and step starts and ends, by byte offset', async () => {
  await api('POST', '/api/v1/jobs', { name: 'sections', script: `pipeline { agent any; stages { stage('One') { steps { echo 'a'; sh 'echo b' } }; stage('Two') { steps { echo 'c' } } } }` });
  const b = await api('POST', '/api/v1/jobs/sections/builds', {});
  await finishedBuild(c.url, 'sections', b.number);
  const { sections } = await api('GET', `/api/v1/jobs/sections/builds/${b.number}/console/sections`);
  const stages = sections.filter((s: { kind: string }) => s.kind.startsWith('stage'));
  assert.deepEqual(stages.map((s: { kind: string; name: string }) => `${s.kind} ${s.name}`), ['stage-start One', 'stage-end One', 'stage-start Two', 'stage-end Two']);
  assert.ok(sections.some((s: { kind: string; name: string }) => s.kind === 'step-start' && s.name === 'sh'));
  const offsets = sections.map((s: { offset: number }) => s.offset);
  assert.deepEqual(offsets, [...offsets].sort((x: number, y: number) => x - y));
  const text = await consoleText(c.url, 'sections', b.number);
  assert.ok(offsets.every((o: number) => o <= Buffer.byteLength(text)));
});
