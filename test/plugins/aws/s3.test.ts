// The S3 steps of Pipeline: AWS Steps through `kiln run` (the real CLI) inside withAWS, against
// an S3 in this process (s3-server.ts) that speaks S3's REST API over real HTTP and verifies
// the SigV4 signature of every request with the credential's secret: what S3 ends up holding,
// what the workspace ends up holding, the console lines, and the errors (no credentials, no
// bucket, NoSuchKey, a wrong secret, AccessDenied, hostile keys and answers).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startS3, type S3Server } from './s3-server.ts';

const ID = 'AKIAKILNTEST0001';
const SECRET = 'kiln/secret+Key0123456789abcdefABCDEF';
const CREDS = {
  'aws-keys': { type: 'usernamePassword', username: ID, password: SECRET },
  'aws-wrong': { type: 'usernamePassword', username: ID, password: 'not-the-secret' },
};

const servers: S3Server[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });
async function s3(buckets = ['acme']): Promise<S3Server> {
  const s = await startS3({ [ID]: SECRET }, buckets);
  servers.push(s);
  return s;
}

function project(jenkinsfile: string, files: Record<string, string | Buffer> = {}): string {
  const dir = tempDir('aws-s3');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  for (const [f, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), data);
  }
  return dir;
}
const run = (dir: string, env: Record<string, string> = {}) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir, env });
const inAws = (server: S3Server, body: string, cred = 'aws-keys') => `node { withAWS(credentials: '${cred}', region: 'eu-west-1', endpointUrl: '${server.url}') {\n${body}\n} }`;
/** The build's workspace: `kiln run` works in a copy of the project. */
const wsOf = (dir: string) => path.join(dir, '.kiln/workspace/1');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('s3Upload: a file, a text, a pattern under workingDir and a directory, with their headers; every request signed', async () => {
  const srv = await s3();
  const dir = project(inAws(srv, `
  def r = s3Upload(file: 'dist/app.zip', bucket: 'acme', path: 'releases/', metadatas: ['team:web', 'build:42'], acl: 'PublicRead', cacheControl: 'max-age=60', tags: '[env:prod, tier:web]')
  echo "returned \${r}"
  s3Upload(text: 'hello s3', bucket: 'acme', path: 'notes/hello.txt', contentType: 'text/plain')
  s3Upload(includePathPattern: '**/*.html', excludePathPattern: 'skip/**', workingDir: 'site', bucket: 'acme', path: 'web')
  s3Upload(file: 'site', bucket: 'acme', path: 'mirror/')
  s3Upload(includePathPattern: '**/*.none', bucket: 'acme', path: 'x/')`), {
    'dist/app.zip': Buffer.from('PK zip bytes'), 'site/index.html': '<h1>hi</h1>', 'site/a/b.html': 'b', 'site/skip/c.html': 'c', 'site/style.css': 'body{}',
  });
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^Uploading file:${wsOf(dir).replace(/[/.]/g, '\\$&')}/dist/app\\.zip to s3://acme/releases/ $`, 'm'));
  assert.match(r.stdout, /^Finished: upload of s3:\/\/acme\/releases\/app\.zip$/m);
  assert.match(r.stdout, /^Uploading file:\/.*\/site\/ to s3:\/\/acme\/mirror\/ $/m);
  assert.match(r.stdout, /^returned s3:\/\/acme\/releases\/$/m);
  assert.match(r.stdout, /^Uploading text string to s3:\/\/acme\/notes\/hello\.txt $/m);
  assert.match(r.stdout, /^Finished: upload of text to s3:\/\/acme\/notes\/hello\.txt$/m);
  assert.match(r.stdout, /^Uploading \*\*\/\*\.html to s3:\/\/acme\/web $/m);
  assert.match(r.stdout, /^Finished: upload to s3:\/\/acme\/web$/m);
  assert.match(r.stdout, /^Nothing to upload$/m);
  assert.equal(r.stdout.match(/^Upload complete$/gm)?.length, 4);
  const b = srv.buckets.get('acme')!;
  const app = b.get('releases/app.zip')!;
  assert.equal(app.data.toString(), 'PK zip bytes');
  assert.equal(app.headers['x-amz-meta-team'], 'web');
  assert.equal(app.headers['x-amz-meta-build'], '42');
  assert.equal(app.headers['x-amz-acl'], 'public-read');
  assert.equal(app.headers['cache-control'], 'max-age=60');
  assert.equal(app.headers['x-amz-tagging'], 'env=prod&tier=web');
  assert.equal(app.headers['content-type'], 'application/zip');
  assert.equal(b.get('notes/hello.txt')!.data.toString(), 'hello s3');
  assert.deepEqual([...b.keys()].filter((k) => k.startsWith('web/')).sort(), ['web/a/b.html', 'web/index.html']);
  assert.equal(b.get('web/index.html')!.headers['content-type'], 'text/html');
  assert.deepEqual([...b.keys()].filter((k) => k.startsWith('mirror/')).sort(), ['mirror/a/b.html', 'mirror/index.html', 'mirror/skip/c.html', 'mirror/style.css']);
  assert.equal(srv.seen.length, 8, 'one PUT per file: 1 + 1 (text) + 2 (pattern) + 4 (directory)');
  assert.deepEqual(srv.seen.filter((s) => !(s.auth === 'header' && String(s.headers.authorization).startsWith(`AWS4-HMAC-SHA256 Credential=${ID}/`))), []);
  assert.doesNotMatch(r.stdout + r.stderr, /secret\+Key0123/);
});

