// Timed triggers (src/controller/triggers.ts): cron, parameterizedCron and pollSCM.
// The scheduler runs on an injected clock whose timers the tests fire by advancing time (no
// real minutes go by); one test runs a real controller with real timers and checks the armed
// next-fire table, then fires through the same path the timer takes. pollSCM runs against a
// real local git repository and a real controller building from it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/index.ts';
import type { Build, Store } from '../../src/store/types.ts';
import type { TriggerOptions } from '../../src/controller/builds.ts';
import { TriggerScheduler, parseCronParams, schedulesOf, type TriggerClock } from '../../src/controller/triggers.ts';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { nextFire, parseCron } from '../../src/util/cron.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, finishedBuild, consoleText, testConfig } from '../helpers/controller.ts';

const MIN = 60_000;

/** Timers that go off only when the test moves the clock past them. */
class FakeClock implements TriggerClock {
  t: number;
  readonly timers = new Map<number, { at: number; fn: () => void; ms: number }>();
  #id = 0;
  constructor(t: number) { this.t = t; }
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    const id = ++this.#id;
    this.timers.set(id, { at: this.t + ms, fn, ms });
    return id;
  };
  clearTimer = (h: unknown) => { this.timers.delete(h as number); };
  /** Moves to `target`, firing every timer due on the way, in order, and waiting for what each starts. */
  async advanceTo(target: number, s: TriggerScheduler): Promise<void> {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= target && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await s.settled();
    }
    this.t = target;
  }
}

interface Call { job: string; at: number; o: TriggerOptions; number: number }

function fakeBuilds(store: Store, clock: FakeClock) {
  const calls: Call[] = [];
  return {
    calls,
    async trigger(job: string, o: TriggerOptions = {}): Promise<Build> {
      const b = await store.builds.create(job, { params: o.params ?? {}, causes: o.causes ?? [], scm: o.scm ?? null });
      calls.push({ job, at: clock.now(), o, number: b.number });
      return b;
    },
  };
}

const inline = { kind: 'inline' as const, script: 'pipeline { agent any; stages { stage("a") { steps { echo "x" } } } }' };
const cron = (spec: string) => ({ type: 'cron' as const, spec, threshold: null });

