import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CronSyntaxError,
  JenkinsHash,
  checkCron,
  cronHasSchedule,
  cronMatches,
  cronWarnings,
  nextFire,
  parseCron,
  type CronLine,
} from '../../src/util/cron.ts';

const at = (iso: string): Date => new Date(iso);
const next = (spec: string, after: string, job: string | null = 'my-job', tz = 'UTC'): string | null =>
  nextFire(spec, job, at(after), tz)?.toISOString() ?? null;
const allowed = (bits: boolean[]): number[] => bits.flatMap((b, i) => (b ? [i] : []));

// Values below were produced by Jenkins' own algorithm (hudson.scheduler.Hash: MD5 → java.util.Random)
// run on a JVM: `Hash.from(seed).next(n)` in sequence.
test('H hashes the job name exactly as Jenkins does (MD5-seeded java.util.Random)', () => {
  const draws = (seed: string, ns: number[]): number[] => {
    const h = new JenkinsHash(seed);
    return ns.map((n) => h.next(n));
  };
  const ns = [60, 24, 28, 12, 7, 15, 10, 3, 64, 1];
  assert.deepEqual(draws('my-job', ns), [18, 17, 20, 5, 1, 6, 2, 2, 49, 0]);
  assert.deepEqual(draws('folder/nightly', ns), [56, 7, 14, 2, 4, 7, 5, 1, 47, 0]);
  assert.deepEqual(draws('', ns), [57, 11, 24, 4, 5, 6, 8, 0, 46, 0]);
  assert.deepEqual(draws('Kiln ✓ job', ns), [7, 23, 0, 5, 4, 2, 5, 2, 49, 0]);
  assert.deepEqual(draws('a', ns), [37, 5, 4, 2, 2, 9, 3, 0, 48, 0]);
  assert.equal(new JenkinsHash(null).next(60), 0);
});

test('H picks the same values as Jenkins for a job: plain, stepped, ranged, aliases, across lines', () => {
  const line = (spec: string, job: string | null = 'my-job', i = 0): CronLine => parseCron(spec, job).lines[i]!;
  let l = line('H H * * *');
  assert.deepEqual([allowed(l.minutes), allowed(l.hours)], [[18], [17]]);
  assert.deepEqual(allowed(line('H/15 * * * *').minutes), [3, 18, 33, 48]);
  l = line('@midnight');
  assert.deepEqual([allowed(l.minutes), allowed(l.hours)], [[18], [2]]);
  l = line('@weekly');
  assert.deepEqual([allowed(l.minutes), allowed(l.hours), allowed(l.weekdays)], [[18], [17], [6]]);
  l = line('@monthly');
  assert.deepEqual([allowed(l.minutes), allowed(l.hours), allowed(l.days)], [[18], [17], [21]]);
  l = line('H(0-29)/10 H(1-5) * * *', 'folder/nightly');
  assert.deepEqual([allowed(l.minutes), allowed(l.hours)], [[6, 16, 26], [2]]);
  // One hash for the whole spec: the second line draws after the first.
  const two = parseCron('H H * * *\n# again\nH H * * *', 'nightly');
  assert.deepEqual(two.lines.map((x) => [allowed(x.minutes)[0], allowed(x.hours)[0]]), [[1, 17], [34, 22]]);
  // Stable: the same job gets the same minute every time; another job usually another.
  assert.deepEqual(allowed(line('H * * * *', 'my-job').minutes), allowed(line('H * * * *', 'my-job').minutes));
  // Without a job name, H is the field's lowest value (Jenkins' Hash.zero()).
  l = line('H H H H H', null);
  assert.deepEqual([allowed(l.minutes), allowed(l.hours), allowed(l.days), allowed(l.months), allowed(l.weekdays)], [[0], [0], [1], [1], [0]]);
  assert.deepEqual(allowed(line('H/1 * * * *', null).minutes), [0], 'H/1 is one value, as in Jenkins');
});

