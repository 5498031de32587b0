// readTrusted (Pipeline: Multibranch) on a real controller with git jobs over a local bare
// repository: a trusted build reads the file at its own commit; a build of a fork's revision
// (BuildCause.untrustedRevision, as the GitHub/GitLab triggers record it) reads the job's branch
// and fails when the fork changed the file; a path out of the repository, a symbolic link out of
// it and a missing file are refused; an inline job fails in Jenkins' words. And under `kiln run`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { finishedBuild, consoleText, testConfig } from '../helpers/controller.ts';
import { runKiln } from '../helpers/kiln.ts';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
}

// Each attempt prints what it read or why it was refused, so one build shows them all.
const JENKINSFILE = `
def attempt(String p) {
  try {
    echo "read \${p}: " + readTrusted(p).trim()
  } catch (e) {
    echo "refused \${p}: \${e.message}"
  }
}
attempt('ci/config.txt')
attempt('../outside.txt')
attempt('/etc/hostname')
attempt('ci/link')
attempt('nothing.txt')
`;

describe('readTrusted on the controller', () => {
  let c: ControllerHandle;
  let bare: string;
  let work: string;
  let mainSha: string;
  before(async () => {
    const dir = tempDir('read-trusted');
    bare = path.join(dir, 'app.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
    git(dir, 'clone', '-q', bare, work);
    git(work, 'checkout', '-q', '-b', 'main');
    writeFileSync(path.join(work, 'Jenkinsfile'), JENKINSFILE);
    mkdirSync(path.join(work, 'ci'));
    writeFileSync(path.join(work, 'ci', 'config.txt'), 'trusted-config-v1\n');
    symlinkSync('/etc/passwd', path.join(work, 'ci', 'link'));
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'one');
    git(work, 'push', '-q', 'origin', 'main');
    mainSha = git(work, 'rev-parse', 'HEAD');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }), { log: () => undefined });
    await c.store.jobs.create({ name: 'app', definition: { kind: 'git', url: bare, branch: 'main', path: 'Jenkinsfile', credentialsId: null } });
    await c.store.jobs.create({ name: 'inline', definition: { kind: 'inline', script: "echo readTrusted('ci/config.txt')" } });
  });
  after(async () => { await c?.close(); });

  const build = async (job: string, o: Parameters<ControllerHandle['builds']['trigger']>[1] = {}) => {
    const b = await c.builds.trigger(job, o);
    const done = await finishedBuild(c.url, job, b.number);
    return { result: done.result as string, log: await consoleText(c.url, job, b.number) };
  };

  test("a trusted build reads the file at its own commit; '..', absolute paths, a link out of the checkout and a missing file are refused", async () => {
    const { result, log } = await build('app');
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^read ci\/config\.txt: trusted-config-v1$/m);
    assert.match(log, new RegExp(`^Obtained ci/config\\.txt from git ${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(branch main, commit ${mainSha}\\)$`, 'm'));
    assert.match(log, /^refused \.\.\/outside\.txt: readTrusted: '\.\.\/outside\.txt' is not inside the repository \(a path with a '\.\.' segment\)/m);
    assert.match(log, /^refused \/etc\/hostname: readTrusted: '\/etc\/hostname' is not inside the repository \(an absolute path\)/m);
    assert.match(log, /^refused ci\/link: readTrusted: 'ci\/link' is a symbolic link that leaves the repository/m);
    assert.doesNotMatch(log, /root:x:0:0/);
    assert.match(log, /^refused nothing\.txt: nothing\.txt not found in .* \(branch main, commit [0-9a-f]{40}\)$/m);
  });

  test('a pinned commit that is no commit id never reaches git as an option (whatever the store holds)', async () => {
    const pwned = path.join(tempDir('read-trusted-pwn'), 'pwned-by-upload-pack');
    const { result, log } = await build('app', { scm: { url: bare, branch: 'main', commit: `--upload-pack=touch ${pwned}` } });
    assert.equal(result, 'FAILURE', log);
    assert.match(log, /'--upload-pack=touch .*' is no commit id/);
    assert.ok(!existsSync(pwned));
  });

  test("a fork's revision: the file it changed is refused, a file it left alone is read from the job's branch", async () => {
    git(work, 'checkout', '-q', '-b', 'fork');
    writeFileSync(path.join(work, 'ci', 'config.txt'), 'evil-config\n');
    writeFileSync(path.join(work, 'ci', 'other.txt'), 'x\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'eve');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/pull/7/head');
    const evil = git(work, 'rev-parse', 'HEAD');
    const cause = { type: 'webhook' as const, description: 'GitHub PR #7', untrustedRevision: true };
    const forked = await build('app', { causes: [cause], scm: { url: bare, branch: 'fork', commit: evil } });
    assert.match(forked.log, /^refused ci\/config\.txt: \u2018ci\/config\.txt\u2019 has been modified in an untrusted revision$/m);
    assert.doesNotMatch(forked.log, /evil-config/);

    // A fork commit that leaves the file alone: read, from the job's branch.
    git(work, 'checkout', '-q', 'main');
    git(work, 'checkout', '-q', '-b', 'fork2');
    writeFileSync(path.join(work, 'README'), 'docs\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'docs');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/pull/8/head');
    const harmless = git(work, 'rev-parse', 'HEAD');
    const ok = await build('app', { causes: [{ ...cause, description: 'GitHub PR #8' }], scm: { url: bare, branch: 'fork2', commit: harmless } });
    assert.match(ok.log, /^read ci\/config\.txt: trusted-config-v1$/m);
    assert.match(ok.log, new RegExp(`\\(branch main, commit ${mainSha}\\)$`, 'm'));
    git(work, 'checkout', '-q', 'main');
  });

  test("an inline job has no repository: Jenkins' words", async () => {
    const { result, log } = await build('inline');
    assert.equal(result, 'FAILURE');
    assert.match(log, /\u2018readTrusted\u2019 is only available when using \u201cMultibranch Pipeline\u201d or \u201cPipeline script from SCM\u201d/);
  });
});

test('kiln run reads readTrusted files from the project directory, not the workspace, and refuses a path out of it', async () => {
  const dir = tempDir('read-trusted-run');
  mkdirSync(path.join(dir, 'ci'));
  writeFileSync(path.join(dir, 'ci', 'steps.groovy'), "echo 'from the trusted file'\n");
  symlinkSync('/etc/passwd', path.join(dir, 'ci', 'link'));
  writeFileSync(path.join(dir, 'Jenkinsfile'), `
node {
  writeFile file: 'ci/steps.groovy', text: "echo 'changed by the build'"
  evaluate(readTrusted('ci/steps.groovy'))
  try { readTrusted('ci/link') } catch (e) { echo "refused: \${e.message}" }
  try { readTrusted('../x') } catch (e) { echo "refused: \${e.message}" }
}`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Obtained ci\/steps\.groovy from /m);
  assert.match(r.stdout, /^from the trusted file$/m);
  assert.doesNotMatch(r.stdout, /changed by the build/);
  assert.match(r.stdout, /^refused: readTrusted: 'ci\/link' is a symbolic link that leaves /m);
  assert.match(r.stdout, /^refused: readTrusted: '\.\.\/x' is not inside the repository/m);
});
