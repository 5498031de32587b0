// The controller⇄agent protocol: every message either side may send, declared once as a
// TypeBox schema that both the controller (src/controller/agents/) and the agent (src/agent/)
// import. Nothing else is shared between the two processes.
//
// Why TypeBox: the schemas are plain JSON Schema (the same kind Fastify validates its routes
// with), compiled once into fast checkers, and `Static<>` gives the TypeScript types, so the
// declaration, the validation and the types cannot drift apart. The builders are schema.ts's
// copies of TypeBox's (same objects, same types), so that neither process loads TypeBox for
// the protocol (the agent, in every pod, stays small).
//
// How the conversation goes (one WebSocket at `<controller>/agent`, see docs/architecture.md):
//
//   upgrade   GET /agent with `Authorization: Bearer <secret>`, `X-Kiln-Agent-Name`,
//             `X-Kiln-Protocol`: the controller answers 401/403/400/409 in plain text, or 101.
//   agent →   hello     {protocol, name, labels, executors, os, ..., session, received}
//   ← ctl     welcome   {session, resumed, received, heartbeatMs, timeoutMs}
//   then      sequenced messages both ways (requests ⇢ agent, results/output ⇠ agent), each
//             with `seq` (its number in the session) and `ack` (the last seq received from the
//             peer); standalone `ack` messages when there is nothing to piggyback on.
//
// Sequenced messages survive a reconnect: each side keeps what the peer has not acknowledged
// and, after the hello/welcome of a resumed session, sends again what the peer did not get
// (see link.ts). Requests carry an `id` chosen by the controller; every response names it.
// Bytes (exec output, file contents, stdin) travel in binary frames (codec.ts), never as base64.

import type { Static, TSchema } from '@sinclair/typebox';
import { Type } from './schema.ts';

/** Bumped on any incompatible change; both sides refuse a peer with another version. */
export const PROTOCOL_VERSION = 5;
/** Path of the WebSocket endpoint below the controller's base URL. */
export const AGENT_PATH = '/agent';
/** Largest frame either side accepts; a bigger one closes the connection (1009). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Largest JSON header of a binary frame. */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** File contents and stdin are cut into chunks of at most this many bytes. */
export const CHUNK_BYTES = 1024 * 1024;

/** Upgrade request headers. The secret goes in `Authorization: Bearer <secret>`. */
export const HEADER_AGENT_NAME = 'x-kiln-agent-name';
export const HEADER_PROTOCOL = 'x-kiln-protocol';

/** WebSocket close codes used by Kiln (1000–1011 are the standard ones). */
export const CloseCode = {
  normal: 1000,
  /** The closing side is going away for good: agent or controller shutting down. */
  goingAway: 1001,
  /** A frame that is not what the protocol says (bad JSON, bad binary layout). */
  badData: 1007,
  /** The agent stops but its durable steps go on (a restart, SIGTERM): the controller waits its grace period for it. */
  restarting: 1012,
  /** A message that breaks the schema, an unknown type, a message out of order. */
  policy: 1008,
  /** A frame over MAX_FRAME_BYTES (sent by the `ws` library itself). */
  tooBig: 1009,
  /** The peer sent no hello / welcome in time, or nothing at all for the dead-peer timeout. */
  timeout: 4408,
  /** Another live connection holds this agent name. */
  conflict: 4409,
  /** The agent's session was ended by the controller (agent deleted, controller closing). */
  sessionEnded: 4410,
  /** The peer speaks another protocol version. */
  version: 4426,
} as const;

// ------------------------------------------------------------------------------ building blocks

/**
 * Agent names: letters, digits, '.', '_', '-', starting with a letter or digit, at most 128
 * characters. Stricter than Jenkins (which allows spaces and most punctuation) so that a name
 * is always safe in a path, a header, a Kubernetes pod name and a shell command line.
 */
export const AGENT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const agentNameRe = new RegExp(AGENT_NAME_PATTERN);
export function isValidAgentName(name: string): boolean {
  return agentNameRe.test(name);
}

/** Labels: no whitespace and none of the characters label expressions use (`&|!()`), nor quotes or commas. */
export const LABEL_PATTERN = '^[^\\s&|!()"\',]{1,128}$';
const labelRe = new RegExp(LABEL_PATTERN);
export function isValidLabel(label: string): boolean {
  return labelRe.test(label);
}

const Seq = Type.Integer({ minimum: 1 });
const Ack = Type.Integer({ minimum: 0 });
const Id = Type.Integer({ minimum: 1 });
const Text = (maxLength: number) => Type.String({ maxLength });
const FilePath = Type.String({ minLength: 1, maxLength: 4096 });
const AgentName = Type.String({ pattern: AGENT_NAME_PATTERN });
const Label = Type.String({ pattern: LABEL_PATTERN });
const Stream = Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]);
const ErrorCode = Type.Union([
  Type.Literal('outside'), Type.Literal('not-found'), Type.Literal('io'), Type.Literal('unsupported'),
  /** Any other failure (a program that cannot start, a released workspace...). */
  Type.Literal('error'),
]);

