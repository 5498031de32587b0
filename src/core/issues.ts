// Static analysis issues as the warnings plugin records them and the store and the API keep
// them (Jenkins' Warnings Next Generation plugin: an "analysis result" per tool or per
// aggregation, with new / fixed / outstanding issues against a reference build and the quality
// gates' verdict). Plain data shared by src/plugins/warnings (which parses and computes), the
// store (which keeps one record per result) and the controller (which serves it).
// Contracts only: this folder imports nothing else of src.

/** warnings-ng's severities (analysis-model's Severity), worst first. */
export const ISSUE_SEVERITIES = ['ERROR', 'HIGH', 'NORMAL', 'LOW'] as const;
export type IssueSeverity = (typeof ISSUE_SEVERITIES)[number];

export interface Issue {
  /** Path as the report gives it, relative to the workspace when it lies inside ('-' when the report names no file). */
  file: string;
  /** 1-based; 0 when the report gives no line. */
  line: number;
  lineEnd: number;
  /** 1-based; 0 when the report gives no column. */
  column: number;
  severity: IssueSeverity;
  category: string;
  type: string;
  message: string;
  /** The id of the tool that reported it (`checkstyle`, `java`), as aggregated results mix tools. */
  tool: string;
  /** Identity across builds: the same finding in the same file, whatever its line. */
  fingerprint: string;
}

/** How a quality gate came out (plugin-util-api's QualityGateStatus), worst last. */
export type QualityGateStatus = 'INACTIVE' | 'PASSED' | 'NOTE' | 'WARNING' | 'FAILED';

export interface QualityGateOutcome {
  /** `TOTAL`, `NEW_HIGH`, ... */
  type: string;
  /** "Total (any severity)" */
  name: string;
  threshold: number;
  actual: number;
  criticality: 'NOTE' | 'UNSTABLE' | 'ERROR' | 'FAILURE';
  /** Whether the gate was missed (actual ≥ threshold). */
  missed: boolean;
}

/** One recorded analysis result of a build (one `recordIssues` tool, or their aggregation). */
export interface IssuesRecord {
  /** Unique within the build: `checkstyle`, `java`, `analysis` (aggregated) or the step's `id`. */
  id: string;
  /** "CheckStyle", "Static Analysis" */
  name: string;
  /** The tools that fed it. */
  tools: { id: string; name: string }[];
  /** Every issue of this build (new and outstanding), with its state against the reference. */
  issues: (Issue & { state: 'new' | 'outstanding' })[];
  /** Issues of the reference build that are gone. */
  fixed: Issue[];
  /** The build the delta was computed against; null when none was found. */
  reference: { job: string; number: number } | null;
  qualityGate: QualityGateStatus;
  gates: QualityGateOutcome[];
  /** Errors met while scanning (a report that did not parse, no file found), as the console said them. */
  errors: string[];
}

/** One earlier build, as the reference search sees it (newest first). */
export interface IssuesHistoryEntry {
  job: string;
  number: number;
  result: string | null;
  /** That build's result of the asked id, or null when it recorded none; its issues are read only when asked. */
  record: { qualityGate: QualityGateStatus; issues(): Promise<Issue[]> } | null;
}

/** What a build's steps may ask of the host about issues (BuildServices.issues). */
export interface IssuesService {
  /** Keeps one result for this build; a second result with the same id is refused. */
  record(r: IssuesRecord): Promise<void>;
  /**
   * Finished builds to look for a reference in, newest first, at most `limit`: those of job
   * `job` (full name), or of this build's own job before this build when null.
   */
  history(id: string, job: string | null, limit: number): Promise<IssuesHistoryEntry[]>;
}
