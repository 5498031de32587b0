// The controller's e-mail: the SMTP server configured once (Jenkins' "E-mail Notification" and
// "Extended E-mail Notification" sections) and what builds send through it (the mail plugin's
// `emailext` / `mail`, core/mail.ts MailServices).
//
//   GET  /api/v1/settings/mail        the settings (admin): host, port, security, credentialsId,
//                                     trustCertificate, from, replyTo, defaultSuffix, defaultSubject,
//                                     defaultContent, defaultRecipients; `configured`
//   PUT  /api/v1/settings/mail        replaces them (admin; audit-logged); {} with host '' clears
//   POST /api/v1/settings/mail/test   { to } sends a test e-mail to one address (admin), answering
//                                     what the server said or the failure in plain words
//
// Secrets: the AUTH user and password come from a global username/password credential named by
// id, read at each send and handed only to nodemailer (util/smtp.ts); no answer, log line or
// console line carries the password. Only admins read or change the settings and send test
// mail, so the test button is no relay for anyone else; it sends to one address, a fixed text.
//
// A build's MailServices (`forBuild`): the defaults, `send`, and what recipient providers read:
// developers (the authors of the build's change sets: what its checkouts recorded, as email-ext
// reads Run.getChangeSets), culprits (those and the authors of the builds before it back to the
// last successful one, as workflow-job's culprits), the requestor (the user of the build's 'user'
// cause, with their e-mail), the upstream build's developers, and the console so far.
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MailDefaults, MailMessage, MailPerson, MailServices } from '../core/mail.ts';
import type { Store, JsonValue } from '../store/types.ts';
import { changeSetAuthors, type ChangeSetRecord } from '../pipeline/steps/changesets.ts';
import { SMTP_SECURITY, checkAddress, sendMail, type SmtpSecurity, type SmtpServer, MailError } from '../util/smtp.ts';
import { ApiError, invalidField } from './http-errors.ts';

const run = promisify(execFile);

export interface MailSettings {
  /** '' when no server is configured. */
  host: string;
  port: number;
  security: SmtpSecurity;
  /** A global username/password credential for AUTH; null: no AUTH. */
  credentialsId: string | null;
  /** Accept the server's certificate unchecked (a self-signed one): the admin's explicit choice. */
  trustCertificate: boolean;
  from: string;
  replyTo: string;
  defaultSuffix: string;
  defaultSubject: string;
  defaultContent: string;
  defaultRecipients: string;
}

export const NO_MAIL: MailSettings = {
  host: '', port: 25, security: 'none', credentialsId: null, trustCertificate: false, from: '', replyTo: '', defaultSuffix: '',
  defaultSubject: '', defaultContent: '', defaultRecipients: '',
};

const FIELDS = Object.keys(NO_MAIL) as (keyof MailSettings)[];

function bad(field: string, message: string): ApiError<'invalid'> {
  return invalidField(field, message);
}

function text(b: Record<string, unknown>, field: keyof MailSettings, max: number, multiline = false): string {
  const v = b[field] ?? '';
  if (typeof v !== 'string') throw bad(field, 'must be a string');
  if (v.length > max) throw bad(field, `at most ${max} characters (got ${v.length})`);
  if (!multiline && /[\r\n\0]/.test(v)) throw bad(field, 'must be one line (a line break in a mail header would let it add headers)');
  return multiline ? v : v.trim();
}

