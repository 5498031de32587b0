// sshPublisher (Publish Over SSH), as the plugin does it: for each sshPublisherDesc, connect to
// the configured server ("SSH: Connecting with configuration [web] ..."), then for each
// sshTransfer send the matching workspace files over SFTP under <server remote directory>/
// <remoteDirectory> and run its execCommand; "SSH: Transferred N file(s)". A failure (cannot
// connect, a command's non-zero exit: "Exec exit status not zero. Status [1]") is printed as
// "ERROR: Exception when publishing, exception message [...]" and makes the build UNSTABLE, or
// FAILURE with failOnError; continueOnError goes on with the next server; sshRetry tries a
// failed publisher again ("SSH: Caught exception [...] Sleeping for [N]ms before trying again"),
// going on from where it stopped. useAgentForwarding forwards an in-process agent holding only
// the configured key; keepFilePermissions, makeEmptyDirs, remoteDirectorySDF (date-format.ts)
// as the plugin has them; paramPublish selects the publishers whose sshLabel matches a build
// variable's expression ("SSH: Skipping [web] - Label [x] does not match expression [prod]");
// useSftpForExec: true and sshCredentials are refused (at lint too).
//
// Safety: the server's host key must match its pinned fingerprint; files are read through the
// Workspace (paths outside it, and links leading out, are refused by it) and their patterns must
// be relative; a remoteDirectory or removePrefix-less path that would leave the server's remote
// directory ('..') is refused before anything is sent. The credential's secret never reaches the
// console (the build masks credentials it resolved).
import os from 'node:os';
import posix from 'node:path/posix';
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { KilnError, StepFailure } from '../../core/errors.ts';
import { bool } from '../../pipeline/steps/args.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { openFile } from '../../util/files-stream.ts';
import type { FileReader } from '../../core/workspace.ts';
import type { SshServer } from '../../core/ssh-publish.ts';
import { compileAntPatterns } from '../../util/antglob.ts';
import { simpleDateFormat } from './date-format.ts';
import { matchesWhole, patternError } from '../../pipeline/script/regex.ts';

type Client = InstanceType<typeof ssh2.Client>;
type Sftp = Parameters<Parameters<Client['sftp']>[0]>[1];

/** A problem of one publisher: printed, and the build's result set; not a step failure. */
class PublishError extends KilnError {
  constructor(message: string) {
    super('ssh-publish.failed', message);
  }
}

interface Transfer {
  sourceFiles: string; excludes: string; removePrefix: string; remoteDirectory: string; remoteDirectorySDF: boolean; execCommand: string;
  execTimeout: number; flatten: boolean; cleanRemote: boolean; noDefaultExcludes: boolean; makeEmptyDirs: boolean; patternSeparator: string; usePty: boolean;
  useAgentForwarding: boolean; keepFilePermissions: boolean;
}

interface Publisher { configName: string; verbose: boolean; transfers: Transfer[]; retries: number; retryDelay: number; label: string }

/** How far a publisher got: a retry goes on from there (files sent are not sent again), as the plugin's TransferState. */
interface Progress { transfer: number; cleaned: boolean; files: number; dirs: number; counts: number[] }

const REFUSED = 'is not supported by Kiln';
/** useSftpForExec: true (refused at lint too, index.ts): the plugin's own small command language is not implemented. */
const USE_SFTP_FOR_EXEC = "useSftpForExec: true (execCommand as SFTP commands: cd, mkdir, rm, ln, ls, get) is not supported by Kiln; run the command over SSH (leave useSftpForExec false)";

/** A publisher's sshCredentials (refused at lint too, index.ts): Jenkins' key and passphrase there are encrypted with that Jenkins' own secret. */
export const CREDENTIALS_REFUSED = "a username and key (or encrypted passphrase) written in the Jenkinsfile cannot be used by Kiln (Jenkins decrypts them with its own secret); the server's credential is configured on the host";

