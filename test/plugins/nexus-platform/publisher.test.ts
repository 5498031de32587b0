// nexusPublisher on a real controller against an in-test server speaking Nexus Repository
// Manager 3's REST API as documented (no NXRM can run here): POST
// /service/rest/v1/components?repository=<r> with multipart/form-data maven2.* fields and Basic
// authentication (401 without it), 400 with NXRM's message for a release already there, the tag
// endpoints (GET /service/rest/v1/tags/<name>: 404 when missing, POST /service/rest/v1/tags). The
// server is configured in the HTTP services settings (`nexus`), its password in a credential that
// never reaches the console.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { writeFileSync } from 'node:fs';

const PASSWORD = 'nx-pa55-4e2b8c';

interface Part { name: string; fileName: string | null; data: Buffer }
interface Upload { repository: string; parts: Part[] }

/** multipart/form-data as NXRM reads it: parts split on the boundary, each with its disposition. */
function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  assert.ok(boundary, contentType);
  const parts: Part[] = [];
  const sep = Buffer.from(`--${boundary}`);
  let at = body.indexOf(sep);
  while (at >= 0) {
    const next = body.indexOf(sep, at + sep.length);
    if (next < 0) break;
    const chunk = body.subarray(at + sep.length + 2, next - 2);
    const headEnd = chunk.indexOf('\r\n\r\n');
    const head = chunk.subarray(0, headEnd).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)![1]!;
    const fileName = /filename="([^"]*)"/.exec(head)?.[1] ?? null;
    parts.push({ name, fileName, data: chunk.subarray(headEnd + 4) });
    at = next;
  }
  assert.ok(body.subarray(body.length - sep.length - 4).toString('utf8').startsWith(`--${boundary}--`) || body.toString('utf8').endsWith(`--${boundary}--\r\n`));
  return parts;
}