/** Checks a PUT body field by field; what is not given takes its default. */
export function checkMailSettings(body: unknown): MailSettings {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('invalid', 'body: the mail settings are an object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!(FIELDS as string[]).includes(k)) throw bad(k, `unknown field (the mail settings are: ${FIELDS.join(', ')})`);
  const host = text(b, 'host', 255);
  if (host && !/^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:.]+\]?$/.test(host)) throw bad('host', `'${host}' is not a host name or IP address`);
  const security = b.security ?? 'none';
  if (typeof security !== 'string' || !(SMTP_SECURITY as readonly string[]).includes(security)) throw bad('security', `one of ${SMTP_SECURITY.join(', ')}`);
  const port = b.port ?? (security === 'ssl' ? 465 : security === 'starttls' ? 587 : 25);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('port', 'a port number from 1 to 65535');
  const cred = b.credentialsId ?? null;
  if (cred !== null && (typeof cred !== 'string' || cred.length > 255)) throw bad('credentialsId', 'the id of a username/password credential, or null');
  const trust = b.trustCertificate ?? false;
  if (typeof trust !== 'boolean') throw bad('trustCertificate', 'true or false');
  const from = text(b, 'from', 500);
  const replyTo = text(b, 'replyTo', 500);
  for (const [f, v] of [['from', from], ['replyTo', replyTo]] as const) {
    if (!v) continue;
    try {
      checkAddress(f, v);
    } catch (e) {
      throw bad(f, (e as Error).message.replace(/^[a-zA-Z]+: /, ''));
    }
  }
  if (host && !from) throw bad('from', 'the default From address is needed to send mail (Jenkins\' System Admin e-mail address)');
  const defaultSuffix = text(b, 'defaultSuffix', 255);
  if (defaultSuffix && !/^@[A-Za-z0-9.-]+$/.test(defaultSuffix)) throw bad('defaultSuffix', `'${defaultSuffix}' is not a suffix like '@example.com'`);
  return {
    host, port, security: security as SmtpSecurity, credentialsId: cred === '' ? null : cred as string | null, trustCertificate: trust,
    from, replyTo, defaultSuffix,
    defaultSubject: text(b, 'defaultSubject', 1000),
    defaultContent: text(b, 'defaultContent', 100_000, true),
    defaultRecipients: text(b, 'defaultRecipients', 10_000),
  };
}

export interface MailHostDeps {
  store: Store;
  /** A global username/password credential's user and password (the credentials store). */
  credential: (id: string) => Promise<{ username: string; password: string }>;
  audit: (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void>;
}

export class MailService {
  readonly #d: MailHostDeps;
  constructor(d: MailHostDeps) {
    this.#d = d;
  }

  async settings(): Promise<MailSettings> {
    const v = await this.#d.store.settings.get('mail');
    if (v === null) return { ...NO_MAIL };
    try {
      return checkMailSettings(v);
    } catch {
      return { ...NO_MAIL };
    }
  }

  /** The settings as the API shows them (no secret: the credential is an id). */
  async view(): Promise<MailSettings & { configured: boolean }> {
    const s = await this.settings();
    return { ...s, configured: s.host !== '' };
  }

  async put(actor: string, body: unknown, address: string): Promise<MailSettings & { configured: boolean }> {
    const s = checkMailSettings(body);
    if (s.credentialsId !== null) await this.#d.credential(s.credentialsId).catch((e: unknown) => { throw bad('credentialsId', (e as Error).message); });
    await this.#d.store.settings.put('mail', s as unknown as JsonValue);
    await this.#d.audit({ actor, action: 'settings.mail', target: 'mail', detail: s.host ? `${s.host}:${s.port} (${s.security})` : 'cleared', address });
    return { ...s, configured: s.host !== '' };
  }

  /** The server to send through, with its password read now; null when none is configured. */
  async server(): Promise<{ server: SmtpServer; settings: MailSettings } | null> {
    const s = await this.settings();
    if (!s.host) return null;
    let auth: { username: string; password: string } | null = null;
    if (s.credentialsId !== null) {
      auth = await this.#d.credential(s.credentialsId).catch((e: unknown) => {
        throw new MailError('auth', `the SMTP credential '${s.credentialsId}' cannot be used: ${(e as Error).message}`);
      });
    }
    return {
      settings: s,
      server: { host: s.host, port: s.port, security: s.security, username: auth?.username ?? null, password: auth?.password ?? null, rejectUnauthorized: !s.trustCertificate },
    };
  }

  async defaults(): Promise<MailDefaults | null> {
    const s = await this.settings();
    if (!s.host) return null;
    return { from: s.from, replyTo: s.replyTo, defaultSuffix: s.defaultSuffix, defaultSubject: s.defaultSubject, defaultContent: s.defaultContent, defaultRecipients: s.defaultRecipients };
  }

  async send(msg: MailMessage): Promise<{ accepted: string[]; rejected: string[] }> {
    const srv = await this.server();
    if (!srv) throw new MailError('settings', NOT_CONFIGURED);
    return sendMail(srv.server, msg);
  }

  /** "Send test e-mail": one fixed message to one address; the outcome in plain words. */
  async test(actor: string, to: unknown, address: string): Promise<{ sent: boolean; message: string }> {
    if (typeof to !== 'string' || !to.trim()) throw bad('to', 'the address to send the test e-mail to');
    try {
      checkAddress('to', to.trim());
    } catch (e) {
      throw bad('to', (e as Error).message.replace(/^to: /, ''));
    }
    const srv = await this.server().catch((e: unknown) => { throw new ApiError('invalid', (e as Error).message); });
    if (!srv) throw new ApiError('invalid', `${NOT_CONFIGURED}; save the settings first`);
    await this.#d.audit({ actor, action: 'settings.mail.test', target: 'mail', detail: `to ${to.trim()}`, address });
    try {
      await sendMail(srv.server, {
        from: srv.settings.from, replyTo: srv.settings.replyTo || null, to: [to.trim()], cc: [], bcc: [],
        subject: 'Test e-mail from Kiln', body: `This is a test e-mail sent by Kiln through ${srv.server.host}:${srv.server.port}.\n`,
        mimeType: 'text/plain', charset: 'UTF-8', attachments: [],
      });
      return { sent: true, message: `Email was successfully sent to ${to.trim()}` };
    } catch (e) {
      return { sent: false, message: (e as Error).message };
    }
  }
}

