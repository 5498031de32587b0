// Shared libraries from git (Jenkins' "Modern SCM" library retriever): finds the commit a
// library's version names, keeps a checkout of it per commit, and reads it into the
// LibraryContent the pipeline loads (src/core/libraries.ts). The controller (its configured
// libraries) and `kiln run` / `kiln lint` (--library) both use it; they reach it through the
// plugin list (src/plugins/index.ts `gitLibraries`), never by importing this folder.
//
//   version → commit   a full commit hash already in the cache: no network at all; otherwise
//                      `git ls-remote` (branch, then tag, peeled), and for a hash (full or short)
//                      that no ref names, a fetch of the repository's branches and tags
//   commit → checkout  <cacheDir>/<name>/<commit>/, beside it <commit>.json (the URL it came
//                      from: a commit is taken from the cache only for the same URL). Fetched
//                      once (concurrent loads of one library/commit share one fetch) into a
//                      temporary repository beside it, checked against the limits (tree entries,
//                      bytes) before anything is checked out, then renamed into place.
//   checkout → content vars/*.groovy, vars/*.txt, src/**/*.groovy read as text (limits again);
//                      resources/ read lazily by `resource(path)`, which refuses paths that leave
//                      resources/ (.., absolute, symbolic links out).
//
// Any URL git can fetch: a local path, file://, git://, ssh:// or user@host:path (an SSH key
// credential: a 0600 key file and GIT_SSH_COMMAND), http(s):// (a username/password or secret
// text credential: GIT_ASKPASS reading the secret from the environment). Secrets never go on a
// command line or into a message: the helper files live in a 0700 temporary directory removed
// after each git command, and git's own messages are scrubbed of them (and of user:password@ in
// URLs) before they reach an error. Other transports (ext::, fd::) are refused.
//
// history(): a library's commits between two commits (the build's changes), from a blob-less
// fetch of the last max+1 commits into a temporary repository. prune(): removes old checkouts
// (beyond the N most recently used per library, or unused too long), never one being read or
// fetched, one used within the grace period, or one the host says a running build loaded; the
// mtime of <commit>.json is the last use (load touches it).
//
// Errors are LibraryErrors (KilnError, code `library.*`) naming the library, the version and
// the reason (git's, scrubbed).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KilnError } from '../../core/errors.ts';
import type { Credential } from '../../core/credentials.ts';
import type { LibraryContent } from '../../core/libraries.ts';

export type LibraryErrorCode = 'not-found' | 'no-version' | 'override' | 'version' | 'fetch' | 'limits' | 'unsafe' | 'empty' | 'credentials' | 'invalid';

/** A library could not be found, fetched or read; the message names it, the version and why. */
export class LibraryError extends KilnError {
  readonly code: LibraryErrorCode;
  constructor(code: LibraryErrorCode, message: string, options?: { cause?: unknown }) {
    super(`library.${code}`, message, options);
    this.code = code;
  }
}

/** How much of a library is taken: the checkout's tree and what is read of it. */
export interface LibraryLimits {
  /** Files (tree entries) in the commit, and vars/src files read. */
  maxFiles: number;
  /** Bytes of the commit's files together. */
  maxBytes: number;
  /** Bytes of one vars/src file or one resource. */
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: LibraryLimits = { maxFiles: 20_000, maxBytes: 200 * 1024 * 1024, maxFileBytes: 8 * 1024 * 1024 };

/** Library names: letters, digits, '.', '_', '-' (Jenkins allows more; these are safe as a directory name). */
export const LIBRARY_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
/** A version: a branch, a tag or a commit, as git allows them and never an option. */
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9._\/+-]{0,254}$/;
const FULL_HASH = /^[0-9a-f]{40}$/;
const HEX = /^[0-9a-f]{4,40}$/;

export interface GitLibrarySpec {
  name: string;
  /** Where git fetches it from. */
  url: string;
  /** A branch, a tag, a full or short commit hash, or 'HEAD' (the remote's default branch). */
  version: string;
  /** A usernamePassword or secretText credential (http/https), or an sshKey (ssh). */
  credential?: Credential | null;
  scope: LibraryContent['scope'];
  includeInChangesets?: boolean;
  /** Fetched from a retriever the Jenkinsfile gave (not the host's configuration). */
  fromJenkinsfile?: boolean;
  signal?: AbortSignal;
}

