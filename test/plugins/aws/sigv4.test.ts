// SigV4 (src/plugins/aws/sigv4.ts) against the example requests of AWS's S3 documentation
// ("Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
// and "Authenticating Requests: Using Query Parameters"): the documented keys, bucket and date,
// and the signatures AWS gives for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorization, EMPTY_SHA256, presignQuery, signature, uriEncode } from '../../../src/plugins/aws/sigv4.ts';

const keys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const date = new Date('2013-05-24T00:00:00Z');
const host = 'examplebucket.s3.amazonaws.com';
const base = { region: 'us-east-1', service: 's3', date };

test('GET Object with a Range header: the documented canonical request and signature', () => {
  const i = { ...base, method: 'GET', path: '/test.txt', query: [], payloadHash: EMPTY_SHA256,
    headers: { Host: host, Range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' } };
  const s = signature(i, keys);
  assert.equal(s.canonicalRequest, `GET\n/test.txt\n\nhost:${host}\nrange:bytes=0-9\nx-amz-content-sha256:${EMPTY_SHA256}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY_SHA256}`);
  assert.equal(s.stringToSign.split('\n')[3], '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972');
  assert.equal(authorization(i, keys), 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
});

test('PUT Object of "Welcome to Amazon S3." under a key with $ (encoded once)', () => {
  const hash = '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072';
  assert.equal(uriEncode('/test$file.text', true), '/test%24file.text');
  const s = signature({ ...base, method: 'PUT', path: uriEncode('/test$file.text', true), query: [], payloadHash: hash,
    headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', Host: host, 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': hash } }, keys);
  assert.equal(s.signedHeaders, 'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class');
  assert.equal(s.signature, '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
});

test('GET Bucket Lifecycle (?lifecycle) and List Objects (?max-keys=2&prefix=J): sorted, encoded query', () => {
  const headers = { Host: host, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' };
  assert.equal(signature({ ...base, method: 'GET', path: '/', query: [['lifecycle', '']], payloadHash: EMPTY_SHA256, headers }, keys).signature,
    'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  assert.equal(signature({ ...base, method: 'GET', path: '/', query: [['prefix', 'J'], ['max-keys', '2']], payloadHash: EMPTY_SHA256, headers }, keys).signature,
    '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
});

test('a presigned GET of test.txt for 86400 s: the documented query string and signature', () => {
  const q = presignQuery({ ...base, method: 'GET', path: '/test.txt', query: [], headers: { host } }, keys, 86400);
  assert.equal(q, 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
});

test('uriEncode: unreserved kept, UTF-8 bytes and spaces encoded, slashes only in paths', () => {
  assert.equal(uriEncode('a b/ü~*'), 'a%20b%2F%C3%BC~%2A');
  assert.equal(uriEncode('dir/a b.txt', true), 'dir/a%20b.txt');
});
