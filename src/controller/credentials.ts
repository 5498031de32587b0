// The controller's credentials: validation of the secret fields, encryption at rest, scoping,
// and the lookup builds use (`credentials('id')`, `withCredentials`, `git credentialsId:`).
//
// Encryption. One key, `<home>/secrets/credentials.key`: 32 random bytes made on first start
// (mode 0600, written whole before it appears). A key file that exists but cannot be read, or
// is not 32 bytes (or 64 hex digits), stops the start with an error saying what to do. Each
// credential's secret fields are one JSON payload, encrypted with AES-256-GCM under a fresh
// random 96-bit IV, with `kiln-credential:v1 \0 <id> \0 <type>` as additional authenticated
// data: a ciphertext altered, or copied to another credential's row, does not decrypt. The
// store keeps the envelope `kiln:v1:<key fingerprint>:<base64 iv|ciphertext|tag>`; the key
// fingerprint (an HMAC of a constant under the key: it reveals nothing of the key) tells "the
// controller's key is not the one this was encrypted with" (home moved without secrets/) apart
// from "the ciphertext was tampered with"; both are errors naming the credential, never garbage.
//
// What is secret and what is not. Encrypted: secret text, password, file bytes, private key,
// passphrase, keystore bytes and password, an Azure service principal's ids and secret, and
// (inside the payload, authenticated) the username and file name too. Shown in the API as metadata, as Jenkins shows it in its credentials list:
// id, type, description, scope, the username (usernamePassword, sshKey) and file name
// (secretFile), times, and usedBy. Builds get the payload's copy of username and file name.
//
// Scope. A credential is global (folder null: every job) or belongs to a folder ('team-a':
// only jobs named team-a/..., at any depth). A job asking for a credential it cannot see gets
// exactly the error a missing one gives, so existence is not revealed. Where the folder has
// permissions set, a job inside it must also be allowed to bind it (the `authorize` hook:
// auth/folders.ts, whose rights the job's builds act with); a refusal says who must do what.
//
// Usage. When a build resolves a credential, (credential, job, build number) is recorded; when
// a build ends, the job's records from earlier builds go: `usedBy` = jobs whose last build
// bound it.
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Credential } from '../core/credentials.ts';
import { CREDENTIAL_ID, checkCredentialFolder, checkCredentialId, checkCredentialType } from '../store/credentials.ts';
import { StoreError, type CredentialRecord, type CredentialType, type CredentialUse, type Store } from '../store/types.ts';
import type { ScriptChooser } from './auth/folders.ts';
import { KilnError } from '../core/errors.ts';

// ---------------------------------------------------------------------------------------------
// the key

export const KEY_BYTES = 32;

/** The key file cannot be used: the controller must not start. */
export class CredentialsKeyError extends KilnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('credentials.key', message, options);
  }
}

export function credentialsKeyFile(home: string): string {
  return path.join(home, 'secrets', 'credentials.key');
}

/**
 * Reads `<home>/secrets/credentials.key`, making it (32 random bytes, 0600) when absent. The
 * file is written under a temporary name and linked into place, so a concurrent start or a
 * crash never leaves a short key behind. `created` says whether this call made it.
 */
export async function loadCredentialsKey(home: string): Promise<{ key: Buffer; file: string; created: boolean; warning: string | null }> {
  const file = credentialsKeyFile(home);
  let created = false;
  let data: Buffer | null = await readKey(file);
  if (data === null) {
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fsp.writeFile(tmp, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
      await fsp.chmod(tmp, 0o600);
      await fsp.link(tmp, file).then(() => { created = true; }, (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e; // another controller made it first: use theirs
      });
    } catch (e) {
      throw new CredentialsKeyError(`cannot create the credentials key ${file}: ${(e as Error).message}`, { cause: e });
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    data = await readKey(file);
    if (data === null) throw new CredentialsKeyError(`the credentials key ${file} vanished right after it was created`);
  }
  const key = parseKey(data, file);
  let warning: string | null = null;
  const st = await fsp.stat(file);
  if ((st.mode & 0o077) !== 0) {
    warning = `the credentials key ${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 on it`;
  }
  return { key, file, created, warning };
}

async function readKey(file: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new CredentialsKeyError(
      `cannot read the credentials key ${file} (${code ?? (e as Error).message}): the controller needs it to decrypt stored credentials. ` +
      'Make it readable by the user running Kiln (mode 0600); do not delete it unless no credentials are stored, or they all become unreadable', { cause: e });
  }
}

