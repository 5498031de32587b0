// The bound on the gitParameter values route's git work (controller/git-parameter.ts GitListings,
// gitOutput): answers kept per key until their time is up (a clock given to the cache, so no test
// waits), a failure kept a shorter time, concurrent calls for a key sharing one run, at most so
// many runs at once and so many waiting (then a clear 503), and a git command's output bounded;
// PT_REVISION's commits from a real repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { GitListings, gitRevisions, lsRemote, type Listing } from '../../src/controller/git-parameter.ts';
import { ApiError } from '../../src/controller/http-errors.ts';
import { gitIn, libraryRepo } from '../helpers/git-servers.ts';
import { tempDir } from '../helpers/tmp.ts';

function deferred(): { p: Promise<Listing>; resolve: (l: Listing) => void; reject: (e: Error) => void } {
  let resolve!: (l: Listing) => void;
  let reject!: (e: Error) => void;
  const p = new Promise<Listing>((a, b) => { resolve = a; reject = b; });
  return { p, resolve, reject };
}

test('an answer is kept for cacheMs per key, a failure for failMs; concurrent calls share one run', async () => {
  let now = 1000;
  const l = new GitListings({ cacheMs: 30_000, failMs: 5_000, now: () => now });
  const d = deferred();
  const calls = Array.from({ length: 5 }, () => l.get('repo|PT_BRANCH|.*', () => d.p));
  d.resolve({ values: ['origin/main'] });
  for (const c of calls) assert.deepEqual(await c, { values: ['origin/main'] });
  assert.equal(l.runs, 1);
  now += 29_999;
  assert.deepEqual(await l.get('repo|PT_BRANCH|.*', async () => ({ values: ['new'] })), { values: ['origin/main'] });
  assert.equal(l.runs, 1);
  // Another filter of the same repository is another key.
  assert.deepEqual(await l.get('repo|PT_BRANCH|origin/(.*)', async () => ({ values: ['main'] })), { values: ['main'] });
  assert.equal(l.runs, 2);
  now += 2;
  assert.deepEqual(await l.get('repo|PT_BRANCH|.*', async () => ({ values: ['new'] })), { values: ['new'] });
  assert.equal(l.runs, 3);

  await assert.rejects(l.get('down', async () => { throw new Error('unreachable'); }), /unreachable/);
  await assert.rejects(l.get('down', async () => ({ values: ['up'] })), /unreachable/);
  assert.equal(l.runs, 4);
  now += 5_001;
  assert.deepEqual(await l.get('down', async () => ({ values: ['up'] })), { values: ['up'] });
  assert.equal(l.runs, 5);
});

test('at most maxRunning runs at once and maxWaiting waiting: past that a clear 503, and the waiting one runs when a slot frees', async () => {
  const l = new GitListings({ maxRunning: 1, maxWaiting: 1 });
  const a = deferred();
  const b = deferred();
  let bStarted = false;
  const first = l.get('a', () => a.p);
  const second = l.get('b', () => { bStarted = true; return b.p; });
  const third = l.get('c', async () => ({ values: ['c'] }));
  await assert.rejects(third, (e: unknown) => e instanceof ApiError && e.code === 'unavailable' && /listing 2 repositories already: try again shortly/.test(e.message));
  await Promise.resolve();
  assert.equal(bStarted, false, 'the second waits for the first');
  a.resolve({ values: ['a'] });
  assert.deepEqual(await first, { values: ['a'] });
  await new Promise((r) => setImmediate(r));
  assert.equal(bStarted, true);
  b.resolve({ values: ['b'] });
  assert.deepEqual(await second, { values: ['b'] });
  assert.equal(l.runs, 2);
});

test('git ls-remote past the output bound stops with a clear error; within it, the refs', async () => {
  const repo = libraryRepo({ 'a.txt': 'a' }, 'bounded');
  for (let i = 0; i < 20; i++) {
    repo.branch(`feature/branch-${i}`);
    repo.commit({}, `c${i}`);
  }
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  const refs = await lsRemote(path.resolve(repo.bare), ['--heads'], env, AbortSignal.timeout(60_000));
  assert.equal(refs.length, 21);
  await assert.rejects(lsRemote(path.resolve(repo.bare), ['--heads'], env, AbortSignal.timeout(60_000), { maxOutput: 200 }), /^Error: git ls-remote answered more than 200 bytes \(the most Kiln reads\)$/);
});

test("PT_REVISION's listing: every branch's commits when no branch is named, one branch's when named; a branch that is an option is refused", async () => {
  const repo = libraryRepo({ 'a.txt': 'a' }, 'revs');
  repo.branch('side');
  repo.commit({}, 'on the side');
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  const url = `file://${path.resolve(repo.bare)}`;
  const all = await gitRevisions(url, '', tempDir('revs-all'), env, AbortSignal.timeout(60_000));
  assert.deepEqual(all.values, gitIn(repo.bare, 'rev-list', '--all').split('\n'));
  assert.equal(all.values.length, 2);
  const side = all.values.indexOf(gitIn(repo.bare, 'rev-parse', 'side'));
  assert.match(all.labels[side]!, /^[0-9a-f]{7} \d{4}-\d\d-\d\d \d\d:\d\d Lib Author <lib@example\.com> on the side$/);
  const main = await gitRevisions(url, 'origin/main', tempDir('revs-main'), env, AbortSignal.timeout(60_000));
  assert.deepEqual(main.values, [gitIn(repo.bare, 'rev-parse', 'main')]);
  await assert.rejects(gitRevisions(url, '--upload-pack=touch /tmp/x', tempDir('revs-bad'), env, AbortSignal.timeout(60_000)), /is not a branch name/);
});
