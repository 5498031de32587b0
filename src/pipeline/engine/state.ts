// A build's progress as plain data: the result so far, the stage tree with statuses and
// times, and a journal of the steps that ran and how they ended. It is what the store saves,
// and what the stage view draws (JSON-serializable, no closures, no handles). A resumed build
// starts from the journal of step calls instead (replay.ts), which keeps every step.
import type { BuildResult } from '../../core/build.ts';
import type { BuildBadge } from '../steps/types.ts';
import type { ChangeSetRecord, GitBuildDataRecord } from '../steps/changesets.ts';

export type StageStatus =
  | 'pending'
  | 'running'
  /** waiting for an input answer */
  | 'paused'
  | 'success'
  | 'unstable'
  | 'failure'
  | 'aborted'
  /** skipped by its `when` */
  | 'skipped-when'
  /** skipped because an earlier stage failed (or was unstable with skipStagesAfterUnstable) */
  | 'skipped-failure'
  /** a top-level stage before the one a restarted build restarts at (Restart from Stage) */
  | 'skipped-restart';

export interface StageRecord {
  id: string;
  name: string;
  parentId: string | null;
  /**
   * 'stage' (declarative), 'parallel' (a branch of parallel), 'matrix-cell', 'scripted' (stage
   * step), 'checkout' (a synthetic stage before the stages: Declarative: Checkout SCM or Tool
   * Install), 'post'.
   */
  kind: 'stage' | 'parallel' | 'matrix-cell' | 'scripted' | 'checkout' | 'post';
  status: StageStatus;
  /** The stage's own result (catchError/unstable can make it UNSTABLE while the build goes on). */
  result: BuildResult | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Why it failed or was skipped, in one line. */
  message: string | null;
  /** Source line of the stage, for links from the stage view to the Jenkinsfile. */
  line: number | null;
}

export type StepStatus = 'running' | 'success' | 'failure' | 'aborted';

export interface StepRecord {
  id: string;
  stageId: string | null;
  name: string;
  /** label: of sh, or the first part of its main argument, for the console's step sections. */
  description: string | null;
  line: number;
  column: number;
  status: StepStatus;
  startedAt: number;
  endedAt: number | null;
  message: string | null;
  /** The value the step returned, when small and plain (for a resumed build); else null. */
  returned: unknown;
}

export interface BuildState {
  job: string;
  number: number;
  result: BuildResult | null;
  /** The worst result so far while running (currentBuild.currentResult). */
  currentResult: BuildResult;
  status: 'running' | 'paused' | 'finished';
  startedAt: number;
  endedAt: number | null;
  stages: StageRecord[];
  steps: StepRecord[];
  /** Why the build failed, in one line, with its location when known. */
  message: string | null;
  description: string | null;
  displayName: string | null;
  /** The badge plugin's badges, in the order added (absent: none). */
  badges?: BuildBadge[];
  /** The shared libraries loaded, in order (absent in states saved before libraries existed). */
  libraries?: LoadedLibraryRecord[];
  /** A declarative pipeline's top-level stages, in order, once it ran (what Restart from Stage offers); absent for a scripted one. */
  declarativeStages?: string[];
  /**
   * The symbols of the plugins' job properties the build ended with (options, properties([...])):
   * what the host acts on after the build (compressBuildLog). Their arguments are not kept (a
   * webhook's URL is a secret); absent: none.
   */
  pluginProperties?: string[];
  /** The change set of each checkout that computed one, in order (currentBuild.changeSets; absent: none yet). */
  changeSets?: ChangeSetRecord[];
  /**
   * What was built of each repository, per branch (the Git plugin's BuildData): carried forward
   * from the previous build and updated by each checkout; the next build's changelog starts there.
   */
  gitBuildData?: GitBuildDataRecord[];
}

/** A shared library a build loaded; source/changelog/credentialsId: for its changes (absent in states saved before them). */
export interface LoadedLibraryRecord {
  name: string;
  version: string;
  commit: string | null;
  /** Its repository URL (never with a password) or directory. */
  source?: string;
  /** Whether its commits are part of the build's changes. */
  changelog?: boolean;
  credentialsId?: string;
  /** Fetched from a retriever the Jenkinsfile gave. */
  fromJenkinsfile?: boolean;
}

const ORDER: Record<BuildResult, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };

/** Jenkins' Result.combine: the worse of two results. */
export function worse(a: BuildResult, b: BuildResult): BuildResult {
  return ORDER[a] >= ORDER[b] ? a : b;
}

export function isWorseOrEqual(a: BuildResult, b: BuildResult): boolean {
  return ORDER[a] >= ORDER[b];
}

export function statusOfResult(r: BuildResult): StageStatus {
  switch (r) {
    case 'SUCCESS': return 'success';
    case 'UNSTABLE': return 'unstable';
    case 'FAILURE': return 'failure';
    case 'ABORTED': return 'aborted';
    case 'NOT_BUILT': return 'skipped-when';
  }
}
