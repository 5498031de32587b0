// S3's REST API as the Pipeline: AWS Steps plugin's S3 steps call it through the AWS SDK, over
// node:http(s) with our own SigV4 (sigv4.ts): no SDK is installed.
//   put          PUT /<key>                      (x-amz-meta-*, x-amz-acl, Cache-Control, ...)
//   multipart    POST ?uploads, PUT ?partNumber=N&uploadId=U, POST ?uploadId=U (Complete...);
//                DELETE ?uploadId=U when a part fails (the SDK's TransferManager above 16 MiB)
//   get          GET /<key> streamed to the caller, its length checked
//   head         HEAD /<key> (s3DoesObjectExist; a 404 is false)
//   delete       DELETE /<key>
//   list         GET ?list-type=2&prefix=&delimiter=/ (ListObjectsV2), every page
//   copy         PUT /<to> with x-amz-copy-source (and an <Error> inside a 200, as S3 can answer)
//   presign      the URL of a GET/PUT/... signed in its query (X-Amz-Expires)
// Addressing: virtual-hosted (https://<bucket>.s3.<region>.amazonaws.com/<key>) by default;
// path-style (<endpoint>/<bucket>/<key>) when the step asks it (pathStyleAccessEnabled), when
// withAWS gave an endpointUrl (MinIO, LocalStack... as the plugin's users set
// pathStyleAccessEnabled for them), or when the bucket name has a dot (its TLS name would not
// match). Payload: every body is in memory and hashed (x-amz-content-sha256: its SHA-256, as
// the SDK signs payloads over http); a file under 16 MiB goes in one PUT, a bigger one in 8 MiB
// parts, so no request holds more than 16 MiB whatever a file's size.
//
// Hostile endpoints: an error or listing answer is read up to a bound (64 KiB / 16 MiB), a
// listing that never ends (the same continuation token again) stops with an error, and the
// controller's own network is refused at connect time by `guard` (the httpRequest settings).
// Errors are S3Error with S3's own code and message, as the SDK words them, never a secret.
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { StepFailure } from '../../core/errors.ts';
import { amzDate, authorization, EMPTY_SHA256, presignQuery, sha256Hex, uriEncode, type AwsKeys } from './sigv4.ts';

export interface S3Config {
  keys: AwsKeys;
  region: string;
  /** AWS_ENDPOINT_URL from withAWS(endpointUrl:), or null for AWS itself. */
  endpoint: URL | null;
  pathStyle: boolean;
  /** Refuses an address a host name resolves to (the controller's own network); absent: none. */
  guard?: (address: string, host: string) => string | null;
  signal: AbortSignal;
  /** No byte for this long fails a request (ms). */
  idleMs?: number;
}

/** An answer of S3 that is an error, in the SDK's words: "<message> (Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey; Request ID: x)". */
export class S3Error extends StepFailure {
  readonly status: number;
  readonly s3Code: string;
  constructor(status: number, code: string, message: string, requestId: string) {
    super(`${message} (Service: Amazon S3; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId || 'null'})`);
    this.status = status;
    this.s3Code = code;
  }
}

const ERROR_MAX = 64 * 1024;
const LIST_MAX = 16 * 1024 * 1024;
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'Contents' || name === 'CommonPrefixes' || name === 'Part' });

/** A bucket name that can go into a host name and a path: S3's rules, with legacy upper case and '_'. */
export function checkBucket(bucket: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) return `'${bucket}' is not an S3 bucket name (letters, digits, '.', '-', '_')`;
  return null;
}

interface Target { url: URL; host: string; path: string }

function target(c: S3Config, bucket: string, key: string): Target {
  const ekey = uriEncode(key, true);
  if (c.endpoint) {
    const base = c.endpoint.pathname.replace(/\/+$/, '');
    const virtual = !c.pathStyle;
    const host = virtual ? `${bucket}.${c.endpoint.host}` : c.endpoint.host;
    const path = virtual ? `${base}/${ekey}` : `${base}/${bucket}${key ? `/${ekey}` : '/'}`;
    return { url: new URL(`${c.endpoint.protocol}//${host}${path}`), host, path };
  }
  const s3host = c.region === 'us-east-1' ? 's3.amazonaws.com' : `s3.${c.region}.amazonaws.com`;
  if (c.pathStyle || bucket.includes('.')) {
    const path = `/${bucket}${key ? `/${ekey}` : '/'}`;
    return { url: new URL(`https://${s3host}${path}`), host: s3host, path };
  }
  const host = `${bucket}.${s3host}`;
  return { url: new URL(`https://${host}/${ekey}`), host, path: `/${ekey}` };
}

