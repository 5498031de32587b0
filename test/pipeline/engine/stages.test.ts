import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline, stage, userLines } from './harness.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('sequential stages run in order and the build succeeds', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('One') { steps { echo 'first' } }
    stage('Two') { steps { sh 'echo second' } }
  }
}`);
  assert.equal(state.result, 'SUCCESS');
  assert.deepEqual(state.stages.map((s) => [s.name, s.status]), [['One', 'success'], ['Two', 'success']]);
  const lines = userLines(console);
  assert.ok(lines.indexOf('first') < lines.indexOf('second'), console);
  assert.ok(lines.includes('+ echo second'), 'sh echoes its commands like /bin/sh -x');
  assert.match(console, /Finished: SUCCESS\n$/);
  for (const s of state.stages) assert.ok(s.startedAt !== null && s.endedAt !== null && s.endedAt >= s.startedAt);
});

test('a failing step fails the build, names the place, and skips later stages', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Build') { steps { sh 'exit 3' } }
    stage('Deploy') { steps { echo 'never' } }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.equal(stage(state, 'Build').status, 'failure');
  assert.equal(stage(state, 'Deploy').status, 'skipped-failure');
  assert.match(console, /ERROR: script returned exit code 3 \(Jenkinsfile:5:30\)/);
  assert.match(console, /Stage "Deploy" skipped due to earlier failure\(s\)/);
  assert.ok(!console.includes('never'));
  assert.equal(state.message, 'script returned exit code 3 (Jenkinsfile:5:30)');
});

test('nested sequential stages', async () => {
  const { state } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Outer') {
      stages {
        stage('Inner A') { steps { echo 'a' } }
        stage('Inner B') { steps { echo 'b' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS');
  const outer = stage(state, 'Outer');
  assert.equal(stage(state, 'Inner A').parentId, outer.id);
  assert.equal(stage(state, 'Inner B').parentId, outer.id);
});

test('when conditions skip stages; skipped stages show as skipped and run no post', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  environment { DEPLOY_TO = 'staging' }
  stages {
    stage('Main only') { when { branch 'main' } steps { echo 'on main' } }
    stage('Feature') { when { branch 'feature/*' } steps { echo 'on feature' } }
    stage('Expr') { when { expression { return env.DEPLOY_TO == 'prod' } } steps { echo 'prod' } post { always { echo 'post of skipped' } } }
    stage('Env') { when { environment name: 'DEPLOY_TO', value: 'staging' } steps { echo 'staging env' } }
    stage('Not') { when { not { branch 'main' } } steps { echo 'not main' } }
    stage('AnyOf') { when { anyOf { branch 'main'; equals expected: 2, actual: 1 + 1 } } steps { echo 'any' } }
    stage('AllOf') { when { allOf { branch 'feature/x'; environment name: 'DEPLOY_TO', value: 'prod' } } steps { echo 'all' } }
    stage('Tag') { when { buildingTag() } steps { echo 'tag' } }
  }
}`, { extraEnv: { BRANCH_NAME: 'feature/x' } });
  assert.equal(state.result, 'SUCCESS');
  const status = Object.fromEntries(state.stages.map((s) => [s.name, s.status]));
  assert.deepEqual(status, {
    'Main only': 'skipped-when', Feature: 'success', Expr: 'skipped-when', Env: 'success', Not: 'success', AnyOf: 'success', AllOf: 'skipped-when', Tag: 'skipped-when',
  });
  assert.match(console, /Stage "Main only" skipped due to when conditional/);
  assert.ok(!console.includes('post of skipped'));
});

test('when beforeAgent is evaluated before the agent is allocated', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('Gate') {
      agent any
      when { beforeAgent true; expression { false } }
      steps { sh 'echo hi' }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS');
  assert.equal(stage(state, 'Gate').status, 'skipped-when');
  assert.ok(!console.includes('Running on'), 'no node was allocated');
});