/** A publisher's label (sshLabel: [label: 'x'], the snippet's form, or label: 'x'): '' when none. */
function labelOf(v: Value | undefined, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (isMap(v)) {
    for (const k of v.keys()) if (!['$symbol', '$class', 'label'].includes(k)) throw new StepFailure(`sshPublisher: ${where}.sshLabel: unknown parameter '${k}' (it takes label)`);
    const l = v.get('label');
    return l === undefined || l === null ? '' : String(l);
  }
  throw new StepFailure(`sshPublisher: ${where}.sshLabel must be [label: '...'], got ${String(v)}`);
}

/** Util.replaceMacro: ${NAME} and $NAME replaced by the build's variables; unknown ones stay. */
function replaceMacro(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$\{([A-Za-z0-9_.]+)\}|\$([A-Za-z0-9_]+)/g, (all, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? all);
}

/**
 * paramPublish (ParamPublish.createSelector): no parameterName (the snippet's `[parameterName: '']`)
 * publishes to all; else the build variable of that name is a regular expression, and a
 * publisher is used when its label (variables replaced, trimmed) matches it whole, with the
 * plugin's line either way. A missing variable or a bad expression fails the publishing.
 */
async function selector(ctx: StepContext, v: Value | undefined): Promise<((p: Publisher) => Promise<boolean>) | null> {
  if (v === undefined || v === null) return null;
  let name: string;
  if (typeof v === 'string') name = v;
  else if (isMap(v)) {
    for (const k of v.keys()) if (!['$symbol', '$class', 'parameterName'].includes(k)) throw new StepFailure(`sshPublisher: paramPublish: unknown parameter '${k}' (it takes parameterName)`);
    name = v.get('parameterName') === undefined || v.get('parameterName') === null ? '' : String(v.get('parameterName'));
  } else throw new StepFailure(`sshPublisher: paramPublish must be [parameterName: '...'], got ${String(v)}`);
  if (name.trim() === '') return null;
  const regexp = ctx.env[name];
  if (regexp === undefined) throw new PublishError(`Failed to find parameter named [${name}]`);
  const bad = patternError(regexp);
  if (bad !== null) throw new PublishError(`Bad regular expression. Parameter name [${name}], value [${regexp}], message [${bad}]`);
  const site = { loc: null, signal: ctx.signal, owner: ctx.build };
  return async (p) => {
    const label = replaceMacro(p.label.trim(), ctx.env);
    if (await matchesWhole(label, regexp, site)) {
      ctx.log(`SSH: Publishing to [${p.configName}] - Label [${label}] matches expression [${regexp}]`);
      return true;
    }
    ctx.log(`SSH: Skipping [${p.configName}] - Label [${label}] does not match expression [${regexp}]`);
    return false;
  };
}

function mapOf(v: Value, what: string, symbol: string): Map<string, Value> {
  if (!isMap(v)) throw new StepFailure(`sshPublisher: ${what} must be ${symbol}(...), got ${String(v)}`);
  const sym = v.get('$symbol') ?? v.get('$class');
  if (sym !== undefined && sym !== symbol && sym !== (symbol === 'sshPublisherDesc' ? 'BapSshPublisher' : 'BapSshTransfer')) throw new StepFailure(`sshPublisher: ${what} must be ${symbol}(...), got ${String(sym)}(...)`);
  return v;
}

