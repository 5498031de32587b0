import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LogGapError, LogStore, LogWriteError, type BuildRef } from '../../src/controller/logstore.ts';
import { setImmutable, smallDisk } from '../helpers/tmpfs.ts';
import { tempDir } from '../helpers/tmp.ts';

const B = (job: string, number = 1): BuildRef => ({ job, number });

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('append, finish, then read the whole log, byte ranges and the size', async () => {
  const store = new LogStore(tempDir('logs'), { readChunkSize: 7 });
  const b = B('app');
  void store.append(b, 'hello ');
  void store.append(b, Buffer.from('world\n'));
  assert.equal(await store.append(b, new Uint8Array([0xff, 0x00, 0x41])), 15, 'bytes pass unchanged; the new end is returned');
  assert.equal(await store.size(b), 15);
  await store.finish(b);
  assert.equal(fs.readFileSync(path.join(store.dir(b), 'log')).length, 15);
  assert.equal(path.relative(store.home, store.logPath(b)), path.join('builds', 'app', '1', 'log'));
  const all = await collect(store.read(b));
  assert.deepEqual(all, Buffer.concat([Buffer.from('hello world\n'), Buffer.from([0xff, 0x00, 0x41])]));
  assert.equal((await collect(store.read(b, 6, 11))).toString(), 'world');
  assert.equal((await collect(store.read(b, 6))).length, 9);
  assert.deepEqual(await collect(store.read(b, -3)), Buffer.from([0xff, 0x00, 0x41]), 'a negative start counts from the end');
  assert.equal((await collect(store.read(b, 12, 1000))).length, 3, 'an end past the log stops at the log');
  assert.equal((await collect(store.read(b, 100))).length, 0);
  assert.equal((await store.readBytes(b, 0, 5)).toString(), 'hello');
  await assert.rejects(store.readBytes(b, 0, undefined, 10), /Refusing to load 15 bytes/);
  assert.equal(await store.size(B('nothing')), 0);
  assert.equal(await store.exists(B('nothing')), false);
});

test('reads of an open log see bytes not yet on disk, in order', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('open');
  for (let i = 0; i < 100; i++) void store.append(b, `line ${i}\n`);
  const expected = Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('');
  assert.equal((await collect(store.read(b))).toString(), expected);
  assert.equal(store.isOpen(b), true);
  await store.finish(b);
  assert.equal(store.isOpen(b), false);
  assert.equal(fs.readFileSync(store.logPath(b), 'utf8'), expected);
  await assert.rejects(store.append(b, 'late'), /The log of open #1 is finished/);
  assert.throws(() => store.mark(b, { kind: 'stage-end', id: '1' }), /finished/);
  store.open(b); // reopening is explicit (a build resumed after a restart)
  await store.append(b, 'resumed\n');
  await store.finish(b);
  assert.equal(fs.readFileSync(store.logPath(b), 'utf8'), expected + 'resumed\n');
});

test('sections: stage and step boundaries at byte offsets, and which step wrote which bytes', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('folder/pipeline', 42);
  store.mark(b, { kind: 'stage-start', id: '3', name: 'Build' });
  store.mark(b, { kind: 'step-start', id: '4', name: 'sh' });
  void store.append(b, 'compiling\n', { node: '4' });
  store.mark(b, { kind: 'step-start', id: '5', name: 'sh' });
  void store.append(b, 'testing\n', { node: '5' });
  void store.append(b, 'more compiling\n', { node: '4' });
  void store.append(b, 'ok\n', { node: '4' });
  store.mark(b, { kind: 'step-end', id: '4', name: 'sh' });
  store.mark(b, { kind: 'step-end', id: '5', name: 'sh' });
  const end = store.mark(b, { kind: 'stage-end', id: '3', name: 'Build' });
  assert.equal(end.offset, 36);
  assert.throws(() => store.mark(b, { kind: 'bogus' as 'stage-end', id: 'x' }), /Unknown section kind/);
  assert.deepEqual(
    (await store.sections(b)).map((s) => [s.offset, s.kind, s.id, s.name]),
    [
      [0, 'stage-start', '3', 'Build'],
      [0, 'step-start', '4', 'sh'],
      [0, 'output', '4', ''],
      [10, 'step-start', '5', 'sh'],
      [10, 'output', '5', ''],
      [18, 'output', '4', ''],
      [36, 'step-end', '4', 'sh'],
      [36, 'step-end', '5', 'sh'],
      [36, 'stage-end', '3', 'Build'],
    ],
  );
  assert.deepEqual(await store.ranges(b, '4'), [{ start: 0, end: 10 }, { start: 18, end: 36 }]);
  await store.finish(b);
  assert.equal(path.relative(store.home, store.indexPath(b)), path.join('builds', 'folder', 'pipeline', '42', 'log-index'));
  assert.equal((await store.sections(b)).length, 9, 'the same from disk after finish');
});

