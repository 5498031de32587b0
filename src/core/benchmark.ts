// What the benchmark plugin (the `benchmark` step, Jenkins' Benchmark plugin's BenchmarkPublisher)
// keeps through the host, as plain data shared by the plugin (which maps the result files and
// checks thresholds), the controller (which keeps it beside the build's files and serves it for
// the build page) and `kiln run` (a JSON file in the run's directory): one record per build (a
// second benchmark call in the build adds its results).
// Contracts only: this folder imports nothing else of src.

export type BenchmarkValue = number | string | boolean | null;

export interface BenchmarkParameter {
  name: string;
  value: BenchmarkValue;
  unit: string;
}

/** One result of a result file, where its groups put it. */
export interface BenchmarkResult {
  /** The names of its groups from the file's root, joined with ' / ' ('' at the root). */
  group: string;
  name: string;
  description: string;
  unit: string;
  /** 'integer', 'double', 'boolean' or 'string': as the schema types it (or the JSON value for type "value"). */
  type: 'integer' | 'double' | 'boolean' | 'string';
  value: BenchmarkValue;
  /** Parameters of the result and of its groups, innermost last. */
  parameters: BenchmarkParameter[];
  /** The thresholds it was checked against, as written ("absolute [10, 17]", "percentage 5%"). */
  thresholds: string[];
  /** A threshold crossed or a failure value of the schema matched. */
  failed: boolean;
  /** Why it failed, one line a reason. */
  messages: string[];
  /** The file it came from, relative to the workspace. */
  file: string;
}

export interface BenchmarkRecord {
  /** The schema the files were read with: defaultSchema, simplestSchema, customSchema. */
  schema: string;
  files: string[];
  results: BenchmarkResult[];
  /** More results than MAX_BENCHMARK_RESULTS were found; the rest were not kept. */
  truncated?: boolean;
}

export const MAX_BENCHMARK_RESULTS = 5000;

/** What the benchmark step may ask of the host (BuildServices.buildTools.benchmark). */
export interface BenchmarkService {
  /** Keeps this build's results (a second call in the build adds its results to the first's). */
  record(r: BenchmarkRecord): Promise<void>;
  /** Earlier builds of the job with kept results, newest first, at most 100. */
  history(): Promise<{ build: number; record: BenchmarkRecord }[]>;
}
