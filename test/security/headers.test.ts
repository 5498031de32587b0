// Security headers on every answer of the controller's port, whatever writes it: ordinary JSON
// answers, errors, the UI, file and log streams, the SSE streams (which hijack the reply and
// write their own head, so they never pass Fastify's onSend hook), and the plain-text answers
// the agent hub writes on a refused WebSocket upgrade. A real controller, real HTTP.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { SECURITY_HEADERS } from '../../src/controller/auth/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { ADMIN_AUTH, finishedBuild, jsonApi, testConfig } from '../helpers/controller.ts';

/** Status and headers of one answer, reading at most the head (streams stay open otherwise). */
function head(url: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        // A stream: its head and first event are enough.
        if (String(res.headers['content-type']).startsWith('text/event-stream')) { req.destroy(); resolve({ status: res.statusCode ?? 0, headers: res.headers, body }); }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }); });
    req.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'ECONNRESET') reject(e); });
    req.end();
  });
}

function assertSecure(what: string, h: Record<string, string | string[] | undefined>): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(h[k], v, `${what}: header ${k}`);
}

describe('security headers on every answer', () => {
  let c: ControllerHandle;
  const api = jsonApi(() => c.url);
  const u = (p: string) => new URL(p.replace(/^\//, ''), c.url).toString();

  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir('headers'), 'home'), port: '0', executors: '1' }));
    await api('POST', '/api/v1/jobs', { name: 'app', script: "pipeline { agent any; stages { stage('a') { steps { writeFile file: 'a.txt', text: 'x'; archiveArtifacts 'a.txt'; echo 'hello' } } } }" });
    await api('POST', '/api/v1/jobs/app/builds', {});
    await finishedBuild(c.url, 'app', 1);
  });
  after(async () => { await c?.close(); });

  test('the SSE streams (/api/v1/events and console/stream), GET and HEAD, carry them with their own content type', async () => {
    for (const p of ['/api/v1/events', '/api/v1/jobs/app/builds/1/console/stream']) {
      for (const method of ['GET', 'HEAD']) {
        const r = await head(u(p), { method, headers: ADMIN_AUTH });
        assert.equal(r.status, 200, `${method} ${p}`);
        assert.match(String(r.headers['content-type']), /^text\/event-stream/, `${method} ${p}`);
        assert.equal(r.headers['cache-control'], 'no-cache', `${method} ${p}`);
        assertSecure(`${method} ${p}`, r.headers);
      }
    }
  });

  test('file and log streams, JSON answers, errors (401, 404, 415) and webhooks carry them', async () => {
    const cases: [string, string, Record<string, string>, number][] = [
      ['GET', '/api/v1/jobs/app/builds/1/console', ADMIN_AUTH, 200],
      ['GET', '/api/v1/jobs/app/builds/1/artifacts/a.txt', ADMIN_AUTH, 200],
      ['GET', '/api/v1/jobs', ADMIN_AUTH, 200],
      ['GET', '/api/v1/events', {}, 401],
      ['GET', '/api/v1/jobs/app/builds/1/console/stream', {}, 401],
      ['GET', '/api/v1/jobs/app/builds/9/console/stream', ADMIN_AUTH, 404],
      ['GET', '/api/v1/nothing', ADMIN_AUTH, 404],
      ['GET', '/api/v1/users', { authorization: 'Bearer wrong' }, 401],
      ['POST', '/api/v1/webhooks/generic', {}, 415],
      ['GET', '/', {}, 200],
    ];
    for (const [method, p, headers, status] of cases) {
      const r = await head(u(p), { method, headers });
      assert.equal(r.status === 503 && p === '/' ? 200 : r.status, status, `${method} ${p}: ${r.body}`); // '/' is 503 when the UI is not built
      assertSecure(`${method} ${p}`, r.headers);
    }
  });

  test("the agent hub's own answers to refused upgrades carry them too", async () => {
    const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const noSecret = await head(u('/agent'), { headers: { ...upgrade, 'x-kiln-agent-name': 'nobody' } });
    assert.equal(noSecret.status, 401);
    assert.match(noSecret.body, /missing secret for agent 'nobody'/);
    assertSecure('refused agent upgrade', noSecret.headers);
    const elsewhere = await head(u('/api/v1/events'), { headers: { ...upgrade, ...ADMIN_AUTH } });
    assert.equal(elsewhere.status, 404);
    assertSecure('upgrade of another path', elsewhere.headers);
  });

  test('a request the HTTP parser refuses (a raw non-ASCII byte in the path): 400 with them, and no body after a HEAD', async () => {
    const raw = (method: string) => new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(c.url);
      const s = connect(Number(port), hostname, () => s.end(Buffer.from(`${method} /api/v1/jobs/\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n`, 'utf8')));
      let out = '';
      s.setEncoding('latin1').on('data', (d: string) => { out += d; }).on('end', () => resolve(out)).on('error', reject);
    });
    for (const method of ['GET', 'HEAD']) {
      const text = await raw(method);
      const [headText, body] = text.split('\r\n\r\n') as [string, string];
      const lines = headText.split('\r\n');
      assert.equal(lines[0], 'HTTP/1.1 400 Bad Request', `${method}: ${text}`);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      assertSecure(`${method} refused by the parser`, headers);
      assert.equal(Number(headers['content-length']), Buffer.byteLength(body, 'latin1'), `${method}: the body is what the head announces`);
      if (method === 'HEAD') assert.equal(body, '');
      else assert.match(JSON.parse(body).error.message, /malformed HTTP request .*non-ASCII characters percent-encoded/);
    }
  });
});
