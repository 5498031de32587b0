// The request log's line for a failed request (src/controller/http-log.ts) as an operator's log
// query reads it: a 5xx carries the error, and, when it is one of Kiln's, its stable code as
// `errCode` (docs/architecture.md "Errors"); a library's error has none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { requestLogging } from '../../src/controller/http-log.ts';
import { callbackLogger, type LogRecord } from '../../src/util/log.ts';
import { WorkspaceError } from '../../src/core/workspace.ts';

test('a 5xx from a Kiln error logs its code as errCode; a plain Error logs none', async () => {
  const records: LogRecord[] = [];
  const logging = requestLogging(callbackLogger((_line, rec) => records.push(rec)));
  const app = Fastify({ ...logging.options });
  logging.hook(app);
  app.get('/kiln', async () => { throw new WorkspaceError('io', 'reading x failed'); });
  app.get('/plain', async () => { throw new Error('something else'); });
  try {
    assert.equal((await app.inject({ method: 'GET', url: '/kiln' })).statusCode, 500);
    assert.equal((await app.inject({ method: 'GET', url: '/plain' })).statusCode, 500);
  } finally {
    await app.close();
  }
  const line = (url: string) => {
    const r = records.find((x) => x.msg === 'request completed' && x['url'] === url);
    assert.ok(r, `no request line for ${url}: ${JSON.stringify(records)}`);
    return r as LogRecord & { errCode?: unknown; err?: { message?: unknown } };
  };
  assert.equal(line('/kiln').errCode, 'workspace.io');
  assert.equal(line('/kiln').err?.message, 'reading x failed');
  assert.equal(line('/kiln').level, 'error');
  assert.ok(!('errCode' in line('/plain')));
  assert.equal(line('/plain').err?.message, 'something else');
});

test("a request's URL is logged with its query's secrets hidden and cut at 2 KB, its length said", async () => {
  const records: LogRecord[] = [];
  const logging = requestLogging(callbackLogger((_line, rec) => records.push(rec)));
  const app = Fastify({ ...logging.options });
  logging.hook(app);
  app.get('/x', async () => 'ok');
  const long = `/x?token=hunter2&pad=${'a'.repeat(10_000)}`;
  try {
    assert.equal((await app.inject({ method: 'GET', url: long })).statusCode, 200);
  } finally {
    await app.close();
  }
  const r = records.find((x) => x.msg === 'request completed');
  const url = String(r?.['url']);
  assert.ok(!url.includes('hunter2'), url);
  assert.ok(url.startsWith('/x?token=[redacted]&pad=aaa'), url);
  assert.ok(url.length < 2100, `logged ${url.length} chars`);
  assert.match(url, /…\[10024 chars\]$/);
});