test('append at an offset: a resend after a reconnect is not duplicated, a gap is an error', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('resume');
  await store.append(b, 'abcdef', { at: 0 });
  await store.append(b, 'defghi', { at: 3 }); // "def" already stored
  await store.append(b, 'abc', { at: 0 }); // all already stored
  await assert.rejects(store.append(b, 'zzz', { at: 20 }), (e: unknown) => e instanceof LogGapError && e.expected === 9 && e.got === 20);
  await store.finish(b);
  assert.equal((await store.readBytes(b)).toString(), 'abcdefghi');
});

test('following: replay from disk, then live bytes, then the end when the build finishes', async () => {
  const store = new LogStore(tempDir('logs'), { readChunkSize: 4 });
  const b = B('live');
  await store.append(b, 'early bytes\n');
  await store.flush(b);
  const got: string[] = [];
  const done = (async () => {
    for await (const c of store.follow(b)) got.push(c.toString());
  })();
  await tick();
  await store.append(b, 'live 1\n');
  await tick();
  await store.append(b, 'live 2\n');
  assert.equal(store.stats().followers, 1);
  await store.finish(b);
  await done;
  assert.equal(got.join(''), 'early bytes\nlive 1\nlive 2\n');
  assert.equal(store.stats().followers, 0);
  // A finished log: a new follower replays it and ends.
  assert.equal((await collect(store.follow(b, 6))).toString(), 'bytes\nlive 1\nlive 2\n');
  assert.equal((await collect(store.follow(b, -7))).toString(), 'live 2\n');
  assert.equal((await collect(store.follow(B('never-written')))).length, 0);
});

test('a follower that joins mid-stream gets every byte from its offset once: no gap, no duplicate', async () => {
  const store = new LogStore(tempDir('logs'), { readChunkSize: 5, highWaterMark: 64 });
  const b = B('join');
  let expected = '';
  const followers: { from: number; out: Promise<Buffer> }[] = [];
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 400; i++) {
    const chunk = `${i}:${'x'.repeat(rand(40))}|`;
    expected += chunk;
    const p = store.append(b, chunk);
    if (i % 3 === 0) await p; // sometimes wait for the disk, sometimes not
    if (i % 17 === 0) {
      // Join somewhere in what exists: on disk, in memory, or at the very end.
      const size = await store.size(b);
      const from = rand(size + 1);
      followers.push({ from, out: collect(store.follow(b, from)) });
    }
    if (i % 5 === 0) await tick();
  }
  await store.finish(b);
  assert.ok(followers.length > 20);
  for (const f of followers) assert.equal((await f.out).toString(), expected.slice(f.from), `follower from ${f.from}`);
});

