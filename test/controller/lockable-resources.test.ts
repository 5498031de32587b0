// Lockable resources on a real controller: admins configure them with labels through the API
// (viewers read them, with who holds each; bad names and labels are refused), and two builds
// asking for the one resource of a label take turns: the second waits, saying so, until the
// first's lock block ends, then gets it, named in its variable. Who waits for a resource is in
// the API, in the order they will be served, for configured resources and for those named only
// in a Jenkinsfile (listed while in use).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { consoleText, consoleUntil, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('lockable resources', () => {
  let c: ControllerHandle;
  let viewerToken: string;
  const dir = tempDir('lockable');
  const api = rawApi(() => c.url);
  const asViewer = (method: string, p: string, body?: unknown) => api(method, p, body, { authorization: `Bearer ${viewerToken}` });

  before(async () => {
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '4' }));
    assert.equal((await api('POST', '/api/v1/users', { name: 'vic', role: 'viewer', password: 'vic-password-long-enough' })).status, 201);
    viewerToken = (await api('POST', '/api/v1/users/vic/tokens', { name: 'locks' })).json.token as string;
  });
  after(async () => {
    await c?.close();
  });

  test('admins configure resources with labels; viewers read them; bad input is refused and changes nothing', async () => {
    const put = await api('PUT', '/api/v1/lockable-resources/staging-1', { labels: ['staging', 'eu'], description: 'the EU staging stack' });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual({ ...put.json, updatedAt: 0 }, { name: 'staging-1', labels: ['staging', 'eu'], description: 'the EU staging stack', heldBy: null, waitingBy: [], ephemeral: false, updatedAt: 0, updatedBy: 'admin-token' });
    assert.equal((await asViewer('PUT', '/api/v1/lockable-resources/x', { labels: [] })).status, 403);
    assert.equal((await asViewer('DELETE', '/api/v1/lockable-resources/staging-1')).status, 403);
    const listed = await asViewer('GET', '/api/v1/lockable-resources');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.json.resources.map((r: { name: string }) => r.name), ['staging-1']);
    for (const [body, re] of [
      [{ labels: ['has space'] }, /label 'has space': 1 to 100 letters/],
      [{ labels: 'staging' }, /labels must be a list/],
      [{ labels: [], owner: 'me' }, /body\/owner: not a field/],
      [{ description: 'x'.repeat(3000) }, /description/],
    ] as const) {
      const r = await api('PUT', '/api/v1/lockable-resources/staging-1', body);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, re);
    }
    assert.equal((await api('PUT', '/api/v1/lockable-resources/..%2Fx', { labels: [] })).status, 400);
    assert.deepEqual((await api('GET', '/api/v1/lockable-resources/staging-1')).json.labels, ['staging', 'eu'], 'a refused PUT changed nothing');
    assert.equal((await api('DELETE', '/api/v1/lockable-resources/nope')).status, 404);
  });

  test('two builds locking the one resource of a label take turns; the second says it waits and gets it after', async () => {
    const release = path.join(dir, 'release-first');
    const script = `pipeline {
  agent any
  stages {
    stage('deploy') {
      steps {
        lock(label: 'staging', quantity: 1, variable: 'STACK') {
          sh 'echo "deploying to $STACK"; if [ "$BUILD_NUMBER" = 1 ]; then while [ ! -f ${release} ]; do sleep 0.05; done; fi'
        }
      }
    }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'deployer', script })).status, 201);
    const first = await api('POST', '/api/v1/jobs/deployer/builds', {});
    assert.equal(first.status, 201, first.text);
    await consoleUntil(c.url, 'deployer', 1, 'deploying to staging-1');
    assert.equal((await api('GET', '/api/v1/lockable-resources/staging-1')).json.heldBy, 'deployer #1');
    const second = await api('POST', '/api/v1/jobs/deployer/builds', {});
    assert.equal(second.status, 201, second.text);
    await consoleUntil(c.url, 'deployer', 2, '[Label: staging, Quantity: 1] is not free, waiting for execution ...');
    const waiting = await consoleText(c.url, 'deployer', 2);
    assert.match(waiting, /Found 0 available resource\(s\)\. Waiting for correct amount: 1\./);
    assert.doesNotMatch(waiting, /deploying to/);
    writeFileSync(release, '');
    assert.equal((await finishedBuild(c.url, 'deployer', 1)).result, 'SUCCESS');
    assert.equal((await finishedBuild(c.url, 'deployer', 2)).result, 'SUCCESS');
    const log2 = await consoleText(c.url, 'deployer', 2);
    assert.match(log2, /Lock acquired on \[Label: staging, Quantity: 1\]\n[\s\S]*deploying to staging-1\n[\s\S]*Lock released on resource \[Label: staging, Quantity: 1\]/);
    assert.equal((await api('GET', '/api/v1/lockable-resources/staging-1')).json.heldBy, null);
  });

  test('the API lists who waits for each resource, in order, and a resource named only in a Jenkinsfile while it is in use', async () => {
    const release = path.join(dir, 'release-holder');
    const script = `node {
  lock(label: 'staging', quantity: 1) {
    lock('scratch-db') {
      echo "holding as $BUILD_NUMBER"
      sh 'if [ "$BUILD_NUMBER" = 1 ]; then while [ ! -f ${release} ]; do sleep 0.05; done; fi'
    }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'queuer', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/queuer/builds', {})).status, 201);
    await consoleUntil(c.url, 'queuer', 1, 'holding as 1');
    for (const n of [2, 3]) {
      assert.equal((await api('POST', '/api/v1/jobs/queuer/builds', {})).status, 201);
      await consoleUntil(c.url, 'queuer', n, 'is not free, waiting for execution ...');
    }
    const one = await asViewer('GET', '/api/v1/lockable-resources/staging-1');
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.heldBy, 'queuer #1');
    assert.deepEqual(one.json.waitingBy, ['queuer #2', 'queuer #3'], 'both wait for the label, in the order they came');
    const listed = (await asViewer('GET', '/api/v1/lockable-resources')).json.resources as { name: string; heldBy: string | null; waitingBy: string[]; ephemeral: boolean }[];
    const scratch = listed.find((r) => r.name === 'scratch-db');
    assert.deepEqual(scratch, { name: 'scratch-db', labels: [], description: '', heldBy: 'queuer #1', waitingBy: [], ephemeral: true, updatedAt: 0, updatedBy: '' });
    assert.equal((await asViewer('GET', '/api/v1/lockable-resources/scratch-db')).json.heldBy, 'queuer #1');
    writeFileSync(release, '');
    for (const n of [1, 2, 3]) assert.equal((await finishedBuild(c.url, 'queuer', n)).result, 'SUCCESS');
    const after = (await api('GET', '/api/v1/lockable-resources')).json.resources as { name: string; waitingBy: string[] }[];
    assert.equal(after.some((r) => r.name === 'scratch-db'), false, 'an ephemeral resource is gone once nobody holds or waits for it');
    assert.deepEqual(after.find((r) => r.name === 'staging-1')?.waitingBy, []);
    assert.equal((await api('GET', '/api/v1/lockable-resources/scratch-db')).status, 404);
  });
});
