// The mstest plugin: Jenkins' MSTest plugin (jenkinsci/mstest-plugin), declared as data
// (runtime.ts records the tests):
//   mstest(testResultsFile: '**/*.trx', keepLongStdio: false, failOnError: true, failIfNotNew: true)
//   step([$class: 'MSTestPublisher', testResultsFile: '**/*.trx', ...])   the same, as the publisher
// Visual Studio's test results (.trx, written by vstest / `dotnet test --logger trx`) become the
// build's test results, as junit's do; a failed test makes the build UNSTABLE.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'MSTest';
const PARAMS: StepParam[] = [
  { name: 'testResultsFile', type: 'string', doc: "the TRX files: an Ant pattern relative to the workspace, or an absolute file (default '**/*.trx'); $VARS expanded" },
  { name: 'keepLongStdio', type: 'boolean', doc: "keep passing tests' whole output (default: cut past 4 KiB, as junit's)" },
  { name: 'failOnError', type: 'boolean', doc: 'fail the build when no TRX file is found or none holds a result (default true; false: a warning)' },
  { name: 'failIfNotNew', type: 'boolean', doc: 'fail when a TRX file is older than the build (default true)' },
  { name: 'logLevel', type: 'integer', doc: "the plugin's log level (accepted, no effect)" },
];
const DIFFERS = "the TRX is read directly (the plugin converts it to JUnit XML with an XSL first): the same outcomes, names and output; no Emma coverage of 'emma/coverage.xml'; a file declaring DOCTYPE entities is refused";

const mstest: StepDecl = {
  name: 'mstest',
  doc: "Record MSTest (.trx) test results: mstest(testResultsFile: '**/*.trx', keepLongStdio: true)",
  params: PARAMS, positional: 'testResultsFile', block: 'none', needsNode: true, jenkinsPlugin: PLUGIN,
  jenkinsClass: 'hudson.plugins.mstest.MSTestPublisher', differs: DIFFERS,
};

export const mstestPlugin: PipelinePlugin = {
  name: 'mstest',
  doc: "The MSTest plugin: mstest / step([$class: 'MSTestPublisher']) records Visual Studio's .trx test results",
  steps: [
    mstest,
    { ...mstest, name: 'MSTestPublisher', kind: 'class', positional: undefined, doc: "Record MSTest (.trx) test results (the publisher, as step([$class: 'MSTestPublisher', testResultsFile: '**/*.trx']))" },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
