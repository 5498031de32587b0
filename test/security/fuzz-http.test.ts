// Fuzzing the controller's HTTP API with a fixed seed and a bounded count. The routes are read
// from the sources (every `.get('/…'`, `.post('/…'` ... in src/controller/, so routes added
// later are fuzzed too). Each request picks a route, a method (its own or another), path
// parameters (valid, empty, '..', encoded, huge, unicode, numbers out of range), a query, a body
// (random JSON, invalid JSON, deep nesting, huge), a content type (right, wrong, absurd) and
// sometimes odd headers (Range, Last-Event-ID, huge values). The controller must never answer
// 500 (or any 5xx but /ready's 503 while starting), never drop a connection, and still serve
// a normal request and run a build afterwards.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { ADMIN_AUTH, finishedBuild, jsonApi, testConfig } from '../helpers/controller.ts';
import { Rng, show } from './fuzz.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

const SEED = Number(process.env.KILN_FUZZ_SEED ?? 0x6b696c6e);
const REQUESTS = Number(process.env.KILN_FUZZ_COUNT ?? 1200);
const CONCURRENCY = 4;

interface Route { method: string; path: string }

/** Every route the controller's sources declare. */
function routesFromSources(): Route[] {
  const root = path.join(import.meta.dirname, '..', '..', 'src', 'controller');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.ts')) files.push(p);
    }
  };
  walk(root);
  const out = new Map<string, Route>();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\.(get|post|put|delete|patch)\(\s*'(\/[^']*)'/g)) {
      out.set(`${m[1]} ${m[2]}`, { method: m[1]!.toUpperCase(), path: m[2]! });
    }
  }
  return [...out.values()];
}

const ODD_SEGMENTS = [
  '', '.', '..', '%2e%2e', '%2E%2E%2F%2E%2E', '%2F', '%5C', '..%5C..', '%00', 'a%00b', '%ff', '%', '%zz', '%c0%ae',
  '-1', '0', '1.5', '1e309', '2147483648', '4294967296', '99999999999999999999', '9007199254740993', 'NaN', '0x10', '%20', '+', 'null', 'undefined',
  '__proto__', 'constructor', 'prototype', '%7B%7D', "'%3B--", '%3Cscript%3E', '%F0%9F%94%A5', 'x'.repeat(2000), 'é',
];

const MEDIA = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/vnd.github+json', '*/*', 'json', ';;;', '',
];

function randomString(r: Rng): string {
  switch (r.int(6)) {
    case 0: return '';
    case 1: return r.pick(ODD_SEGMENTS);
    case 2: return 'x'.repeat(r.int(5000));
    case 3: return String.fromCodePoint(...Array.from({ length: r.int(20) }, () => r.int(0xd7ff)));
    case 4: return r.pick(['fuzz', 'main', 'approve', 'reject', 'admin', 'built-in', 'secret-text', 'https://example.com/r.git', '/tmp', '../..']);
    default: return `v${r.int(1000)}`;
  }
}

function randomJson(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 4 ? 5 : 8);
  switch (k) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 1e-320]);
    case 3: case 4: return randomString(r);
    case 5: return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1));
    default: {
      const keys = ['name', 'script', 'git', 'url', 'branch', 'params', 'labels', 'executors', 'launcher', 'workdir', 'description', 'disabled', 'action', 'user',
        'type', 'id', 'secret', 'username', 'password', 'role', 'token', 'repository', 'commit', 'ref', 'after', '__proto__', 'constructor', randomString(r)];
      const o: Record<string, unknown> = {};
      // defineProperty: a '__proto__' key is data, as JSON.parse makes it, not a prototype.
      for (let i = r.int(6); i > 0; i--) Object.defineProperty(o, r.pick(keys), { value: randomJson(r, depth + 1), enumerable: true, writable: true, configurable: true });
      return o;
    }
  }
}

function randomBody(r: Rng): string | Buffer | null {
  switch (r.int(10)) {
    case 0: return null;
    case 1: return '';
    case 2: return '{"name": ';
    case 3: return '['.repeat(r.pick([100, 10_000, 100_000])) + ']'.repeat(r.pick([0, 100, 100_000]));
    case 4: return Buffer.from(Array.from({ length: r.int(2000) }, () => r.int(256)));
    case 5: return r.chance(0.3) ? JSON.stringify({ pad: 'x'.repeat(13 * 1024 * 1024) }) : JSON.stringify('x'.repeat(r.int(100_000)));
    case 6: return 'a=b&payload=%7B%7D&x';
    default: return JSON.stringify(randomJson(r));
  }
}

interface Sent { method: string; url: string; headers: Record<string, string>; body: string | Buffer | null }
interface Answer { status: number; body: string; stream: boolean }

/**
 * Sends one request on its own connection, exactly as given (no client-side clean-up of the
 * path or headers), reads until the server closes, and checks that what came back is one
 * well-formed response: a status line, headers, and as many body bytes as Content-Length says
 * (none for HEAD). An event stream counts as answered once its headers arrive.
 */