test('fields: lists, ranges, steps; day-of-week 7 is Sunday; H alone stays within 1-28 for days', () => {
  const l = parseCron('0,15-20/2,*/20 9-17/4 1,15 */3 5-7').lines[0]!;
  assert.deepEqual(allowed(l.minutes), [0, 15, 17, 19, 20, 40]);
  assert.deepEqual(allowed(l.hours), [9, 13, 17]);
  assert.deepEqual(allowed(l.days), [1, 15]);
  assert.deepEqual(allowed(l.months), [1, 4, 7, 10]);
  assert.deepEqual(allowed(l.weekdays), [0, 5, 6]);
  for (const job of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
    const d = allowed(parseCron('H H H * *', job).lines[0]!.days)[0]!;
    assert.ok(d >= 1 && d <= 28, `${job}: ${d}`);
  }
});

test('nextFire: fixed dates in UTC, strictly after the given time', () => {
  assert.equal(next('*/15 * * * *', '2024-03-10T10:07:30Z'), '2024-03-10T10:15:00.000Z');
  assert.equal(next('*/15 * * * *', '2024-03-10T10:15:00Z'), '2024-03-10T10:30:00.000Z', 'strictly after');
  assert.equal(next('0 0 * * *', '2024-12-31T23:59:59.999Z'), '2025-01-01T00:00:00.000Z');
  assert.equal(next('30 2 * * 1-5', '2024-03-08T03:00:00Z'), '2024-03-11T02:30:00.000Z', 'Friday after 02:30 → Monday');
  assert.equal(next('0 12 * * 7', '2024-03-04T00:00:00Z'), '2024-03-10T12:00:00.000Z', '7 is Sunday');
  assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 30 2 *', '2024-03-01T00:00:00Z'), null, 'never');
  assert.equal(next('', '2024-03-01T00:00:00Z'), null, 'an empty spec never fires');
  assert.equal(next('H H * * *', '2024-03-01T00:00:00Z'), '2024-03-01T17:18:00.000Z');
  assert.equal(next('H H * * *', '2024-03-01T17:18:00Z'), '2024-03-02T17:18:00.000Z');
  // Several lines: the earliest of them.
  assert.equal(next('# two schedules\n0 8 * * *\n\n30 7 * * *\n', '2024-03-01T07:45:00Z'), '2024-03-01T08:00:00.000Z');
});

test('nextFire: day-of-month and day-of-week must both match, as in Jenkins', () => {
  // Friday the 13th: not "every 13th or every Friday".
  assert.equal(next('0 0 13 * 5', '2024-01-01T00:00:00Z'), '2024-09-13T00:00:00.000Z');
  assert.equal(next('0 0 13 * 5', '2024-09-13T00:00:00Z'), '2024-12-13T00:00:00.000Z');
});

test('nextFire: time zones from a TZ= line or the caller, with DST gaps and repeats', () => {
  assert.equal(next('TZ=Europe/Paris\n0 9 * * *', '2024-01-15T00:00:00Z'), '2024-01-15T08:00:00.000Z');
  assert.equal(next('TZ=Europe/Paris\n0 9 * * *', '2024-07-15T00:00:00Z'), '2024-07-15T07:00:00.000Z');
  assert.equal(next('0 9 * * *', '2024-07-15T00:00:00Z', null, 'America/New_York'), '2024-07-15T13:00:00.000Z');
  assert.equal(next('TZ=Asia/Kolkata\n0 0 * * *', '2024-07-15T00:00:00Z', null, 'America/New_York'), '2024-07-15T18:30:00.000Z', 'the spec zone wins');
  // Paris springs forward on 2024-03-31 at 02:00 → 03:00: 02:30 does not exist that day.
  assert.equal(next('TZ=Europe/Paris\n30 2 * * *', '2024-03-31T00:00:00Z'), '2024-04-01T00:30:00.000Z');
  assert.equal(next('TZ=Europe/Paris\n*/20 * * * *', '2024-03-31T00:50:00Z'), '2024-03-31T01:00:00.000Z', '03:00 CEST right after 01:40 CET');
  // Paris falls back on 2024-10-27 at 03:00 → 02:00: 02:30 happens twice, and fires twice.
  const first = next('TZ=Europe/Paris\n30 2 * * *', '2024-10-26T12:00:00Z');
  assert.equal(first, '2024-10-27T00:30:00.000Z');
  assert.equal(next('TZ=Europe/Paris\n30 2 * * *', first!), '2024-10-27T01:30:00.000Z');
  assert.equal(next('TZ=Europe/Paris\n30 2 * * *', '2024-10-27T01:30:00Z'), '2024-10-28T01:30:00.000Z');
  // Half-hour DST (Lord Howe: +10:30 ↔ +11) and a zone without DST.
  assert.equal(next('0 12 * * *', '2024-01-10T00:00:00Z', null, 'Australia/Lord_Howe'), '2024-01-10T01:00:00.000Z');
  assert.equal(next('0 12 * * *', '2024-07-10T00:00:00Z', null, 'Australia/Lord_Howe'), '2024-07-10T01:30:00.000Z');
});