test('post conditions run in Jenkins order, cleanup last, at stage and pipeline level', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('S') {
      steps { sh 'exit 1' }
      post {
        cleanup { echo 'stage cleanup' }
        failure { echo 'stage failure' }
        always { echo 'stage always' }
        success { echo 'stage success' }
      }
    }
  }
  post {
    cleanup { echo 'p cleanup' }
    unsuccessful { echo 'p unsuccessful' }
    failure { echo 'p failure' }
    always { echo 'p always' }
    success { echo 'p success' }
    aborted { echo 'p aborted' }
    unstable { echo 'p unstable' }
    changed { echo 'p changed' }
    regression { echo 'p regression' }
    fixed { echo 'p fixed' }
    notBuilt { echo 'p notBuilt' }
  }
}`, { previous: { number: 6, result: 'SUCCESS', durationMs: 10, startedAt: 0, description: null, displayName: null } });
  assert.equal(state.result, 'FAILURE');
  const order = userLines(console).filter((l) => /^(stage|p) /.test(l));
  // BuildCondition's order (ModelInterpreter asks the conditions in it): ... success, unsuccessful, unstable, failure, notBuilt, cleanup.
  assert.deepEqual(order, ['stage always', 'stage failure', 'stage cleanup', 'p always', 'p changed', 'p regression', 'p unsuccessful', 'p failure', 'p cleanup']);
  assert.equal(stage(state, 'Declarative: Post Actions').kind, 'post');
});

test('fixed runs when a failing job succeeds again; on a job\'s first build changed runs, fixed and regression do not (Jenkins)', async () => {
  const src = `
pipeline {
  agent any
  stages { stage('S') { steps { echo 'ok' } } }
  post { fixed { echo 'FIXED' } changed { echo 'CHANGED' } regression { echo 'REGRESSION' } }
}`;
  const fixed = await runPipeline(src, { previous: { number: 6, result: 'FAILURE', durationMs: 1, startedAt: 0, description: null, displayName: null } });
  assert.deepEqual(userLines(fixed.console).filter((l) => /^[A-Z]+$/.test(l)), ['CHANGED', 'FIXED']);
  const first = await runPipeline(src);
  assert.deepEqual(userLines(first.console).filter((l) => /^[A-Z]+$/.test(l)), ['CHANGED']);
});

test('a failing post block fails the build, the later conditions see that result, the other blocks still run', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages { stage('S') { steps { echo 'ok' } } }
  post {
    always { error 'post broke' }
    success { echo 'success ran' }
    failure { echo 'failure ran' }
    cleanup { echo 'cleanup ran' }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /Error when executing always post condition:\nERROR: post broke/);
  assert.doesNotMatch(console, /success ran/);
  assert.match(console, /failure ran/);
  assert.match(console, /cleanup ran/);
});

test('environment: pipeline and stage levels, later entries see earlier ones, Jenkins variables are set', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  parameters { string(name: 'TARGET', defaultValue: 'eu', description: 'where') }
  environment {
    APP = 'kiln'
    FULL = "\${APP}-\${BUILD_NUMBER}"
  }
  stages {
    stage('Show') {
      environment { APP = 'stage-app'; LOCAL = 'x' }
      steps {
        sh 'echo "app=$APP full=$FULL local=$LOCAL job=$JOB_NAME num=$BUILD_NUMBER stage=$STAGE_NAME node=$NODE_NAME target=$TARGET"'
        echo "ws=\${env.WORKSPACE} target=\${params.TARGET}"
      }
    }
    stage('After') { steps { sh 'echo "app=$APP local=\${LOCAL:-unset}"' } }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^app=stage-app full=kiln-7 local=x job=test-job num=7 stage=Show node=local target=eu$/m);
  assert.match(console, /^ws=\/\S+\/ws target=eu$/m);
  assert.match(console, /^app=kiln local=unset$/m);
});

test('env.X set in a script is visible to later stages; withEnv scopes a variable', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Set') { steps { script { env.VERSION = sh(script: 'echo 1.2.3', returnStdout: true).trim() } } }
    stage('Use') {
      steps {
        sh 'echo "version=$VERSION"'
        withEnv(['MODE=fast', 'PATH+EXTRA=/opt/extra/bin']) { sh 'echo "mode=$MODE path=$PATH"' }
        sh 'echo "mode=\${MODE:-none}"'
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^version=1\.2\.3$/m);
  assert.match(console, /^mode=fast path=\/opt\/extra\/bin:/m);
  assert.match(console, /^mode=none$/m);
});

test('parameters: defaults, given values, booleans and choices reach params and env', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  parameters {
    booleanParam(name: 'DRY', defaultValue: true, description: '')
    choice(name: 'REGION', choices: ['eu', 'us'], description: '')
    string(name: 'NAME', defaultValue: 'anon')
  }
  stages {
    stage('P') {
      steps {
        script {
          if (params.DRY) { echo "dry run in \${params.REGION} for \${params.NAME}" } else { echo 'real run' }
        }
        sh 'echo "env NAME=$NAME REGION=$REGION DRY=$DRY"'
      }
    }
  }
}`, { params: { NAME: 'bob', DRY: 'false' } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^real run$/m);
  assert.match(console, /^env NAME=bob REGION=eu DRY=false$/m);
});

