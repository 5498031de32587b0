// Declarative run-time behaviour Jenkins' own suite checks (WhenStageTest, EnvironmentTest): what
// `when { changelog / changeset }` says when the build has no change set, currentBuild's bean
// getters, and ${VAR} references in withEnv and environment {} values expanded as
// EnvVars.overrideExpandingAll does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, oneStage, userLines } from './harness.ts';
import { expandOverrides, replaceMacro } from '../../../src/pipeline/engine/env.ts';

const build = (number: number) => ({ job: 'test-job', number, id: `test-job#${number}`, url: `http://kiln.test/job/test-job/${number}/` });
const whenChanges = (cond: string) => `
pipeline {
  agent any
  stages {
    stage('One') { steps { echo 'Hello' } }
    stage('Two') { when { ${cond} } steps { echo 'RAN' } }
  }
}`;

for (const cond of [`changelog '.*DEPENDENCY.*'`, `changeset '**/*.js'`]) {
  test(`when { ${cond.split(' ')[0]} } with no change set: false, and Jenkins' warning (first build / later build)`, async () => {
    const first = await runPipeline(whenChanges(cond), { build: build(1) });
    assert.equal(first.state.result, 'SUCCESS');
    const lines = userLines(first.console);
    assert.ok(lines.includes('Warning, empty changelog. Probably because this is the first build.'), first.console);
    assert.ok(lines.includes('Stage "Two" skipped due to when conditional'), first.console);
    assert.ok(!lines.includes('RAN'));
    const later = await runPipeline(whenChanges(cond), { build: build(5) });
    assert.ok(userLines(later.console).includes('Warning, empty changelog. Have you run checkout?'), later.console);
    assert.ok(!later.console.includes('first build'));
  });

  test(`when { ${cond.split(' ')[0]} } with a change set: no warning, the condition decides`, async () => {
    const { console } = await runPipeline(whenChanges(cond), { build: build(1), changes: { messages: ['fix\n\n[DEPENDENCY] app#4'], files: ['web/a.js'] } });
    assert.ok(!console.includes('Warning, empty changelog'), console);
    assert.ok(userLines(console).includes('RAN'), console);
    const miss = await runPipeline(whenChanges(cond), { build: build(2), changes: { messages: ['unrelated'], files: ['README.md'] } });
    assert.ok(!miss.console.includes('Warning, empty changelog'), miss.console);
    assert.ok(!userLines(miss.console).includes('RAN'));
  });
}

test('currentBuild.getNumber() and the other RunWrapper getters are its properties; previousBuild too', async () => {
  const { state, console } = await runPipeline(oneStage(`
        echo "n=\${currentBuild.getNumber()} id=\${currentBuild.getId()} r=\${currentBuild.getCurrentResult()} d=\${currentBuild.getDisplayName()}"
        echo "p=\${currentBuild.getPreviousBuild().getNumber()} pr=\${currentBuild.previousBuild.getResult()}"`),
  { previous: { number: 6, result: 'UNSTABLE', durationMs: 1, startedAt: 0, description: null, displayName: null } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('n=7 id=7 r=SUCCESS d=#7'), console);
  assert.ok(userLines(console).includes('p=6 pr=UNSTABLE'), console);
});

test('a RunWrapper getter with arguments, or one it does not have, is still a MissingMethodException', async () => {
  for (const call of ['currentBuild.getNumber(1)', 'currentBuild.getNoSuchThing()']) {
    const { state, console } = await runPipeline(oneStage(`        script { ${call} }`));
    assert.equal(state.result, 'FAILURE', call);
    assert.match(console, /No signature of method: RunWrapper\.get\w+\(\)|MissingMethodException/, `${call}:\n${console}`);
  }
});

test('withEnv expands $NAME and ${NAME} of variables that have a value, in reference order; $$ is $; an unset one stays', async () => {
  const { state, console } = await runPipeline(oneStage(`
        withEnv(['B=\${A}-b', 'A=a\${BUILD_NUMBER}', 'C=$$HOME', 'D=\${NOT_SET_ANYWHERE}z', 'PATH+EXTRA=/opt/\${A}/bin']) {
          echo "A=\${env.A} B=\${env.B} C=\${env.C} D=\${env.D}"
          echo "P=\${env.PATH.split(':')[0]}"
        }`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('A=a7 B=a7-b C=$HOME D=${NOT_SET_ANYWHERE}z'), console);
  assert.ok(userLines(console).includes('P=/opt/a7/bin'), console);
});

test('environment {}: a value naming a variable as text gets its value (Jenkins\' EnvVars expansion); an unset one stays as written', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  environment {
    NUM = currentBuild.getNumber()
    INHERITED = "\\\${NUM} is inherited"
    LITERAL = '\${NOT_SET_ANYWHERE}x'
  }
  stages { stage('S') { steps { sh 'echo "I=$INHERITED L=$LITERAL"' } } }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('I=7 is inherited L=${NOT_SET_ANYWHERE}x'), console);
});