describe('cron on an injected clock', () => {
  let store: Store;
  before(async () => { store = await openStore({ home: tempDir('trg') }); });
  after(async () => { await store.close(); });

  test('H/15 fires at the job\'s hashed minute, every 15 minutes, and arms one timer per job', async () => {
    await store.jobs.create({ name: 'team/nightly', definition: inline, triggers: [cron('H/15 * * * *')] });
    const start = Date.parse('2025-03-04T10:00:30Z');
    const clock = new FakeClock(start);
    const builds = fakeBuilds(store, clock);
    const s = new TriggerScheduler({ store, builds, clock, timeZone: 'UTC' });
    await s.start();
    // Jenkins' hash of the full name picks one offset in 0..14.
    const minutes = parseCron('H/15 * * * *', 'team/nightly').lines[0]!.minutes.flatMap((on, m) => (on ? [m] : []));
    assert.equal(minutes.length, 4);
    const offset = minutes[0]!;
    assert.deepEqual(minutes, [offset, offset + 15, offset + 30, offset + 45]);
    const first = Date.parse('2025-03-04T10:00:00Z') + offset * MIN;
    assert.deepEqual(s.nextFires(), [{ job: 'team/nightly', jobId: (await store.jobs.get('team/nightly'))!.id, at: first, kinds: ['cron'] }]);
    assert.equal(clock.timers.size, 1);
    assert.equal([...clock.timers.values()][0]!.at, first);

    await clock.advanceTo(start + 2 * 60 * MIN, s);
    const expected = Array.from({ length: 8 }, (_, i) => first + i * 15 * MIN);
    assert.deepEqual(builds.calls.map((c) => c.at), expected, 'fired at exactly the hashed minutes');
    assert.ok(builds.calls.every((c) => c.job === 'team/nightly'));
    assert.deepEqual(builds.calls[0]!.o.causes, [{ type: 'timer', description: 'Started by timer' }]);
    assert.deepEqual(builds.calls.map((c) => c.number), [1, 2, 3, 4, 5, 6, 7, 8]);
    // Still one timer, for the next fire.
    assert.equal(clock.timers.size, 1);
    assert.equal(s.nextFires()[0]!.at, first + 8 * 15 * MIN);
    s.close();
    assert.equal(clock.timers.size, 0);
    await store.jobs.delete('team/nightly');
  });

  test('a disabled job has no timer; disabling an armed job stops it at its next fire; enabling re-arms', async () => {
    await store.jobs.create({ name: 'off', definition: inline, triggers: [cron('* * * * *')], disabled: true });
    await store.jobs.create({ name: 'on', definition: inline, triggers: [cron('*/10 * * * *')] });
    const start = Date.parse('2025-03-04T10:00:30Z');
    const clock = new FakeClock(start);
    const builds = fakeBuilds(store, clock);
    const s = new TriggerScheduler({ store, builds, clock, timeZone: 'UTC' });
    await s.start();
    assert.deepEqual(s.nextFires().map((r) => r.job), ['on']);
    await clock.advanceTo(start + 15 * MIN, s);
    assert.deepEqual(builds.calls.map((c) => c.job), ['on']);
    // Disabled behind the scheduler's back (no sync): the fire starts nothing and the timer goes.
    await store.jobs.update('on', { disabled: true });
    await clock.advanceTo(start + 60 * MIN, s);
    assert.deepEqual(builds.calls.map((c) => c.job), ['on']);
    assert.deepEqual(s.nextFires(), []);
    assert.equal(clock.timers.size, 0);
    // Enabled and re-read: armed again from now.
    await store.jobs.update('on', { disabled: false });
    await s.sync((await store.jobs.get('on'))!.id);
    assert.deepEqual(s.nextFires().map((r) => [r.job, r.at]), [['on', Date.parse('2025-03-04T11:10:00Z')]]);
    s.close();
    await store.jobs.delete('on');
    await store.jobs.delete('off');
  });

  test('deleting a job clears its timer; a job deleted unseen starts nothing when its time comes', async () => {
    await store.jobs.create({ name: 'gone', definition: inline, triggers: [cron('H * * * *')] });
    await store.jobs.create({ name: 'gone2', definition: inline, triggers: [cron('H * * * *')] });
    const start = Date.parse('2025-03-04T10:00:30Z');
    const clock = new FakeClock(start);
    const builds = fakeBuilds(store, clock);
    const s = new TriggerScheduler({ store, builds, clock, timeZone: 'UTC' });
    await s.start();
    assert.equal(clock.timers.size, 2);
    await store.jobs.delete('gone');
    await s.syncAll();
    assert.deepEqual(s.nextFires().map((r) => r.job), ['gone2']);
    assert.equal(clock.timers.size, 1);
    await store.jobs.delete('gone2');
    await clock.advanceTo(start + 3 * 60 * MIN, s);
    assert.deepEqual(builds.calls, []);
    assert.equal(clock.timers.size, 0);
    s.close();
  });

  test('changed triggers re-arm; unchanged ones keep their timer; a bad spec is reported and skipped', async () => {
    const lines: string[] = [];
    await store.jobs.create({ name: 'moving', definition: inline, triggers: [cron('0 12 * * *')] });
    const clock = new FakeClock(Date.parse('2025-03-04T10:00:30Z'));
    const s = new TriggerScheduler({ store, builds: fakeBuilds(store, clock), clock, timeZone: 'UTC', log: (l) => lines.push(l) });
    await s.start();
    const id = (await store.jobs.get('moving'))!.id;
    const handle = [...clock.timers.keys()][0];
    await s.sync(id);
    assert.deepEqual([...clock.timers.keys()], [handle], 'same schedule: same timer');
    await store.jobs.update('moving', { triggers: [cron('30 11 * * *'), cron('not a spec')] });
    await s.sync(id);
    assert.deepEqual(s.nextFires().map((r) => r.at), [Date.parse('2025-03-04T11:30:00Z')]);
    assert.equal(clock.timers.size, 1);
    assert.ok(lines.some((l) => /moving.*cron\('not a spec'\) is not valid/.test(l)), lines.join('\n'));
    s.close();
    await store.jobs.delete('moving');
  });

  test('TZ= in the spec is honoured', async () => {
    await store.jobs.create({ name: 'india', definition: inline, triggers: [cron('TZ=Asia/Kolkata\n30 10 * * *')] });
    const clock = new FakeClock(Date.parse('2025-03-04T00:00:00Z'));
    const builds = fakeBuilds(store, clock);
    const s = new TriggerScheduler({ store, builds, clock, timeZone: 'America/New_York' });
    await s.start();
    await clock.advanceTo(Date.parse('2025-03-05T12:00:00Z'), s);
    // 10:30 in Kolkata (UTC+5:30) is 05:00 UTC.
    assert.deepEqual(builds.calls.map((c) => new Date(c.at).toISOString()), ['2025-03-04T05:00:00.000Z', '2025-03-05T05:00:00.000Z']);
    s.close();
    await store.jobs.delete('india');
  });

  test('parameterizedCron: each line fires with its parameters; pollSCM and cron of one job share its timer', async () => {
    const spec = 'TZ=UTC\n# morning\nH 2 * * * % GREETING=Hola;WHO=team\n30 3 * * * %GREETING=Hi';
    await store.jobs.create({ name: 'greet', definition: inline, triggers: [{ type: 'parameterizedCron', spec, threshold: null }, { type: 'pollSCM', spec: '15 3 * * *', threshold: null }] });
    const clock = new FakeClock(Date.parse('2025-03-04T00:00:00Z'));
    const builds = fakeBuilds(store, clock);
    const s = new TriggerScheduler({ store, builds, clock, timeZone: 'UTC' });
    await s.start();
    assert.equal(clock.timers.size, 1, 'one timer for the job');
    const h = parseCron('TZ=UTC\n# morning\nH 2 * * *', 'greet').lines[0]!.minutes.indexOf(true);
    const results: string[] = [];
    await clock.advanceTo(Date.parse('2025-03-04T04:00:00Z'), s);
    for (const c of builds.calls) results.push(`${new Date(c.at).toISOString()} ${JSON.stringify(c.o.params)} ${c.o.causes?.[0]?.description}`);
    assert.deepEqual(results, [
      `2025-03-04T02:${String(h).padStart(2, '0')}:00.000Z {"GREETING":"Hola","WHO":"team"} Started by timer with parameters: {GREETING=Hola, WHO=team}`,
      '2025-03-04T03:30:00.000Z {"GREETING":"Hi"} Started by timer with parameters: {GREETING=Hi}',
    ]);
    // The pollSCM at 03:15 ran too, and started nothing: the job's Jenkinsfile is inline.
    s.close();
    await store.jobs.delete('greet');
    assert.deepEqual(parseCronParams(' A=1; B = x=y ;'), { A: '1', B: 'x=y' });
    assert.throws(() => schedulesOf('parameterizedCron', 'H * * * * % NOEQUALS', 'j'), /'NOEQUALS' is not NAME=value/);
  });

  test('a schedule beyond setTimeout\'s limit is armed in steps and fires on time', async () => {
    await store.jobs.create({ name: 'yearly', definition: inline, triggers: [cron('0 0 1 1 *')] });
    const clock = new FakeClock(Date.parse('2025-02-01T00:00:00Z'));
    const builds = fakeBuilds(store, clock);
    const s = new TriggerScheduler({ store, builds, clock, timeZone: 'UTC' });
    await s.start();
    assert.equal(s.nextFires()[0]!.at, Date.parse('2026-01-01T00:00:00Z'));
    assert.equal([...clock.timers.values()][0]!.ms, 2 ** 31 - 1);
    await clock.advanceTo(Date.parse('2026-06-01T00:00:00Z'), s);
    assert.deepEqual(builds.calls.map((c) => new Date(c.at).toISOString()), ['2026-01-01T00:00:00.000Z']);
    s.close();
    await store.jobs.delete('yearly');
  });

  test('real setTimeout: a clock shifted to just before a minute boundary fires through the timer path', async () => {
    await store.jobs.create({ name: 'soon', definition: inline, triggers: [cron('* * * * *')] });
    // The scheduler's "now" is the real time shifted so that the next minute starts in 300 ms:
    // the real timer is armed for ~300 ms and goes off by itself.
    const real = Date.now();
    const skew = Math.ceil(real / MIN) * MIN - 300 - real + MIN;
    let fired!: (at: number) => void;
    const firedAt = new Promise<number>((r) => { fired = r; });
    const s = new TriggerScheduler({
      store, timeZone: 'UTC',
      clock: { now: () => Date.now() + skew, setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      builds: {
        async trigger(job: string, o: TriggerOptions = {}) {
          const b = await store.builds.create(job, { params: o.params ?? {}, causes: o.causes ?? [] });
          fired(Date.now() + skew);
          return b;
        },
      },
    });
    await s.start();
    const armedFor = s.nextFires()[0]!.at;
    assert.equal(armedFor % MIN, 0);
    const at = await firedAt;
    assert.ok(at >= armedFor, 'not before its minute');
    await s.settled();
    assert.equal(s.nextFires()[0]!.at, armedFor + MIN, 're-armed for the next minute');
    s.close();
    await store.jobs.delete('soon');
  });

  test('a build the trigger cannot start is logged, and the schedule carries on', async () => {
    const lines: string[] = [];
    await store.jobs.create({ name: 'failing', definition: inline, triggers: [cron('*/30 * * * *')] });
    const clock = new FakeClock(Date.parse('2025-03-04T10:00:30Z'));
    let n = 0;
    const s = new TriggerScheduler({
      store, clock, timeZone: 'UTC', log: (l) => lines.push(l),
      builds: { trigger: async () => { n++; throw new Error('store is down'); } },
    });
    await s.start();
    await clock.advanceTo(Date.parse('2025-03-04T11:45:00Z'), s);
    assert.equal(n, 3);
    assert.ok(lines.some((l) => l.includes('failing: the timer could not start a build: store is down')), lines.join('\n'));
    assert.equal(s.nextFires()[0]!.at, Date.parse('2025-03-04T12:00:00Z'));
    s.close();
    await store.jobs.delete('failing');
  });
});

// ---------------------------------------------------------------------------------------------
// A real controller: real timers, real builds.

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
}