const strict = { additionalProperties: false } as const;

/**
 * A durable exec's key (Exec.durable): chosen by the controller (the build's id and the step's),
 * kept by the agent in its control directory, so that a new controller process, or a new agent
 * process, can find the exec again. Safe as a file name.
 */
export const DURABLE_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$';
const DurableKey = Type.String({ pattern: DURABLE_KEY_PATTERN });
/** Bytes of one output stream of a durable exec: produced so far, and acknowledged by a controller. */
const StreamBytes = Type.Object({ bytes: Type.Integer({ minimum: 0 }), acked: Type.Integer({ minimum: 0 }) }, strict);

/** A sequenced message: `type`, its `seq` in the session, the `ack` of the last seq received. */
function sequenced<T extends string, P extends Record<string, TSchema>>(type: T, props: P) {
  return Type.Object({ type: Type.Literal(type), seq: Seq, ack: Ack, ...props }, strict);
}

// ------------------------------------------------------------------------------ handshake

export const Hello = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Integer(),
  name: AgentName,
  labels: Type.Array(Label, { maxItems: 256 }),
  executors: Type.Integer({ minimum: 1, maximum: 1024 }),
  os: Text(64),
  arch: Text(64),
  hostname: Text(256),
  nodeVersion: Text(64),
  kilnVersion: Text(64),
  workdir: FilePath,
  /** The session to resume (from an earlier welcome), or null for a fresh start. */
  session: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]),
  /** Last seq received from the controller in that session (0 when none). */
  received: Ack,
  /**
   * Sent by a freshly started agent process: the steps an earlier agent process of its work
   * directory left running (it died without ending them), which it stopped before this hello;
   * `running` > 0 when some would not die. Absent when nothing was left.
   */
  leftovers: Type.Optional(Type.Array(Type.Object({
    build: Text(1100),
    command: Text(256),
    found: Type.Integer({ minimum: 0 }),
    running: Type.Integer({ minimum: 0 }),
  }, strict), { maxItems: 1024 })),
  /**
   * The durable execs this agent holds that no connection of the current session carries (the
   * controller restarted, or the agent did): each may be taken over by the new session
   * (`reattach`), which resends its output from `acked` on. `exit` is set when it ended
   * meanwhile. The controller accepts only keys its store says are this agent's, of a build
   * still running; it asks the agent to stop the others (`discard`).
   */
  execs: Type.Optional(Type.Array(Type.Object({
    key: DurableKey,
    buildId: Text(1024),
    stdout: StreamBytes,
    stderr: StreamBytes,
    exit: Type.Optional(Type.Object({ code: Type.Union([Type.Integer(), Type.Null()]), signal: Type.Union([Text(32), Type.Null()]) }, strict)),
  }, strict), { maxItems: 1024 })),
}, strict);

export const Welcome = Type.Object({
  type: Type.Literal('welcome'),
  protocol: Type.Integer(),
  session: Type.String({ minLength: 1, maxLength: 128 }),
  /** True when the agent's session continues: both sides now resend what the other missed. */
  resumed: Type.Boolean(),
  /** Last seq the controller received from the agent in this session. */
  received: Ack,
  /** How often each side pings, and after how long without a word the peer counts as gone. */
  heartbeatMs: Type.Integer({ minimum: 10 }),
  timeoutMs: Type.Integer({ minimum: 10 }),
}, strict);

/** A standalone acknowledgement (when no sequenced message was going out to carry it). */
export const AckMsg = Type.Object({ type: Type.Literal('ack'), ack: Ack }, strict);

// ------------------------------------------------------------------------------ controller → agent

export const Allocate = sequenced('allocate', {
  id: Id,
  job: Text(1024),
  number: Type.Integer({ minimum: 0 }),
  buildId: Text(1024),
  /** Workspace directory wanted; relative paths are under the agent's workspace root. */
  path: Type.Optional(FilePath),
  label: Type.Optional(Text(4096)),
});

