// Artifactory's REST API as the Artifactory plugin's steps call it, over node:http(s) so that
// artifacts stream both ways (a file is never held whole in memory):
//   deploy       PUT /<repo>/<path>;k=v;...  with X-Checksum-Sha1/-Sha256/-Md5; for a file of
//                10 KB or more a checksum deploy first (X-Checksum-Deploy: true, no body), as the
//                extractor does, then the upload itself when Artifactory does not have the bytes
//   aql          POST /api/search/aql (text/plain items.find(...)) → its results
//   get          GET /<repo>/<path> streamed to a sink
//   publishBuild PUT /api/build (application/vnd.org.jfrog.artifactory+json) → 204
//   promote      POST /api/build/promote/<name>/<number>
//   setProps     PUT /api/storage/<repo>/<path>?properties=k=v1,v2;k2=v3 (rtSetProps)
//   deleteProps  DELETE /api/storage/<repo>/<path>?properties=k,k2 (rtDeleteProps)
// Auth: Basic for a username and password, Bearer for an access token (a secret text), as the
// plugin sends them. Errors are ArtifactoryError with Artifactory's own message ({"errors":
// [{"status":..,"message":..}]}) and never a credential. Network errors and 5xx answers are
// retried `connectionRetry` times (the server's setting, default 3). A server the build defined
// may carry a guard: the controller's own network (loopback, private, link-local addresses) is
// refused at connect time unless an administrator allowed the host, as for httpRequest.
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import { StepFailure } from '../../core/errors.ts';

export interface ArtServer {
  id: string;
  /** Without a trailing slash: 'https://acme.jfrog.io/artifactory'. */
  url: string;
  auth: { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string } | null;
  /** Per request, ms. */
  timeoutMs: number;
  retries: number;
  /**
   * For a server the build defined (rtServer, Artifactory.newServer): a reason to refuse an address
   * its host name resolves to (the controller's own network), checked at connect time; absent: none.
   */
  guard?: (address: string, host: string) => string | null;
}

export class ArtifactoryError extends StepFailure {}

export interface Answer { status: number; statusText: string; body: Buffer }

type Body = { kind: 'buffer'; data: Buffer } | { kind: 'stream'; length: number; open: () => Promise<AsyncIterable<Buffer>> };

function authHeader(s: ArtServer): Record<string, string> {
  if (!s.auth) return {};
  if (s.auth.kind === 'bearer') return { Authorization: `Bearer ${s.auth.token}` };
  return { Authorization: `Basic ${Buffer.from(`${s.auth.username}:${s.auth.password}`).toString('base64')}` };
}

/** Artifactory's error message out of its JSON body ({"errors":[{"message":..}]}), or the start of the text. */
export function errorText(a: Answer): string {
  const text = a.body.toString('utf8');
  try {
    const j = JSON.parse(text) as { errors?: { message?: string }[]; message?: string };
    const m = j.errors?.map((e) => e.message).filter(Boolean).join('; ') || j.message;
    if (m) return String(m).slice(0, 500);
  } catch { /* not JSON */ }
  return text.trim().slice(0, 200) || a.statusText;
}

/**
 * One exchange; `sink` takes a 2xx answer's body as it streams (other answers are read whole,
 * at most 64 KB kept). Retries network errors and 5xx (not when the body was a stream that
 * already started: it is opened again).
 */
export async function call(s: ArtServer, o: { method: string; path: string; headers?: Record<string, string>; body?: Body; sink?: (chunks: AsyncIterable<Buffer>) => Promise<void>; signal: AbortSignal; maxBytes?: number }): Promise<Answer> {
  let last: Error | null = null;
  for (let attempt = 0; attempt <= s.retries; attempt++) {
    if (o.signal.aborted) throw new ArtifactoryError('aborted');
    try {
      const a = await once(s, o);
      if (a.status >= 500 && attempt < s.retries) { last = new ArtifactoryError(`HTTP ${a.status}`); continue; }
      return a;
    } catch (e) {
      if (o.signal.aborted || e instanceof ArtifactoryError) throw e;
      last = e as Error;
    }
  }
  throw new ArtifactoryError(`${s.url}: ${last?.message ?? 'no answer'}${s.retries ? ` (after ${s.retries + 1} attempts)` : ''}`);
}

