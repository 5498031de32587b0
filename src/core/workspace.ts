// Where steps run. The engine drives every build through this one small interface and never
// asks which implementation it has: the local backend (processes on this machine), a remote
// agent, a Docker container, a pod. Modelled on Woodpecker's backend (set up a workflow, start a
// step, wait, tail its logs, tear down). Where a step must know more than the interface gives, a
// workspace states a capability (`containerHost`, `isLocal`); no step asks `instanceof`.
//
// All paths given to a Workspace are absolute paths *on the node where the workspace lives*
// (the engine resolves `dir('sub')` and relative file arguments against the current directory
// before calling). A Workspace refuses paths outside its root (`WorkspaceError`, code 'outside').
// Contracts only: this folder imports nothing else of src.
import { KilnError } from './errors.ts';

export type OutputStream = 'stdout' | 'stderr';

/**
 * The variable (in ExecSpec.env) by which a step in a container gets the directories withEnv's
 * `PATH+NAME=dir` put in front of PATH: a container keeps its own PATH (its tools are there), so
 * the runner exports `PATH=<these>:$PATH` in it, as the kubernetes plugin does. Never exported as
 * itself; outside containers PATH already has them.
 */
export const PATH_PREPEND_ENV = 'KILN_PATH_PREPEND';

export interface ExecSpec {
  /** The program and its arguments, run without a shell. */
  argv: string[];
  /** Absolute working directory on the node (inside the workspace, or the workspace itself). */
  cwd: string;
  /**
   * The environment of the process. The backend adds nothing but what describes its node, under
   * these: the local backend an allow-list of its own environment (exec/host-env.ts:
   * PATH, HOME, USER, locale, never KILN_*), or a default PATH.
   */
  env: Record<string, string>;
  /** Bytes written to the process's stdin, which is then closed; stdin is /dev/null when absent. */
  stdin?: Buffer | string;
  /** Named container of the workspace to run in (backends with containers); undefined = the default. */
  container?: string;
  /** Called with each chunk of output as it arrives, byte-exact, in order per stream. */
  onOutput: (chunk: Buffer, stream: OutputStream) => void;
  /** Aborting kills the whole process tree (within 2 s: TERM, then KILL). */
  signal?: AbortSignal;
  /**
   * Run it durably under this key where the workspace can (an agent: the process survives a
   * restart of the controller or of the agent, and `reattach` takes it over); ignored elsewhere.
   */
  durableKey?: string;
  /**
   * For a durable exec: how much of the output handed to `onOutput` so far (`got`, bytes per
   * stream from the start of its output) is safe, resolved once it is (the console has it on
   * disk). The node forgets output only up to that (the ack barrier, agent/durable.ts); absent, as
   * soon as `onOutput` returned. Rejects when nothing more will be kept (the controller stops).
   */
  barrier?: OutputBarrier;
  /**
   * For a durable exec whose stdout the step captures (`returnStdout`): the node keeps all of it
   * until the end is acknowledged, so that a resumed step can have it again from its start
   * (ReattachSpec.keepStdout) rather than from what was acknowledged.
   */
  keepStdout?: boolean;
}

/**
 * See ExecSpec.barrier. With `end` (the exec ended and every byte was handed over): resolves once
 * the step's end is on record too (the build's journal), so that the node keeps the result until
 * then.
 */
export type OutputBarrier = (got: { stdout: number; stderr: number }, end?: boolean) => Promise<{ stdout: number; stderr: number }>;

/**
 * What a re-attached exec needs: where its output goes, its abort, its barrier, and where to
 * resend its output from when the caller knows better than the node's acknowledged offsets (what
 * the console on disk has of it; clamped to what the node holds). `keepStdout` (the exec was
 * started with it): stdout comes again from 0, whatever was acknowledged.
 */
export type ReattachSpec = Pick<ExecSpec, 'onOutput' | 'signal' | 'barrier' | 'keepStdout'> & { from?: { stdout: number; stderr: number } };

/**
 * The durable exec a resumed step asks for is not there (its agent does not hold it, or never
 * came back). `started` false: the agent's whole hand-back says it never received it (the
 * controller died between journaling the step and the agent starting it), so the step may start
 * now; true: it may have run, and the step cannot be resumed.
 */
export class ExecNotReattachable extends KilnError {
  readonly started: boolean;

  constructor(message: string, started = true) {
    super('workspace.not-reattachable', message);
    this.started = started;
  }
}

export interface ExecResult {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  /** Signal name when killed by one (e.g. 'SIGTERM'), else null. */
  signal: string | null;
  /** True when the process ended because `signal` aborted it. */
  aborted: boolean;
}

export interface FileStat {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** Permission bits (e.g. 0o755). */
  mode: number;
  /** Last modification, ms since the epoch (whole; 0 for an earlier time); absent where the node does not say. */
  mtimeMs?: number;
}

/** An opened file read in chunks: iterate `chunks()` once to its end, or `close()` it. */
export interface FileReader {
  /** Its size when opened (what is read may differ if something writes it meanwhile). */
  readonly size: number;
  /** The bytes, in order; the reader closes itself at the end or on an error. */
  chunks(): AsyncIterable<Buffer>;
  /** Stops reading and releases the file (idempotent). */
  close(): Promise<void>;
}