describe('pollNow: a look at a job\'s branch on demand (unsigned webhooks)', () => {
  test('calls while a poll runs share the one poll that starts after it: a flood costs two ls-remote, and a push is never answered by a look taken before it', async () => {
    const store = await openStore({ home: tempDir('trg-now') });
    try {
      const job = await store.jobs.create({ name: 'app', definition: { kind: 'git', url: 'https://example.com/app.git', branch: 'main', path: 'Jenkinsfile', credentialsId: null } });
      const clock = new FakeClock(Date.parse('2025-03-04T10:00:00Z'));
      const builds = fakeBuilds(store, clock);
      // ls-remote answers when the test says so, with the branch's commit at that moment.
      const pending: (() => void)[] = [];
      let tip = 'a'.repeat(40);
      const asked: string[] = [];
      const s = new TriggerScheduler({
        store, builds, clock,
        lsRemote: (url, branch) => new Promise((resolve) => { asked.push(`${url} ${branch}`); pending.push(() => resolve(tip)); }),
      });
      const answer = async () => { while (pending.length === 0) await new Promise((r) => setImmediate(r)); pending.shift()!(); };
      const cause = { type: 'scm' as const, description: 'Started by an SCM change (an unsigned generic webhook push to main)' };
      const first = s.pollNow(job, cause);
      // The branch moves while the first look runs; 50 more pushes arrive.
      tip = 'b'.repeat(40);
      const flood = Array.from({ length: 50 }, () => s.pollNow(job, cause));
      await answer();
      const o1 = await first;
      assert.deepEqual([o1.build?.number, o1.commit], [1, 'b'.repeat(40)]);
      await answer();
      const rest = await Promise.all(flood);
      assert.equal(new Set(rest).size, 1, 'the 50 share one outcome');
      assert.deepEqual([rest[0]!.build, rest[0]!.commit, rest[0]!.reason], [null, 'b'.repeat(40), `no changes (main is at ${'b'.repeat(40)})`]);
      assert.deepEqual(asked, ['https://example.com/app.git main', 'https://example.com/app.git main']);
      assert.deepEqual(builds.calls.map((c) => [c.o.causes, c.o.scm, c.o.params]), [[[cause], { url: 'https://example.com/app.git', branch: 'main', commit: 'b'.repeat(40) }, undefined]]);
      s.close();
    } finally {
      await store.close();
    }
  });
});

