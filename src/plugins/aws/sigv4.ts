// AWS Signature Version 4, as S3 checks it (no AWS SDK is installed): the canonical request,
// the string to sign, the signing key derived from the secret, then either the Authorization
// header (header auth: every request of the S3 steps) or the X-Amz-* query parameters of a
// presigned URL (s3PresignURL). test/plugins/aws/sigv4.test.ts checks both against the example
// requests and signatures of AWS's S3 documentation ("Signature Calculations for the
// Authorization Header", "Authenticating Requests: Using Query Parameters").
//
// How, as S3 wants it (which differs from other services in one point): the path is URI-encoded
// once, segment by segment ('/' kept), never twice; query names and values are encoded and
// sorted; header names are lower-cased, values trimmed with runs of spaces collapsed; the
// payload hash is the hex SHA-256 of the body, or 'UNSIGNED-PAYLOAD' (as the SDK sends a
// streamed body over https, and every presigned URL).
import { createHash, createHmac } from 'node:crypto';

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  /** A temporary credential's token (AWS_SESSION_TOKEN), sent as X-Amz-Security-Token. */
  sessionToken?: string;
}

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: every byte but A-Z a-z 0-9 - . _ ~ (and '/' when `keepSlash`). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** '20130524T000000Z' of a date. */
export const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export interface SignInput {
  method: string;
  /** The request's path, already encoded (uriEncode(key, true) after the bucket). */
  path: string;
  /** Query parameters, not encoded. */
  query: readonly (readonly [string, string])[];
  /** Headers to sign (host among them); names in any case. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
  region: string;
  service: string;
  date: Date;
}

export function canonicalQuery(query: readonly (readonly [string, string])[]): string {
  return query.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

function canonical(i: SignInput): { request: string; signedHeaders: string } {
  const hs = Object.entries(i.headers).map(([k, v]) => [k.toLowerCase(), String(v).trim().replace(/ +/g, ' ')] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const signedHeaders = hs.map(([k]) => k).join(';');
  const request = [i.method, i.path || '/', canonicalQuery(i.query), hs.map(([k, v]) => `${k}:${v}\n`).join(''), signedHeaders, i.payloadHash].join('\n');
  return { request, signedHeaders };
}

const scopeOf = (i: SignInput): string => `${amzDate(i.date).slice(0, 8)}/${i.region}/${i.service}/aws4_request`;

export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
}

/** The string to sign and the signature of a request (for tests and the two forms below). */
export function signature(i: SignInput, keys: AwsKeys): { canonicalRequest: string; stringToSign: string; signature: string; signedHeaders: string } {
  const { request, signedHeaders } = canonical(i);
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate(i.date), scopeOf(i), sha256Hex(request)].join('\n');
  const sig = createHmac('sha256', signingKey(keys.secretAccessKey, amzDate(i.date).slice(0, 8), i.region, i.service)).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest: request, stringToSign, signature: sig, signedHeaders };
}

/**
 * The Authorization header of a request whose `headers` already hold host, x-amz-date and
 * x-amz-content-sha256 (and x-amz-security-token with a session token).
 */
export function authorization(i: SignInput, keys: AwsKeys): string {
  const s = signature(i, keys);
  return `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scopeOf(i)}, SignedHeaders=${s.signedHeaders}, Signature=${s.signature}`;
}

/**
 * The query string of a presigned URL (X-Amz-Algorithm ... X-Amz-Signature) for `expires`
 * seconds from `i.date`; `i.headers` is just { host }, the payload is UNSIGNED-PAYLOAD.
 */
export function presignQuery(i: Omit<SignInput, 'payloadHash'>, keys: AwsKeys, expires: number): string {
  const q: [string, string][] = [...i.query.map(([k, v]) => [k, v] as [string, string]),
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${keys.accessKeyId}/${scopeOf({ ...i, payloadHash: '' })}`],
    ['X-Amz-Date', amzDate(i.date)],
    ['X-Amz-Expires', String(expires)],
    ...(keys.sessionToken ? [['X-Amz-Security-Token', keys.sessionToken] as [string, string]] : []),
    ['X-Amz-SignedHeaders', Object.keys(i.headers).map((k) => k.toLowerCase()).sort().join(';')]];
  const s = signature({ ...i, query: q, payloadHash: UNSIGNED_PAYLOAD }, keys);
  return `${canonicalQuery(q)}&X-Amz-Signature=${s.signature}`;
}
