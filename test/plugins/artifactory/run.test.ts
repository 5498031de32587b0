// The Artifactory plugin's steps through `kiln run` (the real CLI) against a real HTTP server in
// this process that speaks Artifactory's REST API (artifactory-server.ts): what Artifactory
// receives (paths, matrix properties, checksum headers, auth, the build info JSON) and what the
// console shows; bad credentials, a missing repository, File Specs leaving the workspace.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startArtifactory, type FakeArtifactory } from './artifactory-server.ts';

const PASSWORD = 'art-Pa55word-xyz';
const TOKEN = 'cmVmdGtuOjAxOjE3secret-access-token';
const CREDS = {
  'art-creds': { type: 'usernamePassword', username: 'deployer', password: PASSWORD },
  'art-token': { type: 'secretText', secret: TOKEN },
  'bad-creds': { type: 'usernamePassword', username: 'deployer', password: 'wrong' },
};

let art: FakeArtifactory;
after(async () => { await art?.close(); });
async function artifactory(): Promise<FakeArtifactory> {
  art ??= await startArtifactory({ user: 'deployer', password: PASSWORD, token: TOKEN, repos: ['libs-release', 'generic-local'] });
  return art;
}

function project(jenkinsfile: string, files: Record<string, string | Buffer> = {}): string {
  const dir = tempDir('artifactory');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  for (const [f, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), data);
  }
  return dir;
}
const run = (dir: string, env: Record<string, string> = {}) => runKiln(['run', '--job', 'team/shop', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '', ...env } });
const sha1 = (b: string | Buffer) => createHash('sha1').update(b).digest('hex');

const BIG = Buffer.alloc(20 * 1024, 7); // over 10 KB: a checksum deploy is tried first