function parseKey(data: Buffer, file: string): Buffer {
  if (data.length === KEY_BYTES) return Buffer.from(data);
  const text = data.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  throw new CredentialsKeyError(
    `the credentials key ${file} is ${data.length} bytes; it must be ${KEY_BYTES} bytes (or 64 hex digits). ` +
    'Restore the original file from a backup of <home>/secrets/; if no credentials were ever stored, delete it and a new key is made at start');
}

// ---------------------------------------------------------------------------------------------
// the cipher

const ENVELOPE = /^kiln:v1:([0-9a-f]{16}):([A-Za-z0-9+/]+={0,2})$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A credential's secret could not be decrypted; the message names it and says why. */
export class CredentialDecryptError extends KilnError {
  readonly reason: 'wrong-key' | 'tampered' | 'malformed';
  constructor(reason: 'wrong-key' | 'tampered' | 'malformed', message: string) {
    super('credentials.decrypt', message);
    this.reason = reason;
  }
}

export class CredentialCipher {
  readonly #key: Buffer;
  /** 16 hex digits identifying the key (an HMAC under it; reveals nothing of it). */
  readonly fingerprint: string;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new CredentialsKeyError(`a credentials key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.fingerprint = createHmac('sha256', this.#key).update('kiln credentials key fingerprint').digest('hex').slice(0, 16);
  }

  encrypt(id: string, type: CredentialType, plaintext: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    c.setAAD(aad(id, type));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return `kiln:v1:${this.fingerprint}:${Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64')}`;
  }

  /** The fingerprint of the key an envelope was made with, or null when it is not an envelope. */
  static fingerprintOf(envelope: string): string | null {
    return ENVELOPE.exec(envelope)?.[1] ?? null;
  }

  decrypt(id: string, type: CredentialType, envelope: string): Buffer {
    const m = ENVELOPE.exec(envelope);
    const raw = m ? Buffer.from(m[2]!, 'base64') : null;
    if (!m || !raw || raw.length < IV_BYTES + TAG_BYTES) {
      throw new CredentialDecryptError('malformed', `credential '${id}' cannot be decrypted: what the store holds for it is not a Kiln encrypted value. Store the secret again (PUT /api/v1/credentials/${id})`);
    }
    if (m[1] !== this.fingerprint) {
      throw new CredentialDecryptError('wrong-key',
        `credential '${id}' cannot be decrypted: it was encrypted with another key (fingerprint ${m[1]}) than this controller's secrets/credentials.key (fingerprint ${this.fingerprint}). ` +
        `Was the home directory moved or restored without secrets/credentials.key? Put the original key file back and restart, or store the secret again (PUT /api/v1/credentials/${id})`);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      d.setAAD(aad(id, type));
      d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([d.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new CredentialDecryptError('tampered',
        `credential '${id}' cannot be decrypted: its stored ciphertext does not authenticate (it was altered in the database, or copied from another credential's row). ` +
        `Store the secret again (PUT /api/v1/credentials/${id})`);
    }
  }
}

function aad(id: string, type: CredentialType): Buffer {
  return Buffer.from(`kiln-credential:v1\0${id}\0${type}`, 'utf8');
}

// ---------------------------------------------------------------------------------------------
// validation of what the API is given

/** The secret fields of each type, as the encrypted payload holds them (binary as base64). */
interface Payload {
  secret?: string;
  username?: string;
  password?: string;
  fileName?: string;
  /** base64 */
  content?: string;
  privateKey?: string;
  passphrase?: string;
  /** azureServicePrincipal */
  subscriptionId?: string;
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  azureEnvironmentName?: string;
}

/** The clouds the Azure Credentials plugin's azureEnvironmentName names. */
export const AZURE_ENVIRONMENTS = ['Azure', 'AzureChinaCloud', 'AzureUSGovernment', 'AzureGermanCloud'] as const;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const MiB = 1024 * 1024;
export const LIMITS = { text: 64 * 1024, username: 1000, description: 10_000, file: MiB, privateKey: 64 * 1024, fileName: 255 } as const;

/** Fields each type takes (besides id, type, description, folder); `content` stands for content / contentBase64. */
const FIELDS: Record<CredentialType, { required: (keyof Payload)[]; optional: (keyof Payload)[] }> = {
  secretText: { required: ['secret'], optional: [] },
  usernamePassword: { required: ['username', 'password'], optional: [] },
  secretFile: { required: ['fileName', 'content'], optional: [] },
  sshKey: { required: ['username', 'privateKey'], optional: ['passphrase'] },
  certificate: { required: ['content'], optional: ['password'] },
  azureServicePrincipal: { required: ['subscriptionId', 'clientId', 'clientSecret', 'tenantId'], optional: ['azureEnvironmentName'] },
};

const COMMON = ['id', 'type', 'description', 'folder'];

/** StoreError('invalid') about the request field `field` (answered as the error's `field`): `field: why`; without a field, `why` alone. */
function bad(field: string | null, why: string): StoreError {
  return field === null ? new StoreError('invalid', why) : new StoreError('invalid', `${field}: ${why}`, { field });
}

function fieldList(type: CredentialType): string {
  const f = FIELDS[type];
  const name = (k: string) => (k === 'content' ? 'content or contentBase64' : k);
  return [...f.required.map(name), ...f.optional.map((k) => `${name(k)} (optional)`)].join(', ');
}

function str(body: Record<string, unknown>, k: string, max: number, o: { nonEmpty?: boolean; noControl?: boolean } = {}): string {
  const v = body[k];
  if (typeof v !== 'string') throw bad(k, `must be a string`);
  if (o.nonEmpty && v === '') throw bad(k, `must not be empty`);
  if (Buffer.byteLength(v, 'utf8') > max) throw bad(k, `longer than ${max} bytes`);
  if (v.includes('\0')) throw bad(k, `must not contain a NUL character (an environment variable cannot hold it)`);
  if (o.noControl && /[\x00-\x1f\x7f]/.test(v)) throw bad(k, `must not contain control characters (newlines, tabs...)`);
  return v;
}

function checkFileName(v: string): string {
  if (v === '' || v === '.' || v === '..' || /[/\\]/.test(v) || /[\x00-\x1f\x7f]/.test(v) || v.trim() !== v) {
    throw bad('fileName', `'${v.slice(0, 100)}' must be a plain file name (no '/', '\\', control characters, leading or trailing spaces; not '.' or '..'), e.g. kubeconfig`);
  }
  return v;
}

/** content (UTF-8 text) or contentBase64 → base64, checked and bounded. */
function fileContent(body: Record<string, unknown>): string | undefined {
  const hasText = body['content'] !== undefined;
  const hasB64 = body['contentBase64'] !== undefined;
  if (hasText && hasB64) throw bad('content', 'give either content (text) or contentBase64 (bytes), not both');
  let bytes: Buffer;
  if (hasText) {
    const v = body['content'];
    if (typeof v !== 'string') throw bad('content', 'must be a string (the file as UTF-8 text; use contentBase64 for binary files)');
    bytes = Buffer.from(v, 'utf8');
    if (bytes.length > LIMITS.file) throw bad('content', `the file is ${bytes.length} bytes; at most ${LIMITS.file} (1 MiB)`);
  } else if (hasB64) {
    const v = body['contentBase64'];
    if (typeof v !== 'string') throw bad('contentBase64', 'must be a string of base64');
    const compact = v.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw bad('contentBase64', 'not valid base64 (A-Z a-z 0-9 + /, padded with =)');
    if (compact.length > Math.ceil(LIMITS.file / 3) * 4) throw bad('contentBase64', `the file is larger than ${LIMITS.file} bytes (1 MiB)`);
    bytes = Buffer.from(compact, 'base64');
  } else {
    return undefined;
  }
  if (bytes.length === 0) throw bad(hasText ? 'content' : 'contentBase64', `the file is empty`);
  return bytes.toString('base64');
}

const PEM = /^-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED |OPENSSH )?PRIVATE KEY)-----\n([\s\S]+?)\n-----END \1-----\n$/;
const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** Normalizes (CRLF → LF, surrounding blank space trimmed, final newline: OpenSSH needs it) and checks an SSH private key. */
function checkPrivateKey(raw: string, passphrase: string | undefined): string {
  const key = `${raw.replace(/\r\n?/g, '\n').trim()}\n`;
  if (key.startsWith('PuTTY-User-Key-File-')) throw bad('privateKey', 'this is a PuTTY .ppk key; convert it with `puttygen key.ppk -O private-openssh -o id_key` and give that');
  if (/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+) /.test(key) || /^-----BEGIN (RSA |SSH2 )?PUBLIC KEY-----/.test(key)) {
    throw bad('privateKey', 'this is a public key; give the private key (-----BEGIN OPENSSH PRIVATE KEY----- ...)');
  }
  const m = PEM.exec(key);
  if (!m) throw bad('privateKey', 'must be a PEM or OpenSSH private key: -----BEGIN [RSA |EC |OPENSSH ]PRIVATE KEY----- ... -----END ... PRIVATE KEY-----');
  const kind = m[1]!;
  if (kind === 'OPENSSH PRIVATE KEY') {
    const body = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
    if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw bad('privateKey', 'not a valid OpenSSH private key (its body does not start with openssh-key-v1)');
    const len = body.length >= OPENSSH_MAGIC.length + 4 ? body.readUInt32BE(OPENSSH_MAGIC.length) : -1;
    const cipher = len >= 0 && len < 64 ? body.subarray(OPENSSH_MAGIC.length + 4, OPENSSH_MAGIC.length + 4 + len).toString('latin1') : null;
    if (cipher === null) throw bad('privateKey', 'not a valid OpenSSH private key (truncated)');
    if (cipher !== 'none' && !passphrase) throw bad('privateKey', `the key is encrypted (${cipher}): give its passphrase`);
    return key;
  }
  const encrypted = kind === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type: 4,ENCRYPTED$/m.test(m[2]!);
  if (encrypted && !passphrase) throw bad('privateKey', 'the key is encrypted: give its passphrase');
  try {
    createPrivateKey({ key, format: 'pem', ...(passphrase ? { passphrase } : {}) });
  } catch (e) {
    if (encrypted) throw bad('passphrase', 'does not decrypt privateKey');
    throw bad('privateKey', `not a valid private key (${(e as Error).message.replace(/^error:[0-9A-F]+:/, '')})`);
  }
  return key;
}