export interface Answer { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

interface Req {
  method: string;
  bucket: string;
  key: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: Buffer;
  /** Read the body up to this many bytes (an error's up to 64 KiB whatever this is). */
  maxBytes?: number;
  /** For a GET: hand the answer's stream over instead of reading it (a 2xx only). */
  stream?: boolean;
}

function errorOf(status: number, headers: http.IncomingHttpHeaders, body: Buffer): S3Error {
  let code = '';
  let message = '';
  try {
    const e = (xml.parse(body.toString('utf8')) as { Error?: { Code?: string; Message?: string } }).Error;
    code = String(e?.Code ?? '');
    message = String(e?.Message ?? '');
  } catch { /* not XML */ }
  if (!code) code = status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : status === 301 ? 'PermanentRedirect' : String(status);
  if (!message) message = status === 404 ? 'Not Found' : status === 403 ? 'Forbidden' : `HTTP ${status}`;
  const rid = String(headers['x-amz-request-id'] ?? '');
  return new S3Error(status, code.slice(0, 100), message.slice(0, 500), rid.slice(0, 100));
}

/** One signed request. A non-2xx answer rejects with S3Error; `stream`: resolves with the open answer. */
export function send(c: S3Config, r: Req & { stream: true }): Promise<http.IncomingMessage>;
export function send(c: S3Config, r: Req): Promise<Answer>;
export function send(c: S3Config, r: Req): Promise<Answer | http.IncomingMessage> {
  const t = target(c, r.bucket, r.key);
  const query = r.query ?? [];
  const qs = query.map(([k, v]) => (v === '' && ['uploads', 'delete'].includes(k) ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`)).join('&');
  const body = r.body ?? Buffer.alloc(0);
  const payloadHash = body.length ? sha256Hex(body) : EMPTY_SHA256;
  const now = new Date();
  const headers: Record<string, string> = { host: t.host, 'x-amz-date': amzDate(now), 'x-amz-content-sha256': payloadHash, ...(r.headers ?? {}) };
  if (c.keys.sessionToken) headers['x-amz-security-token'] = c.keys.sessionToken;
  if (r.body !== undefined || r.method === 'PUT' || r.method === 'POST') headers['content-length'] = String(body.length);
  const signed = { ...headers };
  headers.authorization = authorization({ method: r.method, path: t.path, query, headers: signed, payloadHash, region: c.region, service: 's3', date: now }, c.keys);
  const url = new URL(t.url);
  url.search = qs;
  return exchange(c, { url, method: r.method, headers, ...(r.body !== undefined ? { body: r.body } : {}), ...(r.maxBytes !== undefined ? { maxBytes: r.maxBytes } : {}), ...(r.stream ? { stream: true } : {}) }, errorOf);
}

/** A signed request on the wire (every AWS client of the plugin): the guard, the bounds, the abort. */
export interface Exchange {
  url: URL;
  method: string;
  /** Every header, the authorization among them. */
  headers: Record<string, string>;
  body?: Buffer;
  maxBytes?: number;
  stream?: boolean;
}

/** Sends a signed request; a non-2xx answer rejects with what `errorOf` makes of it. */
export function exchange(c: S3Config, r: Exchange, errorOf: (status: number, headers: http.IncomingHttpHeaders, body: Buffer) => Error): Promise<Answer | http.IncomingMessage> {
  const { url, headers } = r;
  const guard = c.guard;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (guard && net.isIP(hostname)) {
    const why = guard(hostname, hostname);
    if (why) return Promise.reject(new StepFailure(why));
  }
  const lookup: net.LookupFunction | undefined = guard ? (name, options, cb) => {
    dns.lookup(name, { ...options, all: true }, (err, addrs) => {
      const done = cb as (e: Error | null, a: string | dns.LookupAddress[], f?: number) => void;
      if (err) return done(err, '', 0);
      const list = addrs as dns.LookupAddress[];
      for (const a of list) {
        const why = guard(a.address, name);
        if (why) return done(new StepFailure(why), '', 0);
      }
      if ((options as { all?: boolean }).all) return done(null, list);
      done(null, list[0]!.address, list[0]!.family);
    });
  } : undefined;
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (e: Error | null, a?: Answer | http.IncomingMessage) => {
      if (finished) return;
      finished = true;
      c.signal.removeEventListener('abort', onAbort);
      if (e) reject(e);
      else resolve(a!);
    };
    const where = `${url.protocol}//${url.host}`;
    const req = mod.request(url, { method: r.method, headers, ...(lookup ? { lookup } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      if (ok && r.stream) {
        res.setTimeout(c.idleMs ?? 120_000, () => res.destroy(new Error(`${where} sent nothing for ${(c.idleMs ?? 120_000) / 1000} s`)));
        return finish(null, res);
      }
      const max = ok ? (r.maxBytes ?? LIST_MAX) : ERROR_MAX;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > max) {
          if (!ok) return; // enough of an error's text: the rest is dropped
          req.destroy();
          return finish(new StepFailure(`the answer of ${where} is larger than ${max} bytes`));
        }
        chunks.push(d);
      });
      res.on('error', (e) => finish(new StepFailure(`${where}: ${e.message}`)));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        if (!ok) return finish(errorOf(status, res.headers, b));
        finish(null, { status, headers: res.headers, body: b });
      });
    });
    req.setTimeout(c.idleMs ?? 120_000, () => req.destroy(new StepFailure(`${where} did not answer for ${(c.idleMs ?? 120_000) / 1000} s`)));
    const onAbort = () => {
      req.destroy();
      finish(c.signal.reason instanceof Error ? c.signal.reason : new StepFailure('aborted'));
    };
    if (c.signal.aborted) return onAbort();
    c.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(e instanceof StepFailure ? e : new StepFailure(`Unable to execute HTTP request: ${where}: ${e.message}`)));
    req.end(r.body);
  });
}

