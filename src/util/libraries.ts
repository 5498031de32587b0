// What a host does with its LibraryResolver before a build runs (the controller's builds, `kiln
// run`, `kiln lint`): resolve the Jenkinsfile's @Library requests and the implicit libraries, once
// each, saying in the console which library and commit was loaded. Shared by the hosts; it sees
// only the contract (src/core/libraries.ts).
import type { LibraryContent, LibraryRequest, LibraryResolver } from '../core/libraries.ts';

/**
 * Resolves what a build loads before it runs: the implicit libraries (inner folder first), then
 * the Jenkinsfile's requests, each once (the first request of a name wins, as Jenkins' "Only using
 * first definition of library"), saying each in the console: "Loading library mylib@main (3f2a1c9)".
 * A failure throws the LibraryError (the build fails with its message before anything runs).
 */
export async function loadLibraries(resolver: LibraryResolver, requests: readonly LibraryRequest[], say: (line: string) => void): Promise<LibraryContent[]> {
  const wanted: LibraryRequest[] = [];
  const seen = new Set<string>();
  for (const req of [...requests, ...(await resolver.implicitNames()).map((name): LibraryRequest => ({ name, version: null, how: 'implicit' }))]) {
    if (seen.has(req.name)) continue;
    seen.add(req.name);
    wanted.push(req);
  }
  const out: LibraryContent[] = [];
  for (const req of wanted) {
    const c = await resolver.resolve(req);
    say(`Loading library ${c.name}@${c.version}${c.commit ? ` (${c.commit.slice(0, 7)})` : ''}`);
    out.push(c);
  }
  return out;
}


/**
 * Replay with changed library files (Jenkins' replay of library code): the libraries this
 * resolver gives have the named files replaced for this build only, and the console says which.
 * Only Groovy files of vars/ and src/ can be changed (the host checked the paths).
 */
export function withReplayedFiles(resolver: LibraryResolver, changed: Readonly<Record<string, Readonly<Record<string, string>>>>, say: (line: string) => void): LibraryResolver {
  return {
    implicitNames: () => resolver.implicitNames(),
    resolve: async (req) => {
      const c = await resolver.resolve(req);
      const mine = Object.hasOwn(changed, c.name) ? changed[c.name]! : null;
      if (!mine || Object.keys(mine).length === 0) return c;
      const files = new Map(c.files);
      for (const [p, text] of Object.entries(mine)) files.set(p, text);
      say(`Replaying library ${c.name}@${c.version} with changed ${Object.keys(mine).sort().join(', ')}`);
      return { ...c, files };
    },
  };
}

/** Why a path cannot be a replayed library file, or null: vars/NAME.groovy or src/**\/NAME.groovy, plain segments. */
export function replayPathProblem(p: string): string | null {
  if (!/^(vars\/[A-Za-z_$][\w$]*\.groovy|src\/([A-Za-z_$][\w$]*\/)*[A-Za-z_$][\w$]*\.groovy)$/.test(p)) {
    return `'${p}' is not a library file replay can change (vars/NAME.groovy or src/package/Class.groovy)`;
  }
  return null;
}
