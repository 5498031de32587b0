// The Deploy to container plugin's `deploy` / step([$class: 'DeployPublisher']) through `kiln run`
// (the real CLI) against a real HTTP server in this process answering as Tomcat's manager text
// API does: PUT /manager/text/deploy?path=/ctx&update=true with Basic auth of a manager-script
// user; "OK - Deployed application at context path [/ctx]", "FAIL - ..." or a 401.
// A WAR larger than 1 GiB (a sparse file with marked ends) goes to a second such server that
// hashes the body as it arrives, so the step must stream it to pass.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Received, type TestService } from '../http-services/service-helper.ts';

const CREDS = {
  'tc-manager': { type: 'usernamePassword', username: 'deployer', password: 's3cret-pw' },
  'tc-wrong': { type: 'usernamePassword', username: 'deployer', password: 'nope' },
  'a-token': { type: 'secretText', secret: 'x' },
};

let tomcat: TestService;
after(async () => { await tomcat?.close(); });

function answer(r: Received) {
  const u = new URL(r.path, 'http://x');
  if (!u.pathname.startsWith('/manager/text/')) return { status: 404, text: 'Not Found' };
  const auth = Buffer.from(String(r.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
  if (auth !== 'deployer:s3cret-pw') return { status: 401, text: '<html><body>401 Unauthorized</body></html>' };
  if (r.method !== 'PUT' || u.pathname !== '/manager/text/deploy') return { text: `FAIL - Unknown command [${u.pathname}]\n` };
  const ctx = u.searchParams.get('path') ?? '';
  if (ctx === '/locked') return { text: `FAIL - Failed to deploy application at context path [${ctx}]\n` };
  return { text: `OK - Deployed application at context path [${ctx}]\n` };
}

async function run(jenkinsfile: string, env: Record<string, string> = {}) {
  tomcat ??= await startService(answer);
  const dir = tempDir('deploy');
  mkdirSync(path.join(dir, 'target'), { recursive: true });
  writeFileSync(path.join(dir, 'target', 'shop.war'), 'PK-the-shop-war');
  writeFileSync(path.join(dir, 'target', 'admin.war'), 'PK-the-admin-war');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile.replaceAll('TOMCAT', tomcat.url));
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  const r = await runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir, env });
  return { ...r, dir };
}

const deploys = (from: number) => tomcat.received.slice(from).map((x) => `${x.method} ${x.path} ${x.body}`);