function parseTransfer(m: Map<string, Value>, where: string): Transfer {
  const s = (k: string) => { const x = m.get(k); return x === undefined || x === null ? '' : String(x); };
  const b = (k: string) => m.get(k) === true || m.get(k) === 'true';
  if (b('useSftpForExec')) throw new StepFailure(`sshPublisher: ${where}: ${USE_SFTP_FOR_EXEC}`);
  const t = m.get('execTimeout');
  const execTimeout = t === undefined || t === null ? 120_000 : Number(t);
  if (!Number.isInteger(execTimeout) || execTimeout < 0) throw new StepFailure(`sshPublisher: ${where}: execTimeout must be a whole number of ms, 0 or more`);
  const tr: Transfer = {
    sourceFiles: s('sourceFiles').trim(), excludes: s('excludes').trim(), removePrefix: s('removePrefix').trim(), remoteDirectory: s('remoteDirectory').trim(),
    execCommand: s('execCommand'), execTimeout, flatten: b('flatten'), cleanRemote: b('cleanRemote'), noDefaultExcludes: b('noDefaultExcludes'),
    makeEmptyDirs: b('makeEmptyDirs'), patternSeparator: s('patternSeparator') || '[, ]+', usePty: b('usePty'),
    remoteDirectorySDF: b('remoteDirectorySDF'), useAgentForwarding: b('useAgentForwarding'), keepFilePermissions: b('keepFilePermissions'),
  };
  try {
    new RegExp(tr.patternSeparator);
  } catch (e) {
    throw new StepFailure(`sshPublisher: ${where}: patternSeparator '${tr.patternSeparator}' must be a valid regular expression - ${(e as Error).message}`);
  }
  if (tr.sourceFiles === '' && tr.execCommand.trim() === '') throw new StepFailure(`sshPublisher: ${where}: Either Source files, Exec command or both must be supplied`);
  // The remote directory stays under the server's: no '..' leaving it (a leading '/' is relative to it, as the plugin has it).
  const rd = posix.normalize(`/${tr.remoteDirectory.replace(/\\/g, '/')}`);
  if (tr.remoteDirectory.split(/[\\/]/).includes('..') || tr.remoteDirectory.includes('\0')) throw new StepFailure(`sshPublisher: ${where}: remoteDirectory '${tr.remoteDirectory}' has a '..' part: it must stay inside the server's remote directory`);
  tr.remoteDirectory = rd === '/' ? '' : rd.slice(1);
  if (tr.removePrefix !== '' && relPathProblem(tr.removePrefix.replace(/\/+$/, '')) !== null) throw new StepFailure(`sshPublisher: ${where}: removePrefix '${tr.removePrefix}': ${relPathProblem(tr.removePrefix.replace(/\/+$/, ''))}`);
  return tr;
}

/** sshRetry(retries: 3, retryDelay: 10000) (or the map/$class form): how often a failed publisher is tried again, and the ms between. */
function parseRetry(v: Value | undefined, where: string): { retries: number; retryDelay: number } {
  if (v === undefined || v === null) return { retries: 0, retryDelay: 10_000 };
  if (!isMap(v)) throw new StepFailure(`sshPublisher: ${where}.sshRetry must be sshRetry(retries: N, retryDelay: ms), got ${String(v)}`);
  for (const k of v.keys()) if (!['$symbol', '$class', 'retries', 'retryDelay'].includes(k)) throw new StepFailure(`sshPublisher: ${where}.sshRetry: unknown parameter '${k}' (it takes retries, retryDelay)`);
  const retries = Number(v.get('retries') ?? 0);
  const retryDelay = Number(v.get('retryDelay') ?? 10_000);
  if (!Number.isInteger(retries) || retries < 0 || retries > 100) throw new StepFailure(`sshPublisher: ${where}.sshRetry: retries must be a whole number from 0 to 100, got ${String(v.get('retries'))}`);
  if (!Number.isInteger(retryDelay) || retryDelay < 1 || retryDelay > 3_600_000) throw new StepFailure(`sshPublisher: ${where}.sshRetry: retryDelay must be a whole number of ms from 1 to 3600000, got ${String(v.get('retryDelay'))}`);
  return { retries, retryDelay };
}