test('cronMatches tells whether a minute is scheduled', () => {
  assert.equal(cronMatches('H/15 * * * *', 'my-job', at('2024-05-01T10:33:59Z'), 'UTC'), true);
  assert.equal(cronMatches('H/15 * * * *', 'my-job', at('2024-05-01T10:34:00Z'), 'UTC'), false);
});

test('errors: what is wrong and where (index into the spec), every bad line', () => {
  const spec = '# nightly\nH 2 * *\n0 0 32 * *\n0 0 * * MON\n@fortnightly\n';
  assert.deepEqual(checkCron(spec), [
    { message: 'Invalid cron spec "H 2 * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4', index: 10 },
    { message: 'Invalid cron spec "0 0 32 * *": day-of-month field "32" is out of range: 32 is not within 1-31', index: 22 },
    { message: 'Invalid cron spec "0 0 * * MON": day-of-week field "MON" is not valid: "MON" (use *, H, H(a-b), n, a-b, optionally with /step)', index: 37 },
    { message: 'Invalid cron spec "@fortnightly": unknown alias "@fortnightly" (valid: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)', index: 41 },
  ]);
  assert.match(checkCron('5/10 * * * *')[0]!.message, /a step needs \*, H or a range before it/);
  assert.match(checkCron('H/90 * * * *')[0]!.message, /step of 90, larger than the 60 values of 0-59/);
  assert.match(checkCron('0 0 * JAN *')[0]!.message, /month field "JAN" is not valid/);
  assert.match(checkCron('9-5 * * * *')[0]!.message, /empty range 9-5 \(did you mean 5-9\?\)/);
  assert.match(checkCron('1,,2 * * * *')[0]!.message, /has an empty item/);
  assert.match(checkCron('@daily now')[0]!.message, /nothing may follow "@daily"/);
  assert.deepEqual(checkCron('TZ=Mars/Olympus\nH * * * *'), [
    { message: "Invalid or unsupported timezone 'Mars/Olympus' (use an IANA name such as Europe/Paris or UTC)", index: 3 },
  ]);
  assert.match(checkCron('H * * * *\nTZ=UTC')[0]!.message, /TZ= line must come first/);
  // no schedule at all is valid, as Jenkins' CronTabList has it: the trigger never fires
  assert.deepEqual(checkCron('# only a comment\n'), []);
  assert.deepEqual(checkCron(''), []);
  assert.equal(cronHasSchedule('# only a comment\n\n'), false);
  assert.equal(cronHasSchedule('# nightly\nH 2 * * *'), true);
  assert.deepEqual(checkCron('TZ=Europe/London\n# nightly\nH 2 * * 1-5\r\nH H(0-7)/2 1,15 * *'), []);
  assert.throws(() => parseCron('H 2 * *'), (e: unknown) => e instanceof CronSyntaxError && e.line === 1 && e.index === 0);
  assert.throws(() => parseCron('\n\n  0 0 * 13 *'), (e: unknown) => e instanceof CronSyntaxError && e.line === 3 && e.index === 10);
});

test('warnings: Jenkins advice for every-minute and fixed-minute schedules', () => {
  assert.deepEqual(cronWarnings('*/15 * * * *'), ['Spread load evenly by using ‘H/15 * * * *’ rather than ‘*/15 * * * *’']);
  assert.deepEqual(cronWarnings('0 2 * * *'), ['Spread load evenly by using ‘H 2 * * *’ rather than ‘0 2 * * *’']);
  assert.deepEqual(cronWarnings('0,15,30,45 * * * *'), ['Spread load evenly by using ‘H/15 * * * *’ rather than ‘0,15,30,45 * * * *’']);
  assert.deepEqual(cronWarnings('* 0 * * *'), ['Do you really mean "every minute" when you say "* 0 * * *"? Perhaps you meant "H 0 * * *"']);
  assert.deepEqual(cronWarnings('H 0 */3 * *'), ['Short cycles in the day-of-month field will behave oddly near the end of a month']);
  assert.deepEqual(cronWarnings('H H * * *\n@daily'), []);
});

