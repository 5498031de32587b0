// The dynamic context that flows down every call while a build runs: which node and workspace,
// which directory, which container, which environment layers, which stage, which abort signal.
// Immutable: a block that changes something runs with a changed copy, so parallel branches
// never share state by accident.
import type { Workspace } from '../../core/workspace.ts';
import type { DynamicContext, Value } from '../script/values.ts';
import type { EnvLayer } from './env.ts';
import type { StageRecord } from './state.ts';
import type { NodeGate } from '../steps/types.ts';

export interface ExecFields {
  signal: AbortSignal;
  workspace: Workspace | null;
  cwd: string | null;
  container: string | null;
  env: EnvLayer | null;
  stage: StageRecord | null;
  /** Name of the innermost parallel branch, prefixed to console lines like Jenkins' `[name] `. */
  branch: string | null;
  timestamps: boolean;
  /** Called when the context prints anything (timeout's activity mode); chained. */
  onOutput: (() => void) | null;
  /** The build this context runs for (DynamicContext.owner). */
  owner?: object;
  /** While an `environment {}` value is computed: the block's other names (Jenkins' EnvironmentResolver). */
  envBlock?: EnvBlockScope | null;
  /** The gates of the enclosing throttle blocks, outermost first: a node passes them before it is asked for. */
  nodeGates?: readonly NodeGate[];
}

/**
 * An `environment {}` block resolved as a whole, as Jenkins does: in a value, a name of the
 * block (bare, or `env.NAME`) is that entry's value wherever it is declared; the entry's own
 * name reads the value from outside the block (`PATH = "${PATH}:/x"`, `FOO = "${FOO ?: 'd'}"`);
 * any other unknown bare name is null.
 */
export interface EnvBlockScope {
  /** The entry whose value is being computed. */
  readonly target: string;
  has(name: string): boolean;
  value(name: string): Promise<Value>;
}

export class ExecContext implements DynamicContext, ExecFields {
  readonly signal: AbortSignal;
  readonly workspace: Workspace | null;
  readonly cwd: string | null;
  readonly container: string | null;
  readonly env: EnvLayer | null;
  readonly stage: StageRecord | null;
  readonly branch: string | null;
  readonly timestamps: boolean;
  readonly onOutput: (() => void) | null;
  readonly owner: object | undefined;
  readonly envBlock: EnvBlockScope | null;
  readonly nodeGates: readonly NodeGate[];

  constructor(f: ExecFields) {
    this.signal = f.signal;
    this.workspace = f.workspace;
    this.cwd = f.cwd;
    this.container = f.container;
    this.env = f.env;
    this.stage = f.stage;
    this.branch = f.branch;
    this.timestamps = f.timestamps;
    this.onOutput = f.onOutput;
    this.owner = f.owner;
    this.envBlock = f.envBlock ?? null;
    this.nodeGates = f.nodeGates ?? [];
  }

  with(changes: Partial<ExecFields>): ExecContext {
    return new ExecContext({ ...this.fields(), ...changes });
  }

  fields(): ExecFields {
    return {
      signal: this.signal, workspace: this.workspace, cwd: this.cwd, container: this.container, env: this.env,
      stage: this.stage, branch: this.branch, timestamps: this.timestamps, onOutput: this.onOutput, owner: this.owner,
      envBlock: this.envBlock, nodeGates: this.nodeGates,
    };
  }
}

/** The engine's own context type, recovered from what the interpreter hands back. */
export function asExec(ctx: DynamicContext): ExecContext {
  if (!(ctx instanceof ExecContext)) throw new Error('internal error: foreign dynamic context');
  return ctx;
}
