// kiln run: runs a Jenkinsfile on this machine, with no controller.
//
//   kiln run [FILE] [-p NAME=VALUE]... [--workspace DIR] [--credentials FILE]
//            [--input approve|reject] [--branch NAME] [--job NAME] [--json]
//            [--config FILE] [--lockable-resource NAME=LABELS] (cli/run-locks.ts)
//
// Validates first (nothing runs when the Jenkinsfile has errors), then runs it on the local
// backend (the provisioner router of the same plugin list as the controller's, plugins/router.ts,
// with this machine as the host's own node: Docker containers and pods on its engine), prints the console live and a summary of the stages. Each run is kept under
// .kiln/runs/N/ (build.json, console.log, artifacts/, tests.json, issues.json), which gives
// currentBuild.number and previousBuild, and post { changed / fixed / regression } their meaning.
//
// The workspace is a copy of the current directory in .kiln/workspace/N (run-workspace.ts says
// what is copied and why), so `cleanWs()`, `deleteDir()` or `git clean` in a pipeline never
// delete the user's own files; the copies of earlier finished runs are removed when a run
// starts. A custom workspace that leads back into the project directory is refused. A stage's
// own agent on a workspace of its own (N@2) gets a copy there too, where Jenkins would check out
// (unless skipDefaultCheckout).
// `--workspace DIR` (`--workspace .` for the current directory) runs in DIR itself, as told; even
// then Kiln's own history (.kiln/runs) survives a pipeline that empties its workspace, and a
// run whose history cannot be saved still ends with the build's exit code, saying why.
//
// Exit codes: 0 SUCCESS, 1 FAILURE, 2 invalid Jenkinsfile or usage, 3 UNSTABLE, 4 ABORTED, 5 NOT_BUILT.
import { parseArgs } from 'node:util';
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { libraryRequests, loadPipelineBytes } from '../pipeline/load.ts';
import { loadLibraries } from '../util/libraries.ts';
import type { LibraryContent } from '../core/libraries.ts';
import { formatDiagnostic, sortDiagnostics } from '../pipeline/diagnostics.ts';
import { PipelineRun, type PendingInput } from '../pipeline/engine/engine.ts';
import type { AgentRequest } from '../core/nodes.ts';
import type { HostNodes } from '../core/plugin.ts';
import type { JobProperties } from '../pipeline/steps/types.ts';
import type { BuildResult } from '../core/build.ts';
import type { BuildState, StageRecord } from '../pipeline/engine/state.ts';
import type { PreviousBuild } from '../pipeline/engine/globals.ts';
import { LocalBackend } from '../exec/local-workspace.ts';
import { bufferReader, readWhole } from '../util/files-stream.ts';
import { getStashIn, keepStreamed, putStashIn } from '../controller/files.ts';
import { localBuildTools } from './run-buildtools.ts';
import { KilnError, StepFailure } from '../core/errors.ts';
import type { TestReport } from '../pipeline/steps/types.ts';
import type { IssuesRecord } from '../core/issues.ts';
import type { Credential } from '../core/credentials.ts';
import { localSshServers } from './run-ssh-publish.ts';
import { parseCredentialsFile } from './credentials-file.ts';
import { LocalLibraries, localLibraries } from './libraries.ts';
import { formatDuration } from '../pipeline/steps/args.ts';
import { toolVariable } from '../pipeline/steps/tool.ts';
import { StepRegistry } from '../pipeline/steps/registry.ts';
import { builtins } from '../plugins/index.ts';
import { ProvisionerRouter } from '../plugins/router.ts';
import { copyProject, type ProjectCopy } from './run-workspace.ts';
import { localMail } from './run-mail.ts';
import { localHttpServices } from './run-http-services.ts';
import { localReadTrusted } from './run-read-trusted.ts';
import { ThrottleSlots } from '../util/throttle-slots.ts';
import { localLockableResources } from './run-locks.ts';
import { LockManager } from '../pipeline/engine/locks.ts';
import type { LockableResource } from '../core/locks.ts';

