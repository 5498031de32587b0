// Shared libraries (Jenkins' "Pipeline: Groovy Libraries"): the contract between the hosts that
// find a library's files (the controller's configured libraries, `kiln run --library`) and the
// pipeline that loads them (vars/ as global variables, src/ as classes, resources/ for
// `libraryResource`). Contracts only (see docs/architecture.md): this file imports nothing of src
// but core.
//
// How a host uses it: read the Jenkinsfile's `@Library` requests (pipeline/load.ts), resolve
// each (and the implicit libraries) with its LibraryResolver, then validate and run the
// Jenkinsfile with the LibraryContent it got. The `library` step resolves more at run time
// through the same resolver (BuildServices.libraries).

/** One library, resolved to one version: what the pipeline loads. */
export interface LibraryContent {
  /** The library's name as configured ('mylib'). */
  name: string;
  /** The version that was asked for or defaulted to ('main', 'v2', a commit hash). */
  version: string;
  /** The full commit hash the version resolved to; null for a library read from a plain directory. */
  commit: string | null;
  /** Where it came from, for messages: the repository URL (never with credentials in it) or the directory. */
  source: string;
  /**
   * The text of every `vars/*.groovy`, `vars/*.txt` and `src/**\/*.groovy` file, by its path
   * from the library's root with '/' separators ('vars/log.groovy', 'src/com/acme/Utils.groovy').
   */
  files: ReadonlyMap<string, string>;
  /**
   * Reads a file under `resources/` (the path is relative to resources/, '/' separators);
   * null when there is no such file. Refuses (throws) a path that leaves resources/.
   */
  resource(path: string): Promise<Uint8Array | null>;
  /** Who configured it: globally on the controller, on a folder, or on this machine (kiln run). */
  scope: 'global' | 'folder' | 'local';
  /** Whether the library's commits are part of the build's changes (includeInChangesets, or the step's `changelog`). */
  includeInChangesets: boolean;
  /** The credential its repository was read with (its id only), for reading its history later; absent: none. */
  credentialsId?: string | null;
  /** True for a library fetched from a retriever the Jenkinsfile gave (`library(..., retriever: ...)`). */
  fromJenkinsfile?: boolean;
}

/**
 * Where a Jenkinsfile says a library comes from (`library(identifier: 'x@v', retriever:
 * modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID]))`, `legacySCM(scm)`, ...):
 * a git repository not configured on the host. `url` null: the job's own repository (`scm`).
 */
export interface LibraryRetriever {
  url: string | null;
  credentialsId: string | null;
  /** How it was written, for messages ("modernSCM(GitSCMSource)"). */
  form: string;
}

/** A request for a library: `@Library('name@version')`, the `library` step, or an implicit library. */
export interface LibraryRequest {
  name: string;
  /** The version written after '@'; null to use the library's default version. */
  version: string | null;
  how: 'annotation' | 'step' | 'implicit';
  /** The step's `retriever`: the library is fetched from there, not looked up in the configuration. */
  retriever?: LibraryRetriever | null;
  /** The step's `changelog` (null/absent: the library's includeInChangesets). */
  changelog?: boolean | null;
}

/** How a host finds libraries for one build (the controller: the job's folders, then the global ones). */
export interface LibraryResolver {
  /** The names of the libraries every build loads without asking (`implicit: true`), inner folder first. */
  implicitNames(): Promise<string[]>;
  /**
   * Resolves one library to its content. Throws a KilnError (code 'library.*') whose message
   * names the library, the version and the reason: no such library, a version override the
   * library does not allow, a version that does not exist, or git's own error.
   */
  resolve(req: LibraryRequest): Promise<LibraryContent>;
}
