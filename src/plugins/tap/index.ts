// The TAP plugin: publishes Test Anything Protocol results as the build's tests, through its
// publisher step([$class: 'TapPublisher', testResults: 'reports/*.tap', ...]) and that
// publisher's symbol publishTap(...). Declared as data here (validation and `kiln lint` read
// it); runtime.ts runs it (parser.ts reads TAP 12/13), loaded when a build first uses it.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'TAP';
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

const params: StepParam[] = [
  { name: 'testResults', type: 'string', required: true, doc: "Ant pattern of TAP files in the workspace (${VARS} expanded), e.g. 'reports/**/*.tap'" },
  b('failIfNoResults', 'FAILURE when no file matches (default false)'),
  b('failedTestsMarkBuildAsFailure', 'failed tests make the build FAILURE instead of UNSTABLE (default false)'),
  b('outputTapToConsole', 'print each TAP stream on the console (default true)'),
  b('todoIsFailure', 'a TODO test counts as failed (default true); false: a failing TODO test is skipped, a passing one passed'),
  b('planRequired', "a stream without a '1..N' plan is a parse error, which makes the build UNSTABLE (default true)"),
  b('validateNumberOfTests', 'UNSTABLE when a plan does not match the number of tests (default false)'),
  b('removeYamlIfCorrupted', 'drop invalid YAML diagnostics instead of making the stream a parse error (default false)'),
  b('skipIfBuildNotOk', 'do nothing when the build is already worse than UNSTABLE (default false)'),
  b('enableSubtests', 'accepted: subtests (indented streams) are always read, and listed in their parent test'),
  b('discardOldReports', 'accepted, not applied: every matching file is read'),
  b('includeCommentDiagnostics', 'accepted (comments are not shown)'),
  b('verbose', 'accepted'), b('showOnlyFailures', 'accepted (the tests page filters)'),
  b('stripSingleParents', 'accepted'), b('flattenTapResult', 'accepted: the top-level tests are recorded, subtests listed in their details'),
];

const DIFFERS = "The top-level test lines are the build's tests (one suite per file, named by its path), as the plugin counts them; subtests are listed in their parent's details; no TAP page, trend graph or attachments of its own; discardOldReports is not applied.";

export const tapPlugin: PipelinePlugin = {
  name: 'tap',
  doc: "TAP: Test Anything Protocol results (step([$class: 'TapPublisher', ...]) or publishTap) recorded as the build's tests",
  steps: [
    {
      name: 'TapPublisher',
      kind: 'class',
      doc: "Publish TAP results as the build's tests: step([$class: 'TapPublisher', testResults: 'reports/*.tap', failIfNoResults: true]); failed tests make the build UNSTABLE.",
      params, block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, jenkinsClass: 'org.tap4j.plugin.TapPublisher', differs: DIFFERS,
    },
    {
      name: 'publishTap',
      doc: "Publish TAP results as the build's tests (the TapPublisher's symbol): publishTap(testResults: 'reports/*.tap').",
      params, block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, jenkinsClass: 'org.tap4j.plugin.TapPublisher', differs: DIFFERS,
    } satisfies StepDecl,
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