function parse(args: { values: Record<string, Value> }): Publisher[] {
  const pubs = args.values['publishers'];
  if (!isList(pubs) || pubs.length === 0) throw new StepFailure("sshPublisher: publishers must list at least one sshPublisherDesc(configName: '...', transfers: [...])");
  return pubs.map((p, i) => {
    const m = mapOf(p, `publishers[${i}]`, 'sshPublisherDesc');
    for (const k of ['sshCredentials', 'credentials']) {
      const v = m.get(k);
      if (v !== undefined && v !== null && v !== '') throw new StepFailure(`sshPublisher: publishers[${i}].${k}: ${CREDENTIALS_REFUSED}`);
    }
    const configName = m.get('configName');
    if (typeof configName !== 'string' || configName === '') throw new StepFailure(`sshPublisher: publishers[${i}] names no configName`);
    const transfers = m.get('transfers') ?? [];
    if (!isList(transfers)) throw new StepFailure(`sshPublisher: publishers[${i}].transfers must be a list of sshTransfer(...)`);
    const { retries, retryDelay } = parseRetry(m.get('sshRetry') ?? m.get('retry'), `publishers[${i}]`);
    return {
      configName, verbose: m.get('verbose') === true || m.get('verbose') === 'true', retries, retryDelay, label: labelOf(m.get('sshLabel') ?? m.get('label'), `publishers[${i}]`),
      transfers: transfers.map((t, j) => parseTransfer(mapOf(t, `publishers[${i}].transfers[${j}]`, 'sshTransfer'), `publishers[${i}].transfers[${j}]`)),
    };
  });
}

function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * An agent holding the configured key, forwarded to the server for a command with
 * useAgentForwarding (JSch forwards the identities it logged in with, so does this): the command
 * can `ssh`/`git` onwards with the key, which never leaves the controller (the server only gets signatures).
 */
function keyAgent(privateKey: string | null, passphrase: string | undefined): InstanceType<typeof ssh2.BaseAgent> {
  const keys: ParsedKey[] = [];
  if (privateKey) {
    const k = ssh2.utils.parseKey(privateKey, passphrase);
    const key = Array.isArray(k) ? k[0] : k;
    if (key && !(key instanceof Error)) keys.push(key);
  }
  class KeyAgent extends ssh2.BaseAgent<ParsedKey> {
    override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void { cb(undefined, keys); }
    override sign(pub: ParsedKey, data: Buffer, options: unknown, cb?: (err: Error | undefined, sig?: Buffer) => void): void {
      const done = typeof options === 'function' ? (options as (err: Error | undefined, sig?: Buffer) => void) : cb!;
      const key = keys.find((k) => k.getPublicSSH().equals(pub.getPublicSSH()));
      if (!key) return done(new Error('no such key'));
      const hash = typeof options === 'object' && options !== null ? (options as { hash?: string }).hash : undefined;
      done(undefined, key.sign(data, hash));
    }
    override getStream(cb: (err: Error | undefined, stream?: InstanceType<typeof ssh2.AgentProtocol>) => void): void {
      const proto = new ssh2.AgentProtocol(false);
      proto.on('identities', (req) => proto.getIdentitiesReply(req, keys));
      proto.on('sign', (req, pub, data, flags) => {
        const key = keys.find((k) => k.getPublicSSH().equals(pub.getPublicSSH()));
        if (!key) return proto.failureReply(req);
        const sig = key.sign(data, flags.hash);
        if (sig instanceof Error) return proto.failureReply(req);
        proto.signReply(req, sig);
      });
      cb(undefined, proto);
    }
  }
  return new KeyAgent();
}

