// What every layer says about a build without knowing how it runs: the result it ends with and
// the place in its Jenkinsfile that a message points at. Contracts only (see docs/architecture.md):
// this folder imports nothing else of src.

/** Jenkins' results, best first (hudson.model.Result). */
export const BUILD_RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] as const;
export type BuildResult = (typeof BUILD_RESULTS)[number];

/** A position in the source: 1-based line and column (columns count UTF-16 code units), 0-based offset. */
export interface Pos {
  line: number;
  col: number;
  offset: number;
}

/** Where a node starts and ends (end is exclusive). */
export interface Loc {
  start: Pos;
  end: Pos;
}