/** A keystore: PKCS#12 (DER: starts with an ASN.1 SEQUENCE, 0x30), JKS (FEEDFEED) or JCEKS (CECECECE). */
function checkKeystore(b64: string, field: string): void {
  const b = Buffer.from(b64, 'base64');
  const magic = b.length >= 4 ? b.readUInt32BE(0) : 0;
  if (b[0] !== 0x30 && magic !== 0xfeedfeed && magic !== 0xcececece) {
    throw bad(field, `not a PKCS#12 (.p12/.pfx) or Java keystore: give the keystore's bytes as base64 (contentBase64)`);
  }
}

/** Checks a payload complete for its type, normalizing the private key. */
function checkPayload(type: CredentialType, p: Payload): Payload {
  for (const k of FIELDS[type].required) {
    if (p[k] === undefined) throw bad(k === 'content' ? 'content' : k, `required for a ${type} credential (it takes: ${fieldList(type)})`);
  }
  const out: Payload = {};
  for (const k of [...FIELDS[type].required, ...FIELDS[type].optional]) if (p[k] !== undefined && !(FIELDS[type].optional.includes(k) && p[k] === '')) out[k] = p[k];
  if (type === 'sshKey') out.privateKey = checkPrivateKey(out.privateKey!, out.passphrase);
  if (type === 'certificate') checkKeystore(out.content!, 'contentBase64');
  return out;
}

