// Real git repositories and servers for the shared-library tests: a library repository made with
// the system's git (commits, branches, tags; bare), served by path and file://, by `git daemon`
// on a free 127.0.0.1 port, and over HTTP by `git http-backend` (CGI) behind a small Node server
// that asks for a token (Basic auth) first. SSH is test/backends/sshd.ts's private sshd.
// A missing git is an error naming the package, never a skip.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './tmp.ts';
import { freePort } from './ports.ts';

export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Lib Author', GIT_AUTHOR_EMAIL: 'lib@example.com', GIT_COMMITTER_NAME: 'Lib Author', GIT_COMMITTER_EMAIL: 'lib@example.com', GIT_CONFIG_NOSYSTEM: '1' };

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A working repository whose commits a test makes, and its bare twin that servers serve. */
export interface LibraryRepo {
  work: string;
  /** The bare repository (absolute path). */
  bare: string;
  /** Writes files (null: removes it), commits on the current branch, pushes it (and tags); returns the commit. */
  commit(files: Record<string, string | null>, message?: string): string;
  branch(name: string): void;
  tag(name: string, annotated?: boolean): void;
}

export function libraryRepo(files: Record<string, string | null>, name = 'lib'): LibraryRepo {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error("git is not installed: install Debian's git package to run the shared library tests");
  }
  const dir = tempDir(`librepo-${name}`);
  const work = path.join(dir, 'work');
  const bare = path.join(dir, `${name}.git`);
  mkdirSync(work);
  gitIn(work, 'init', '--quiet', '-b', 'main');
  gitIn(dir, 'init', '--quiet', '--bare', '-b', 'main', bare);
  gitIn(work, 'remote', 'add', 'origin', bare);
  const repo: LibraryRepo = {
    work, bare,
    commit(fs, message = 'change') {
      for (const [rel, text] of Object.entries(fs)) {
        const f = path.join(work, rel);
        if (text === null) {
          gitIn(work, 'rm', '--quiet', rel);
          continue;
        }
        mkdirSync(path.dirname(f), { recursive: true });
        writeFileSync(f, text);
        gitIn(work, 'add', rel);
      }
      gitIn(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      gitIn(work, 'push', '--quiet', '--tags', 'origin', 'HEAD');
      return gitIn(work, 'rev-parse', 'HEAD');
    },
    branch(b) {
      gitIn(work, 'checkout', '--quiet', '-B', b);
    },
    tag(t, annotated = false) {
      if (annotated) gitIn(work, 'tag', '-a', '-m', `release ${t}`, t);
      else gitIn(work, 'tag', t);
      gitIn(work, 'push', '--quiet', 'origin', `refs/tags/${t}`);
    },
  };
  repo.commit(files, 'first');
  return repo;
}

async function waitPort(port: number, proc: ChildProcess, what: string, stderr: () => string): Promise<void> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port}: ${stderr()}`);
}

/** `git daemon` serving the bare repositories under `base` (git://127.0.0.1:PORT/<name>.git). */
export async function startGitDaemon(base: string): Promise<{ url: (rel: string) => string; stop(): Promise<void> }> {
  const port = await freePort();
  let err = '';
  const proc = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
  await waitPort(port, proc, 'git daemon', () => err);
  return {
    url: (rel) => `git://127.0.0.1:${port}/${rel}`,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Smart HTTP through `git http-backend` (CGI) under `base`, refusing requests without
 * `Authorization: Basic base64(user:token)` with 401 (so git asks its GIT_ASKPASS).
 */
export async function startGitHttp(base: string, o: { user: string; token: string }): Promise<{ url: (rel: string) => string; requests: string[]; stop(): Promise<void> }> {
  if (!existsSync(GIT_HTTP_BACKEND)) throw new Error(`${GIT_HTTP_BACKEND} is missing: install Debian's git package`);
  const requests: string[] = [];
  const want = `Basic ${Buffer.from(`${o.user}:${o.token}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${u.pathname} ${req.headers.authorization ? 'auth' : 'anonymous'}`);
    if (req.headers.authorization !== want) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('authentication required\n');
      return;
    }
    const cgi = spawn(GIT_HTTP_BACKEND, [], {
      env: {
        ...process.env, GIT_PROJECT_ROOT: base, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: decodeURIComponent(u.pathname), QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_USER: o.user, REMOTE_ADDR: '127.0.0.1',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''), GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin!);
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout!.on('data', (d: Buffer) => {
      if (started) { res.write(d); return; }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      started = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout!.on('end', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (rel) => `http://127.0.0.1:${port}/${rel}`,
    requests,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
