// The SSH launcher: log into an agent's host with an SSH key, check it can run the agent, and
// start `kiln agent --stdio` there; the exec channel's stdin/stdout then carry the agent
// protocol (protocol/stream.ts) straight into the hub, so no controller port has to be
// reachable from the host.
//
// Why these checks, in this order: when an SSH agent does not come up, the operator's only
// view is the launch log, so each step that can fail says exactly what failed and where:
// DNS, connection refused, authentication (which user, which key fingerprint), host key
// (pinned/known fingerprint vs. the one offered), `node` missing or too old, work directory
// not writable, and the launch timeout.
//
// Host keys are never accepted silently when they change: a pinned SHA256 fingerprint, a
// known_hosts text, or trust-on-first-connect, which reports the key it saw (`onPin`) so the
// caller stores it and later connections pin it.
//
// `install: 'sftp'` runs the agent from a bundle (bundle.ts) instead of an installed `kiln`:
// the bundle is uploaded over SFTP to `<workdir>/.kiln-agent/<hash>/` when that directory has
// no completion marker (into a temporary directory renamed into place, so a half upload is
// never run; older bundle directories are removed), then started with the host's `node`.

import { createHash, createHmac } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import ssh2 from 'ssh2';
import path from 'node:path';
import { agentBundle, BUNDLE_MARKER, type AgentBundle } from './bundle.ts';
import { KilnError } from '../../core/errors.ts';

const { Client, utils } = ssh2;

/** Lowest Node.js the agent runs on (package.json engines). */
export const MIN_NODE: readonly [number, number] = [22, 18];

export type HostKeyPolicy =
  | { type: 'fingerprint'; fingerprint: string }
  | { type: 'knownHosts'; content: string }
  /** Trust on first connect: `pinned` is the fingerprint seen before, if any. */
  | { type: 'tofu'; pinned?: string | null };

