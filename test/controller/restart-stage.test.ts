// Restart from Stage through the API on a real controller (in this process, embedded store,
// real pipelines on its executor): a failed build restarted at a later top-level stage runs as a
// new build that skips the earlier stages, with the original's parameters and environment, the
// original's stashes when it kept them (preserveStashes, and its buildCount retention), its
// post conditions on the new result, isRestartedRun true; what it records (cause, restartedFrom);
// and every refusal (scripted, running, nested/parallel stage, a stage skipped for a failure,
// disableRestartFromStage, a viewer). A git job's restart runs the Jenkinsfile and commit the
// original had, whatever was pushed since.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig, rawApi, finishedBuild, consoleText, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);

before(async () => {
  c = await startController(testConfig({ home: tempDir('restart-stage'), port: '0', executors: '2' }));
});
after(async () => { await c?.close(); });

/** Build #1 fails in 'Use'; any later build passes. */
const script = (options: string) => `pipeline {
  agent any
  options { ${options} }
  parameters { string(name: 'WHO', defaultValue: 'world') }
  environment { GREETING = "hello \${params.WHO}" }
  stages {
    stage('Make') {
      steps {
        echo 'making'
        writeFile file: 'a.txt', text: "made by #\${env.BUILD_NUMBER}"
        stash name: 'made', includes: 'a.txt'
      }
    }
    stage('Use') {
      steps {
        unstash 'made'
        echo "read: \${readFile('a.txt')}"
        echo "env: \${env.GREETING}"
        script { if (env.BUILD_NUMBER == '1') { error 'the first build fails here' } }
      }
    }
    stage('Ship') {
      when { isRestartedRun() }
      steps { echo 'shipping a restarted build' }
    }
    stage('Why') {
      when { triggeredBy 'RestartDeclarativePipelineCause' }
      steps { echo 'triggered by a restart' }
    }
  }
  post {
    failure { echo 'post: failure' }
    success { echo "post: success of #\${env.BUILD_NUMBER}" }
  }
}`;

async function job(name: string, text: string): Promise<void> {
  const r = await api('POST', '/api/v1/jobs', { name, script: text });
  assert.equal(r.status, 201, r.text);
}

async function run(name: string, params: Record<string, string> = {}): Promise<{ b: any; console: string }> {
  const t = await api('POST', `/api/v1/jobs/${name}/builds`, { params });
  assert.equal(t.status, 201, t.text);
  return { b: await finishedBuild(c.url, name, t.json.number), console: await consoleText(c.url, name, t.json.number) };
}

async function restart(name: string, n: number, stage: string): Promise<{ b: any; console: string }> {
  const r = await api('POST', `/api/v1/jobs/${name}/builds/${n}/restart`, { stage });
  assert.equal(r.status, 201, r.text);
  return { b: await finishedBuild(c.url, name, r.json.number), console: await consoleText(c.url, name, r.json.number) };
}

