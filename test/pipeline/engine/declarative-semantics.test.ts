// Declarative semantics at run time as Jenkins has them, where a case needs what the runnable
// corpus cannot give (a previous build, a credential, the agent's environment, BRANCH_NAME):
// post conditions against earlier builds and the stage's own error, environment {} resolved as
// a whole against the agent's variables, certificate credentials, credentials() with a computed id and
// masked secret-file paths, `when { branch null }`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, stage, userLines } from './harness.ts';
import { postConditionHolds } from '../../../src/pipeline/engine/engine.ts';
import type { PreviousBuild } from '../../../src/pipeline/engine/globals.ts';
import type { BuildResult } from '../../../src/core/build.ts';
import type { JobProperties } from '../../../src/pipeline/steps/types.ts';

const prev = (result: BuildResult): PreviousBuild => ({ number: 6, result, durationMs: 1, startedAt: 0, description: null, displayName: null });
/** The console's marker lines (all capitals), without a parallel branch's `[name] ` prefix. */
const marked = (console: string) => userLines(console).map((l) => l.replace(/^\[[^\]]*\] /, '')).filter((l) => /^[A-Z_]+$/.test(l));

test('regression: a result worse than the previous build\'s; fixed: SUCCESS after FAILURE or UNSTABLE', async () => {
  const src = `
pipeline {
  agent none
  stages { stage('S') { steps { script { currentBuild.result = 'UNSTABLE' } } } }
  post { changed { echo 'CHANGED' } fixed { echo 'FIXED' } regression { echo 'REGRESSION' } }
}`;
  assert.deepEqual(marked((await runPipeline(src, { previous: prev('SUCCESS') })).console), ['CHANGED', 'REGRESSION']);
  assert.deepEqual(marked((await runPipeline(src, { previous: prev('FAILURE') })).console), ['CHANGED'], 'UNSTABLE after FAILURE is neither fixed nor a regression');
  assert.deepEqual(marked((await runPipeline(src, { previous: prev('UNSTABLE') })).console), [], 'the same result: nothing changed');
});

test('a stage\'s post: success by its own error when the build already failed in a parallel sibling', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('P') {
      parallel {
        stage('bad') { steps { error 'bad broke' } }
        stage('good') {
          steps { sleep time: 200, unit: 'MILLISECONDS' }
          post { success { echo 'GOOD_SUCCESS' } failure { echo 'GOOD_FAILURE' } }
        }
      }
    }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.deepEqual(marked(console), ['GOOD_SUCCESS']);
  assert.equal(stage(state, 'good').status, 'success');
});

test('postConditionHolds: unsuccessful and aborted count the stage\'s error; notBuilt the build', () => {
  assert.equal(postConditionHolds('unsuccessful', { build: 'SUCCESS', error: 'FAILURE', stage: true }, null), true);
  assert.equal(postConditionHolds('unsuccessful', { build: 'SUCCESS', error: null, stage: false }, null), false);
  assert.equal(postConditionHolds('aborted', { build: 'SUCCESS', error: 'ABORTED', stage: true }, null), true);
  assert.equal(postConditionHolds('failure', { build: 'ABORTED', error: 'ABORTED', stage: true }, null), false);
  // failFast's aborted branch, once another branch failed the build (JENKINS-55459): aborted, not failed
  assert.equal(postConditionHolds('failure', { build: 'FAILURE', error: 'ABORTED', stage: true }, null), false);
  assert.equal(postConditionHolds('aborted', { build: 'FAILURE', error: 'ABORTED', stage: true }, null), true);
  assert.equal(postConditionHolds('notBuilt', { build: 'NOT_BUILT', error: null, stage: false }, null), true);
});

test('environment {}: `${FOO ?: default}` sees the agent\'s FOO; an undefined name is null, not an error', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  environment {
    FOO = "\${FOO ?: 'BAR'}"
    BAZ = "\${BAZ ?: 'BAR'}"
    QUX = "q-\${NOPE}"
  }
  stages { stage('S') { steps { echo "FOO is \${FOO}"; echo "BAZ is \${BAZ}"; sh 'echo "QUX is $QUX"' } } }
}`, { baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', FOO: 'OTHER' } });
  assert.equal(state.result, 'SUCCESS');
  const lines = userLines(console);
  assert.ok(lines.includes('FOO is OTHER'), console);
  assert.ok(lines.includes('BAZ is BAR'), console);
  assert.ok(lines.includes('QUX is q-null'), console);
});

test('environment {}: a stage value reading its own name gets the outer one; env.X of a later entry is that entry', async () => {
  const { console } = await runPipeline(`
