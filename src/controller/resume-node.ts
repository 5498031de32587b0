// The node a resumed build's `node` block / `agent` gets back (durable builds, docs/architecture.md
// "Durable builds", "A resumed node block").
//
// What: while a build replays after a controller restart, the engine tells the agents' provider
// where the block being allocated ran before (AgentRequest.resumeOn, from the journal: replay.ts
// nodeAhead). That node is the one to give again: its agent holds the step that was in flight (a
// durable exec that only it can hand back) and the workspace the block's earlier steps wrote.
// Another agent of the same label would not do: the step would fail there as non-resumable.
//
// How: the executor is asked for with the label expression `"<node>" && (<label>)` (a node's
// name is one of its labels), so the one wait list and its fairness still apply. Not forever: the
// agent may never come back (its host is gone). After the agent grace period (`--agent-grace`,
// the one setting for "how long an agent may be away") the wait ends and the block fails with an
// agent-loss error (retry's `agent()` condition) that is also non-resumable when a step was in
// flight there (`nonresumable()`), saying the agent did not come back within N s: a `retry`
// around the block runs it again on any agent of the label, as Jenkins' "never reconnected"
// node does. When the node is unknown or no longer has the label, the label is asked as usual.
import { StepFailure } from '../core/errors.ts';
import { AgentUnavailableError } from './agents/session.ts';
import { matches, tryParseLabelExpression } from './labels.ts';

export interface ResumeNodeOptions<T> {
  resumeOn: { node: string; inFlight: boolean } | null | undefined;
  /** The block's label expression (null: any node). */
  label: string | null;
  /** The scheduler's nodes now (name and labels). */
  nodes: () => { name: string; labels: string[] }[];
  graceMs: number;
  signal: AbortSignal;
  /** Waits for an executor of `label` (the wait list), until `signal` aborts. */
  wait: (label: string | null, signal: AbortSignal) => Promise<T>;
}

/** A label atom naming exactly `name` (quoted as labels.ts reads it). */
export function nodeAtom(name: string): string {
  return '"' + name.replace(/[\\"\n\t\r\f\b]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\f': '\\f', '\b': '\\b' })[c]!) + '"';
}

function labelMatches(label: string, labels: readonly string[], name: string): boolean {
  const parsed = tryParseLabelExpression(label);
  return parsed.expr !== null && matches(parsed.expr, new Set([...labels, name]));
}

export async function executorForResume<T>(o: ResumeNodeOptions<T>): Promise<T> {
  const on = o.resumeOn;
  const n = on ? o.nodes().find((x) => x.name === on.node) : undefined;
  if (!on || !n || (o.label !== null && !labelMatches(o.label, n.labels, n.name))) return o.wait(o.label, o.signal);
  const only = o.label === null ? nodeAtom(on.node) : `${nodeAtom(on.node)} && (${o.label})`;
  const gone = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; gone.abort(); }, o.graceMs);
  const onAbort = () => gone.abort(o.signal.reason);
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await o.wait(only, gone.signal);
  } catch (err) {
    if (!timedOut || o.signal.aborted) throw err;
    const why = `agent '${on.node}' did not come back within ${Math.round(o.graceMs / 1000)} s after the controller restarted`;
    const loss = new AgentUnavailableError(on.node, why);
    if (!on.inFlight) throw new StepFailure(`${why}: the node block that ran there cannot go on. Wrap it in \`retry(conditions: [agent()], count: 2) {...}\` to run it again on another agent.`, { cause: loss });
    const failure = new StepFailure(`${why}: the step in flight there cannot be resumed. You may wrap the node block within \`retry(conditions: [nonresumable()], count: 2) {...}\` to run it again.`, { cause: loss });
    Object.defineProperty(failure, 'nonResumable', { value: true }); // replay.ts isNonResumable
    throw failure;
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', onAbort);
  }
}
