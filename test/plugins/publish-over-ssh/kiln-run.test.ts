// sshPublisher under `kiln run`: the servers from KILN_SSH_SERVERS_FILE, the key from
// --credentials, the files sent to a real sshd; a bad servers file fails the step saying why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startSshd, type TestSshd } from '../../backends/sshd.ts';

let sshd: TestSshd;
before(async () => { sshd = await startSshd(); });
after(async () => { await sshd?.stop(); });

test('kiln run publishes to the server of KILN_SSH_SERVERS_FILE with the --credentials key', async () => {
  const dir = tempDir('sshpub-run');
  const remote = path.join(tempDir('sshpub-run-remote'), 'www');
  mkdirSync(remote, { recursive: true });
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  writeFile file: 'site/index.html', text: '<h1>hi</h1>'
  sshPublisher(publishers: [sshPublisherDesc(configName: 'www', transfers: [sshTransfer(sourceFiles: 'site/**', removePrefix: 'site')])])
}
`);
  const servers = path.join(dir, '..', `servers-${path.basename(dir)}.json`);
  writeFileSync(servers, JSON.stringify({ servers: [{ name: 'www', hostname: '127.0.0.1', port: sshd.port, username: sshd.user, remoteDirectory: remote, credentialsId: 'k', hostKeyFingerprint: sshd.hostFingerprint }] }));
  const creds = path.join(dir, '..', `creds-${path.basename(dir)}.json`);
  writeFileSync(creds, JSON.stringify({ k: { type: 'sshKey', username: sshd.user, privateKey: sshd.clientKey } }));
  const r = await runKiln(['run', '--credentials', creds], { cwd: dir, env: { ...process.env, KILN_SSH_SERVERS_FILE: servers } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SSH: Transferred 1 file\(s\)/);
  assert.equal(readFileSync(path.join(remote, 'index.html'), 'utf8'), '<h1>hi</h1>');

  writeFileSync(servers, JSON.stringify({ servers: [{ name: 'www', hostname: '127.0.0.1' }] }));
  const bad = await runKiln(['run', '--credentials', creds], { cwd: dir, env: { ...process.env, KILN_SSH_SERVERS_FILE: servers } });
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /KILN_SSH_SERVERS_FILE \S+: servers\[0\]\.username: a user name/);
});
