// The Valgrind plugin's publisher: publishValgrind(pattern: 'valgrind-*.xml', ...) and its class
// form step([$class: 'ValgrindPublisher', ...]), reading Valgrind's XML reports and applying the
// plugin's thresholds to the build's result. Declared as data here (validation and `kiln lint`
// read it); runtime.ts runs it (report.ts reads the XML), loaded when a build first uses it.
// Running Valgrind itself (the plugin's builder) is not provided: run it in `sh` with --xml=yes.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Valgrind';
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const params: StepParam[] = [
  { name: 'pattern', type: 'string', required: true, doc: "Ant pattern of Valgrind XML reports (valgrind --xml=yes --xml-file=...), e.g. 'valgrind-*.xml'" },
  s('failThresholdDefinitelyLost', 'FAILURE when there are more definitely lost leaks than this'),
  s('failThresholdInvalidReadWrite', 'FAILURE when there are more invalid reads and writes than this'),
  s('failThresholdTotal', 'FAILURE when there are more errors than this'),
  s('unstableThresholdDefinitelyLost', 'UNSTABLE when there are more definitely lost leaks than this'),
  s('unstableThresholdInvalidReadWrite', 'UNSTABLE when there are more invalid reads and writes than this'),
  s('unstableThresholdTotal', 'UNSTABLE when there are more errors than this'),
  b('failBuildOnMissingReports', 'FAILURE when no report matches (default false)'),
  b('failBuildOnInvalidReports', 'FAILURE when a report cannot be read (default false)'),
  b('publishResultsForAbortedBuilds', 'also publish for an ABORTED build (default false)'),
  b('publishResultsForFailedBuilds', 'also publish for a FAILURE build (default false)'),
  { name: 'sourceSubstitutionPaths', type: 'string', doc: 'accepted (no source code is shown)' },
];
const DIFFERS = "The errors are kept as the build's analysis result 'valgrind' (the issues page and API; definitely lost leaks and invalid reads/writes HIGH, others NORMAL); no source code view or trend graph; reports are read in place, not copied.";

const decl = (name: string, extra: Partial<StepDecl>): StepDecl => ({
  name, params, block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, jenkinsClass: 'org.jenkinsci.plugins.valgrind.ValgrindPublisher', differs: DIFFERS,
  doc: "Publish Valgrind results: publishValgrind(pattern: 'valgrind-*.xml', failThresholdDefinitelyLost: '0', unstableThresholdTotal: '0').",
  ...extra,
});

export const valgrindPlugin: PipelinePlugin = {
  name: 'valgrind',
  doc: "Valgrind: publishValgrind (and step([$class: 'ValgrindPublisher'])) reads Valgrind's XML reports and applies thresholds",
  steps: [
    decl('publishValgrind', {}),
    decl('ValgrindPublisher', { kind: 'class', doc: "Publish Valgrind results (the publisher, as step([$class: 'ValgrindPublisher', pattern: 'valgrind-*.xml', ...]))." }),
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
