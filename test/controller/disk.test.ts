// A controller whose disk fails: real small tmpfs mounts (a real ENOSPC), chattr +i (EPERM) and
// a read-only remount (EROFS) under a real controller's builds folder, and `kiln controller`
// started on a full or read-only home. What a user would notice: the build that cannot write
// its console fails with the reason, the others go on, the controller stays up and says
// 'degraded' on /api/v1/health (details for logged-in callers only) until the disk takes
// writes again; a controller that cannot start says why and exits.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig, consoleText, until } from '../helpers/controller.ts';
import { setImmutable, smallDisk, type SmallDisk } from '../helpers/tmpfs.ts';
import { runKiln } from '../helpers/kiln.ts';

describe('a controller whose builds disk fails', () => {
  let c: ControllerHandle;
  let disk: SmallDisk;
  const lines: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  const api = rawApi(() => c.url);

  /** Triggers a build and waits for its end (the build manager's own promise: no polling). */
  async function build(job: string): Promise<any> {
    const b = await api('POST', `/api/v1/jobs/${job}/builds`, {});
    assert.equal(b.status, 201, b.text);
    await c.builds.live.get(b.json.id)?.done;
    return (await api('GET', `/api/v1/jobs/${job}/builds/${b.json.number}`)).json;
  }

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    const home = tempDir('disk');
    // The store stays on the machine's disk; build logs and files go to a 4 MB disk of their own.
    disk = smallDisk('4m', path.join(home, 'builds'));
    c = await startController(testConfig({ home, port: '0', executors: '2' }), { log: (l) => lines.push(l) });
  });
  after(async () => {
    await c?.close();
    disk?.unmount();
    process.off('unhandledRejection', onUnhandled);
  });

  test('a console that fills the disk fails its build with the reason; the others go on; health degrades and recovers', async () => {
    await api('POST', '/api/v1/jobs', { name: 'waits', script: `pipeline { agent none; stages { stage('W') { steps { input 'go on?'; echo 'went on' } } } }` });
    await api('POST', '/api/v1/jobs', { name: 'loud', script: `pipeline { agent any; stages { stage('L') { steps { sh 'head -c 3000000 /dev/zero | tr "\\\\0" x; echo; echo printed-all' } } } }` });
    assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });

    // A build that waits (and writes nothing meanwhile) while the disk fills up.
    const waiting = (await api('POST', '/api/v1/jobs/waits/builds', {})).json;
    const waits = c.builds.live.get(waiting.id)!;
    await until(() => (waits.run?.pendingInputs().length ?? 0) > 0, 'the build to wait for its input');

    disk.fill();
    fs.truncateSync(path.join(disk.dir, '.filler'), fs.statSync(path.join(disk.dir, '.filler')).size - 512 * 1024);
    const failed = await build('loud');
    assert.equal(failed.result, 'FAILURE');
    assert.equal(failed.message, 'no space left on device writing the console of loud #1');
    assert.equal(failed.description, null);

    // The controller is up and says what is wrong: to anyone in one line, to a user with the detail.
    const h = (await api('GET', '/api/v1/health')).json;
    assert.equal(h.status, 'degraded', JSON.stringify(h));
    assert.equal(h.problems.length, 1);
    assert.equal(h.problems[0].component, 'disk');
    assert.match(h.problems[0].message, /^build consoles cannot be written: no space left on device/);
    assert.match(h.problems[0].detail, /no space left on device writing the console of .* #1 \(.*\/builds\/.*\/1\/log\)/);
    const anonymous = (await api('GET', '/api/v1/health', undefined, { authorization: '' })).json;
    assert.equal(anonymous.status, 'degraded');
    assert.equal(anonymous.problems[0].detail, undefined, 'no paths for callers who are not logged in');
    assert.equal((await api('GET', '/api/v1/jobs')).status, 200);
    assert.ok(lines.some((l) => l.startsWith('health: degraded: build consoles cannot be written: no space left on device')), lines.join('\n'));

    // Space comes back: the health says so at the next look, and builds write again.
    disk.free();
    assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
    assert.ok(lines.some((l) => l.startsWith('health: recovered: build consoles cannot be written')), lines.join('\n'));
    const input = waits.run!.pendingInputs()[0]!;
    assert.equal((await api('POST', `/api/v1/jobs/waits/builds/${waiting.number}/inputs/${input.id}`, { action: 'approve' })).status, 200);
    await waits.done;
    const went = (await api('GET', `/api/v1/jobs/waits/builds/${waiting.number}`)).json;
    assert.equal(went.result, 'SUCCESS', 'the build that waited through it goes on');
    assert.match(await consoleText(c.url, 'waits', waiting.number), /^went on$/m);
    // The failed build's console ends with why, now that the disk takes the line.
    assert.match(await consoleText(c.url, 'loud', 1), /\nERROR: no space left on device writing the console of loud #1\nFinished: FAILURE\n$/);
    assert.deepEqual(unhandled, []);
  });

  test('a console that cannot be created (EPERM, EROFS) fails the build at once; the health holds until it can', async () => {
    await api('POST', '/api/v1/jobs', { name: 'locked', script: `pipeline { agent any; stages { stage('A') { steps { echo 'hello' } } } }` });
    assert.equal((await build('locked')).result, 'SUCCESS');
    const jobDir = path.join(disk.dir, (await c.store.jobs.get('locked'))!.id);
    setImmutable(jobDir, true);
    const denied = await build('locked');
    assert.equal(denied.result, 'FAILURE');
    assert.equal(denied.message, 'permission denied creating the console of locked #2');
    const h = (await api('GET', '/api/v1/health')).json;
    assert.equal(h.status, 'degraded');
    assert.match(h.problems[0].message, /^build consoles cannot be written: permission denied/);
    setImmutable(jobDir, false);
    assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
    assert.equal((await build('locked')).result, 'SUCCESS');

    disk.readOnly(true);
    try {
      const ro = await build('locked');
      assert.equal(ro.result, 'FAILURE');
      assert.equal(ro.message, 'read-only file system creating the console of locked #4');
      assert.equal((await api('GET', '/api/v1/health')).json.status, 'degraded');
    } finally {
      disk.readOnly(false);
    }
    assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
    assert.deepEqual(unhandled, []);
  });

  test('an error without a known wording (EISDIR) says neither paths nor job ids in the public health message or the build message', async () => {
    const job = (await c.store.jobs.get('locked'))!;
    const next = ((await c.store.builds.latest('locked'))?.number ?? 0) + 1;
    // Where the console goes is a directory: open() says EISDIR, with the path in its message.
    fs.mkdirSync(path.join(disk.dir, job.id, String(next), 'log'), { recursive: true });
    const b = await build('locked');
    assert.equal(b.result, 'FAILURE');
    assert.equal(b.message, `illegal operation on a directory (EISDIR) creating the console of locked #${next}`);
    // The problem's message (what anonymous callers see) ends before the detail (in parentheses in the log).
    const said = `health: degraded: build consoles cannot be written: illegal operation on a directory (EISDIR); builds fail until it is fixed (`;
    const line = lines.find((l) => l.startsWith(said));
    assert.ok(line, lines.join('\n'));
    assert.ok(line.slice(said.length).includes(path.join(disk.dir, job.id)), 'the detail names the file');
    fs.rmSync(path.join(disk.dir, job.id, String(next)), { recursive: true });
    assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
    assert.deepEqual(unhandled, []);
  });
});

