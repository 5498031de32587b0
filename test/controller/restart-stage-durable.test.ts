// A build restarted from a stage survives a controller restart (kill -9 of `bin/kiln controller`,
// started again on the same home): it resumes as a restarted build (its cause says so), the
// stage skipped for the restart stays skipped and is said once, the stash it got from the
// original is still there, and the input it waited at is answered after the restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { startControllerProcess, kill9 } from '../helpers/controller-process.ts';

interface Ctl { proc: ChildProcess; url: string; out: string[] }
const running = new Set<ChildProcess>();
after(() => { for (const p of running) p.kill('SIGKILL'); });

function startCtl(home: string): Promise<Ctl> {
  return startControllerProcess(home, { executors: 1, running });
}

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

test('kill -9 while a restarted build waits at an input: it resumes as a restarted build, its skipped stage stays skipped, its stash is there', async () => {
  const home = tempDir('restart-durable');
  let c = await startCtl(home);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'relay', script: `pipeline {
  agent any
  options { preserveStashes() }
  stages {
    stage('Make') { steps { writeFile file: 'b.txt', text: "baton of #\${env.BUILD_NUMBER}"; stash name: 'b', includes: 'b.txt' } }
    stage('Use') {
      steps {
        script { if (env.BUILD_NUMBER == '1') { error 'dropped' } }
        input 'Go on?'
        unstash 'b'
        echo "got \${readFile('b.txt')}"
      }
    }
  }
}` });
  await api('POST', '/api/v1/jobs/relay/builds', {});
  assert.equal((await finishedBuild(c.url, 'relay', 1)).result, 'FAILURE');
  const r = await api('POST', '/api/v1/jobs/relay/builds/1/restart', { stage: 'Use' });
  assert.equal(r.number, 2);
  await until(async () => (await api('GET', '/api/v1/jobs/relay/builds/2/inputs')).inputs.length === 1, 'the restarted build to wait at its input');
  await kill9(c);

  c = await startCtl(home);
  api = jsonApi(() => c.url);
  await until(async () => (await api('GET', '/api/v1/jobs/relay/builds/2/inputs')).inputs.length === 1, 'the input to wait again after the restart');
  const id = (await api('GET', '/api/v1/jobs/relay/builds/2/inputs')).inputs[0].id;
  await api('POST', `/api/v1/jobs/relay/builds/2/inputs/${id}`, { action: 'approve' });
  const b = await finishedBuild(c.url, 'relay', 2);
  const text = await consoleText(c.url, 'relay', 2);
  assert.equal(b.result, 'SUCCESS', text);
  assert.deepEqual(b.restartedFrom, { number: 1, stage: 'Use' });
  assert.equal(b.stages.find((s: any) => s.name === 'Make').status, 'skipped-restart');
  assert.equal(count(text, /^Stage "Make" skipped due to this build restarting at stage "Use"$/), 1, text);
  assert.equal(count(text, /^Resumed after the controller restarted/), 1, text);
  assert.equal(count(text, /^got baton of #1$/), 1, text);
  await kill9(c);
});
