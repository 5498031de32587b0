// java.util.Date, java.util.TimeZone and java.text.SimpleDateFormat for pipelines, with the
// methods Jenkins' sandbox whitelist lets a script call on them (script-security's
// generic-whitelist: `new java.util.Date`, `method java.util.Date getTime`, DateGroovyMethods'
// `format(String)` / `format(String, TimeZone)`, `staticMethod java.util.TimeZone getTimeZone`,
// `new java.text.SimpleDateFormat java.lang.String`, `method java.text.DateFormat format/parse`).
//
// A Date is a point in time (milliseconds since the epoch). Formatting follows
// SimpleDateFormat's pattern letters (y M d H h k K m s S E a z Z X D u w, 'quoted text'),
// computed in a time zone: an IANA zone through Intl, or a fixed offset (GMT+02:00). The
// default zone is the process's (Java's is the JVM's), as `new Date().toString()` shows it.
// A method the whitelist does not allow is refused by the caller (java-classes.ts) with
// Jenkins' "Scripts not permitted to use method java.util.Date ..." message.
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import { setDateTimeSupport, toGroovyString } from './format.ts';
import type { CallArgs, DynamicContext, HostObject, Value } from './values.ts';

// ---------------------------------------------------------------------------------------------
// Time zones

export class TimeZoneObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.util.TimeZone';
  /** Java's ID: "UTC", "Europe/Paris", "GMT+02:00". */
  readonly id: string;
  /** The IANA zone for Intl, or null for a fixed offset. */
  readonly iana: string | null;
  /** Minutes east of UTC, for a fixed offset. */
  readonly fixed: number;
  constructor(id: string, iana: string | null, fixed = 0) {
    this.id = id;
    this.iana = iana;
    this.fixed = fixed;
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  /** Minutes east of UTC at the instant `ms`. */
  offsetAt(ms: number): number {
    if (this.iana === null) return this.fixed;
    const f = partsAt(ms, this.iana);
    return Math.round((Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - (ms - mod(ms, 1000))) / 60000);
  }
  /** The zone's short name at `ms` ("UTC", "EST", "GMT+01:00"). */
  shortName(ms: number): string {
    if (this.iana === null) return this.id;
    if (this.iana === 'UTC' || this.iana === 'Etc/UTC') return 'UTC';
    if (this.iana === 'Etc/GMT') return 'GMT';
    const name = new Intl.DateTimeFormat('en-US', { timeZone: this.iana, timeZoneName: 'short' }).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? this.id;
    if (name === 'GMT') return 'GMT';
    return name.startsWith('GMT') ? gmtName(this.offsetAt(ms)) : name;
  }
  toString(): string {
    return `sun.util.calendar.ZoneInfo[id="${this.id}"]`;
  }
}