test('agent none: stages bring their own agent', async () => {
  const ok = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('Plan') { steps { echo 'no node needed' } }
    stage('Build') { agent { label 'linux' } steps { sh 'echo built' } }
  }
}`);
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /^built$/m);
});

test('currentBuild: number, result writes, previous build; unstable marks the build', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('S') {
      steps {
        script {
          echo "number=\${currentBuild.number} prev=\${currentBuild.previousBuild?.number} prevResult=\${currentBuild.previousBuild?.result}"
          echo "result=\${currentBuild.result} current=\${currentBuild.currentResult}"
          currentBuild.result = 'UNSTABLE'
          echo "now=\${currentBuild.result}"
          currentBuild.description = 'described'
        }
      }
    }
    stage('Next') { steps { echo 'still runs after unstable' } }
  }
}`, { previous: { number: 6, result: 'FAILURE', durationMs: 5, startedAt: 0, description: null, displayName: null } });
  assert.equal(state.result, 'UNSTABLE');
  assert.equal(state.description, 'described');
  assert.match(console, /^number=7 prev=6 prevResult=FAILURE$/m);
  assert.match(console, /^result=null current=SUCCESS$/m);
  assert.match(console, /^now=UNSTABLE$/m);
  assert.match(console, /still runs after unstable/);
});

test('currentBuild is a bean: its getters and setters are the methods behind its properties, as on RunWrapper', async () => {
  const { state, console } = await runPipeline(`
def last = currentBuild.getPreviousBuild()
echo "n=\${currentBuild.getNumber()} prev=\${last.getNumber()} prevResult=\${last.getResult()} none=\${last.getPreviousBuild()}"
currentBuild.setDescription('by setter')
currentBuild.setResult('unstable')
echo "desc=\${currentBuild.getDescription()} result=\${currentBuild.getResult()} current=\${currentBuild.getCurrentResult()}"
try { currentBuild.getNoSuchThing() } catch (e) { echo "missing: \${e.message}" }
try { currentBuild.getNumber(1) } catch (e) { echo "with an argument: \${e.message}" }
`, { previous: { number: 4, result: 'SUCCESS', durationMs: 5, startedAt: 0, description: null, displayName: null } });
  assert.equal(state.result, 'UNSTABLE');
  assert.equal(state.description, 'by setter');
  assert.match(console, /^n=7 prev=4 prevResult=SUCCESS none=null$/m);
  assert.match(console, /^desc=by setter result=UNSTABLE current=UNSTABLE$/m);
  assert.match(console, /^missing: No signature of method: RunWrapper\.getNoSuchThing\(\)/m);
  assert.match(console, /^with an argument: No signature of method: RunWrapper\.getNumber\(\)/m);
});

test('skipStagesAfterUnstable skips the stages after an unstable one', async () => {
  const { state } = await runPipeline(`
pipeline {
  agent any
  options { skipStagesAfterUnstable() }
  stages {
    stage('A') { steps { unstable 'flaky' } }
    stage('B') { steps { echo 'b' } }
  }
}`);
  assert.equal(state.result, 'UNSTABLE');
  assert.equal(stage(state, 'A').status, 'unstable');
  assert.equal(stage(state, 'B').status, 'skipped-failure');
});

test('timestamps option prefixes every console line with an ISO time', async () => {
  const { console } = await runPipeline(`
pipeline {
  agent any
  options { timestamps() }
  stages { stage('T') { steps { sh 'echo stamped' } } }
}`);
  assert.match(console, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] stamped$/m);
});

