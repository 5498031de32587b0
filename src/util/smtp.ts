// Sending e-mail over SMTP with nodemailer, for the hosts of the mail plugin (the controller's
// SMTP settings and its "Send test e-mail", `kiln run` with KILN_SMTP_URL). One place knows the
// server's settings, how they become a nodemailer transport, and how nodemailer's failures read
// in plain words ("SMTP authentication failed. Check mail credentials.", "the SMTP server's
// certificate is not trusted (self-signed certificate) ..."), so every caller says the same.
//
// Security: the password is only handed to nodemailer (never in a message or an error: a
// failure's text comes from the server's answer and the error code, never from the settings);
// nodemailer's own logger is off; file and URL attachments are refused (content only). A header
// value with a CR or LF is refused before anything is sent (`checkHeader`, `checkAddress`).
// nodemailer is imported on first send: `kiln lint` and a controller without mail never load it.
import { isIP } from 'node:net';
import { KilnError } from '../core/errors.ts';
import type { MailMessage } from '../core/mail.ts';

/** How the connection is secured: plain (no STARTTLS even when offered), STARTTLS required, or SSL/TLS from the start (smtps, port 465). */
export type SmtpSecurity = 'none' | 'starttls' | 'ssl';
export const SMTP_SECURITY: readonly SmtpSecurity[] = ['none', 'starttls', 'ssl'];

export interface SmtpServer {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** AUTH user and password; both null: no AUTH. */
  username: string | null;
  password: string | null;
  /** False only when an administrator chose to trust the server's certificate unchecked (a self-signed one). */
  rejectUnauthorized: boolean;
}

/** A mail failure (its `kind` says which), or mail settings that cannot be used. */
export class MailError extends KilnError {
  readonly kind: 'auth' | 'recipients' | 'connection' | 'tls' | 'refused' | 'settings';
  constructor(kind: MailError['kind'], message: string, options?: { cause?: unknown }) {
    super(kind === 'settings' ? 'mail.settings' : 'mail.send', message, options);
    this.kind = kind;
  }
}

/** Refuses a header value that could add headers (CR, LF or NUL): header injection. */
export function checkHeader(what: string, value: string, max = 2000): string {
  if (/[\r\n\0]/.test(value)) throw new MailError('settings', `${what} contains a line break, which would let it add mail headers: refused`);
  if (value.length > max) throw new MailError('settings', `${what} is ${value.length} characters long: at most ${max}`);
  return value;
}

const ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

/**
 * Checks one address, bare (`a@b.c`) or with a display name (`Kiln <a@b.c>`); returns it as given.
 * Refuses line breaks, several addresses in one and anything that is not an address.
 */
export function checkAddress(what: string, value: string): string {
  checkHeader(what, value);
  const v = value.trim();
  const m = /^(?:"?([^"<>]*)"?\s*)<([^<>]+)>$/.exec(v);
  const bare = m ? m[2]!.trim() : v;
  if (!ADDRESS.test(bare)) throw new MailError('settings', `${what}: '${v.slice(0, 200)}' is not an e-mail address`);
  return v;
}

/**
 * Reads `KILN_SMTP_URL`: `smtp://[user:password@]host[:port]` (plain, or STARTTLS with
 * `?starttls=true`), `smtps://...` (SSL/TLS from the start); `?tls.rejectUnauthorized=false`
 * trusts a self-signed certificate. User and password are percent-decoded.
 */
export function smtpFromUrl(url: string): SmtpServer {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MailError('settings', 'KILN_SMTP_URL is not a URL: write smtp://[user:password@]host[:port][?starttls=true] or smtps://...');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new MailError('settings', `KILN_SMTP_URL: the scheme is '${u.protocol.replace(/:$/, '')}', not smtp or smtps`);
  if (!u.hostname) throw new MailError('settings', 'KILN_SMTP_URL names no host');
  const ssl = u.protocol === 'smtps:';
  const starttls = u.searchParams.get('starttls');
  if (starttls !== null && starttls !== 'true' && starttls !== 'false') throw new MailError('settings', `KILN_SMTP_URL: starttls is '${starttls}', not true or false`);
  const reject = u.searchParams.get('tls.rejectUnauthorized');
  if (reject !== null && reject !== 'true' && reject !== 'false') throw new MailError('settings', `KILN_SMTP_URL: tls.rejectUnauthorized is '${reject}', not true or false`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : ssl ? 465 : 25,
    security: ssl ? 'ssl' : starttls === 'true' ? 'starttls' : 'none',
    username: u.username ? decodeURIComponent(u.username) : null,
    password: u.password ? decodeURIComponent(u.password) : null,
    rejectUnauthorized: reject !== 'false',
  };
}