function once(s: ArtServer, o: Parameters<typeof call>[1]): Promise<Answer> {
  const url = new URL(s.url + o.path);
  const mod = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { 'User-Agent': 'Kiln (Artifactory plugin steps)', ...authHeader(s), ...(o.headers ?? {}) };
  if (o.body) headers['Content-Length'] = String(o.body.kind === 'buffer' ? o.body.data.length : o.body.length);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const guard = s.guard;
  if (guard && net.isIP(host)) {
    const why = guard(host, host);
    if (why) return Promise.reject(new ArtifactoryError(why));
  }
  const lookup: net.LookupFunction | undefined = guard ? (hostname, options, cb) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addrs) => {
      const done = cb as (e: Error | null, a: string | dns.LookupAddress[], f?: number) => void;
      if (err) return done(err, '', 0);
      const list = addrs as dns.LookupAddress[];
      for (const a of list) {
        const why = guard(a.address, hostname);
        if (why) return done(new ArtifactoryError(why), '', 0);
      }
      if ((options as { all?: boolean }).all) return done(null, list);
      done(null, list[0]!.address, list[0]!.family);
    });
  } : undefined;
  return new Promise<Answer>((resolve, reject) => {
    let done = false;
    const finish = (e: Error | null, a?: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (e) reject(e); else resolve(a!);
    };
    const req = mod.request(url, { method: o.method, headers, ...(lookup ? { lookup } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300 && o.sink) {
        o.sink(res).then(() => finish(null, { status, statusText: res.statusMessage ?? '', body: Buffer.alloc(0) }), (e: Error) => { req.destroy(); finish(e); });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const max = o.maxBytes ?? 64 * 1024;
      res.on('data', (d: Buffer) => { size += d.length; if (size <= max) chunks.push(d); else if (o.maxBytes) { req.destroy(); finish(new ArtifactoryError(`${url.origin}: the answer is larger than ${max} bytes`)); } });
      res.on('error', (e) => finish(e));
      res.on('end', () => finish(null, { status, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks) }));
    });
    const timer = setTimeout(() => { req.destroy(); finish(new Error(`no answer within ${s.timeoutMs / 1000} s`)); }, s.timeoutMs);
    const onAbort = () => { req.destroy(); finish(new ArtifactoryError('aborted')); };
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(e));
    if (!o.body) { req.end(); return; }
    if (o.body.kind === 'buffer') { req.end(o.body.data); return; }
    o.body.open().then(async (chunks) => {
      for await (const c of chunks) {
        if (done) return;
        if (!req.write(c)) await new Promise<void>((r) => req.once('drain', () => r()));
      }
      req.end();
    }, (e: Error) => { req.destroy(); finish(e); });
  });
}

/** A repository path as a URL path: each segment encoded. */
export function urlPath(repo: string, p: string): string {
  return `/${encodeURIComponent(repo)}/${p.split('/').map(encodeURIComponent).join('/')}`;
}

/** Properties as matrix parameters: ;k=v1,v2 (keys and values encoded, ',' between values kept). */
export function matrix(props: readonly [string, string[]][]): string {
  return props.map(([k, vs]) => `;${encodeURIComponent(k)}=${vs.map(encodeURIComponent).join(',')}`).join('');
}

export interface Checksums { sha1: string; sha256: string; md5: string }