test('100 concurrent followers each get the whole log; the chunks not yet on disk are shared, not copied', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('popular');
  store.open(b); // as the controller does when it creates the build, before anyone follows
  const hash = createHash('sha256');
  const outs = Array.from({ length: 100 }, () => {
    const h = createHash('sha256');
    let n = 0;
    const done = (async () => {
      for await (const c of store.follow(b)) {
        h.update(c);
        n += c.length;
      }
    })();
    return { h, done, bytes: () => n };
  });
  const chunk = Buffer.alloc(16 * 1024);
  for (let i = 0; i < 128; i++) {
    chunk.fill(i % 251);
    hash.update(chunk);
    await store.append(b, chunk);
    if (i % 8 === 0) await tick();
  }
  assert.equal(store.stats().followers, 100);
  await store.finish(b);
  await Promise.all(outs.map((o) => o.done));
  const digest = hash.digest('hex');
  for (const o of outs) {
    assert.equal(o.bytes(), 128 * 16 * 1024);
    assert.equal(o.h.digest('hex'), digest);
  }
  assert.equal(store.stats().followers, 0);
  // Followers at the live edge receive slices of the same memory.
  const b2 = B('shared');
  const f1 = store.follow(b2);
  const f2 = store.follow(b2);
  store.open(b2);
  const n1 = f1.next();
  const n2 = f2.next();
  await tick();
  void store.append(b2, 'shared chunk');
  const [c1, c2] = [(await n1).value as Buffer, (await n2).value as Buffer];
  assert.equal(c1.toString(), 'shared chunk');
  assert.ok(c1.buffer === c2.buffer && c1.byteOffset === c2.byteOffset, 'one buffer for both followers');
  await store.finish(b2);
  assert.equal((await f1.next()).done, true);
  await f2.return!();
});

test('a follower can stop at any time: break, return() or an abort signal', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('stop');
  await store.append(b, 'a');
  for await (const c of store.follow(b)) {
    assert.equal(c.toString(), 'a');
    break;
  }
  const waiting = store.follow(b, 1);
  const pending = waiting.next();
  await tick();
  assert.equal(store.stats().followers, 1);
  await waiting.return!();
  assert.deepEqual(await pending, { done: true, value: undefined });
  const ac = new AbortController();
  const it = store.follow(b, 0, { signal: ac.signal });
  assert.equal(((await it.next()).value as Buffer).toString(), 'a');
  const next = it.next();
  await tick();
  ac.abort();
  assert.deepEqual(await next, { done: true, value: undefined });
  assert.equal(store.stats().followers, 0);
  await store.finish(b);
});

test('a log continues after a controller restart; a torn last index line is ignored and trimmed', async () => {
  const home = tempDir('logs');
  const b = B('crash', 3);
  const first = new LogStore(home);
  first.mark(b, { kind: 'stage-start', id: '1', name: 'Build' });
  await first.append(b, 'before the crash\n');
  await first.finish(b);
  // The controller died while writing an index line.
  fs.appendFileSync(first.indexPath(b), '{"offset":17,"kind":"stage-e');
  const store = new LogStore(home);
  assert.deepEqual(await store.sections(b), [{ offset: 0, kind: 'stage-start', id: '1', name: 'Build' }]);
  // Reopening for writing cuts the torn line, so the next entries parse.
  await store.append(b, 'after the restart\n');
  store.mark(b, { kind: 'stage-end', id: '1', name: 'Build' });
  await store.finish(b);
  assert.equal((await store.readBytes(b)).toString(), 'before the crash\nafter the restart\n');
  assert.deepEqual(
    (await store.sections(b)).map((s) => [s.offset, s.kind]),
    [
      [0, 'stage-start'],
      [35, 'stage-end'],
    ],
  );
  // Entries that point past the log (the index got through, the log did not) are ignored.
  fs.appendFileSync(store.indexPath(b), '{"offset":9999,"kind":"stage-start","id":"2","name":"x"}\nnot json\n');
  assert.equal((await store.sections(b)).length, 2);
});

test('remove deletes the log and its index; job names cannot leave the builds folder', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('gone', 9);
  await store.append(b, 'bytes');
  store.mark(b, { kind: 'stage-start', id: '1', name: 's' });
  await store.remove(b);
  assert.equal(fs.existsSync(store.dir(b)), false);
  assert.equal(await store.size(b), 0);
  assert.deepEqual(await store.sections(b), []);
  assert.equal((await collect(store.follow(b))).length, 0);
  assert.throws(() => store.dir(B('../etc')), /Invalid job name/);
  assert.throws(() => store.dir(B('a//b')), /Invalid job name/);
  assert.throws(() => store.dir(B('a', 0)), /Invalid build number/);
});

