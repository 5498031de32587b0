// A build's change sets on a real controller (issue 17): a declarative job from a git repository
// (its implicit `checkout scm`) that checks out a second repository with the `git` step; commits
// by different people; builds in a row with a controller restart between them. What a user sees:
// the Changes API listing each checkout's commits (author, message, files) since the previous
// build's, `currentBuild.changeSets` in the console, nothing on the first build, an empty list
// when nothing changed, and the changelog after a restart starting where the build before it left.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { tempDir } from '../helpers/tmp.ts';

function git(cwd: string, args: string[], who = { name: 't', email: 't@e' }): string {
  return execFileSync('git', args, {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email },
  }).trim();
}

describe("a build's change sets on a controller", () => {
  let c: ControllerHandle | null = null;
  let dir: string;
  const api = rawApi(() => c!.url);
  const start = async () => { c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' })); };

  before(async () => {
    dir = tempDir('changesets-ctl');
    await start();
  });
  after(async () => { await c?.close(); });

  test('each checkout lists its commits since the previous build, in the API and currentBuild.changeSets, across a controller restart', async () => {
    const repo = (name: string) => {
      const bare = path.join(dir, `${name}.git`);
      const work = path.join(dir, name);
      git(dir, ['init', '-q', '--bare', '-b', 'main', bare]);
      git(dir, ['clone', '-q', bare, work]);
      return { bare, work };
    };
    const app = repo('app');
    const other = repo('other');
    const commit = (r: { work: string }, who: { name: string; email: string }, message: string, files: Record<string, string>) => {
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(r.work, f)), { recursive: true });
        writeFileSync(path.join(r.work, f), text);
      }
      git(r.work, ['add', '-A'], who);
      git(r.work, ['commit', '-q', '-m', message], who);
      git(r.work, ['push', '-q', 'origin', 'HEAD:main'], who);
      return git(r.work, ['rev-parse', 'HEAD']);
    };
    const t = { name: 'Tess', email: 'tess@example.com' };
    commit(app, t, 'Jenkinsfile', { Jenkinsfile: `pipeline {
  agent any
  stages {
    stage('Build') {
      steps {
        dir('other') { git url: '${other.bare}', branch: 'main' }
        script {
          for (s in currentBuild.changeSets) for (e in s.items) echo "change \${e.commitId.take(7)} \${e.author.fullName}: \${e.msg} \${e.affectedPaths}"
        }
        echo "sets=\${currentBuild.changeSets.size()}"
      }
    }
  }
}` });
    commit(other, t, 'first', { 'o.txt': '1\n' });
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: app.bare, branch: 'main' } })).status, 201);
    const build = async () => {
      const b = await api('POST', '/api/v1/jobs/app/builds', {});
      assert.equal(b.status, 201, b.text);
      const done = await finishedBuild(c!.url, 'app', b.json.number);
      const console = await consoleText(c!.url, 'app', b.json.number);
      assert.equal(done.result, 'SUCCESS', console);
      const changes = await api('GET', `/api/v1/jobs/app/builds/${b.json.number}/changes`);
      assert.equal(changes.status, 200, changes.text);
      return { console, changes: changes.json };
    };

    // #1: the first build: no change sets.
    const b1 = await build();
    assert.match(b1.console, /^sets=0$/m);
    assert.equal(b1.changes.changeSets, null);

    const a1 = commit(app, { name: 'Ann', email: 'ann@example.com' }, 'Add the parser\n\nWith tests.', { 'src/parser.c': 'int p;\n' });
    const o1 = commit(other, { name: 'Bob', email: 'bob@example.com' }, 'Other work', { 'lib/o.c': 'o\n' });
    // A restart between the builds: what #1 built comes from the store.
    await c!.close();
    c = null;
    await start();

    const b2 = await build();
    assert.match(b2.console, /^sets=2$/m);
    assert.match(b2.console, new RegExp(`^change ${a1.slice(0, 7)} Ann: Add the parser \\[src/parser\\.c\\]$`, 'm'));
    assert.match(b2.console, new RegExp(`^change ${o1.slice(0, 7)} Bob: Other work \\[lib/o\\.c\\]$`, 'm'));
    const [s1, s2] = b2.changes.changeSets;
    assert.deepEqual(s1.remotes, [app.bare]);
    assert.equal(s1.branch, 'origin/main');
    assert.equal(s1.to, a1);
    assert.deepEqual(s1.commits.map((m: { commit: string; author: string; email: string; message: string; paths: unknown }) => [m.commit, m.author, m.email, m.message, m.paths]),
      [[a1, 'Ann', 'ann@example.com', 'Add the parser\n\nWith tests.', [{ editType: 'add', path: 'src/parser.c' }]]]);
    assert.deepEqual(s2.remotes, [other.bare]);
    assert.deepEqual(s2.commits.map((m: { author: string; paths: unknown }) => [m.author, m.paths]), [['Bob', [{ editType: 'add', path: 'lib/o.c' }]]]);

    // #3: nothing new: each checkout's change set is there, empty.
    const b3 = await build();
    assert.match(b3.console, /^sets=2$/m);
    assert.deepEqual(b3.changes.changeSets.map((s: { commits: unknown[]; from: string }) => [s.commits.length, s.from]), [[0, a1], [0, o1]]);
  });

  test('GIT_PREVIOUS_SUCCESSFUL_COMMIT is what the last SUCCESS or UNSTABLE build built, from the builds, whatever the workspace holds', async () => {
    const bare = path.join(dir, 'prevok.git');
    const work = path.join(dir, 'prevok');
    git(dir, ['init', '-q', '--bare', '-b', 'main', bare]);
    git(dir, ['clone', '-q', bare, work]);
    const commit = (n: number) => {
      writeFileSync(path.join(work, 'f.txt'), `${n}\n`);
      git(work, ['add', '-A']);
      git(work, ['commit', '-q', '-m', `change ${n}`]);
      git(work, ['push', '-q', 'origin', 'HEAD:main']);
      return git(work, ['rev-parse', 'HEAD']);
    };
    // Each build removes its workspace: what the repository there said is gone every time.
    const script = `pipeline {
  agent any
  parameters { string(name: 'OUTCOME', defaultValue: 'ok') }
  stages { stage('b') { steps {
    script {
      def v = checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${bare}']])
      echo "prev=\${v.GIT_PREVIOUS_COMMIT} ok=\${v.GIT_PREVIOUS_SUCCESSFUL_COMMIT} env=\${env.GIT_PREVIOUS_SUCCESSFUL_COMMIT}"
    }
    deleteDir()
    script {
      if (params.OUTCOME == 'fail') error('failing on purpose')
      if (params.OUTCOME == 'unstable') unstable('unstable on purpose')
    }
  } } }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'prevok', script })).status, 201);
    const run = async (outcome: string) => {
      const b = await api('POST', '/api/v1/jobs/prevok/builds', { params: { OUTCOME: outcome } });
      assert.equal(b.status, 201, b.text);
      const done = await finishedBuild(c!.url, 'prevok', b.json.number);
      const log = await consoleText(c!.url, 'prevok', b.json.number);
      return { result: done.result, line: /^prev=.*$/m.exec(log)?.[0] ?? log };
    };
    const c1 = commit(1);
    assert.deepEqual(await run('ok'), { result: 'SUCCESS', line: 'prev=null ok=null env=null' });
    const c2 = commit(2);
    assert.deepEqual(await run('fail'), { result: 'FAILURE', line: `prev=${c1} ok=${c1} env=${c1}` });
    const c3 = commit(3);
    assert.deepEqual(await run('unstable'), { result: 'UNSTABLE', line: `prev=${c2} ok=${c1} env=${c1}` }, 'a failed build is not a successful one');
    commit(4);
    assert.deepEqual(await run('ok'), { result: 'SUCCESS', line: `prev=${c3} ok=${c3} env=${c3}` }, 'an UNSTABLE build is (Run.getPreviousSuccessfulBuild)');
  });
});
