// The xunit plugin: the xUnit plugin's publisher, declared as data (runtime.ts runs it, formats.ts
// reads the tools' report formats):
//   xunit(tools: [GoogleTest(pattern: 'build/*.xml'), CTest(pattern: 'build/Testing/**/Test.xml')],
//         thresholds: [failed(unstableThreshold: '0', failureThreshold: '5'), skipped(unstableThreshold: '10')],
//         thresholdMode: 1)
//   step([$class: 'XUnitPublisher', tools: [[$class: 'BoostTestJunitHudsonTestType', pattern: '...']],
//         thresholds: [[$class: 'FailedThreshold', unstableThreshold: '1']]])
// Each tool's reports are read into test cases, as the plugin's stylesheets convert them to JUnit,
// and recorded with the build's tests (as the junit step records them: the tests page and API show
// them); the thresholds then set the result. The tools and thresholds are symbols here, so
// `kiln lint` checks their parameters; their [$class: ...] maps are read by runtime.ts.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { TOOLS } from './decl.ts';

const PLUGIN = 'xUnit';
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

const toolParams: StepParam[] = [
  { name: 'pattern', type: 'string', required: true, doc: 'Ant pattern of the report files, relative to the workspace (${VARS} of the environment expanded)' },
  { name: 'excludesPattern', type: 'string', doc: 'Ant pattern of files to leave out' },
  b('skipNoTestFiles', 'no file matching is not an error (default false)'),
  b('failIfNotNew', 'a report older than the build (less the testTimeMargin) is an error (default true)'),
  b('deleteOutputFiles', 'delete the JUnit files converted into generatedJUnitFiles/ afterwards (default true; false keeps them in the workspace)'),
  b('stopProcessingIfError', 'an empty or invalid report fails the step (default true; false: a warning, and the file is skipped)'),
];

const thresholdParams = (what: string): StepParam[] => [
  a('unstableThreshold', `UNSTABLE when the ${what} tests are more than this (a number, or a percent with thresholdMode: 2)`),
  a('unstableNewThreshold', `UNSTABLE when the ${what} tests since the previous completed build are more than this`),
  a('failureThreshold', `FAILURE when the ${what} tests are more than this`),
  a('failureNewThreshold', `FAILURE when the new ${what} tests are more than this`),
];

const stepParams = (toolsRequired: boolean): StepParam[] => [
  { name: 'tools', type: 'list', doc: `the report formats and files: ${TOOLS.map((t) => `${t.symbol}(pattern: ...)`).join(', ')}`, ...(toolsRequired ? { required: true } : {}) },
  { name: 'thresholds', type: 'list', doc: 'failed(...), skipped(...), passed(...): the result they set (none: the result stays)' },
  { name: 'thresholdMode', type: 'integer', doc: '1: the thresholds are numbers of tests (default); 2: percents of all tests' },
  a('testTimeMargin', "milliseconds before the build's start a report may be written and still count as new (failIfNotNew; default 3000)"),
  b('reduceLog', 'keep less of the tests\' output (as junit\'s stdioRetention: FAILED)'),
  { name: 'sleepTime', type: 'integer', doc: 'accepted (a pause every 50 files in Jenkins)' },
  b('followSymlink', 'accepted (Kiln follows links inside the workspace)'),
  a('testDataPublishers', 'accepted for compatibility'),
];

const toolDecls: StepDecl[] = TOOLS.map((t) => ({
  name: t.symbol,
  kind: 'symbol',
  doc: `xunit tool: ${t.doc}: ${t.symbol}(pattern: '...')`,
  params: toolParams,
  positional: 'pattern',
  block: 'none',
  needsNode: false,
  jenkinsPlugin: PLUGIN,
  jenkinsClass: `org.jenkinsci.plugins.xunit.types.${t.className}`,
}));

const threshold = (name: string, cls: string, what: string, doc: string): StepDecl => ({
  name, kind: 'symbol', doc, params: thresholdParams(what), block: 'none', needsNode: false, jenkinsPlugin: PLUGIN,
  jenkinsClass: `org.jenkinsci.plugins.xunit.threshold.${cls}`,
});

const DIFFERS = "the tests join the build's tests (the tests page and API), named as the plugin's stylesheets name them; the console's tool names are the tools' names without versions; no custom stylesheet (Custom tool) and no AUnit, CUnit, CppTest, EmbUnit, FPCUnit, GTester, MbUnit, UnitTest or Valgrind tool (unknown symbols, so lint says so)";

export const xunitPlugin: PipelinePlugin = {
  name: 'xunit',
  doc: "xUnit: xunit / step([$class: 'XUnitPublisher']) records the test reports of many frameworks (GoogleTest, CTest, Boost.Test, NUnit, MSTest, Check, CppUnit, QtTest, PHPUnit, xUnit.net, JUnit) and applies the thresholds",
  steps: [
    {
      name: 'xunit',
      doc: "Record test reports of other frameworks than JUnit: xunit(tools: [GoogleTest(pattern: 'build/test-*.xml')], thresholds: [failed(failureThreshold: '0')]).",
      params: stepParams(true),
      positional: 'tools',
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.xunit.pipeline.XUnitResultsStep',
      differs: DIFFERS,
    },
    {
      name: 'XUnitPublisher',
      kind: 'class',
      doc: "Record test reports of other frameworks (the publisher, as step([$class: 'XUnitPublisher', tools: [...], thresholds: [...]])); prints and sets the build's result.",
      params: stepParams(false),
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.xunit.XUnitPublisher',
      differs: DIFFERS,
    },
    ...toolDecls,
    threshold('failed', 'FailedThreshold', 'failed', "xunit threshold on the failed tests: failed(unstableThreshold: '0', failureThreshold: '10')"),
    threshold('skipped', 'SkippedThreshold', 'skipped', "xunit threshold on the skipped tests: skipped(unstableThreshold: '5')"),
    {
      ...threshold('passed', 'PassedThreshold', 'passed', "xunit threshold on the passed tests (fewer than the threshold is bad): passed(failureThreshold: '100')"),
      params: [
        a('unstableThreshold', 'UNSTABLE when fewer tests passed than this (a number, or a percent with thresholdMode: 2)'),
        a('unstableNewThreshold', 'UNSTABLE when fewer new tests passed than this'),
        a('failureThreshold', 'FAILURE when fewer tests passed than this'),
        a('failureNewThreshold', 'FAILURE when fewer new tests passed than this'),
      ],
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