/** The secret fields given in a request body (each checked on its own), and the unknown ones refused. */
function payloadFields(type: CredentialType, body: Record<string, unknown>): Payload {
  const allowed = new Set([...COMMON, ...FIELDS[type].required, ...FIELDS[type].optional]);
  if (allowed.has('content')) allowed.add('contentBase64');
  for (const k of Object.keys(body)) {
    if (!allowed.has(k)) throw bad(k, `unknown field for a ${type} credential (it takes: ${fieldList(type)}; and id, type, description, folder)`);
  }
  const p: Payload = {};
  const has = (k: string) => body[k] !== undefined;
  if (has('secret')) p.secret = str(body, 'secret', LIMITS.text, { nonEmpty: true });
  if (has('username')) p.username = str(body, 'username', LIMITS.username, { nonEmpty: true, noControl: true });
  if (has('password')) p.password = str(body, 'password', LIMITS.text, { nonEmpty: type === 'usernamePassword' });
  if (has('fileName')) p.fileName = checkFileName(str(body, 'fileName', LIMITS.fileName));
  const content = fileContent(body);
  if (content !== undefined) p.content = content;
  if (has('privateKey')) p.privateKey = str(body, 'privateKey', LIMITS.privateKey, { nonEmpty: true });
  if (has('passphrase')) p.passphrase = str(body, 'passphrase', LIMITS.username);
  if (has('subscriptionId')) p.subscriptionId = guid(body, 'subscriptionId');
  if (has('clientId')) p.clientId = guid(body, 'clientId');
  if (has('clientSecret')) p.clientSecret = str(body, 'clientSecret', LIMITS.text, { nonEmpty: true, noControl: true });
  if (has('tenantId')) {
    const t = str(body, 'tenantId', 253, { nonEmpty: true, noControl: true });
    if (!GUID.test(t) && !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(t)) {
      throw bad('tenantId', `'${t.slice(0, 100)}' is neither a tenant id (a GUID) nor a tenant domain (contoso.onmicrosoft.com)`);
    }
    p.tenantId = t;
  }
  if (has('azureEnvironmentName')) {
    const e = str(body, 'azureEnvironmentName', 40);
    if (e !== '' && !(AZURE_ENVIRONMENTS as readonly string[]).includes(e)) throw bad('azureEnvironmentName', `'${e.slice(0, 40)}' is none of ${AZURE_ENVIRONMENTS.join(', ')}`);
    p.azureEnvironmentName = e;
  }
  return p;
}