async function connect(ctx: StepContext, server: SshServer, forwardAgent = false): Promise<Client> {
  const cred = await ctx.build.services.credential(server.credentialsId);
  const auth = cred.type === 'sshKey' ? { privateKey: cred.privateKey ?? '', ...(cred.passphrase ? { passphrase: cred.passphrase } : {}) }
    : cred.type === 'usernamePassword' ? { password: cred.password ?? '' }
    : null;
  if (!auth) throw new PublishError(`credential '${server.credentialsId}' is a ${cred.type} credential; an SSH key or a username with password is needed`);
  const where = `${server.hostname}:${server.port}`;
  const client = new ssh2.Client();
  const agent = forwardAgent ? { agent: keyAgent(cred.type === 'sshKey' ? cred.privateKey ?? null : null, cred.passphrase ?? undefined), agentForward: true } : {};
  let hostKeyProblem: string | null = null;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => { client.end(); reject(new PublishError('the build was aborted')); };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => { ctx.signal.removeEventListener('abort', onAbort); resolve(); });
    client.once('error', (err: Error & { level?: string; code?: string }) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (hostKeyProblem) return reject(new PublishError(hostKeyProblem));
      if (err.level === 'client-authentication') return reject(new PublishError(`Failed to connect and initialize SSH connection: authentication failed on ${where} for user '${server.username}' with credential '${server.credentialsId}'`));
      reject(new PublishError(`Failed to connect and initialize SSH connection to ${where}: ${err.code ?? ''} ${err.message}`.replace(/\s+/g, ' ').trim()));
    });
    client.connect({
      host: server.hostname, port: server.port, username: server.username, readyTimeout: server.timeoutMs, ...auth, ...agent,
      hostVerifier: (key: Buffer) => {
        const fp = fingerprintOf(key);
        if (fp === server.hostKeyFingerprint.replace(/=+$/, '')) return true;
        hostKeyProblem = `host key mismatch for ${where}: the configuration [${server.name}] pins ${server.hostKeyFingerprint}, the host offered ${fp}`;
        return false;
      },
    });
  });
  return client;
}

const sftpOf = (c: Client) => new Promise<Sftp>((res, rej) => c.sftp((e, s) => (e ? rej(new PublishError(`cannot open SFTP: ${e.message}`)) : res(s))));
const cb = <T>(f: (done: (e: Error | null | undefined, v?: T) => void) => void, what: string) => new Promise<T>((res, rej) => f((e, v) => (e ? rej(new PublishError(`SFTP ${what}: ${e.message}`)) : res(v as T))));

async function mkdirs(sftp: Sftp, dir: string, made: Set<string>): Promise<void> {
  if (dir === '/' || dir === '.' || dir === '' || made.has(dir)) return;
  await mkdirs(sftp, posix.dirname(dir), made);
  const st = await new Promise<{ isDirectory(): boolean } | null>((res) => sftp.stat(dir, (e, s) => res(e ? null : s)));
  if (!st) await cb<void>((d) => sftp.mkdir(dir, (e) => d(e)), `mkdir ${dir}`);
  else if (!st.isDirectory()) throw new PublishError(`${dir} on the server is not a directory`);
  made.add(dir);
}

/** Streams a workspace file to the server (memory bounded whatever its size). */
async function put(sftp: Sftp, reader: FileReader, remote: string): Promise<void> {
  const out = sftp.createWriteStream(remote);
  const done = new Promise<void>((res, rej) => {
    out.once('close', () => res());
    out.once('error', (e: Error) => rej(new PublishError(`SFTP put ${remote}: ${e.message}`)));
  });
  done.catch(() => {});
  try {
    for await (const chunk of reader.chunks()) {
      if (!out.write(chunk)) await new Promise<void>((r, j) => { out.once('drain', r); out.once('error', j); });
    }
  } catch (e) {
    out.destroy();
    await reader.close();
    if (e instanceof PublishError) throw e;
    throw e instanceof Error && !(e instanceof KilnError) ? new PublishError(`SFTP put ${remote}: ${e.message}`) : e;
  }
  out.end();
  await done;
}

async function removeTree(sftp: Sftp, dir: string): Promise<void> {
  const entries = await new Promise<{ filename: string; attrs: { isDirectory(): boolean } }[]>((res) => sftp.readdir(dir, (e, l) => res(e ? [] : l)));
  for (const e of entries) {
    const p = posix.join(dir, e.filename);
    if (e.attrs.isDirectory()) {
      await removeTree(sftp, p);
      await cb<void>((d) => sftp.rmdir(p, (er) => d(er)), `rmdir ${p}`);
    } else {
      await cb<void>((d) => sftp.unlink(p, (er) => d(er)), `remove ${p}`);
    }
  }
}