test('a 200 MB log written and followed (live, late from disk, slowly) with bounded memory', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('huge');
  const total = 200 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024);
  const writerHash = createHash('sha256');
  const follow = (from: number, slow: boolean) => {
    const h = createHash('sha256');
    let n = 0;
    const done = (async () => {
      for await (const c of store.follow(b, from)) {
        h.update(c);
        n += c.length;
        if (slow) await tick();
      }
      return { n, digest: h.digest('hex') };
    })();
    return done;
  };
  store.open(b);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const live = follow(0, false);
  const slow = follow(0, true);
  let late: ReturnType<typeof follow> | null = null;
  for (let written = 0, i = 0; written < total; written += chunk.length, i++) {
    chunk.fill(i % 253);
    chunk.writeUInt32BE(i, 0);
    writerHash.update(chunk);
    await store.append(b, chunk);
    if (written === total / 2) late = follow(0, false);
    if (i % 64 === 0) {
      peak = Math.max(peak, process.memoryUsage().rss);
      await tick();
    }
  }
  await store.finish(b);
  const digest = writerHash.digest('hex');
  for (const r of await Promise.all([live, slow, late!])) {
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(r.n, total);
    assert.equal(r.digest, digest);
  }
  assert.equal(fs.statSync(store.logPath(b)).size, total);
  const growthMb = (peak - baseline) / 1024 / 1024;
  console.log(`200 MB log: RSS grew by ${growthMb.toFixed(1)} MB`);
  assert.ok(growthMb < 100, `RSS grew by ${growthMb.toFixed(1)} MB`);
});

// ---------------------------------------------------------------------------------------------
// Disks that fail: a real tmpfs that fills up, a directory made immutable.

test('a full disk fails the log once with the reason: appends, followers and finish say it, nothing is left unhandled', async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const disk = smallDisk('1m');
  t.after(() => disk.unmount());
  const told: LogWriteError[] = [];
  const store = new LogStore(disk.dir, { highWaterMark: 256 * 1024, onWriteError: (_b, e) => told.push(e) });
  const b = B('app');
  const follower = collect(store.follow(b));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  // Fire-and-forget appends, as a build's output is: only the last is awaited.
  for (let i = 0; i < 31; i++) void store.append(b, chunk).catch(() => {});
  const err = await store.append(b, chunk).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof LogWriteError, `a LogWriteError, got ${String(err)}`);
  assert.equal(err.code, 'ENOSPC');
  assert.match(err.message, /^no space left on device writing the console of app #1 \(/);
  assert.equal(err.describe('my job'), 'no space left on device writing the console of my job #1');
  await assert.rejects(follower, (e) => e === err, 'a follower ends with the same error');
  await assert.rejects(store.append(b, 'more'), (e) => e === err, 'later appends reject at once');
  await assert.rejects(store.finish(b), (e) => e === err);
  assert.equal(store.isOpen(b), false, 'its files are closed all the same');
  assert.equal(told.length, 1, 'onWriteError hears of it once');
  // What reached the disk reads back; the space comes back when the log goes.
  assert.equal(await store.size(b), fs.statSync(store.logPath(b)).size);
  assert.ok((await store.size(b)) <= 1024 * 1024);
  await store.remove(b);
  await store.append(B('app', 2), 'fine again\n');
  await store.finish(B('app', 2));
  assert.equal(fs.readFileSync(store.logPath(B('app', 2)), 'utf8'), 'fine again\n');
  await tick();
  assert.deepEqual(unhandled, []);
});