/** A commit of a library's history (its changes in a build). */
export interface LibraryCommit {
  commit: string;
  author: string;
  email: string;
  /** Author time, ms since the epoch. */
  time: number;
  message: string;
}

/** How the cache is pruned: what is kept of each library's checkouts. */
export interface PruneOptions {
  /** The most recently used checkouts kept per library. */
  keep: number;
  /** Checkouts not used for longer than this are removed even among the `keep` (null: no age limit). */
  maxAgeMs: number | null;
  /** Whether a running build uses this checkout (never removed). */
  inUse: (name: string, commit: string) => boolean;
  /** Checkouts used more recently than this are never removed (a build may be about to record it); default 10 minutes. */
  graceMs?: number;
  now?: number;
}

const LOG_FORMAT = '%H%x00%an%x00%ae%x00%at%x00%B%x1e';
const MAX_MESSAGE = 2000;

function parseLog(out: string): LibraryCommit[] {
  return out.split('\x1e').map((r) => r.replace(/^\n/, '')).filter(Boolean).map((r) => {
    const [commit, author, email, at, ...msg] = r.split('\0');
    const message = msg.join('\0').trimEnd();
    return { commit: commit!, author: author ?? '', email: email ?? '', time: Number(at) * 1000, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message };
  });
}

/** Whether git may be pointed at this URL: http(s), ssh, git, file, user@host:path or an absolute path. */
export function checkLibraryUrl(url: string): string | null {
  if (typeof url !== 'string' || url.length === 0) return 'a repository URL is required';
  if (url.length > 2000) return 'the URL is longer than 2000 characters';
  if (/[\0-\x1f\x7f]/.test(url)) return 'the URL has control characters';
  if (/^(https?|ssh|git|file):\/\/[^\s]+$/.test(url)) return null;
  if (/^[\w.-]+@[\w.-]+:[^\s]/.test(url) && !url.startsWith('-')) return null;
  if (url.startsWith('/')) return null;
  return `'${displayUrl(url).slice(0, 200)}' is not a repository URL git may fetch (use https://, ssh://, git://, git@host:path, file:// or an absolute path)`;
}

/** A version git may be asked for: null when fine, else why not. */
export function checkVersion(version: string): string | null {
  if (typeof version !== 'string' || !VERSION.test(version) || version.includes('..') || version.endsWith('/') || version.endsWith('.lock') || version.includes('//')) {
    return `'${String(version).slice(0, 100)}' is not a branch, tag or commit name`;
  }
  return null;
}

/** The URL without a password (https://user:secret@host → https://user:****@host). */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_, scheme: string, user: string) => `${scheme}${user.includes(':') ? `${user.split(':')[0]}:****` : user}@`);
}

