// A real HTTP server in the test process for the HTTP service steps' tests: each test gives a
// handler that answers as the service documents (Slack's {"ok":false,"error":...}, GitHub's
// statuses and check-runs, GitLab's statuses, SonarQube's api/ce/task), and reads back what
// the service received (method, path, headers, body).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { method: string; path: string; headers: http.IncomingHttpHeaders; body: string; json: unknown }
export type Handler = (r: Received) => { status?: number; json?: unknown; text?: string; headers?: Record<string, string>; delayMs?: number } | undefined;

export interface TestService { url: string; received: Received[]; close(): Promise<void> }

export async function startService(handler: Handler): Promise<TestService> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      received.push(r);
      const a = handler(r) ?? { status: 404, json: { message: 'Not Found' } };
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status ?? 200, { ...(a.json !== undefined ? { 'Content-Type': 'application/json' } : { 'Content-Type': 'text/plain' }), ...a.headers });
        res.end(a.json !== undefined ? JSON.stringify(a.json) : (a.text ?? ''));
      };
      if (a.delayMs) setTimeout(send, a.delayMs); else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
