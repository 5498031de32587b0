// The Folder Properties plugin on a running controller: admins set a folder's properties (API,
// audit log; developers and viewers may not), and withFolderProperties { } / options {
// withFolderProperties() } / wrap([$class: 'ParentFolderBuildWrapper']) { } give a job's block
// the properties of its folders, the nearest folder's value winning, over withEnv's, in Groovy's
// env and in sh alike; a job outside a folder gets none.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('folder properties', () => {
  let c: ControllerHandle;
  const api = rawApi(() => c.url);
  const tokens: Record<string, string> = {};
  const as = (who: string) => (method: string, p: string, body?: unknown) => api(method, p, body, { authorization: `Bearer ${tokens[who]}` });

  const run = async (name: string, script: string) => {
    const made = await api('POST', '/api/v1/jobs', { name, script });
    assert.equal(made.status, 201, made.text);
    const b = await api('POST', `/api/v1/jobs/${encodeURIComponent(name)}/builds`, {});
    assert.equal(b.status, 201, b.text);
    const done = await finishedBuild(c.url, name, b.json.number as number);
    return { result: done.result as string, log: await consoleText(c.url, name, b.json.number as number) };
  };

  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir('folder-props'), 'home'), port: '0', executors: '2' }));
    for (const role of ['developer', 'viewer']) {
      assert.equal((await api('POST', '/api/v1/users', { name: `fp-${role}`, role, password: `fp-${role}-password-long` })).status, 201);
      tokens[role] = (await api('POST', `/api/v1/users/fp-${role}/tokens`, { name: 'fp' })).json.token as string;
    }
  });
  after(async () => {
    await c?.close();
  });

  test('admins set, read and delete them; others may not; bad keys are refused by property and change nothing', async () => {
    const set = await api('PUT', '/api/v1/folders/team/properties', { properties: [{ key: 'REGISTRY', value: 'registry.team:5000' }, { key: 'TIER', value: 'team' }] });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json.properties.map((p: any) => [p.key, p.value, p.updatedBy]), [['REGISTRY', 'registry.team:5000', 'admin-token'], ['TIER', 'team', 'admin-token']]);
    assert.equal((await api('PUT', '/api/v1/folders/team%2Fsub/properties', { properties: [{ key: 'TIER', value: 'sub' }, { key: 'IMAGE', value: '${REGISTRY}/app:$TIER' }] })).status, 200);
    const got = await api('GET', '/api/v1/folders/team%2Fsub/properties');
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json.properties.map((p: any) => p.key), ['TIER', 'IMAGE']);
    assert.deepEqual(got.json.inherited.map((x: any) => [x.folder, x.properties.map((p: any) => p.key)]), [['team', ['REGISTRY', 'TIER']]]);
    assert.deepEqual(got.json.effective, [
      { key: 'REGISTRY', value: 'registry.team:5000', folder: 'team' },
      { key: 'TIER', value: 'sub', folder: 'team/sub' },
      { key: 'IMAGE', value: '${REGISTRY}/app:$TIER', folder: 'team/sub' },
    ]);

    for (const who of ['developer', 'viewer']) {
      assert.equal((await as(who)('GET', '/api/v1/folders/team/properties')).status, 403, who);
      assert.equal((await as(who)('PUT', '/api/v1/folders/team/properties', { properties: [] })).status, 403, who);
      assert.equal((await as(who)('DELETE', '/api/v1/folders/team/properties')).status, 403, who);
    }
    const bad = async (body: unknown, status: number, re: RegExp) => {
      const r = await api('PUT', '/api/v1/folders/team/properties', body);
      assert.equal(r.status, status, r.text);
      assert.match(r.text, re);
    };
    await bad({ properties: [{ key: 'OK', value: '' }, { key: 'NOT-A-NAME', value: 'x' }] }, 400, /properties\[1\]\.key: \\"NOT-A-NAME\\" is not an environment variable name/);
    await bad({ properties: [{ key: 'A', value: '1' }, { key: 'A', value: '2' }] }, 400, /properties\[1\]\.key: 'A' is given twice/);
    await bad({ properties: [{ key: 'A', value: 'x'.repeat(8193) }] }, 400, /value/);
    await bad({ properties: [{ key: 'A' }] }, 400, /value/);
    await bad({ props: [] }, 400, /props|properties/);
    const r = await api('PUT', '/api/v1/folders/..%2Fetc/properties', { properties: [] });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /folder: invalid folder name/);
    assert.deepEqual((await api('GET', '/api/v1/folders/team/properties')).json.properties.map((p: any) => p.key), ['REGISTRY', 'TIER'], 'a refused PUT changes nothing');

    // Audit: who changed which keys (not the values).
    const audit = await api('GET', '/api/v1/audit?action=folder.properties');
    assert.equal(audit.status, 200, audit.text);
    const details = audit.json.entries.map((e: any) => `${e.target}: ${e.detail}`);
    assert.ok(details.includes('team/sub: properties: TIER, IMAGE (were: none)'), details.join('\n'));

    assert.equal((await api('PUT', '/api/v1/folders/scratch/properties', { properties: [{ key: 'X', value: 'y' }] })).status, 200);
    assert.equal((await api('DELETE', '/api/v1/folders/scratch/properties')).status, 204);
    assert.deepEqual((await api('GET', '/api/v1/folders/scratch/properties')).json.properties, []);
    const none = await api('DELETE', '/api/v1/folders/scratch/properties');
    assert.equal(none.status, 404);
    assert.match(none.text, /folder 'scratch' has no properties/);
  });

  test("a job's withFolderProperties block gets its folders' properties, the nearest winning, over withEnv, in env and sh", async () => {
    const scripted = await run('team/sub/app', `
withEnv(['TIER=from-withEnv']) {
  echo "before: \${env.REGISTRY}"
  withFolderProperties {
    echo "groovy: \${env.REGISTRY} \${env.TIER} \${env.IMAGE}"
    node { sh 'echo "sh: $REGISTRY $TIER"' }
  }
  echo "after: \${env.TIER}"
}`);
    assert.equal(scripted.result, 'SUCCESS', scripted.log);
    assert.match(scripted.log, /\nbefore: null\n/);
    assert.match(scripted.log, /\[Pipeline\] withFolderProperties\n/);
    assert.match(scripted.log, /\ngroovy: registry\.team:5000 sub registry\.team:5000\/app:sub\n/);
    assert.match(scripted.log, /\nsh: registry\.team:5000 sub\n/);
    assert.match(scripted.log, /\nafter: from-withEnv\n/);

    const declarative = await run('team/deploy', `pipeline {
  agent any
  options { withFolderProperties() }
  stages { stage('A') { steps { sh 'echo "decl: $REGISTRY $TIER"' } } }
}`);
    assert.equal(declarative.result, 'SUCCESS', declarative.log);
    assert.match(declarative.log, /\ndecl: registry\.team:5000 team\n/);

    const wrapped = await run('team/sub/old', `node { wrap([$class: 'ParentFolderBuildWrapper']) { echo "wrap: \${env.TIER}" } }`);
    assert.equal(wrapped.result, 'SUCCESS', wrapped.log);
    assert.match(wrapped.log, /\nwrap: sub\n/);

    const outside = await run('toplevel', `withFolderProperties { echo "outside: \${env.REGISTRY}" }`);
    assert.equal(outside.result, 'SUCCESS', outside.log);
    assert.match(outside.log, /\noutside: null\n/);

    // Set on the folder later: the next build sees the change (read when the step runs).
    assert.equal((await api('PUT', '/api/v1/folders/team/properties', { properties: [{ key: 'REGISTRY', value: 'registry.new' }] })).status, 200);
    const again = await api('POST', '/api/v1/jobs/team%2Fdeploy/builds', {});
    await finishedBuild(c.url, 'team/deploy', again.json.number as number);
    assert.match(await consoleText(c.url, 'team/deploy', again.json.number as number), /\ndecl: registry\.new \n/);
  });
});
