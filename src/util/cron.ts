// Jenkins' cron syntax, parsed once and evaluated: the one cron grammar in Kiln.
//
// What: `triggers { cron(...) }` and `pollSCM(...)` specs. Five fields MINUTE HOUR DOM MONTH
// DOW, each a comma list of `*`, `H`, `H(a-b)`, `n` or `a-b`, all but `n` optionally with
// `/step`; or an alias @yearly @annually @monthly @weekly @daily @midnight @hourly. One schedule
// per line; blank lines and `#` comments are skipped; a `TZ=Zone` line before the schedules
// sets their time zone. `parseCron` turns a spec into tables of allowed values, `checkCron`
// reports every bad line (for lint), `nextFire` says when a job fires next, `cronWarnings`
// gives Jenkins' "spread load evenly" advice.
//
// Why this way: the grammar and the semantics follow Jenkins (hudson.scheduler.CronTab,
// CrontabParser.g4, BaseParser, Hash) so that a Jenkinsfile's schedule means what it meant:
//   - No month or weekday names (Jenkins' lexer only knows digits). DOW 7 is Sunday.
//   - `H` is a hash of the job's full name, computed exactly as Jenkins does: MD5 of the name
//     folded to 64 bits seeds a java.util.Random, and each `H` in the spec draws the next
//     value in reading order (across lines too). A job therefore fires at the very minute it
//     fired on Jenkins. `H` alone spans 1-28 in the day-of-month field and 0-6 in the
//     day-of-week field; `H/1` is a single value, like `H`. Without a job name `H` is the
//     lowest value (Jenkins' Hash.zero()).
//   - The aliases are Jenkins' hashed ones: @hourly = `H * * * *`, @daily = `H H * * *`,
//     @midnight = `H H(0-2) * * *`, @weekly = `H H * * H`, @monthly = `H H H * *`,
//     @yearly = @annually = `H H H H *`.
//   - All five fields must match (Jenkins' CronTab.check ANDs day-of-month and day-of-week,
//     unlike Vixie cron, which ORs them when both are restricted).
//   - A schedule fires at every real minute whose wall-clock time in the zone matches, as
//     Jenkins' once-a-minute check does: a time skipped by a DST jump does not fire, a time
//     repeated when clocks go back fires twice.
//
// How: each line becomes five boolean tables. `nextFire` walks wall-clock fields (month, day,
// hour, minute) to the next matching wall time, converts that distance to real time, and
// re-checks across offset changes, which it finds with Intl (binary search for the instant
// the UTC offset changes). No dependencies.

import { createHash } from 'node:crypto';
import { KilnError } from '../core/errors.ts';

export const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59, hashMax: 59 },
  { name: 'hour', min: 0, max: 23, hashMax: 23 },
  { name: 'day-of-month', min: 1, max: 31, hashMax: 28 },
  { name: 'month', min: 1, max: 12, hashMax: 12 },
  { name: 'day-of-week', min: 0, max: 7, hashMax: 6 },
] as const;

/** The aliases and the five-field specs they stand for (as Jenkins' CrontabParser.g4). */
export const CRON_ALIAS_SPECS: Readonly<Record<string, string>> = {
  '@yearly': 'H H H H *',
  '@annually': 'H H H H *',
  '@monthly': 'H H H * *',
  '@weekly': 'H H * * H',
  '@daily': 'H H * * *',
  '@midnight': 'H H(0-2) * * *',
  '@hourly': 'H * * * *',
};

/** One schedule line: which minutes, hours, days, months and weekdays it allows. */
export interface CronLine {
  /** The line as written (trimmed). */
  text: string;
  /** 1-based line number in the spec. */
  line: number;
  minutes: boolean[]; // [0..59]
  hours: boolean[]; // [0..23]
  days: boolean[]; // [1..31], index 0 unused
  months: boolean[]; // [1..12], index 0 unused
  weekdays: boolean[]; // [0..6], Sunday = 0 (7 folds into 0)
}

export interface CronTable {
  lines: CronLine[];
  /** From a `TZ=` line, or null: then the caller's zone applies. */
  timeZone: string | null;
}

export interface CronProblem {
  message: string;
  /** Index into the spec text where the problem is. */
  index: number;
}

