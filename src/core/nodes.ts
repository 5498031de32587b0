// Where builds get a node: the contract between the engine, which asks for a workspace for each
// `agent`, and whoever provides one (the local machine for `kiln run`; connected agents, Docker
// and Kubernetes in the controller), and `Slots`, how a provider that makes pods waits for room
// on a capped cloud in the host's one wait list. Contracts only: this folder imports nothing
// else of src.
import type { Loc } from './build.ts';
import type { Workspace } from './workspace.ts';

/** Which build a workspace is for: used to name directories, containers, labels. */
export interface BuildRef {
  /** Job name, may contain '/' for folders. */
  job: string;
  /** Build number within the job. */
  number: number;
  /** Unique id of this build across the controller (e.g. "my-job#12" or a uuid). */
  id: string;
}

// ---------------------------------------------------------------------------------------------
// What the engine asks for

/**
 * The kind of `agent` a pipeline declares: the built-in 'any', 'none', 'label', 'node', or an
 * agent type a plugin declares ('docker', 'dockerfile', 'kubernetes', ...: core/plugin.ts).
 */
export type AgentType = string;

/** An `agent` directive with its values evaluated. */
export interface AgentRequest {
  type: AgentType;
  label: string | null;
  customWorkspace: string | null;
  /** The options of a plugin's agent type (docker's image, kubernetes' yaml, ...), evaluated. */
  options: Record<string, string | number | boolean | null>;
  loc: Loc | null;
  /**
   * A resumed build's node block ran on this node before the controller restarted (replay.ts
   * nodeAhead): the agents' provider gives that node again, waiting for it at most the agent
   * grace period when a step in flight is held there. Other providers ignore it.
   */
  resumeOn?: { node: string; inFlight: boolean } | null;
  /**
   * A condition on the node given (the throttle step's maxConcurrentPerNode): the agents'
   * provider skips a node it refuses and counts the block on the node it gives. Provisioners that
   * make a new node per block (Docker, Kubernetes) ignore it.
   */
  nodeClaim?: NodeClaim | null;
}

/**
 * A condition a node block puts on the node it is given, checked as the node is picked (so two
 * blocks never both pass it for the last room on a node): `refuses` says why a node may not be
 * given now (Jenkins' words) or null; `take` counts the block on the node given, until the
 * release it returns (called when the block gives the node back, before the node is offered to
 * the next waiting block).
 */
export interface NodeClaim {
  refuses(node: string): string | null;
  take(node: string): () => void;
}

export interface AllocatedNode {
  workspace: Workspace;
  /** `failed`: the agent scope ended with an error, or the build's result is already worse than UNSTABLE. */
  release(outcome?: { failed: boolean }): Promise<void>;
}

/** Where nodes come from: the local machine, connected agents, the plugins' provisioners (Docker, Kubernetes). */
export interface NodeProvider {
  allocate(req: AgentRequest, build: BuildRef, signal: AbortSignal, log: (line: string) => void): Promise<AllocatedNode>;
}

// ---------------------------------------------------------------------------------------------
// What a backend gives

export interface WorkspaceRequest {
  build: BuildRef;
  /** Absolute directory to use as the workspace root; the backend picks one when absent. */
  path?: string;
  /** Label expression the build asked for (`agent { label 'x' }`), for backends that care. */
  label?: string;
}

export interface Backend {
  /** 'local', 'agent', 'docker', 'kubernetes' ... for messages. */
  readonly kind: string;
  /** Allocates (or reuses) a workspace for a build. */
  allocate(req: WorkspaceRequest): Promise<Workspace>;
  /** Stops everything the backend started (used at shutdown). */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Pod slots: room on a capped cloud

/** A pod slot a provider asks for before it makes a pod. */
export interface SlotRequest {
  /** The cloud's name: its slots are counted together, whatever its settings become. */
  cloud: string;
  /** Pods of the cloud at once (Docker `concurrencyCap`, Kubernetes `containerCap`); 0 = no cap. */
  cap: number;
  build: BuildRef;
}

/** Gives a slot back (when the pod is gone); calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * Where a provider waits for a pod slot: the host's wait list (the controller's: a waiting build
 * is a queue entry, "Waiting for a pod slot on cloud 'k8s' (2/2 in use)", shown by
 * GET /api/v1/queue and cancelled by aborting the build). A provider never counts pods itself.
 */
export interface Slots {
  /**
   * A slot of `req.cloud`, in order (first come, first served per cloud). When none is free it
   * says why once through `say` and waits; it rejects with the build's interruption when
   * `signal` aborts while it waits, or with the reason when the cloud is deleted meanwhile.
   */
  acquire(req: SlotRequest, signal: AbortSignal, say: (line: string) => void): Promise<ReleaseSlot>;
}