export interface SshLaunchOptions {
  name: string;
  host: string;
  port: number;
  username: string;
  privateKey: string;
  passphrase?: string | null;
  hostKey: HostKeyPolicy;
  /** Called with the host key's fingerprint when trust-on-first-connect saw it for the first time. */
  onPin?: (fingerprint: string) => void | Promise<void>;
  /** Work directory on the host. */
  workdir: string;
  /** Command that starts the agent; `--stdio --name ... --workdir ...` are appended. Default `kiln agent`. */
  command?: string;
  /** 'sftp': upload the agent bundle when missing or stale and run it with the host's node (`command` is then not used). */
  install?: 'sftp' | null;
  /** Where the bundle is read from (tests); default this Kiln's repository. */
  bundleRoot?: string;
  /** PATH for every command run on the host (replaces the login PATH). */
  path?: string;
  labels?: string[];
  executors?: number;
  /** Whole launch (connect, checks, start). Default 60 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export type SshLaunchErrorKind = 'dns' | 'refused' | 'network' | 'auth' | 'hostkey' | 'node' | 'workdir' | 'timeout' | 'start' | 'key' | 'install';

/** A launch that failed; `kind` says which step, the message says what to change. */
export class SshLaunchError extends KilnError {
  readonly kind: SshLaunchErrorKind;
  constructor(kind: SshLaunchErrorKind, message: string) {
    super('ssh.launch', message);
    this.kind = kind;
  }
}

/** A launched agent: its channel is attached; `closed` resolves with a reason when the SSH connection ends. */
export interface SshAgentConnection {
  closed: Promise<string>;
  /** Ends the SSH connection (the agent's stdin closes). */
  close(): void;
  /** The underlying TCP socket, for tests that simulate a network failure. */
  destroySocket(): void;
}

/** SHA256 fingerprint of an SSH public key blob, as OpenSSH prints it. */
export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The fingerprint of the public half of a private key (for messages about authentication). */
export function keyFingerprint(privateKey: string, passphrase?: string | null): string {
  const k = utils.parseKey(privateKey, passphrase ?? undefined);
  const key = Array.isArray(k) ? k[0] : k;
  if (!key || key instanceof Error) throw new SshLaunchError('key', `cannot read the SSH private key: ${key instanceof Error ? key.message : 'no key'}`);
  return fingerprintOf(key.getPublicSSH());
}

/** Whether known_hosts `content` lists `blob` for host:port; null when it has no line for the host at all. */
export function knownHostsMatch(content: string, host: string, port: number, blob: Buffer): { ok: boolean; known: string[] } {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  const known: string[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    if (parts[0]?.startsWith('@')) parts.shift(); // @cert-authority / @revoked: not supported, treated as plain
    const [hosts, , key] = parts;
    if (!hosts || !key) continue;
    const matches = hosts.split(',').some((h) => {
      if (h.startsWith('|1|')) {
        const [, , salt, hash] = h.split('|');
        if (!salt || !hash) return false;
        return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash);
      }
      return names.includes(h);
    });
    if (!matches) continue;
    const kb = Buffer.from(key, 'base64');
    known.push(fingerprintOf(kb));
    if (kb.equals(blob)) return { ok: true, known };
  }
  return { ok: false, known };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Logs in, checks node and the work directory, starts the agent and hands its channel to
 * `attach` (the hub's attachStream). Rejects with an SshLaunchError.
 */
export async function launchSshAgent(o: SshLaunchOptions, attach: (input: Readable, output: Writable, address: string) => void): Promise<SshAgentConnection> {
  const log = o.log ?? (() => {});
  const where = `${o.host}:${o.port}`;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const keyFp = keyFingerprint(o.privateKey, o.passphrase);
  const client = new Client();
  let hostKeyProblem: string | null = null;
  let seenFp: string | null = null;
  let closedReason = 'the SSH connection closed';
  const closed = new Promise<string>((resolve) => client.once('close', () => resolve(closedReason)));
  client.on('error', (err: Error) => { closedReason = `the SSH connection failed: ${err.message}`; });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      client.destroy();
      reject(new SshLaunchError('timeout', `launching agent '${o.name}' on ${where} took longer than ${Math.round(timeoutMs / 1000)} s (launch timeout)`));
    }, timeoutMs);
  });
  timedOut.catch(() => {});
  const prefix = o.path ? `PATH=${shq(o.path)}; export PATH; ` : '';

  const run = (cmd: string): Promise<{ code: number | null; out: string; err: string }> => new Promise((resolve, reject) => {
    client.exec(prefix + cmd, (err, ch) => {
      if (err) return reject(new SshLaunchError('start', `cannot run a command on ${where}: ${err.message}`));
      let out = '';
      let errText = '';
      ch.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      ch.stderr.on('data', (d: Buffer) => { errText += d.toString('utf8'); });
      ch.on('close', (code: number | null) => resolve({ code, out: out.trim(), err: errText.trim() }));
    });
  });

  const steps = async (): Promise<SshAgentConnection> => {
    log(`connecting to ${o.username}@${where} with key ${keyFp}`);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error & { code?: string; level?: string }) => {
        client.off('ready', onReady);
        if (hostKeyProblem) return reject(new SshLaunchError('hostkey', hostKeyProblem));
        if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_NONAME') {
          return reject(new SshLaunchError('dns', `cannot resolve the host name '${o.host}' (DNS: ${err.code})`));
        }
        if (err.code === 'ECONNREFUSED') return reject(new SshLaunchError('refused', `connection refused by ${where}: is sshd running and listening on port ${o.port}?`));
        if (err.level === 'client-authentication') {
          return reject(new SshLaunchError('auth', `authentication failed on ${where} for user '${o.username}' with key ${keyFp}: is its public half in ~${o.username}/.ssh/authorized_keys?`));
        }
        if (err.level === 'client-timeout') return reject(new SshLaunchError('timeout', `${where} did not complete the SSH handshake within ${Math.round(timeoutMs / 1000)} s`));
        reject(new SshLaunchError('network', `SSH connection to ${where} failed: ${err.message}`));
      };
      // Without Nagle's algorithm the many small SFTP requests of a bundle upload do not wait for delayed ACKs.
      const onReady = () => { client.off('error', onError); client.setNoDelay(true); resolve(); };
      client.once('error', onError);
      client.once('ready', onReady);
      client.connect({
        host: o.host, port: o.port, username: o.username, privateKey: o.privateKey,
        ...(o.passphrase ? { passphrase: o.passphrase } : {}),
        readyTimeout: timeoutMs,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const fp = fingerprintOf(key);
          seenFp = fp;
          const p = o.hostKey;
          if (p.type === 'fingerprint') {
            const want = p.fingerprint.startsWith('SHA256:') ? p.fingerprint : `SHA256:${p.fingerprint}`;
            if (want.replace(/=+$/, '') === fp) return true;
            hostKeyProblem = `host key mismatch for ${where}: expected ${want}, the host offered ${fp}; if the host key really changed, update the agent's pinned fingerprint`;
            return false;
          }
          if (p.type === 'knownHosts') {
            const m = knownHostsMatch(p.content, o.host, o.port, key);
            if (m.ok) return true;
            hostKeyProblem = m.known.length > 0
              ? `host key mismatch for ${where}: known_hosts has ${m.known.join(', ')}, the host offered ${fp}`
              : `host ${where} is not in the agent's known_hosts (it offered ${fp})`;
            return false;
          }
          if (p.pinned) {
            if (p.pinned === fp) return true;
            hostKeyProblem = `host key mismatch for ${where}: pinned ${p.pinned} on first connect, the host now offers ${fp}; if the host key really changed, clear the pinned fingerprint`;
            return false;
          }
          return true;
        },
      });
    });
    if (o.hostKey.type === 'tofu' && !o.hostKey.pinned && seenFp) {
      log(`first connection to ${where}: pinning its host key ${seenFp}`);
      await o.onPin?.(seenFp);
    }
    log(`logged in to ${where} as ${o.username} (host key ${seenFp ?? '?'})`);

    const nv = await run('node --version');
    const m = /^v(\d+)\.(\d+)\./.exec(nv.out);
    if (nv.code !== 0 || !m) {
      throw new SshLaunchError('node', `node missing or too old on ${o.host}: ${nv.code === 127 || /not found/i.test(nv.err) ? 'no node on the PATH' : (nv.err || nv.out || `node --version exited with ${nv.code}`)} (Kiln agents need Node.js ${MIN_NODE.join('.')} or later)`);
    }
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
      throw new SshLaunchError('node', `node missing or too old on ${o.host}: found ${nv.out}, Kiln agents need Node.js ${MIN_NODE.join('.')} or later`);
    }
    log(`node ${nv.out} on ${o.host}`);

    const wd = await run(`mkdir -p ${shq(o.workdir)} && test -w ${shq(o.workdir)} && test -x ${shq(o.workdir)}`);
    if (wd.code !== 0) {
      throw new SshLaunchError('workdir', `work directory ${o.workdir} on ${o.host} is not writable by ${o.username}${wd.err ? `: ${wd.err}` : ''}`);
    }

    let start = o.command ?? 'kiln agent';
    if (o.install === 'sftp') {
      const dir = await installBundle(client, o, run, log);
      start = `node --max-semi-space-size=2 ${shq(`${dir}/src/cli/main.js`)} agent`;
    }
    // After the cd: a relative work directory (relative to the login directory) is not nested again.
    const args = [`--stdio`, `--name`, shq(o.name), `--workdir`, '"$PWD"'];
    if (o.labels && o.labels.length > 0) args.push('--labels', shq(o.labels.join(',')));
    if (o.executors) args.push('--executors', String(o.executors));
    const cmd = `cd ${shq(o.workdir)} && exec ${start} ${args.join(' ')}`;
    log(`starting: ${cmd}`);
    const ch = await new Promise<ssh2.ClientChannel>((resolve, reject) => {
      client.exec(prefix + cmd, (err, c) => err ? reject(new SshLaunchError('start', `cannot start the agent on ${where}: ${err.message}`)) : resolve(c));
    });
    let tail = '';
    ch.stderr.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      tail = (tail + text).slice(-4096);
      for (const line of text.split('\n')) if (line.trim() !== '') log(`agent: ${line}`);
    });
    ch.on('exit', (code: number | null, signal?: string) => {
      closedReason = `the agent process on ${o.host} exited (${signal ? `signal ${signal}` : `code ${code}`})${tail.trim() ? `: ${tail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
    });
    ch.on('close', () => client.end());
    attach(ch, ch, where);
    return {
      closed,
      close: () => client.end(),
      destroySocket: () => {
        const sock = (client as unknown as { _sock?: { destroy(): void } })._sock;
        closedReason = 'the SSH connection was cut';
        sock?.destroy();
      },
    };
  };
  try {
    return await Promise.race([steps(), timedOut]);
  } catch (e) {
    client.destroy();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Bundles live in `<workdir>/.kiln-agent/`, one directory per bundle hash. */
export const BUNDLES_DIR = '.kiln-agent';

type Sftp = ssh2.SFTPWrapper;

function sftpCall<T>(f: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
}

/**
 * Makes sure the agent bundle is on the host: uploads it over SFTP unless its directory
 * already has the completion marker; removes other bundle directories. Returns the bundle
 * directory relative to the work directory.
 */
async function installBundle(client: ssh2.Client, o: SshLaunchOptions, run: (cmd: string) => Promise<{ code: number | null; out: string; err: string }>, log: (line: string) => void): Promise<string> {
  let bundle: AgentBundle;
  try {
    bundle = await agentBundle(o.bundleRoot);
  } catch (e) {
    throw new SshLaunchError('install', `cannot put the agent bundle together: ${(e as Error).message}`);
  }
  const rel = `${BUNDLES_DIR}/${bundle.hash}`;
  // SFTP paths are relative to the login directory, like the commands' work directory.
  const base = path.posix.join(o.workdir, BUNDLES_DIR);
  const final = path.posix.join(base, bundle.hash);
  const sftp = await new Promise<Sftp>((resolve, reject) => client.sftp((err, s) => (err ? reject(new SshLaunchError('install', `cannot open SFTP on ${o.host} to copy the agent bundle: ${err.message} (does its sshd_config have a 'Subsystem sftp' line?)`)) : resolve(s))));
  try {
    const present = await sftpCall((cb) => sftp.stat(`${final}/${BUNDLE_MARKER}`, cb)).then(() => true, () => false);
    if (present) {
      log(`agent bundle ${bundle.hash} is already on ${o.host}`);
      return rel;
    }
    const started = Date.now();
    log(`uploading the agent bundle ${bundle.hash} (${bundle.files.length} files, ${(bundle.bytes / 1048576).toFixed(1)} MB) over SFTP to ${final}`);
    const tmp = path.posix.join(base, `.tmp-${bundle.hash}-${process.pid}-${Date.now()}`);
    try {
      const dirs = new Set<string>([base, tmp]);
      for (const f of bundle.files) {
        for (let d = path.posix.dirname(f.path); d !== '.'; d = path.posix.dirname(d)) dirs.add(path.posix.join(tmp, d));
      }
      for (const d of [...dirs].sort((a, b) => a.length - b.length)) {
        await sftpCall((cb) => sftp.mkdir(d, cb)).catch(async (e: Error) => {
          if (!(await sftpCall((cb) => sftp.stat(d, cb)).then(() => true, () => false))) throw e;
        });
      }
      const queue = [...bundle.files];
      const worker = async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          const file = f;
          await sftpCall((cb) => sftp.writeFile(path.posix.join(tmp, file.path), file.data, { mode: file.mode }, cb));
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      await sftpCall((cb) => sftp.writeFile(path.posix.join(tmp, BUNDLE_MARKER), `${bundle.hash}\n`, cb));
      await sftpCall((cb) => sftp.rename(tmp, final, cb)).catch(async (e: Error) => {
        // Another launch may have put the same bundle in place meanwhile.
        if (!(await sftpCall((cb) => sftp.stat(`${final}/${BUNDLE_MARKER}`, cb)).then(() => true, () => false))) throw e;
      });
    } catch (e) {
      if (e instanceof SshLaunchError) throw e;
      await run(`rm -rf ${shq(tmp)}`).catch(() => {});
      throw new SshLaunchError('install', `copying the agent bundle to ${o.host}:${final} over SFTP failed: ${(e as Error).message}`);
    }
    log(`agent bundle ${bundle.hash} uploaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Older bundles (and abandoned half uploads) go; a running agent has its modules loaded already.
    const old = await sftpCall<{ filename: string }[]>((cb) => sftp.readdir(base, cb)).catch(() => []);
    const stale = old.map((e) => e.filename).filter((n) => n !== bundle.hash && n !== '.' && n !== '..');
    if (stale.length > 0) {
      const rm = await run(`rm -rf ${stale.map((n) => shq(path.posix.join(base, n))).join(' ')}`);
      log(rm.code === 0 ? `removed old agent bundle(s): ${stale.join(', ')}` : `could not remove old agent bundles: ${rm.err}`);
    }
    return rel;
  } finally {
    sftp.end();
  }
}