describe('triggers in a real controller', () => {
  let c: ControllerHandle;
  const lines: string[] = [];
  let repo: string;
  let work: string;

  const api = rawApi(() => c.url);
  const finished = (job: string, n: number) => finishedBuild(c.url, job, n);
  const consoleOf = (job: string, n: number) => consoleText(c.url, job, n);
  const commit = (text: string) => {
    writeFileSync(path.join(work, 'Jenkinsfile'), text);
    git(work, 'add', 'Jenkinsfile');
    git(work, 'commit', '-q', '-m', 'change');
    git(work, 'push', '-q', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  };

  before(async () => {
    const dir = tempDir('trg-ctl');
    repo = path.join(dir, 'repo.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', repo);
    git(dir, 'clone', '-q', repo, work);
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }), { log: (l) => lines.push(l) });
  });
  after(async () => { await c?.close(); });

  test('cron: the first build caches the trigger and arms the real timer for the computed time; firing starts a timer build', async () => {
    const spec = 'H H 1 1 *';
    const script = `pipeline { agent any; triggers { cron('${spec}') } stages { stage('a') { steps { echo 'tick' } } } }`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'ticker', script })).status, 201);
    assert.deepEqual(c.triggers.nextFires(), [], 'no build has run: the triggers are not known yet');
    const b1 = await api('POST', '/api/v1/jobs/ticker/builds', {});
    assert.equal((await finished('ticker', b1.json.number)).result, 'SUCCESS');
    await c.triggers.settled();
    const row = c.triggers.nextFires().find((r) => r.job === 'ticker');
    assert.ok(row, JSON.stringify(c.triggers.nextFires()));
    assert.equal(row.at, nextFire(spec, 'ticker', new Date())!.getTime());
    assert.deepEqual(row.kinds, ['cron']);

    const outcomes = await c.triggers.fire('ticker');
    assert.equal(outcomes.length, 1);
    const n = outcomes[0]!.build!.number;
    const done = await finished('ticker', n);
    assert.equal(done.result, 'SUCCESS');
    assert.deepEqual(done.causes, [{ type: 'timer', description: 'Started by timer' }]);
    assert.match(await consoleOf('ticker', n), /^Started: Started by timer$/m);
    // Armed for the following year's fire.
    const next = c.triggers.nextFires().find((r) => r.job === 'ticker')!;
    assert.equal(next.at, nextFire(spec, 'ticker', new Date(row.at))!.getTime());
    assert.ok(next.at > row.at);

    // Disabling and deleting through the API clear the timer before the answer comes back.
    assert.equal((await api('PUT', '/api/v1/jobs/ticker', { disabled: true })).status, 200);
    assert.equal(c.triggers.nextFires().find((r) => r.job === 'ticker'), undefined);
    assert.equal((await api('PUT', '/api/v1/jobs/ticker', { disabled: false })).status, 200);
    assert.ok(c.triggers.nextFires().find((r) => r.job === 'ticker'));
    assert.equal((await api('DELETE', '/api/v1/jobs/ticker')).status, 204);
    assert.equal(c.triggers.nextFires().find((r) => r.job === 'ticker'), undefined);
  });

  test('values written as expressions: the first build evaluates them; the job then has the cron schedule, the parameter default and the build discarder they gave', async () => {
    const script = (job: string) => `def V = '5'
def spec = 'H H 1 1 *'
pipeline {
  agent any
  parameters { string(name: 'P', defaultValue: V); booleanParam(name: 'B', defaultValue: V == '5') }
  triggers { cron(env.JOB_NAME == '${job}' ? spec : '') }
  options { buildDiscarder(logRotator(numToKeepStr: V == '5' ? '2' : '50')) }
  stages { stage('a') { steps { echo "p=\${params.P} b=\${params.B}" } } }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'exprcron', script: script('exprcron') })).status, 201);
    const b1 = await api('POST', '/api/v1/jobs/exprcron/builds', {});
    assert.equal((await finished('exprcron', b1.json.number)).result, 'SUCCESS');
    assert.match(await consoleOf('exprcron', b1.json.number), /^p=5 b=true$/m, 'the run itself has the evaluated defaults');
    await c.triggers.settled();
    const row = c.triggers.nextFires().find((r) => r.job === 'exprcron');
    assert.ok(row, JSON.stringify(c.triggers.nextFires()));
    assert.deepEqual(row.kinds, ['cron']);
    assert.equal(row.at, nextFire('H H 1 1 *', 'exprcron', new Date())!.getTime());
    const job = await api('GET', '/api/v1/jobs/exprcron');
    assert.deepEqual(job.json.parameters.map((p: { name: string; defaultValue: unknown }) => [p.name, p.defaultValue]), [['P', '5'], ['B', true]]);
    assert.deepEqual((await c.store.jobs.get('exprcron'))!.options.buildDiscarder, { numToKeep: 2, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null });

    // The same file under another name: its cron evaluates to '' — no schedule, as Jenkins.
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'exprcron-off', script: script('exprcron') })).status, 201);
    const b2 = await api('POST', '/api/v1/jobs/exprcron-off/builds', {});
    assert.equal((await finished('exprcron-off', b2.json.number)).result, 'SUCCESS', await consoleOf('exprcron-off', b2.json.number));
    await c.triggers.settled();
    assert.equal(c.triggers.nextFires().find((r) => r.job === 'exprcron-off'), undefined);
    assert.deepEqual((await c.store.jobs.get('exprcron-off'))!.triggers, [{ type: 'cron', spec: '', threshold: null }]);
    await api('DELETE', '/api/v1/jobs/exprcron');
    await api('DELETE', '/api/v1/jobs/exprcron-off');
  });

  test('a value that fails to evaluate fails the build at its line, and the job keeps what it had', async () => {
    const script = `pipeline {
  agent any
  triggers { cron(noSuchVariable) }
  stages { stage('a') { steps { echo 'not reached' } } }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'exprbad', script })).status, 201);
    const b = await api('POST', '/api/v1/jobs/exprbad/builds', {});
    assert.equal((await finished('exprbad', b.json.number)).result, 'FAILURE');
    const text = await consoleOf('exprbad', b.json.number);
    assert.match(text, /^ERROR: .*noSuchVariable.*\(Jenkinsfile:3:19\)$/m, text);
    assert.doesNotMatch(text, /not reached/);
    assert.deepEqual((await c.store.jobs.get('exprbad'))!.triggers, []);
    await api('DELETE', '/api/v1/jobs/exprbad');
  });

  test('pollSCM: a build when the branch moved, none when it did not; the commit is recorded', async () => {
    const jf = (v: string) => `pipeline {
  agent any
  triggers { pollSCM('H H 1 1 *') }
  stages { stage('s') { steps { checkout scm; sh 'echo "version=${v} commit=$GIT_COMMIT"' } } }
}
`;
    const c1 = commit(jf('1'));
    await c.store.jobs.create({ name: 'polled', definition: { kind: 'git', url: repo, branch: 'main', path: 'Jenkinsfile', credentialsId: null }, triggers: [{ type: 'pollSCM', spec: 'H H 1 1 *', threshold: null }] });
    await c.triggers.syncAll();
    assert.deepEqual(c.triggers.nextFires().find((r) => r.job === 'polled')?.kinds, ['pollSCM']);

    // First poll: no build yet, so the branch's commit is new.
    let [o] = await c.triggers.fire('polled');
    assert.equal(o!.kind, 'pollSCM');
    assert.equal(o!.commit, c1);
    assert.ok(o!.build, JSON.stringify(o));
    let done = await finished('polled', o!.build.number);
    assert.equal(done.result, 'SUCCESS', await consoleOf('polled', o!.build.number));
    assert.deepEqual(done.causes, [{ type: 'scm', description: 'Started by an SCM change' }]);
    assert.deepEqual(done.scm, { url: repo, branch: 'main', commit: c1 });
    assert.match(await consoleOf('polled', o!.build.number), new RegExp(`^version=1 commit=${c1}$`, 'm'));

    // No change: nothing.
    [o] = await c.triggers.fire('polled');
    assert.equal(o!.build, null);
    assert.match(o!.reason!, /no changes/);

    // A push: a build of the new commit.
    const c2 = commit(jf('2'));
    [o] = await c.triggers.fire('polled');
    assert.ok(o!.build);
    done = await finished('polled', o!.build.number);
    assert.equal(done.result, 'SUCCESS');
    assert.equal(done.scm.commit, c2);
    assert.match(await consoleOf('polled', o!.build.number), new RegExp(`^version=2 commit=${c2}$`, 'm'));

    // A push, then a manual build: it records the commit its Jenkinsfile came from, so the
    // next poll sees no change.
    const c3 = commit(jf('3'));
    const manual = await api('POST', '/api/v1/jobs/polled/builds', {});
    done = await finished('polled', manual.json.number);
    assert.equal(done.result, 'SUCCESS');
    assert.equal(done.scm.commit, c3);
    [o] = await c.triggers.fire('polled');
    assert.equal(o!.build, null, JSON.stringify(o));
  });

  test('pollSCM: inline jobs and missing branches start nothing, with the reason', async () => {
    await c.store.jobs.create({ name: 'inline-poll', definition: inline, triggers: [{ type: 'pollSCM', spec: 'H H 1 1 *', threshold: null }] });
    await c.store.jobs.create({ name: 'nobranch', definition: { kind: 'git', url: repo, branch: 'nope', path: 'Jenkinsfile', credentialsId: null }, triggers: [{ type: 'pollSCM', spec: 'H H 1 1 *', threshold: null }] });
    await c.store.jobs.create({ name: 'norepo', definition: { kind: 'git', url: path.join(repo, 'missing.git'), branch: 'main', path: 'Jenkinsfile', credentialsId: null }, triggers: [{ type: 'pollSCM', spec: 'H H 1 1 *', threshold: null }] });
    await c.triggers.syncAll();
    assert.match((await c.triggers.fire('inline-poll'))[0]!.reason!, /inline Jenkinsfile: there is no repository to poll/);
    assert.match((await c.triggers.fire('nobranch'))[0]!.reason!, /has no branch 'nope'/);
    const r = (await c.triggers.fire('norepo'))[0]!;
    assert.equal(r.build, null);
    assert.match(r.reason!, /could not poll .*missing\.git/);
  });
});
