// Passing the node gates of the enclosing throttle blocks (NodeGate, steps/types.ts): the scripted
// `node` step (node.ts) and a declarative agent (engine.ts #onAgent) pass them before they ask for
// their node, and release them when they give it back.
import type { NodeGate } from './types.ts';

/** Passes every gate in order; resolves to the release of all of them (each released once, in reverse). */
export async function passNodeGates(gates: readonly NodeGate[], signal: AbortSignal, say: (line: string) => void): Promise<() => void> {
  const held: (() => void)[] = [];
  const releaseAll = () => { for (const r of held.splice(0).reverse()) r(); };
  try {
    for (const g of gates) held.push(await g(signal, say));
  } catch (err) {
    releaseAll();
    throw err;
  }
  return releaseAll;
}
