// A finished console kept gzip-compressed (compressBuildLog, controller/log-gzip.ts): every read
// of the LogStore answers as before (byte ranges anywhere, negative starts, the size, the line
// index, following a finished log), the file on disk is gzip that zcat reads whole, a log still
// being written is never compressed, a note appended after the end brings it back to plain bytes,
// remove deletes it, and a crash after the compressed copy was written but before the plain log
// was removed leaves a readable console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { LogStore, type BuildRef } from '../../src/controller/logstore.ts';
import { BLOCK, compressFile } from '../../src/controller/log-gzip.ts';
import { tempDir } from '../helpers/tmp.ts';

const B = (job: string, number = 1): BuildRef => ({ job, number });
async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

/** 3.5 MiB of console-like lines with some binary bytes: several compressed blocks, a partial last one. */
function consoleBytes(): Buffer {
  const lines: Buffer[] = [];
  let n = 0;
  let size = 0;
  while (size < 3.5 * BLOCK) {
    const l = n % 997 === 0 ? Buffer.concat([randomBytes(40), Buffer.from('\n')]) : Buffer.from(`[${n}] compiling module ${n % 13} of the shop ... ok\n`);
    lines.push(l);
    size += l.length;
    n++;
  }
  return Buffer.concat(lines);
}

test('a compressed log reads as before: ranges across blocks, negative starts, size, newlines, follow; zcat reads the file whole', async () => {
  const store = new LogStore(tempDir('logs-gz'), { readChunkSize: 64 * 1024 });
  const b = B('shop');
  const data = consoleBytes();
  for (let i = 0; i < data.length; i += 100_000) void store.append(b, data.subarray(i, i + 100_000));
  await store.finish(b);
  const linesBefore = await store.newlines(b);
  await store.compress(b);
  assert.equal(await store.compressed(b), true);
  assert.equal(fs.existsSync(store.logPath(b)), false, 'the plain log is gone');
  const gz = fs.readFileSync(`${store.logPath(b)}.gz`);
  assert.ok(gz.length < data.length / 3, `compressed to ${gz.length} of ${data.length} bytes`);
  assert.deepEqual(zlib.gunzipSync(gz), data, 'the file is gzip that any reader reads whole');

  assert.equal(await store.size(b), data.length);
  assert.equal(await store.exists(b), true);
  assert.deepEqual(await collect(store.read(b)), data);
  for (const [s, e] of [[0, 10], [BLOCK - 5, BLOCK + 5], [BLOCK * 2 - 1, BLOCK * 3 + 1], [data.length - 7, data.length], [123_456, 123_457]] as const) {
    assert.deepEqual(await collect(store.read(b, s, e)), data.subarray(s, e), `[${s}, ${e})`);
  }
  assert.deepEqual(await collect(store.read(b, -1000)), data.subarray(data.length - 1000));
  assert.equal((await collect(store.read(b, data.length + 5))).length, 0);
  assert.deepEqual(await store.readBytes(b, BLOCK - 3, BLOCK + 3), data.subarray(BLOCK - 3, BLOCK + 3));
  assert.deepEqual(await collect(store.follow(b, -20)), data.subarray(data.length - 20), 'following a finished compressed log ends at its end');
  const fresh = new LogStore(store.home);
  assert.deepEqual(await fresh.newlines(b), linesBefore, 'the line index is the same, counted from the compressed log');
  assert.equal(linesBefore.length, Math.floor(data.length / (64 * 1024)));
});

test('an open log is never compressed; a note after the end brings a compressed log back to plain bytes; remove deletes every form', async () => {
  const store = new LogStore(tempDir('logs-gz2'));
  const b = B('app');
  await store.append(b, 'line one\n');
  await store.compress(b);
  assert.equal(await store.compressed(b), false, 'a log being written stays as it is');
  await store.finish(b);
  await store.compress(b);
  assert.equal(await store.compressed(b), true);
  store.open(b);
  await store.append(b, 'ERROR: a note after the end\n');
  await store.finish(b);
  assert.equal(await store.compressed(b), false);
  assert.equal((await collect(store.read(b))).toString(), 'line one\nERROR: a note after the end\n');
  await store.compress(b);
  await store.remove(b);
  for (const f of ['log', 'log.gz', 'log.gzi', 'log-index']) assert.equal(fs.existsSync(path.join(store.dir(b), f)), false, f);
  assert.equal(await store.exists(b), false);
  assert.equal(await store.size(b), 0);
});

test('a crash after the compressed copy is complete but before the plain log is removed: the plain log is read', async () => {
  const store = new LogStore(tempDir('logs-gz3'));
  const b = B('app');
  await store.append(b, 'all of it\n');
  await store.finish(b);
  const file = store.logPath(b);
  await compressFile(file);
  fs.writeFileSync(file, 'all of it\n'); // as if the rm had not happened
  fs.writeFileSync(`${file}.gz`, 'damaged'); // and the compressed copy were garbage: never read while the plain log exists
  assert.equal((await collect(store.read(b))).toString(), 'all of it\n');
  assert.equal(await store.compressed(b), false);
});