pipeline {
  agent none
  environment { VALUE = 'first' }
  stages {
    stage('a') {
      environment {
        WHOLE = "\${env.VALUE}+\${env.EXTRA}"
        VALUE = "\${VALUE} second"
        EXTRA = 'x'
      }
      steps { echo "VALUE=\${VALUE} WHOLE=\${WHOLE}" }
    }
  }
}`);
  assert.ok(userLines(console).includes('VALUE=first second WHOLE=first second+x'), console);
});

test('environment {}: a certificate credential has no binding there; the build fails with Jenkins\' message', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  environment { CERT = credentials('my-cert') }
  stages { stage('S') { steps { echo 'not this' } } }
}`, { credentials: { 'my-cert': { id: 'my-cert', type: 'certificate', content: Buffer.from('x'), password: 'pw-secret' } } });
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /ERROR: No suitable binding handler could be found for type com\.cloudbees\.plugins\.credentials\.impl\.CertificateCredentialsImpl\. Supported types are [A-Za-z,]+\. \(Jenkinsfile:4:17\)/);
  assert.doesNotMatch(console, /not this/);
});

test('when { branch null } matches only when there is no branch name (empty or none at all), as BranchConditional.branchMatches', async () => {
  const src = `
pipeline {
  agent none
  stages { stage('S') { when { branch null } steps { echo 'RAN' } } }
}`;
  assert.deepEqual(marked((await runPipeline(src, { extraEnv: { BRANCH_NAME: '' } })).console), ['RAN']);
  assert.deepEqual(marked((await runPipeline(src, { extraEnv: { BRANCH_NAME: 'main' } })).console), []);
  assert.deepEqual(marked((await runPipeline(src)).console), ['RAN'], 'no branch at all');
  assert.deepEqual(marked((await runPipeline(src, { extraEnv: { BRANCH_NAME: '', GIT_LOCAL_BRANCH: 'dev' } })).console), [], 'the checkout\'s branch');
  // an empty pattern is no pattern; a pattern with no branch matches nothing
  const empty = src.replace('branch null', "branch ''");
  assert.deepEqual(marked((await runPipeline(empty)).console), ['RAN']);
  assert.deepEqual(marked((await runPipeline(empty, { extraEnv: { BRANCH_NAME: 'main' } })).console), []);
  assert.deepEqual(marked((await runPipeline(src.replace('branch null', "branch '*'"))).console), [], 'a pattern and no branch');
});

test('stage without a block: the rest of the script up to the next stage is that stage in the stage view', async () => {
  const { state } = await runPipeline(`
stage 'build'
echo 'building'
stage 'test'
error 'tests broke'
`);
  assert.equal(state.result, 'FAILURE');
  assert.deepEqual(state.stages.map((s) => [s.name, s.kind, s.status]), [['build', 'scripted', 'success'], ['test', 'scripted', 'failure']]);
});

test('step([$class]) prints a parameter its class does not have, in Jenkins\' words, and runs without it', async () => {
  // structs' DescribableModel fails it only under Jenkins' own unit tests (STRICT_PARAMETER_CHECKING = Main.isUnitTest);
  // a real Jenkins prints the line and goes on: here the archiving runs and fails on the missing file instead
  const { state, console } = await runPipeline(`
node {
  step([$class: 'ArtifactArchiver', artifacts: 'x', bogus: true])
}`);
  assert.match(console, /^WARNING: Unknown parameter\(s\) found for class type 'hudson\.tasks\.ArtifactArchiver': bogus$/m);
  assert.doesNotMatch(console, /ERROR: WARNING/);
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /No artifacts found that match the file pattern "x"/);
});

test("step([$class]) with a computed name of Object.prototype's (constructor, __proto__, toString) is no build step, in Jenkins' words", async () => {
  for (const cls of ['constructor', '__proto__', 'toString']) {
    const { state, console } = await runPipeline(`
node {
  def c = '${cls}'
  step([$class: c])
}`);
    assert.equal(state.result, 'FAILURE');
    assert.match(console, new RegExp(`ERROR: no known implementation of interface jenkins\\.tasks\\.SimpleBuildStep is named ${cls} \\(Jenkinsfile:4:3\\)`), console);
    assert.doesNotMatch(console, /internal error/);
  }
});

