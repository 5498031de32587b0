// A private OpenSSH server for the SSH launcher's tests: /usr/sbin/sshd in the foreground
// (-D -e) on a free 127.0.0.1 port, with host keys and a client key made by ssh-keygen in a
// temp directory, `AuthorizedKeysFile` pointing there, key login only (root allowed by key
// only, since CI runs as root). Never touches the system's sshd or its configuration.
// A missing sshd is an error naming the package to install, never a skip.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { freePort } from '../helpers/ports.ts';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  user: string;
  dir: string;
  /** The client's private key (OpenSSH format), whose public half is authorized. */
  clientKey: string;
  /** A key that is not authorized. */
  otherKey: string;
  /** known_hosts text for 127.0.0.1:port. */
  knownHosts: string;
  /** SHA256 fingerprint of the host key. */
  hostFingerprint: string;
  proc: ChildProcess;
  /** Restarts sshd on the same port with a new host key; returns its fingerprint. */
  changeHostKey(): Promise<string>;
  /** Kills the per-connection sshd children (cuts every SSH session), keeping the listener. */
  killSessions(): void;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
}

function fingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1]!;
}

async function waitListening(port: number, proc: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`sshd exited (${proc.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${stderr()}`);
}

export async function startSshd(): Promise<TestSshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: install Debian's openssh-server (scripts/test-prereqs.sh does) to run the SSH launcher tests`);
  }
  const dir = tempDir('sshd');
  const port = await freePort();
  const user = os.userInfo().username;
  keygen(path.join(dir, 'client'), 'kiln-test-client');
  keygen(path.join(dir, 'other'), 'kiln-test-other');
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client.pub')));
  // sshd refuses to start without its privilege separation directory.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let gen = 0;
  let proc!: ChildProcess;
  let err = '';
  let hostFp = '';
  const launch = async () => {
    gen++;
    const hostKey = path.join(dir, `host${gen}`);
    keygen(hostKey, 'kiln-test-host');
    hostFp = fingerprint(`${hostKey}.pub`);
    const config = path.join(dir, `sshd${gen}.conf`);
    writeFileSync(config, [
      `ListenAddress 127.0.0.1`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `StrictModes no`,
      `PermitRootLogin prohibit-password`,
      `PubkeyAuthentication yes`,
      `PasswordAuthentication no`,
      `KbdInteractiveAuthentication no`,
      `UsePAM no`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `LogLevel VERBOSE`,
      `ClientAliveInterval 0`,
      `Subsystem sftp internal-sftp`,
      '',
    ].join('\n'));
    err = '';
    proc = spawn(SSHD, ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-8000); });
    await waitListening(port, proc, () => err);
  };
  await launch();
  const stopProc = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  const t: TestSshd = {
    port, user, dir,
    clientKey: readFileSync(path.join(dir, 'client'), 'utf8'),
    otherKey: readFileSync(path.join(dir, 'other'), 'utf8'),
    get knownHosts() { return `[127.0.0.1]:${port} ${readFileSync(path.join(dir, `host${gen}.pub`), 'utf8').split(' ').slice(0, 2).join(' ')}\n`; },
    get hostFingerprint() { return hostFp; },
    get proc() { return proc; },
    async changeHostKey() {
      await stopProc();
      await launch();
      return hostFp;
    },
    killSessions() {
      // Per-connection sshd processes are children of the listener.
      const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(proc.pid)], { encoding: 'utf8' }).trim();
      for (const pid of out.split(/\s+/).filter(Boolean)) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      }
    },
    stop: stopProc,
  };
  return t;
}