async function exec(ctx: StepContext, client: Client, t: Transfer, verbose: boolean): Promise<void> {
  const started = Date.now();
  const out: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    client.exec(t.execCommand, { pty: t.usePty, ...(t.useAgentForwarding ? { agentForward: true } : {}) }, (err, ch) => {
      if (err) return reject(new PublishError(`cannot run the command: ${err.message}`));
      const timer = t.execTimeout > 0 ? setTimeout(() => { ch.close(); reject(new PublishError(`Exec timed out or was interrupted after ${t.execTimeout} ms`)); }, t.execTimeout) : null;
      const onAbort = () => { ch.close(); reject(new PublishError('the build was aborted')); };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      ch.on('data', (d: Buffer) => out.push(d));
      ch.stderr.on('data', (d: Buffer) => out.push(d));
      ch.on('close', (c: number | null) => {
        if (timer) clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(typeof c === 'number' ? c : null);
      });
    });
  });
  if (verbose) {
    ctx.log(`SSH: EXEC: STDOUT/STDERR from command [${t.execCommand}] ...`);
    const text = Buffer.concat(out).toString('utf8');
    if (text !== '') ctx.log(text.replace(/\n$/, ''));
  }
  ctx.log(`SSH: EXEC: completed after ${Date.now() - started} ms`);
  if (code !== 0) throw new PublishError(`Exec exit status not zero. Status [${code === null ? -1 : code}]`);
}

/**
 * makeEmptyDirs: the leaf directories the patterns select that hold no selected file, as the
 * plugin's FileFinder finds them (listed on the node with find, matched with Ant's rules here).
 */
async function emptyDirs(ctx: StepContext, base: string, includes: string, excludes: string | undefined, defaultExcludes: boolean, files: string[]): Promise<string[]> {
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  let size = 0;
  const r = await ws.exec({ argv: ['find', '.', '-type', 'd', '-print0'], cwd: base, env: { PATH: ctx.env['PATH'] ?? '/usr/bin:/bin' }, signal: ctx.signal,
    onOutput: (c, st) => { if (st === 'stdout' && (size += c.length) <= 16 << 20) out.push(c); } });
  if (r.exitCode !== 0 || size > 16 << 20) throw new PublishError(`makeEmptyDirs: cannot list the directories of ${base}${size > 16 << 20 ? ' (more than 16 MB of names)' : ''}`);
  const matcher = compileAntPatterns(includes, excludes, { defaultExcludes });
  const dirs = Buffer.concat(out).toString('utf8').split('\0').map((d) => d.replace(/^\.\/?/, '')).filter((d) => d !== '' && matcher.matches(d));
  const leaf = dirs.filter((d) => !dirs.some((o) => o.startsWith(`${d}/`)));
  return leaf.filter((d) => !files.some((f) => f.startsWith(`${d}/`))).sort();
}

/** The remote directory, formatted at `when` (the build's start, as the plugin) with remoteDirectorySDF. */
function remoteDirOf(t: Transfer, when: Date): string {
  if (!t.remoteDirectorySDF) return t.remoteDirectory;
  let formatted: string;
  try {
    formatted = simpleDateFormat(t.remoteDirectory, when);
  } catch (e) {
    throw new PublishError(`Could not create a date format from [${t.remoteDirectory}] exception message [${(e as Error).message}]`);
  }
  if (formatted.split(/[\\/]/).includes('..') || formatted.includes('\0')) throw new PublishError(`remoteDirectory [${formatted}] (formatted from [${t.remoteDirectory}]) has a '..' part: it must stay inside the server's remote directory`);
  const rd = posix.normalize(`/${formatted.replace(/\\/g, '/')}`);
  return rd === '/' ? '' : rd.slice(1);
}

