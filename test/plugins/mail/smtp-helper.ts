// A real SMTP server in the test process (the smtp-server library), receiving what Kiln sends:
// plain, STARTTLS or SSL with a self-signed certificate made by openssl, AUTH optional or
// required, a recipient refused on demand. Each message is kept raw and read by a small MIME
// reader (headers, text/html parts, attachments) so tests assert what a recipient would see.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../../helpers/tmp.ts';

export interface Part { headers: Map<string, string>; body: Buffer }
export interface Received {
  envelopeFrom: string;
  rcpt: string[];
  user: string | null;
  secure: boolean;
  raw: string;
  headers: Map<string, string>;
  text: string | null;
  html: string | null;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export interface TestSmtp {
  port: number;
  messages: Received[];
  /** The next message received (resolves at once when one is waiting). */
  next(): Promise<Received>;
  close(): Promise<void>;
}

/** A self-signed certificate for localhost / 127.0.0.1, made with openssl. */
export function selfSigned(): { key: string; cert: string } {
  const dir = tempDir('smtp-cert');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`these tests need openssl to make the SMTP server's certificate: ${(e as Error).message}`);
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

function decodeWords(v: string): string {
  return v.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _cs: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function splitHeaders(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), decodeWords(line.slice(i + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): Buffer {
  const enc = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1');
  }
  return Buffer.from(body, 'latin1');
}

function parts(headers: Map<string, string>, body: string): Part[] {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) return [{ headers, body: decodeBody(headers, body) }];
  const out: Part[] = [];
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const p = splitHeaders(chunk.replace(/^\r\n/, '').replace(/\r\n$/, ''));
    out.push(...parts(p.headers, p.body));
  }
  return out;
}

export function readMessage(raw: string): Pick<Received, 'headers' | 'text' | 'html' | 'attachments'> {
  const { headers, body } = splitHeaders(raw);
  let text: string | null = null;
  let html: string | null = null;
  const attachments: Received['attachments'] = [];
  for (const p of parts(headers, body)) {
    const type = (p.headers.get('content-type') ?? 'text/plain').toLowerCase();
    const disp = p.headers.get('content-disposition') ?? '';
    const filename = /filename="?([^";]+)"?/i.exec(disp)?.[1] ?? /name="?([^";]+)"?/i.exec(p.headers.get('content-type') ?? '')?.[1];
    if (disp.toLowerCase().startsWith('attachment') && filename) attachments.push({ filename, contentType: type.split(';')[0]!, content: p.body });
    else if (type.startsWith('text/html')) html = p.body.toString('utf8');
    else if (type.startsWith('text/plain')) text = p.body.toString('utf8');
  }
  return { headers, text, html, attachments };
}

export async function startSmtp(o: {
  security?: 'none' | 'starttls' | 'ssl';
  tls?: { key: string; cert: string };
  auth?: { user: string; pass: string };
  /** Addresses whose RCPT TO is refused with 550. */
  refuse?: string[];
  /** Refuses every message at DATA with this answer. */
  rejectData?: string;
} = {}): Promise<TestSmtp> {
  const messages: Received[] = [];
  const waiting: ((m: Received) => void)[] = [];
  const security = o.security ?? 'none';
  const options: SMTPServerOptions = {
    secure: security === 'ssl',
    ...(o.tls ? { key: o.tls.key, cert: o.tls.cert } : {}),
    hideSTARTTLS: security === 'none',
    authOptional: !o.auth,
    allowInsecureAuth: true,
    disabledCommands: o.auth ? [] : ['AUTH'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(addr, _session, cb) {
      if (o.refuse?.includes(addr.address)) cb(Object.assign(new Error(`No such user here: ${addr.address}`), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (o.rejectData) {
          cb(Object.assign(new Error(o.rejectData), { responseCode: 554 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('latin1');
        const m: Received = {
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt: session.envelope.rcptTo.map((r) => r.address),
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
          raw,
          ...readMessage(raw),
        };
        messages.push(m);
        waiting.shift()?.(m);
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  let read = 0;
  return {
    port,
    messages,
    next() {
      if (read < messages.length) return Promise.resolve(messages[read++]!);
      return new Promise((resolve) => waiting.push((m) => { read++; resolve(m); }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