function send(base: URL, s: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = s.body === null ? Buffer.alloc(0) : Buffer.isBuffer(s.body) ? s.body : Buffer.from(s.body, 'utf8');
    const head = [`${s.method} ${s.url} HTTP/1.1`, `Host: ${base.host}`, ...Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`),
      ...(s.body !== null ? [`Content-Length: ${body.length}`] : []), 'Connection: close', '', ''].join('\r\n');
    const sock = net.connect(Number(base.port), base.hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err: Error | null, a?: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(a!);
    };
    const parse = (complete: boolean): Answer | null => {
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return null;
      const lines = data.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0]!);
      if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0]).slice(0, 100)}`);
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const stream = /text\/event-stream/.test(headers.get('content-type') ?? '');
      const rest = data.subarray(end + 4);
      if (stream) return { status: Number(m[1]), body: '', stream };
      if (!complete) return null;
      const cl = headers.get('content-length');
      if (headers.get('transfer-encoding') !== 'chunked') {
        const want = s.method === 'HEAD' || m[1] === '204' || m[1] === '304' ? 0 : cl === undefined ? rest.length : Number(cl);
        if (rest.length !== want) throw new Error(`a malformed response: ${rest.length} body bytes where ${want} were announced (${lines[0]})`);
      }
      return { status: Number(m[1]), body: rest.subarray(0, 4096).toString('latin1'), stream };
    };
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      try {
        const a = parse(false);
        if (a?.stream) finish(null, a);
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.on('end', () => {
      try {
        const a = parse(true);
        finish(a ? null : new Error(`the connection closed without a response (${Buffer.concat(chunks).length} bytes)`), a ?? undefined);
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.on('error', (err) => {
      // A server may stop reading an oversized body and close: fine if it answered first.
      try {
        const a = parse(true);
        if (a) return finish(null, a);
      } catch { /* reported below */ }
      finish(err);
    });
    const timer = setTimeout(() => finish(new Error('no answer within 15 s')), 15_000);
    // No half-close after the body: Node's server would abort the request on the client's FIN.
    sock.write(head);
    if (body.length > 0) sock.write(body);
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
describe(`the HTTP API on the ${kind} store`, () => {
let c: ControllerHandle;
const logLines: string[] = [];
const api = jsonApi(() => c.url);
const { schema, databaseUrl } = freshSchema('kiln_fuzz');

before(async () => {
  const flags = { home: path.join(tempDir('fuzz-http'), 'home'), port: '0', executors: '1', ...(kind === 'postgres' ? { 'database-url': databaseUrl } : {}) };
  c = await startController(testConfig(flags), { log: (l) => logLines.push(l) });
  await api('POST', '/api/v1/jobs', { name: 'fuzz', script: "pipeline { agent any; stages { stage('a') { steps { echo 'fuzzed' } } } }" });
  await api('POST', '/api/v1/agents', { name: 'fz', labels: ['fz'] });
  const b = await api('POST', '/api/v1/jobs/fuzz/builds', {});
  await finishedBuild(c.url, 'fuzz', b.number);
});
after(async () => {
  await c?.close();
  if (kind === 'postgres') await dropSchemas([schema]);
});

test(`${REQUESTS} random requests over every route never get a 5xx, and the controller still works (seed ${SEED})`, async () => {
  const routes = routesFromSources();
  assert.ok(routes.length >= 30, `only ${routes.length} routes found in the sources`);
  const base = new URL(c.url);
  const r = new Rng(SEED);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const requests: Sent[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const route = r.pick(routes);
    const method = r.chance(0.75) ? route.method : r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
    let p = route.path.replace(/:(\w+)|\*/g, (_m, name: string | undefined) => {
      if (r.chance(0.4)) return name === 'job' ? 'fuzz' : name === 'number' ? '1' : name === 'name' ? 'built-in' : 'x';
      const s = r.pick(ODD_SEGMENTS);
      return r.chance(0.5) ? s : encodeURIComponent(randomString(r)).slice(0, 3000);
    });
    if (r.chance(0.3)) p += `?${r.pick(['limit', 'cursor', 'start', 'end', 'from', 'x'])}=${encodeURIComponent(JSON.stringify(randomJson(r)) ?? '').slice(0, 500)}`;
    const headers: Record<string, string> = { ...ADMIN_AUTH };
    const body = method === 'GET' || method === 'HEAD' ? (r.chance(0.1) ? randomBody(r) : null) : randomBody(r);
    if (body !== null || r.chance(0.2)) {
      const type = r.chance(0.6) ? 'application/json' : r.pick(MEDIA);
      if (type !== '') headers['content-type'] = type;
    }
    if (r.chance(0.1)) headers.range = r.pick(['bytes=0-0', 'bytes=-1', 'bytes=5-1', 'bytes=999999999999999999999-', 'bytes=0-1,2-3', 'lines=1', 'bytes=', 'bytes=-']);
    if (r.chance(0.05)) headers['last-event-id'] = r.pick(['-1', '1e400', 'x', '99999999999999999999']);
    if (r.chance(0.05)) headers['x-github-event'] = r.pick(['push', 'ping', '', 'x'.repeat(1000)]);
    if (r.chance(0.03)) headers['x-huge'] = 'h'.repeat(r.pick([1000, 8000]));
    if (r.chance(0.05)) headers.authorization = r.pick(['', 'Bearer', 'Bearer ' + 'x'.repeat(64), 'Basic Og==', 'Bearer \u00ff']);
    if (headers.authorization === '') delete headers.authorization;
    requests.push({ method, url: p, headers, body });
  }
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const s = requests[next++]!;
      const what = `${s.method} ${s.url.slice(0, 200)} ${JSON.stringify(s.headers).slice(0, 200)} body ${s.body === null ? 'none' : show(s.body.toString('latin1'), 200)}`;
      try {
        const a = await send(base, s);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        // 503 is an honest "not now": /ready while starting, the web UI when it is not built.
        const unavailable = a.status === 503 && (s.url.startsWith('/api/v1/ready') || !s.url.startsWith('/api/'));
        if (a.status >= 500 && !unavailable) failures.push(`${what}\n  → ${a.status} ${a.body.slice(0, 500)}`);
      } catch (err) {
        failures.push(`${what}\n  → ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  assert.deepEqual(failures, [], `${failures.length} requests failed (statuses: ${JSON.stringify([...statuses])}):\n${failures.slice(0, 15).join('\n')}`);
  assert.ok((statuses.get(200) ?? 0) > 0 && [...statuses.keys()].some((s) => s >= 400), `a fuzz that only sees one kind of answer tests little: ${JSON.stringify([...statuses])}`);

  // Still alive and well: health, a normal read, a build that runs.
  assert.deepEqual(await api('GET', '/api/v1/health'), { status: 'ok' });
  await api('PUT', '/api/v1/jobs/fuzz', { script: "pipeline { agent any; stages { stage('a') { steps { echo 'after the fuzz' } } } }" }).catch(async () => {
    await api('POST', '/api/v1/jobs', { name: 'fuzz', script: "pipeline { agent any; stages { stage('a') { steps { echo 'after the fuzz' } } } }" });
  });
  const b = await api('POST', '/api/v1/jobs/fuzz/builds', {});
  const done = await finishedBuild(c.url, 'fuzz', b.number);
  assert.equal(done.result, 'SUCCESS');
});

test('random upgrade requests to the agent endpoint never crash it or get a 5xx', async () => {
  const r = new Rng(SEED ^ 0x5a5a);
  const base = new URL(c.url);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const valid = <T>(good: T, bad: readonly T[], p = 0.75): T => (r.chance(p) ? good : r.pick(bad));
    const headers: Record<string, string> = {};
    if (r.chance(0.95)) headers.upgrade = valid('websocket', ['WebSocket', 'h2c', '']);
    if (r.chance(0.95)) headers.connection = valid('Upgrade', ['upgrade, keep-alive', 'close', '']);
    if (r.chance(0.95)) headers['sec-websocket-key'] = valid('dGhlIHNhbXBsZSBub25jZQ==', ['', 'x', '='.repeat(100)]);
    if (r.chance(0.95)) headers['sec-websocket-version'] = valid('13', ['8', '', '99999999999']);
    if (r.chance(0.95)) headers['x-kiln-agent-name'] = valid('fz', ['built-in', '', '..', 'x'.repeat(300), encodeURIComponent('ünï'), 'a%20b', 'evil%00']);
    if (r.chance(0.95)) headers['x-kiln-protocol'] = valid('1', ['0', '2', '-1', 'x', '']);
    if (r.chance(0.95)) headers.authorization = valid(`Bearer ${c.hub.secret('fz')}`, [`Bearer ${c.hub.secret('built-in')}`, `Bearer ${'f'.repeat(64)}`, 'Bearer', 'Basic eDp4', '']);
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    const url = valid('/agent', ['/agent/', '/agent?x=1', '/agent/../agent', '/AGENT', '/agent%00']);
    const status = await new Promise<number>((resolve) => {
      const sock = net.connect(Number(base.port), base.hostname);
      let data = '';
      const done = (n: number) => { clearTimeout(t); sock.destroy(); resolve(n); };
      const t = setTimeout(() => done(0), 5000);
      sock.on('data', (d: Buffer) => {
        data += d.toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
        if (m) done(Number(m[1]));
      });
      sock.on('error', () => done(-1));
      sock.on('close', () => done(data === '' ? -1 : 0));
      sock.write([`GET ${url} HTTP/1.1`, `Host: ${base.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n'));
    });
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    // What Node does not take for an upgrade (or another path) is an ordinary request for the
    // HTTP routes (the UI's, say): any answer but a 5xx (503: the UI is not built); -1: the
    // WebSocket library hung up on a handshake it could not read.
    const fine = status === -1 || (status >= 101 && status < 500) || status === 503;
    assert.ok(fine, `upgrade ${url} ${JSON.stringify(headers).slice(0, 300)} → ${status}`);
  }
  assert.ok((statuses.get(401) ?? 0) > 0 && (statuses.get(101) ?? 0) > 0, JSON.stringify([...statuses]));
  assert.deepEqual(await api('GET', '/api/v1/health'), { status: 'ok' });
});
});
}
