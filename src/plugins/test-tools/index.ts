// The test-tools plugin: test-running steps of several small Jenkins plugins, declared as data
// (runtime.ts runs them):
//   realtimeJUnit  JUnit Realtime Test Reporter: runs the block, then records the JUnit reports
//   splitTests     Parallel Test Executor: splits the test files into N lists for parallel branches
//   xvnc           Xvnc: a virtual X display for the block (Xvfb or Xvnc must be installed)
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

export const testToolsPlugin: PipelinePlugin = {
  name: 'test-tools',
  doc: 'realtimeJUnit (JUnit Realtime Test Reporter), splitTests (Parallel Test Executor), xvnc (Xvnc)',
  steps: [
    {
      name: 'realtimeJUnit',
      doc: "Run the block, then record its JUnit reports: realtimeJUnit('target/surefire-reports/*.xml') { sh 'mvn test' }.",
      jenkinsPlugin: 'JUnit Realtime Test Reporter',
      differs: 'The results are recorded when the block ends (also when it fails), not shown while it runs.',
      params: [s('testResults', 'Ant pattern of the JUnit XML reports', true), b('allowEmptyResults', 'no report is not an error'), b('keepLongStdio', 'keep long output'), a('testDataPublishers', 'accepted for compatibility'), s('healthScaleFactor', 'accepted')],
      positional: 'testResults',
      block: 'required',
      needsNode: true,
    },
    {
      name: 'splitTests',
      doc: "Split the test files into lists for parallel branches: def splits = splitTests parallelism: count(2), generateInclusions: true.",
      jenkinsPlugin: 'Parallel Test Executor',
      differs: 'Splits by test files found in the workspace (**/src/test/**/*.java and other test sources), by count; earlier results\' durations are not used.',
      params: [a('parallelism', 'count(N): how many lists'), b('generateInclusions', 'return {includes: true, list: [...]} per split (default: lists of exclusions)'), b('estimateTestsFromFiles', 'accepted (Kiln always estimates from files)'), s('stage', 'accepted for compatibility')],
      positional: 'parallelism',
      block: 'none',
      needsNode: true,
    },
    {
      name: 'count',
      doc: 'splitTests parallelism: this many splits: count(4)',
      jenkinsPlugin: 'Parallel Test Executor',
      params: [{ name: 'size', type: 'integer', doc: 'the number of splits', required: true }],
      positional: 'size',
      block: 'none',
      needsNode: false,
      kind: 'symbol',
    },
    {
      name: 'xvnc',
      doc: 'Run the block with a virtual X display (DISPLAY set): xvnc { sh \'npm run test:e2e\' }.',
      jenkinsPlugin: 'Xvnc',
      differs: 'Runs Xvfb (or Xvnc with -localhost when Xvfb is absent) on a display the server picks itself; fails clearly when neither is installed on the node (and, with takeScreenshot, when ImageMagick is not, before starting); no vncserver command or display range settings.',
      params: [b('takeScreenshot', "save the screen to screenshot.jpg with ImageMagick's import -window root after the block, archived (ImageMagick must be on the node)"), b('useXauthority', 'only clients with a random cookie may use the display (XAUTHORITY in the block; default true)')],
      block: 'required',
      needsNode: true,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
