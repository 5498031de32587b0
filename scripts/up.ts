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
import { randomBytes } from 'node:crypto';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, copyFileSync, statSync } from 'node:fs';
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

// 1. The controller, in the foreground of this terminal's output.
const token = `up-${randomBytes(24).toString('hex')}`;
const ctl = spawn(kiln, ['controller', '--home', home, '--port', port], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KILN_ADMIN_TOKEN: token } });
children.push(ctl);
ctl.on('exit', (code) => {
  process.stderr.write(`kiln up: the controller stopped (exit ${code ?? 'signal'})\n`);
  stopAll(code ?? 1);
});
const url = await new Promise<string>((resolve) => {
  let buf = '';
  ctl.stdout!.setEncoding('utf8').on('data', (d: string) => {
    process.stdout.write(d);
    buf += d;
    const m = /Kiln is ready at (\S+)/.exec(buf);
    if (m?.[1]) resolve(m[1]);
  });
});

async function api<T>(method: string, p: string, body?: unknown): Promise<{ status: number; json: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(new URL(p, url), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}

// 2. One local agent with two executors, connected over the agent endpoint.
const agentName = 'local';
if ((await api('GET', `api/v1/agents/${agentName}`)).status === 404) {
  const r = await api<{ error?: { message: string } }>('POST', 'api/v1/agents', { name: agentName, labels: ['local', os.platform()], executors: 2, description: 'started by scripts/up.sh on this machine' });
  if (r.status !== 201) fail(`could not create the local agent: ${r.json.error?.message ?? r.status}`);
}
const agent = (await api<{ command: string }>('GET', `api/v1/agents/${agentName}`)).json;
const agentArgs = agent.command.split(' ').slice(1).map((a) => a.replace(/^'(.*)'$/, '$1'));
mkdirSync(path.join(home, 'agents', agentName), { recursive: true });
const agentLog = path.join(home, 'agents', `${agentName}.log`);
const agentProc = spawn(kiln, [...agentArgs, '--workdir', path.join(home, 'agents', agentName)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
const repo = path.join(home, 'examples', 'hello.git');
if (!existsSync(repo)) {
  const work = path.join(home, 'examples', 'hello-src');
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
  git(['clone', '-q', '--bare', work, repo], home);
}
if ((await api('GET', 'api/v1/jobs/hello')).status === 404) {
  const r = await api<{ error?: { message: string } }>('POST', 'api/v1/jobs', { name: 'hello', description: 'The example pipeline (examples/hello)', git: { url: repo, branch: 'main', path: 'Jenkinsfile' } });
  if (r.status !== 201) fail(`could not create the example job: ${r.json.error?.message ?? r.status}`);
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
  local agent       '${agentName}' (2 executors), log in ${agentLog}
  example build     hello #${build.number}: ${done.result} in ${done.durationMs} ms
  ${signIn}

Try (this admin token works while this script runs; make your own with POST /api/v1/me/tokens):
  export KILN_URL=${url} KILN_TOKEN=${token}
  bin/kiln build hello --follow                      run the example again
  bin/kiln job create NAME --file Jenkinsfile
  bin/kiln logs hello                                the last build's console
  curl -H "Authorization: Bearer $KILN_TOKEN" ${url}api/v1/jobs/hello/builds/${build.number}/stages
Kiln listens on 127.0.0.1 only. Ctrl-C stops Kiln and the agent.
`);
await new Promise(() => {});