async function publish(ctx: StepContext, p: Publisher, server: SshServer, progress: Progress): Promise<void> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  ctx.log(`SSH: Connecting from host [${os.hostname()}]`);
  ctx.log(`SSH: Connecting with configuration [${server.name}] ...`);
  const client = await connect(ctx, server, p.transfers.some((t) => t.useAgentForwarding && t.execCommand.trim() !== ''));
  try {
    let sftp: Sftp | null = null;
    let root = '';
    for (; progress.transfer < p.transfers.length; progress.transfer++, progress.cleaned = false, progress.files = 0, progress.dirs = 0) {
      const t = p.transfers[progress.transfer]!;
      if (t.sourceFiles !== '') {
        const sep = new RegExp(t.patternSeparator);
        const patterns = t.sourceFiles.split(sep).filter((x) => x !== '');
        for (const pat of patterns) {
          if (pat.startsWith('/') || pat.split('/').includes('..')) throw new StepFailure(`sshPublisher: sourceFiles '${pat}' leaves the workspace: patterns are relative to it, without '..'`);
        }
        const excludes = t.excludes ? t.excludes.split(sep).filter((x) => x !== '').join(',') : undefined;
        const files = await ws.glob(base, patterns.join(','), excludes, { defaultExcludes: !t.noDefaultExcludes });
        const dirs = t.makeEmptyDirs ? await emptyDirs(ctx, base, patterns.join(','), excludes, !t.noDefaultExcludes, files) : [];
        if (!sftp) {
          sftp = await sftpOf(client);
          const home = await cb<string>((d) => sftp!.realpath('.', d), 'realpath');
          root = posix.resolve(home, server.remoteDirectory || '.');
          if (p.verbose) ctx.log(`SSH: remote root is [${root}]`);
        }
        const s = sftp;
        const remoteDir = remoteDirOf(t, new Date(ctx.build.startedAt ?? Date.now()));
        const target = remoteDir ? posix.join(root, remoteDir) : root;
        if (t.cleanRemote && !progress.cleaned) {
          if (p.verbose) ctx.log(`SSH: cleaning [${target}]`);
          await removeTree(s, target);
          progress.cleaned = true;
        }
        const prefix = t.removePrefix.replace(/\/+$/, '');
        const strip = (rel: string): string => {
          if (relPathProblem(rel) !== null) throw new PublishError(`'${rel}' is not a plain path in the workspace`);
          if (prefix === '') return rel;
          if (!rel.startsWith(`${prefix}/`)) throw new PublishError(`Failed to remove prefix from file named [${rel}]. Prefix [${prefix}] must be present in all file paths`);
          return rel.slice(prefix.length + 1);
        };
        if (t.flatten) {
          const seen = new Set<string>();
          for (const rel of files) {
            const name = posix.basename(rel);
            if (seen.has(name)) throw new PublishError(`Duplicate filename detected in flatten mode. Filename [${name}]`);
            seen.add(name);
          }
        }
        const made = new Set<string>();
        for (; progress.files < files.length; progress.files++) {
          const rel = files[progress.files]!;
          let dest = strip(rel);
          if (t.flatten) dest = posix.basename(dest);
          const remote = posix.join(target, dest);
          await mkdirs(s, posix.dirname(remote), made);
          const local = posix.join(base, rel);
          await put(s, await openFile(ws, local), remote);
          if (p.verbose) ctx.log(`SSH: put [${dest}] to [${posix.dirname(remote)}]`);
          if (t.keepFilePermissions) await keepModes(ctx, s, local, remote, p.verbose);
          progress.counts[progress.transfer] = (progress.counts[progress.transfer] ?? 0) + 1;
        }
        if (!t.flatten) {
          for (; progress.dirs < dirs.length; progress.dirs++) {
            const dest = strip(dirs[progress.dirs]!);
            if (dest === '') continue;
            const remote = posix.join(target, dest);
            await mkdirs(s, remote, made);
            if (p.verbose) ctx.log(`SSH: mkdir [${dest}] in [${target}]`);
          }
        }
      }
      progress.counts[progress.transfer] ??= 0;
      if (t.execCommand.trim() !== '') await exec(ctx, client, t, p.verbose);
    }
  } finally {
    ctx.log(`SSH: Disconnecting configuration [${server.name}] ...`);
    client.end();
  }
  const total = progress.counts.reduce((a, b) => a + b, 0);
  ctx.log(`SSH: Transferred ${total}${progress.counts.length > 1 ? ` ( ${progress.counts.join(' + ')} )` : ''} file(s)`);
}

