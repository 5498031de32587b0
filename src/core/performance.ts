// What the performance plugin (perfReport, the Performance plugin's PerformancePublisher) keeps
// through the host, as plain data shared by the plugin (which parses and computes), the
// controller (which keeps it beside the build's files and serves it) and `kiln run` (a JSON
// file in the run's directory): one record per perfReport call, a report per file read.
// Contracts only: this folder imports nothing else of src.

/** The numbers of one label (URI) of a report, or of the whole report; times in ms. */
export interface PerformanceStats {
  samples: number;
  errors: number;
  /** errors / samples * 100 (0 without samples). */
  errorPercent: number;
  average: number;
  median: number;
  /** The 90th percentile: the duration at index floor(samples * 0.9) of the sorted durations, as the plugin takes it. */
  line90: number;
  min: number;
  max: number;
}

export interface PerformanceUri extends PerformanceStats {
  uri: string;
  /** The HTTP codes seen, sorted ('' when the format has none). */
  httpCodes: string[];
}

export interface PerformanceReport extends PerformanceStats {
  /** The report's file name (as the plugin names it: the base name). */
  file: string;
  /** The path read, relative to the workspace. */
  path: string;
  /** The parser the content was detected as: JMeter, JMeterCSV, JUnit, Taurus. */
  parser: string;
  /** Per label, in label order; at most MAX_PERFORMANCE_URIS (then `truncated`). */
  uris: PerformanceUri[];
  truncated?: boolean;
  /** The result the thresholds gave this file: SUCCESS, UNSTABLE, FAILURE. */
  result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE';
}

/** One perfReport call's result. */
export interface PerformanceRecord {
  reports: PerformanceReport[];
  /** The build the relative thresholds (modeOfThreshold) compared with; null: none (or the absolute mode). */
  comparedWith: number | null;
}

export const MAX_PERFORMANCE_URIS = 2000;

/** What perfReport may ask of the host (BuildServices.buildTools.performance). */
export interface PerformanceService {
  /** Keeps this build's result (a second call in the build adds its reports to the first's). */
  record(r: PerformanceRecord): Promise<void>;
  /** Earlier builds of the job (newest first, at most 100) with their result and kept reports (null: none kept). */
  history(): Promise<{ build: number; result: string | null; record: PerformanceRecord | null }[]>;
}