/** Text with every secret, and the password of any URL in it, replaced by ****. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('****');
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*):[^/@\s]*@/gi, '$1:****@');
}

/** A word for the shell git runs GIT_SSH_COMMAND with. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface GitEnv { env: NodeJS.ProcessEnv; secrets: string[]; dispose(): Promise<void> }

/** The environment git runs in for this credential (helper files in a 0700 temporary directory). */
async function gitEnv(credential: Credential | null | undefined, knownHosts: string, what: string): Promise<GitEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C',
    GIT_SSH_COMMAND: `ssh -o BatchMode=yes -o UserKnownHostsFile=${shq(knownHosts)} -o StrictHostKeyChecking=accept-new`,
  };
  delete env.GIT_ASKPASS;
  delete env.SSH_ASKPASS;
  if (!credential) return { env, secrets: [], dispose: async () => {} };
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-lib-auth-'));
  await fsp.chmod(dir, 0o700);
  const secrets: string[] = [];
  const dispose = () => fsp.rm(dir, { recursive: true, force: true });
  try {
    if (credential.type === 'usernamePassword' || credential.type === 'secretText') {
      const askpass = path.join(dir, 'askpass.sh');
      await fsp.writeFile(askpass, '#!/bin/sh\ncase "$1" in [Uu]sername*) printf %s "$KILN_GIT_USER";; *) printf %s "$KILN_GIT_PASS";; esac\n', { mode: 0o700 });
      env.GIT_ASKPASS = askpass;
      env.KILN_GIT_USER = credential.username ?? (credential.type === 'secretText' ? 'x-access-token' : 'git');
      env.KILN_GIT_PASS = credential.password ?? credential.secret ?? '';
      secrets.push(env.KILN_GIT_PASS);
    } else if (credential.type === 'sshKey') {
      const key = path.join(dir, 'id_key');
      let pk = (credential.privateKey ?? '').replace(/\r\n/g, '\n').trim();
      if (pk) pk += '\n';
      await fsp.writeFile(key, pk, { mode: 0o600 });
      const user = credential.username && /^[\w.-]+$/.test(credential.username) ? ` -l ${credential.username}` : '';
      const base = `ssh -i ${shq(key)} -o IdentitiesOnly=yes -o IdentityAgent=none -o UserKnownHostsFile=${shq(knownHosts)} -o StrictHostKeyChecking=accept-new -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no${user}`;
      if (credential.passphrase) {
        // The key's passphrase through SSH_ASKPASS (OpenSSH 8.4+ uses it without a terminal when forced).
        const askpass = path.join(dir, 'ssh-askpass.sh');
        await fsp.writeFile(askpass, '#!/bin/sh\nprintf %s "$KILN_SSH_PASSPHRASE"\n', { mode: 0o700 });
        env.SSH_ASKPASS = askpass;
        env.SSH_ASKPASS_REQUIRE = 'force';
        env.DISPLAY = env.DISPLAY ?? ':0';
        env.KILN_SSH_PASSPHRASE = credential.passphrase;
        secrets.push(credential.passphrase);
        env.GIT_SSH_COMMAND = base;
      } else {
        env.GIT_SSH_COMMAND = `${base} -o BatchMode=yes`;
      }
      secrets.push(...pk.split('\n').filter((l) => l.length >= 16));
    } else {
      throw new LibraryError('credentials', `${what}: credential '${credential.id}' is a ${credential.type}; a library's repository needs a username/password, secret text (token) or SSH key credential`);
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return { env, secrets, dispose };
}

interface GitRun { stdout: string; stderr: string }

function git(args: string[], o: { env: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal; timeoutMs: number }): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-c', 'protocol.ext.allow=never', '-c', 'protocol.fd.allow=never', '-c', 'core.hooksPath=/dev/null', ...args], {
      env: o.env, cwd: o.cwd, timeout: o.timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(o.signal ? { signal: o.signal } : {}),
    }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr), stdout: String(stdout) }));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** What git said when it failed: its last lines of fatal/error/remote messages (or why it stopped). */
function gitReason(err: unknown): string {
  const e = err as { stderr?: string; killed?: boolean; signal?: string; code?: string | number; name?: string; message?: string };
  if (e.name === 'AbortError') return 'aborted';
  if (e.code === 'ENOENT') return 'git is not installed on this machine (install git)';
  if (e.killed && e.signal === 'SIGTERM') return 'git took too long (timed out)';
  const lines = (e.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !/^(hint:|warning: redirecting)/.test(l));
  const useful = lines.filter((l) => /^(fatal|error|remote|ssh:|kex_|Connection|Could not|Host key)|Permission denied|Authentication failed|verification failed/i.test(l));
  return (useful.length ? useful : lines).slice(-3).join('; ') || e.message || String(err);
}

/** A loaded library's files, read once per checkout (commits never change). */
interface ReadDir { files: Map<string, string> }

/**
 * Reads a library directory (a checkout, or a plain directory for `kiln run --library DIR`)
 * into LibraryContent: vars/ and src/ texts now, resources/ on demand.
 */
export async function readLibraryDirectory(root: string, meta: Omit<LibraryContent, 'files' | 'resource'>, limits: LibraryLimits = DEFAULT_LIMITS): Promise<LibraryContent> {
  const read = await readSources(root, meta.name, meta.version, limits);
  return contentOf(root, meta, read, limits);
}

function contentOf(root: string, meta: Omit<LibraryContent, 'files' | 'resource'>, read: ReadDir, limits: LibraryLimits): LibraryContent {
  return {
    ...meta,
    files: read.files,
    resource: (rel: string) => readResource(root, rel, meta, limits),
  };
}