export const EXIT: Record<BuildResult, number> = { SUCCESS: 0, FAILURE: 1, UNSTABLE: 3, ABORTED: 4, NOT_BUILT: 5 };

const HELP = `usage: kiln run [FILE] [options]

Runs a Jenkinsfile (default ./Jenkinsfile) on this machine, with no server.

options:
  -p, --param NAME=VALUE   a build parameter (repeatable)
  -e, --env NAME=VALUE     a global environment variable (repeatable), as Jenkins' global
                           properties: every step gets it, under what the pipeline sets
  -w, --workspace DIR      run in DIR itself: --workspace . lets the pipeline change (and
                           cleanWs / deleteDir delete) the files of the current directory
                           (default: a copy of it in .kiln/workspace/N; with git: tracked and
                           untracked files, .gitignore respected)
  --credentials FILE       credentials for withCredentials / credentials('id'), as JSON or YAML:
                             { "id": { "type": "secretText", "secret": "..." }, ... }
                           types: secretText, usernamePassword (username, password), secretFile
                           (fileName, content or contentBase64), sshKey (privateKey, passphrase,
                           username), certificate (contentBase64, password)
  --library NAME=URL_OR_PATH[@REF]
                           a shared library (repeatable): a directory read as it is
                           (NAME=../mylib), or a git repository at a branch, tag or commit
                           (NAME=https://git.example.com/lib.git@main, NAME=/path/repo.git@v2)
  --config FILE            a YAML file whose libraries: list defines shared libraries
                           ({ name, url or path, defaultVersion, implicit }; docs/libraries.md)
                           and whose lockableResources: list defines what lock(label:) chooses
                           among ({ name, labels, description }; docs/lockable-resources.md)
  --lockable-resource NAME[=LABEL,LABEL...]
                           a lockable resource with its labels (repeatable)
  --input approve|reject   answer every input step this way (default: ask on a terminal)
  --branch NAME            BRANCH_NAME for when { branch ... }
  --job NAME               the job name (default: the directory's name)
  --tool NAME=DIR          where tool installation NAME lives, for tool 'NAME' and tools { }
                           (repeatable; the same as KILN_TOOL_<NAME>=DIR in the environment)
  --pod-agent-image IMAGE  for agent { kubernetes { yaml ... } }: the pod runs on this machine's
                           Docker engine (DOCKER_HOST), with this image as its agent container,
                           where steps outside container('x') run (default busybox:latest, or
                           KILN_POD_AGENT_IMAGE); it needs /bin/sh and cat
  --json                   print the final build state as JSON on stdout (console on stderr)
  -h, --help

e-mail (emailext, mail): only through KILN_SMTP_URL=smtp://[user:password@]host[:port][?starttls=true]
(or smtps://...), with KILN_MAIL_FROM, KILN_MAIL_SUFFIX, KILN_MAIL_REPLY_TO (docs/mail.md)
Slack, GitHub, GitLab, SonarQube: KILN_SLACK_*, KILN_GITHUB_*, KILN_GITLAB_*, KILN_SONAR_SERVERS,
KILN_HTTP_REQUEST_PRIVATE, tokens by --credentials id (docs/notifications.md)
sshPublisher: servers from the JSON file KILN_SSH_SERVERS_FILE names, keys by --credentials id (docs/publish-over-ssh.md)

exit codes: 0 SUCCESS, 1 FAILURE, 2 invalid Jenkinsfile or usage, 3 UNSTABLE, 4 ABORTED, 5 NOT_BUILT
`;

interface RunDir {
  dir: string;
  number: number;
  previous: PreviousBuild | null;
}