test('a failed build restarted at a later stage: earlier stages skipped, same parameters and env, the kept stash, post on the new result', async () => {
  await job('keep', script('preserveStashes()'));
  const first = await run('keep', { WHO: 'ada' });
  assert.equal(first.b.result, 'FAILURE', first.console);
  const info = await api('GET', '/api/v1/jobs/keep/builds/1/restart');
  assert.equal(info.status, 200, info.text);
  // 'Ship' was skipped for the earlier failure: Jenkins does not offer it.
  assert.deepEqual(info.json, { stages: ['Make', 'Use'], refused: null });
  assert.equal((await api('GET', '/api/v1/jobs/keep/builds/1')).json.restartable, true);

  const { b, console } = await restart('keep', 1, 'Use');
  assert.equal(b.number, 2);
  assert.equal(b.result, 'SUCCESS', console);
  assert.match(console, /Stage "Make" skipped due to this build restarting at stage "Use"/);
  assert.ok(!console.includes('making'), console);
  assert.match(console, /read: made by #1\n/);
  assert.match(console, /env: hello ada\n/);
  assert.match(console, /shipping a restarted build/);
  assert.match(console, /triggered by a restart/);
  assert.match(console, /post: success of #2/);
  assert.ok(!console.includes('post: failure'), console);
  assert.deepEqual(b.params, { WHO: 'ada' });
  assert.deepEqual(b.restartedFrom, { number: 1, stage: 'Use' });
  const cause = b.causes.find((x: any) => x.type === 'restart');
  assert.deepEqual(cause, { type: 'restart', description: 'Restarted from build #1, stage Use', upstreamJob: 'keep', upstreamBuild: 1, stage: 'Use' });
  assert.equal(b.stages.find((s: any) => s.name === 'Make').status, 'skipped-restart');
  assert.equal(b.stages.find((s: any) => s.name === 'Use').status, 'success');
  // A fresh build is not a restarted one.
  const fresh = (await api('GET', '/api/v1/jobs/keep/builds/1')).json;
  assert.equal(fresh.restartedFrom, null);
  assert.match(first.console, /Stage "Ship" skipped due to/);
});

test('without preserveStashes the restarted build has no stash of the earlier stage: unstash fails as in Jenkins', async () => {
  await job('nokeep', script('').replace('options {  }', ''));
  assert.equal((await run('nokeep')).b.result, 'FAILURE');
  const { b, console } = await restart('nokeep', 1, 'Use');
  assert.equal(b.result, 'FAILURE');
  assert.match(console, /Stage "Make" skipped due to this build restarting at stage "Use"/);
  assert.match(console, /No such saved stash 'made'/);
  assert.match(console, /post: failure/);
});

test('preserveStashes(buildCount: 2) keeps the stashes of the last two finished builds only', async () => {
  await job('count2', script('preserveStashes(buildCount: 2)'));
  await run('count2'); // #1 fails after stashing
  await run('count2'); // #2
  await run('count2'); // #3: #1 falls out of the window
  const old = await restart('count2', 1, 'Use');
  assert.equal(old.b.result, 'FAILURE', old.console);
  assert.match(old.console, /No such saved stash 'made'/);
  const recent = await restart('count2', 3, 'Use');
  assert.equal(recent.b.result, 'SUCCESS', recent.console);
  assert.match(recent.console, /read: made by #3\n/);
});

test('refusals: scripted, running, nested or parallel stage, a stage skipped for a failure, an unknown stage, disableRestartFromStage, a viewer', async () => {
  await job('scripted', `node { stage('S') { echo 'x' } }`);
  await run('scripted');
  const s = await api('POST', '/api/v1/jobs/scripted/builds/1/restart', { stage: 'S' });
  assert.equal(s.status, 409, s.text);
  assert.equal(s.json.error.message, 'scripted #1 was not a Declarative Pipeline, and cannot be restarted.');
  assert.deepEqual((await api('GET', '/api/v1/jobs/scripted/builds/1/restart')).json, { stages: [], refused: 'scripted #1 was not a Declarative Pipeline, and cannot be restarted.' });
  assert.equal((await api('GET', '/api/v1/jobs/scripted/builds/1')).json.restartable, false);

  await job('nested', `pipeline {
  agent any
  stages {
    stage('Outer') { stages { stage('Inner') { steps { echo 'inner' } } } }
    stage('Fan') { parallel { stage('Left') { steps { echo 'l' } } stage('Right') { steps { echo 'r' } } } }
    stage('Wait') { steps { input 'Go on?' } }
  }
}`);
  await api('POST', '/api/v1/jobs/nested/builds', {});
  await until(async () => (await api('GET', '/api/v1/jobs/nested/builds/1/inputs')).json.inputs.length === 1, 'the input to wait');
  const busy = await api('POST', '/api/v1/jobs/nested/builds/1/restart', { stage: 'Outer' });
  assert.equal(busy.status, 409, busy.text);
  assert.equal(busy.json.error.message, 'The origin build nested #1 is not complete, so cannot be restarted.');
  assert.equal((await api('GET', '/api/v1/jobs/nested/builds/1')).json.restartable, false);
  const inputs = (await api('GET', '/api/v1/jobs/nested/builds/1/inputs')).json.inputs;
  await api('POST', `/api/v1/jobs/nested/builds/1/inputs/${inputs[0].id}`, { action: 'approve' });
  assert.equal((await finishedBuild(c.url, 'nested', 1)).result, 'SUCCESS');
  assert.deepEqual((await api('GET', '/api/v1/jobs/nested/builds/1/restart')).json, { stages: ['Outer', 'Fan', 'Wait'], refused: null });
  for (const stage of ['Inner', 'Left', 'Nope']) {
    const r = await api('POST', '/api/v1/jobs/nested/builds/1/restart', { stage });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.message, `Stage ${stage} is not present in the top-level stages for nested #1, so cannot be restarted.`);
  }
  const empty = await api('POST', '/api/v1/jobs/nested/builds/1/restart', { stage: '' });
  assert.equal(empty.status, 400, empty.text);
  const skippedForFailure = await api('POST', '/api/v1/jobs/keep/builds/1/restart', { stage: 'Ship' });
  assert.equal(skippedForFailure.status, 400, skippedForFailure.text);

  await job('locked', script('disableRestartFromStage()'));
  await run('locked');
  const locked = await api('POST', '/api/v1/jobs/locked/builds/1/restart', { stage: 'Use' });
  assert.equal(locked.status, 409, locked.text);
  assert.match(locked.json.error.message, /disableRestartFromStage/);
  assert.equal((await api('GET', '/api/v1/jobs/locked/builds/1')).json.restartable, false);

  const made = await api('POST', '/api/v1/users', { name: 'vera', role: 'viewer', password: 'vera-password-1' });
  assert.equal(made.status, 201, made.text);
  const t = await api('POST', '/api/v1/users/vera/tokens', { name: 't' });
  const viewer = { authorization: `Bearer ${t.json.token as string}` };
  assert.equal((await api('GET', '/api/v1/jobs/keep/builds/1/restart', undefined, viewer)).status, 200);
  const refused = await api('POST', '/api/v1/jobs/keep/builds/1/restart', { stage: 'Use' }, viewer);
  assert.equal(refused.status, 403, refused.text);
  assert.equal((await api('GET', '/api/v1/jobs/keep/builds')).json.builds.length, 2, 'no build was started by the refusals');
});

test("a git job's restart runs the original's Jenkinsfile at the original's commit, not what was pushed since", async () => {
  const repo = tempDir('restart-repo');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  const jenkinsfile = (word: string) => `pipeline {
  agent any
  stages {
    stage('First') { steps { echo 'first' } }
    stage('Second') {
      steps {
        echo "${word} sees \${readFile('data.txt').trim()}"
        script { if (env.BUILD_NUMBER == '1') { error 'first build fails' } }
      }
    }
  }
}`;
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'Jenkinsfile'), jenkinsfile('original'));
  writeFileSync(path.join(repo, 'data.txt'), 'data one\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'one');
  const first = git('rev-parse', 'HEAD');
  const made = await api('POST', '/api/v1/jobs', { name: 'gitjob', git: { url: `file://${repo}`, branch: 'main' } });
  assert.equal(made.status, 201, made.text);
  assert.equal((await run('gitjob')).b.result, 'FAILURE');
  writeFileSync(path.join(repo, 'Jenkinsfile'), jenkinsfile('pushed'));
  writeFileSync(path.join(repo, 'data.txt'), 'data two\n');
  git('commit', '-q', '-am', 'two');
  const { b, console } = await restart('gitjob', 1, 'Second');
  assert.equal(b.result, 'SUCCESS', console);
  assert.match(console, /^original sees data one$/m);
  assert.ok(!console.includes('pushed sees'), console);
  assert.equal(b.scm.commit, first);
});