export const NOT_CONFIGURED = 'this controller has no SMTP server: an administrator sets it in Settings → E-mail (PUT /api/v1/settings/mail)';

/**
 * Runs `fn` on a blob-less bare clone of the repository's branch (in a temporary directory,
 * removed after) that holds the commits `from` and `to` too when they are not on the branch's
 * tip (a pinned commit). The build's Changes (changes.ts) read their commits the same way.
 */
export async function withCommits<T>(o: { url: string; branch: string; from: string | null; to: string; env: NodeJS.ProcessEnv; signal?: AbortSignal }, fn: (dir: string, env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-changes-'));
  try {
    const env = { ...o.env, GIT_TERMINAL_PROMPT: '0' };
    await run('git', ['clone', '--quiet', '--bare', '--filter=blob:none', '--no-tags', '--single-branch', '--branch', o.branch, '--', o.url, dir], { env, timeout: 120_000, ...(o.signal ? { signal: o.signal } : {}) });
    // A pinned commit not on the branch's tip: fetch it too.
    for (const c of [o.from, o.to]) {
      if (!c) continue;
      const has = await run('git', ['-C', dir, 'cat-file', '-e', `${c}^{commit}`], { env }).then(() => true, () => false);
      if (!has) await run('git', ['-C', dir, 'fetch', '--quiet', '--filter=blob:none', 'origin', c], { env, timeout: 120_000 }).catch(() => {});
    }
    return await fn(dir, env);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** What a build's MailServices need from the build manager. */
export interface BuildMailFacts {
  /** This build's change sets so far (its checkouts' changelogs, live from the running build). */
  changeSets(): readonly ChangeSetRecord[];
  /**
   * The change sets of the builds before this one back to (not including) the last successful
   * one, newest first: workflow-job's culprits carry over while the previous build is worse than SUCCESS.
   */
  earlierCulpritSets(): Promise<ChangeSetRecord[]>;
  /** The user who started it, or the upstream build that started it, and so on up (Requester: at most 20 builds up). */
  requestorId(): Promise<string | null>;
  /** The user who started this build itself, if a user did. */
  buildUserId: string | null;
  /** Developers of the upstream build that started it. */
  upstream(): Promise<MailPerson[]>;
  previousResult: string | null;
  console(): Promise<Buffer>;
}

export function buildMail(mail: MailService, store: Store, f: BuildMailFacts): MailServices {
  const person = async (id: string | null): Promise<MailPerson | null> => {
    if (!id) return null;
    const u = await store.users.get(id).catch(() => null);
    return { name: id, email: u?.email ?? null };
  };
  return {
    notConfigured: NOT_CONFIGURED,
    defaults: () => mail.defaults(),
    send: (m) => mail.send(m),
    // email-ext's developers: the authors of this build's change sets.
    developers: async () => changeSetAuthors(f.changeSets()),
    // Its culprits: this build's authors, then those of the failing builds before it.
    culprits: async () => changeSetAuthors([...f.changeSets(), ...(await f.earlierCulpritSets())]),
    requestor: async () => person(await f.requestorId()),
    buildUser: () => person(f.buildUserId),
    upstreamDevelopers: () => f.upstream(),
    previousResult: async () => f.previousResult,
    console: () => f.console(),
  };
}