/** Picks the next build number under .kiln/runs, atomically (mkdir fails when taken). */
async function newRunDir(stateDir: string): Promise<RunDir> {
  const runs = path.join(stateDir, 'runs');
  await fsp.mkdir(runs, { recursive: true });
  for (let tries = 0; tries < 100; tries++) {
    const numbers = (await fsp.readdir(runs)).map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
    const last = numbers.at(-1) ?? 0;
    const dir = path.join(runs, String(last + 1));
    try {
      await fsp.mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    let previous: PreviousBuild | null = null;
    for (let i = numbers.length - 1; i >= 0 && !previous; i--) {
      try {
        const s = JSON.parse(await fsp.readFile(path.join(runs, String(numbers[i]), 'build.json'), 'utf8')) as BuildState;
        if (s.status === 'finished') {
          previous = { number: s.number, result: s.result, durationMs: (s.endedAt ?? s.startedAt) - s.startedAt, startedAt: s.startedAt, description: s.description, displayName: s.displayName };
        }
      } catch {
        // a run that never finished or was removed: look further back
      }
    }
    return { dir, number: last + 1, previous };
  }
  throw new Error(`could not allocate a run directory under ${runs}`);
}

function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected NAME=VALUE, got '${p}'`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

class UsageError extends KilnError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}

/** Saves artifacts under the run directory, refusing paths that would leave it. */
function artifactPath(root: string, rel: string): string {
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(root + path.sep)) throw new StepFailure(`archiveArtifacts: refusing artifact path '${rel}' (outside the artifacts directory)`);
  return abs;
}

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        param: { type: 'string', short: 'p', multiple: true, default: [] },
        env: { type: 'string', short: 'e', multiple: true, default: [] },
        workspace: { type: 'string', short: 'w' },
        credentials: { type: 'string' },
        library: { type: 'string', multiple: true, default: [] },
        config: { type: 'string' },
        'lockable-resource': { type: 'string', multiple: true, default: [] },
        input: { type: 'string' },
        branch: { type: 'string' },
        job: { type: 'string' },
        tool: { type: 'string', multiple: true, default: [] },
        'pod-agent-image': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`kiln run: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = opts;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`kiln run: one Jenkinsfile at a time (got ${positionals.length})\n`);
    return 2;
  }
  if (values.input !== undefined && values.input !== 'approve' && values.input !== 'reject') {
    process.stderr.write(`kiln run: --input must be approve or reject, got '${values.input}'\n`);
    return 2;
  }
  const file = positionals[0] ?? 'Jenkinsfile';
  let params: Record<string, string>;
  let globalEnv: Record<string, string>;
  const tools: Record<string, string> = {};
  try {
    params = parseParams(values.param);
    globalEnv = parseParams(values.env);
    for (const [name, dir] of Object.entries(parseParams(values.tool))) tools[toolVariable(name)] = path.resolve(dir);
  } catch (err) {
    process.stderr.write(`kiln run: ${(err as Error).message}\n`);
    return 2;
  }

  let credentials = new Map<string, Credential>();
  if (values.credentials !== undefined) {
    try {
      credentials = parseCredentialsFile(await fsp.readFile(values.credentials, 'utf8'), values.credentials);
    } catch (err) {
      process.stderr.write(`kiln run: ${(err as Error).message}\n`);
      return 2;
    }
  }

  // Shared libraries (--library, --config FILE: cli/libraries.ts); fetched when the Jenkinsfile asks.
  let libraries: LocalLibraries | null;
  try {
    libraries = await localLibraries({ config: values.config, library: values.library, credential: async (id) => {
      const c = credentials.get(id);
      if (!c) throw new Error(`no credential '${id}'${values.credentials === undefined ? ': give credentials with --credentials FILE' : ` in ${values.credentials}`}`);
      return c;
    } });
  } catch (err) {
    process.stderr.write(`kiln run: ${(err as Error).message}\n`);
    return 2;
  }

  // Lockable resources (--config FILE's lockableResources:, --lockable-resource: cli/run-locks.ts).
  let lockables: LockableResource[];
  try {
    lockables = await localLockableResources({ config: values.config, options: values['lockable-resource'] });
  } catch (err) {
    process.stderr.write(`kiln run: ${(err as Error).message}\n`);
    return 2;
  }

  // 1. Validate: nothing runs when the Jenkinsfile has errors.
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    process.stderr.write(`kiln run: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`);
    return 2;
  }
  const registry = new StepRegistry(builtins);
  // The libraries it asks for (and the implicit ones), before validating: lint must know their
  // vars. The engine says "Loading library ..." for each when the run starts.
  let contents: LibraryContent[] = [];
  // A library the Jenkinsfile fetches itself (library(..., retriever: ...)) needs no --library.
  if (!libraries && libraryRequests(bytes.toString('utf8')).some((r) => r.retriever)) {
    libraries = new LocalLibraries([], { credential: async (id) => {
      const c = credentials.get(id);
      if (!c) throw new Error(`no credential '${id}'${values.credentials === undefined ? ': give credentials with --credentials FILE' : ` in ${values.credentials}`}`);
      return c;
    } });
  }
  if (libraries) {
    try {
      contents = await loadLibraries(libraries, libraryRequests(bytes.toString('utf8')), () => {});
    } catch (err) {
      process.stderr.write(`kiln run: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const loaded = loadPipelineBytes(bytes, registry, { libraries: contents });
  const diags = sortDiagnostics(loaded.diagnostics);
  for (const d of diags) process.stderr.write(formatDiagnostic(file, d) + '\n');
  if (!loaded.model) {
    process.stderr.write(`kiln run: ${file} is not valid; nothing was run\n`);
    return 2;
  }

  // 2. Run.
  const cwd = process.cwd();
  const stateDir = path.join(cwd, '.kiln');
  const copies = path.join(stateDir, 'workspace');
  const run = await newRunDir(stateDir);
  const job = values.job ?? path.basename(cwd);
  let workspace: string;
  let copied: ProjectCopy | null = null;
  if (values.workspace !== undefined) workspace = path.resolve(values.workspace);
  else {
    workspace = path.join(copies, String(run.number));
    await removeOldCopies(stateDir, run.number);
    try {
      copied = await copyProject(cwd, workspace);
    } catch (err) {
      process.stderr.write(`kiln run: could not copy ${cwd} to the workspace ${workspace}: ${(err as Error).message}; run with --workspace . to use the directory itself\n`);
      return 2;
    }
    process.stderr.write(`kiln run: the workspace is a copy of ${cwd} in ${workspace} (${copied.files} files: ${copied.how}); `
      + `the pipeline cannot change your files (--workspace . runs in ${cwd} itself)\n`);
  }
  /** Whether a workspace path is the project directory, holds it, or lies in it outside the copies. */
  const inProject = (p: string) => within(cwd, p) || (within(p, cwd) && !within(p, copies));
  const artifactsDir = path.join(run.dir, 'artifacts');
  /** What this run archived (the artifacts service's list). */
  const archived = new Set<string>();
  const consoleOut = values.json ? process.stderr : process.stdout;
  const logFile: WriteStream = createWriteStream(path.join(run.dir, 'console.log'));
  logFile.once('error', (err) => process.stderr.write(`kiln run: the console is not kept in ${run.dir}: ${err.message}\n`));
  const stashesDir = path.join(run.dir, 'stashes');
  const incomingDir = path.join(run.dir, '.incoming');
  const reports: TestReport[] = [];
  const issues: IssuesRecord[] = [];
  const buildTools = localBuildTools({ runDir: run.dir, incomingDir, env: process.env, cwd });
  // The run history survives a pipeline that empties a workspace holding it (--workspace .).
  const backend = new LocalBackend({ root: copies, nodeName: 'local', labels: ['local', os.platform()], keep: [path.join(stateDir, 'runs')] });

  const credential = async (id: string): Promise<Credential> => {
    const c = credentials.get(id);
    if (!c) {
      throw new StepFailure(values.credentials === undefined
        ? `no credential '${id}': kiln run reads credentials from a file given with --credentials FILE`
        : `no credential '${id}' in ${values.credentials} (it has: ${[...credentials.keys()].join(', ') || 'none'})`);
    }
    return c;
  };
  // This machine: every label is its own (the router gives it the built-in agent types).
  const localNodes: HostNodes = {
    async allocate(req: AgentRequest, build, _signal, log) {
      if (req.label) log(`kiln run: running the steps for label '${req.label}' on this machine`);
      const where = req.customWorkspace ? path.resolve(workspace, req.customWorkspace) : workspace;
      if (copied && inProject(where)) {
        throw new StepFailure(`customWorkspace '${req.customWorkspace ?? ''}' is ${where}, in your own project directory ${cwd}: kiln run works on a copy so that `
          + 'a pipeline cannot delete your files; give a path inside the workspace, or run with --workspace . to let it work in the directory itself', { loc: req.loc });
      }
      const ws = await backend.allocate({ build, path: where });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  // The plugins' agent types: docker / dockerfile agents as containers started with this
  // machine's docker CLI, beside the workspace; kubernetes agents as the pod realised on the
  // Docker engine, beside the same workspace (the Docker plugin's provisioner).
  const nodes = await ProvisionerRouter.compose(builtins, localNodes, {
    kind: 'local',
    log: () => () => {}, // kiln run's provisioners say what they do in the build's console
    env: processEnv(),
    credential: (_build, id) => credential(id),
    settings: { podAgentImage: values['pod-agent-image'] ?? process.env.KILN_POD_AGENT_IMAGE ?? 'busybox:latest' },
  });

  const extraEnv: Record<string, string> = {};
  if (values.branch) extraEnv.BRANCH_NAME = values.branch;
  const interactive = process.stdin.isTTY === true && values.input === undefined;
  const inputQueue: PendingInput[] = [];
  let answering = false;

  // The build discarder as the run evaluated it (logRotator(numToKeepStr: cond ? '5' : '50')).
  let discarder: JobProperties['discarder'] = null;
  const pipelineRun: PipelineRun = new PipelineRun({
    model: loaded.model,
    libraries: contents,
    registry,
    file: path.basename(file),
    build: { job, number: run.number, id: `${job}#${run.number}`, url: null },
    params,
    nodes,
    baseEnv: { ...processEnv(), ...tools },
    globalEnv,
    extraEnv,
    locks: new LockManager({ resources: async () => lockables, where: 'for kiln run (--config FILE lockableResources:, --lockable-resource)' }),
    services: {
      ...(libraries ? { libraries } : {}),
      jobProperties: async (p) => { discarder = p.discarder; },
      // Stashes and artifacts on disk under the run's directory, streamed (any size, bounded memory).
      stashes: {
        put: (name, files) => putStashIn(stashesDir, name, files.map((f) => ({ path: f.path, mode: f.mode, open: async () => bufferReader(f.data) }))),
        get: async (name) => {
          const files = await getStashIn(stashesDir, name);
          return files ? readWhole(files) : undefined;
        },
        putFiles: (name, files) => putStashIn(stashesDir, name, files),
        getFiles: (name) => getStashIn(stashesDir, name),
      },
      artifacts: {
        put: async (rel, data, mode) => {
          await keepStreamed(artifactPath(artifactsDir, rel), bufferReader(data), mode, incomingDir, `archiveArtifacts: cannot archive ${rel}`);
          archived.add(rel);
        },
        putFile: async (rel, file, mode) => {
          let dest: string;
          try {
            dest = artifactPath(artifactsDir, rel);
          } catch (err) {
            await file.close();
            throw err;
          }
          const kept = await keepStreamed(dest, file, mode, incomingDir, `cannot keep it under ${artifactsDir}`);
          archived.add(rel);
          return kept;
        },
        list: async () => [...archived].sort(),
      },
      tests: { record: async (r) => { reports.push(r); } },
      // recordIssues: the results go to issues.json; no reference build (runs are not jobs).
      issues: { record: async (r) => { issues.push(r); }, history: async () => [] },
      buildTools: buildTools.services,
      consoleLog: async function* () {
        await new Promise<void>((resolve) => { if (logFile.destroyed) resolve(); else logFile.write('', () => resolve()); });
        yield* createReadStream(path.join(run.dir, 'console.log'));
      },
      credential,
      readTrusted: localReadTrusted(cwd),
      triggerJob: async (name) => {
        throw new StepFailure(`build job: '${name}' needs a Kiln controller to run other jobs; kiln run runs one pipeline on its own`);
      },
      mail: localMail({ env: process.env, cwd, logFile, logPath: path.join(run.dir, 'console.log'), previousResult: run.previous?.result ?? null }),
      httpServices: localHttpServices(process.env),
      throttle: localThrottle(process.env),
      sshServers: localSshServers(process.env, cwd),
    },
    scm: null,
    // A stage's own agent on a workspace of its own gets the project as the first workspace did.
    projectCopy: async (dest) => {
      await fsp.mkdir(copies, { recursive: true });
      const tmp = path.join(await fsp.mkdtemp(path.join(copies, '.copy-')), 'project');
      try {
        const c = await copyProject(cwd, tmp);
        await fsp.mkdir(dest, { recursive: true });
        await fsp.cp(tmp, dest, { recursive: true, force: true, verbatimSymlinks: true });
        return `kiln run: ${cwd} copied into ${dest} (${c.files} files: ${c.how}), as a checkout of the stage's agent`;
      } finally {
        await fsp.rm(path.dirname(tmp), { recursive: true, force: true });
      }
    },
    previous: run.previous,
    causes: [{ type: 'UserIdCause', detail: os.userInfo().username }],
    listener: {
      output: (data) => {
        consoleOut.write(data);
        logFile.write(data);
      },
      input: (req, pending) => {
        if (!pending) return;
        if (values.input !== undefined) {
          pipelineRun.answerInput(req.id, values.input === 'approve'
            ? { approved: true, submitter: os.userInfo().username, values: Object.fromEntries(req.parameters.map((p) => [p.name, p.defaultValue])) }
            : { approved: false, submitter: os.userInfo().username });
          return;
        }
        if (!interactive) {
          process.stderr.write(`kiln run: input '${req.message}' needs an answer; run with --input approve (or reject), or on a terminal\n`);
          pipelineRun.answerInput(req.id, { approved: false, submitter: 'kiln run (no terminal to ask)' });
          return;
        }
        inputQueue.push(req);
        if (!answering) void askInputs();
      },
    },
  });

  async function askInputs(): Promise<void> {
    answering = true;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    // Lines read before their question are kept for it (answers pasted at once), and the end of
    // the input (Ctrl+D) aborts what is left to ask instead of ending kiln run.
    const lines = rl[Symbol.asyncIterator]();
    let ended = false;
    const ask = async (prompt: string): Promise<string | null> => {
      if (ended) return null;
      rl.setPrompt(prompt);
      rl.prompt();
      const next = await lines.next();
      if (next.done) ended = true;
      return next.done ? null : String(next.value);
    };
    const user = os.userInfo().username;
    const noAnswer = (req: PendingInput) => {
      process.stderr.write(`\nkiln run: no answer to input '${req.message}' (end of input): aborting it\n`);
      pipelineRun.answerInput(req.id, { approved: false, submitter: user });
    };
    try {
      for (let req = inputQueue.shift(); req; req = inputQueue.shift()) {
        const answer = await ask(`\n${req.message} [${req.ok}: y / Abort: n] `);
        if (answer === null) { noAnswer(req); continue; }
        if (!/^(y|yes)$/i.test(answer.trim())) {
          pipelineRun.answerInput(req.id, { approved: false, submitter: user });
          continue;
        }
        const vals: Record<string, string | boolean | null> = {};
        let complete = true;
        for (const p of req.parameters) {
          const d = p.defaultValue === null ? '' : String(p.defaultValue);
          const line = await ask(`${p.name}${p.description ? ` (${p.description})` : ''} [${p.choices.length ? p.choices.join('|') : d}]: `);
          if (line === null) { complete = false; break; }
          const v = line.trim();
          vals[p.name] = p.type === 'booleanParam' ? (v === '' ? p.defaultValue === true : /^(y|yes|true)$/i.test(v)) : v === '' ? (p.choices[0] ?? d) : v;
        }
        if (!complete) { noAnswer(req); continue; }
        pipelineRun.answerInput(req.id, { approved: true, submitter: user, values: vals });
      }
    } finally {
      rl.close();
      answering = false;
    }
  }

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? '\nkiln run: aborting (Ctrl-C again to also stop post actions)\n' : '\nkiln run: aborting post actions\n');
    pipelineRun.abort('Aborted by user (Ctrl-C)');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let state: BuildState;
  try {
    state = await pipelineRun.run();
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await backend.close();
    // Stashes live as long as the run, as in Jenkins; so do half-kept files of a failed transfer.
    await fsp.rm(stashesDir, { recursive: true, force: true });
    await fsp.rm(incomingDir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve) => { if (logFile.destroyed) resolve(); else logFile.end(resolve); });
  // The build is over: failing to keep its record (the pipeline removed .kiln, say) is said, and
  // the exit code is still the build's.
  try {
    await fsp.mkdir(run.dir, { recursive: true });
    await fsp.writeFile(path.join(run.dir, 'build.json'), JSON.stringify(state, null, 2));
    if (reports.length > 0) await fsp.writeFile(path.join(run.dir, 'tests.json'), JSON.stringify(reports, null, 2));
    if (issues.length > 0) await fsp.writeFile(path.join(run.dir, 'issues.json'), JSON.stringify(issues, null, 2));
    await buildTools.finish();
    if (discarder) await discardOldRuns(path.join(stateDir, 'runs'), discarder);
  } catch (err) {
    process.stderr.write(`kiln run: could not keep this run in ${run.dir}: ${(err as Error).message}\n`);
  }

  const out = values.json ? process.stderr : process.stdout;
  out.write('\n' + summary(state, run.dir, existsSync(artifactsDir) ? artifactsDir : null, reports) + '\n');
  out.write(copied ? `Workspace: ${workspace} (a copy; your files in ${cwd} are untouched)\n` : `Workspace: ${workspace}\n`);
  if (values.json) process.stdout.write(JSON.stringify(state) + '\n');
  return EXIT[state.result ?? 'FAILURE'];
}

