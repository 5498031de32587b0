// The docker CLI, run through a Workspace's own exec. That is how Jenkins drives Docker (the
// `docker` command on the agent that holds the executor), and it is what makes container agents
// work the same on the local backend, on inbound agents and on SSH agents: the daemon that
// starts the container is the one beside the workspace, so bind mounts of the workspace path
// are right by construction.
import type { ExecResult, Workspace } from '../../core/workspace.ts';
import { KilnError } from '../../core/errors.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  aborted: boolean;
}

export interface CliOptions {
  /** Environment of the docker CLI process (DOCKER_HOST, DOCKER_CONFIG...); the backend adds PATH. */
  env?: Record<string, string>;
  stdin?: string;
  signal?: AbortSignal;
  /** Streams output here instead of (also) collecting it: for long pulls and builds. */
  onOutput?: (chunk: Buffer) => void;
}

/** Runs `docker ARGS...` on the workspace's node and collects its output. */
export async function docker(ws: Workspace, args: string[], o: CliOptions = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let r: ExecResult;
  try {
    r = await ws.exec({
      argv: ['docker', ...args],
      cwd: ws.root,
      env: o.env ?? {},
      ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onOutput: (chunk, stream) => {
        (stream === 'stdout' ? out : err).push(chunk);
        o.onOutput?.(chunk);
      },
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/no such program|ENOENT/.test(msg)) throw new DockerError(noCli(ws));
    throw e;
  }
  const stderr = Buffer.concat(err).toString('utf8');
  // Some backends report a missing program as exit 127 rather than a thrown error.
  if (r.exitCode === 127 && /not found|No such file/i.test(stderr)) throw new DockerError(noCli(ws));
  return { code: r.exitCode ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr, aborted: r.aborted };
}

/** Throws a clear error when docker's output says the daemon cannot be reached. */
export function checkDaemon(ws: Workspace, r: CliResult, env: Record<string, string>): void {
  if (r.code !== 0 && /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect/i.test(r.stderr)) {
    throw new DockerError(`the Docker daemon is not reachable from node '${ws.nodeName}'${env.DOCKER_HOST ? ` (DOCKER_HOST=${env.DOCKER_HOST})` : ''}: ${lastLines(r.stderr, 1)}; start dockerd there, or point DOCKER_HOST at a running engine`);
  }
}

function noCli(ws: Workspace): string {
  return `the docker command is not installed on node '${ws.nodeName}': container agents run docker where the workspace is; install Docker there (Debian: apt-get install docker.io) or run this stage on a node that has it (agent { docker { label '...' } })`;
}

/** The meaningful end of docker's error output (it can be long), on one line. */
export function lastLines(text: string, n = 3): string {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.slice(-n).join(' | ') || '(no output)';
}

export class DockerError extends KilnError {
  constructor(message: string) {
    super('docker.cli', message);
  }
}

/**
 * Splits a docker argument string (`args '-v /a:/b --net host'`, `additionalBuildArgs`) into
 * words the way a POSIX shell would: blanks separate, single quotes are literal, double quotes
 * allow \" \\ \$ escapes, a backslash outside quotes escapes the next character. No expansion.
 */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new DockerError(`unterminated ' in docker arguments: ${s}`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) i++;
        cur += s[i];
      }
      if (i >= s.length) throw new DockerError(`unterminated " in docker arguments: ${s}`);
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** A container, image or volume name part from free text (job names have '/', spaces...). */
export function dockerName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 60) || 'x';
}
