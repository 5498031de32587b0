// Jenkins' global environment variables (src/controller/global-env.ts): only admins read and set
// them, bad names and values are refused by variable, and every build's steps and Groovy `env`
// get them under what the pipeline sets itself (environment {}, withEnv, parameters).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('global environment variables', () => {
  let c: ControllerHandle;
  let devToken: string;
  const api = rawApi(() => c.url);
  const asDev = (method: string, p: string, body?: unknown) => api(method, p, body, { authorization: `Bearer ${devToken}` });

  before(async () => {
    c = await startController(testConfig({ home: path.join(tempDir('global-env'), 'home'), port: '0', executors: '1' }));
    assert.equal((await api('POST', '/api/v1/users', { name: 'dan', role: 'developer', password: 'dan-password-long-enough' })).status, 201);
    const t = await api('POST', '/api/v1/users/dan/tokens', { name: 'env' });
    assert.equal(t.status, 201, t.text);
    devToken = t.json.token as string;
  });
  after(async () => {
    await c?.close();
  });

  test('only admins read and set them; bad names and values are refused, naming the variable', async () => {
    const empty = await api('GET', '/api/v1/settings/global-env');
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.json, { variables: {} });
    assert.equal((await asDev('GET', '/api/v1/settings/global-env')).status, 403);
    assert.equal((await asDev('PUT', '/api/v1/settings/global-env', { variables: { A: 'b' } })).status, 403);
    const bad = async (body: unknown, re: RegExp) => {
      const r = await api('PUT', '/api/v1/settings/global-env', body);
      assert.equal(r.status, 400, r.text);
      assert.match(String(r.json.message ?? r.text), re);
    };
    await bad({ variables: { '1X': 'a' } }, /variables\.1X: a variable name/);
    await bad({ variables: { KILN_SECRET: 'a' } }, /variables\.KILN_SECRET: KILN_\* names/);
    await bad({ variables: { A: 3 } }, /variables\.A: the value must be a string/);
    await bad({ vars: {} }, /unknown field 'vars'/);
    assert.deepEqual((await api('GET', '/api/v1/settings/global-env')).json, { variables: {} }, 'a refused PUT changes nothing');
  });

  test("every build's steps and env see them, under what the pipeline sets", async () => {
    const put = await api('PUT', '/api/v1/settings/global-env', { variables: { GREETING: 'from-global', REGION: 'eu-west' } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await api('GET', '/api/v1/settings/global-env')).json, { variables: { GREETING: 'from-global', REGION: 'eu-west' } });
    const script = `pipeline {
  agent any
  environment { REGION = 'us-east' }
  stages {
    stage('A') {
      steps {
        sh 'echo "sh: $GREETING $REGION"'
        echo "groovy: \${env.GREETING} \${env.REGION}"
        withEnv(['GREETING=inner']) { sh 'echo "withEnv: $GREETING"' }
      }
    }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'genv', script })).status, 201);
    const b = await api('POST', '/api/v1/jobs/genv/builds', {});
    const done = await finishedBuild(c.url, 'genv', b.json.number as number);
    const log = await consoleText(c.url, 'genv', b.json.number as number);
    assert.equal(done.result, 'SUCCESS', log);
    assert.match(log, /\nsh: from-global us-east\n/);
    assert.match(log, /\ngroovy: from-global us-east\n/);
    assert.match(log, /\nwithEnv: inner\n/);
  });
});
