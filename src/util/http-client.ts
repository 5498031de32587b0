// One HTTP(S) request from the Kiln process, for the steps that talk to HTTP services (slackSend,
// githubNotify, publishChecks, the GitLab statuses, waitForQualityGate, httpRequest: the
// src/plugins/{slack,checks,http-request,sonar} runtimes). Built on node:http/https rather than
// fetch because the steps need what fetch does not give per request: a timeout that covers the
// whole exchange, `ignoreSslErrors`, a bounded body, and a check of the address a host name
// resolves to *at connect time* (`addressGuard`: httpRequest's SSRF guard, so a DNS answer that
// changes between a check and the connect cannot slip past it).
//
// A large body (deploy's WAR) is `bodyStream`: its chunks are written as they come, waiting for
// the socket to drain, so the request holds a bounded part of it whatever its size.
//
// Errors are HttpCallError with a plain-words message (timeout, refused, TLS, guard, too large).
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import { KilnError } from '../core/errors.ts';

export interface HttpCall {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The body as chunks of a known length, written as they come (instead of `body`). */
  bodyStream?: { length: number; chunks: () => AsyncIterable<Buffer> };
  /** The whole exchange, connect to last byte; 0 or absent: none. */
  timeoutMs?: number;
  /** Accept any TLS certificate (httpRequest's ignoreSslErrors). */
  insecure?: boolean;
  /** Trust this CA (PEM) for https instead of the system's (an OpenShift cluster's own CA). */
  ca?: string;
  signal?: AbortSignal;
  /** The most body bytes kept (default 10 MB); more fails the call. */
  maxBytes?: number;
  /** Called with each address the host name resolves to; a string refuses it with that reason. */
  addressGuard?: (address: string, host: string) => string | null;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  httpVersion: string;
  /** Header names lower-cased, each with its values. */
  headers: Record<string, string[]>;
  body: Buffer;
}

/** A request that got no usable answer (its `kind` says why); an HTTP error status is an answer, not this. */
export class HttpCallError extends KilnError {
  readonly kind: 'timeout' | 'network' | 'guard' | 'too-large' | 'aborted' | 'url';
  constructor(kind: HttpCallError['kind'], message: string) {
    super('http.call', message);
    this.kind = kind;
  }
}

const DEFAULT_MAX = 10 * 1024 * 1024;

/** Addresses a build must not reach from the controller unless allowed: loopback, private, link-local (cloud metadata), unspecified. */
export function privateAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  if (net.isIPv4(a)) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return x === 0 || x === 10 || x === 127 || (x === 169 && y === 254) || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127);
  }
  return a === '::' || a === '::1' || a.startsWith('fe8') || a.startsWith('fe9') || a.startsWith('fea') || a.startsWith('feb') || a.startsWith('fc') || a.startsWith('fd');
}

/**
 * A `lookup` for node:net/http/https (and `ws`) that refuses, at connect time, a host name
 * resolving to an address `guard` names a reason for (HttpCallError 'guard').
 */
export function guardedLookup(guard: (address: string, host: string) => string | null): net.LookupFunction {
  return (hostname, options, cb) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addrs) => {
      if (err) return (cb as (e: Error | null, a: string | dns.LookupAddress[], f?: number) => void)(err, '', 0);
      const list = addrs as dns.LookupAddress[];
      for (const a of list) {
        const why = guard(a.address, hostname);
        if (why) return (cb as (e: Error | null, a: string, f?: number) => void)(new HttpCallError('guard', why), '', 0);
      }
      if ((options as { all?: boolean }).all) return (cb as (e: Error | null, a: dns.LookupAddress[]) => void)(null, list);
      (cb as (e: Error | null, a: string, f: number) => void)(null, list[0]!.address, list[0]!.family);
    });
  };
}

export function httpCall(c: HttpCall): Promise<HttpAnswer> {
  let url: URL;
  try {
    url = new URL(c.url);
  } catch {
    return Promise.reject(new HttpCallError('url', `'${c.url}' is not a URL`));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new HttpCallError('url', `'${c.url}': only http and https URLs`));
  const mod = url.protocol === 'https:' ? https : http;
  const max = c.maxBytes ?? DEFAULT_MAX;
  const guard = c.addressGuard;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (guard && net.isIP(host)) {
    const why = guard(host, host);
    if (why) return Promise.reject(new HttpCallError('guard', why));
  }
  const lookup = guard ? guardedLookup(guard) : undefined;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let done = false;
    const finish = (e: Error | null, a?: HttpAnswer) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      c.signal?.removeEventListener('abort', onAbort);
      if (e) reject(e);
      else resolve(a!);
    };
    const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body, 'utf8');
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    const length = body ? body.length : c.bodyStream?.length;
    if (length !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = String(length);
    const req = mod.request(url, {
      method: c.method,
      headers,
      ...(lookup ? { lookup } : {}),
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !c.insecure, ...(c.ca ? { ca: c.ca } : {}) } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > max) {
          req.destroy();
          finish(new HttpCallError('too-large', `the answer of ${url.origin} is larger than ${max} bytes`));
          return;
        }
        chunks.push(d);
      });
      res.on('error', (e) => finish(new HttpCallError('network', `${url.origin}: ${e.message}`)));
      res.on('end', () => {
        const h: Record<string, string[]> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) (h[res.rawHeaders[i]!.toLowerCase()] ??= []).push(res.rawHeaders[i + 1]!);
        finish(null, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', httpVersion: res.httpVersion, headers: h, body: Buffer.concat(chunks) });
      });
    });
    const timer = c.timeoutMs && c.timeoutMs > 0 ? setTimeout(() => {
      req.destroy();
      finish(new HttpCallError('timeout', `${url.origin} did not answer within ${c.timeoutMs! / 1000} s`));
    }, c.timeoutMs) : null;
    const onAbort = () => {
      req.destroy();
      finish(new HttpCallError('aborted', 'aborted'));
    };
    if (c.signal?.aborted) return onAbort();
    c.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(e instanceof HttpCallError ? e : new HttpCallError('network', `${url.origin}: ${e.message}`)));
    if (!c.bodyStream) return void req.end(body);
    const stream = c.bodyStream;
    void (async () => {
      let sent = 0;
      for await (const chunk of stream.chunks()) {
        if (done) return;
        sent += chunk.length;
        if (sent > stream.length) throw new Error(`the body grew past its ${stream.length} bytes while it was sent`);
        if (!req.write(chunk)) await new Promise<void>((ok) => { req.once('drain', ok); req.once('close', ok); });
      }
      if (sent !== stream.length) throw new Error(`the body had ${sent} bytes, not ${stream.length}, when it was sent`);
      req.end();
    })().catch((e: unknown) => {
      req.destroy();
      finish(e instanceof HttpCallError ? e : new HttpCallError('network', `${url.origin}: ${e instanceof Error ? e.message : String(e)}`));
    });
  });
}

/** The body as JSON, or null when it is not JSON. */
export function jsonOf(a: HttpAnswer): unknown {
  try {
    return JSON.parse(a.body.toString('utf8'));
  } catch {
    return null;
  }
}
