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

import { createHash, createHmac } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import ssh2 from 'ssh2';

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
  /** PATH for every command run on the host (replaces the login PATH). */
  path?: string;
  labels?: string[];
  executors?: number;
  /** Whole launch (connect, checks, start). Default 60 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export type SshLaunchErrorKind = 'dns' | 'refused' | 'network' | 'auth' | 'hostkey' | 'node' | 'workdir' | 'timeout' | 'start' | 'key';

/** A launch that failed; `kind` says which step, the message says what to change. */
export class SshLaunchError extends Error {
  readonly kind: SshLaunchErrorKind;
  constructor(kind: SshLaunchErrorKind, message: string) {
    super(message);
    this.name = 'SshLaunchError';
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
      const onReady = () => { client.off('error', onError); resolve(); };
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

    const args = [`--stdio`, `--name`, shq(o.name), `--workdir`, shq(o.workdir)];
    if (o.labels && o.labels.length > 0) args.push('--labels', shq(o.labels.join(',')));
    if (o.executors) args.push('--executors', String(o.executors));
    const cmd = `cd ${shq(o.workdir)} && exec ${o.command ?? 'kiln agent'} ${args.join(' ')}`;
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
