// nexusArtifactUploader (the Nexus Artifact Uploader plugin) through `kiln run` against a real
// HTTP server in this process speaking what a Nexus repository does for Maven deploys: PUT of a
// path under /repository/<repo>/ (nexus3) or /content/repositories/<repo>/ (nexus2), Basic
// authentication (401 without it, 403 for a user without the deploy privilege), 400 for a second
// PUT of a release file (a release repository does not allow redeploy), GET of stored files.
// What is checked is what Nexus stores (paths, bytes, checksums, snapshot metadata) and what the
// console shows; hostile coordinates and missing files fail before anything is sent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const PASSWORD = 'nx-Pa55;$(word)';
const CREDS = {
  nexus: { type: 'usernamePassword', username: 'deployer', password: PASSWORD },
  reader: { type: 'usernamePassword', username: 'reader', password: 'r' },
};

interface Nexus { port: number; files: Map<string, Buffer>; received: Map<string, { size: number; sha1: string }>; requests: string[]; close: () => Promise<void> }

/** What the test server keeps of an upload's bytes (beyond it: only their size and SHA-1). */
const KEEP = 1024 * 1024;

async function startNexus(): Promise<Nexus> {
  const files = new Map<string, Buffer>();
  const received = new Map<string, { size: number; sha1: string }>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha1');
    let size = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
      if (size <= KEEP) chunks.push(c);
    });
    req.on('end', () => {
      const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(`${req.method} ${url}`);
      const m = /^\/(?:repository|content\/repositories)\/([^/]+)\/(.+)$/.exec(url);
      if (!m || !['maven-releases', 'maven-snapshots', 'releases'].includes(m[1]!)) { res.writeHead(404).end('Repository not found'); return; }
      const auth = req.headers.authorization ?? '';
      const user = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
      if (req.method === 'PUT') {
        if (user === '') { res.writeHead(401, { 'WWW-Authenticate': 'BASIC realm="Sonatype Nexus Repository Manager"' }).end(); return; }
        if (user === 'reader:r') { res.writeHead(403).end(); return; }
        if (user !== `deployer:${PASSWORD}`) { res.writeHead(401).end(); return; }
        const key = url;
        if (m[1] !== 'maven-snapshots' && files.has(key) && !/\.(sha1|md5)$|maven-metadata\.xml/.test(key)) { res.writeHead(400, 'Repository does not allow updating assets: maven-releases').end(); return; }
        files.set(key, size <= KEEP ? Buffer.concat(chunks) : Buffer.from('(too big to keep)'));
        received.set(key, { size, sha1: hash.digest('hex') });
        res.writeHead(201).end();
        return;
      }
      if (req.method === 'GET') {
        const f = files.get(url);
        if (!f) { res.writeHead(404).end(); return; }
        res.writeHead(200).end(f);
        return;
      }
      res.writeHead(405).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, files, received, requests, close: () => new Promise((r) => server.close(() => r())) };
}

let nexus: Nexus;
after(async () => { await nexus?.close(); });

function project(jenkinsfile: string, files: Record<string, string> = {}): string {
  const dir = tempDir('nexus');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return dir;
}

const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

test('nexus3: each artifact PUT in the Maven layout with its .sha1 and .md5, Basic auth, the plugin\'s console lines, the uploaded URLs returned', async () => {
  nexus ??= await startNexus();
  const dir = project(`node {
  def r = nexusArtifactUploader(nexusVersion: 'nexus3', protocol: 'http', nexusUrl: '127.0.0.1:${nexus.port}', groupId: 'com.example.app',
    version: '1.2.0', repository: 'maven-releases', credentialsId: 'nexus',
    artifacts: [[artifactId: 'app', classifier: '', file: 'target/app.jar', type: 'jar'], [artifactId: 'app', classifier: 'linux', file: 'dist/app.tar.gz', type: 'tar.gz']])
  echo "uploaded: \${r.collect { it.url }.join(' ')}"
}
`, { 'target/app.jar': 'JAR-BYTES', 'dist/app.tar.gz': 'TGZ-BYTES' });
  const r = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const base = '/repository/maven-releases/com/example/app/app/1.2.0';
  assert.deepEqual(nexus.files.get(`${base}/app-1.2.0.jar`)?.toString(), 'JAR-BYTES');
  assert.equal(nexus.files.get(`${base}/app-1.2.0.jar.sha1`)?.toString(), sha1('JAR-BYTES'));
  assert.equal(nexus.files.get(`${base}/app-1.2.0.jar.md5`)?.toString(), md5('JAR-BYTES'));
  assert.equal(nexus.files.get(`${base}/app-1.2.0-linux.tar.gz`)?.toString(), 'TGZ-BYTES');
  const url = `http://127.0.0.1:${nexus.port}${base}`;
  assert.match(r.stdout, /Uploading artifact app\.jar started\.\.\.\.\nGroupId: com\.example\.app\nArtifactId: app\nClassifier: \nType: jar\nVersion: 1\.2\.0\nFile: app\.jar\nRepository:maven-releases\n/);
  assert.ok(r.stdout.includes(`Uploading: ${url}/app-1.2.0.jar\nUploaded: ${url}/app-1.2.0.jar (9 B)\n`), r.stdout);
  assert.match(r.stdout, /Uploading artifact app\.tar\.gz completed\./);
  assert.ok(r.stdout.includes(`Artifact available at: ${url}/app-1.2.0-linux.tar.gz`));
  assert.ok(r.stdout.includes(`uploaded: ${url}/app-1.2.0.jar ${url}/app-1.2.0-linux.tar.gz`));
  assert.doesNotMatch(r.stdout, /Pa55/, 'the password never reaches the console');

  // A release cannot be deployed twice: Nexus' 400 fails the step with the status.
  const again = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir });
  assert.notEqual(again.code, 0);
  assert.ok(again.stdout.includes(`Failed to deploy artifacts: Could not transfer artifact com.example.app:app:jar:1.2.0 from/to maven-releases (http://127.0.0.1:${nexus.port}/repository/maven-releases): Failed to transfer file ${url}/app-1.2.0.jar with status code 400`), again.stdout);
});

