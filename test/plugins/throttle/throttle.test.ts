// The throttle step (Throttle Concurrent Builds) through `kiln run` (the real CLI, real
// processes) and on a real controller with two executors: node blocks inside throttle blocks of
// a category with maxConcurrentTotal 1 never hold their nodes at the same time (a directory
// made with mkdir is the witness: the second mkdir would fail), the waiting block prints
// Jenkins' queue lines, and bad categories fail as Jenkins fails them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';

/** A node block that fails if another holds the same witness directory at the same time. */
const guarded = (witness: string, who: string) => `node { sh 'mkdir ${witness} && echo ${who} in && sleep 1 && rmdir ${witness}' }`;

test('kiln run: parallel throttled node blocks of a category of 1 run one after the other', async () => {
  const dir = tempDir('throttle-run');
  const witness = path.join(dir, 'held');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `
parallel(
  a: { throttle(['db']) { ${guarded(witness, 'a')} } },
  b: { throttle(['db', 'db']) { ${guarded(witness, 'b')} } },
)`);
  const r = await runKiln(['run'], { cwd: dir, env: { KILN_THROTTLE_CATEGORIES: 'db=1,other=0' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[b\] One or more duplicate categories \(db\) specified\. Duplicates will be ignored\.$/m);
  assert.match(r.stdout, /^\[[ab]\] Still waiting to schedule task$/m);
  assert.match(r.stdout, /^\[[ab]\] Already running 1 builds across all nodes$/m);
  assert.match(r.stdout, /^\[a\] a in$/m);
  assert.match(r.stdout, /^\[b\] b in$/m);
});

test('kiln run: an unknown category fails the step, as Jenkins does; none configured is the same', async () => {
  const dir = tempDir('throttle-unknown');
  writeFileSync(path.join(dir, 'Jenkinsfile'), "throttle(['db', 'nope']) { echo 'inside' }\n");
  const r = await runKiln(['run'], { cwd: dir, env: { KILN_THROTTLE_CATEGORIES: 'db=1' } });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /One or more specified categories do not exist: nope/);
  assert.doesNotMatch(r.stdout, /^inside$/m);
  const none = await runKiln(['run'], { cwd: dir, env: { KILN_THROTTLE_CATEGORIES: '' } });
  assert.equal(none.code, 1);
  assert.match(none.stdout, /One or more specified categories do not exist: db, nope/);
});

describe('throttle categories on a controller', () => {
  let c: ControllerHandle;
  const api = rawApi(() => c.url);
  const work = tempDir('throttle-ctl');
  before(async () => {
    mkdirSync(path.join(work, 'shared'), { recursive: true });
    c = await startController(testConfig({ home: path.join(work, 'home'), port: '0', executors: '2' }));
  });
  after(async () => { await c?.close(); });

  test('admins set categories (an unknown field is refused); two builds of a category of 1 take turns', async () => {
    const bad = await api('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 1, maxConcurrentPerLabel: 1 }] });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.json.error.message, /^categories\[0\]\.maxConcurrentPerLabel: unknown field/);
    const dup = await api('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 1 }, { name: 'db', maxConcurrentTotal: 2 }] });
    assert.equal(dup.status, 400);
    const put = await api('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 1, maxConcurrentPerNode: 0 }] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await api('GET', '/api/v1/settings/throttle-categories')).json, { categories: [{ name: 'db', maxConcurrentTotal: 1, maxConcurrentPerNode: 0 }] });
    const witness = path.join(work, 'shared', 'held');
    for (const job of ['one', 'two']) {
      assert.equal((await api('POST', '/api/v1/jobs', { name: job, script: `throttle(['db']) { ${guarded(witness, job)} }` })).status, 201);
    }
    assert.equal((await api('POST', '/api/v1/jobs/one/builds', {})).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/two/builds', {})).status, 201);
    const [one, two] = [await finishedBuild(c.url, 'one', 1), await finishedBuild(c.url, 'two', 1)];
    const logs = [await consoleText(c.url, 'one', 1), await consoleText(c.url, 'two', 1)];
    assert.equal(one.result, 'SUCCESS', logs[0]);
    assert.equal(two.result, 'SUCCESS', logs[1]);
    assert.ok(logs.some((l) => /^Still waiting to schedule task\nAlready running 1 builds across all nodes$/m.test(l)), logs.join('\n-----\n'));
  });
});
