// A small S3 in the test process, over real HTTP, for the S3 steps' tests: path-style
// addressing (http://127.0.0.1:<port>/<bucket>/<key>), and S3's REST API as its documentation
// gives it: PUT/GET/HEAD/DELETE object, CopyObject (x-amz-copy-source), ListObjectsV2 (prefix,
// delimiter, continuation tokens; a page size the test sets), multipart upload (?uploads,
// ?partNumber&uploadId, Complete, Abort), and S3's XML errors (NoSuchBucket, NoSuchKey,
// AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, XAmzContentSHA256Mismatch).
//
// Every request's SigV4 signature is verified with the secret of its access key, by this
// file's own implementation of the algorithm (it shares no code with src/plugins/aws/sigv4.ts,
// so a mistake in one is not repeated in the other): header auth, or a presigned URL's query
// (X-Amz-Expires checked). A signed payload hash must match the body.
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface StoredObject { data: Buffer; headers: Record<string, string>; lastModified: Date }
export interface Seen { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; bodyBytes: number; auth: 'header' | 'query' }

export interface S3Server {
  url: string;
  buckets: Map<string, Map<string, StoredObject>>;
  seen: Seen[];
  /** Keys (bucket/key prefixes) every request to which is AccessDenied. */
  denied: string[];
  /** ListObjectsV2's page size (S3: 1000). */
  pageSize: number;
  /** Answers a request instead of S3 (a hostile endpoint); undefined: S3 answers. */
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  close(): Promise<void>;
}