test('a log that cannot be created (EPERM, EROFS) rejects append and throws from mark, never anything else', async (t) => {
  const disk = smallDisk('1m');
  t.after(() => disk.unmount());
  const told: LogWriteError[] = [];
  const store = new LogStore(disk.dir, { onWriteError: (_b, e) => told.push(e) });
  fs.mkdirSync(path.join(disk.dir, 'builds', 'locked'), { recursive: true });
  setImmutable(path.join(disk.dir, 'builds', 'locked'), true);
  const b = B('locked', 7);
  let appended: Promise<number> | null = null;
  assert.doesNotThrow(() => { appended = store.append(b, 'x'); });
  await assert.rejects(appended!, (e: unknown) => e instanceof LogWriteError && e.code === 'EPERM'
    && /^permission denied creating the console of locked #7 \(/.test(e.message));
  assert.throws(() => store.mark(b, { kind: 'stage-start', id: 's1' }), (e: unknown) => e instanceof LogWriteError && e.code === 'EPERM');
  assert.throws(() => store.open(b), LogWriteError);
  setImmutable(path.join(disk.dir, 'builds', 'locked'), false);

  disk.readOnly(true);
  const ro = B('other');
  await assert.rejects(store.append(ro, 'x'), (e: unknown) => e instanceof LogWriteError && e.code === 'EROFS'
    && e.describe('other') === 'read-only file system creating the console of other #1');
  disk.readOnly(false);
  assert.equal(told.length, 4, 'each failed attempt to create a log is told');
  await store.append(b, 'ok\n');
  await store.finish(b);
});

test('the index says when bytes arrived, at most once a second, and where the engine\'s ERROR lines start', async () => {
  const store = new LogStore(tempDir('logs'));
  const b = B('timed');
  const before = Date.now();
  void store.append(b, 'first\n');
  void store.append(b, 'second, in the same second\n');
  store.mark(b, { kind: 'error', id: '1' });
  void store.append(b, 'ERROR: it broke\n');
  await new Promise((r) => setTimeout(r, 1100));
  await store.append(b, 'later\n');
  await store.finish(b);
  const times = await store.times(b);
  assert.deepEqual(times.map((t) => t.offset), [0, 49], 'one entry for the first second, one when output came a second later');
  assert.ok(times[0]!.at >= before && times[1]!.at - times[0]!.at >= 1000);
  const sections = await store.sections(b);
  assert.deepEqual(sections.filter((s) => s.kind === 'error').map((s) => s.offset), [33]);
  // A new store on the same home (a restarted controller) reads the same.
  assert.deepEqual(await new LogStore(store.home).times(b), times);
});

test('newlines: the newline count of each whole 64 KiB block, extended as the log grows (the console\'s line numbers)', async () => {
  const store = new LogStore(tempDir('logs-newlines'));
  const b: BuildRef = { job: 'lines', number: 1 };
  const line = (i: number) => `line ${i} ${'x'.repeat(i % 50)}\n`;
  let text = '';
  for (let i = 1; i <= 20_000; i++) text += line(i);
  await store.append(b, text);
  await store.flush(b);
  const bytes = Buffer.from(text);
  const expected = (whole: number) => Array.from({ length: whole }, (_, k) => {
    let c = 0;
    for (let i = k * 65536; i < (k + 1) * 65536; i++) if (bytes[i] === 10) c++;
    return c;
  });
  const first = await store.newlines(b);
  assert.deepEqual(first, expected(Math.floor(bytes.length / 65536)));
  // The line number of an offset: the counts before its block and those within it.
  const at = text.indexOf('line 12345 ');
  const bi = Math.floor(at / 65536);
  const before = first.slice(0, bi).reduce((x, y) => x + y, 0) + text.slice(bi * 65536, at).split('\n').length - 1;
  assert.equal(before + 1, 12345);
  // More output: only the new whole blocks are counted, the earlier ones stay.
  let more = '';
  for (let i = 20_001; i <= 40_000; i++) more += line(i);
  await store.append(b, more);
  await store.finish(b);
  const all = Buffer.from(text + more);
  const second = await store.newlines(b);
  assert.deepEqual(second.slice(0, first.length), first);
  assert.equal(second.length, Math.floor(all.length / 65536));
  assert.equal(second.reduce((x, y) => x + y, 0), all.subarray(0, second.length * 65536).toString('latin1').split('\n').length - 1);
  // An empty or missing log has none.
  assert.deepEqual(await store.newlines({ job: 'lines', number: 2 }), []);
});