function inside(dir: string, p: string): boolean {
  const r = path.relative(dir, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

async function readSources(root: string, name: string, version: string, limits: LibraryLimits): Promise<ReadDir> {
  const at = `library ${name}@${version}`;
  let realRoot: string;
  try {
    realRoot = await fsp.realpath(root);
  } catch {
    throw new LibraryError('not-found', `${at}: the directory ${root} does not exist`);
  }
  const has = async (d: string): Promise<boolean> => {
    if (!(await fsp.stat(path.join(realRoot, d)).catch(() => null))?.isDirectory()) return false;
    // vars/, src/ or resources/ itself a link out of the library would read the host's files.
    if (!inside(realRoot, await fsp.realpath(path.join(realRoot, d)))) throw new LibraryError('unsafe', `${at}: ${d}/ is a symbolic link that leaves the library; Kiln reads a library's files only from inside it`);
    return true;
  };
  const [vars, src, resources] = await Promise.all([has('vars'), has('src'), has('resources')]);
  if (!vars && !src && !resources) {
    throw new LibraryError('empty', `Library ${name} expected to contain at least one of src, vars, or resources directories`);
  }
  // The candidates first (directory entries say which are links), then every file read at once.
  const wanted: { rel: string; link: boolean }[] = [];
  if (vars) {
    for (const e of await fsp.readdir(path.join(realRoot, 'vars'), { withFileTypes: true })) {
      if ((e.isFile() || e.isSymbolicLink()) && /\.(groovy|txt)$/.test(e.name)) wanted.push({ rel: `vars/${e.name}`, link: e.isSymbolicLink() });
    }
  }
  if (src) {
    const walk = async (relDir: string, depth: number): Promise<void> => {
      if (depth > 40) throw new LibraryError('limits', `${at}: ${relDir} is nested more than 40 directories deep`);
      const entries = await fsp.readdir(path.join(realRoot, relDir), { withFileTypes: true });
      const dirs: string[] = [];
      for (const e of entries) {
        const rel = `${relDir}/${e.name}`;
        if (e.isDirectory()) dirs.push(rel);
        else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.groovy')) wanted.push({ rel, link: e.isSymbolicLink() });
      }
      if (wanted.length > limits.maxFiles) throw new LibraryError('limits', `${at}: more than ${limits.maxFiles} files in vars/ and src/ (the limit)`);
      await Promise.all(dirs.map((d) => walk(d, depth + 1)));
    };
    await walk('src', 0);
  }
  if (wanted.length > limits.maxFiles) throw new LibraryError('limits', `${at}: more than ${limits.maxFiles} files in vars/ and src/ (the limit)`);
  let total = 0;
  const read = await Promise.all(wanted.map(async ({ rel, link }): Promise<[string, string] | null> => {
    let real = path.join(realRoot, rel);
    if (link) {
      real = await fsp.realpath(real).catch(() => '');
      if (!real || !inside(realRoot, real)) throw new LibraryError('unsafe', `${at}: ${rel} is a symbolic link that leaves the library; Kiln reads a library's files only from inside it`);
    }
    const s = await fsp.stat(real);
    if (!s.isFile()) return null;
    if (s.size > limits.maxFileBytes) throw new LibraryError('limits', `${at}: ${rel} is ${s.size} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file`);
    total += s.size;
    if (total > limits.maxBytes) throw new LibraryError('limits', `${at}: vars/ and src/ hold more than ${limits.maxBytes} bytes (the limit)`);
    let text = await fsp.readFile(real, 'utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return [rel, text];
  }));
  const files = new Map<string, string>(read.filter((x): x is [string, string] => x !== null).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  return { files };
}

/** A path under resources/ as given to libraryResource: why it is refused, or null. */
export function resourcePathProblem(rel: string): string | null {
  if (typeof rel !== 'string' || rel.length === 0) return 'the resource path is empty';
  if (rel.length > 1000) return 'the resource path is longer than 1000 characters';
  if (rel.includes('\0')) return 'the resource path has a NUL character';
  if (rel.startsWith('/') || rel.startsWith('\\') || /^[A-Za-z]:/.test(rel)) return `'${rel}' is an absolute path; give a path relative to the library's resources/`;
  if (rel.split(/[\\/]/).includes('..')) return `'${rel}' leaves the library's resources/ (..)`;
  return null;
}

async function readResource(root: string, rel: string, meta: { name: string; version: string }, limits: LibraryLimits): Promise<Uint8Array | null> {
  const at = `library ${meta.name}@${meta.version}`;
  const problem = resourcePathProblem(rel);
  if (problem) throw new LibraryError('unsafe', `${at}: ${problem}`);
  const realRoot = await fsp.realpath(root).catch(() => null);
  const base = await fsp.realpath(path.join(root, 'resources')).catch(() => null);
  if (base === null || realRoot === null) return null;
  if (!inside(realRoot, base)) throw new LibraryError('unsafe', `${at}: resources/ is a symbolic link that leaves the library`);
  const real = await fsp.realpath(path.join(base, rel)).catch(() => null);
  if (real === null) return null;
  if (!inside(base, real)) throw new LibraryError('unsafe', `${at}: resources/${rel} is a symbolic link that leaves the library's resources/`);
  const st = await fsp.stat(real);
  if (!st.isFile()) return null;
  if (st.size > limits.maxFileBytes) throw new LibraryError('limits', `${at}: resources/${rel} is ${st.size} bytes, more than the limit of ${limits.maxFileBytes} bytes`);
  return new Uint8Array(await fsp.readFile(real));
}

export interface GitLibrariesOptions {
  /** Where checkouts are kept: <cacheDir>/<name>/<commit>/ (the controller: <home>/libraries). */
  cacheDir: string;
  limits?: Partial<LibraryLimits>;
  /** Each git command's time limit (default 120 s). */
  timeoutMs?: number;
  /** SSH host keys seen first are kept here (default <cacheDir>/known_hosts). */
  knownHosts?: string;
}

/** The outcome of a load, for messages ("Loading library mylib@main (3f2a1c9)") and tests. */
export interface LoadNote { fetched: boolean; network: boolean }

export class GitLibraries {
  readonly cacheDir: string;
  readonly limits: LibraryLimits;
  readonly #timeoutMs: number;
  readonly #knownHosts: string;
  /** Fetches in flight, by <name>/<commit-or-version>: concurrent builds share one. */
  readonly #inflight = new Map<string, Promise<string>>();
  /** Checkouts read, by directory (a commit's files never change); the most recent 64. */
  readonly #read = new Map<string, Promise<ReadDir>>();
  /** Checkouts being read now (never pruned), with how many reads. */
  readonly #busy = new Map<string, number>();
  /** What the last load of each name@version did (tests, messages). */
  readonly notes = new Map<string, LoadNote>();

  constructor(o: GitLibrariesOptions) {
    this.cacheDir = path.resolve(o.cacheDir);
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.#timeoutMs = o.timeoutMs ?? 120_000;
    this.#knownHosts = o.knownHosts ?? path.join(this.cacheDir, 'known_hosts');
  }

  /** The library at this version: its commit's checkout (fetched when not cached), read. */
  async load(spec: GitLibrarySpec): Promise<LibraryContent> {
    let { commit, dir } = await this.checkout(spec);
    this.#busy.set(dir, (this.#busy.get(dir) ?? 0) + 1);
    try {
      // Pruned between finding it and marking it busy: fetched again (once).
      if (!fs.existsSync(path.join(path.dirname(dir), `${commit}.json`)) || !fs.existsSync(dir)) {
        this.#release(dir);
        ({ commit, dir } = await this.checkout(spec));
        this.#busy.set(dir, (this.#busy.get(dir) ?? 0) + 1);
      }
      // its last use, for pruning (prune keeps the most recently used)
      const now = new Date();
      await fsp.utimes(path.join(path.dirname(dir), `${commit}.json`), now, now).catch(() => {});
      return await this.#loadRead(spec, commit, dir);
    } finally {
      this.#release(dir);
    }
  }

  #release(dir: string): void {
    const n = (this.#busy.get(dir) ?? 1) - 1;
    if (n <= 0) this.#busy.delete(dir);
    else this.#busy.set(dir, n);
  }

  async #loadRead(spec: GitLibrarySpec, commit: string, dir: string): Promise<LibraryContent> {
    let read = this.#read.get(dir);
    if (!read) {
      read = readSources(dir, spec.name, spec.version, this.limits);
      this.#read.set(dir, read);
      read.catch(() => this.#read.delete(dir));
      if (this.#read.size > 64) this.#read.delete(this.#read.keys().next().value!);
    }
    return contentOf(dir, {
      name: spec.name, version: spec.version, commit, source: displayUrl(spec.url), scope: spec.scope, includeInChangesets: spec.includeInChangesets ?? false,
      credentialsId: spec.credential?.id ?? null, ...(spec.fromJenkinsfile ? { fromJenkinsfile: true } : {}),
    }, await read, this.limits);
  }

  /**
   * The commits of a library's repository after `from` up to `to` (`git log from..to`), newest
   * first, at most `max` (`truncated` when there were more, or `from` is not among the last
   * `max` + 1 commits of `to`), and `to` itself (`head`). Read from a blob-less, shallow
   * (`max` + 1 commits) fetch of `to` into a temporary repository: library checkouts keep no history.
   */
  async history(spec: Pick<GitLibrarySpec, 'name' | 'url' | 'credential' | 'signal'>, from: string | null, to: string, max = 100): Promise<{ head: LibraryCommit | null; commits: LibraryCommit[]; truncated: boolean }> {
    const at = `library ${spec.name}`;
    if (!FULL_HASH.test(to) || (from !== null && !FULL_HASH.test(from))) throw new LibraryError('invalid', `${at}: history needs full commit hashes`);
    const badUrl = checkLibraryUrl(spec.url);
    if (badUrl) throw new LibraryError('invalid', `${at}: ${badUrl}`);
    const auth = await gitEnv(spec.credential, this.#knownHosts, at);
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-lib-history-'));
    try {
      const run = (args: string[]) => git(args, { env: auth.env, cwd: tmp, signal: spec.signal, timeoutMs: this.#timeoutMs });
      await run(['init', '--quiet', '--bare', tmp]);
      try {
        await run(['fetch', '--quiet', '--no-tags', '--filter=blob:none', '--depth', String(max + 1), '--', spec.url, to]);
      } catch (err) {
        throw new LibraryError('fetch', `Could not read the history of library ${spec.name} from ${displayUrl(spec.url)}: ${scrub(gitReason(err), auth.secrets)}`);
      }
      const head = parseLog((await run(['log', '-1', `--format=${LOG_FORMAT}`, to, '--'])).stdout)[0] ?? null;
      if (from === null || from === to) return { head, commits: [], truncated: false };
      const has = await run(['cat-file', '-e', `${from}^{commit}`]).then(() => true, () => false);
      const range = has ? [`${from}..${to}`] : [to];
      const commits = parseLog((await run(['log', `-${max + 1}`, `--format=${LOG_FORMAT}`, ...range, '--'])).stdout);
      return { head, commits: commits.slice(0, max), truncated: !has || commits.length > max };
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
      await auth.dispose();
    }
  }

  /**
   * Removes old checkouts: of each library, those beyond the `keep` most recently used, and
   * those unused for longer than `maxAgeMs`; never one a running build uses (`inUse`), one used
   * in the last `graceMs`, or one being read or fetched now. Returns the removed <name>/<commit>.
   */
  async prune(o: PruneOptions): Promise<string[]> {
    const now = o.now ?? Date.now();
    const grace = o.graceMs ?? 10 * 60_000;
    const removed: string[] = [];
    const names = await fsp.readdir(this.cacheDir, { withFileTypes: true }).catch(() => [] as fs.Dirent[]);
    for (const n of names) {
      if (!n.isDirectory() || !LIBRARY_NAME.test(n.name)) continue;
      const libDir = path.join(this.cacheDir, n.name);
      const entries: { commit: string; used: number }[] = [];
      for (const e of await fsp.readdir(libDir).catch(() => [] as string[])) {
        if (!FULL_HASH.test(e)) continue;
        // The last use is the mtime of <commit>.json (load touches it); a checkout without one is a leftover.
        const st = await fsp.stat(path.join(libDir, `${e}.json`)).catch(() => null);
        entries.push({ commit: e, used: st ? st.mtimeMs : 0 });
      }
      entries.sort((a, b) => b.used - a.used);
      for (let i = 0; i < entries.length; i++) {
        const { commit, used } = entries[i]!;
        const old = i >= o.keep || (o.maxAgeMs !== null && now - used > o.maxAgeMs);
        if (!old || now - used < grace || o.inUse(n.name, commit) || this.#busy.has(path.join(libDir, commit)) || this.#inflight.has(`${n.name}/${commit}`)) continue;
        const dir = path.join(libDir, commit);
        // The record first: a load finding no record fetches again rather than read a half-removed tree.
        await fsp.rm(path.join(libDir, `${commit}.json`), { force: true });
        await fsp.rm(dir, { recursive: true, force: true });
        this.#read.delete(dir);
        removed.push(`${n.name}/${commit}`);
      }
    }
    return removed;
  }

  /** The commit the version names and the directory of its checkout, fetching what is missing. */
  async checkout(spec: GitLibrarySpec): Promise<{ commit: string; dir: string }> {
    const { name, url, version } = spec;
    const at = `library ${name}@${version}`;
    if (!LIBRARY_NAME.test(name)) throw new LibraryError('invalid', `'${String(name).slice(0, 100)}' is not a library name: use 1 to 100 letters, digits, '.', '_' or '-'`);
    const badVersion = checkVersion(version);
    if (badVersion) throw new LibraryError('invalid', `${at}: ${badVersion}`);
    const badUrl = checkLibraryUrl(url);
    if (badUrl) throw new LibraryError('invalid', `${at}: ${badUrl}`);
    const libDir = path.join(this.cacheDir, name);
    await fsp.mkdir(libDir, { recursive: true, mode: 0o700 });
    const noteKey = `${name}@${version}`;
    // A commit hash already checked out from this URL: no network.
    const lower = version.toLowerCase();
    if (HEX.test(lower) && lower.length >= 7) {
      const cached = await this.#cachedCommit(libDir, lower, url);
      if (cached) {
        this.notes.set(noteKey, { fetched: false, network: false });
        return { commit: cached, dir: path.join(libDir, cached) };
      }
    }
    const where = `${displayUrl(url)}`;
    const auth = await gitEnv(spec.credential, this.#knownHosts, at);
    try {
      const run = (args: string[], cwd?: string) => git(args, { env: auth.env, cwd, signal: spec.signal, timeoutMs: this.#timeoutMs });
      const failed = (what: string, err: unknown) => new LibraryError('fetch', `Could not ${what} library ${name} (version ${version}) from ${where}: ${scrub(gitReason(err), auth.secrets)}`, { cause: scrub(String((err as Error).message ?? err), auth.secrets) });
      let refs: string;
      try {
        refs = (await run(['ls-remote', '--', url])).stdout;
      } catch (err) {
        throw failed('list the versions of', err);
      }
      const commit = commitOfRef(refs, version);
      if (commit) {
        const dir = path.join(libDir, commit);
        if (await this.#isCached(libDir, commit, url)) {
          this.notes.set(noteKey, { fetched: false, network: true });
          return { commit, dir };
        }
        await this.#once(`${name}/${commit}`, () => this.#fetch(run, libDir, url, commit, commit, { name, version, where, failed, refs: [refSpecOf(refs, version)!] }));
        this.notes.set(noteKey, { fetched: true, network: true });
        return { commit, dir };
      }
      if (!HEX.test(lower)) {
        throw new LibraryError('version', `No version ${version} found for library ${name}: ${where} has no branch or tag '${version}'`);
      }
      // A commit hash no ref names: fetch the branches and tags and look for it.
      const dir = await this.#once(`${name}/${lower}`, () => this.#fetch(run, libDir, url, null, lower, { name, version, where, failed, refs: ['+refs/heads/*:refs/kiln/heads/*', '+refs/tags/*:refs/kiln/tags/*'] }));
      this.notes.set(noteKey, { fetched: true, network: true });
      return { commit: path.basename(dir), dir };
    } finally {
      await auth.dispose();
    }
  }

  #once(key: string, f: () => Promise<string>): Promise<string> {
    let p = this.#inflight.get(key);
    if (!p) {
      p = f().finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p;
  }

  async #isCached(libDir: string, commit: string, url: string): Promise<boolean> {
    const meta = await fsp.readFile(path.join(libDir, `${commit}.json`), 'utf8').catch(() => null);
    if (meta === null) return false;
    try {
      return (JSON.parse(meta) as { url?: string }).url === url && fs.existsSync(path.join(libDir, commit));
    } catch {
      return false;
    }
  }

  /** A cached commit of this URL whose hash starts with `prefix` (exactly one), or null. */
  async #cachedCommit(libDir: string, prefix: string, url: string): Promise<string | null> {
    const names = (await fsp.readdir(libDir).catch(() => [] as string[])).filter((n) => FULL_HASH.test(n) && n.startsWith(prefix));
    const ok: string[] = [];
    for (const n of names) if (await this.#isCached(libDir, n, url)) ok.push(n);
    return ok.length === 1 ? ok[0]! : null;
  }

  /**
   * Fetches into a temporary repository beside the cache, checks the commit's tree against the
   * limits, checks it out and renames it to <libDir>/<commit>. `o.refs`: the refspecs to fetch;
   * `known`: the commit they lead to (a shallow fetch), or null: `hash` is a commit hash (maybe
   * short) to look up among the branches and tags fetched whole.
   */
  async #fetch(run: (args: string[], cwd?: string) => Promise<GitRun>, libDir: string, url: string, known: string | null, hash: string,
    o: { name: string; version: string; where: string; failed: (what: string, err: unknown) => LibraryError; refs: string[] }): Promise<string> {
    const at = `library ${o.name}@${o.version}`;
    const tmp = path.join(libDir, `.fetch-${randomBytes(6).toString('hex')}`);
    await fsp.mkdir(tmp, { recursive: true, mode: 0o700 });
    try {
      await run(['init', '--quiet', tmp]);
      const shallow = known !== null;
      try {
        await run(['fetch', '--quiet', '--no-tags', ...(shallow ? ['--depth', '1'] : []), '--', url, ...o.refs], tmp);
      } catch (err) {
        throw o.failed('fetch', err);
      }
      let commit: string;
      if (known !== null) {
        commit = known;
      } else {
        try {
          commit = (await run(['rev-parse', '--verify', '--quiet', `${hash}^{commit}`], tmp)).stdout.trim();
        } catch {
          throw new LibraryError('version', `No version ${o.version} found for library ${o.name}: ${o.where} has no branch, tag or commit '${o.version}'`);
        }
        if (!FULL_HASH.test(commit)) throw new LibraryError('version', `No version ${o.version} found for library ${o.name}: '${o.version}' names no single commit in ${o.where}`);
      }
      const dest = path.join(libDir, commit);
      if (await this.#isCached(libDir, commit, url)) return dest;
      // The limits, before anything is written out: the tree's entries and sizes.
      const tree = (await run(['ls-tree', '-r', '-l', '-z', commit], tmp)).stdout.split('\0').filter(Boolean);
      if (tree.length > this.limits.maxFiles) throw new LibraryError('limits', `${at}: commit ${commit.slice(0, 7)} has ${tree.length} files, more than the limit of ${this.limits.maxFiles}`);
      let bytes = 0;
      for (const entry of tree) {
        const size = Number(entry.split(/\s+/)[3]);
        if (Number.isFinite(size)) bytes += size;
      }
      if (bytes > this.limits.maxBytes) throw new LibraryError('limits', `${at}: commit ${commit.slice(0, 7)} holds ${bytes} bytes, more than the limit of ${this.limits.maxBytes}`);
      await run(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit], tmp);
      await fsp.rm(path.join(tmp, '.git'), { recursive: true, force: true });
      try {
        await fsp.rename(tmp, dest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // Another process put it there first: theirs is the same commit.
      }
      await fsp.writeFile(path.join(libDir, `${commit}.json`), JSON.stringify({ url, fetchedAt: new Date().toISOString() }));
      return dest;
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }
}

/** `git ls-remote` output → the commit of branch / tag / HEAD `version` (tags peeled), or null. */
export function commitOfRef(lsRemote: string, version: string): string | null {
  const refs = new Map<string, string>();
  for (const line of lsRemote.split('\n')) {
    const [sha, ref] = line.trim().split('\t');
    if (sha && ref) refs.set(ref, sha);
  }
  const names = version === 'HEAD' ? ['HEAD']
    : version.startsWith('refs/') ? [`${version}^{}`, version]
    : [`refs/heads/${version}`, `refs/tags/${version}^{}`, `refs/tags/${version}`];
  for (const n of names) {
    const sha = refs.get(n);
    if (sha && FULL_HASH.test(sha)) return sha;
  }
  return null;
}

/** The refspec that fetches the ref `version` names (as commitOfRef found it). */
function refSpecOf(lsRemote: string, version: string): string | null {
  const refs = new Set(lsRemote.split('\n').map((l) => l.trim().split('\t')[1]).filter(Boolean));
  if (version === 'HEAD') return 'HEAD';
  if (version.startsWith('refs/')) return version;
  if (refs.has(`refs/heads/${version}`)) return `refs/heads/${version}`;
  if (refs.has(`refs/tags/${version}`)) return `refs/tags/${version}`;
  return null;
}