export const Exec = sequenced('exec', {
  id: Id,
  /** Id of the allocate request that made the workspace. */
  ws: Id,
  argv: Type.Array(Type.String({ maxLength: 1024 * 1024 }), { minItems: 1, maxItems: 100000 }),
  cwd: FilePath,
  env: Type.Record(Type.String({ maxLength: 32768 }), Type.String({ maxLength: 1024 * 1024 })),
  container: Type.Optional(Text(253)),
  /** When true, `chunk` frames with this id follow, up to one with `last`: the stdin bytes. */
  stdin: Type.Boolean(),
  /**
   * Run it so that it survives the controller's and the agent's restarts (agent/durable.ts),
   * under this key. The agent refuses a key it already holds.
   */
  durable: Type.Optional(DurableKey),
  /**
   * A durable exec's stream the step captures (`returnStdout`): the agent keeps all of it until
   * the end is acknowledged, and a `reattach` may ask for it again from 0 (protocol 5).
   */
  keep: Type.Optional(Type.Literal('stdout')),
});

/**
 * Take over the durable exec `key` (handed back in a hello) as request `id`: the agent sends its
 * output from what a controller acknowledged on (`output` from n = 0), then `exited`, as for an
 * exec; `failed` (not-found) when it does not hold it.
 */
export const Reattach = sequenced('reattach', {
  id: Id,
  key: DurableKey,
  /**
   * Where to resend from, per stream, when the controller knows better than the agent's
   * acknowledged offsets (it took the exec over from the session of the agent's previous
   * process: it counted what it got). Never below what the agent holds as acknowledged, but for
   * a stream it keeps (Exec `keep`): from 0 up.
   */
  from: Type.Optional(Type.Object({ stdout: Type.Integer({ minimum: 0 }), stderr: Type.Integer({ minimum: 0 }) }, strict)),
});

/**
 * The controller has a durable exec's output (request `id`, an exec or a reattach) safe in the
 * console up to these offsets (bytes from the start of each stream's file): the agent forgets it
 * below them, and never sends it again (agent/durable.ts). Sent once the console writer has the
 * bytes on disk (the ack barrier), not when the frames arrive: the link's own acknowledgements
 * only free frames kept for a resend on this session. `done`: the step's end is recorded too
 * (after `exited`): the agent forgets the exec. No answer.
 */
export const ExecAck = sequenced('execAck', {
  id: Id,
  stdout: Type.Integer({ minimum: 0 }),
  stderr: Type.Integer({ minimum: 0 }),
  done: Type.Optional(Type.Boolean()),
});

/** Stop the durable exec `key` and forget it (its build is gone or finished). No answer. */
export const Discard = sequenced('discard', { key: DurableKey });

export const Abort = sequenced('abort', { id: Id });

export const ReadFile = sequenced('readFile', { id: Id, ws: Id, path: FilePath });

export const WriteFile = sequenced('writeFile', {
  id: Id,
  ws: Id,
  path: FilePath,
  mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o7777 })),
  /** Total bytes; the `chunk` frames that follow carry them. */
  size: Type.Integer({ minimum: 0 }),
});

/**
 * Streamed file transfers (artifacts, stashes, unstash), with flow control so that neither side
 * holds more than a window of a file in memory, whatever its size:
 *
 *   readStream  ctl → agent  open `path`; `credit` bytes may be sent before more is granted.
 *               agent → ctl  `opened {size}`, then `chunk`s (never more than the credit
 *                            granted so far), the last with `last`, then `fileRead {size}`
 *                            (or `failed`). The controller grants more with `credit` as it
 *                            writes what it got, and may stop the read with `abort` (the agent
 *                            then answers `failed`).
 *   writeStream ctl → agent  open `path` for writing; the agent answers `credit` (the window)
 *                            once it is open, then `chunk`s follow within the credit, the
 *                            last with `last`; the agent grants more as it writes, and answers
 *                            `done` when the file is complete (or `failed`, and removes it).
 *                            `abort` from the controller stops the write (no file is left).
 */
export const ReadStream = sequenced('readStream', { id: Id, ws: Id, path: FilePath, credit: Type.Integer({ minimum: 1 }) });
export const WriteStream = sequenced('writeStream', {
  id: Id,
  ws: Id,
  path: FilePath,
  mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o7777 })),
});
/** More bytes the peer may send for transfer `id` (either direction). */
export const Credit = sequenced('credit', { id: Id, bytes: Type.Integer({ minimum: 1 }) });

export const Stat = sequenced('stat', { id: Id, ws: Id, path: FilePath });
export const Mkdir = sequenced('mkdir', { id: Id, ws: Id, path: FilePath });
export const Remove = sequenced('remove', { id: Id, ws: Id, path: FilePath });

export const Glob = sequenced('glob', {
  id: Id,
  ws: Id,
  dir: FilePath,
  includes: Text(65536),
  excludes: Type.Optional(Text(65536)),
  defaultExcludes: Type.Optional(Type.Boolean()),
  caseSensitive: Type.Optional(Type.Boolean()),
});

export const Release = sequenced('release', { id: Id, ws: Id });