function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/**
 * Removes the workspace copies (.kiln/workspace/N, N@tmp) of earlier runs that finished (or whose
 * record is gone), so that only the last one stays to look at; a run still going keeps its copy.
 */
async function removeOldCopies(stateDir: string, current: number): Promise<void> {
  const copies = path.join(stateDir, 'workspace');
  for (const name of await fsp.readdir(copies).catch(() => [] as string[])) {
    const n = Number(name.replace(/@tmp$/, ''));
    if (!Number.isInteger(n) || n <= 0 || n >= current) continue;
    const runDir = path.join(stateDir, 'runs', String(n));
    if (existsSync(runDir) && !existsSync(path.join(runDir, 'build.json'))) continue; // still running
    await fsp.rm(path.join(copies, name), { recursive: true, force: true }).catch(() => {});
  }
}

function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * options { buildDiscarder(logRotator(...)) } for kiln run's own history: removes the runs (or
 * just their artifacts) beyond the numbers and ages kept. The newest run is always kept.
 */
export async function discardOldRuns(runsDir: string, d: NonNullable<JobProperties['discarder']>): Promise<void> {
  const numbers = (await fsp.readdir(runsDir)).map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => b - a);
  const day = 86_400_000;
  const now = Date.now();
  for (const [i, n] of numbers.entries()) {
    if (i === 0) continue;
    const dir = path.join(runsDir, String(n));
    let startedAt = now;
    try {
      startedAt = (JSON.parse(await fsp.readFile(path.join(dir, 'build.json'), 'utf8')) as BuildState).startedAt;
    } catch {
      continue; // still running, or not a finished run: leave it
    }
    const tooMany = (keep: number | null) => keep !== null && keep >= 0 && i >= keep;
    const tooOld = (days: number | null) => days !== null && days >= 0 && now - startedAt > days * day;
    if (tooMany(d.numToKeep) || tooOld(d.daysToKeep)) await fsp.rm(dir, { recursive: true, force: true });
    else if (tooMany(d.artifactNumToKeep) || tooOld(d.artifactDaysToKeep)) await fsp.rm(path.join(dir, 'artifacts'), { recursive: true, force: true });
  }
}