describe('nexusPublisher', () => {
  let c: ControllerHandle;
  let nexus: http.Server;
  let nexusUrl = '';
  const uploads: Upload[] = [];
  const tags = new Set<string>();
  const tagCalls: string[] = [];
  const stored = new Set<string>();
  const api = rawApi(() => c.url);
  before(async () => {
    nexus = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const u = new URL(req.url ?? '/', 'http://x');
        const auth = req.headers.authorization ?? '';
        if (auth !== `Basic ${Buffer.from(`deployer:${PASSWORD}`).toString('base64')}`) {
          res.writeHead(401, { 'WWW-Authenticate': 'BASIC realm="Sonatype Nexus Repository Manager"' }).end();
          return;
        }
        if (req.method === 'GET' && u.pathname.startsWith('/service/rest/v1/tags/')) {
          const name = decodeURIComponent(u.pathname.slice('/service/rest/v1/tags/'.length));
          tagCalls.push(`GET ${name}`);
          if (!tags.has(name)) { res.writeHead(404).end(); return; }
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name, attributes: {} }));
          return;
        }
        if (req.method === 'POST' && u.pathname === '/service/rest/v1/tags') {
          const t = JSON.parse(body.toString('utf8')) as { name: string };
          tagCalls.push(`POST ${t.name}`);
          tags.add(t.name);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name: t.name, attributes: {} }));
          return;
        }
        if (req.method === 'POST' && u.pathname === '/service/rest/v1/components') {
          const repository = u.searchParams.get('repository') ?? '';
          if (repository !== 'maven-releases') {
            res.writeHead(422, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ id: 'repository', message: `Repository '${repository}' does not exist` }]));
            return;
          }
          const parts = parseMultipart(body, String(req.headers['content-type']));
          const gav = ['groupId', 'artifactId', 'version'].map((k) => parts.find((p) => p.name === `maven2.${k}`)?.data.toString('utf8')).join(':');
          if (stored.has(gav)) {
            res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ id: '*', message: 'Repository does not allow updating assets: maven-releases' }]));
            return;
          }
          stored.add(gav);
          uploads.push({ repository, parts });
          res.writeHead(204).end();
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => nexus.listen(0, '127.0.0.1', r));
    nexusUrl = `http://127.0.0.1:${(nexus.address() as AddressInfo).port}/`;
    c = await startController(testConfig({ home: path.join(tempDir('nexus-platform'), 'home'), port: '0', executors: '1' }));
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'nexus-deployer', type: 'usernamePassword', username: 'deployer', password: PASSWORD })).status, 201);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'nexus-wrong', type: 'usernamePassword', username: 'deployer', password: 'wrong-pa55-91c7' })).status, 201);
    const put = await api('PUT', '/api/v1/settings/http-services', { nexus: [{ id: 'nxrm3', url: nexusUrl, credentialsId: 'nexus-deployer' }, { id: 'nxrm-badauth', url: nexusUrl, credentialsId: 'nexus-wrong' }] });
    assert.equal(put.status, 200, put.text);
    const got = await api('GET', '/api/v1/settings/http-services');
    assert.deepEqual(got.json.nexus, [{ id: 'nxrm3', url: nexusUrl, credentialsId: 'nexus-deployer' }, { id: 'nxrm-badauth', url: nexusUrl, credentialsId: 'nexus-wrong' }]);
  });
  after(async () => {
    await c?.close();
    await new Promise<void>((r) => nexus.close(() => r()));
  });

  async function runJob(name: string, script: string): Promise<{ result: string; log: string }> {
    assert.equal((await api('POST', '/api/v1/jobs', { name, script })).status, 201);
    assert.equal((await api('POST', `/api/v1/jobs/${name}/builds`, {})).status, 201);
    const b = await finishedBuild(c.url, name, 1);
    return { result: b.result, log: await consoleText(c.url, name, 1) };
  }

  test('a Maven component with two assets is one multipart upload; a tag is created first; a second upload of the release is refused', async () => {
    const script = `
pipeline {
  agent any
  environment { VERSION = '1.4.2' }
  stages {
    stage('publish') {
      steps {
        sh 'mkdir -p target && printf "jar-bytes\\\\000\\\\377" > target/app.jar && printf "<project/>" > target/app.pom && printf sources > target/app-sources.jar'
        nexusPublisher nexusInstanceId: 'nxrm3', nexusRepositoryId: 'maven-releases', tagName: 'build-\${BUILD_NUMBER}', packages: [
          [$class: 'MavenPackage', mavenAssetList: [[classifier: '', extension: '', filePath: 'target/app.jar'],
                                                   [classifier: 'sources', extension: 'jar', filePath: 'target/app-sources.jar']],
           mavenCoordinate: [artifactId: 'app', groupId: 'com.example', packaging: 'jar', version: '\${VERSION}']]]
      }
    }
  }
}`;
    const { result, log } = await runJob('publish', script);
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^Uploading Maven asset with groupId: com\.example artifactId: app version: 1\.4\.2 To repository: maven-releases$/m);
    assert.match(log, /^Successfully Uploaded Maven Assets$/m);
    assert.ok(!log.includes(PASSWORD));
    assert.deepEqual(tagCalls, ['GET build-1', 'POST build-1']);
    assert.equal(uploads.length, 1);
    const fields = Object.fromEntries(uploads[0]!.parts.filter((p) => p.fileName === null).map((p) => [p.name, p.data.toString('utf8')]));
    assert.deepEqual(fields, {
      'maven2.groupId': 'com.example', 'maven2.artifactId': 'app', 'maven2.version': '1.4.2', 'maven2.packaging': 'jar',
      'maven2.asset2.extension': 'jar', 'maven2.asset2.classifier': 'sources', tag: 'build-1',
    });
    const files = uploads[0]!.parts.filter((p) => p.fileName !== null);
    assert.deepEqual(files.map((p) => [p.name, p.fileName]), [['maven2.asset1', 'app.jar'], ['maven2.asset2', 'app-sources.jar']]);
    assert.deepEqual(files[0]!.data, Buffer.from([...Buffer.from('jar-bytes'), 0, 0xff]));
    assert.equal(files[1]!.data.toString('utf8'), 'sources');

    // The same release again: NXRM refuses it and the step fails with its words.
    const again = await runJob('publish-again', script.replace("tagName: 'build-\${BUILD_NUMBER}', ", ''));
    assert.equal(again.result, 'FAILURE');
    assert.match(again.log, /^Upload of maven component with GAV \[com\.example:app:1\.4\.2\] failed$/m);
    assert.match(again.log, /^Failing build due to failure to upload file to Nexus Repository Manager Publisher$/m);
    assert.match(again.log, /Upload component failed, status 400 \(Bad Request\): Repository does not allow updating assets: maven-releases/);
  });

  test('missing file, unknown instance, wrong password, unknown repository: the plugin\'s lines, nothing uploaded from an incomplete set', async () => {
    const before = uploads.length;
    const missing = await runJob('nx-missing', `node { sh 'printf x > there.jar'
  nexusPublisher nexusInstanceId: 'nxrm3', nexusRepositoryId: 'maven-releases', packages: [[$class: 'MavenPackage',
    mavenAssetList: [[classifier: '', extension: '', filePath: 'there.jar'], [classifier: '', extension: 'pom', filePath: 'missing.pom']],
    mavenCoordinate: [artifactId: 'm', groupId: 'g', packaging: 'jar', version: '1']]] }`);
    assert.equal(missing.result, 'FAILURE');
    assert.match(missing.log, /^missing\.pom does not exist$/m);
    assert.match(missing.log, /^Failing build due to missing expected files for Nexus Repository Manager Publisher$/m);
    const unknown = await runJob('nx-unknown', `node { sh 'printf x > a.jar'
  nexusPublisher nexusInstanceId: 'nope', nexusRepositoryId: 'maven-releases', packages: [[$class: 'MavenPackage',
    mavenAssetList: [[classifier: '', extension: '', filePath: 'a.jar']], mavenCoordinate: [artifactId: 'a', groupId: 'g', packaging: 'jar', version: '1']]] }`);
    assert.equal(unknown.result, 'FAILURE');
    assert.match(unknown.log, /^Nexus Configuration nope not found\.$/m);
    assert.match(unknown.log, /^Failing build due to missing Nexus Configuration$/m);
    const badAuth = await runJob('nx-auth', `node { sh 'printf x > a.jar'
  nexusPublisher nexusInstanceId: 'nxrm-badauth', nexusRepositoryId: 'maven-releases', packages: [[$class: 'MavenPackage',
    mavenAssetList: [[classifier: '', extension: '', filePath: 'a.jar']], mavenCoordinate: [artifactId: 'b', groupId: 'g', packaging: 'jar', version: '1']]] }`);
    assert.equal(badAuth.result, 'FAILURE');
    assert.match(badAuth.log, /Upload of maven component with GAV \[g:b:1\] failed: Upload component failed, status 401/);
    assert.ok(!badAuth.log.includes('wrong-pa55-91c7') && !badAuth.log.includes(PASSWORD));
    const badRepo = await runJob('nx-repo', `node { sh 'printf x > a.jar'
  nexusPublisher nexusInstanceId: 'nxrm3', nexusRepositoryId: 'nowhere', packages: [[$class: 'MavenPackage',
    mavenAssetList: [[classifier: '', extension: '', filePath: 'a.jar']], mavenCoordinate: [artifactId: 'c', groupId: 'g', packaging: 'jar', version: '1']]] }`);
    assert.equal(badRepo.result, 'FAILURE');
    assert.match(badRepo.log, /status 422 \(Unprocessable Entity\): Repository 'nowhere' does not exist/);
    assert.equal(uploads.length, before, 'nothing was stored');
  });

  test('kiln run takes the server from KILN_NEXUS_SERVERS and its credential from the credentials file', async () => {
    const dir = tempDir('nexus-kiln-run');
    writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'nx-creds': { type: 'usernamePassword', username: 'deployer', password: PASSWORD } }));
    writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  writeFile file: 'lib.jar', text: 'library'
  nexusPublisher nexusInstanceId: 'local', nexusRepositoryId: 'maven-releases', packages: [[$class: 'MavenPackage',
    mavenAssetList: [[classifier: '', extension: '', filePath: 'lib.jar']], mavenCoordinate: [artifactId: 'lib', groupId: 'org.kiln', packaging: 'jar', version: '0.9']]]
}
`);
    const before = uploads.length;
    const r = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_NEXUS_SERVERS: `local=${nexusUrl}=nx-creds` } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Successfully Uploaded Maven Assets$/m);
    assert.ok(!r.stdout.includes(PASSWORD));
    assert.equal(uploads.length, before + 1);
    const fields = Object.fromEntries(uploads.at(-1)!.parts.filter((p) => p.fileName === null).map((p) => [p.name, p.data.toString('utf8')]));
    assert.deepEqual(fields, { 'maven2.groupId': 'org.kiln', 'maven2.artifactId': 'lib', 'maven2.version': '0.9', 'maven2.packaging': 'jar' });
  });

  test('the settings refuse a nexus entry without a valid id or URL', async () => {
    const bad = await api('PUT', '/api/v1/settings/http-services', { nexus: [{ id: 'a/b', url: nexusUrl, credentialsId: '' }] });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /nexus\[0\]\.id/);
    const badUrl = await api('PUT', '/api/v1/settings/http-services', { nexus: [{ id: 'x', url: 'ftp://nexus', credentialsId: '' }] });
    assert.equal(badUrl.status, 400, badUrl.text);
  });
});
