// A small typed client of the Docker Engine API (v1.41: Docker 20.10 and every later engine),
// over the Unix socket or TCP (+TLS), as DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH say.
// Only what pods need: images, containers, volumes, networks, logs, version. Written against
// the API directly (no dockerode) to keep one dependency fewer and every error in our words.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { KilnError } from '../../core/errors.ts';

const API = '/v1.41';

export interface EngineOptions {
  /** unix:///var/run/docker.sock (default), tcp://host:2376, or a socket path. */
  host?: string;
  /** TLS for tcp:// (client cert and CA, PEM). */
  tls?: { ca?: string; cert?: string; key?: string; verify?: boolean } | null;
  /** Per-request timeout in ms (pulls stream and are exempt). Default 30 s. */
  timeoutMs?: number;
}

export class EngineError extends KilnError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('docker.engine', message);
    this.status = status;
  }
}

/** The engine options the docker CLI would use, from the environment. */
export function engineOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EngineOptions {
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (!host.startsWith('tcp://') || !env.DOCKER_TLS_VERIFY) return { host };
  const dir = env.DOCKER_CERT_PATH || path.join(os.homedir(), '.docker');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { host, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify: true } };
}

export interface ContainerSummary { Id: string; Names: string[]; Labels: Record<string, string>; State: string }
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; ExitCode: number; Error: string; OOMKilled: boolean };
  Config: { Labels: Record<string, string> };
}
export interface ImageInspect { Id: string; Config: { Entrypoint: string[] | null; Cmd: string[] | null; User: string; WorkingDir: string; Env: string[] | null } }

export class Engine {
  readonly host: string;
  readonly #o: EngineOptions;
  constructor(o: EngineOptions = engineOptionsFromEnv()) {
    this.#o = o;
    this.host = o.host ?? 'unix:///var/run/docker.sock';
  }