/** Sends `msg` over `server`; what the server accepted and refused, or a MailError in plain words. */
export async function sendMail(server: SmtpServer, msg: MailMessage): Promise<{ accepted: string[]; rejected: string[] }> {
  const nodemailer = (await import('nodemailer')).default;
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.security === 'ssl',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    ...(server.username !== null ? { auth: { user: server.username, pass: server.password ?? '' } } : {}),
    tls: { rejectUnauthorized: server.rejectUnauthorized, ...(isIP(server.host) ? {} : { servername: server.host }) },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: msg.from,
      ...(msg.replyTo ? { replyTo: msg.replyTo } : {}),
      ...(msg.to.length ? { to: msg.to } : {}),
      ...(msg.cc.length ? { cc: msg.cc } : {}),
      ...(msg.bcc.length ? { bcc: msg.bcc } : {}),
      subject: msg.subject,
      ...(msg.mimeType === 'text/html' ? { html: msg.body } : { text: msg.body }),
      encoding: 'quoted-printable',
      textEncoding: 'quoted-printable',
      attachments: msg.attachments.map((a) => ({ filename: a.filename, content: a.content, ...(a.contentType ? { contentType: a.contentType } : {}) })),
    });
    return { accepted: (info.accepted ?? []).map(String), rejected: (info.rejected ?? []).map(String) };
  } catch (err) {
    throw explain(server, err);
  } finally {
    transport.close();
  }
}

/** A nodemailer failure in plain words; never the settings' password. */
export function explain(server: SmtpServer, err: unknown): MailError {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string; command?: string };
  const where = `${server.host}:${server.port}`;
  const said = e.response ? ` (the server said: ${e.response.slice(0, 300)})` : '';
  const text = String(e.message ?? err);
  if (e.code === 'EAUTH') return new MailError('auth', `SMTP authentication failed. Check mail credentials${said || `: ${text}`}`, { cause: err });
  if (e.code === 'ENOAUTH') return new MailError('auth', `SMTP authentication failed: no user name or password for ${where}`, { cause: err });
  if (/self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer certificate|certificate has expired|Hostname\/IP does not match/i.test(text)) {
    const why = text.replace(/^.*?: /, '').split(';')[0]!.trim();
    return new MailError('tls', `the SMTP server ${where} presented a certificate that is not trusted (${why}); use a certificate from a trusted authority, ` +
      "or, if you know this server, trust it unchecked (the SMTP settings' 'Trust the server's certificate without checking'; for kiln run, ?tls.rejectUnauthorized=false in KILN_SMTP_URL)", { cause: err });
  }
  if (e.code === 'ETLS' || /STARTTLS|wrong version number|ssl3_get_record|packet length too long/i.test(text)) {
    return new MailError('tls', `could not secure the connection to the SMTP server ${where}: ${text}; check the port and whether it expects SSL/TLS (usually 465) or STARTTLS (usually 587)`, { cause: err });
  }
  if (e.code === 'EENVELOPE') return new MailError('recipients', `Email sending failed due to invalid recipient address${said || `: ${text}`}`, { cause: err });
  if (e.code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(text)) return new MailError('connection', `could not find the SMTP server ${server.host}: no such host`, { cause: err });
  if (/ECONNREFUSED/.test(text)) return new MailError('connection', `could not connect to the SMTP server ${where}: connection refused (is a mail server listening there?)`, { cause: err });
  if (e.code === 'ETIMEDOUT' || /timeout/i.test(text)) return new MailError('connection', `the SMTP server ${where} did not answer in time`, { cause: err });
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET') return new MailError('connection', `SMTP communication error while sending email to ${where}: ${text}`, { cause: err });
  if (e.responseCode !== undefined) return new MailError('refused', `the SMTP server ${where} refused the message${said || `: ${text}`}`, { cause: err });
  return new MailError('connection', `SMTP communication error while sending email: ${text}`, { cause: err });
}
