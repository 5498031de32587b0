// validateDeclarativePipeline: validates a file of the workspace with the build's own validator
// and says so in the console in Jenkins' words (pipeline-model-definition's
// ValidateDeclarativePipelineStep): valid, missing, empty, no `pipeline {}` block, or each error
// as Groovy's compiler reports it. It returns the verdict and never fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline, userLines } from './harness.ts';
import { tempDir } from '../../helpers/tmp.ts';

const CHECKER = `node {
  def ok = validateDeclarativePipeline('ci/Jenkinsfile.next')
  echo "verdict: \${ok}"
}
`;

async function check(file: string | null): Promise<string[]> {
  const ws = tempDir('validate-decl');
  if (file !== null) {
    mkdirSync(path.join(ws, 'ci'), { recursive: true });
    writeFileSync(path.join(ws, 'ci', 'Jenkinsfile.next'), file);
  }
  const { state, console } = await runPipeline(CHECKER, { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  return userLines(console).filter((l) => !l.startsWith('Running') && !l.startsWith('Finished'));
}

test('a valid declarative file: "is valid." and true', async () => {
  const lines = await check("pipeline {\n  agent any\n  stages { stage('b') { steps { echo 'b' } } }\n}\n");
  assert.deepEqual(lines, ["Declarative Pipeline file 'ci/Jenkinsfile.next' is valid.", 'verdict: true']);
});

test('no such file: "does not exist." and false', async () => {
  assert.deepEqual(await check(null), ["Declarative Pipeline file 'ci/Jenkinsfile.next' does not exist.", 'verdict: false']);
});

test('an empty file, and a scripted one: false, with the reason', async () => {
  assert.deepEqual(await check(''), ["Declarative Pipeline file 'ci/Jenkinsfile.next' is empty.", 'verdict: false']);
  assert.deepEqual(await check("node { echo 'scripted' }\n"),
    ["Declarative Pipeline file 'ci/Jenkinsfile.next' does not contain the 'pipeline' step.", 'verdict: false']);
});

test('validation errors: each as Groovy reports it, and false', async () => {
  const lines = await check("pipeline {\n  agent any\n  environment { }\n  stages { stage('b') { steps { notAStep 'x' } } }\n}\n");
  assert.deepEqual(lines, [
    "Error(s) validating Declarative Pipeline file 'ci/Jenkinsfile.next' - org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:",
    'WorkflowScript: 3: No variables specified for environment @ line 3, column 3.',
    "WorkflowScript: 4: No such DSL method 'notAStep' found among steps @ line 4, column 33.",
    'verdict: false',
  ]);
});