test('a 20 MiB file goes up in 8 MiB parts (multipart) and comes back whole with s3Download', async () => {
  const srv = await s3();
  const big = Buffer.alloc(20 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  const dir = project(inAws(srv, `
  s3Upload(file: 'big.bin', bucket: 'acme', path: 'big/big.bin')
  s3Download(file: 'back/big.bin', bucket: 'acme', path: 'big/big.bin')`), { 'big.bin': big });
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(sha(srv.buckets.get('acme')!.get('big/big.bin')!.data), sha(big));
  const parts = srv.seen.filter((s) => s.method === 'PUT' && s.query.has('partNumber'));
  assert.deepEqual(parts.map((p) => p.bodyBytes), [8 * 1024 * 1024, 8 * 1024 * 1024, 4 * 1024 * 1024 + 123]);
  assert.ok(srv.seen.some((s) => s.method === 'POST' && s.query.has('uploads')));
  assert.ok(Math.max(...srv.seen.map((s) => s.bodyBytes)) <= 16 * 1024 * 1024, 'no request carries more than one part');
  assert.match(r.stdout, /^ Finished: Downloading from acme\/big\/big\.bin$/m);
  assert.match(r.stdout, /^Download complete$/m);
  assert.equal(sha(readFileSync(path.join(wsOf(dir), 'back/big.bin'))), sha(big));
});

test('a part S3 refuses fails the upload, which is aborted (DELETE ?uploadId): no object is left', async () => {
  const srv = await s3();
  srv.intercept = (req, res) => {
    if (!(req.method === 'PUT' && (req.url ?? '').includes('partNumber=2'))) return false;
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ500' });
      res.end('<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
    });
    return true;
  };
  const r = await run(project(inAws(srv, `s3Upload(file: 'big.bin', bucket: 'acme', path: 'big.bin')`), { 'big.bin': Buffer.alloc(17 * 1024 * 1024, 7) }));
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /We encountered an internal error\. Please try again\. \(Service: Amazon S3; Status Code: 500; Error Code: InternalError; Request ID: REQ500\)/);
  assert.doesNotMatch(r.stdout, /^Upload complete$/m);
  assert.ok(srv.seen.some((x) => x.method === 'DELETE' && x.query.has('uploadId')), 'the multipart upload is aborted');
  assert.equal(srv.buckets.get('acme')!.size, 0);
});

test('s3Download: an existing target fails unless force; a prefix lands under the target directory by key', async () => {
  const srv = await s3();
  const b = srv.buckets.get('acme')!;
  for (const [k, v] of [['rel/1.0/a.txt', 'A'], ['rel/1.0/sub/b.txt', 'B'], ['rel/1.0/', ''], ['other.txt', 'O']] as const) b.set(k, { data: Buffer.from(v), headers: {}, lastModified: new Date() });
  const exists = await run(project(inAws(srv, `s3Download(file: 'other.txt', bucket: 'acme', path: 'other.txt')`), { 'other.txt': 'mine' }));
  assert.equal(exists.code, 1, exists.stdout);
  assert.match(exists.stdout, /^ Download failed due to existing target file; set force=true to overwrite target file$/m);
  assert.match(exists.stdout, /Target exists: file:\/.*\/other\.txt/);
  const dir = project(inAws(srv, `
  s3Download(file: 'other.txt', bucket: 'acme', path: 'other.txt', force: true)
  s3Download(file: 'out', bucket: 'acme', path: 'rel/1.0/')`), { 'other.txt': 'mine' });
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(path.join(wsOf(dir), 'other.txt'), 'utf8'), 'O');
  assert.equal(readFileSync(path.join(wsOf(dir), 'out/rel/1.0/a.txt'), 'utf8'), 'A');
  assert.equal(readFileSync(path.join(wsOf(dir), 'out/rel/1.0/sub/b.txt'), 'utf8'), 'B');
  assert.match(r.stdout, /^Downloading s3:\/\/acme\/rel\/1\.0\/ to file:\/.*\/out $/m);
  assert.match(r.stdout, /^ Finished: Downloading from acme\/rel\/1\.0\/$/m);
});