/** A spec that does not parse; `index` points into the spec text, `line` is 1-based. */
export class CronSyntaxError extends KilnError {
  readonly index: number;
  readonly line: number;
  constructor(message: string, index: number, line: number) {
    super('cron.syntax', message);
    this.index = index;
    this.line = line;
  }
}

// ---------------------------------------------------------------------------------------------
// Jenkins' Hash: MD5(seed) folded to a long, fed to java.util.Random; next(n) = nextInt(n).

const MASK48 = (1n << 48n) - 1n;
const MULT = 0x5deece66dn;

/** A java.util.Random seeded like Jenkins' hudson.scheduler.Hash.from(seed). */
export class JenkinsHash {
  #seed: bigint | null;
  constructor(seed: string | null) {
    if (seed === null) {
      this.#seed = null;
      return;
    }
    const d = createHash('md5').update(seed, 'utf8').digest();
    for (let i = 8; i < d.length; i++) d[i % 8] = d[i % 8]! ^ d[i]!;
    let l = 0n;
    for (let i = 0; i < 8; i++) l = BigInt.asIntN(64, (l << 8n) + BigInt(d[i]!));
    this.#seed = (BigInt.asUintN(64, l) ^ MULT) & MASK48;
  }
  #next31(): number {
    this.#seed = (this.#seed! * MULT + 0xbn) & MASK48;
    return Number(this.#seed >> 17n);
  }
  /** A value in [0, n); always 0 for a hash without a seed (Jenkins' Hash.zero()). */
  next(n: number): number {
    if (this.#seed === null) return 0;
    let r = this.#next31();
    const m = n - 1;
    if ((n & m) === 0) return Number((BigInt(n) * BigInt(r)) >> 31n);
    for (let u = r; ((u - (r = u % n) + m) | 0) < 0; u = this.#next31());
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface LineError {
  message: string;
  /** Index into the line text. */
  at: number;
}

function isTzLine(t: string): boolean {
  return t.startsWith('TZ=');
}

/** Checks that `zone` is an IANA zone Intl knows; returns its name or null. */
export function validTimeZone(zone: string): string | null {
  if (zone === '') return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

interface Scan {
  table: CronTable;
  problems: (CronProblem & { line: number })[];
  /** True when the spec has no schedule line at all. */
  empty: boolean;
}

function scan(spec: string, hashSeed: string | null, stopAtFirst: boolean): Scan {
  const hash = new JenkinsHash(hashSeed);
  const table: CronTable = { lines: [], timeZone: null };
  const problems: (CronProblem & { line: number })[] = [];
  let lineStart = 0;
  let lineNo = 0;
  let sawSchedule = false;
  for (const rawLine of spec.split('\n')) {
    const start = lineStart;
    lineStart += rawLine.length + 1;
    lineNo++;
    const line = rawLine.replace(/\r$/, '');
    const lead = line.length - line.trimStart().length;
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (isTzLine(t)) {
      const zone = t.slice(3).trim();
      if (sawSchedule || table.timeZone !== null) {
        problems.push({ message: `Invalid cron spec "${t}": a TZ= line must come first, before the schedules`, index: start + lead, line: lineNo });
      } else if (validTimeZone(zone) === null) {
        problems.push({ message: `Invalid or unsupported timezone '${zone}' (use an IANA name such as Europe/Paris or UTC)`, index: start + lead + 3, line: lineNo });
      } else {
        table.timeZone = zone;
      }
      if (stopAtFirst && problems.length > 0) break;
      continue;
    }
    sawSchedule = true;
    const r = parseLine(t, hash);
    if ('message' in r) {
      problems.push({ message: `Invalid cron spec "${t}": ${r.message}`, index: start + lead + r.at, line: lineNo });
      if (stopAtFirst) break;
    } else {
      table.lines.push({ ...r, text: t, line: lineNo });
    }
  }
  return { table, problems, empty: !sawSchedule };
}

/**
 * Parses a spec; `jobName` (the job's full name, `folder/job`) seeds `H`. Throws
 * CronSyntaxError at the first bad line. An empty spec gives a table that never fires.
 */
export function parseCron(spec: string, jobName: string | null = null): CronTable {
  const s = scan(spec, jobName, true);
  const p = s.problems[0];
  if (p) throw new CronSyntaxError(p.message, p.index, p.line);
  return s.table;
}

/**
 * Every bad line's first problem. A spec with no schedule at all (empty, blank or only
 * comments) is no problem: Jenkins' CronTabList.create skips those lines and the trigger never
 * fires; `cron(isMain ? 'H 2 * * *' : '')` relies on it. `cronHasSchedule` tells them apart.
 */
export function checkCron(spec: string): CronProblem[] {
  const s = scan(spec, null, false);
  return s.problems.map((p) => ({ message: p.message, index: p.index }));
}

/** Whether a spec has at least one schedule line (not only blank lines and comments). */
export function cronHasSchedule(spec: string): boolean {
  return !scan(spec, null, true).empty;
}

type Tables = Omit<CronLine, 'text' | 'line'>;

function parseLine(line: string, hash: JenkinsHash): Tables | LineError {
  if (line.startsWith('@')) {
    const alias = line.split(/[ \t]+/)[0]!;
    const expansion = CRON_ALIAS_SPECS[alias];
    if (expansion === undefined) {
      return { message: `unknown alias "${alias}" (valid: ${Object.keys(CRON_ALIAS_SPECS).join(', ')})`, at: 0 };
    }
    if (alias.length !== line.length) return { message: `nothing may follow "${alias}"`, at: alias.length };
    const r = parseLine(expansion, hash);
    if ('message' in r) throw new Error(`alias ${alias} does not parse: ${r.message}`);
    return r;
  }
  const fields: { text: string; index: number }[] = [];
  const re = /[^ \t]+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) fields.push({ text: m[0], index: m.index });
  if (fields.length !== 5) {
    return {
      message: `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
      at: fields.length > 5 ? fields[5]!.index : 0,
    };
  }
  const tables: boolean[][] = [];
  for (let i = 0; i < 5; i++) {
    const f = fields[i]!;
    const def = CRON_FIELDS[i]!;
    const r = parseField(f.text, def, hash);
    if (typeof r === 'string') return { message: `${def.name} field "${f.text}" ${r}`, at: f.index };
    tables.push(r);
  }
  const dow = tables[4]!;
  if (dow[7]) dow[0] = true;
  return {
    minutes: tables[0]!,
    hours: tables[1]!,
    days: tables[2]!,
    months: tables[3]!,
    weekdays: dow.slice(0, 7),
  };
}

const TERM = /^(\*|H(?:\((\d+)-(\d+)\))?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/** One field → table of allowed values, or the problem (completing "<field> field "x" ..."). */
function parseField(text: string, def: (typeof CRON_FIELDS)[number], hash: JenkinsHash): boolean[] | string {
  const bits: boolean[] = new Array<boolean>(def.max + 1).fill(false);
  const set = (from: number, to: number, step: number): void => {
    for (let v = from; v <= to; v += step) bits[v] = true;
  };
  for (const term of text.split(',')) {
    if (term === '') return 'has an empty item';
    const m = TERM.exec(term);
    if (!m) return `is not valid: "${term}" (use *, H, H(a-b), n, a-b, optionally with /step)`;
    const nums = [m[2], m[3], m[4], m[5]].filter((x): x is string => x !== undefined).map(Number);
    for (const n of nums) if (n < def.min || n > def.max) return `is out of range: ${n} is not within ${def.min}-${def.max}`;
    const lo = m[2] ?? m[4];
    const hi = m[3] ?? m[5];
    if (lo !== undefined && hi !== undefined && Number(lo) > Number(hi)) return `has an empty range ${lo}-${hi} (did you mean ${hi}-${lo}?)`;
    const step = m[6] === undefined ? 1 : Number(m[6]);
    if (m[6] !== undefined && step < 1) return 'has a step of 0';
    if (m[6] !== undefined && m[4] !== undefined && m[5] === undefined) {
      return `is not valid: "${term}" (a step needs *, H or a range before it)`;
    }
    if (m[1] === '*') {
      set(def.min, def.max, step);
    } else if (term.startsWith('H')) {
      const s = lo === undefined ? def.min : Number(lo);
      const e = hi === undefined ? def.hashMax : Number(hi);
      if (step > e - s + 1) return `has a step of ${step}, larger than the ${e - s + 1} values of ${s}-${e}`;
      // Jenkins: a step of 1 (or none) picks one value; a larger step picks a hashed start.
      if (step > 1) set(hash.next(step) + s, e, step);
      else bits[s + hash.next(e - s + 1)] = true;
    } else if (hi !== undefined) {
      set(Number(lo), Number(hi), step);
    } else {
      bits[Number(lo)] = true;
    }
  }
  return bits;
}

/**
 * Jenkins' advice for a spec that parses (CronTab.checkSanity): "every minute" where a
 * sparse hour or day was likely meant, short day-of-month cycles, and fixed minutes that
 * would start every job at once. One message per line at most.
 */
export function cronWarnings(spec: string): string[] {
  const s = scan(spec, null, false);
  const out: string[] = [];
  for (const l of s.table.lines) {
    const w = lineWarning(l);
    if (w) out.push(w);
  }
  return out;
}

function lineWarning(l: CronLine): string | null {
  const spec = l.text;
  const ranks = [l.minutes, l.hours, l.days, l.months, l.weekdays];
  for (let i = 0; i < 5; i++) {
    const def = CRON_FIELDS[i]!;
    const bits = ranks[i]!;
    let sparse = false;
    for (let j = def.min; j <= Math.min(def.max, bits.length - 1); j++) if (!bits[j]) sparse = true;
    if (sparse) {
      if (i > 0) return `Do you really mean "every minute" when you say "${spec}"? Perhaps you meant "H ${spec.slice(spec.indexOf(' ') + 1)}"`;
      break;
    }
  }
  let days = 0;
  for (let i = 1; i < 31; i++) if (l.days[i]) days++;
  if (days > 5 && days < 28) return 'Short cycles in the day-of-month field will behave oddly near the end of a month';
  const h = hashify(spec);
  return h === null ? null : `Spread load evenly by using ‘${h}’ rather than ‘${spec}’`;
}

function hashify(spec: string): string | null {
  if (spec.includes('H') || spec.startsWith('@')) return null;
  if (spec.startsWith('*/')) return 'H' + spec.slice(1);
  if (/^\d+ .+/.test(spec)) return 'H ' + spec.slice(spec.indexOf(' ') + 1);
  const m = /^0(,(\d+)(,\d+)*)( .+)$/.exec(spec);
  if (m) {
    const period = Number(m[2]);
    if (period > 0) {
      let b = '';
      for (let i = period; i < 60; i += period) b += ',' + i;
      if (b === m[1]) return `H/${period}${m[4]}`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Time zones: wall-clock fields of an instant, via Intl (cached formatter per zone).

interface Wall {
  y: number;
  mo: number; // 1-12
  d: number;
  h: number;
  mi: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z']);

/** Wall-clock fields at `t` (ms) in `zone`, and the zone's offset there in ms. */
function wallAt(t: number, zone: string): { wall: Wall; offset: number } {
  if (UTC_ZONES.has(zone)) {
    const d = new Date(t);
    return { wall: { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() }, offset: 0 };
  }
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  let bc = false;
  for (const p of formatter(zone).formatToParts(new Date(t))) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      case 'era': bc = p.value === 'BC'; break;
      default: break;
    }
  }
  if (bc) y = 1 - y;
  const wall = { y, mo, d, h, mi };
  const secs = Math.floor(t / 1000) * 1000;
  return { wall, offset: wallMs(wall) + s * 1000 - secs };
}

function wallMs(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.y, w.mo - 1, w.d);
  d.setUTCHours(w.h, w.mi, 0, 0);
  return d.getTime();
}

function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function weekday(y: number, mo: number, d: number): number {
  const x = new Date(0);
  x.setUTCFullYear(y, mo - 1, d);
  return x.getUTCDay();
}

/** The process' own zone (where Jenkins would use the JVM's default zone). */
export function defaultTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function lineMatchesWall(l: CronLine, w: Wall): boolean {
  return !!(l.minutes[w.mi] && l.hours[w.h] && l.days[w.d] && l.months[w.mo] && l.weekdays[weekday(w.y, w.mo, w.d)]);
}

/** The first wall time ≥ `from` that the line allows, searching up to `lastYear`. */
function nextWall(l: CronLine, from: Wall, lastYear: number): Wall | null {
  let { y, mo, d, h, mi } = from;
  for (;;) {
    if (y > lastYear) return null;
    if (!l.months[mo]) {
      let n = mo + 1;
      while (n <= 12 && !l.months[n]) n++;
      if (n > 12) {
        y++;
        n = 1;
        while (n <= 12 && !l.months[n]) n++;
        if (n > 12) return null;
      }
      mo = n;
      d = 1;
      h = 0;
      mi = 0;
      continue;
    }
    if (d > daysInMonth(y, mo)) {
      mo++;
      if (mo > 12) {
        mo = 1;
        y++;
      }
      d = 1;
      h = 0;
      mi = 0;
      continue;
    }
    if (!l.days[d] || !l.weekdays[weekday(y, mo, d)]) {
      d++;
      h = 0;
      mi = 0;
      continue;
    }
    if (!l.hours[h]) {
      let n = h + 1;
      while (n <= 23 && !l.hours[n]) n++;
      if (n > 23) {
        d++;
        h = 0;
        mi = 0;
        continue;
      }
      h = n;
      mi = 0;
    }
    if (!l.minutes[mi]) {
      let n = mi + 1;
      while (n <= 59 && !l.minutes[n]) n++;
      if (n > 59) {
        h++;
        mi = 0;
        if (h > 23) {
          d++;
          h = 0;
        }
        continue;
      }
      mi = n;
    }
    return { y, mo, d, h, mi };
  }
}

const MINUTE = 60_000;
const MAX_JUMP = 7 * 24 * 60 * MINUTE;
/** How far ahead to look for a schedule that (almost) never matches, like 30 February. */
const SEARCH_YEARS = 100;

function nextFireLine(l: CronLine, after: number, zone: string): number | null {
  let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  const lastYear = new Date(after).getUTCFullYear() + SEARCH_YEARS;
  for (;;) {
    const { wall, offset } = wallAt(t, zone);
    const w = nextWall(l, wall, lastYear);
    if (w === null) return null;
    const delta = wallMs(w) - wallMs(wall);
    if (delta === 0) return t;
    const step = Math.min(delta, MAX_JUMP);
    const t2 = t + step;
    if (wallAt(t2, zone).offset === offset) {
      if (step === delta) return t2;
      t = t2;
      continue;
    }
    // The offset changes within (t, t2]: find the first minute with the new offset.
    let lo = t;
    let hi = t2;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (wallAt(mid, zone).offset === offset) lo = mid;
      else hi = mid;
    }
    if (t + delta < hi) return t + delta;
    t = hi;
  }
}

function tableOf(spec: string | CronTable, jobName: string | null): CronTable {
  return typeof spec === 'string' ? parseCron(spec, jobName) : spec;
}

/**
 * The first minute strictly after `after` at which the spec fires, or null when it never
 * does (an empty spec, or a date like 30 February). `jobName` seeds `H`; `timeZone` is the
 * zone used when the spec has no `TZ=` line (default: the process' zone). Throws
 * CronSyntaxError for a spec that does not parse (check it first with checkCron).
 */
export function nextFire(spec: string | CronTable, jobName: string | null, after: Date, timeZone?: string): Date | null {
  const table = tableOf(spec, jobName);
  const zone = table.timeZone ?? timeZone ?? defaultTimeZone();
  let best: number | null = null;
  for (const l of table.lines) {
    const t = nextFireLine(l, after.getTime(), zone);
    if (t !== null && (best === null || t < best)) best = t;
  }
  return best === null ? null : new Date(best);
}

/** Whether the spec fires in the minute that contains `at`. */
export function cronMatches(spec: string | CronTable, jobName: string | null, at: Date, timeZone?: string): boolean {
  const table = tableOf(spec, jobName);
  const zone = table.timeZone ?? timeZone ?? defaultTimeZone();
  const { wall } = wallAt(at.getTime(), zone);
  return table.lines.some((l) => lineMatchesWall(l, wall));
}
