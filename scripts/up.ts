// README command 1, after dependencies are installed (scripts/up.sh): starts the controller on
// its embedded defaults with one local agent connected, creates the example job (a git
// repository made from examples/hello: checkout, build, parallel tests with JUnit results, an
// archived artifact), runs it once, and says where to look. Runs until Ctrl-C, which stops the
// agent and the controller.
//
//   KILN_HOME (default ~/.kiln), KILN_PORT (default 8080) as for `kiln controller`.
//
// This script talks to the controller with an admin token it makes up at each start and
// passes as KILN_ADMIN_TOKEN (valid while it runs); people sign in with the initial admin
// password the controller writes to <home>/secrets/initialAdminPassword on first start.
//
// The local agent is kept away from the controller's secrets (docs/agents.md, "Agents on the
// controller's host"): a build on it must not read <home>/secrets (the credentials key, the
// agent key), the store, or /proc/<controller>/environ (the admin token above).
// - Run as root: the agent runs as the unprivileged system user `kiln-agent` (made here with
//   useradd when missing), with its work directory and HOME under /var/lib/kiln-agent, an
//   environment of its own (never this script's), and its secret in its environment rather
//   than in `ps`. The example repository sits in a root-owned directory it may read,
//   /var/lib/kiln-agent/examples (it cannot read the home, which the controller keeps 0700),
//   and is trusted by its git (safe.directory in its ~/.gitconfig: git refuses repositories
//   another user owns). Directories are per controller home (a hash of its path), so two
//   homes never share a work directory.
// - Not root, or when that user cannot run this checkout: the agent runs as this user with its
//   work directory outside the home, and a WARNING says that its builds can read the secrets.
import { createHash, randomBytes } from 'node:crypto';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readdirSync, copyFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kiln = path.join(root, 'bin', 'kiln');
const home = path.resolve(process.env.KILN_HOME ?? path.join(os.homedir(), '.kiln'));
const port = process.env.KILN_PORT ?? '8080';
const children: ChildProcess[] = [];