test("s3Download of a prefix with a key leaving the target ('../', absolute) fails and writes nothing", async () => {
  const srv = await s3();
  const b = srv.buckets.get('acme')!;
  b.set('evil/ok.txt', { data: Buffer.from('ok'), headers: {}, lastModified: new Date() });
  b.set('evil/../../escaped.txt', { data: Buffer.from('pwned'), headers: {}, lastModified: new Date() });
  const dir = project(inAws(srv, `s3Download(file: 'in', bucket: 'acme', path: 'evil/')`));
  const r = await run(dir);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /s3Download: the key 'evil\/\.\.\/\.\.\/escaped\.txt' of s3:\/\/acme\/evil\/ would be written outside in/);
  assert.equal(existsSync(path.join(wsOf(dir), 'escaped.txt')), false);
  assert.equal(existsSync(path.join(wsOf(dir), '..', 'escaped.txt')), false);
  assert.equal(existsSync(path.join(wsOf(dir), 'in/evil/ok.txt')), false, 'nothing is downloaded when one key is refused');
  assert.equal(existsSync(path.join(wsOf(dir), 'in')), false);
  const abs = await s3();
  abs.buckets.get('acme')!.set('/etc/kiln-owned', { data: Buffer.from('x'), headers: {}, lastModified: new Date() });
  const r2 = await run(project(inAws(abs, `s3Download(file: 'in', bucket: 'acme', path: '')`)));
  assert.equal(r2.code, 1, r2.stdout);
  assert.match(r2.stdout, /the key '\/etc\/kiln-owned' of s3:\/\/acme\/ would be written outside in/);
});

test('s3FindFiles (glob, onlyFiles, pages), s3DoesObjectExist, s3Copy, s3Delete', async () => {
  const srv = await s3(['acme', 'backup']);
  srv.pageSize = 2;
  const b = srv.buckets.get('acme')!;
  const t = new Date('2026-01-02T03:04:05Z');
  for (const k of ['rel/a.zip', 'rel/b.txt', 'rel/x/c.zip', 'rel/x/y/d.zip', 'top.zip']) b.set(k, { data: Buffer.from(k), headers: { 'content-type': 'application/zip' }, lastModified: t });
  const dir = project(inAws(srv, `
  def zips = s3FindFiles(bucket: 'acme', path: 'rel', glob: '**/*.zip')
  echo "zips=\${zips.collect { it.path + ':' + it.name + ':' + it.length + ':' + it.directory }.sort()}"
  def top = s3FindFiles(bucket: 'acme', path: 'rel/')
  echo "top=\${top.collect { it.path + (it.directory ? '/' : '') }.sort()}"
  echo "files=\${s3FindFiles(bucket: 'acme', path: 'rel', onlyFiles: true).collect { it.name }.sort()} at \${zips[0].lastModified}"
  echo "exists=\${s3DoesObjectExist(bucket: 'acme', path: 'rel/a.zip')} missing=\${s3DoesObjectExist(bucket: 'acme', path: 'rel/nope')}"
  echo "copied=\${s3Copy(fromBucket: 'acme', fromPath: 'top.zip', toBucket: 'backup', toPath: 'keep/top.zip', metadatas: ['origin:acme'])}"
  s3Delete(bucket: 'acme', path: 'rel/x/')
  s3Delete(bucket: 'acme', path: 'top.zip')`));
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Searching s3:\/\/acme\/rel for glob:'\*\*\/\*\.zip' $/m);
  // Java's glob: 'rel/**/*.zip' wants a directory between (rel/a.zip is not matched), as in Jenkins.
  assert.match(r.stdout, /^zips=\[x\/c\.zip:c\.zip:11:false, x\/y\/d\.zip:d\.zip:13:false\]$/m);
  assert.match(r.stdout, /^top=\[a\.zip, b\.txt, x\/\]$/m);
  assert.match(r.stdout, /^Searching s3:\/\/acme\/rel for glob:'' \(only files\)$/m);
  assert.match(r.stdout, new RegExp(`^files=\\[a\\.zip, b\\.txt\\] at ${t.getTime()}$`, 'm'));
  assert.match(r.stdout, /^Searching s3:\/\/acme for object:'rel\/a\.zip'$/m);
  assert.match(r.stdout, /^exists=true missing=false$/m);
  assert.match(r.stdout, /^Copying s3:\/\/acme\/top\.zip to s3:\/\/backup\/keep\/top\.zip$/m);
  assert.match(r.stdout, /^copied=s3:\/\/backup\/keep\/top\.zip$/m);
  assert.match(r.stdout, /^Copy complete$/m);
  assert.equal(srv.buckets.get('backup')!.get('keep/top.zip')!.data.toString(), 'top.zip');
  assert.equal(srv.buckets.get('backup')!.get('keep/top.zip')!.headers['x-amz-meta-origin'], 'acme');
  assert.match(r.stdout, /^Deleting s3:\/\/acme\/rel\/x\/$/m);
  assert.match(r.stdout, /^Deleting object at s3:\/\/acme\/rel\/x\/c\.zip$/m);
  assert.match(r.stdout, /^Deleting object at s3:\/\/acme\/rel\/x\/y\/d\.zip$/m);
  assert.match(r.stdout, /^Delete complete$/m);
  assert.deepEqual([...b.keys()].sort(), ['rel/a.zip', 'rel/b.txt']);
  assert.ok(srv.seen.some((s) => s.query.has('continuation-token')), 'the listing went over pages');
});

