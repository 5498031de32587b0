// The robot plugin: the Robot Framework plugin's publisher, declared as data (runtime.ts runs it):
//   robot outputPath: 'reports', passThreshold: 100, unstableThreshold: 90
//   step([$class: 'RobotPublisher', outputPath: 'reports', outputFileName: '*.xml', ...])
// It reads Robot Framework's output.xml files, records their tests with the build's tests,
// keeps the report, log and other files as the build's artifacts under robot-plugin/, and sets
// the build's result from the pass percentage and the two thresholds, as RobotPublisher does;
// report.html and log.html are also the build's HTML report 'Robot Framework' (served sandboxed).
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Robot Framework';
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const params = (outputPathRequired: boolean): StepParam[] => [
  { name: 'outputPath', type: 'string', doc: 'the directory of the Robot files, relative to the workspace', ...(outputPathRequired ? { required: true } : {}) },
  s('outputFileName', "output files (Ant patterns, comma separated; default 'output.xml')"),
  s('reportFileName', "the report (default 'report.html')"),
  s('logFileName', "the log (default 'log.html'; its .js files too)"),
  { name: 'disableArchiveOutput', type: 'boolean', doc: 'do not keep the output files' },
  { name: 'passThreshold', type: 'number', doc: 'pass percentage below which the build is UNSTABLE (default 0)' },
  { name: 'unstableThreshold', type: 'number', doc: 'pass percentage below which the build FAILS (default 0)' },
  { name: 'onlyCritical', type: 'boolean', doc: "the pass percentage of the critical tests only (RF 3's critical=\"yes\"; RF 4+ has no criticality: every test is critical), skipped ones not counted" },
  s('otherFiles', 'more files to keep (Ant patterns, comma separated: screenshots)'),
  { name: 'enableCache', type: 'boolean', doc: 'accepted; Kiln keeps the results with the build' },
];

export const robotPlugin: PipelinePlugin = {
  name: 'robot',
  doc: 'Robot Framework: robot / step([$class: \'RobotPublisher\']) publishes output.xml results and applies the pass thresholds',
  steps: [
    {
      name: 'robot',
      doc: "Publish Robot Framework results: robot outputPath: 'reports', passThreshold: 100, unstableThreshold: 90.",
      params: [...params(true), s('archiveDirName', "accepted; the files are kept under 'robot-plugin/'"), s('overwriteXAxisLabel', 'accepted (trend graph label)'), { name: 'countSkippedTests', type: 'boolean', doc: 'accepted; skipped tests count in the total, as the plugin counts them' }],
      positional: 'outputPath',
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.robot.RobotStep',
      differs: "the tests show among the build's tests (per suite) and the files among its artifacts (robot-plugin/); report.html and log.html are the build's HTML report 'Robot Framework', served sandboxed (their scripts do not run, as under Jenkins' default CSP); no Robot Results page or trend graph of its own",
    },
    {
      name: 'RobotPublisher',
      kind: 'class',
      doc: "Publish Robot Framework results (the publisher, as step([$class: 'RobotPublisher', outputPath: 'reports', ...])).",
      params: params(false),
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.robot.RobotPublisher',
      differs: "the tests show among the build's tests (per suite) and the files among its artifacts (robot-plugin/); report.html and log.html are the build's HTML report 'Robot Framework', served sandboxed (their scripts do not run, as under Jenkins' default CSP); no Robot Results page or trend graph of its own",
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
