// sshPublisher (Publish Over SSH), as the plugin does it: for each sshPublisherDesc, connect to
// the configured server ("SSH: Connecting with configuration [web] ..."), then for each
// sshTransfer send the matching workspace files over SFTP under <server remote directory>/
// <remoteDirectory> and run its execCommand; "SSH: Transferred N file(s)". A failure (cannot
// connect, a command's non-zero exit: "Exec exit status not zero. Status [1]") is printed as
// "ERROR: Exception when publishing, exception message [...]" and makes the build UNSTABLE, or
// FAILURE with failOnError; continueOnError goes on with the next server.
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
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { KilnError, StepFailure } from '../../core/errors.ts';
import { bool } from '../../pipeline/steps/args.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { openFile } from '../../util/files-stream.ts';
import type { FileReader } from '../../core/workspace.ts';
import type { SshServer } from '../../core/ssh-publish.ts';

type Client = InstanceType<typeof ssh2.Client>;
type Sftp = Parameters<Parameters<Client['sftp']>[0]>[1];

/** A problem of one publisher: printed, and the build's result set; not a step failure. */
class PublishError extends KilnError {
  constructor(message: string) {
    super('ssh-publish.failed', message);
  }
}

interface Transfer {
  sourceFiles: string; excludes: string; removePrefix: string; remoteDirectory: string; execCommand: string;
  execTimeout: number; flatten: boolean; cleanRemote: boolean; noDefaultExcludes: boolean; makeEmptyDirs: boolean; patternSeparator: string; usePty: boolean;
}

interface Publisher { configName: string; verbose: boolean; transfers: Transfer[] }

const REFUSED = 'is not supported by Kiln';

function mapOf(v: Value, what: string, symbol: string): Map<string, Value> {
  if (!isMap(v)) throw new StepFailure(`sshPublisher: ${what} must be ${symbol}(...), got ${String(v)}`);
  const sym = v.get('$symbol') ?? v.get('$class');
  if (sym !== undefined && sym !== symbol && sym !== (symbol === 'sshPublisherDesc' ? 'BapSshPublisher' : 'BapSshTransfer')) throw new StepFailure(`sshPublisher: ${what} must be ${symbol}(...), got ${String(sym)}(...)`);
  return v;
}

function parseTransfer(m: Map<string, Value>, where: string): Transfer {
  const s = (k: string) => { const x = m.get(k); return x === undefined || x === null ? '' : String(x); };
  const b = (k: string) => m.get(k) === true || m.get(k) === 'true';
  if (b('remoteDirectorySDF')) throw new StepFailure(`sshPublisher: ${where}: remoteDirectorySDF (a date-formatted remote directory) ${REFUSED}`);
  const t = m.get('execTimeout');
  const execTimeout = t === undefined || t === null ? 120_000 : Number(t);
  if (!Number.isInteger(execTimeout) || execTimeout < 0) throw new StepFailure(`sshPublisher: ${where}: execTimeout must be a whole number of ms, 0 or more`);
  const tr: Transfer = {
    sourceFiles: s('sourceFiles').trim(), excludes: s('excludes').trim(), removePrefix: s('removePrefix').trim(), remoteDirectory: s('remoteDirectory').trim(),
    execCommand: s('execCommand'), execTimeout, flatten: b('flatten'), cleanRemote: b('cleanRemote'), noDefaultExcludes: b('noDefaultExcludes'),
    makeEmptyDirs: b('makeEmptyDirs'), patternSeparator: s('patternSeparator') || '[, ]+', usePty: b('usePty'),
  };
  if (tr.sourceFiles === '' && tr.execCommand.trim() === '') throw new StepFailure(`sshPublisher: ${where}: Either Source files, Exec command or both must be supplied`);
  // The remote directory stays under the server's: no '..' leaving it (a leading '/' is relative to it, as the plugin has it).
  const rd = posix.normalize(`/${tr.remoteDirectory.replace(/\\/g, '/')}`);
  if (tr.remoteDirectory.split(/[\\/]/).includes('..') || tr.remoteDirectory.includes('\0')) throw new StepFailure(`sshPublisher: ${where}: remoteDirectory '${tr.remoteDirectory}' has a '..' part: it must stay inside the server's remote directory`);
  tr.remoteDirectory = rd === '/' ? '' : rd.slice(1);
  if (tr.removePrefix !== '' && relPathProblem(tr.removePrefix.replace(/\/+$/, '')) !== null) throw new StepFailure(`sshPublisher: ${where}: removePrefix '${tr.removePrefix}': ${relPathProblem(tr.removePrefix.replace(/\/+$/, ''))}`);
  return tr;
}

