// The pure parts of the S3 steps: how a bucket is addressed (virtual-hosted on AWS, in the path
// for a dotted bucket or an endpoint), which bucket names are refused, Java's glob as
// s3FindFiles matches keys, and where a key of a downloaded prefix may land.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBucket, presign, type S3Config } from '../../../src/plugins/aws/s3-client.ts';
import { downloadPath, globRegExp } from '../../../src/plugins/aws/s3.ts';

const cfg = (o: Partial<S3Config>): S3Config => ({ keys: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's' }, region: 'eu-west-1', endpoint: null, pathStyle: false, signal: new AbortController().signal, ...o });

test('addressing: virtual-hosted on AWS, path-style for a dotted bucket, pathStyleAccessEnabled or an endpoint', () => {
  assert.match(presign(cfg({}), 'acme', 'a b/c.zip', 'GET', 60), /^https:\/\/acme\.s3\.eu-west-1\.amazonaws\.com\/a%20b\/c\.zip\?X-Amz-Algorithm=/);
  assert.match(presign(cfg({ region: 'us-east-1' }), 'acme', 'k', 'GET', 60), /^https:\/\/acme\.s3\.amazonaws\.com\/k\?/);
  assert.match(presign(cfg({}), 'www.acme.com', 'k', 'GET', 60), /^https:\/\/s3\.eu-west-1\.amazonaws\.com\/www\.acme\.com\/k\?/);
  assert.match(presign(cfg({ pathStyle: true }), 'acme', 'k', 'GET', 60), /^https:\/\/s3\.eu-west-1\.amazonaws\.com\/acme\/k\?/);
  assert.match(presign(cfg({ endpoint: new URL('http://minio.local:9000'), pathStyle: true }), 'acme', 'k', 'PUT', 60), /^http:\/\/minio\.local:9000\/acme\/k\?.*X-Amz-Expires=60&/);
});

test('bucket names that could change the host or the path are refused', () => {
  assert.equal(checkBucket('acme-releases.v2'), null);
  for (const b of ['a', 'evil.com/x', 'acme@host', 'a b', '../x', 'x?y']) assert.ok(checkBucket(b), b);
});

test("Java's glob: * within a name, ** across, ? one character, {a,b}, [..]", () => {
  const m = (g: string, k: string) => globRegExp(g).test(k);
  assert.ok(m('rel/*', 'rel/a.zip'));
  assert.ok(!m('rel/*', 'rel/x/a.zip'));
  assert.ok(m('rel/**', 'rel/x/a.zip'));
  assert.ok(!m('rel/**/*.zip', 'rel/a.zip'));
  assert.ok(m('rel/**/*.zip', 'rel/x/y/a.zip'));
  assert.ok(m('*.{zip,jar}', 'a.jar'));
  assert.ok(m('v?.[0-9]', 'v1.7'));
  assert.ok(!m('v?.[0-9]', 'v1.x'));
  assert.ok(m('a+b(1).txt', 'a+b(1).txt'));
});

test('downloadPath: a key stays under the target or is refused', () => {
  assert.equal(downloadPath('/ws/out', 'rel/a.txt'), '/ws/out/rel/a.txt');
  for (const k of ['../x', 'a/../../x', '/etc/passwd', 'a\\..\\x', 'a/..', '']) assert.equal(downloadPath('/ws/out', k), null, k);
});