export interface GlobOptions {
  /** Apply Ant's default excludes (`**\/.git/**`, ...); default true. */
  defaultExcludes?: boolean;
  /** Patterns match case-sensitively; default true. */
  caseSensitive?: boolean;
}

export interface Workspace {
  /** Absolute path of the workspace root on its node (the WORKSPACE variable). */
  readonly root: string;
  /**
   * A scratch directory beside the root (`<root>@tmp`, as Jenkins has), for files a step needs
   * but the build must not see in its workspace: scripts, secret files, askpass helpers.
   * File operations accept paths under it as well as under `root`.
   */
  readonly tmp: string;
  /** Name of the node that holds it (NODE_NAME): 'local' for the local backend. */
  readonly nodeName: string;
  /** Labels of that node (NODE_LABELS). */
  readonly nodeLabels: string[];
  /** Whether `container('name')` can route commands (false for local). */
  readonly hasContainers: boolean;
  /** Whether the node is Unix-like (the `isUnix` step). */
  readonly isUnix: boolean;
  /**
   * Capability: where the containers of this workspace's node are started from. A container
   * agent's workspace names its node's, so a container asked for inside it (withDockerContainer,
   * a registry login) starts beside it on the node, as Jenkins' docker CLI does, not inside it.
   * Absent: the workspace itself.
   */
  readonly containerHost?: Workspace;
  /**
   * Capability: the workspace's paths are this process's own file system (the local backend),
   * so what runs here may prepare files there directly (the Docker runner). Absent: false.
   */
  readonly isLocal?: boolean;
  /**
   * Capability: the node's own environment (an agent's PATH, HOME, JAVA_HOME...; a pod's agent:
   * what its container has), under the build's variables: what steps outside container() get
   * and Groovy's `env` sees, as Jenkins' node environment. Absent: the controller's default.
   */
  readonly nodeEnv?: Readonly<Record<string, string>>;
  /**
   * Capability: values the node's environment holds that the console must never show (a pod's
   * env read from Kubernetes Secrets): masked from the moment the build has the node. Absent: none.
   */
  readonly secrets?: readonly string[];
  /**
   * Capability: another workspace on this one's node, for the same build (the `ws` step): at
   * `path`, absolute or relative to the node's workspace directory, as `<path>@2`, `@3`... when a
   * live workspace holds it. Refused (WorkspaceError 'outside') when the path leaves what the node
   * allows (an agent: its work directory; the controller's and kiln run's: their workspace
   * directory). Absent: the node cannot (a container's or pod's workspace is its mount).
   */
  allocateAt?(path: string): Promise<Workspace>;

  exec(spec: ExecSpec): Promise<ExecResult>;
  /**
   * Takes over the durable exec `key` a previous controller process started here (ExecSpec's
   * durableKey): its output from where that process's acknowledgements ended, then its result.
   * Rejects with ExecNotReattachable when it is not there. Absent: the workspace cannot.
   */
  reattach?(key: string, spec: ReattachSpec): Promise<ExecResult>;

  /** Refuses a file whose real location (after symbolic links) is outside the workspace. */
  readFile(path: string): Promise<Buffer>;
  /**
   * Opens a file to read it in chunks, with memory bounded whatever its size (archiving,
   * stashing); refused like readFile. Optional: `openFile` in util/files-stream.ts falls back to readFile.
   */
  openRead?(path: string): Promise<FileReader>;
  /**
   * Writes a file from chunks as they come (unstash), with memory bounded whatever its size;
   * refused like writeFile. When the chunks fail or the write does, no file is left at `path`.
   * Optional: `writeChunks` in util/files-stream.ts falls back to gathering them for writeFile.
   */
  writeFrom?(path: string, chunks: AsyncIterable<Buffer>, mode?: number): Promise<void>;
  /** Creates parent directories as needed. */
  writeFile(path: string, data: Buffer | string, mode?: number): Promise<void>;
  /** null when nothing is there. Does not follow a final symlink. */
  stat(path: string): Promise<FileStat | null>;
  mkdir(path: string): Promise<void>;
  /** Removes a file or a directory tree; no error when absent. */
  remove(path: string): Promise<void>;
  /**
   * Files (not directories) under `dir` matching Ant-style comma-separated `includes`
   * (`**\/*.xml, target/*.jar`) and not `excludes`, as paths relative to `dir` with '/',
   * sorted. Symlinks are reported as found; callers decide (archiving refuses links that
   * leave the workspace).
   */
  glob(dir: string, includes: string, excludes?: string, options?: GlobOptions): Promise<string[]>;

  /** Releases what the workspace holds on its node (processes, containers); files stay. */
  release(): Promise<void>;
}

export class WorkspaceError extends KilnError {
  readonly code: 'outside' | 'not-found' | 'io' | 'unsupported';
  constructor(code: WorkspaceError['code'], message: string) {
    super(`workspace.${code}`, message);
    this.code = code;
  }
}

/** A job's workspace directory name on a node: '/' (folders) and other separators or control characters become '_'. */
export function workspaceDirName(job: string): string {
  // eslint-disable-next-line no-control-regex
  let name = job.replace(/[/\\\x00-\x1f\x7f]/g, '_');
  if (name === '' || /^\.+$/.test(name)) name = name.replace(/\./g, '_') || '_';
  return name;
}