test('replaceMacro and expandOverrides: hostile or odd values', () => {
  const env: Record<string, string> = { A: '1', EVIL: '${A}' };
  const look = (n: string) => (Object.hasOwn(env, n) ? env[n] : undefined);
  assert.equal(replaceMacro('$A ${A} $$A $B ${B} $', look), '1 1 $A $B ${B} $');
  assert.equal(replaceMacro('x${EVIL}y', look), 'x${A}y', 'a replaced value is not expanded again');
  assert.equal(replaceMacro('${constructor}${__proto__}', look), '${constructor}${__proto__}', 'no Object.prototype names');
  // Values doubling through each other stop at the string limit instead of eating the memory.
  const doubling: [string, string][] = [['V0', 'x'.repeat(1024)]];
  for (let i = 1; i <= 20; i++) doubling.push([`V${i}`, `$V${i - 1}$V${i - 1}`]);
  assert.throws(() => expandOverrides({}, doubling), /too large: an environment value/);
  // Reference order whatever the written order; a self-reference reads the value from before.
  assert.deepEqual(expandOverrides({ X: 'old' }, [['C', '${B}c'], ['B', '${A}b'], ['A', 'a'], ['X', '${X}+new']]), [['C', 'abc'], ['B', 'ab'], ['A', 'a'], ['X', 'old+new']]);
  // A circle ends: the reference back to the one still being ordered stays as written.
  assert.deepEqual(expandOverrides({}, [['P', '${Q}p'], ['Q', '${P}q']]), [['P', '${P}qp'], ['Q', '${P}q']]);
});

test('environment {}: credentials("${NAME}") may name a plain value of the same block, computed once', async () => {
  const src = `
def count = 0
pipeline {
  agent any
  environment {
    N = "\${++count}"
    CRED_NAME = "cred\${N}"
    CRED1 = credentials("\${CRED_NAME}")
  }
  stages { stage('S') { steps { echo "N=\${N} C=\${CRED1}" } } }
}`;
  const { state, console } = await runPipeline(src, { credentials: { cred1: { id: 'cred1', type: 'secretText' as const, secret: 'the-secret-1' } } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('N=1 C=****'), console);
  const missing = await runPipeline(src.replace('credentials("${CRED_NAME}")', 'credentials("${NOT_IN_THE_BLOCK}")'), { credentials: {} });
  assert.equal(missing.state.result, 'FAILURE');
  assert.match(missing.console, /credentials\('null'\)/, missing.console);
});

test('when { branch } outside multibranch reads the checkout\'s GIT_LOCAL_BRANCH when BRANCH_NAME is unset or empty', async () => {
  const src = `
pipeline {
  agent none
  stages { stage('S') { when { branch 'mast*' } steps { echo 'RAN' } } }
}`;
  const ran = async (extraEnv: Record<string, string>) => userLines((await runPipeline(src, { extraEnv })).console).includes('RAN');
  assert.equal(await ran({ GIT_LOCAL_BRANCH: 'master' }), true);
  assert.equal(await ran({ BRANCH_NAME: '', GIT_LOCAL_BRANCH: 'master' }), true);
  assert.equal(await ran({ BRANCH_NAME: 'feature', GIT_LOCAL_BRANCH: 'master' }), false, 'BRANCH_NAME wins when it has a value');
  assert.equal(await ran({ GIT_LOCAL_BRANCH: 'feature' }), false);
  assert.equal(await ran({ GIT_BRANCH: 'origin/master' }), false, 'GIT_BRANCH (with its remote) is not read');
});