test('tools {} and tool: installations come from the node (KILN_TOOL_<NAME>); a missing one says how to declare it', async () => {
  const missing = await runPipeline(`
pipeline {
  agent any
  tools { maven 'M3' }
  stages { stage('T') { steps { echo 'x' } } }
}`);
  assert.equal(missing.state.result, 'FAILURE');
  assert.match(missing.console, /Tool type "maven" does not have an install of "M3" on node 'local': set KILN_TOOL_M3 to its home directory/);
  const home = tempDir('jdk');
  mkdirSync(path.join(home, 'bin'));
  writeFileSync(path.join(home, 'bin', 'fakejava'), '#!/bin/sh\necho "fake java $*"\n', { mode: 0o755 });
  const ok = await runPipeline(`
pipeline {
  agent any
  tools { jdk 'jdk-17' }
  stages { stage('T') { steps { sh 'fakejava -version; echo "home=$JAVA_HOME"'; script { echo "tool=\${tool 'jdk-17'}" } } } }
}`, { baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', KILN_TOOL_JDK_17: home } });
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /^fake java -version$/m);
  assert.match(ok.console, new RegExp(`^home=${home}$`, 'm'));
  assert.match(ok.console, new RegExp(`^tool=${home}$`, 'm'));
  // the pipeline's tools {} show as Jenkins' synthetic stage; a missing install fails it, said once
  assert.match(ok.console, /^\[Pipeline\] \{ \(Declarative: Tool Install\)$/m);
  assert.equal(missing.console.match(/does not have an install of "M3"/g)?.length, 1, missing.console);
});

test('params and env read like maps in scripts: each, keySet, containsKey', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  parameters { string(name: 'A', defaultValue: '1'); string(name: 'B', defaultValue: '2') }
  stages {
    stage('S') {
      steps {
        script {
          def seen = []
          params.each { k, v -> seen << "\${k}=\${v}" }
          echo "params: \${seen.sort().join(',')}"
          echo "has A: \${params.containsKey('A')} job in env: \${env.getEnvironment().containsKey('JOB_NAME')}"
        }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^params: A=1,B=2$/m);
  assert.match(console, /^has A: true job in env: true$/m);
});

test('the stages inside a skipped stage are skipped with it, each shown, for the same reason', async () => {
  // Jenkins' skipStage: a skipped parallel parent runs its branches as skipped stages, a skipped
  // parent of sequential stages skips each of them, to the last level; a when that is false on a
  // parent skips its children "due to when conditional".
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('gate') {
      when { expression { false } }
      parallel {
        stage('g1') { steps { echo 'g1 ran' } }
      }
    }
    stage('broken') { steps { error 'boom' } }
    stage('fan') {
      parallel {
        stage('p1') { steps { echo 'p1 ran' } }
        stage('p2') {
          stages {
            stage('p2a') { steps { echo 'p2a ran' } }
          }
        }
      }
    }
    stage('seq') {
      stages {
        stage('s1') { steps { echo 's1 ran' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  const parentOf = (name: string) => state.stages.find((s) => s.id === stage(state, name).parentId)?.name ?? null;
  assert.deepEqual(['gate', 'g1'].map((n) => stage(state, n).status), ['skipped-when', 'skipped-when']);
  assert.equal(parentOf('g1'), 'gate');
  for (const n of ['fan', 'p1', 'p2', 'p2a', 'seq', 's1']) assert.equal(stage(state, n).status, 'skipped-failure', n);
  assert.deepEqual(['p1', 'p2', 'p2a', 's1'].map(parentOf), ['fan', 'fan', 'p2', 'seq']);
  for (const n of ['g1', 'p1', 'p2a', 's1']) assert.ok(!console.includes(`${n} ran`), `${n} must not run`);
  const lines = userLines(console);
  assert.ok(lines.includes('[g1] Stage "g1" skipped due to when conditional'), console);
  for (const n of ['p1', 'p2']) assert.ok(lines.includes(`[${n}] Stage "${n}" skipped due to earlier failure(s)`), console);
  assert.ok(lines.includes('[p2] Stage "p2a" skipped due to earlier failure(s)'), console);
  assert.ok(lines.includes('Stage "s1" skipped due to earlier failure(s)'), console);
});

test('the pipeline post is a stage only when one of its conditions holds, and is asked once', async () => {
  // Jenkins' executePostBuild: hasSatisfiedConditions first, then the "Declarative: Post Actions" stage.
  const quiet = await runPipeline(`
pipeline {
  agent any
  stages { stage('ok') { steps { echo 'fine' } } }
  post { failure { echo 'not this' } }
}`);
  assert.equal(quiet.state.result, 'SUCCESS');
  assert.deepEqual(quiet.state.stages.map((s) => s.name), ['ok']);
  assert.ok(!quiet.console.includes('Declarative: Post Actions'), quiet.console);
  const failed = await runPipeline(`
pipeline {
  agent any
  stages { stage('bad') { steps { error 'boom' } } }
  post {
    success { echo 'not this' }
    failure { echo 'post saw the failure' }
  }
}`);
  assert.equal(failed.state.result, 'FAILURE');
  assert.deepEqual(failed.state.stages.map((s) => [s.name, s.kind]), [['bad', 'stage'], ['Declarative: Post Actions', 'post']]);
  assert.equal(userLines(failed.console).filter((l) => l === 'post saw the failure').length, 1, failed.console);
  const none = await runPipeline(`
pipeline {
  agent any
  stages { stage('bad') { steps { error 'boom' } } }
  post { success { echo 'not this' } }
}`);
  assert.equal(none.state.result, 'FAILURE');
  assert.deepEqual(none.state.stages.map((s) => s.name), ['bad']);
  assert.ok(!none.console.includes('not this'), none.console);
});