function parse(args: { values: Record<string, Value> }): Publisher[] {
  if (args.values['paramPublish'] !== undefined && args.values['paramPublish'] !== null) throw new StepFailure(`sshPublisher: paramPublish (parameterized publishing) ${REFUSED}`);
  const pubs = args.values['publishers'];
  if (!isList(pubs) || pubs.length === 0) throw new StepFailure("sshPublisher: publishers must list at least one sshPublisherDesc(configName: '...', transfers: [...])");
  return pubs.map((p, i) => {
    const m = mapOf(p, `publishers[${i}]`, 'sshPublisherDesc');
    for (const k of ['label', 'sshCredentials', 'credentials']) {
      const v = m.get(k);
      if (v !== undefined && v !== null && v !== '') throw new StepFailure(`sshPublisher: publishers[${i}].${k} ${REFUSED}: the server's credential is configured on the host`);
    }
    const configName = m.get('configName');
    if (typeof configName !== 'string' || configName === '') throw new StepFailure(`sshPublisher: publishers[${i}] names no configName`);
    const transfers = m.get('transfers') ?? [];
    if (!isList(transfers)) throw new StepFailure(`sshPublisher: publishers[${i}].transfers must be a list of sshTransfer(...)`);
    return {
      configName, verbose: m.get('verbose') === true,
      transfers: transfers.map((t, j) => parseTransfer(mapOf(t, `publishers[${i}].transfers[${j}]`, 'sshTransfer'), `publishers[${i}].transfers[${j}]`)),
    };
  });
}

function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

async function connect(ctx: StepContext, server: SshServer): Promise<Client> {
  const cred = await ctx.build.services.credential(server.credentialsId);
  const auth = cred.type === 'sshKey' ? { privateKey: cred.privateKey ?? '', ...(cred.passphrase ? { passphrase: cred.passphrase } : {}) }
    : cred.type === 'usernamePassword' ? { password: cred.password ?? '' }
    : null;
  if (!auth) throw new PublishError(`credential '${server.credentialsId}' is a ${cred.type} credential; an SSH key or a username with password is needed`);
  const where = `${server.hostname}:${server.port}`;
  const client = new ssh2.Client();
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
      host: server.hostname, port: server.port, username: server.username, readyTimeout: server.timeoutMs, ...auth,
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
    client.exec(t.execCommand, { pty: t.usePty }, (err, ch) => {
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

async function publish(ctx: StepContext, p: Publisher, server: SshServer): Promise<void> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  ctx.log(`SSH: Connecting from host [${os.hostname()}]`);
  ctx.log(`SSH: Connecting with configuration [${server.name}] ...`);
  const client = await connect(ctx, server);
  let transferred = 0;
  try {
    let sftp: Sftp | null = null;
    let root = '';
    for (const t of p.transfers) {
      if (t.sourceFiles !== '') {
        const patterns = t.sourceFiles.split(new RegExp(t.patternSeparator)).filter((x) => x !== '');
        for (const pat of patterns) {
          if (pat.startsWith('/') || pat.split('/').includes('..')) throw new StepFailure(`sshPublisher: sourceFiles '${pat}' leaves the workspace: patterns are relative to it, without '..'`);
        }
        const files = await ws.glob(base, patterns.join(','), t.excludes ? t.excludes.split(new RegExp(t.patternSeparator)).filter((x) => x !== '').join(',') : undefined, { defaultExcludes: !t.noDefaultExcludes });
        if (!sftp) {
          sftp = await sftpOf(client);
          const home = await cb<string>((d) => sftp!.realpath('.', d), 'realpath');
          root = posix.resolve(home, server.remoteDirectory || '.');
          if (p.verbose) ctx.log(`SSH: remote root is [${root}]`);
        }
        const s = sftp;
        const target = t.remoteDirectory ? posix.join(root, t.remoteDirectory) : root;
        if (t.cleanRemote) {
          if (p.verbose) ctx.log(`SSH: cleaning [${target}]`);
          await removeTree(s, target);
        }
        const prefix = t.removePrefix.replace(/\/+$/, '');
        const made = new Set<string>();
        for (const rel of files) {
          if (relPathProblem(rel) !== null) throw new PublishError(`'${rel}' is not a plain path in the workspace`);
          let dest = rel;
          if (prefix !== '') {
            if (!rel.startsWith(`${prefix}/`)) throw new PublishError(`removePrefix [${prefix}] is not a prefix of the file [${rel}]`);
            dest = rel.slice(prefix.length + 1);
          }
          if (t.flatten) dest = posix.basename(dest);
          const remote = posix.join(target, dest);
          await mkdirs(s, posix.dirname(remote), made);
          await put(s, await openFile(ws, posix.join(base, rel)), remote);
          if (p.verbose) ctx.log(`SSH: put [${dest}] to [${posix.dirname(remote)}]`);
          transferred++;
        }
      }
      if (t.execCommand.trim() !== '') await exec(ctx, client, t, p.verbose);
    }
  } finally {
    ctx.log(`SSH: Disconnecting configuration [${server.name}] ...`);
    client.end();
  }
  ctx.log(`SSH: Transferred ${transferred} file(s)`);
}

const sshPublisher: StepRun = async (ctx, args) => {
  const publishers = parse(args);
  const failOnError = bool(args, 'failOnError', false);
  const continueOnError = bool(args, 'continueOnError', false);
  const host = ctx.build.services.sshServers;
  const servers = host ? await host.servers() : [];
  for (const p of publishers) {
    try {
      const server = servers.find((s) => s.name === p.configName);
      if (!server) {
        throw new PublishError(`no SSH server configuration [${p.configName}]${servers.length ? ` (configured: ${servers.map((s) => s.name).join(', ')})` : ''}; ${host?.configureHint ?? 'this host has no SSH servers configured'}`);
      }
      await publish(ctx, p, server);
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
