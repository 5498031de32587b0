// A plain HTTPS client for the fake's own tests: requests with the bearer token and the fake's
// CA, and watches read line by line.
import https from 'node:https';
import http from 'node:http';
import type { FakeKube } from './index.ts';

export interface Reply {
  status: number;
  body: string;
  json: Record<string, unknown> & { metadata?: Record<string, unknown>; items?: unknown[] };
  headers: http.IncomingHttpHeaders;
}

export function request(kube: Pick<FakeKube, 'url' | 'token' | 'caPem'>, method: string, path: string, body?: unknown, o: { token?: string | null; contentType?: string; accept?: string } = {}): Promise<Reply> {
  const u = new URL(path, kube.url);
  const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const headers: Record<string, string> = { Accept: o.accept ?? 'application/json' };
  const token = o.token === undefined ? kube.token : o.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (data) {
    headers['Content-Type'] = o.contentType ?? 'application/json';
    headers['Content-Length'] = String(data.length);
  }
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method, headers, ...(kube.caPem ? { ca: kube.caPem } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body: text, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

export interface WatchEvent { type: string; object: Record<string, unknown> & { metadata: Record<string, unknown> } }

/** A watch (or any streamed GET): events as they come, `next()` waits for the next one, `close()` hangs up. */
export class Watch {
  readonly events: WatchEvent[] = [];
  readonly lines: string[] = [];
  status = 0;
  ended = false;
  text = '';
  #req: http.ClientRequest;
  #waiters: (() => void)[] = [];
  readonly started: Promise<number>;

  constructor(kube: Pick<FakeKube, 'url' | 'token' | 'caPem'>, path: string, o: { raw?: boolean } = {}) {
    const u = new URL(path, kube.url);
    const mod = u.protocol === 'https:' ? https : http;
    let started!: (n: number) => void;
    this.started = new Promise((r) => { started = r; });
    this.#req = mod.request(u, { headers: { Authorization: `Bearer ${kube.token}`, Accept: 'application/json' }, ...(kube.caPem ? { ca: kube.caPem } : {}) }, (res) => {
      this.status = res.statusCode ?? 0;
      started(this.status);
      let rest = '';
      res.on('data', (c: Buffer) => {
        const s = c.toString('utf8');
        this.text += s;
        rest += s;
        const parts = rest.split('\n');
        rest = parts.pop() ?? '';
        for (const l of parts) {
          this.lines.push(l);
          if (!o.raw && l.trim()) {
            try {
              this.events.push(JSON.parse(l) as WatchEvent);
            } catch { /* a status body */ }
          }
        }
        this.#wake();
      });
      res.on('end', () => {
        if (rest) this.lines.push(rest);
        this.ended = true;
        this.#wake();
      });
      res.on('error', () => { this.ended = true; this.#wake(); });
    });
    this.#req.on('error', () => { this.ended = true; started(0); this.#wake(); });
    this.#req.end();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until `pred` holds over what arrived (or the stream ended), within `timeoutMs`. */
  async until(pred: (w: Watch) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (this.ended) throw new Error(`the stream ended before the condition held; got: ${this.text.slice(0, 2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`condition not met within ${timeoutMs} ms; got: ${this.text.slice(0, 2000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  close(): void {
    this.#req.destroy();
  }
}
