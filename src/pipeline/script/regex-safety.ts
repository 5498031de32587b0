// How long can this regex take on this string? A conservative estimate of a backtracking
// engine's worst case, from the pattern's shape alone, so that regex.ts can run the cheap
// cases inline (most of a Jenkinsfile's regexes: short strings, simple patterns) and send the
// rest to a regex thread with a deadline (regex-pool.ts).
//
// The model (upper bounds, never exact):
// - A pattern with a repeated part that can itself match in several ways ((a+)+, (a|ab)*,
//   (\s*,)*), or with a backreference, may take time exponential in the string's length.
// - Otherwise each "wide" quantifier (*, +, {n,} or an upper bound above 16) multiplies the
//   work per start position by the string's length: k of them in a row cost up to n^(k+1)
//   for a search over every start position (.*a.*b.*c on a string with no match).
// - Bounded small repeats ({2,4}, ?) only add a constant factor.
// A scan runs inline when its estimate is at most INLINE_BUDGET elementary steps (a few
// milliseconds at most); the estimate only decides where a scan runs, never its answer.
//
// The pattern is JavaScript's (after translateRegex), so the syntax here is JavaScript's.

export interface RegexShape {
  /** A repeated part that can match in more than one way, or a backreference: exponential worst case. */
  readonly exponential: boolean;
  /** Why it is exponential, in words for an error message; '' when it is not. */
  readonly why: string;
  /** Wide quantifiers in the pattern (polynomial degree of the per-start work). */
  readonly wide: number;
}

/** Elementary steps a scan may take inline, in the worst case of the estimate. */
export const INLINE_BUDGET = 2_000_000;
let budget = INLINE_BUDGET;

/** Sets the inline budget (0: every scan runs on a regex thread); returns the one before. For tests. */
export function setInlineBudget(steps: number): number {
  const before = budget;
  budget = steps;
  return before;
}
const WIDE = 16;

interface Frame {
  wide: number;
  /** Contains a quantifier that varies (min != max) or an alternation. */
  variable: boolean;
  alt: boolean;
  /** Text where the group opened, for the error's example. */
  start: number;
}

interface Atom {
  wide: number;
  variable: boolean;
  start: number;
}

const shapes = new Map<string, RegexShape>();

/** The shape of a JavaScript pattern (cached). */
export function regexShape(source: string): RegexShape {
  const hit = shapes.get(source);
  if (hit) return hit;
  const shape = analyze(source);
  if (shapes.size > 1000) shapes.clear();
  shapes.set(source, shape);
  return shape;
}

function analyze(src: string): RegexShape {
  const stack: Frame[] = [{ wide: 0, variable: false, alt: false, start: 0 }];
  let last: Atom | null = null;
  let why = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const d = src[i + 1] ?? '';
      if ((d >= '1' && d <= '9') || (d === 'k' && src[i + 2] === '<')) {
        if (!why) why = `a backreference (\\${d === 'k' ? 'k<name>' : d}) makes the engine try every way to match what it refers to`;
      }
      const start = i;
      if ((d === 'p' || d === 'P' || d === 'u') && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3);
        i = end < 0 ? src.length : end;
      } else {
        i++;
      }
      last = { wide: 0, variable: false, start };
      continue;
    }
    if (c === '[') {
      const start = i;
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
      last = { wide: 0, variable: false, start };
      continue;
    }
    if (c === '(') {
      stack.push({ wide: 0, variable: false, alt: false, start: i });
      if (src[i + 1] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>
        i += 2;
        if (src[i] === '<') {
          if (src[i + 1] === '=' || src[i + 1] === '!') i++;
          else while (i < src.length && src[i] !== '>') i++;
        }
      }
      last = null;
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) continue; // unbalanced: the RegExp constructor reports it
      const g = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.wide += g.wide;
      const variable = g.variable || g.alt;
      parent.variable ||= variable;
      last = { wide: g.wide, variable, start: g.start };
      continue;
    }
    if (c === '|') {
      top.alt = true;
      last = null;
      continue;
    }
    const q = quantifier(src, i);
    if (q !== null) {
      if (last !== null) {
        if (q.max > 1 && last.variable && !why) {
          const part = src.slice(last.start, q.end + 1);
          why = `the repeated part ${part.length > 40 ? part.slice(0, 40) + '...' : part} can match the same text in more than one way, so a failing match tries exponentially many`;
        }
        if (q.max > WIDE) top.wide++;
        if (q.max !== q.min) top.variable = true;
        last = null;
      }
      i = q.end;
      if (src[i + 1] === '?') i++; // lazy
      continue;
    }
    last = { wide: 0, variable: false, start: i };
  }
  return { exponential: why !== '', why, wide: stack[0]!.wide };
}

function quantifier(src: string, i: number): { min: number; max: number; end: number } | null {
  const c = src[i];
  if (c === '*') return { min: 0, max: Infinity, end: i };
  if (c === '+') return { min: 1, max: Infinity, end: i };
  if (c === '?') return { min: 0, max: 1, end: i };
  if (c !== '{') return null;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
  if (m === null) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { min, max, end: i + m[0].length - 1 };
}

/** The estimated worst-case steps of a scan (Infinity when it does not fit a number). */
export function worstCase(shape: RegexShape, patternLength: number, inputLength: number): number {
  const n = inputLength + 1;
  if (shape.exponential) return inputLength > 60 ? Infinity : 2 ** inputLength * n * patternLength;
  return n ** (shape.wide + 1) * Math.max(1, patternLength);
}

/** Whether a scan of this pattern over a string this long may run inline. */
export function mayRunInline(source: string, inputLength: number): boolean {
  return worstCase(regexShape(source), source.length, inputLength) <= budget;
}