test('declarative rtServer + rtUpload: files by pattern with placeholders, props as matrix params, checksums; build info published', async () => {
  const a = await artifactory();
  const dir = project(`
pipeline {
  agent any
  environment { RELEASE = '1.2'; DB_PASSWORD = 'not-for-build-info' }
  stages {
    stage('publish') {
      steps {
        rtServer(id: 'art', url: '${a.url}', credentialsId: 'art-creds')
        rtBuildInfo(captureEnv: true, excludeEnvPatterns: ['HOME'])
        rtUpload(serverId: 'art', spec: '''{"files": [
          {"pattern": "target/(*)-(*).jar", "target": "libs-release/acme/{1}/{2}/", "props": "team=core;qa=a,b"},
          {"pattern": "dist/", "target": "generic-local/shop/", "flat": "false", "exclusions": ["*.tmp"]}
        ]}''')
        rtPublishBuildInfo(serverId: 'art')
      }
    }
  }
}`, { 'target/app-1.2.jar': 'jar bytes', 'target/notes.txt': 'x', 'dist/web/index.html': '<html>', 'dist/big.bin': BIG, 'dist/skip.tmp': 'tmp' });
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^Deploying artifact: ${a.url}/libs-release/acme/app/1\\.2/app-1\\.2\\.jar$`, 'm'));
  assert.match(r.stdout, new RegExp(`^Deploying artifact: ${a.url}/generic-local/shop/dist/web/index\\.html$`, 'm'));
  assert.match(r.stdout, new RegExp(`^Deploying build info to: ${a.url}/api/build$`, 'm'));
  assert.match(r.stdout, new RegExp(`^Build successfully deployed\\. Browse it in Artifactory under ${a.url}/webapp/builds/team%20%3A%3A%20shop/1$`, 'm'));
  assert.ok(!r.stdout.includes(PASSWORD));

  const jar = a.files.get('libs-release/acme/app/1.2/app-1.2.jar');
  assert.ok(jar, [...a.files.keys()].join(', '));
  assert.equal(jar.data.toString(), 'jar bytes');
  assert.deepEqual(jar.props.team, ['core']);
  assert.deepEqual(jar.props.qa, ['a', 'b']);
  assert.deepEqual(jar.props['build.name'], ['team :: shop']);
  assert.deepEqual(jar.props['build.number'], ['1']);
  assert.ok(a.files.has('generic-local/shop/dist/big.bin'));
  assert.ok(!a.files.has('generic-local/shop/dist/skip.tmp'));
  assert.ok(![...a.files.keys()].some((k) => k.endsWith('notes.txt')));
  const put = a.requests.find((x) => x.method === 'PUT' && x.path.startsWith('/artifactory/libs-release/acme/app/1.2/app-1.2.jar;'))!;
  assert.equal(put.headers['x-checksum-sha1'], sha1('jar bytes'));
  assert.equal(put.headers['x-checksum-sha256'], createHash('sha256').update('jar bytes').digest('hex'));
  assert.equal(put.headers['x-checksum-md5'], createHash('md5').update('jar bytes').digest('hex'));
  assert.equal(put.headers.authorization, `Basic ${Buffer.from(`deployer:${PASSWORD}`).toString('base64')}`);
  // the big file: a checksum deploy first (no body, 404: unknown content), then the upload
  const bigPuts = a.requests.filter((x) => x.method === 'PUT' && x.path.startsWith('/artifactory/generic-local/shop/dist/big.bin'));
  assert.deepEqual(bigPuts.map((x) => [x.headers['x-checksum-deploy'] ?? '', x.body.length]), [['true', 0], ['', BIG.length]]);

  const bi = a.builds.at(-1) as Record<string, any>;
  assert.equal(bi.name, 'team :: shop');
  assert.equal(bi.number, '1');
  assert.match(bi.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  assert.equal(bi.modules.length, 1);
  assert.equal(bi.modules[0].id, 'team :: shop');
  const names = bi.modules[0].artifacts.map((x: { name: string }) => x.name).sort();
  assert.deepEqual(names, ['app-1.2.jar', 'big.bin', 'index.html']);
  const jarArt = bi.modules[0].artifacts.find((x: { name: string }) => x.name === 'app-1.2.jar');
  assert.deepEqual(jarArt, { name: 'app-1.2.jar', type: 'jar', path: 'acme/app/1.2/app-1.2.jar', sha1: sha1('jar bytes'), sha256: createHash('sha256').update('jar bytes').digest('hex'), md5: createHash('md5').update('jar bytes').digest('hex'), originalDeploymentRepo: 'libs-release' });
  assert.equal(bi.properties['buildInfo.env.RELEASE'], '1.2');
  assert.equal(bi.properties['buildInfo.env.HOME'], undefined);
  assert.equal(bi.properties['buildInfo.env.DB_PASSWORD'], undefined);
  assert.ok(!JSON.stringify(bi).includes(PASSWORD) && !JSON.stringify(bi).includes('not-for-build-info'));
});

test('the second upload of a big file is a checksum deploy only; rtDownload by pattern and by AQL, into the build info as dependencies', async () => {
  const a = await artifactory();
  const dir = project(`
node {
  rtServer id: 'art', url: '${a.url}', credentialsId: 'art-token'
  rtBuildInfo buildName: 'consumer', buildNumber: '3', startDate: '2026-01-02T03:04:05.678+0000'
  rtUpload serverId: 'art', buildName: 'deps', buildNumber: '7', spec: '{"files": [{"pattern": "big.bin", "target": "generic-local/copy/again.bin"}, {"pattern": "lib/*.jar", "target": "libs-release/dl/"}]}'
  rtDownload serverId: 'art', buildName: 'consumer', buildNumber: '3', spec: '{"files": [{"pattern": "libs-release/dl/*.jar", "target": "deps/"}, {"aql": {"items.find": {"repo": "generic-local", "name": {"$match": "again.*"}}}, "target": "aql/", "flat": "true"}]}'
  rtDownload serverId: 'art', spec: '{"files": [{"pattern": "libs-release/dl/*.jar", "target": "last/", "flat": "true", "sortBy": ["name"], "sortOrder": "desc", "limit": 1}]}'
  echo "last: " + fileExists('last/b.jar') + " " + fileExists('last/a.jar')
  rtPublishBuildInfo serverId: 'art', buildName: 'consumer', buildNumber: '3'
  echo "jar: " + readFile('deps/dl/a.jar') + " " + readFile('deps/dl/b.jar')
  echo "again: " + fileExists('aql/again.bin')
}`, { 'big.bin': BIG, 'lib/a.jar': 'A-jar', 'lib/b.jar': 'B-jar' });
  const before = a.requests.length;
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const mine = a.requests.slice(before);
  const again = mine.filter((x) => x.method === 'PUT' && x.path.startsWith('/artifactory/generic-local/copy/again.bin'));
  assert.equal(again.length, 1, 'the checksum deploy was enough');
  assert.equal(again[0]!.headers['x-checksum-deploy'], 'true');
  assert.equal(again[0]!.headers.authorization, `Bearer ${TOKEN}`);
  assert.ok(!r.stdout.includes(TOKEN));
  assert.match(r.stdout, /^jar: A-jar B-jar$/m);
  assert.match(r.stdout, /^last: true false$/m);
  assert.match(r.stdout, /^again: true$/m);
  const aqlReq = mine.filter((x) => x.path === '/artifactory/api/search/aql');
  assert.equal(aqlReq.length, 3);
  assert.equal(aqlReq[0]!.headers['content-type'], 'text/plain');
  assert.match(aqlReq[0]!.body.toString(), /^items\.find\(.*"repo":"libs-release".*\)\.include\("name","repo","path","actual_md5","actual_sha1","sha256","size","type"\)$/);
  const bi = a.builds.at(-1) as Record<string, any>;
  assert.equal(bi.name, 'consumer');
  assert.equal(bi.started, '2026-01-02T03:04:05.678+0000');
  assert.deepEqual(bi.modules[0].dependencies.map((d: { id: string; sha1: string }) => [d.id, d.sha1]).sort(), [['a.jar', sha1('A-jar')], ['again.bin', sha1(BIG)], ['b.jar', sha1('B-jar')]]);
});

test('scripted API: Artifactory.newServer, newBuildInfo, server.upload/download/publishBuildInfo/promote', async () => {
  const a = await artifactory();
  const dir = project(`
node {
  def server = Artifactory.newServer url: '${a.url}', credentialsId: 'art-creds'
  def bi = Artifactory.newBuildInfo()
  bi.name = 'scripted'
  bi.env.capture = true
  def up = '{"files": [{"pattern": "out/*.zip", "target": "generic-local/scripted/"}]}'
  server.upload spec: up, buildInfo: bi
  def bi2 = server.download('{"files": [{"pattern": "generic-local/scripted/*.zip", "target": "back/", "flat": "true"}]}', bi)
  echo "same=\${bi2.name == bi.name} number=\${bi.number}"
  server.publishBuildInfo bi
  server.promote targetRepo: 'libs-release', buildName: bi.name, buildNumber: bi.number, status: 'Released', copy: true
  echo readFile('back/pkg.zip')
}`, { 'out/pkg.zip': 'zip-bytes' });
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^same=true number=1$/m);
  assert.match(r.stdout, /^zip-bytes$/m);
  assert.ok(a.files.has('generic-local/scripted/pkg.zip'));
  const bi = a.builds.find((b) => (b as { name: string }).name === 'scripted') as Record<string, any>;
  assert.ok(bi, 'published');
  assert.equal(bi.modules[0].artifacts[0].name, 'pkg.zip');
  assert.equal(bi.modules[0].dependencies[0].id, 'pkg.zip');
  assert.equal(bi.properties['buildInfo.env.JOB_NAME'], 'team/shop');
  const p = a.promotions.at(-1)!;
  assert.deepEqual([p.name, p.number], ['scripted', '1']);
  assert.equal((p.body as { targetRepo: string }).targetRepo, 'libs-release');
  assert.equal((p.body as { copy: boolean }).copy, true);
  assert.equal((p.body as { status: string }).status, 'Released');
});

test('a server configured on the host (KILN_ARTIFACTORY_SERVERS) by id; Artifactory.server(id)', async () => {
  const a = await artifactory();
  const dir = project(`
node {
  def server = Artifactory.server 'central'
  server.upload '{"files": [{"pattern": "a.txt", "target": "generic-local/host/"}]}'
  rtUpload serverId: 'central', spec: '{"files": [{"pattern": "a.txt", "target": "generic-local/host2/"}]}'
}`, { 'a.txt': 'A' });
  const r = await run(dir, { KILN_ARTIFACTORY_SERVERS: `central=${a.url}=art-creds` });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(a.files.has('generic-local/host/a.txt') && a.files.has('generic-local/host2/a.txt'));
  const unknown = await run(project(`node { rtUpload serverId: 'nope', spec: '{"files": [{"pattern": "a", "target": "generic-local/"}]}' }`));
  assert.equal(unknown.code, 1);
  assert.match(unknown.stdout, /rtUpload: no Artifactory server 'nope': define it with rtServer\(id: 'nope', url: \.\.\.\) first/);
});

test("Artifactory's errors: 401 on bad credentials, 404 on a missing repository, failNoOp; nothing secret printed", async () => {
  const a = await artifactory();
  const bad = await run(project(`node {
  rtServer id: 'art', url: '${a.url}', credentialsId: 'bad-creds'
  rtUpload serverId: 'art', spec: '{"files": [{"pattern": "a.txt", "target": "generic-local/x/"}]}'
  echo 'not reached'
}`, { 'a.txt': 'A' }));
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /rtUpload: Failed to deploy file generic-local\/x\/a\.txt: HTTP 401 Unauthorized: Bad credentials/);
  assert.doesNotMatch(bad.stdout, /not reached/);
  assert.doesNotMatch(bad.stdout, /Basic |d3Jvbmc/);

  const repo = await run(project(`node {
  rtServer id: 'art', url: '${a.url}', username: 'deployer', password: '${PASSWORD}'
  rtUpload serverId: 'art', spec: '{"files": [{"pattern": "a.txt", "target": "no-such-repo/x/"}]}'
}`, { 'a.txt': 'A' }));
  assert.equal(repo.code, 1);
  assert.match(repo.stdout, /rtUpload: Failed to deploy file no-such-repo\/x\/a\.txt: HTTP 404 Not Found: Repository 'no-such-repo' not found/);

  const noop = await run(project(`node {
  rtServer id: 'art', url: '${a.url}', credentialsId: 'art-creds'
  rtUpload serverId: 'art', spec: '{"files": [{"pattern": "nothing/*.jar", "target": "generic-local/x/"}]}'
  echo 'no files is fine'
  rtDownload serverId: 'art', failNoOp: true, spec: '{"files": [{"pattern": "generic-local/none/*.zip"}]}'
}`));
  assert.equal(noop.code, 1);
  assert.match(noop.stdout, /^no files is fine$/m);
  assert.match(noop.stdout, /rtDownload: Fail-no-op: No files were affected in the download process\./);
});

test('File Specs that leave the workspace, bad specs and bad URLs are errors that name the field', async () => {
  const a = await artifactory();
  const cases: [string, RegExp][] = [
    [`rtUpload serverId: 'art', spec: '{"files": [{"pattern": "../*.txt", "target": "generic-local/x/"}]}'`, /rtUpload: files\[0\]\.pattern: '\.\.\/\*\.txt' leaves the workspace/],
    [`rtUpload serverId: 'art', spec: '{"files": [{"pattern": "/etc/passwd", "target": "generic-local/x/"}]}'`, /rtUpload: files\[0\]\.pattern: '\/etc\/passwd' is absolute/],
    [`rtUpload serverId: 'art', spec: '{"files": [{"pattern": "a.txt", "target": "generic-local/../other/"}]}'`, /rtUpload: files\[0\]\.target: 'generic-local\/\.\.\/other\/a\.txt'|is not a path inside the repository/],
    [`rtDownload serverId: 'art', spec: '{"files": [{"pattern": "generic-local/host/a.txt", "target": "../escape/"}]}'`, /rtDownload: files\[0\]: item 'generic-local\/host\/a\.txt' would be written to '\.\.\/escape\/host\/a\.txt', outside the workspace/],
    [`rtUpload serverId: 'art', specPath: '../spec.json'`, /rtUpload: specPath '\.\.\/spec\.json' leaves the workspace/],
    [`rtUpload serverId: 'art', spec: '{"files": [{"patern": "a.txt", "target": "generic-local/"}]}'`, /rtUpload: bad File Spec: files\[0\]\.patern: unknown File Spec field/],
    [`rtUpload serverId: 'art', spec: 'not json'`, /rtUpload: bad File Spec: the spec is not JSON/],
  ];
  for (const [line, re] of cases) {
    const r = await run(project(`node {\n  rtServer id: 'art', url: '${a.url}', credentialsId: 'art-creds'\n  ${line}\n}`, { 'a.txt': 'A' }), { KILN_ARTIFACTORY_SERVERS: '' });
    assert.equal(r.code, 1, line + '\n' + r.stdout);
    assert.match(r.stdout, re, line);
  }
  const url = await run(project(`node { rtServer id: 'art', url: 'http://user:pw@example.com/artifactory' }`));
  assert.equal(url.code, 1);
  assert.match(url.stdout, /rtServer: no user or password in the URL: give credentialsId/);
});

test('rtSetProps / rtDeleteProps change the properties of the artifacts a spec finds; a download of an unchanged local file is skipped', async () => {
  const a = await artifactory();
  const dir = project(`
node {
  rtServer id: 'art', url: '${a.url}', credentialsId: 'art-creds'
  rtUpload serverId: 'art', spec: '{"files": [{"pattern": "p/*.txt", "target": "generic-local/props/"}]}'
  rtSetProps serverId: 'art', spec: '{"files": [{"pattern": "generic-local/props/*.txt", "exclusions": ["*/b.txt"]}]}', props: 'status=tested;owners=a,b;build=x=y'
  rtDeleteProps serverId: 'art', spec: '{"files": [{"pattern": "generic-local/props/a.txt"}]}', props: 'owners'
  rtDownload serverId: 'art', spec: '{"files": [{"pattern": "generic-local/props/a.txt", "target": "p/", "flat": "true"}]}'
  rtSetProps serverId: 'art', failNoOp: true, spec: '{"files": [{"pattern": "generic-local/none/*"}]}', props: 'x=1'
}`, { 'p/a.txt': 'A', 'p/b.txt': 'B' });
  const r = await run(dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^Setting properties on generic-local\/props\/a\.txt$/m);
  assert.doesNotMatch(r.stdout, /Setting properties on generic-local\/props\/b\.txt/);
  assert.match(r.stdout, /^Deleting properties of generic-local\/props\/a\.txt$/m);
  assert.match(r.stdout, /^p\/a\.txt: the file exists locally with the same checksum, not downloaded again$/m);
  assert.match(r.stdout, /rtSetProps: Fail-no-op: No files were affected in the set properties process\./);
  const fa = a.files.get('generic-local/props/a.txt')!;
  assert.deepEqual(fa.props.status, ['tested']);
  assert.equal(fa.props.owners, undefined);
  assert.deepEqual(fa.props.build, ['x=y']);
  assert.equal(a.files.get('generic-local/props/b.txt')!.props.status, undefined);
});

test("a server the build defines may not reach the Kiln server's own network unless allowed; a configured one may", async () => {
  const a = await artifactory();
  const env = { KILN_HTTP_REQUEST_PRIVATE: 'false' }; // as on a controller
  const own = await run(project(`node {
  rtServer id: 'art', url: '${a.url}', credentialsId: 'art-creds'
  rtUpload serverId: 'art', spec: '{"files": [{"pattern": "a.txt", "target": "generic-local/guard/"}]}'
}`, { 'a.txt': 'A' }), env);
  assert.equal(own.code, 1, own.stdout);
  assert.match(own.stdout, /rtUpload: 127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network: a server defined in the build may not reach it unless an administrator allows the host/);
  assert.ok(!a.files.has('generic-local/guard/a.txt'));
  const scripted = await run(project(`node {
  def server = Artifactory.newServer url: '${a.url.replace('127.0.0.1', 'localhost')}', credentialsId: 'art-creds'
  server.upload '{"files": [{"pattern": "a.txt", "target": "generic-local/guard/"}]}'
}`, { 'a.txt': 'A' }), env);
  assert.equal(scripted.code, 1, scripted.stdout);
  assert.match(scripted.stdout, /rtUpload: localhost is (127\.0\.0\.1|::1), an address of the Kiln server's own network/);
  const configured = await run(project(`node { rtUpload serverId: 'central', spec: '{"files": [{"pattern": "a.txt", "target": "generic-local/guard/"}]}' }`, { 'a.txt': 'A' }), { ...env, KILN_ARTIFACTORY_SERVERS: `central=${a.url}=art-creds` });
  assert.equal(configured.code, 0, configured.stdout);
  assert.ok(a.files.has('generic-local/guard/a.txt'));
});