  /** Raw request; resolves with status and body bytes. `stream` gets the body as it comes. */
  request(method: string, p: string, body?: unknown, o: { stream?: (chunk: Buffer) => void; timeoutMs?: number | null; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Buffer }> {
    const url = this.host;
    const headers: Record<string, string> = { ...o.headers };
    let data: Buffer | undefined;
    if (body !== undefined) {
      data = Buffer.from(JSON.stringify(body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(data.length);
    }
    let opts: http.RequestOptions;
    let mod: typeof http | typeof https = http;
    if (url.startsWith('unix://') || url.startsWith('/')) {
      opts = { socketPath: url.replace(/^unix:\/\//, ''), path: API + p, method, headers };
    } else if (url.startsWith('tcp://') || url.startsWith('http://') || url.startsWith('https://')) {
      const u = new URL(url.replace(/^tcp:/, this.#o.tls ? 'https:' : 'http:'));
      opts = { host: u.hostname, port: u.port || (this.#o.tls ? 2376 : 2375), path: API + p, method, headers };
      if (this.#o.tls || u.protocol === 'https:') {
        mod = https;
        const t = this.#o.tls ?? {};
        Object.assign(opts, { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.verify !== false });
      }
    } else {
      return Promise.reject(new EngineError(0, `DOCKER_HOST '${url}' is not unix://PATH or tcp://HOST:PORT`));
    }
    const timeout = o.timeoutMs === undefined ? this.#o.timeoutMs ?? 30_000 : o.timeoutMs;
    return new Promise((resolve, reject) => {
      const req = mod.request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => { if (o.stream) o.stream(c); else chunks.push(c); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      if (timeout !== null) req.setTimeout(timeout, () => req.destroy(new Error(`no answer within ${timeout} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new EngineError(0, this.#unreachable(e))));
      req.end(data);
    });
  }

  #unreachable(e: NodeJS.ErrnoException): string {
    const code = e.code ?? '';
    const why = code === 'ENOENT' ? 'the socket does not exist (is dockerd running?)'
      : code === 'EACCES' ? 'permission denied on the socket (add the user to the docker group, or run as root)'
      : code === 'ECONNREFUSED' ? 'connection refused (is dockerd running and listening there?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
      : code === 'ETIMEDOUT' || /no answer within/.test(e.message) ? `no answer (${e.message}; a firewall, or the wrong port?)`
      : code === 'ECONNRESET' ? 'the connection was reset (TLS expected on this port? set or unset TLS to match the engine)'
      : /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME/.test(code) ? `the engine's TLS certificate is not trusted (${code}): give its CA certificate, or turn off verification for a self-signed engine`
      : /wrong version number/.test(e.message) ? 'TLS failed: the port answered without TLS (turn TLS off for this engine, or use its TLS port, usually 2376)'
      : /SSL|TLS|EPROTO/i.test(code + e.message) ? `TLS failed (${e.message.split('\n')[0]!.slice(0, 200)}): does this port speak TLS?`
      : e.message;
    return `cannot reach the Docker engine at ${this.host}: ${why}`;
  }

  async json<T>(method: string, p: string, body?: unknown, ok: number[] = [200, 201, 204]): Promise<T> {
    const r = await this.request(method, p, body);
    if (!ok.includes(r.status)) throw new EngineError(r.status, messageOf(r.body) || `HTTP ${r.status} for ${method} ${p}`);
    return (r.body.length ? JSON.parse(r.body.toString('utf8')) : null) as T;
  }

  version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }> {
    return this.json('GET', '/version');
  }

  async imageInspect(name: string): Promise<ImageInspect | null> {
    const r = await this.request('GET', `/images/${encodeURIComponent(name)}/json`);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new EngineError(r.status, messageOf(r.body));
    return JSON.parse(r.body.toString('utf8')) as ImageInspect;
  }

  /** Pulls an image; the progress stream carries errors as {"error": ...} lines, which throw. */
  async pull(image: string, auth?: { username: string; password: string; serveraddress: string }, signal?: AbortSignal): Promise<void> {
    const [repo, tag] = splitRef(image);
    const headers: Record<string, string> = auth ? { 'X-Registry-Auth': Buffer.from(JSON.stringify(auth)).toString('base64url') } : {};
    let error = '';
    let rest = '';
    const p = this.request('POST', `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, undefined, {
      headers, timeoutMs: null,
      stream: (c) => {
        rest += c.toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) {
          try {
            const m = JSON.parse(l) as { error?: string };
            if (m.error) error = m.error;
          } catch { /* partial or non-JSON line */ }
        }
      },
    });
    const r = signal ? await Promise.race([p, new Promise<never>((_, rej) => signal.addEventListener('abort', () => rej(new EngineError(0, `aborted while pulling ${image}`)), { once: true }))]) : await p;
    if (r.status !== 200) throw new EngineError(r.status, messageOf(r.body) || `HTTP ${r.status}`);
    if (error) throw new EngineError(500, error);
  }

  async createContainer(name: string, config: Record<string, unknown>): Promise<string> {
    return (await this.json<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, config)).Id;
  }
  async start(id: string): Promise<void> {
    await this.json('POST', `/containers/${id}/start`, undefined, [204, 304]);
  }
  inspect(id: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${id}/json`);
  }
  /** Resolves with the exit code when the container stops (or is removed). Long poll, no timeout. */
  async wait(id: string): Promise<number> {
    const r = await this.request('POST', `/containers/${id}/wait?condition=not-running`, undefined, { timeoutMs: null });
    if (r.status !== 200) return -1;
    return (JSON.parse(r.body.toString('utf8')) as { StatusCode: number }).StatusCode;
  }
  async remove(id: string): Promise<void> {
    await this.json('DELETE', `/containers/${id}?force=true&v=true`, undefined, [204, 404]);
  }
  listContainers(labelFilters: string[]): Promise<ContainerSummary[]> {
    return this.json('GET', `/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: labelFilters }))}`);
  }
  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.json('POST', '/volumes/create', { Name: name, Labels: labels });
  }
  async removeVolume(name: string): Promise<void> {
    await this.json('DELETE', `/volumes/${encodeURIComponent(name)}?force=true`, undefined, [204, 404]);
  }
  async listVolumes(labelFilters: string[]): Promise<{ Name: string; Labels: Record<string, string> | null }[]> {
    return (await this.json<{ Volumes: { Name: string; Labels: Record<string, string> | null }[] | null }>('GET', `/volumes?filters=${encodeURIComponent(JSON.stringify({ label: labelFilters }))}`)).Volumes ?? [];
  }

  /** The last lines a container printed (stdout and stderr, demultiplexed). */
  async logs(id: string, tail = 20): Promise<string> {
    const r = await this.request('GET', `/containers/${id}/logs?stdout=true&stderr=true&tail=${tail}`);
    if (r.status !== 200) return '';
    return demux(r.body).toString('utf8');
  }
}

/** Docker's multiplexed stream (8-byte headers) to plain bytes; a TTY stream passes unchanged. */
function demux(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= b.length && (b[i] === 1 || b[i] === 2) && b[i + 1] === 0 && b[i + 2] === 0 && b[i + 3] === 0) {
    const n = b.readUInt32BE(i + 4);
    out.push(b.subarray(i + 8, i + 8 + n));
    i += 8 + n;
  }
  return i === 0 ? b : Buffer.concat(out);
}

function messageOf(body: Buffer): string {
  try {
    return (JSON.parse(body.toString('utf8')) as { message?: string }).message ?? '';
  } catch {
    return body.toString('utf8').trim();
  }
}

/** 'reg:5000/app:1' → ['reg:5000/app', '1']; no tag → 'latest'; a digest stays in the repo part. */
export function splitRef(image: string): [string, string] {
  if (image.includes('@')) return [image, ''];
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, 'latest'];
}
