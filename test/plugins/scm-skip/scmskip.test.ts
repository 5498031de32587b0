// The SCM Skip plugin's scmSkip on a real controller (issue 17): a declarative job from a git
// repository whose builds follow real commits. What a user sees: the first build (no changelog)
// and a build of an ordinary commit go on with the plugin's lines; a build whose commits all say
// [ci skip] is ABORTED with the plugin's line and description, its later steps not run, its post
// `aborted` block run; with deleteBuild it is gone from the job's builds once finished (API 404,
// its console gone). A bad pattern is a clear error.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { matchesWhole, skipRegex } from '../../../src/plugins/scm-skip/runtime.ts';

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  }).trim();
}

const JENKINSFILE = `pipeline {
  agent any
  stages {
    stage('Check') {
      steps {
        scmSkip(deleteBuild: fileExists('delete-skipped'), skipPattern: '.*\\\\[ci skip\\\\].*')
        echo 'building for real'
      }
    }
  }
  post {
    aborted { echo 'post aborted ran' }
  }
}
`;

describe('scmSkip on a controller', () => {
  let c: ControllerHandle | null = null;
  let dir: string;
  const api = rawApi(() => c!.url);

  before(async () => {
    dir = tempDir('scmskip-ctl');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }));
  });
  after(async () => { await c?.close(); });

  test('ordinary commits build; a [ci skip] commit aborts the build; with deleteBuild the build is deleted once finished', async () => {
    const bare = path.join(dir, 'app.git');
    const work = path.join(dir, 'app');
    git(dir, ['init', '-q', '--bare', '-b', 'main', bare]);
    git(dir, ['clone', '-q', bare, work]);
    const commit = (message: string, files: Record<string, string>) => {
      for (const [f, text] of Object.entries(files)) writeFileSync(path.join(work, f), text);
      git(work, ['add', '-A']);
      git(work, ['commit', '-q', '-m', message]);
      git(work, ['push', '-q', 'origin', 'HEAD:main']);
    };
    const build = async () => {
      const b = await api('POST', '/api/v1/jobs/app/builds', {});
      assert.equal(b.status, 201, b.text);
      const n = b.json.number as number;
      const done = await finishedBuild(c!.url, 'app', n);
      return { n, done, console: await consoleText(c!.url, 'app', n) };
    };
    commit('add the Jenkinsfile', { Jenkinsfile: JENKINSFILE });
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: bare, branch: 'main' } })).status, 201);

    const first = await build();
    assert.equal(first.done.result, 'SUCCESS', first.console);
    assert.match(first.console, /SCM Skip: Changelog is empty!\n/);
    assert.match(first.console, /building for real/);

    commit('feat: a real change', { 'a.txt': '1\n' });
    const second = await build();
    assert.equal(second.done.result, 'SUCCESS', second.console);
    assert.match(second.console, /SCM Skip: Pattern \.\*\\\[ci skip\\\]\.\* NOT matched on message: feat: a real change\n/);

    commit('docs only [ci skip]', { 'README.md': 'docs\n' });
    const third = await build();
    assert.equal(third.done.result, 'ABORTED', third.console);
    assert.match(third.console, /SCM Skip: Pattern \.\*\\\[ci skip\\\]\.\* matched on message: docs only \[ci skip\]\n/);
    assert.match(third.console, /SCM Skip: Build has been skipped due to SCM Skip Plugin!/);
    assert.doesNotMatch(third.console, /building for real/);
    assert.match(third.console, /post aborted ran/);
    assert.equal(third.done.description, 'SCM Skip - build skipped');

    commit('[ci skip] turn deletion on', { 'delete-skipped': 'yes\n' });
    const b = await api('POST', '/api/v1/jobs/app/builds', {});
    const fourth = b.json.number as number;
    await finishedBuild(c!.url, 'app', fourth);
    let status = 200;
    for (let i = 0; i < 400 && status !== 404; i++) {
      status = (await api('GET', `/api/v1/jobs/app/builds/${fourth}`)).status;
      if (status !== 404) await sleep(25);
    }
    assert.equal(status, 404, 'the skipped build is deleted');
    const list = await api('GET', '/api/v1/jobs/app/builds');
    assert.deepEqual(list.json.builds.map((x: { number: number }) => x.number).sort(), [first.n, second.n, third.n].sort());
    assert.equal((await api('GET', `/api/v1/jobs/app/builds/${third.n}`)).status, 200, 'a skipped build without deleteBuild stays');
    assert.equal((await api('GET', `/api/v1/jobs/app/builds/${fourth}/console`)).status, 404, 'its console is gone too');
  });
});

test('skipPattern is matched against the whole message as Java\'s matches() does; a bad pattern is a clear error', () => {
  const re = skipRegex('.*\\[ci skip\\].*');
  assert.equal(matchesWhole(re, 'fix [ci skip]'), true);
  assert.equal(matchesWhole(re, '[ci skip] fix'), true);
  assert.equal(matchesWhole(re, 'fix [ci  skip]'), false);
  assert.equal(matchesWhole(re, ''), false);
  assert.equal(matchesWhole(skipRegex('a|ab'), 'ab'), true, 'backtracks to the whole message');
  assert.equal(matchesWhole(skipRegex('skip'), 'skip it'), false, 'the whole message, not a prefix');
  assert.equal(matchesWhole(skipRegex('^wip$'), 'wip'), true);
  assert.throws(() => skipRegex('(['), /scmSkip: skipPattern '\(\[' is not a valid regular expression/);
});