test('nexus2 path and a SNAPSHOT: timestamped names, build numbers counting up, maven-metadata.xml with its checksums', async () => {
  nexus ??= await startNexus();
  const jf = `node {
  nexusArtifactUploader nexusVersion: 'nexus2', protocol: 'http', nexusUrl: 'http://127.0.0.1:${nexus.port}/', groupId: 'org.acme',
    version: '2.0-SNAPSHOT', repository: 'maven-snapshots', credentialsId: 'nexus', artifacts: [[artifactId: 'lib', file: 'lib.jar', type: 'jar']]
}
`;
  const dir = project(jf, { 'lib.jar': 'LIB' });
  for (let i = 0; i < 2; i++) {
    const r = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const vdir = '/content/repositories/maven-snapshots/org/acme/lib/2.0-SNAPSHOT';
  const jars = [...nexus.files.keys()].filter((k) => k.startsWith(vdir) && k.endsWith('.jar')).sort();
  assert.equal(jars.length, 2);
  assert.match(jars[0]!, /\/lib-2\.0-\d{8}\.\d{6}-1\.jar$/);
  assert.match(jars[1]!, /\/lib-2\.0-\d{8}\.\d{6}-2\.jar$/);
  const meta = nexus.files.get(`${vdir}/maven-metadata.xml`)!.toString();
  assert.match(meta, /<buildNumber>2<\/buildNumber>/);
  assert.match(meta, /<extension>jar<\/extension>\n\s*<value>2\.0-\d{8}\.\d{6}-2<\/value>/);
  assert.equal(nexus.files.get(`${vdir}/maven-metadata.xml.sha1`)?.toString(), sha1(meta));
  assert.ok(nexus.requests.includes(`GET ${vdir}/maven-metadata.xml`));
});

test('failures: no credential (401), a user without deploy rights (403), a missing file, hostile coordinates, an empty nexusUrl', async () => {
  nexus ??= await startNexus();
  const call = (extra: string, file = 'a.jar', id = 'a') => `nexusArtifactUploader(nexusVersion: 'nexus3', protocol: 'http', nexusUrl: '127.0.0.1:${nexus.port}', groupId: 'g', version: '1', repository: 'maven-releases', ${extra} artifacts: [[artifactId: '${id}', file: '${file}', type: 'jar']])`;
  const run = async (body: string) => runKiln(['run', '--credentials', 'creds.json'], { cwd: project(`node {\n  ${body}\n}\n`, { 'a.jar': 'A' }) });

  let r = await run(call(''));
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /Failed to transfer file .*\/repository\/maven-releases\/g\/a\/1\/a-1\.jar with status code 401/);
  r = await run(call("credentialsId: 'reader',"));
  assert.match(r.stdout, /with status code 403/);

  const before = nexus.requests.length;
  r = await run(call("credentialsId: 'nexus',", 'missing.jar'));
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /missing\.jar file doesn't exist/);
  r = await run(call("credentialsId: 'nexus',", 'a.jar', '../../../etc'));
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /artifacts\[0\]\.artifactId '\.\.\/\.\.\/\.\.\/etc' is not a Maven coordinate/);
  r = await run(call("credentialsId: 'nexus',", '../../outside.jar'));
  assert.notEqual(r.code, 0);
  assert.equal(nexus.requests.length, before, 'nothing sent for a missing file, a hostile coordinate or a file outside the workspace');

  r = await run(`def x = nexusArtifactUploader(nexusVersion: 'nexus3', protocol: 'http', nexusUrl: '', groupId: 'g', version: '1', repository: 'maven-releases', artifacts: [[artifactId: 'a', file: 'a.jar', type: 'jar']])\n  echo "result=\${x}"`);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /Url of the Nexus is empty\. Please enter Nexus Url\.\n[\s\S]*result=\[\]/);
});

test('a file larger than memory should hold (520 MiB, sparse: beyond the 512 MiB it was once held whole up to) is streamed from the workspace; its .sha1 is that of the bytes Nexus received', async () => {
  nexus ??= await startNexus();
  const dir = project(`node {
  nexusArtifactUploader(nexusVersion: 'nexus3', protocol: 'http', nexusUrl: '127.0.0.1:${nexus.port}', groupId: 'com.example', version: '9.0.0',
    repository: 'maven-releases', credentialsId: 'nexus', artifacts: [[artifactId: 'big', file: 'big.bin', type: 'bin']])
}
`);
  const size = 520 * 1024 * 1024;
  writeFileSync(path.join(dir, 'big.bin'), 'head');
  truncateSync(path.join(dir, 'big.bin'), size);
  const r = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const key = '/repository/maven-releases/com/example/big/9.0.0/big-9.0.0.bin';
  const got = nexus.received.get(key);
  assert.equal(got?.size, size);
  assert.equal(nexus.files.get(`${key}.sha1`)?.toString(), got?.sha1, 'the checksum file matches what was received');
  assert.match(r.stdout, /Uploaded: .*big-9\.0\.0\.bin \(545 MB\)/);
});