function fetch(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

test('s3PresignURL: a URL S3 accepts without credentials for its duration; a changed one is refused', async () => {
  const srv = await s3();
  srv.buckets.get('acme')!.set('dl/app v1.zip', { data: Buffer.from('zip!'), headers: {}, lastModified: new Date() });
  const dir = project(inAws(srv, `
  writeFile file: 'url.txt', text: s3PresignURL(bucket: 'acme', key: 'dl/app v1.zip', durationInSeconds: 600)
  writeFile file: 'put.txt', text: s3PresignURL(bucket: 'acme', key: 'up.txt', httpMethod: 'PUT')`));
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const url = readFileSync(path.join(wsOf(dir), 'url.txt'), 'utf8');
  assert.match(url, new RegExp(`^${srv.url}/acme/dl/app%20v1\\.zip\\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ID}%2F\\d{8}%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=\\d{8}T\\d{6}Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}$`));
  assert.doesNotMatch(url, /secret/i);
  const ok = await fetch(url);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, 'zip!');
  assert.equal(srv.seen.at(-1)!.auth, 'query');
  const bad = await fetch(url.replace('X-Amz-Expires=600', 'X-Amz-Expires=6000'));
  assert.equal(bad.status, 403);
  assert.match(bad.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.match(readFileSync(path.join(wsOf(dir), 'put.txt'), 'utf8'), /X-Amz-Expires=60&/);
});

test('errors: no withAWS, an empty bucket, NoSuchBucket, NoSuchKey, a wrong secret, AccessDenied', async () => {
  const srv = await s3();
  srv.denied.push('acme/private/');
  const none = await run(project(`node { s3Upload(text: 'x', bucket: 'acme', path: 'a.txt') }`));
  assert.equal(none.code, 1);
  assert.match(none.stdout, /s3Upload: Unable to load AWS credentials from any provider in the chain/);
  const cases: [string, RegExp, string?][] = [
    [`s3Upload(text: 'x', bucket: '', path: 'a.txt')`, /s3Upload: Bucket must not be null or empty/],
    [`s3Download(file: 'a.txt', bucket: 'nope', path: 'a.txt')`, /The specified bucket does not exist \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket; Request ID: REQ123\)/],
    [`s3Download(file: 'a.txt', bucket: 'acme', path: 'missing.txt')`, /The specified key does not exist\. \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey; Request ID: REQ123\)/],
    [`s3Upload(text: 'x', bucket: 'acme', path: 'a.txt')`, /The request signature we calculated does not match the signature you provided\. Check your key and signing method\. \(Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch/, 'aws-wrong'],
    [`s3Upload(text: 'x', bucket: 'acme', path: 'private/a.txt')`, /Access Denied \(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied/],
    [`s3Upload(bucket: 'acme', path: 'a.txt')`, /s3Upload: At least one argument of Text, File or IncludePathPattern must be included/],
    [`s3Upload(file: '/etc/passwd', bucket: 'acme', path: 'a.txt')`, /s3Upload: file '\/etc\/passwd' leaves the workspace/],
    [`s3Upload(includePathPattern: '*', workingDir: '../..', bucket: 'acme')`, /s3Upload: workingDir '\.\.\/\.\.' leaves the workspace/],
    [`s3Download(file: '../../escape.txt', bucket: 'acme', path: 'a.txt')`, /s3Download: file '\.\.\/\.\.\/escape\.txt' leaves the workspace/],
  ];
  for (const [call, want, cred] of cases) {
    const r = await run(project(inAws(srv, call, cred)));
    assert.equal(r.code, 1, `${call}: ${r.stdout}`);
    assert.match(r.stdout, want, call);
    assert.doesNotMatch(r.stdout, /secret\+Key0123|not-the-secret/);
  }
  assert.equal(srv.buckets.get('acme')!.size, 0);
});

test('a hostile endpoint: an endless listing and a huge answer fail the step with a clear error', async () => {
  const srv = await s3();
  srv.intercept = (req, res) => {
    if (!(req.url ?? '').includes('list-type=2')) return false;
    req.resume();
    if ((req.url ?? '').includes('prefix=huge')) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let n = 0;
      const more = (): void => {
        while (n < 40) {
          n++;
          if (!res.write(chunk)) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end('<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>');
    return true;
  };
  const endless = await run(project(inAws(srv, `s3FindFiles(bucket: 'acme', path: 'loop')`)));
  assert.equal(endless.code, 1, endless.stdout);
  assert.match(endless.stdout, /S3's listing of s3:\/\/acme\/loop\/ does not end \(its continuation token repeats\)/);
  const huge = await run(project(inAws(srv, `s3FindFiles(bucket: 'acme', path: 'huge')`)));
  assert.equal(huge.code, 1, huge.stdout);
  assert.match(huge.stdout, /the answer of http:\/\/127\.0\.0\.1:\d+ is larger than 16777216 bytes/);
});

test('a download cut short by the endpoint fails the step and leaves no file', async () => {
  const srv = await s3();
  srv.intercept = (req, res) => {
    if (req.method !== 'GET' || !(req.url ?? '').includes('/acme/cut.bin')) return false;
    req.resume();
    res.writeHead(200, { 'content-length': '1000000' });
    res.write(Buffer.alloc(1000, 1));
    setTimeout(() => res.destroy(), 50);
    return true;
  };
  const dir = project(inAws(srv, `s3Download(file: 'cut.bin', bucket: 'acme', path: 'cut.bin')`));
  const r = await run(dir);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /s3:\/\/acme\/cut\.bin: the download broke after 1000 of 1000000 bytes/);
  assert.doesNotMatch(r.stdout, /^Download complete$/m);
  assert.equal(existsSync(path.join(wsOf(dir), 'cut.bin')), false);
});

test('a session token in the environment (AWS_SESSION_TOKEN) goes as a signed x-amz-security-token', async () => {
  const srv = await s3();
  const r = await run(project(inAws(srv, `withEnv(['AWS_SESSION_TOKEN=FQoGZXIvYXdzEXAMPLE']) { s3Upload(text: 'x', bucket: 'acme', path: 't.txt') }`)));
  assert.equal(r.code, 0, r.stdout);
  const put = srv.seen.find((x) => x.method === 'PUT')!;
  assert.equal(put.headers['x-amz-security-token'], 'FQoGZXIvYXdzEXAMPLE');
  assert.match(String(put.headers.authorization), /SignedHeaders=[^,]*x-amz-security-token/);
});

test("an endpoint in the Kiln server's own network is refused when builds may not reach it (as httpRequest)", async () => {
  const srv = await s3();
  const r = await run(project(inAws(srv, `s3Upload(text: 'x', bucket: 'acme', path: 'a.txt')`)), { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /s3Upload: 127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network: builds may not reach it unless an administrator allows the host/);
  assert.equal(srv.seen.length, 0);
});

test('kiln lint --list-steps lists the S3 steps under Pipeline: AWS Steps', async () => {
  const r = await runKiln(['lint', '--list-steps']);
  assert.equal(r.code, 0, r.stderr);
  for (const s of ['s3Upload', 's3Download', 's3Delete', 's3FindFiles', 's3DoesObjectExist', 's3Copy', 's3PresignURL']) assert.match(r.stdout, new RegExp(`\\b${s}\\b`), s);
});