describe('kiln controller on a home that cannot take writes', () => {
  test('a full home: it exits 1 with the reason, and listens to nothing', async (t) => {
    const disk = smallDisk('1m');
    t.after(() => disk.unmount());
    fs.mkdirSync(path.join(disk.dir, 'home'));
    disk.fill();
    const r = await runKiln(['controller', '--home', path.join(disk.dir, 'home'), '--port', '0']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^kiln controller: cannot start: no space left on device in .*\/home: Kiln needs to write there .*; free some space .* and start again\n$/);
    assert.doesNotMatch(r.stdout, /Kiln is ready/);
  });

  test('a read-only home: it exits 1 with the reason', async (t) => {
    const disk = smallDisk('1m');
    t.after(() => disk.unmount());
    fs.mkdirSync(path.join(disk.dir, 'home'));
    disk.readOnly(true);
    const r = await runKiln(['controller', '--home', path.join(disk.dir, 'home'), '--port', '0']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^kiln controller: cannot start: read-only file system in .*\/home: .*mount it read-write/);
  });
});

describe('a controller whose store cannot write', () => {
  test('a build cancelled from the queue while the store refuses writes: the cancel holds, the health says so, and the result is recorded once the store takes it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    // The whole home (the SQLite store too) on a small disk.
    const disk = smallDisk('8m');
    const home = path.join(disk.dir, 'home');
    const c = await startController(testConfig({ home, port: '0', executors: '1' }));
    const api = rawApi(() => c.url);
    try {
      await api('POST', '/api/v1/jobs', { name: 'calm', script: `pipeline { agent any; options { quietPeriod(600) }; stages { stage('A') { steps { echo 'hi' } } } }` });
      // The first build teaches the job its quiet period; the second waits in it.
      const first = await api('POST', '/api/v1/jobs/calm/builds', {});
      await c.builds.live.get(first.json.id)?.done;
      const b = (await api('POST', '/api/v1/jobs/calm/builds', {})).json;
      const item = (await api('GET', '/api/v1/queue')).json.items.find((i: { number: number }) => i.number === b.number);
      assert.ok(item, 'the build waits in its quiet period');
      disk.fill();
      const del = await api('DELETE', `/api/v1/queue/${item.id}`);
      assert.equal(del.status, 204, del.text);
      const h = (await api('GET', '/api/v1/health')).json;
      assert.equal(h.status, 'degraded', JSON.stringify(h));
      assert.ok(h.problems.some((p: { component: string }) => p.component === 'store'), JSON.stringify(h));
      disk.free();
      assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
      const after = (await api('GET', `/api/v1/jobs/calm/builds/${b.number}`)).json;
      assert.deepEqual([after.status, after.result, after.message], ['finished', 'NOT_BUILT', 'Cancelled while waiting']);
      assert.deepEqual(unhandled, []);
    } finally {
      await c.close();
      disk.unmount();
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