/** An Azure id (subscription, application/client): a GUID. */
function guid(body: Record<string, unknown>, k: string): string {
  const v = str(body, k, 100, { nonEmpty: true, noControl: true }).trim();
  if (!GUID.test(v)) throw bad(k, `'${v.slice(0, 100)}' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  return v;
}

function asBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad(null, 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function description(body: Record<string, unknown>): string | undefined {
  if (body['description'] === undefined) return undefined;
  const v = body['description'];
  if (typeof v !== 'string') throw bad('description', 'must be a string');
  if (v.length > LIMITS.description) throw bad('description', `longer than ${LIMITS.description} characters`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// what the API shows

/** A credential as the API shows it: never any secret. */
export interface CredentialView {
  id: string;
  type: CredentialType;
  description: string;
  scope: 'global' | 'folder';
  /** The folder whose jobs may use it; null when global. */
  folder: string | null;
  /** usernamePassword and sshKey: the username (not secret, as in Jenkins' list); else null. */
  username: string | null;
  /** secretFile: the file's name; else null. */
  fileName: string | null;
  createdAt: number;
  updatedAt: number;
  /** Jobs whose last build bound it. */
  usedBy: { job: string; build: number; at: number }[];
}

export function viewOf(r: CredentialRecord): CredentialView {
  return {
    id: r.id, type: r.type, description: r.description, scope: r.folder === null ? 'global' : 'folder', folder: r.folder,
    username: r.username, fileName: r.fileName, createdAt: r.createdAt, updatedAt: r.updatedAt,
    usedBy: r.usedBy.map((u: CredentialUse) => ({ job: u.job, build: u.build, at: u.at })),
  };
}

// ---------------------------------------------------------------------------------------------
// the service

/** A credential a build may not have: absent, out of its scope (same message), or unreadable. */
export class CredentialLookupError extends KilnError {
  constructor(message: string) {
    super('credentials.lookup', message);
  }
}

/** Whether a job may use a credential of this scope. */
export function visibleTo(folder: string | null, jobName: string): boolean {
  return folder === null || jobName.startsWith(`${folder}/`);
}

export class CredentialService {
  readonly #store: Store;
  readonly #cipher: CredentialCipher;
  readonly #log: (line: string) => void;
  readonly #audit: CredentialAudit;
  readonly #authorize: BindCheck;

  constructor(o: { store: Store; key: Buffer; log?: (line: string) => void; audit?: CredentialAudit; authorize?: BindCheck }) {
    this.#store = o.store;
    this.#cipher = new CredentialCipher(o.key);
    this.#log = o.log ?? (() => {});
    this.#audit = o.audit ?? (() => {});
    this.#authorize = o.authorize ?? (async () => null);
  }

  get fingerprint(): string {
    return this.#cipher.fingerprint;
  }

  /** Credentials encrypted with another key than this controller's (for a warning at start). */
  async undecryptable(): Promise<{ id: string; fingerprint: string | null }[]> {
    return (await this.#store.credentials.list())
      .map((r) => ({ id: r.id, fingerprint: CredentialCipher.fingerprintOf(r.secret) }))
      .filter((x) => x.fingerprint !== this.#cipher.fingerprint);
  }

  async list(): Promise<CredentialView[]> {
    return (await this.#store.credentials.list()).map(viewOf);
  }

  async get(id: string): Promise<CredentialView | null> {
    const r = await this.#store.credentials.get(checkCredentialId(id));
    return r ? viewOf(r) : null;
  }

  /** Creates from an API body: id, type, description?, folder?, and the type's secret fields. */
  async create(input: unknown): Promise<CredentialView> {
    const body = asBody(input);
    const id = checkCredentialId(body['id']);
    const type = checkCredentialType(body['type']);
    const desc = description(body) ?? '';
    const folder = checkCredentialFolder(body['folder']);
    const payload = checkPayload(type, payloadFields(type, body));
    const rec = await this.#store.credentials.create({
      id, type, description: desc, folder, ...this.#meta(type, payload), secret: this.#seal(id, type, payload),
    });
    this.#log(`credential '${id}' created (${type}, ${folder === null ? 'global' : `folder ${folder}`})`);
    return viewOf(rec);
  }

  /**
   * Changes description, folder and/or secret fields. Secret fields not given keep their
   * values (which needs the old ones decrypted); when the old value cannot be decrypted (wrong
   * key), giving every required field replaces it. The id and type never change.
   */
  async update(id: string, input: unknown): Promise<CredentialView> {
    checkCredentialId(id);
    const body = asBody(input);
    const cur = await this.#store.credentials.get(id);
    if (!cur) throw new StoreError('not-found', `no credential '${id}'`);
    if (body['id'] !== undefined && body['id'] !== id) throw bad('id', `cannot change (it is '${id}'); create a new credential and delete this one`);
    if (body['type'] !== undefined && body['type'] !== cur.type) throw bad('type', `cannot change (it is ${cur.type}); create a new credential and delete this one`);
    const desc = description(body);
    const folder = body['folder'] !== undefined ? checkCredentialFolder(body['folder']) : undefined;
    const given = payloadFields(cur.type, body);
    const patch: Parameters<Store['credentials']['update']>[1] = {};
    if (desc !== undefined) patch.description = desc;
    if (folder !== undefined) patch.folder = folder;
    if (Object.keys(given).length > 0) {
      const f = FIELDS[cur.type];
      const complete = [...f.required, ...f.optional].every((k) => given[k] !== undefined);
      let old: Payload = {};
      if (!complete) {
        try {
          old = this.#open(cur);
        } catch (e) {
          if (!f.required.every((k) => given[k] !== undefined)) {
            throw new StoreError('conflict', `${(e as Error).message}; to replace it, give all of: ${fieldList(cur.type)}`);
          }
        }
      }
      const payload = checkPayload(cur.type, { ...old, ...given });
      Object.assign(patch, this.#meta(cur.type, payload), { secret: this.#seal(id, cur.type, payload) });
    }
    const rec = await this.#store.credentials.update(id, patch);
    this.#log(`credential '${id}' updated (${Object.keys(given).length > 0 ? 'secret replaced' : 'metadata'})`);
    return viewOf(rec);
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.#store.credentials.delete(checkCredentialId(id));
    if (gone) this.#log(`credential '${id}' deleted`);
    return gone;
  }

  /**
   * The credential for a build of `job`: absent and out-of-scope give the same error; a
   * value that does not decrypt gives an error naming the credential. Records the use.
   */
  async resolve(id: string, job: BindingJob, build: number): Promise<Credential> {
    const hidden = () => new CredentialLookupError(`no credential '${id}' visible to job '${job.name}'`);
    if (typeof id !== 'string' || !CREDENTIAL_ID.test(id)) throw hidden();
    const rec = await this.#store.credentials.get(id).catch(() => null);
    if (!rec || !visibleTo(rec.folder, job.name)) throw hidden();
    if (rec.folder !== null) {
      const problem = await this.#authorize(id, rec.folder, job);
      if (problem !== null) {
        this.#audit({ actor: `${job.name} #${build}`, action: 'credential.refused', target: id, detail: problem });
        throw new CredentialLookupError(problem);
      }
    }
    let p: Payload;
    try {
      p = this.#open(rec);
    } catch (e) {
      throw new CredentialLookupError((e as Error).message);
    }
    await this.#store.credentials.recordUse(id, job.id, build).catch((e: unknown) => this.#log(`credential '${id}': could not record its use by ${job.name} #${build}: ${(e as Error).message}`));
    this.#audit({ actor: `${job.name} #${build}`, action: 'credential.use', target: id, detail: `bound by build ${build} of ${job.name}` });
    const c: Credential = { id, type: rec.type };
    if (p.secret !== undefined) c.secret = p.secret;
    if (p.username !== undefined) c.username = p.username;
    if (p.password !== undefined) c.password = p.password;
    if (p.fileName !== undefined) c.fileName = p.fileName;
    if (p.content !== undefined) c.content = Buffer.from(p.content, 'base64');
    if (p.privateKey !== undefined) c.privateKey = p.privateKey;
    if (p.passphrase !== undefined) c.passphrase = p.passphrase;
    if (rec.type === 'azureServicePrincipal') {
      c.subscriptionId = p.subscriptionId ?? '';
      c.clientId = p.clientId ?? '';
      c.clientSecret = p.clientSecret ?? '';
      c.tenantId = p.tenantId ?? '';
      c.azureEnvironmentName = p.azureEnvironmentName || 'Azure';
    }
    return c;
  }

  /** The SSH key an agent launch uses: global credentials only; no build use is recorded. */
  async resolveForAgent(id: string, agent: string): Promise<Credential> {
    return this.#resolveGlobal(id, `agent '${agent}'`, ['username', 'privateKey', 'passphrase']);
  }

  /** A cloud's credential (kubeconfig file or token): global credentials only; no build use is recorded. */
  async resolveForCloud(id: string, cloud: string): Promise<Credential> {
    return this.#resolveGlobal(id, `cloud '${cloud}'`, ['secret', 'fileName', 'content']);
  }

  /**
   * A shared library's repository credential (username/password, token, SSH key): for a global
   * library a global credential; for a folder's library one of that folder, a folder above it,
   * or a global one. No build use is recorded (the library is the controller's, not the job's).
   */
  async resolveForLibrary(id: string, library: string, folder: string | null): Promise<Credential> {
    const rec = await this.#store.credentials.get(id).catch(() => null);
    const fits = rec !== null && (rec.folder === null || (folder !== null && (folder === rec.folder || folder.startsWith(`${rec.folder}/`))));
    if (!rec || !fits) throw new CredentialLookupError(`no credential '${id}' visible to ${folder === null ? 'global' : `folder '${folder}''s`} library '${library}'`);
    return this.#credentialOf(rec, ['username', 'password', 'secret', 'privateKey', 'passphrase']);
  }

  /**
   * A GenericTrigger's tokenCredentialId (generic-trigger.ts): a secret text credential the job
   * sees (global, or of a folder the job is in); its secret, or null when there is none such.
   * No build use is recorded (no build uses it).
   */
  async secretForTrigger(id: string, job: string): Promise<string | null> {
    if (typeof id !== 'string' || !CREDENTIAL_ID.test(id)) return null;
    const rec = await this.#store.credentials.get(id).catch(() => null);
    if (!rec || rec.type !== 'secretText' || !visibleTo(rec.folder, job)) return null;
    try {
      return this.#credentialOf(rec, ['secret']).secret ?? null;
    } catch {
      return null;
    }
  }

  /** The SMTP server's AUTH (mail.ts): a global username/password credential; no build use is recorded. */
  async resolveForMail(id: string): Promise<{ username: string; password: string }> {
    const c = await this.#resolveGlobal(id, 'the SMTP server', ['username', 'password']);
    if (c.type !== 'usernamePassword') throw new CredentialLookupError(`credential '${id}' is a ${c.type}; the SMTP server needs a username/password credential`);
    return { username: c.username ?? '', password: c.password ?? '' };
  }

  /** A token for the controller's own calls to a service (the GitHub pull-request trigger reading a pull request): a secret text, or a username/password's password. */
  async resolveForServiceToken(id: string, user: string): Promise<string> {
    const c = await this.#resolveGlobal(id, user, ['secret', 'password']);
    const token = c.type === 'secretText' ? c.secret : c.type === 'usernamePassword' ? c.password : undefined;
    if (!token) throw new CredentialLookupError(`credential '${id}' is a ${c.type}; ${user} needs a secret text token (or a username/password whose password is the token)`);
    return token;
  }

  /** A global credential for the controller's own use, with only the fields that use needs. */
  async #resolveGlobal(id: string, user: string, fields: readonly ('username' | 'password' | 'privateKey' | 'passphrase' | 'secret' | 'fileName' | 'content')[]): Promise<Credential> {
    const rec = await this.#store.credentials.get(id).catch(() => null);
    if (!rec || rec.folder !== null) throw new CredentialLookupError(`no global credential '${id}' (for ${user})`);
    return this.#credentialOf(rec, fields);
  }

  /** A stored credential opened, with only the fields its use needs (no build use is recorded). */
  #credentialOf(rec: CredentialRecord, fields: readonly ('username' | 'password' | 'privateKey' | 'passphrase' | 'secret' | 'fileName' | 'content')[]): Credential {
    let p: Payload;
    try {
      p = this.#open(rec);
    } catch (e) {
      throw new CredentialLookupError((e as Error).message);
    }
    const c: Credential = { id: rec.id, type: rec.type };
    for (const f of fields) {
      const v = p[f];
      if (v === undefined) continue;
      if (f === 'content') c.content = Buffer.from(v, 'base64');
      else c[f] = v;
    }
    return c;
  }

  /** A build of the job ended: its earlier builds' usage records go (usedBy = last build's). */
  async buildFinished(jobId: string, build: number): Promise<void> {
    await this.#store.credentials.forgetUsesBefore(jobId, build);
  }

  #meta(type: CredentialType, p: Payload): { username: string | null; fileName: string | null } {
    return {
      username: type === 'usernamePassword' || type === 'sshKey' ? p.username ?? null : null,
      fileName: type === 'secretFile' ? p.fileName ?? null : null,
    };
  }

  #seal(id: string, type: CredentialType, p: Payload): string {
    return this.#cipher.encrypt(id, type, Buffer.from(JSON.stringify(p), 'utf8'));
  }

  #open(rec: CredentialRecord): Payload {
    const plain = this.#cipher.decrypt(rec.id, rec.type, rec.secret);
    try {
      const p = JSON.parse(plain.toString('utf8')) as unknown;
      if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new Error('not an object');
      return p as Payload;
    } catch {
      throw new CredentialDecryptError('malformed', `credential '${rec.id}' decrypted to something that is not a Kiln credential; store the secret again (PUT /api/v1/credentials/${rec.id})`);
    }
  }
}

