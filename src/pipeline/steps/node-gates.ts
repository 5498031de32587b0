// Passing the node gates of the enclosing throttle blocks (NodeGate, steps/types.ts): the scripted
// `node` step (node.ts) and a declarative agent (engine.ts #onAgent) pass them before they ask for
// their node (with the gates' claims on the node given: `claim`), and release them when they give
// it back.
import type { NodeClaim } from '../../core/nodes.ts';
import type { NodeGate } from './types.ts';

/**
 * Passes every gate in order; resolves to the release of all of them (each released once, in
 * reverse) and their claims as one (a node every one of them accepts; null: none has one).
 */
export async function passNodeGates(gates: readonly NodeGate[], signal: AbortSignal, say: (line: string) => void): Promise<{ release: () => void; claim: NodeClaim | null }> {
  const held: (() => void)[] = [];
  const claims: NodeClaim[] = [];
  const releaseAll = () => { for (const r of held.splice(0).reverse()) r(); };
  try {
    for (const g of gates) {
      const pass = await g(signal, say);
      held.push(pass.release);
      if (pass.claim) claims.push(pass.claim);
    }
  } catch (err) {
    releaseAll();
    throw err;
  }
  return { release: releaseAll, claim: claims.length <= 1 ? claims[0] ?? null : allOf(claims) };
}

function allOf(claims: NodeClaim[]): NodeClaim {
  return {
    refuses: (node) => {
      for (const c of claims) {
        const why = c.refuses(node);
        if (why !== null) return why;
      }
      return null;
    },
    take: (node) => {
      const releases = claims.map((c) => c.take(node));
      return () => { for (const r of releases.reverse()) r(); };
    },
  };
}
