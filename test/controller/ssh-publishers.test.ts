// Publish Over SSH's servers on a real controller: admins configure them (bad ones refused,
// naming the field; viewers may not read them), and a build's sshPublisher connects to the
// configured server with the credential it names and sends the files there (a real sshd).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startSshd, type TestSshd } from '../backends/sshd.ts';

describe('Publish Over SSH servers', () => {
  let c: ControllerHandle;
  let sshd: TestSshd;
  const dir = tempDir('ssh-publishers');
  const remote = path.join(dir, 'remote');
  const api = rawApi(() => c.url);

  before(async () => {
    sshd = await startSshd();
    mkdirSync(remote, { recursive: true });
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }));
  });
  after(async () => {
    await c?.close();
    await sshd?.stop();
  });

  test('configured by admins, checked field by field; a build publishes to the server by its name', async () => {
    const good = { name: 'web', hostname: '127.0.0.1', port: sshd.port, username: sshd.user, remoteDirectory: remote, credentialsId: 'deploy-key', hostKeyFingerprint: sshd.hostFingerprint };
    for (const [servers, re] of [
      [[{ ...good, hostKeyFingerprint: 'yes' }], /servers\[0\]\.hostKeyFingerprint: the host key's SHA256 fingerprint/],
      [[{ ...good, port: 0 }], /servers\[0\]\.port: a port from 1 to 65535/],
      [[good, good], /servers\[1\]\.name: 'web' is given twice/],
      [[{ ...good, password: 'x' }], /servers\[0\]\.password: not a field of a server/],
    ] as const) {
      const r = await api('PUT', '/api/v1/settings/publish-over-ssh', { servers });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, re);
    }
    const put = await api('PUT', '/api/v1/settings/publish-over-ssh', { servers: [good] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.servers, [{ ...good, timeoutMs: 300000 }]);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'deploy-key', type: 'sshKey', username: sshd.user, privateKey: sshd.clientKey })).status, 201);
    const script = `pipeline {
  agent any
  stages {
    stage('publish') {
      steps {
        sh 'mkdir -p build && echo "release 1" > build/app.txt'
        sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'build/*.txt', removePrefix: 'build', remoteDirectory: 'current', execCommand: 'cat ${remote}/current/app.txt')])])
      }
    }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'publisher', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/publisher/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'publisher', 1);
    const log = await consoleText(c.url, 'publisher', 1);
    assert.equal(b.result, 'SUCCESS', log);
    assert.equal(readFileSync(path.join(remote, 'current', 'app.txt'), 'utf8'), 'release 1\n');
    assert.match(log, /SSH: Transferred 1 file\(s\)/);
  });
});