/** Where the service reports a credential's use by a build (the audit log). */
export type CredentialAudit = (e: { actor: string; action: string; target: string; detail: string }) => void;

/** The job a build binds a credential for; `replayedBy`: the user who chose the script this build runs (a replay, a webhook's commit). */
export interface BindingJob { id: string; name: string; replayedBy?: ScriptChooser | null }

/** Whether a build of `job` may bind credential `id` of `folder`: null, or why not (auth/folders.ts). */
export type BindCheck = (id: string, folder: string, job: BindingJob) => Promise<string | null>;

/** Opens the key (making it on first start) and the service; warns about credentials another key encrypted. */
export async function openCredentials(o: { home: string; store: Store; log?: (line: string) => void; audit?: CredentialAudit; authorize?: BindCheck }): Promise<CredentialService> {
  const log = o.log ?? (() => {});
  const k = await loadCredentialsKey(o.home);
  if (k.created) log(`Created the credentials key ${k.file} (back it up with the store: without it stored credentials cannot be decrypted)`);
  if (k.warning) log(`WARNING: ${k.warning}`);
  const service = new CredentialService({ store: o.store, key: k.key, log, ...(o.audit ? { audit: o.audit } : {}), ...(o.authorize ? { authorize: o.authorize } : {}) });
  const foreign = await service.undecryptable();
  if (foreign.length > 0) {
    log(`WARNING: ${foreign.length} stored credential(s) were encrypted with another key than ${k.file} (fingerprint ${service.fingerprint}): ` +
      `${foreign.slice(0, 10).map((f) => `${f.id} (${f.fingerprint ?? 'unknown'})`).join(', ')}${foreign.length > 10 ? ', ...' : ''}. ` +
      'Builds using them fail until the original key file is restored or their secrets are stored again');
  }
  return service;
}

// ---------------------------------------------------------------------------------------------
// masking what builds record

/** A deep copy of plain data with every occurrence of the secrets in its strings replaced by ****. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let s = v;
      for (const x of list) if (s.includes(x)) s = s.split(x).join('****');
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  return walk(value) as T;
}