test('job properties written as expressions are evaluated after the top level ran and reported to the host once; a given parameter keeps its value', async () => {
  const src = `
def V = '5'
def daily() { return 'H 2 * * *' }
pipeline {
  agent none
  parameters {
    string(name: 'P', defaultValue: V, description: 'the version')
    choice(name: 'C', choices: ['a', 'b'])
    string(name: 'GIVEN', defaultValue: "\${V}-default")
  }
  triggers {
    cron(env.BRANCH_NAME == 'main' ? daily() : '')
    pollSCM("H/\${V} * * * *")
    upstream(upstreamProjects: 'lib')
  }
  options { buildDiscarder(logRotator(numToKeepStr: V, daysToKeepStr: '', artifactNumToKeepStr: env.BRANCH_NAME == 'main' ? '-1' : '1')) }
  stages { stage('S') { steps { echo "P=\${params.P} GIVEN=\${params.GIVEN}" } } }
}`;
  const reports: JobProperties[] = [];
  const { state, console } = await runPipeline(src, { extraEnv: { BRANCH_NAME: 'main' }, params: { GIVEN: 'mine' }, jobProperties: async (p) => { reports.push(p); } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('P=5 GIVEN=mine'), console);
  assert.deepEqual(reports, [{
    parameters: [
      { type: 'string', name: 'P', defaultValue: '5', description: 'the version', choices: [], trim: false },
      { type: 'choice', name: 'C', defaultValue: 'a', description: '', choices: ['a', 'b'], trim: false },
      { type: 'string', name: 'GIVEN', defaultValue: '5-default', description: '', choices: [], trim: false },
    ],
    triggers: [
      { type: 'cron', spec: 'H 2 * * *', threshold: null },
      { type: 'pollSCM', spec: 'H/5 * * * *', threshold: null },
      { type: 'upstream', spec: 'lib', threshold: 'SUCCESS' },
    ],
    discarder: { numToKeep: 5, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null },
    // No disableConcurrentBuilds or rateLimitBuilds option: the job has none (one set before goes).
    disableConcurrentBuilds: null,
    rateLimit: null,
  }]);
  // Another branch: the cron is '' (no schedule), the artifact count 1.
  reports.length = 0;
  await runPipeline(src, { extraEnv: { BRANCH_NAME: 'dev' }, jobProperties: async (p) => { reports.push(p); } });
  assert.equal(reports[0]!.triggers[0]!.spec, '');
  assert.equal(reports[0]!.discarder!.artifactNumToKeep, 1);
});

test('a booleanParam default that is not a boolean, and a tool name that is empty, fail the build at their line', async () => {
  const bad = await runPipeline(`
def flag = 'yes'
pipeline {
  agent none
  parameters { booleanParam(name: 'B', defaultValue: flag) }
  stages { stage('S') { steps { echo 'not reached' } } }
}`);
  assert.equal(bad.state.result, 'FAILURE');
  assert.ok(userLines(bad.console).includes("ERROR: booleanParam 'B': defaultValue must be true or false, got 'yes' (Jenkinsfile:5:54)"), bad.console);
  const tool = await runPipeline(`
def V = ''
pipeline {
  agent any
  tools { maven "\${V}" }
  stages { stage('S') { steps { echo 'not reached' } } }
}`);
  assert.equal(tool.state.result, 'FAILURE');
  assert.ok(userLines(tool.console).includes("ERROR: tools: the maven installation's name is empty (Jenkinsfile:5:17)"), tool.console);
});

test('environment credentials(): an id written as a GString or a name is evaluated, then bound; a secret file\'s path is masked, as in Jenkins', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  parameters { string(name: 'CID', defaultValue: 'deploy') }
  environment {
    DEPLOY = credentials("\${params.CID}")
    FILECRED = credentials('kube')
    SHOWN_ID = "\${params.CID}"
  }
  stages {
    stage('S') {
      steps {
        sh 'echo "DEPLOY_USR is $DEPLOY_USR, DEPLOY_PSW is $DEPLOY_PSW, id $SHOWN_ID"; echo "FILECRED is $FILECRED"; test -s "$FILECRED" && echo "the file is there"'
        withCredentials([file(credentialsId: 'kube', variable: 'KCFG')]) { sh 'echo "KCFG is $KCFG"' }
      }
    }
  }
}`, {
    credentials: {
      deploy: { id: 'deploy', type: 'usernamePassword', username: 'robot', password: 'pa55word!' },
      kube: { id: 'kube', type: 'secretFile', fileName: 'config', content: Buffer.from('kube-secret-content') },
    },
  });
  assert.equal(state.result, 'SUCCESS', console);
  const lines = userLines(console);
  assert.ok(lines.includes('DEPLOY_USR is robot, DEPLOY_PSW is ****, id deploy'), console);
  assert.ok(lines.includes('FILECRED is ****'), console);
  assert.ok(lines.includes('the file is there'), console);
  assert.ok(lines.includes('KCFG is ****'), console);
  // the block's credentials are one withCredentials, as in Jenkins' console; a username is public
  assert.match(console, /^\[Pipeline\] withCredentials\nMasking supported pattern matches of \$DEPLOY or \$DEPLOY_PSW or \$FILECRED$/m);
  assert.ok(!console.includes('secretFiles') && !console.includes('pa55word!'), console);
});

test('post blocks run without a line of their own: the stage\'s post says "Post stage", the pipeline\'s is its stage, then the blocks\' steps', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('S') {
      steps { echo 'STEP' }
      post { always { echo 'STAGE_ALWAYS' } success { echo 'STAGE_SUCCESS' } failure { echo 'NOT_THIS' } }
    }
  }
  post { always { echo 'BUILD_ALWAYS' } cleanup { echo 'BUILD_CLEANUP' } }
}`);
  assert.equal(state.result, 'SUCCESS');
  const lines = console.split('\n');
  const from = lines.indexOf('STEP');
  assert.ok(from > 0, console);
  assert.deepEqual(lines.slice(from, lines.indexOf('BUILD_CLEANUP') + 1), [
    'STEP',
    'Post stage',
    '[Pipeline] echo', 'STAGE_ALWAYS',
    '[Pipeline] echo', 'STAGE_SUCCESS',
    '[Pipeline] }',
    '[Pipeline] { (Declarative: Post Actions)',
    '[Pipeline] echo', 'BUILD_ALWAYS',
    '[Pipeline] echo', 'BUILD_CLEANUP',
  ]);
});