function stopAll(code: number): never {
  for (const c of children.reverse()) c.kill('SIGTERM');
  process.exit(code);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function fail(message: string): never {
  process.stderr.write(`kiln up: ${message}\n`);
  stopAll(1);
}

// 1. The controller, in the foreground of this terminal's output: its log (stderr), in the
// readable form unless KILN_LOG_FORMAT says otherwise, passed on to ours.
const token = `up-${randomBytes(24).toString('hex')}`;
const ctl = spawn(kiln, ['controller', '--home', home, '--port', port], {
  stdio: ['ignore', 'inherit', 'pipe'],
  env: { ...process.env, KILN_ADMIN_TOKEN: token, KILN_LOG_FORMAT: process.env.KILN_LOG_FORMAT || 'pretty' },
});
children.push(ctl);
ctl.on('exit', (code) => {
  process.stderr.write(`kiln up: the controller stopped (exit ${code ?? 'signal'})\n`);
  stopAll(code ?? 1);
});
const url = await new Promise<string>((resolve) => {
  let buf: string | null = '';
  ctl.stderr!.setEncoding('utf8').on('data', (d: string) => {
    process.stderr.write(d);
    if (buf === null) return; // found: the rest of the log only passes through
    buf += d;
    const m = /Kiln is ready at (\S+)/.exec(buf);
    if (m?.[1]) {
      buf = null;
      resolve(m[1]);
    }
  });
});

async function api<T>(method: string, p: string, body?: unknown): Promise<{ status: number; json: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(new URL(p, url), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}

// 2. One local agent with two executors, connected over the agent endpoint, as another user when we can.
const plan = localAgentPlan();
if (plan.warning) process.stderr.write(`kiln up: WARNING: ${plan.warning}\n`);
const agentName = 'local';
if ((await api('GET', `api/v1/agents/${agentName}`)).status === 404) {
  const r = await api<{ error?: { message: string } }>('POST', 'api/v1/agents', { name: agentName, labels: ['local', os.platform()], executors: 2, description: 'started by scripts/up.sh on this machine' });
  if (r.status !== 201) fail(`could not create the local agent: ${r.json.error?.message ?? r.status}`);
}
const agent = (await api<{ command: string }>('GET', `api/v1/agents/${agentName}`)).json;
const agentArgs = agent.command.split(' ').slice(1).map((a) => a.replace(/^'(.*)'$/, '$1'));
// The secret goes in the agent's environment (its own user's to read), not on its command line (everyone's).
const secretAt = agentArgs.indexOf('--secret');
const agentSecret = secretAt >= 0 ? agentArgs.splice(secretAt, 2)[1] ?? '' : '';
mkdirSync(path.join(home, 'agents'), { recursive: true });
const agentLog = path.join(home, 'agents', `${agentName}.log`);
const agentProc = spawn(kiln, [...agentArgs, '--workdir', plan.workdir], {
  stdio: ['ignore', 'pipe', 'pipe'],
  cwd: plan.workdir,
  env: { ...plan.env, KILN_SECRET: agentSecret },
  ...(plan.user ? { uid: plan.user.uid, gid: plan.user.gid } : {}),
});
children.push(agentProc);
const log = createWriteStream(agentLog, { flags: 'a' });
agentProc.stdout!.pipe(log);
agentProc.stderr!.pipe(log);
agentProc.on('exit', (code) => process.stderr.write(`kiln up: the local agent stopped (exit ${code ?? 'signal'}); see ${agentLog}\n`));
for (let i = 0; !(await api<{ online: boolean }>('GET', `api/v1/agents/${agentName}`)).json.online; i++) {
  if (i > 200) fail(`the local agent did not connect; see ${agentLog}`);
  await new Promise((r) => setTimeout(r, 50));
}

// 3. The example: a git repository made from examples/hello, and a job that builds it.
const repo = path.join(plan.examples, 'hello.git');
if (!existsSync(repo)) {
  const work = path.join(plan.examples, 'hello-src');
  mkdirSync(work, { recursive: true });
  for (const f of readdirSync(path.join(root, 'examples', 'hello'))) {
    const src = path.join(root, 'examples', 'hello', f);
    if (statSync(src).isFile()) copyFileSync(src, path.join(work, f));
  }
  const git = (args: string[], cwd: string) => execFileSync('git', args, {
    cwd, stdio: 'ignore',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Kiln', GIT_AUTHOR_EMAIL: 'kiln@localhost', GIT_COMMITTER_NAME: 'Kiln', GIT_COMMITTER_EMAIL: 'kiln@localhost' },
  });
  git(['init', '-q', '-b', 'main'], work);
  git(['add', '.'], work);
  git(['commit', '-q', '-m', 'The hello example'], work);
  git(['clone', '-q', '--bare', work, repo], plan.examples);
  // Readable by the agent's user (who must not be able to change what the controller reads).
  if (plan.user) execFileSync('chmod', ['-R', 'a+rX,go-w', repo]);
}
if (plan.user) trustRepository(plan.user, repo);
const existing = await api<{ definition?: { url?: string } }>('GET', 'api/v1/jobs/hello');
if (existing.status === 404) {
  const r = await api<{ error?: { message: string } }>('POST', 'api/v1/jobs', { name: 'hello', description: 'The example pipeline (examples/hello)', git: { url: repo, branch: 'main', path: 'Jenkinsfile' } });
  if (r.status !== 201) fail(`could not create the example job: ${r.json.error?.message ?? r.status}`);
} else if (existing.json.definition?.url !== undefined && existing.json.definition.url !== repo && existing.json.definition.url.startsWith(path.join(home, 'examples'))) {
  // Made by an earlier run with the repository in the home, which the agent's user cannot read.
  const r = await api<{ error?: { message: string } }>('PUT', 'api/v1/jobs/hello', { git: { url: repo, branch: 'main', path: 'Jenkinsfile' } });
  if (r.status !== 200) fail(`could not point the example job at ${repo}: ${r.json.error?.message ?? r.status}`);
}
const build = (await api<{ number: number }>('POST', 'api/v1/jobs/hello/builds', {})).json;
const stream = await fetch(new URL(`api/v1/jobs/hello/builds/${build.number}/console/stream`, url), { headers: { authorization: `Bearer ${token}` } });
await stream.text();
const done = (await api<{ result: string; durationMs: number }>('GET', `api/v1/jobs/hello/builds/${build.number}`)).json;
const setup = (await api<{ needed: boolean; passwordFile?: string }>('GET', 'api/v1/setup')).json;
const signIn = setup.needed
  ? `sign in           open ${url} and unlock Kiln with the initial admin password in
                    ${setup.passwordFile ?? path.join(home, 'secrets', 'initialAdminPassword')} (then create your admin user)`
  : `sign in           ${url} with your user (the initial setup is done)`;

process.stdout.write(`
Kiln is running at ${url}
  controller home   ${home}  (store, logs, artifacts, secrets/)
  local agent       '${agentName}' (2 executors) as ${plan.user ? `user ${plan.user.name}` : `${os.userInfo().username}, the controller's own user`}, work dir ${plan.workdir}, log in ${agentLog}
  example build     hello #${build.number}: ${done.result} in ${done.durationMs} ms
  ${signIn}

Try (this admin token works while this script runs; make your own with POST /api/v1/me/tokens):
  export KILN_URL=${url} KILN_TOKEN=${token}
  bin/kiln build hello --follow                      run the example again
  bin/kiln job create NAME --file Jenkinsfile
  bin/kiln logs hello                                the last build's console
  curl -H "Authorization: Bearer $KILN_TOKEN" ${url}api/v1/jobs/hello/builds/${build.number}/stages
Kiln listens on 127.0.0.1 only. Ctrl-C stops Kiln and the agent.
${plan.warning ? `\nWARNING: ${plan.warning}\n` : ''}`);
await new Promise(() => {});

interface AgentUser { name: string; uid: number; gid: number; home: string }
interface AgentPlan {
  /** The unprivileged user the agent runs as; null: this script's user. */
  user: AgentUser | null;
  workdir: string;
  /** Where the example repository is made. */
  examples: string;
  /** The agent's whole environment (besides its secret). */
  env: NodeJS.ProcessEnv;
  /** Said when the agent's builds can read the controller's secrets. */
  warning: string | null;
}

/** Who the local agent runs as and where (see the header). */
function localAgentPlan(): AgentPlan {
  const key = createHash('sha256').update(home).digest('hex').slice(0, 12);
  const basePath = [path.dirname(process.execPath), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].join(':');
  let why = `this script does not run as root, so it cannot start the agent as another user`;
  if (process.getuid?.() === 0) {
    const base = '/var/lib/kiln-agent';
    const user = agentUser('kiln-agent', path.join(base, 'home'));
    if (typeof user === 'string') why = user;
    else {
      mkdirSync(base, { recursive: true, mode: 0o755 });
      chmodSync(base, 0o755); // root-owned: the agent's user may not replace what is in it
      const workdir = path.join(base, 'work', key);
      for (const d of [path.join(base, 'work'), workdir]) {
        mkdirSync(d, { recursive: true, mode: 0o700 });
        chownSync(d, user.uid, user.gid);
        chmodSync(d, 0o700);
      }
      const examples = path.join(base, 'examples', key);
      mkdirSync(examples, { recursive: true });
      for (const d of [path.join(base, 'examples'), examples]) chmodSync(d, 0o755);
      const env = { PATH: basePath, HOME: user.home, USER: user.name, LOGNAME: user.name, LANG: process.env.LANG ?? 'C.UTF-8' };
      // Can that user run this checkout (not if it lies under /root, say)?
      const check = spawnSync(kiln, ['--version'], { uid: user.uid, gid: user.gid, env, cwd: workdir, encoding: 'utf8' });
      if (check.status === 0) return { user, workdir, examples, env, warning: null };
      why = `user ${user.name} cannot run ${kiln} (${(check.stderr || check.error?.message || `exit ${check.status}`).trim().split('\n')[0]}); put the checkout where other users can read it (e.g. /opt/kiln)`;
    }
  }
  // This user: the work directory outside the home, and a clear warning.
  const state = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  let workdir = path.join(state, 'kiln-agent', key);
  if (workdir === home || workdir.startsWith(home + path.sep)) workdir = `${home}-agent`;
  mkdirSync(workdir, { recursive: true, mode: 0o700 });
  const me = os.userInfo().username;
  return {
    user: null, workdir, examples: path.join(home, 'examples'),
    env: { PATH: basePath, HOME: os.homedir(), USER: me, LOGNAME: me, LANG: process.env.LANG ?? 'C.UTF-8' },
    warning: `the local agent runs as ${me}, the controller's own user (${why}): builds on it can read the controller's secrets in ${path.join(home, 'secrets')} `
      + `(the credentials key, the agent key), its store, and its environment with the admin token. Fine for trying Kiln alone; otherwise run this as root `
      + `(the agent then runs as the unprivileged user kiln-agent) or connect agents as other users or on other hosts (docs/agents.md).`,
  };
}

/** The agent's system user, made when missing; or why there is none. */
function agentUser(name: string, userHome: string): AgentUser | string {
  const get = () => spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  let entry = get();
  if (entry.status !== 0) {
    const made = spawnSync('useradd', ['--system', '--user-group', '--home-dir', userHome, '--create-home', '--shell', '/usr/sbin/nologin', '--comment', 'Kiln local agent (scripts/up.sh)', name], { encoding: 'utf8' });
    if (made.status !== 0) return `could not create the user ${name} (useradd: ${(made.stderr || made.error?.message || `exit ${made.status}`).trim()})`;
    process.stderr.write(`kiln up: created the system user ${name} for the local agent (home ${userHome})\n`);
    entry = get();
  }
  const f = entry.stdout.trim().split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) return `the user ${name} is not usable (getent passwd: ${entry.stdout.trim() || 'nothing'})`;
  const h = f[5] || userHome;
  mkdirSync(h, { recursive: true, mode: 0o700 });
  chownSync(h, uid, gid);
  chmodSync(h, 0o700);
  return { name, uid, gid, home: h };
}

/** git refuses a repository another user owns: the agent's user trusts this one (root's, read-only to it). */
function trustRepository(user: AgentUser, repo: string): void {
  const as = { uid: user.uid, gid: user.gid, env: { HOME: user.home, PATH: '/usr/bin:/bin' }, encoding: 'utf8' as const };
  const have = spawnSync('git', ['config', '--global', '--get-all', 'safe.directory'], as);
  if ((have.stdout ?? '').split('\n').includes(repo)) return;
  const r = spawnSync('git', ['config', '--global', '--add', 'safe.directory', repo], as);
  if (r.status !== 0) process.stderr.write(`kiln up: could not let ${user.name}'s git trust ${repo} (${(r.stderr ?? '').trim()}); the example's checkout may fail\n`);
}
