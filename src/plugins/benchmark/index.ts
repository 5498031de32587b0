// The benchmark plugin: the `benchmark` step of Jenkins' Benchmark plugin (jenkinsci/benchmark-plugin,
// BenchmarkPublisher), declared as data (runtime.ts runs it; map.ts maps result files with the
// schemas of schemas.ts):
//   benchmark(inputLocation: 'results/*.json', schemaSelection: 'defaultSchema')
// It reads JSON result files with a schema (the plugin's default and simplest ones, or a custom
// one) and XML ones with the XML form of the default and simplest schemas (xml.ts), checks the thresholds the files give (absolute, percentage / delta from the previous
// build or from the average of earlier ones), keeps the results for the build (the build page
// shows them in a table) and makes the build FAILURE when one fails.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const benchmarkPlugin: PipelinePlugin = {
  name: 'benchmark',
  doc: 'The Benchmark plugin: benchmark(inputLocation:, schemaSelection:) records benchmark results and checks their thresholds',
  steps: [
    {
      name: 'benchmark',
      doc: "Record benchmark results from JSON files and check their thresholds: benchmark(inputLocation: 'bench/*.json', schemaSelection: 'defaultSchema')",
      jenkinsPlugin: 'Benchmark',
      jenkinsClass: 'org.jenkinsci.plugins.benchmark.core.BenchmarkPublisher',
      differs: 'XML result files with the built-in schemas only (a custom XML schema is refused); an empty inputLocation (the plugin then reads the JUnit results) is refused; altInputSchemaLocation is a file of the workspace (the plugin reads the controller\'s file system); the step\'s `thresholds` apply to results by group (group names joined with dots) and by result name; no condensed/CSV tables or charts: the build page shows the results in a table and the API serves them.',
      params: [
        { name: 'inputLocation', type: 'string', doc: 'the result files, relative to the workspace: Ant patterns (* and **), several separated by , or ;; a *.list file lists more, one a line' },
        { name: 'schemaSelection', type: 'string', doc: 'defaultSchema (groups / tests / results; the default), simplestSchema (one result), or customSchema' },
        { name: 'truncateStrings', type: 'boolean', doc: 'cut string values to 512 characters' },
        { name: 'altInputSchema', type: 'string', doc: 'customSchema: the schema as JSON text' },
        { name: 'altInputSchemaLocation', type: 'string', doc: 'customSchema: a JSON schema file in the workspace' },
        { name: 'thresholds', type: 'list', doc: "more thresholds: [[$class: 'AbsoluteThreshold', testGroup: 'http.get', testName: 'latency', minimum: 0, maximum: 50]] (also PercentageThreshold, DeltaThreshold, PercentageAverageThreshold, DeltaAverageThreshold)" },
      ],
      block: 'none',
      needsNode: true,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