/** Deploys one file; true when the checksum deploy was enough. Throws with Artifactory's reason. */
export async function deploy(s: ArtServer, repo: string, p: string, props: readonly [string, string[]][], sums: Checksums, body: Extract<Body, { kind: 'stream' }>, signal: AbortSignal): Promise<boolean> {
  const at = urlPath(repo, p) + matrix(props);
  const sumHeaders = { 'X-Checksum-Sha1': sums.sha1, 'X-Checksum-Sha256': sums.sha256, 'X-Checksum-Md5': sums.md5 };
  if (body.length >= 10 * 1024) {
    const c = await call(s, { method: 'PUT', path: at, headers: { ...sumHeaders, 'X-Checksum-Deploy': 'true' }, signal });
    if (c.status === 200 || c.status === 201) return true;
    if (c.status === 401 || c.status === 403) throw new ArtifactoryError(`Failed to deploy file ${repo}/${p}: HTTP ${c.status} ${c.statusText}: ${errorText(c)}`);
  }
  const a = await call(s, { method: 'PUT', path: at, headers: { ...sumHeaders, 'Content-Type': 'application/octet-stream' }, body, signal });
  if (a.status !== 200 && a.status !== 201) throw new ArtifactoryError(`Failed to deploy file ${repo}/${p}: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
  return false;
}

/** Runs an AQL query; its results. */
export async function aql(s: ArtServer, query: string, signal: AbortSignal): Promise<unknown[]> {
  const a = await call(s, { method: 'POST', path: '/api/search/aql', headers: { 'Content-Type': 'text/plain' }, body: { kind: 'buffer', data: Buffer.from(query, 'utf8') }, signal, maxBytes: 64 * 1024 * 1024 });
  if (a.status !== 200) throw new ArtifactoryError(`AQL search failed: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
  let j: { results?: unknown };
  try { j = JSON.parse(a.body.toString('utf8')) as { results?: unknown }; } catch { throw new ArtifactoryError('AQL search failed: the answer is not JSON'); }
  if (!Array.isArray(j.results)) throw new ArtifactoryError('AQL search failed: the answer has no results list');
  return j.results;
}

/** Streams GET /<repo>/<path> into `sink`. */
export async function get(s: ArtServer, repo: string, p: string, sink: (chunks: AsyncIterable<Buffer>) => Promise<void>, signal: AbortSignal): Promise<void> {
  const a = await call(s, { method: 'GET', path: urlPath(repo, p), sink, signal });
  if (a.status < 200 || a.status >= 300) throw new ArtifactoryError(`Failed to download ${repo}/${p}: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
}

export async function publishBuild(s: ArtServer, buildInfo: unknown, project: string, signal: AbortSignal): Promise<void> {
  const a = await call(s, { method: 'PUT', path: `/api/build${project ? `?project=${encodeURIComponent(project)}` : ''}`, headers: { 'Content-Type': 'application/vnd.org.jfrog.artifactory+json' }, body: { kind: 'buffer', data: Buffer.from(JSON.stringify(buildInfo), 'utf8') }, signal });
  if (a.status !== 204 && a.status !== 200 && a.status !== 201) throw new ArtifactoryError(`Failed to publish build info: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
}

export async function promote(s: ArtServer, name: string, number: string, body: unknown, project: string, signal: AbortSignal): Promise<string[]> {
  const a = await call(s, { method: 'POST', path: `/api/build/promote/${encodeURIComponent(name)}/${encodeURIComponent(number)}${project ? `?project=${encodeURIComponent(project)}` : ''}`, headers: { 'Content-Type': 'application/json' }, body: { kind: 'buffer', data: Buffer.from(JSON.stringify(body), 'utf8') }, signal });
  if (a.status !== 200) throw new ArtifactoryError(`Promotion failed: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
  try {
    const j = JSON.parse(a.body.toString('utf8')) as { messages?: { level?: string; message?: string }[] };
    return (j.messages ?? []).map((m) => `${m.level ?? 'INFO'}: ${m.message ?? ''}`);
  } catch {
    return [];
  }
}

/** Artifactory's escaping of a property key or value in ?properties=: ',', ';', '=' and '\\' get a backslash, then URL encoding. */
const propEnc = (x: string) => encodeURIComponent(x.replace(/[\\,;=]/g, (c) => `\\${c}`));

export async function setProps(s: ArtServer, repo: string, p: string, props: readonly [string, string[]][], signal: AbortSignal): Promise<void> {
  const q = props.map(([k, vs]) => `${propEnc(k)}=${vs.map(propEnc).join(',')}`).join(';');
  const a = await call(s, { method: 'PUT', path: `/api/storage${urlPath(repo, p)}?properties=${q}&recursive=0`, signal });
  if (a.status !== 204 && a.status !== 200) throw new ArtifactoryError(`Failed to set properties on ${repo}/${p}: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
}

export async function deleteProps(s: ArtServer, repo: string, p: string, keys: readonly string[], signal: AbortSignal): Promise<void> {
  const a = await call(s, { method: 'DELETE', path: `/api/storage${urlPath(repo, p)}?properties=${keys.map(propEnc).join(',')}&recursive=0`, signal });
  if (a.status !== 204 && a.status !== 200) throw new ArtifactoryError(`Failed to delete properties of ${repo}/${p}: HTTP ${a.status} ${a.statusText}: ${errorText(a)}`);
}