// ---------------------------------------------------------------------------------------------
// Property: nextFire is after `after`, on a minute, matches the spec, and nothing earlier does.

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Sao_Paulo'];

const fieldArb = (min: number, max: number, hashMax = max): fc.Arbitrary<string> => {
  const n = fc.integer({ min, max });
  const term = fc.oneof(
    fc.constant('*'),
    fc.constant('H'),
    n.map(String),
    fc.tuple(n, n).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.min(max - min + 1, 30) }).map((s) => `*/${s}`),
    fc.integer({ min: 1, max: Math.min(hashMax - min + 1, 30) }).map((s) => `H/${s}`),
    fc.tuple(n, n, fc.integer({ min: 1, max: 12 })).map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
    fc.tuple(n, n).map(([a, b]) => `H(${Math.min(a, b)}-${Math.max(a, b)})`),
  );
  return fc.array(term, { minLength: 1, maxLength: 3 }).map((t) => t.join(','));
};
const specArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fieldArb(0, 59), fieldArb(0, 23), fieldArb(1, 31, 28), fieldArb(1, 12), fieldArb(0, 7, 6)).map((f) => f.join(' ')) },
  { weight: 4, arbitrary: fc.tuple(fieldArb(0, 59), fieldArb(0, 23)).map(([m, h]) => `${m} ${h} * * *`) },
  { weight: 1, arbitrary: fc.constantFrom('@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly') },
);

test('property: nextFire is > after, on a minute, matches the spec, and no earlier minute matches', () => {
  fc.assert(
    fc.property(
      specArb,
      fc.constantFrom('my-job', 'folder/nightly', 'x'),
      fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2060-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.constantFrom(...ZONES),
      (spec, job, after, zone) => {
        const r = nextFire(spec, job, after, zone);
        if (r === null) return; // e.g. 31 in a month field that has no 31-day month selected
        assert.ok(r.getTime() > after.getTime(), `${spec}: ${r.toISOString()} is not after ${after.toISOString()}`);
        assert.equal(r.getTime() % 60_000, 0);
        assert.ok(cronMatches(spec, job, r, zone), `${spec} in ${zone}: ${r.toISOString()} does not match`);
        const table = parseCron(spec, job);
        const gap = r.getTime() - after.getTime();
        if (gap <= 36 * 3600_000) {
          for (let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000; t < r.getTime(); t += 60_000) {
            assert.ok(!cronMatches(table, job, new Date(t), zone), `${spec} in ${zone}: ${new Date(t).toISOString()} matches before ${r.toISOString()}`);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: the same holds around DST changes (gaps, repeats, half-hour shifts)', () => {
  const transitions = [
    ['Europe/Paris', '2024-03-31T01:00:00Z'],
    ['Europe/Paris', '2024-10-27T01:00:00Z'],
    ['America/New_York', '2024-03-10T07:00:00Z'],
    ['America/New_York', '2024-11-03T06:00:00Z'],
    ['Australia/Lord_Howe', '2024-04-06T15:00:00Z'],
    ['Australia/Lord_Howe', '2024-10-05T15:30:00Z'],
    ['Pacific/Chatham', '2024-04-06T14:00:00Z'],
  ] as const;
  fc.assert(
    fc.property(
      fc.tuple(fieldArb(0, 59), fieldArb(0, 23)).map(([m, h]) => `${m} ${h} * * *`),
      fc.constantFrom(...transitions),
      fc.integer({ min: -36 * 60, max: 36 * 60 }),
      (spec, [zone, iso], shiftMin) => {
        const after = new Date(new Date(iso).getTime() + shiftMin * 60_000 + 17_000);
        const r = nextFire(spec, 'job', after, zone);
        assert.ok(r !== null);
        assert.ok(r.getTime() > after.getTime());
        assert.ok(cronMatches(spec, 'job', r, zone), `${spec} in ${zone}: ${r.toISOString()} does not match`);
        const table = parseCron(spec, 'job');
        for (let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000; t < r.getTime(); t += 60_000) {
          assert.ok(!cronMatches(table, 'job', new Date(t), zone), `${spec} in ${zone}: ${new Date(t).toISOString()} matches before ${r.toISOString()}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});
