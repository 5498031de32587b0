// compareVersions (pipeline-utility-steps): compares two version strings as Jenkins'
// hudson.util.VersionNumber does (Maven's ComparableVersion of its day, with `*` wildcards), and
// returns what its compareTo returns: negative, zero or positive (not always -1 / 1: a qualifier
// compared with another gives the difference of Java strings, as in Jenkins).
//
// The rules, written from VersionNumber's documented behaviour: a version is split at `.` and `-`
// and where digits meet letters; numbers compare as numbers; the qualifiers order as
// snapshot < alpha < beta < milestone < rc < (release: '', ga, final) < sp < any other (by name);
// `a1` / `b1` / `m1` are alpha-1, beta-1, milestone-1; cr and ea are rc; a `-` followed by a
// digit after digits opens a sub-list (1-1 < 1.1); trailing zeros and release qualifiers are
// dropped (1.0 == 1 == 1-ga); `*` is greater than anything but another `*`, and equal to a number.
// Empty versions: both empty is 0, an empty one is lower.
import type { StepRun } from '../../pipeline/plugin.ts';
import { str } from '../../pipeline/steps/args.ts';

type Item =
  | { t: 'int'; v: bigint }
  | { t: 'str'; v: string }
  | { t: 'list'; v: Item[] }
  | { t: 'wild' };

const QUALIFIERS = ['snapshot', 'alpha', 'beta', 'milestone', 'rc', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', cr: 'rc', ea: 'rc' };
const RELEASE = String(QUALIFIERS.indexOf(''));

/** Java's String.compareTo: the first differing UTF-16 unit's difference, else the length difference. */
function javaCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
  return a.length - b.length;
}

function comparable(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function strItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) v = v === 'a' ? 'alpha' : v === 'b' ? 'beta' : v === 'm' ? 'milestone' : v;
  return { t: 'str', v: Object.hasOwn(ALIASES, v) ? ALIASES[v]! : v };
}

function isNull(i: Item): boolean {
  switch (i.t) {
    case 'int': return i.v === 0n;
    case 'str': return comparable(i.v) === RELEASE;
    case 'list': return i.v.length === 0;
    case 'wild': return false;
  }
}

function normalize(list: Item[]): void {
  while (list.length > 0 && isNull(list[list.length - 1]!)) list.pop();
}

function compare(a: Item, b: Item | null): number {
  switch (a.t) {
    case 'wild':
      return b !== null && b.t === 'wild' ? 0 : 1;
    case 'int':
      if (b === null) return a.v === 0n ? 0 : 1;
      if (b.t === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
      return b.t === 'wild' ? 0 : 1;
    case 'str':
      if (b === null) return javaCompare(comparable(a.v), RELEASE);
      if (b.t === 'str') return javaCompare(comparable(a.v), comparable(b.v));
      return -1;
    case 'list': {
      if (b === null) return a.v.length === 0 ? 0 : compare(a.v[0]!, null);
      if (b.t === 'int' || b.t === 'wild') return -1;
      if (b.t === 'str') return 1;
      const n = Math.max(a.v.length, b.v.length);
      for (let i = 0; i < n; i++) {
        const l = a.v[i] ?? null;
        const r = b.v[i] ?? null;
        const res = l === null ? -1 * compare(r!, null) : compare(l, r);
        if (res !== 0) return res;
      }
      return 0;
    }
  }
}

const isDigitChar = (c: string) => c >= '0' && c <= '9';

export function parseVersion(version: string): Item {
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  const v = version.toLowerCase();
  let isDigit = false;
  let start = 0;
  const item = (digit: boolean, s: string): Item => (digit ? { t: 'int', v: BigInt(s) } : strItem(s, false));
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '.' || c === '-') {
      list.push(i === start ? { t: 'int', v: 0n } : item(isDigit, v.slice(start, i)));
      start = i + 1;
      if (c === '-' && isDigit) {
        normalize(list);
        if (i + 1 < v.length && isDigitChar(v[i + 1]!)) {
          const sub: Item[] = [];
          list.push({ t: 'list', v: sub });
          list = sub;
          stack.push(sub);
        }
      }
    } else if (c === '*') {
      list.push({ t: 'wild' });
      start = i + 1;
    } else if (isDigitChar(c)) {
      if (!isDigit && i > start) { list.push(strItem(v.slice(start, i), true)); start = i; }
      isDigit = true;
    } else if (/\s/.test(c)) {
      if (i > start) { list.push(isDigit ? item(true, v.slice(start, i)) : strItem(v.slice(start, i), true)); start = i; }
      isDigit = false;
    } else {
      if (isDigit && i > start) { list.push(item(true, v.slice(start, i))); start = i; }
      isDigit = false;
    }
  }
  if (v.length > start) list.push(item(isDigit, v.slice(start)));
  while (stack.length > 0) normalize(stack.pop()!);
  return { t: 'list', v: root };
}

/** What Jenkins' compareVersions returns for v1 and v2. */
export function compareVersions(v1: string, v2: string): number {
  if (v1 === '' && v2 === '') return 0;
  if (v1 === '') return -1;
  if (v2 === '') return 1;
  return compare(parseVersion(v1), parseVersion(v2));
}

export const compareVersionsStep: StepRun = async (_ctx, args) => compareVersions(str(args, 'v1') ?? '', str(args, 'v2') ?? '');
