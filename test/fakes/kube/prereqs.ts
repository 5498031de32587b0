// What the fake's Docker-backed tests need, checked up front: dockerd reachable, kubectl on the
// machine, and a busybox image (kiln-test/busybox from scripts/test-prereqs.sh, or one imported
// here from the host's busybox-static). A missing prerequisite fails with what to do; nothing is skipped.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KUBECTL = process.env.KILN_TEST_KUBECTL ?? '/usr/bin/kubectl';

export function requireDocker(): void {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (info.error || info.status !== 0) {
    throw new Error(`the fake kube's Docker tests need a running dockerd: ${info.error ? 'the docker command is missing' : info.stderr.trim()}; run scripts/test-prereqs.sh as root (it installs docker.io and starts dockerd)`);
  }
}

export function requireKubectl(): void {
  const r = spawnSync(KUBECTL, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`kubectl is needed at ${KUBECTL} (set KILN_TEST_KUBECTL to another path): ${r.error?.message ?? r.stderr}`);
}

/** A local busybox image: kiln-test/busybox:latest when present, else one made here from /bin/busybox. */
export function busyboxImage(): string {
  const have = (image: string) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
  if (have('kiln-test/busybox:latest')) return 'kiln-test/busybox:latest';
  const own = 'kiln-fake-kube/busybox:latest';
  if (have(own)) return own;
  const bin = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
  if (!bin) throw new Error('no busybox image and no /bin/busybox to make one: run scripts/test-prereqs.sh (it installs busybox-static and builds kiln-test/busybox)');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fake-kube-rootfs-'));
  try {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.mkdirSync(path.join(root, 'etc'));
    fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
    fs.copyFileSync(bin, path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    for (const a of execFileSync(bin, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if (!fs.existsSync(path.join(root, 'bin', a))) fs.symlinkSync('busybox', path.join(root, 'bin', a));
    }
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    execFileSync('sh', ['-c', `tar -C '${root}' -c . | docker import -c 'ENV PATH=/bin' - ${own}`], { stdio: 'ignore' });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return own;
}

export interface Proc {
  out: string;
  err: string;
  code: number | null;
  done: Promise<number | null>;
  /** Waits until stdout matches (or the process ended without it). */
  until(re: RegExp, timeoutMs?: number): Promise<void>;
  kill(): void;
}

/** Runs a command without blocking the event loop (the fake serves from this process). */
export function run(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string } = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  const p: Proc = {
    out: '', err: '', code: null,
    done: new Promise((resolve) => child.on('close', (code) => { p.code = code; wake(); resolve(code); })),
    async until(re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(p.out)) {
        if (p.code !== null) throw new Error(`${cmd} ${args.join(' ')} ended (${p.code}) before printing ${re}; stdout: ${p.out}; stderr: ${p.err}`);
        if (Date.now() > deadline) throw new Error(`${cmd} ${args.join(' ')} did not print ${re} within ${timeoutMs} ms; stdout: ${p.out}; stderr: ${p.err}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 200);
          waiters.add(() => { clearTimeout(t); waiters.clear(); r(); });
        });
      }
    },
    kill: () => { child.kill('SIGTERM'); },
  };
  child.stdout.on('data', (c: Buffer) => { p.out += c.toString('utf8'); wake(); });
  child.stderr.on('data', (c: Buffer) => { p.err += c.toString('utf8'); });
  child.stdin.end(o.input ?? '');
  return p;
}
