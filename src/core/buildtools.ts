// What the build-tool and report plugins (coverage, htmlpublisher, config-files, maven) keep
// through the host, as plain data shared by the plugins (which parse and compute), the store
// (which keeps coverage results and managed config files) and the controller (which serves
// them): a coverage result per `recordCoverage`/`jacoco`/`cobertura` call, and a managed
// config file (Config File Provider) as an admin stored it.
// Contracts only: this folder imports nothing else of src.

/** coverage-plugin's metrics that Kiln computes (edu.hm.hafner.coverage Metric), in its order. */
export const COVERAGE_METRICS = ['MODULE', 'PACKAGE', 'FILE', 'CLASS', 'METHOD', 'LINE', 'BRANCH', 'INSTRUCTION', 'COMPLEXITY', 'MUTATION', 'TEST_STRENGTH'] as const;
export type CoverageMetric = (typeof COVERAGE_METRICS)[number];

export interface CoverageValue {
  metric: CoverageMetric;
  covered: number;
  missed: number;
}

/** coverage-plugin's quality gate baselines: what a gate's value is computed over. */
export const COVERAGE_BASELINES = ['PROJECT', 'MODIFIED_LINES', 'MODIFIED_FILES', 'PROJECT_DELTA', 'MODIFIED_LINES_DELTA', 'MODIFIED_FILES_DELTA'] as const;
export type CoverageBaseline = (typeof COVERAGE_BASELINES)[number];

export interface CoverageGateOutcome {
  /** A CoverageMetric, or a software metric of coverage-model a gate can name (COMPLEXITY_DENSITY, COMPLEXITY_MAXIMUM, LOC, MUTATION...). */
  metric: string;
  /** What the value is computed over (PROJECT when absent: results recorded before baselines). */
  baseline?: CoverageBaseline;
  /** "Overall project - Line Coverage" */
  name: string;
  /** Minimum percentage (for COMPLEXITY, COMPLEXITY_DENSITY, COMPLEXITY_MAXIMUM, LOC: the maximum value). */
  threshold: number;
  /** The percentage (or value) reached (0 when nothing to cover). */
  actual: number;
  criticality: 'NOTE' | 'UNSTABLE' | 'ERROR' | 'FAILURE';
  missed: boolean;
  /** The value could not be computed (no reference build, no modified lines): neither passed nor missed. */
  inactive?: boolean;
}

/** One coverage result of a build (coverage-plugin's CoverageBuildAction, or the old jacoco/cobertura plugins' action). */
export interface CoverageRecord {
  /** Unique within the build: `coverage` (recordCoverage's default), `jacoco`, `cobertura`, or the step's `id`. */
  id: string;
  /** "Code Coverage" */
  name: string;
  /** The parsers that fed it: JACOCO, COBERTURA. */
  parsers: string[];
  /** The report files read (relative to the workspace). */
  reports: string[];
  /** Totals per metric, in COVERAGE_METRICS order; metrics the reports do not give are absent. */
  metrics: CoverageValue[];
  /** The files with their line coverage, worst first, at most 1000. */
  files: { path: string; covered: number; missed: number }[];
  qualityGate: 'INACTIVE' | 'PASSED' | 'NOTE' | 'WARNING' | 'FAILED';
  gates: CoverageGateOutcome[];
  errors: string[];
  /** The commit the workspace had (git rev-parse HEAD), for a later build's modified lines; absent: not a git checkout. */
  commit?: string;
  /** The build whose result of the same id the deltas and modified code were computed against. */
  reference?: { build: number; commit: string | null };
}

/** What coverage steps may ask of the host (BuildServices.buildTools.coverage). */
export interface CoverageService {
  /** Keeps one result for this build; a second result with the same id is refused. */
  record(r: CoverageRecord): Promise<void>;
  /**
   * The reference for the deltas and modified code: the newest earlier build of this job with a
   * result of this id, and that result. Absent or null: none (the delta and modified-code gates
   * are then inactive).
   */
  reference?(id: string): Promise<{ build: number; record: CoverageRecord } | null>;
}

/** A managed config file (Config File Provider): its id, what kind it is, and its content. */
export interface ManagedConfigFile {
  id: string;
  name: string;
  /** `custom`, `maven-settings`, `maven-global-settings`, `json`, `xml`, `properties`, `groovy`... (informative). */
  type: string;
  comment: string;
  content: string;
}

/** Limits a managed config file must keep (the store and the API check them). */
export const CONFIG_FILE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