function gmtName(offset: number): string {
  const a = Math.abs(offset);
  return `GMT${offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
}

function validIana(id: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: id });
    return true;
  } catch {
    return false;
  }
}

/** TimeZone.getTimeZone(id): an unknown ID is GMT, as in Java. */
export function timeZoneOf(id: string): TimeZoneObject {
  if (id === 'UTC' || id === 'GMT') return new TimeZoneObject(id, id === 'UTC' ? 'UTC' : 'Etc/GMT');
  const m = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(id);
  if (m) {
    const h = Number(m[2]);
    const min = Number(m[3] ?? '0');
    if (h <= 23 && min <= 59) {
      const off = (m[1] === '-' ? -1 : 1) * (h * 60 + min);
      return new TimeZoneObject(gmtName(off), null, off);
    }
  }
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id) && validIana(id)) return new TimeZoneObject(id, id);
  return new TimeZoneObject('GMT', 'Etc/GMT');
}

let defaultZone: TimeZoneObject | null = null;
/** The zone of the process (Java's default zone is the JVM's). */
export function defaultTimeZone(): TimeZoneObject {
  const id = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (defaultZone === null || defaultZone.iana !== id) defaultZone = new TimeZoneObject(id, id);
  return defaultZone;
}

interface Fields { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function partsAt(ms: number, iana: string): Fields {
  let f = formatters.get(iana);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short', era: 'short',
    });
    formatters.set(iana, f);
  }
  const out: Fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  let bc = false;
  for (const p of f.formatToParts(ms)) {
    switch (p.type) {
      case 'year': out.year = Number(p.value); break;
      case 'month': out.month = Number(p.value); break;
      case 'day': out.day = Number(p.value); break;
      case 'hour': out.hour = Number(p.value) % 24; break;
      case 'minute': out.minute = Number(p.value); break;
      case 'second': out.second = Number(p.value); break;
      case 'weekday': out.weekday = WEEKDAYS.indexOf(p.value); break;
      case 'era': bc = p.value.startsWith('B'); break;
    }
  }
  if (bc) out.year = 1 - out.year;
  return out;
}

/** The calendar fields of `ms` in `zone`, and the zone's offset then (minutes). */
function fieldsIn(ms: number, zone: TimeZoneObject): Fields & { millis: number; offset: number } {
  const millis = mod(ms, 1000);
  if (zone.iana === null) {
    const d = new Date(ms + zone.fixed * 60000);
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(), weekday: d.getUTCDay(), millis, offset: zone.fixed,
    };
  }
  const f = partsAt(ms, zone.iana);
  const offset = Math.round((Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - (ms - millis)) / 60000);
  return { ...f, millis, offset };
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

// ---------------------------------------------------------------------------------------------
// SimpleDateFormat patterns

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Token = { letter: string; count: number } | { text: string };

const patternCache = new Map<string, Token[]>();

/** Parses a SimpleDateFormat pattern; an unknown letter is Java's IllegalArgumentException. */
export function parseDatePattern(p: string, loc: Loc | null): Token[] {
  const hit = patternCache.get(p);
  if (hit) return hit;
  const out: Token[] = [];
  for (let i = 0; i < p.length;) {
    const c = p[i]!;
    if (c === "'") {
      if (p[i + 1] === "'") { out.push({ text: "'" }); i += 2; continue; }
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= p.length) throw scriptError('date-format', `Unterminated quote`, loc, 'java.lang.IllegalArgumentException');
        if (p[j] === "'") {
          if (p[j + 1] === "'") { text += "'"; j += 2; continue; }
          break;
        }
        text += p[j++];
      }
      out.push({ text });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      if (!'GyYMLwWDdFEuaHkKhmsSzZX'.includes(c)) throw scriptError('date-format', `Illegal pattern character '${c}'`, loc, 'java.lang.IllegalArgumentException');
      let j = i;
      while (p[j] === c) j++;
      out.push({ letter: c, count: j - i });
      i = j;
      continue;
    }
    out.push({ text: c });
    i++;
  }
  if (patternCache.size > 500) patternCache.clear();
  patternCache.set(p, out);
  return out;
}

function dayOfYear(f: Fields): number {
  return Math.round((Date.UTC(f.year, f.month - 1, f.day) - Date.UTC(f.year, 0, 1)) / 86400000) + 1;
}

/** Formats the instant `ms` in `zone` with a SimpleDateFormat pattern (English names, as Jenkins' default locale). */
export function formatDate(ms: number, pattern: string, zone: TimeZoneObject, loc: Loc | null): string {
  const f = fieldsIn(ms, zone);
  let s = '';
  for (const t of parseDatePattern(pattern, loc)) {
    if ('text' in t) { s += t.text; continue; }
    const n = t.count;
    switch (t.letter) {
      case 'G': s += f.year > 0 ? 'AD' : 'BC'; break;
      case 'y':
      case 'Y': {
        const y = f.year > 0 ? f.year : 1 - f.year;
        s += n === 2 ? pad(y % 100, 2) : pad(y, n);
        break;
      }
      case 'M':
      case 'L': s += n >= 4 ? MONTHS[f.month - 1] : n === 3 ? MONTHS[f.month - 1]!.slice(0, 3) : pad(f.month, n); break;
      case 'd': s += pad(f.day, n); break;
      case 'D': s += pad(dayOfYear(f), n); break;
      case 'F': s += pad(Math.floor((f.day - 1) / 7) + 1, n); break;
      case 'w': s += pad(Math.floor((dayOfYear(f) - 1 + new Date(Date.UTC(f.year, 0, 1)).getUTCDay()) / 7) + 1, n); break;
      case 'W': s += pad(Math.floor((f.day - 1 + new Date(Date.UTC(f.year, f.month - 1, 1)).getUTCDay()) / 7) + 1, n); break;
      case 'E': s += n >= 4 ? DAYS[f.weekday] : DAYS[f.weekday]!.slice(0, 3); break;
      case 'u': s += pad(f.weekday === 0 ? 7 : f.weekday, n); break;
      case 'a': s += f.hour < 12 ? 'AM' : 'PM'; break;
      case 'H': s += pad(f.hour, n); break;
      case 'k': s += pad(f.hour === 0 ? 24 : f.hour, n); break;
      case 'K': s += pad(f.hour % 12, n); break;
      case 'h': s += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, n); break;
      case 'm': s += pad(f.minute, n); break;
      case 's': s += pad(f.second, n); break;
      case 'S': s += pad(f.millis, n); break;
      case 'z': s += n >= 4 && zone.iana !== null ? longZoneName(ms, zone) : zone.shortName(ms); break;
      case 'Z': s += offsetText(f.offset, false, false); break;
      case 'X':
        if (f.offset === 0) s += 'Z';
        else s += n === 1 ? offsetText(f.offset, false, true) : offsetText(f.offset, n >= 3, false);
        break;
    }
  }
  return s;
}

function longZoneName(ms: number, zone: TimeZoneObject): string {
  if (zone.iana === 'UTC') return 'Coordinated Universal Time';
  return new Intl.DateTimeFormat('en-US', { timeZone: zone.iana!, timeZoneName: 'long' }).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? zone.id;
}

function offsetText(offset: number, colon: boolean, hoursOnly: boolean): string {
  const a = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  if (hoursOnly) return `${sign}${pad(Math.floor(a / 60), 2)}`;
  return `${sign}${pad(Math.floor(a / 60), 2)}${colon ? ':' : ''}${pad(a % 60, 2)}`;
}

/** Parses `text` with a SimpleDateFormat pattern (numeric fields, month names, literal text); Java's ParseException when it does not fit. */
export function parseDate(text: string, pattern: string, zone: TimeZoneObject, loc: Loc | null): number {
  const tokens = parseDatePattern(pattern, loc);
  let i = 0;
  let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0, pm: boolean | null = null, h12 = false;
  let offset: number | null = null;
  const fail = (): never => { throw scriptError('date-parse', `Unparseable date: "${text}"`, loc, 'java.text.ParseException'); };
  const num = (max: number): number => {
    const m = /^[+-]?\d+/.exec(text.slice(i, max > 0 ? i + max : undefined));
    if (!m) fail();
    i += m![0].length;
    return Number(m![0]);
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    // a numeric field followed directly by another numeric field takes exactly its width (yyyyMMdd)
    const next = tokens[k + 1];
    const fixed = next !== undefined && 'letter' in next && !'EaMzZXG'.includes(next.letter) ? (t as { count?: number }).count ?? 0 : 0;
    if ('text' in t) {
      if (text.startsWith(t.text, i)) i += t.text.length;
      else fail();
      continue;
    }
    switch (t.letter) {
      case 'y':
      case 'Y': {
        const start = i;
        year = num(fixed);
        if (t.count <= 2 && i - start === 2) year += year < 70 ? 2000 : 1900;
        break;
      }
      case 'M':
      case 'L':
        if (t.count >= 3) {
          const idx = MONTHS.findIndex((m) => text.slice(i).toLowerCase().startsWith(m.toLowerCase()) || text.slice(i).toLowerCase().startsWith(m.slice(0, 3).toLowerCase()));
          if (idx < 0) fail();
          const full = text.slice(i).toLowerCase().startsWith(MONTHS[idx]!.toLowerCase());
          i += full ? MONTHS[idx]!.length : 3;
          month = idx + 1;
        } else month = num(fixed);
        break;
      case 'd': day = num(fixed); break;
      case 'H': case 'k': hour = num(fixed); break;
      case 'h': case 'K': hour = num(fixed); h12 = true; break;
      case 'm': minute = num(fixed); break;
      case 's': second = num(fixed); break;
      case 'S': millis = num(fixed); break;
      case 'a': {
        const a = text.slice(i, i + 2).toUpperCase();
        if (a !== 'AM' && a !== 'PM') fail();
        pm = a === 'PM';
        i += 2;
        break;
      }
      case 'E': {
        const idx = DAYS.findIndex((d) => text.slice(i).toLowerCase().startsWith(d.slice(0, 3).toLowerCase()));
        if (idx < 0) fail();
        i += text.slice(i).toLowerCase().startsWith(DAYS[idx]!.toLowerCase()) ? DAYS[idx]!.length : 3;
        break;
      }
      case 'Z':
      case 'X': {
        if (text[i] === 'Z') { offset = 0; i++; break; }
        const m = /^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(i));
        if (!m) fail();
        offset = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 60 + Number(m![3] ?? '0'));
        i += m![0].length;
        break;
      }
      case 'z': {
        const m = /^(UTC|GMT)([+-]\d{2}:?\d{2})?/.exec(text.slice(i));
        if (!m) fail();
        offset = 0;
        if (m![2]) offset = (m![2][0] === '-' ? -1 : 1) * (Number(m![2].slice(1, 3)) * 60 + Number(m![2].slice(-2)));
        i += m![0].length;
        break;
      }
      default:
        num(fixed);
    }
  }
  if (h12 && pm !== null) hour = (hour % 12) + (pm ? 12 : 0);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (offset !== null) return local - offset * 60000;
  // the zone's offset at that local time (twice, to settle across a DST change)
  let ms = local - zone.offsetAt(local) * 60000;
  ms = local - zone.offsetAt(ms) * 60000;
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Date and SimpleDateFormat objects

/** java.util.Date. */
export class DateObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.util.Date';
  time: number;
  constructor(time: number) {
    this.time = Math.trunc(time);
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  /** `d.time = ms` (setTime). */
  setProperty(name: string, value: Value): boolean {
    if (name !== 'time' || typeof value !== 'number') return false;
    this.time = Math.trunc(value);
    return true;
  }
  /** The whitelisted methods; undefined for any other (the caller refuses it). */
  call(name: string, a: Value[], loc: Loc): Value | undefined {
    const zone = defaultTimeZone();
    const f = () => fieldsIn(this.time, zone);
    switch (`${name}/${a.length}`) {
      case 'getTime/0': return this.time;
      case 'setTime/1': if (typeof a[0] === 'number') { this.time = Math.trunc(a[0]); return null; } return undefined;
      case 'after/1': return a[0] instanceof DateObject ? this.time > a[0].time : undefined;
      case 'before/1': return a[0] instanceof DateObject ? this.time < a[0].time : undefined;
      case 'compareTo/1': return a[0] instanceof DateObject ? Math.sign(this.time - a[0].time) : undefined;
      case 'equals/1': return a[0] instanceof DateObject && a[0].time === this.time;
      case 'hashCode/0': return Number(BigInt.asIntN(32, BigInt(this.time) ^ (BigInt(this.time) >> 32n)));
      case 'toString/0': return this.toString();
      case 'getYear/0': return f().year - 1900;
      case 'getMonth/0': return f().month - 1;
      case 'getDate/0': return f().day;
      case 'getDay/0': return f().weekday;
      case 'getHours/0': return f().hour;
      case 'getMinutes/0': return f().minute;
      case 'getSeconds/0': return f().second;
      case 'getTimezoneOffset/0': return -f().offset;
      case 'toGMTString/0': return formatDate(this.time, 'd MMM yyyy HH:mm:ss', timeZoneOf('UTC'), loc) + ' GMT';
      case 'toLocaleString/0': return formatDate(this.time, 'MMM d, yyyy h:mm:ss a', zone, loc);
      // DateGroovyMethods
      case 'format/1':
        if (typeof a[0] !== 'string') return undefined;
        return formatDate(this.time, a[0], zone, loc);
      case 'format/2':
        if (typeof a[0] !== 'string' || !(a[1] instanceof TimeZoneObject)) return undefined;
        return formatDate(this.time, a[0], a[1], loc);
      case 'plus/1':
        if (typeof a[0] !== 'number') return undefined;
        return new DateObject(this.time + Math.trunc(a[0]) * 86400000);
      case 'minus/1':
        if (a[0] instanceof DateObject) return Math.round((startOfDay(this.time, zone) - startOfDay(a[0].time, zone)) / 86400000);
        if (typeof a[0] !== 'number') return undefined;
        return new DateObject(this.time - Math.trunc(a[0]) * 86400000);
      case 'next/0': return new DateObject(this.time + 86400000);
      case 'previous/0': return new DateObject(this.time - 86400000);
    }
    if (name.startsWith('set') && a.length === 1 && typeof a[0] === 'number' && ['setYear', 'setMonth', 'setDate', 'setHours', 'setMinutes', 'setSeconds'].includes(name)) {
      const x = f();
      const v = Math.trunc(a[0]);
      const parts = [x.year, x.month - 1, x.day, x.hour, x.minute, x.second];
      parts[['setYear', 'setMonth', 'setDate', 'setHours', 'setMinutes', 'setSeconds'].indexOf(name)] = name === 'setYear' ? v + 1900 : v;
      const local = Date.UTC(parts[0]!, parts[1]!, parts[2]!, parts[3]!, parts[4]!, parts[5]!, x.millis);
      this.time = local - zone.offsetAt(local - x.offset * 60000) * 60000;
      return null;
    }
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    if (args.named !== null || args.closure !== null) return undefined;
    const r = this.call(name, args.positional, loc);
    return r === undefined ? undefined : Promise.resolve(r);
  }
  toString(): string {
    return formatDate(this.time, 'EEE MMM dd HH:mm:ss zzz yyyy', defaultTimeZone(), null);
  }
}

function startOfDay(ms: number, zone: TimeZoneObject): number {
  const f = fieldsIn(ms, zone);
  return Date.UTC(f.year, f.month - 1, f.day);
}

/** java.text.SimpleDateFormat. */
export class SimpleDateFormatObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.text.SimpleDateFormat';
  readonly pattern: string;
  zone: TimeZoneObject;
  constructor(pattern: string, loc: Loc | null) {
    parseDatePattern(pattern, loc);
    this.pattern = pattern;
    this.zone = defaultTimeZone();
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  /** `f.timeZone = tz` (setTimeZone), `f.lenient = b`. */
  setProperty(name: string, value: Value): boolean {
    if (name === 'timeZone' && value instanceof TimeZoneObject) this.zone = value;
    else if (name !== 'lenient' || typeof value !== 'boolean') return false;
    return true;
  }
  call(name: string, a: Value[], loc: Loc): Value | undefined {
    switch (`${name}/${a.length}`) {
      case 'format/1':
        if (a[0] instanceof DateObject) return formatDate(a[0].time, this.pattern, this.zone, loc);
        if (typeof a[0] === 'number') return formatDate(a[0], this.pattern, this.zone, loc);
        if (a[0] === null) return undefined;
        throw scriptError('date-format', 'Cannot format given Object as a Date', loc, 'java.lang.IllegalArgumentException');
      case 'parse/1':
        return typeof a[0] === 'string' ? new DateObject(parseDate(a[0], this.pattern, this.zone, loc)) : undefined;
      case 'setTimeZone/1':
        if (!(a[0] instanceof TimeZoneObject)) return undefined;
        this.zone = a[0];
        return null;
      case 'getTimeZone/0': return this.zone;
      case 'setLenient/1': return null;
      case 'isLenient/0': return true;
      case 'toPattern/0': return this.pattern;
      case 'toString/0': return this.toString();
    }
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    if (args.named !== null || args.closure !== null) return undefined;
    const r = this.call(name, args.positional, loc);
    return r === undefined ? undefined : Promise.resolve(r);
  }
  toString(): string {
    return `java.text.SimpleDateFormat@${toGroovyString(hashOf(this.pattern))}`;
  }
}

function hashOf(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}

// String.format's %t conversions print Dates through this module (format.ts)
setDateTimeSupport({
  millisOf: (v) => (v instanceof DateObject ? v.time : undefined),
  format: (ms, pattern, loc) => formatDate(ms, pattern, defaultTimeZone(), loc),
});