/** An S3 answer whose body is an <Error> although its status is 200 (CopyObject, CompleteMultipartUpload). */
function errorInside(a: Answer): void {
  if (/^\s*(<\?xml[^>]*>\s*)?<Error>/.test(a.body.toString('utf8', 0, 200))) throw errorOf(500, a.headers, a.body);
}

export const PART_BYTES = 8 * 1024 * 1024;
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;

/** Uploads chunks of unknown grouping as one object: one PUT below the threshold, else a multipart upload. */
export async function putStream(c: S3Config, bucket: string, key: string, headers: Record<string, string>, size: number, chunks: AsyncIterable<Buffer>): Promise<void> {
  if (size < MULTIPART_THRESHOLD) {
    const parts: Buffer[] = [];
    for await (const ch of chunks) parts.push(ch);
    await send(c, { method: 'PUT', bucket, key, headers, body: Buffer.concat(parts), maxBytes: ERROR_MAX });
    return;
  }
  const init = await send(c, { method: 'POST', bucket, key, query: [['uploads', '']], headers, maxBytes: ERROR_MAX });
  const uploadId = String((xml.parse(init.body.toString('utf8')) as { InitiateMultipartUploadResult?: { UploadId?: string } }).InitiateMultipartUploadResult?.UploadId ?? '');
  if (!uploadId) throw new StepFailure(`S3 answered the start of a multipart upload of s3://${bucket}/${key} without an UploadId`);
  const etags: string[] = [];
  try {
    let pending: Buffer[] = [];
    let have = 0;
    const flush = async () => {
      const body = Buffer.concat(pending, have);
      pending = [];
      have = 0;
      const n = etags.length + 1;
      const a = await send(c, { method: 'PUT', bucket, key, query: [['partNumber', String(n)], ['uploadId', uploadId]], body, maxBytes: ERROR_MAX });
      etags.push(String(a.headers.etag ?? ''));
    };
    for await (const ch of chunks) {
      let off = 0;
      while (off < ch.length) {
        const take = Math.min(PART_BYTES - have, ch.length - off);
        pending.push(ch.subarray(off, off + take));
        have += take;
        off += take;
        if (have === PART_BYTES) await flush();
      }
    }
    if (have > 0 || etags.length === 0) await flush();
    const doc = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${etags.map((e, i) => `<Part><ETag>${escapeXml(e)}</ETag><PartNumber>${i + 1}</PartNumber></Part>`).join('')}</CompleteMultipartUpload>`;
    const done = await send(c, { method: 'POST', bucket, key, query: [['uploadId', uploadId]], body: Buffer.from(doc, 'utf8'), headers: { 'content-type': 'application/xml' }, maxBytes: ERROR_MAX });
    errorInside(done);
  } catch (e) {
    await send({ ...c, signal: new AbortController().signal }, { method: 'DELETE', bucket, key, query: [['uploadId', uploadId]], maxBytes: ERROR_MAX }).catch(() => {});
    throw e;
  }
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** GET of an object: its size (Content-Length) and its bytes as they come, the length checked at the end. */
export async function getStream(c: S3Config, bucket: string, key: string): Promise<{ size: number; chunks: AsyncIterable<Buffer> }> {
  const res = await send(c, { method: 'GET', bucket, key, stream: true });
  const size = Number(res.headers['content-length'] ?? -1);
  return {
    size,
    chunks: (async function* () {
      // The build's abort stops the transfer (the file being written is then removed by writeChunks).
      const onAbort = () => res.destroy(c.signal.reason instanceof Error ? c.signal.reason : new StepFailure('aborted'));
      if (c.signal.aborted) onAbort();
      c.signal.addEventListener('abort', onAbort, { once: true });
      let got = 0;
      try {
        for await (const ch of res as AsyncIterable<Buffer>) {
          got += ch.length;
          if (size >= 0 && got > size) throw new StepFailure(`s3://${bucket}/${key}: S3 sent more bytes than its Content-Length (${size})`);
          yield ch;
        }
        if (size >= 0 && got !== size) throw new StepFailure(`s3://${bucket}/${key}: the download ended after ${got} of ${size} bytes`);
      } catch (e) {
        if (e instanceof StepFailure || c.signal.aborted) throw e;
        throw new StepFailure(`s3://${bucket}/${key}: the download broke after ${got}${size >= 0 ? ` of ${size}` : ''} bytes (${(e as Error).message})`);
      } finally {
        c.signal.removeEventListener('abort', onAbort);
        if (!res.complete) res.destroy();
      }
    })(),
  };
}