/** Bytes belonging to request `id`: stdin or file contents (controller → agent), file contents (agent → controller). Binary frame. */
export const Chunk = sequenced('chunk', { id: Id, last: Type.Boolean() });

// ------------------------------------------------------------------------------ agent → controller

export const Allocated = sequenced('allocated', {
  id: Id,
  root: FilePath,
  tmp: FilePath,
  nodeName: AgentName,
  nodeLabels: Type.Array(Label, { maxItems: 257 }),
  hasContainers: Type.Boolean(),
  isUnix: Type.Boolean(),
  /** The node's own environment builds see (allow-listed, exec/host-env.ts; a pod's agent: its container's env but KILN_*). */
  env: Type.Optional(Type.Record(Type.String({ maxLength: 1024 }), Type.String({ maxLength: 131072 }), { maxProperties: 1024 })),
});

/** Output of exec `id`; `n` counts the chunks of that exec from 0, so order and completeness can be checked. Binary frame. */
export const Output = sequenced('output', { id: Id, n: Type.Integer({ minimum: 0 }), stream: Stream });

export const Exited = sequenced('exited', {
  id: Id,
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Text(32), Type.Null()]),
  aborted: Type.Boolean(),
  /** Output chunks sent for this exec (so the controller knows it has them all). */
  chunks: Type.Integer({ minimum: 0 }),
});

/** A readStream's file is open: its size, and chunks follow. */
export const Opened = sequenced('opened', { id: Id, size: Type.Integer({ minimum: 0 }) });

/** The end of a readFile: the chunks with this id came before. */
export const FileRead = sequenced('fileRead', { id: Id, size: Type.Integer({ minimum: 0 }) });

export const FileStatMsg = sequenced('fileStat', {
  id: Id,
  stat: Type.Union([
    Type.Object({
      type: Type.Union([Type.Literal('file'), Type.Literal('dir'), Type.Literal('symlink'), Type.Literal('other')]),
      size: Type.Integer({ minimum: 0 }),
      mode: Type.Integer({ minimum: 0, maximum: 0o7777 }),
      mtimeMs: Type.Optional(Type.Integer({ minimum: 0 })),
    }, strict),
    Type.Null(),
  ]),
});

export const Globbed = sequenced('globbed', { id: Id, files: Type.Array(FilePath, { maxItems: 10_000_000 }) });

/** Success of a request without a value (writeFile, mkdir, remove, release). */
export const Done = sequenced('done', { id: Id });

/** Failure of request `id`; `code` is the WorkspaceError code, or 'error' for other failures. */
export const Failed = sequenced('failed', { id: Id, code: ErrorCode, message: Text(65536) });

// ------------------------------------------------------------------------------ the sets

/** What the controller may send, by type. */
export const controllerMessages = {
  welcome: Welcome, ack: AckMsg,
  allocate: Allocate, exec: Exec, abort: Abort, readFile: ReadFile, writeFile: WriteFile,
  stat: Stat, mkdir: Mkdir, remove: Remove, glob: Glob, release: Release, chunk: Chunk,
  readStream: ReadStream, writeStream: WriteStream, credit: Credit,
  reattach: Reattach, discard: Discard, execAck: ExecAck,
} as const;

/** What the agent may send, by type. */
export const agentMessages = {
  hello: Hello, ack: AckMsg,
  allocated: Allocated, output: Output, exited: Exited, fileRead: FileRead, fileStat: FileStatMsg,
  globbed: Globbed, done: Done, failed: Failed, chunk: Chunk,
  opened: Opened, credit: Credit,
} as const;

/** Types whose frames are binary (a JSON header followed by bytes); all others are text. */
export const binaryTypes: ReadonlySet<string> = new Set(['chunk', 'output']);

type StaticOf<M> = { [K in keyof M]: M[K] extends TSchema ? Static<M[K]> : never }[keyof M];

export type ControllerMessage = StaticOf<typeof controllerMessages>;
export type AgentMessage = StaticOf<typeof agentMessages>;
export type HelloMessage = Static<typeof Hello>;
export type HandedBack = NonNullable<HelloMessage['execs']>[number];
export type WelcomeMessage = Static<typeof Welcome>;
export type ErrorCodeName = Static<typeof ErrorCode>;

/** Sequenced messages are every message but the handshake and standalone acks. */
export type Sequenced<M> = M extends { seq: number } ? M : never;
/** A sequenced message as the application writes it: the link fills in seq and ack. */
export type Outgoing<M> = M extends { seq: number } ? Omit<M, 'seq' | 'ack'> : never;
/** The requests the controller sends. */
export type Request = Sequenced<ControllerMessage>;
/** The responses (and output) the agent sends. */
export type Response = Sequenced<AgentMessage>;
