// The contract between the `throttle` step (src/plugins/throttle/, Throttle Concurrent Builds)
// and the host that knows the throttle categories an administrator configured: the controller's
// settings (controller/throttle.ts, /api/v1/settings/throttle-categories), `kiln run`'s
// KILN_THROTTLE_CATEGORIES (cli/run.ts). A slot of a category is held by each node block that
// runs inside `throttle([...]) { }` while it holds its node; a category with
// maxConcurrentTotal N lets N such blocks hold nodes at once across every build of the host;
// with maxConcurrentPerNode M, a node that already runs M such blocks is not given to another
// (a NodeClaim, core/nodes.ts, that the host's node allocation asks of each candidate node).
// Contracts only: this folder imports nothing else of src.
import type { NodeClaim } from './nodes.ts';

export interface ThrottleCategory {
  name: string;
  /** At most this many throttled node blocks at once across all builds; 0: no limit (as Jenkins). */
  maxConcurrentTotal: number;
  /** At most this many throttled node blocks on one node at once; 0: no limit (as Jenkins). */
  maxConcurrentPerNode: number;
}

export interface ThrottleService {
  /** The configured categories (read at each use, so a change applies to the next throttle). */
  categories(): Promise<ThrottleCategory[]>;
  /**
   * Takes a slot of `category` for `owner`, waiting in line while the category's slots are all
   * taken (`onBlocked` is told why, as Jenkins' queue says it, once per wait); resolves to the
   * slot's release. Rejects when the signal aborts.
   */
  acquire(category: string, owner: string, signal: AbortSignal, onBlocked: (why: string) => void): Promise<() => void>;
  /**
   * The per-node limits of `categories` as one claim on the node a block is given (null: none of
   * them has a per-node maximum). The limits are those configured now.
   */
  nodeClaim(categories: readonly string[]): Promise<NodeClaim | null>;
  /** Where an administrator configures them, for messages. */
  readonly configureHint: string;
}