export async function exists(c: S3Config, bucket: string, key: string): Promise<boolean> {
  try {
    await send(c, { method: 'HEAD', bucket, key, maxBytes: 0 });
    return true;
  } catch (e) {
    if (e instanceof S3Error && e.status === 404 && e.s3Code !== 'NoSuchBucket') return false;
    throw e;
  }
}

export async function del(c: S3Config, bucket: string, key: string): Promise<void> {
  await send(c, { method: 'DELETE', bucket, key, maxBytes: ERROR_MAX });
}

export interface Listed { objects: { key: string; size: number; lastModified: number }[]; prefixes: string[] }

/** ListObjectsV2 of `prefix` with `delimiter`, every page; `each` is called per page. */
export async function list(c: S3Config, bucket: string, prefix: string, delimiter: string, each: (page: Listed) => void | Promise<void>): Promise<void> {
  let token = '';
  const seen = new Set<string>();
  for (;;) {
    const query: [string, string][] = [['list-type', '2'], ['prefix', prefix]];
    if (delimiter) query.push(['delimiter', delimiter]);
    if (token) query.push(['continuation-token', token]);
    const a = await send(c, { method: 'GET', bucket, key: '', query, maxBytes: LIST_MAX });
    type Doc = { ListBucketResult?: { Contents?: { Key?: string; Size?: string; LastModified?: string }[]; CommonPrefixes?: { Prefix?: string }[]; IsTruncated?: string; NextContinuationToken?: string } };
    const r = (xml.parse(a.body.toString('utf8')) as Doc).ListBucketResult;
    if (!r) throw new StepFailure(`S3 answered the listing of s3://${bucket}/${prefix} with no ListBucketResult`);
    await each({
      objects: (r.Contents ?? []).map((o) => ({ key: String(o.Key ?? ''), size: Number(o.Size ?? 0) || 0, lastModified: Date.parse(String(o.LastModified ?? '')) || 0 })),
      prefixes: (r.CommonPrefixes ?? []).map((p) => String(p.Prefix ?? '')).filter(Boolean),
    });
    if (String(r.IsTruncated) !== 'true') return;
    token = String(r.NextContinuationToken ?? '');
    if (!token || seen.has(token)) throw new StepFailure(`S3's listing of s3://${bucket}/${prefix} does not end (its continuation token ${token ? 'repeats' : 'is missing'})`);
    seen.add(token);
  }
}

export async function copy(c: S3Config, from: { bucket: string; key: string }, to: { bucket: string; key: string }, headers: Record<string, string>): Promise<void> {
  const a = await send(c, { method: 'PUT', bucket: to.bucket, key: to.key, headers: { 'x-amz-copy-source': `/${from.bucket}/${uriEncode(from.key, true)}`, ...headers }, maxBytes: ERROR_MAX });
  errorInside(a);
}

export function presign(c: S3Config, bucket: string, key: string, method: string, seconds: number): string {
  const t = target(c, bucket, key);
  const q = presignQuery({ method, path: t.path, query: [], headers: { host: t.host }, region: c.region, service: 's3', date: new Date() }, c.keys, seconds);
  return `${t.url.origin}${t.path}?${q}`;
}