test('deploy puts each WAR to each Tomcat with the manager credential, with the plugin\'s console lines', async () => {
  const r = await run(`
pipeline {
  agent any
  stages {
    stage('deploy') {
      steps {
        deploy adapters: [tomcat9(url: 'TOMCAT/', credentialsId: 'tc-manager'), tomcat7(url: 'TOMCAT', credentialsId: 'tc-manager', path: '/manager/text')],
               contextPath: 'store', war: 'target/shop.war'
        deploy adapters: [tomcat8(url: 'TOMCAT', credentialsId: 'tc-manager')], war: 'target/*.war'
      }
    }
  }
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(deploys(0), [
    'PUT /manager/text/deploy?path=%2Fstore&update=true PK-the-shop-war',
    'PUT /manager/text/deploy?path=%2Fstore&update=true PK-the-shop-war',
    'PUT /manager/text/deploy?path=%2Fadmin&update=true PK-the-admin-war',
    'PUT /manager/text/deploy?path=%2Fshop&update=true PK-the-shop-war',
  ]);
  const ws = /^Running on local in (.*)$/m.exec(r.stdout)?.[1] ?? '';
  const war = path.join(ws, 'target', 'shop.war');
  assert.match(r.stdout, /^\[DeployPublisher\]\[INFO\] Attempting to deploy 1 war file\(s\)$/m);
  assert.match(r.stdout, /^\[DeployPublisher\]\[INFO\] Attempting to deploy 2 war file\(s\)$/m);
  assert.ok(r.stdout.includes(`[DeployPublisher][INFO] Deploying ${war} to container Tomcat 9.x Remote with context /store\n`), r.stdout);
  assert.ok(r.stdout.includes(`[DeployPublisher][INFO] Deploying ${war} to container Tomcat 7.x Remote with context /store\n`), r.stdout);
  assert.ok(r.stdout.includes(`[DeployPublisher][INFO] Deploying ${war} to container Tomcat 8.x Remote with context /shop\n`), r.stdout);
  assert.match(r.stdout, /^ {2}OK - Deployed application at context path \[\/store\]$/m);
  assert.ok(!r.stdout.includes('s3cret-pw'));
});

test("step([$class: 'DeployPublisher']) with [$class: 'Tomcat9xAdapter'] deploys; ROOT is the root context", async () => {
  const from = tomcat?.received.length ?? 0;
  const r = await run(`node {
  step([$class: 'DeployPublisher', adapters: [[$class: 'Tomcat9xAdapter', url: 'TOMCAT', credentialsId: 'tc-manager']], contextPath: 'ROOT', war: '**/admin.war', onFailure: false])
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(deploys(from), ['PUT /manager/text/deploy?path=%2F&update=true PK-the-admin-war']);
  assert.match(r.stdout, /to container Tomcat 9\.x Remote with context \/$/m);
});

test("Tomcat's FAIL answer and a refused password fail the build naming the WAR and container", async () => {
  const fail = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-manager')], contextPath: 'locked', war: 'target/shop.war' }`);
  assert.notEqual(fail.code, 0);
  assert.match(fail.stdout, /deploy: Failed to redeploy \[.*shop\.war\] to Tomcat 9\.x Remote at http:\/\/127\.0\.0\.1:\d+: FAIL - Failed to deploy application at context path \[\/locked\]/);
  assert.match(fail.stdout, /Finished: FAILURE/);
  const wrong = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-wrong')], war: 'target/shop.war' }`);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stdout, /The username and password you provided are not correct \(error 401\) \(credentialsId 'tc-wrong'\)/);
  assert.ok(!wrong.stdout.includes('nope'));
  const kind = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'a-token')], war: 'target/shop.war' }`);
  assert.match(kind.stdout, /credentialsId 'a-token' is a secretText credential: Tomcat's manager needs a username\/password credential/);
});

test('no WAR, onFailure: false after a failure, unsupported adapters and hostile paths', async () => {
  const from = tomcat?.received.length ?? 0;
  const none = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT')], war: 'dist/*.war' }`);
  assert.notEqual(none.code, 0);
  assert.match(none.stdout, /\[DeployPublisher\]\[WARN\] No wars found\. Deploy aborted\./);
  const skipped = await run(`node { unstable 'tests'; deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-manager')], war: 'target/*.war', onFailure: false }`);
  assert.match(skipped.stdout, /^\[DeployPublisher\]\[INFO\] Build failed, project not deployed$/m);
  const jboss = await run(`node { step([$class: 'DeployPublisher', adapters: [[$class: 'JBoss7xAdapter', url: 'TOMCAT']], war: 'target/*.war']) }`);
  assert.match(jboss.stdout, /adapters\[0\]: JBoss7xAdapter is not supported by Kiln; the adapters are tomcat7, tomcat8 and tomcat9/);
  const ctx = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-manager')], contextPath: '../x?y', war: 'target/shop.war' }`);
  assert.match(ctx.stdout, /deploy: context path '\.\.\/x\?y' is not a path Tomcat can deploy to/);
  const mgr = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-manager', path: '/manager/../host?x=1')], war: 'target/shop.war' }`);
  assert.match(mgr.stdout, /path '\/manager\/\.\.\/host\?x=1' must be the manager's path, like \/manager\/text/);
  const out = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-manager')], war: '../*.war' }`);
  assert.notEqual(out.code, 0);
  const file = await run(`node { deploy adapters: [tomcat9(url: 'file:///etc/passwd')], war: 'target/shop.war' }`);
  assert.match(file.stdout, /'file:\/\/\/etc\/passwd': only http and https URLs/);
  const priv = await run(`node { deploy adapters: [tomcat9(url: 'TOMCAT', credentialsId: 'tc-manager')], war: 'target/shop.war' }`, { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.match(priv.stdout, /127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network: builds may not reach it/);
  assert.equal(tomcat.received.length, from, 'nothing reached Tomcat');
});

test('deploy without adapters, and an unknown adapter symbol, are lint errors', async () => {
  const dir = tempDir('deploy-lint');
  writeFileSync(path.join(dir, 'Jenkinsfile'), "node { deploy war: 'x.war'\n deploy adapters: [jboss7(url: 'http://x')], war: 'x.war' }\n");
  const r = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /^Jenkinsfile:1:8: Missing required parameter: "adapters"$/m);
  assert.match(r.stdout, /^Jenkinsfile:2:20: No such DSL method 'jboss7' found among steps$/m);
});

test('a WAR larger than 1 GiB is streamed to Tomcat whole and in order (checked by hash)', async () => {
  const dir = tempDir('deploy-big');
  mkdirSync(path.join(dir, 'target'), { recursive: true });
  const war = path.join(dir, 'target', 'big.war');
  const size = 1024 * 1024 * 1024 + 3 * 1024 * 1024 + 7;
  const fd = openSync(war, 'w');
  ftruncateSync(fd, size);
  writeSync(fd, Buffer.from('PK\x03\x04-first-bytes'), 0, undefined, 0);
  writeSync(fd, Buffer.from('middle-marker'), 0, undefined, 512 * 1024 * 1024);
  writeSync(fd, Buffer.from('-last-bytes'), 0, undefined, size - 11);
  closeSync(fd);
  const want = createHash('sha256');
  want.update(Buffer.from('PK\x03\x04-first-bytes'));
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  let at = Buffer.byteLength('PK\x03\x04-first-bytes');
  const zerosTo = (end: number) => { while (at < end) { const n = Math.min(zeros.length, end - at); want.update(zeros.subarray(0, n)); at += n; } };
  zerosTo(512 * 1024 * 1024); want.update(Buffer.from('middle-marker')); at += 13;
  zerosTo(size - 11); want.update(Buffer.from('-last-bytes'));
  const expected = want.digest('hex');
  const got: { path: string; length: string; bytes: number; sha256: string; auth: string }[] = [];
  const server = http.createServer((req, res) => {
    const h = createHash('sha256');
    let bytes = 0;
    req.on('data', (d: Buffer) => { bytes += d.length; h.update(d); });
    req.on('end', () => {
      got.push({ path: req.url ?? '', length: String(req.headers['content-length']), bytes, sha256: h.digest('hex'), auth: String(req.headers.authorization) });
      res.end(`OK - Deployed application at context path [/big]\n`);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(path.join(dir, 'Jenkinsfile'), `node { deploy adapters: [tomcat9(url: '${url}', credentialsId: 'tc-manager')], war: 'target/big.war' }\n`);
    writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
    const r = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}OK - Deployed application at context path \[\/big\]$/m);
    assert.deepEqual(got, [{ path: '/manager/text/deploy?path=%2Fbig&update=true', length: String(size), bytes: size, sha256: expected, auth: `Basic ${Buffer.from('deployer:s3cret-pw').toString('base64')}` }]);
  } finally {
    await new Promise<void>((ok) => server.close(() => ok()));
  }
});
