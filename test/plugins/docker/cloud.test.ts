// The Docker cloud setting: parsing with field errors, Test Connection against the real engine
// and against things that are not one, pod templates and the concurrency cap in a pipeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { IMAGES, assertNoLeftovers, requireDocker, runDocker, testLabel } from './harness.ts';
import { CloudConfigError, dockerCloudNodes, parseDockerCloudConfig, testConnection } from '../../../src/plugins/docker/cloud.ts';
import { WaitList } from '../../../src/controller/waitlist.ts';

const label = testLabel();
before(() => requireDocker());
after(() => assertNoLeftovers(label));

const TEMPLATE = `spec:\n  containers:\n  - name: tool\n    image: ${IMAGES.busybox}\n    command: [cat]\n    tty: true\n    env:\n    - name: FROM_TEMPLATE\n      value: "yes"\n`;

test('parseDockerCloudConfig: defaults, and errors that name the field', () => {
  const c = parseDockerCloudConfig({ name: 'local-docker' });
  assert.equal(c.engineUrl, 'unix:///var/run/docker.sock');
  assert.equal(c.concurrencyCap, 0);
  assert.equal(c.defaultAgentImage, 'busybox:latest');
  const bad = (input: unknown, field: string, re: RegExp) => assert.throws(() => parseDockerCloudConfig(input), (e: unknown) => e instanceof CloudConfigError && e.field === field && re.test(e.message));
  bad({}, 'name', /required/);
  bad({ name: 'x', engineUrl: 'http://docker' }, 'engineUrl', /unix:\/\/\/path\/to\/docker\.sock or tcp:\/\/host:port/);
  bad({ name: 'x', concurrencyCap: -1 }, 'concurrencyCap', /whole number/);
  bad({ name: 'x', engineUrl: 'tcp://h:2376', tls: { cert: '-----BEGIN CERTIFICATE-----' } }, 'tls', /cert and key go together/);
  bad({ name: 'x', engineUrl: 'tcp://h:2376', tls: { ca: 'not pem' } }, 'tls.ca', /PEM/);
  bad({ name: 'x', podTemplates: [{ name: 't', yaml: 'spec:\n  containers: []\n' }] }, 'podTemplates[0].yaml', /no containers/);
  bad({ name: 'x', podTemplates: [{ name: 't', yaml: TEMPLATE }, { name: 't', yaml: TEMPLATE }] }, 'podTemplates[1].name', /used twice/);
});

test('testConnection: the real engine, a missing socket, a closed port, a web server that is not Docker, TLS against plain HTTP', async () => {
  const ok = await testConnection(parseDockerCloudConfig({ name: 'd' }));
  assert.equal(ok.ok, true, ok.message);
  assert.match(ok.message, /^Connected to Docker Engine v\d+\.\d+\S* \(API v1\.\d+\)$/);

  const missing = await testConnection(parseDockerCloudConfig({ name: 'd', engineUrl: 'unix:///tmp/kiln-none.sock' }));
  assert.equal(missing.ok, false);
  assert.equal(missing.message, 'cannot reach the Docker engine at unix:///tmp/kiln-none.sock: the socket does not exist (is dockerd running?)');

  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const closedPort = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const refused = await testConnection(parseDockerCloudConfig({ name: 'd', engineUrl: `tcp://127.0.0.1:${closedPort}` }));
  assert.match(refused.message, /connection refused \(is dockerd running and listening there\?\)/);

  const web = http.createServer((_q, res) => { res.statusCode = 404; res.end('<html>nope</html>'); });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const port = (web.address() as AddressInfo).port;
  try {
    const notDocker = await testConnection(parseDockerCloudConfig({ name: 'd', engineUrl: `tcp://127.0.0.1:${port}` }));
    assert.equal(notDocker.ok, false);
    assert.match(notDocker.message, /answered, but not as a Docker engine \(HTTP 404/);
    const tls = await testConnection(parseDockerCloudConfig({ name: 'd', engineUrl: `tcp://127.0.0.1:${port}`, tls: { skipVerify: true } }));
    assert.equal(tls.ok, false);
    assert.match(tls.message, /TLS failed: the port answered without TLS/);
  } finally {
    web.closeAllConnections();
    await new Promise<void>((r) => web.close(() => r()));
  }
});

test('a Docker cloud in a pipeline: inheritFrom a pod template, and a cap of one pod at a time', async () => {
  const slots = new WaitList(); // the host's wait list, as a controller gives it
  const cfg = parseDockerCloudConfig({ name: 'd', concurrencyCap: 1, defaultAgentImage: IMAGES.agent, podTemplates: [{ name: 'tools', label: 'tools', yaml: TEMPLATE }] });
  const r = await runDocker(`
pipeline {
  agent none
  stages {
    stage('Both') {
      parallel {
        stage('A') { agent { kubernetes { inheritFrom 'tools' } } steps { container('tool') { sh 'echo "A template=$FROM_TEMPLATE"; sleep 0.5' } } }
        stage('B') { agent { kubernetes { inheritFrom 'tools'; yaml '''
spec:
  containers:
  - name: extra
    image: ${IMAGES.busybox}
    command: [cat]
    tty: true
''' } } steps { container('extra') { sh 'echo B extra' } container('tool') { sh 'echo "B template=$FROM_TEMPLATE"' } } }
      }
    }
  }
}`, { label, wrap: (nodes) => dockerCloudNodes(nodes, cfg, { labels: { 'kiln.test': label }, slots }) });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /A template=yes/);
  assert.match(r.console, /B extra/);
  assert.match(r.console, /B template=yes/);
  assert.match(r.console, /^(\[[AB]\] )?Waiting for a pod slot on cloud 'd' \(1\/1 in use\)$/m);
  const bad = await runDocker(`pipeline { agent { kubernetes { inheritFrom 'nope' } } stages { stage('S') { steps { echo 'x' } } } }`,
    { label, wrap: (nodes) => dockerCloudNodes(nodes, cfg, { labels: { 'kiln.test': label }, slots }) });
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /inheritFrom 'nope': no pod template of that name \(there are: tools\)/);
});
