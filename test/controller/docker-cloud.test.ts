// A Docker cloud on the controller: saved and tested like a Kubernetes cloud, and used for
// `agent { kubernetes }` when no Kubernetes cloud exists: the pod runs on this machine's engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/app.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, finishedBuild, jsonApi, rawApi, testConfig } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);

before(async () => {
  try {
    execFileSync('docker', ['image', 'inspect', 'kiln-test/busybox:latest'], { stdio: 'ignore' });
  } catch {
    throw new Error('dockerd or the kiln-test/busybox image is missing: run scripts/test-prereqs.sh');
  }
  c = await startController(testConfig({ home: path.join(tempDir('docker-cloud'), 'home'), port: '0' }));
});
after(async () => { await c?.close(); });

test('a Docker cloud: saved, Test Connection, and kubernetes agents run as pods on its engine', async () => {
  const settings = { engineUrl: 'unix:///var/run/docker.sock', defaultAgentImage: 'kiln-test/busybox:latest', concurrencyCap: 2 };
  assert.equal((await raw('PUT', 'api/v1/clouds/local-docker', { type: 'docker', settings })).status, 201);
  assert.match((await api('POST', '/api/v1/clouds/local-docker/test')).message, /^Connected to Docker Engine v\S+ \(API v[\d.]+\)$/);
  const bad = await api('POST', '/api/v1/clouds/test', { type: 'docker', settings: { engineUrl: 'unix:///run/no-such-docker.sock' } });
  assert.equal(bad.ok, false);
  assert.match(bad.message, /no-such-docker\.sock/);
  const invalid = await raw('PUT', 'api/v1/clouds/x', { type: 'docker', settings: { engineUrl: 'http://nope' } });
  assert.equal(invalid.status, 400);
  assert.match(invalid.json.error.message, /^engineUrl: must be unix:\/\/\/path\/to\/docker\.sock or tcp:\/\/host:port/);

  await api('POST', '/api/v1/jobs', { name: 'on-docker', script: `pipeline { agent { kubernetes { yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { container('tool') { sh 'echo "in the tool container"; echo shared > f.txt' }; sh 'cat f.txt' } } } }` });
  const b = await api('POST', '/api/v1/jobs/on-docker/builds', {});
  const done = await finishedBuild(c.url, 'on-docker', b.number);
  const log = await consoleText(c.url, 'on-docker', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\nin the tool container\n/);
  assert.match(log, /\nshared\n/);
  // Nothing left on the engine.
  const left = execFileSync('docker', ['ps', '-aq', '--filter', 'label=kiln.controller'], { encoding: 'utf8' }).trim();
  assert.equal(left, '');
});