const STATUS_TEXT: Record<StageRecord['status'], string> = {
  pending: 'not run', running: 'running', paused: 'paused', success: 'SUCCESS', unstable: 'UNSTABLE', failure: 'FAILURE',
  aborted: 'ABORTED', 'skipped-when': 'skipped (when)', 'skipped-failure': 'skipped (earlier failure)', 'skipped-restart': 'skipped (restart)',
};

/** The table printed after a run: each stage, indented under its parent, with status and time. */
export function summary(state: BuildState, runDir: string, artifactsDir: string | null, reports: TestReport[]): string {
  const rows: [string, string, string][] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const s of state.stages.filter((x) => x.parentId === parent)) {
      const ms = s.startedAt !== null && s.endedAt !== null ? s.endedAt - s.startedAt : null;
      rows.push([`${'  '.repeat(depth)}${s.name}`, STATUS_TEXT[s.status], ms === null ? '' : formatDuration(ms)]);
      walk(s.id, depth + 1);
    }
  };
  walk(null, 0);
  if (rows.length === 0) rows.push(['(no stage ran)', '', '']);
  const w0 = Math.max(5, ...rows.map((r) => r[0].length));
  const w1 = Math.max(6, ...rows.map((r) => r[1].length));
  const lines = [`${'Stage'.padEnd(w0)}  ${'Status'.padEnd(w1)}  Duration`, `${'-'.repeat(w0)}  ${'-'.repeat(w1)}  --------`];
  for (const [a, b, c] of rows) lines.push(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  const total = (state.endedAt ?? Date.now()) - state.startedAt;
  lines.push('', `Result: ${state.result ?? 'unknown'} in ${formatDuration(total)} (build #${state.number}, kept in ${runDir})`);
  if (state.message && state.result !== 'SUCCESS') lines.push(`Cause: ${state.message}`);
  if (reports.length > 0) {
    const t = reports.reduce((a, r) => ({ total: a.total + r.total, failed: a.failed + r.failed + r.errors, skipped: a.skipped + r.skipped }), { total: 0, failed: 0, skipped: 0 });
    lines.push(`Tests: ${t.total} run, ${t.failed} failed, ${t.skipped} skipped`);
  }
  if (artifactsDir) lines.push(`Artifacts: ${artifactsDir}`);
  return lines.join('\n');
}

/**
 * The throttle step's categories for `kiln run`: KILN_THROTTLE_CATEGORIES, `name=max` separated by
 * commas (`db=1,deploy=2`; 0: no limit), counted within this run's parallel branches.
 */
function localThrottle(env: Record<string, string | undefined>) {
  const categories = (env.KILN_THROTTLE_CATEGORIES ?? '').split(',').map((x) => x.trim()).filter(Boolean).map((entry) => {
    const m = /^([^=]+)=(\d+)$/.exec(entry);
    if (!m) throw new Error(`KILN_THROTTLE_CATEGORIES: '${entry}' is not name=max (db=1,deploy=2)`);
    return { name: m[1]!.trim(), maxConcurrentTotal: Number(m[2]), maxConcurrentPerNode: 0 }; // one node: the total is the node's
  });
  return new ThrottleSlots(async () => categories).service('kiln run reads KILN_THROTTLE_CATEGORIES (name=max, comma separated)');
}