const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function error(res: http.ServerResponse, status: number, code: string, message: string, head = false): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ123' });
  res.end(head ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEsc(message)}</Message><RequestId>REQ123</RequestId></Error>`);
}

/** The raw query's pairs, decoded. */
function pairs(raw: string): [string, string][] {
  if (!raw) return [];
  return raw.split('&').map((p) => {
    const i = p.indexOf('=');
    const k = i < 0 ? p : p.slice(0, i);
    const v = i < 0 ? '' : p.slice(i + 1);
    return [decodeURIComponent(k), decodeURIComponent(v)];
  });
}

/** Verifies a request's signature; returns an error [code, message] or null. */
function verify(req: http.IncomingMessage, body: Buffer, secrets: Record<string, string>): [number, string, string] | null | 'query' {
  const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?') as [string, string?];
  let q = pairs(rawQuery);
  const auth = req.headers.authorization;
  let cred: string;
  let signedHeaders: string;
  let sig: string;
  let date: string;
  let payload: string;
  const presigned = !auth && q.some(([k]) => k === 'X-Amz-Signature');
  if (auth) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed'];
    [, cred, signedHeaders, sig] = m as unknown as [string, string, string, string];
    date = String(req.headers['x-amz-date'] ?? '');
    payload = String(req.headers['x-amz-content-sha256'] ?? '');
    if (!payload) return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
    if (!signedHeaders.split(';').includes('x-amz-content-sha256') || !signedHeaders.split(';').includes('host')) return [403, 'AccessDenied', 'host and x-amz-content-sha256 must be signed'];
    if (payload !== 'UNSIGNED-PAYLOAD' && payload !== hex(body)) return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
  } else if (presigned) {
    const get = (k: string) => q.find(([n]) => n === k)?.[1] ?? '';
    cred = get('X-Amz-Credential');
    signedHeaders = get('X-Amz-SignedHeaders');
    sig = get('X-Amz-Signature');
    date = get('X-Amz-Date');
    payload = 'UNSIGNED-PAYLOAD';
    const t = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(t + Number(get('X-Amz-Expires')) * 1000 > Date.now())) return [403, 'AccessDenied', 'Request has expired'];
    q = q.filter(([k]) => k !== 'X-Amz-Signature');
  } else return [403, 'AccessDenied', 'Access Denied'];
  const [keyId, day, region, service, term] = cred.split('/');
  const secret = secrets[keyId ?? ''];
  if (secret === undefined) return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  if (service !== 's3' || term !== 'aws4_request' || !date.startsWith(day ?? 'x')) return [403, 'AuthorizationHeaderMalformed', 'bad credential scope'];
  const headerLines = signedHeaders.split(';').map((h) => {
    const vals: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === h) vals.push(req.rawHeaders[i + 1]!.trim().replace(/ +/g, ' '));
    return `${h}:${vals.join(',')}\n`;
  }).join('');
  const cq = q.map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&');
  const creq = [req.method, rawPath, cq, headerLines, signedHeaders, payload].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${hex(creq)}`;
  let k: Buffer = createHmac('sha256', `AWS4${secret}`).update(day!).digest();
  for (const part of [region!, 's3', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const want = createHmac('sha256', k).update(sts).digest('hex');
  if (want !== sig) return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  return presigned ? 'query' : null;
}

export async function startS3(secrets: Record<string, string>, buckets: string[]): Promise<S3Server> {
  const store = new Map<string, Map<string, StoredObject>>(buckets.map((b) => [b, new Map()]));
  const uploads = new Map<string, { bucket: string; key: string; headers: Record<string, string>; parts: Map<number, Buffer> }>();
  let nextUpload = 1;
  const s: S3Server = { url: '', buckets: store, seen: [], denied: [], pageSize: 1000, close: async () => {} };
  const server = http.createServer((req, res) => {
    if (s.intercept?.(req, res)) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const head = req.method === 'HEAD';
      const v = verify(req, body, secrets);
      const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?') as [string, string?];
      const query = new URLSearchParams(rawQuery);
      s.seen.push({ method: req.method ?? '', path: rawPath, query, headers: req.headers, bodyBytes: body.length, auth: v === 'query' ? 'query' : 'header' });
      if (Array.isArray(v)) return error(res, v[0], v[1], v[2], head);
      const segs = rawPath.split('/');
      const bucket = decodeURIComponent(segs[1] ?? '');
      const key = segs.slice(2).map(decodeURIComponent).join('/');
      const objects = store.get(bucket);
      if (!objects) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', head);
      if (s.denied.some((d) => `${bucket}/${key}`.startsWith(d))) return error(res, 403, 'AccessDenied', 'Access Denied', head);
      const meta = (): Record<string, string> => {
        const h: Record<string, string> = {};
        for (const [n, val] of Object.entries(req.headers)) {
          if (/^(x-amz-meta-|x-amz-acl|x-amz-tagging|x-amz-server-side-encryption|x-amz-website-redirect-location|content-type|content-encoding|content-disposition|cache-control)/.test(n)) h[n] = String(val);
        }
        return h;
      };
      const m = req.method;
      if (!key && m === 'GET' && query.get('list-type') === '2') {
        const prefix = query.get('prefix') ?? '';
        const delim = query.get('delimiter') ?? '';
        const all = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        const entries: { key?: string; prefix?: string }[] = [];
        const seenPre = new Set<string>();
        for (const k of all) {
          const i = delim ? k.indexOf(delim, prefix.length) : -1;
          if (i >= 0) {
            const p = k.slice(0, i + delim.length);
            if (!seenPre.has(p)) { seenPre.add(p); entries.push({ prefix: p }); }
          } else entries.push({ key: k });
        }
        const start = Number(query.get('continuation-token') ?? 0);
        const page = entries.slice(start, start + s.pageSize);
        const more = start + s.pageSize < entries.length;
        const x = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${xmlEsc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${s.pageSize}</MaxKeys><IsTruncated>${more}</IsTruncated>${more ? `<NextContinuationToken>${start + s.pageSize}</NextContinuationToken>` : ''}${page.map((e) => (e.key !== undefined
          ? `<Contents><Key>${xmlEsc(e.key)}</Key><LastModified>${objects.get(e.key)!.lastModified.toISOString()}</LastModified><ETag>"x"</ETag><Size>${objects.get(e.key)!.data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
          : `<CommonPrefixes><Prefix>${xmlEsc(e.prefix!)}</Prefix></CommonPrefixes>`)).join('')}</ListBucketResult>`;
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(x);
      }
      if (!key) return error(res, 400, 'InvalidRequest', 'no key');
      if (m === 'POST' && query.has('uploads')) {
        const id = `up-${nextUpload++}`;
        uploads.set(id, { bucket, key, headers: meta(), parts: new Map() });
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(`<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${xmlEsc(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
      }
      if (query.has('uploadId')) {
        const up = uploads.get(query.get('uploadId')!);
        if (!up) return error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
        if (m === 'PUT') {
          up.parts.set(Number(query.get('partNumber')), body);
          res.writeHead(200, { etag: `"${hex(body).slice(0, 32)}"` });
          return res.end();
        }
        if (m === 'DELETE') {
          uploads.delete(query.get('uploadId')!);
          res.writeHead(204);
          return res.end();
        }
        if (m === 'POST') {
          const nums = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((x) => Number(x[1]));
          const data = Buffer.concat(nums.map((n) => up.parts.get(n) ?? Buffer.alloc(0)));
          objects.set(key, { data, headers: up.headers, lastModified: new Date() });
          uploads.delete(query.get('uploadId')!);
          res.writeHead(200, { 'content-type': 'application/xml' });
          return res.end(`<CompleteMultipartUploadResult><Key>${xmlEsc(key)}</Key></CompleteMultipartUploadResult>`);
        }
      }
      if (m === 'PUT' && req.headers['x-amz-copy-source']) {
        const src = decodeURIComponent(String(req.headers['x-amz-copy-source'])).replace(/^\//, '');
        const i = src.indexOf('/');
        const from = store.get(src.slice(0, i))?.get(src.slice(i + 1));
        if (!from) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        const headers = req.headers['x-amz-metadata-directive'] === 'REPLACE' ? meta() : { ...from.headers };
        objects.set(key, { data: Buffer.from(from.data), headers, lastModified: new Date() });
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end('<CopyObjectResult><ETag>"x"</ETag></CopyObjectResult>');
      }
      if (m === 'PUT') {
        objects.set(key, { data: body, headers: meta(), lastModified: new Date() });
        res.writeHead(200, { etag: '"x"' });
        return res.end();
      }
      const o = objects.get(key);
      if (m === 'DELETE') {
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      }
      if (!o) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.', head);
      res.writeHead(200, { 'content-length': String(o.data.length), 'last-modified': o.lastModified.toUTCString(), ...o.headers });
      return res.end(head ? undefined : o.data);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return s;
}