/** keepFilePermissions: the remote file (and its directory) get the workspace file's (and directory's) rwx bits; setuid, setgid and sticky are not passed on (the plugin passes them). */
async function keepModes(ctx: StepContext, s: Sftp, local: string, remote: string, verbose: boolean): Promise<void> {
  const ws = ctx.workspace();
  const dirStat = await ws.stat(posix.dirname(local));
  if (dirStat) {
    const mode = dirStat.mode & 0o777;
    if (verbose) ctx.log(`SSH: chmod ${mode.toString(8)} [${posix.dirname(remote)}]`);
    await cb<void>((d) => s.chmod(posix.dirname(remote), mode, (e) => d(e)), `chmod ${posix.dirname(remote)}`);
  }
  const st = await ws.stat(local);
  if (st) {
    const mode = st.mode & 0o777;
    if (verbose) ctx.log(`SSH: chmod ${mode.toString(8)} [${posix.basename(remote)}]`);
    await cb<void>((d) => s.chmod(remote, mode, (e) => d(e)), `chmod ${remote}`);
  }
}

/** Publishes to one server, trying again after a failure as sshRetry asks (the plugin's line, then a sleep the build's abort ends). */
async function publishWithRetry(ctx: StepContext, p: Publisher, server: SshServer): Promise<void> {
  const progress: Progress = { transfer: 0, cleaned: false, files: 0, dirs: 0, counts: [] };
  for (let attempt = 0; ; attempt++) {
    try {
      return await publish(ctx, p, server, progress);
    } catch (err) {
      if (!(err instanceof PublishError) || attempt >= p.retries) throw err;
      ctx.log(`SSH: Caught exception [${err.message}] Sleeping for [${p.retryDelay}]ms before trying again`);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { ctx.signal.removeEventListener('abort', onAbort); resolve(); }, p.retryDelay);
        const onAbort = () => { clearTimeout(timer); reject(new PublishError('Interrupted whilst sleeping before retry')); };
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

const sshPublisher: StepRun = async (ctx, args) => {
  const publishers = parse(args);
  const failOnError = bool(args, 'failOnError', false);
  const continueOnError = bool(args, 'continueOnError', false);
  const host = ctx.build.services.sshServers;
  const servers = host ? await host.servers() : [];
  let selected: Awaited<ReturnType<typeof selector>>;
  try {
    selected = await selector(ctx, args.values['paramPublish']);
  } catch (err) {
    if (!(err instanceof PublishError)) throw err;
    ctx.log(`ERROR: Exception when publishing, exception message [${err.message}]`);
    const result = failOnError ? 'FAILURE' : 'UNSTABLE';
    ctx.build.setResult(result, result);
    return null;
  }
  for (const p of publishers) {
    if (selected && !(await selected(p))) continue;
    try {
      const server = servers.find((s) => s.name === p.configName);
      if (!server) {
        throw new PublishError(`no SSH server configuration [${p.configName}]${servers.length ? ` (configured: ${servers.map((s) => s.name).join(', ')})` : ''}; ${host?.configureHint ?? 'this host has no SSH servers configured'}`);
      }
      await publishWithRetry(ctx, p, server);
    } catch (err) {
      if (!(err instanceof PublishError)) throw err;
      ctx.log(`ERROR: Exception when publishing, exception message [${err.message}]`);
      const result = failOnError ? 'FAILURE' : 'UNSTABLE';
      ctx.build.setResult(result, result);
      if (!continueOnError) break;
    }
  }
  return null;
};

const runtime: PluginRuntime = { steps: { sshPublisher } };
export default runtime;
