// The performance plugin: the Performance plugin's publisher (jenkinsci/performance-plugin),
// declared as data that validation and `kiln lint` read; runtime.ts runs it, parsers.ts reads
// the report formats:
//   perfReport 'results/*.jtl'
//   perfReport(sourceDataFiles: 'a.jtl;b.csv', errorUnstableThreshold: 5, errorFailedThreshold: 20)
//   performanceReport(parsers: [[$class: 'JMeterParser', glob: 'a.jtl']], ...)   (the same publisher's other symbol)
//   step([$class: 'PerformancePublisher', sourceDataFiles: '**/*.jtl', ...])
// Formats: JMeter XML and CSV results, JUnit XML, Taurus final-stats XML, detected from the
// content. Results are kept through the host's BuildServices.buildTools.performance.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Performance';
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const n = (name: string, doc: string): StepParam => ({ name, type: 'number', doc });

const params = (sourceRequired: boolean): StepParam[] => [
  { name: 'sourceDataFiles', type: 'string', doc: "the report files: Ant patterns relative to the workspace, several separated by ';' (JMeter .jtl/.csv, JUnit XML, Taurus final-stats XML)", ...(sourceRequired ? { required: true } : {}) },
  n('errorFailedThreshold', 'error % above which a report makes the build FAILURE (default -1: none)'),
  n('errorUnstableThreshold', 'error % above which a report makes the build UNSTABLE (default -1: none)'),
  s('errorUnstableResponseTimeThreshold', "lines 'file.jtl:2000': an average response time (ms) at or above it makes the build UNSTABLE"),
  n('relativeFailedThresholdPositive', 'modeOfThreshold: a label slower by more than this % than the compared build: FAILURE (default -1: none)'),
  n('relativeFailedThresholdNegative', 'modeOfThreshold: a label faster by more than this %: FAILURE (default -1: none)'),
  n('relativeUnstableThresholdPositive', 'modeOfThreshold: a label slower by more than this %: UNSTABLE (default -1: none)'),
  n('relativeUnstableThresholdNegative', 'modeOfThreshold: a label faster by more than this %: UNSTABLE (default -1: none)'),
  b('modeOfThreshold', 'compare each label with an earlier build (relative thresholds) instead of the error thresholds'),
  b('compareBuildPrevious', 'modeOfThreshold: compare with the previous successful build'),
  n('nthBuildNumber', 'modeOfThreshold: compare with this build number (when compareBuildPrevious is false; 0: none)'),
  { name: 'configType', type: 'string', values: ['ART', 'MRT', 'PRT'], doc: "modeOfThreshold: compare the average (ART, default), median (MRT) or 90 percentile (PRT)" },
  b('failBuildIfNoResultFile', 'FAILURE when no report file is found (default true)'),
  s('filterRegex', 'only labels (URIs) matching this regular expression count'),
  b('excludeResponseTime', "errored samples count as samples and errors but not in the response times"),
  b('modePerformancePerTestCase', 'accepted: the per-test-case display mode (Kiln shows every label)'),
  b('modeThroughput', 'accepted: Kiln shows no throughput'),
  b('modeEvaluation', 'refused when true: the expert mode (constraints) is not supported'),
  { name: 'constraints', type: 'any', doc: 'refused unless empty: the expert mode is not supported' },
  b('ignoreFailedBuilds', 'accepted (expert mode)'), b('ignoreUnstableBuilds', 'accepted (expert mode)'), b('persistConstraintLog', 'accepted (expert mode)'),
  s('junitOutput', 'accepted (expert mode only: no JUnit output is written)'),
  s('percentiles', "accepted: Kiln computes 0, 50, 90 and 100 (the default '0,50,90,100')"),
  n('baselineBuild', 'accepted (trend graphs)'), s('graphType', 'accepted (trend graphs)'), b('showTrendGraphs', 'accepted (trend graphs)'),
  s('optionType', 'accepted'), b('persistPerformanceCharts', 'accepted'),
  s('filename', 'the old name of sourceDataFiles (before 1.3)'),
  { name: 'parsers', type: 'any', doc: "the old form: [[$class: 'JMeterParser', glob: 'results.jtl']]; the globs are read as sourceDataFiles (the format is detected)" },
];

const DIFFERS = 'standard evaluation mode only (modeEvaluation/constraints refused); Iago, wrk, JMeter summariser, LoadRunner and Locust files are refused by name; the report files are not copied to the build (their numbers are kept); no trend graphs: the build page shows each report\'s table with the previous build\'s numbers beside it';

export const performancePlugin: PipelinePlugin = {
  name: 'performance',
  doc: "Performance: perfReport / performanceReport / step([$class: 'PerformancePublisher']) reads JMeter, JUnit and Taurus results and applies error and relative thresholds",
  steps: [
    {
      name: 'perfReport',
      doc: "Publish performance test results: perfReport(sourceDataFiles: 'results/*.jtl', errorUnstableThreshold: 5, errorFailedThreshold: 20).",
      params: params(true),
      positional: 'sourceDataFiles',
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.performance.PerformancePublisher',
      differs: DIFFERS,
    },
    {
      // The publisher's second symbol (@Symbol({"perfReport", "performanceReport"})).
      name: 'performanceReport',
      doc: "Publish performance test results (perfReport's other name): performanceReport(parsers: [[$class: 'JMeterParser', glob: 'results/*.jtl']], errorFailedThreshold: 20).",
      params: params(false),
      positional: 'sourceDataFiles',
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.performance.PerformancePublisher',
      differs: DIFFERS,
    },
    {
      name: 'PerformancePublisher',
      kind: 'class',
      doc: "Publish performance test results (the publisher, as step([$class: 'PerformancePublisher', sourceDataFiles: '**/*.jtl', ...])).",
      params: params(false),
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.performance.PerformancePublisher',
      differs: DIFFERS,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
