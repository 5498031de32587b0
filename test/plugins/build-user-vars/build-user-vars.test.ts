// The Build User Vars plugin's withBuildUser and wrap([$class: 'BuildUser']) on a real controller
// (issue 17): a developer with a full name and an e-mail starts a build with their API token; the
// block sees BUILD_USER, its first and last name, BUILD_USER_ID, BUILD_USER_EMAIL and
// BUILD_USER_GROUPS, the variables are gone after the block; a downstream build the `build` step
// triggers gets the upstream build's user; an admin-token build is 'anonymous'. The other causes
// (timer, SCM change, a chain of upstream builds) through the same function the controller calls.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { buildUserVars } from '../../../src/controller/build-user.ts';
import type { BuildCause, UserRecord } from '../../../src/store/types.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';

const SHOW = `echo "user=[\${env.BUILD_USER}] first=[\${env.BUILD_USER_FIRST_NAME}] last=[\${env.BUILD_USER_LAST_NAME}] id=[\${env.BUILD_USER_ID}] email=[\${env.BUILD_USER_EMAIL}] groups=[\${env.BUILD_USER_GROUPS}]"`;

describe('withBuildUser on a controller', () => {
  let c: ControllerHandle | null = null;
  const api = rawApi(() => c!.url);

  before(async () => {
    const dir = tempDir('build-user-ctl');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '2' }));
  });
  after(async () => { await c?.close(); });

  test("the block gets the starting user's name, id, e-mail and groups; a downstream build its upstream's user; an admin token is anonymous", async () => {
    assert.equal((await api('POST', '/api/v1/users', { name: 'chuck', password: 'chuck-password-1', role: 'developer', fullName: 'Chuck Norris', email: 'chuck@example.com' })).status, 201);
    const token = (await api('POST', '/api/v1/users/chuck/tokens', { name: 't' })).json.token as string;
    const script = `pipeline {
  agent any
  stages {
    stage('Who') {
      steps {
        withBuildUser {
          ${SHOW}
        }
        wrap([$class: 'BuildUser']) {
          echo "wrapped: \${env.BUILD_USER_ID}"
        }
        echo "after: [\${env.BUILD_USER ?: ''}]"
        script { if (params.DOWN) { build job: 'down', wait: true } }
      }
    }
  }
  parameters { booleanParam(name: 'DOWN', defaultValue: false) }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'up', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'down', script: `withBuildUser { ${SHOW} }` })).status, 201);

    const b = await api('POST', '/api/v1/jobs/up/builds', { params: { DOWN: true } }, { authorization: `Bearer ${token}` });
    assert.equal(b.status, 201, b.text);
    const done = await finishedBuild(c!.url, 'up', b.json.number);
    const console = await consoleText(c!.url, 'up', b.json.number);
    assert.equal(done.result, 'SUCCESS', console);
    assert.match(console, /user=\[Chuck Norris\] first=\[Chuck\] last=\[Norris\] id=\[chuck\] email=\[chuck@example\.com\] groups=\[authenticated,developer\]/);
    assert.match(console, /wrapped: chuck\n/);
    assert.match(console, /after: \[\]\n/, 'the variables are the block\'s only');
    const down = await finishedBuild(c!.url, 'down', 1);
    const downConsole = await consoleText(c!.url, 'down', 1);
    assert.equal(down.result, 'SUCCESS', downConsole);
    assert.match(downConsole, /user=\[Chuck Norris\] first=\[Chuck\] last=\[Norris\] id=\[chuck\] email=\[chuck@example\.com\]/);

    const a = await api('POST', '/api/v1/jobs/down/builds', {});
    await finishedBuild(c!.url, 'down', a.json.number);
    assert.match(await consoleText(c!.url, 'down', a.json.number), /user=\[anonymous\] first=\[anonymous\] last=\[\] id=\[anonymous\] email=\[null\] groups=\[\]/);
  });
});

test('the causes as the plugin\'s determinants read them: timer, SCM change, webhook, a chain of upstream builds, none', async () => {
  const users: Record<string, UserRecord> = {
    ann: { name: 'ann', role: 'admin', fullName: 'Ann  Marie Lee', passwordHash: '', disabled: false, createdAt: 0, updatedAt: 0, email: null },
  };
  const builds: Record<string, BuildCause[]> = {
    'a#1': [{ type: 'user', description: 'Started by user ann', userId: 'ann' }],
    'b#2': [{ type: 'upstream', description: 'Started by upstream project "a" build number 1', upstreamJob: 'a', upstreamBuild: 1 }],
    'c#3': [{ type: 'timer', description: 'Started by timer' }],
  };
  const lookups = { user: async (n: string) => users[n] ?? null, causesOf: async (j: string, n: number) => builds[`${j}#${n}`] ?? null };
  const up = (job: string, n: number): BuildCause[] => [{ type: 'upstream', description: '', upstreamJob: job, upstreamBuild: n }];
  assert.deepEqual(await buildUserVars(up('b', 2), lookups), { BUILD_USER: 'Ann  Marie Lee', BUILD_USER_FIRST_NAME: 'Ann', BUILD_USER_LAST_NAME: 'Marie', BUILD_USER_ID: 'ann', BUILD_USER_GROUPS: 'authenticated,admin' });
  assert.deepEqual(await buildUserVars(up('c', 3), lookups), { BUILD_USER: 'Timer Trigger', BUILD_USER_FIRST_NAME: 'Timer', BUILD_USER_LAST_NAME: 'Trigger', BUILD_USER_ID: 'timer' });
  assert.deepEqual(await buildUserVars([{ type: 'scm', description: 'Started by an SCM change' }], lookups), { BUILD_USER: 'SCM Change', BUILD_USER_FIRST_NAME: 'SCM', BUILD_USER_LAST_NAME: 'Change', BUILD_USER_ID: 'scmChange' });
  assert.equal((await buildUserVars([{ type: 'webhook', description: 'push' }], lookups)).BUILD_USER_ID, 'scmChange');
  assert.deepEqual(await buildUserVars(up('gone', 9), lookups), {}, 'an upstream build that is gone: nothing');
  assert.deepEqual(await buildUserVars([{ type: 'user', description: '', userId: 'deleted-user' }], lookups), { BUILD_USER: 'anonymous', BUILD_USER_FIRST_NAME: 'anonymous', BUILD_USER_LAST_NAME: '', BUILD_USER_ID: 'deleted-user', BUILD_USER_GROUPS: '' });
});
