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
// - Bounded small repeats ({2,4}, ?) and alternations multiply the work by the number of ways
//   they can match: a?a?...a? (k times) or (?:a|a)(?:a|a)... try up to 2^k ways per start, so
//   the estimate multiplies by each one's count of ways (a `factor`), not by a constant.
// - An exponential pattern tries at most m^n paths, m the size of its expanded automaton (a
//   {3} counts three times): every character taken moves to one of at most m states. Its base
//   is m, not 2 ((a|a|a|a|a|a|a|a)+ on 10 characters is 8^10 steps, not 2^10).
// - A lookaround is atomic (JavaScript never backtracks into one): its ways multiply the cost of
//   each test, but it adds no state (size 0) and no ambiguity to a repeat around it. The
//   backreference that closes Kiln's atomic groups and possessive quantifiers (`(?=(x*))\1`,
//   written bare, while a pattern's own are (?:\1)) matches one way and is not a backreference's
//   exponential case.
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
  /** Ways the bounded choices (?, {2,4}, alternations) can combine per start position (>= 1, may be Infinity). */
  readonly factor: number;
  /** States of the pattern's automaton with bounded repeats expanded (>= 1, may be Infinity). */
  readonly size: number;
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
  /** Ways of the alternatives closed so far (sum) and of the current one (product). */
  altWays: number;
  ways: number;
  /** Automaton states of the alternatives so far and of the current one. */
  altSize: number;
  size: number;
  /** A lookaround: zero-width and atomic (JavaScript never backtracks into one). */
  look: boolean;
}

interface Atom {
  wide: number;
  variable: boolean;
  start: number;
  ways: number;
  size: number;
}

function frame(start: number): Frame {
  return { wide: 0, variable: false, alt: false, start, altWays: 0, ways: 1, altSize: 0, size: 0, look: false };
}

function atom(start: number): Atom {
  return { wide: 0, variable: false, start, ways: 1, size: 1 };
}

/** Adds an atom (already quantified) to the current alternative. */
function add(f: Frame, a: Atom): void {
  f.ways *= a.ways;
  f.size += a.size;
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
  const stack: Frame[] = [frame(0)];
  // The last atom is added to its frame when the next token shows it is not quantified.
  let last: Atom | null = null;
  let why = '';
  const flush = (): void => {
    if (last !== null) add(stack[stack.length - 1]!, last);
    last = null;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      flush();
      const d = src[i + 1] ?? '';
      // Kiln's atomic groups and possessive quantifiers end in `))\N)` (translateRegex writes the
      // pattern's own backreferences as (?:\N)): it matches once, what the lookahead before it
      // took, whose cost is counted there
      const atomic = d >= '1' && d <= '9' && src[i - 1] === ')' && src[i - 2] === ')' && /^\d+\)/.test(src.slice(i + 1));
      if (!atomic && ((d >= '1' && d <= '9') || (d === 'k' && src[i + 2] === '<'))) {
        if (!why) why = `a backreference (\\${d === 'k' ? 'k<name>' : d}) makes the engine try every way to match what it refers to`;
      }
      const start = i;
      if ((d === 'p' || d === 'P' || d === 'u') && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3);
        i = end < 0 ? src.length : end;
      } else if (atomic) {
        while (src[i + 1] !== ')') i++;
      } else {
        i++;
      }
      last = atom(start);
      continue;
    }
    if (c === '[') {
      flush();
      const start = i;
      // translateRegex escapes a [ in a class, so an unescaped one opens a nested class (the v flag's)
      for (let depth = 1; depth > 0 && ++i < src.length;) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') depth++;
        else if (src[i] === ']') depth--;
      }
      last = atom(start);
      continue;
    }
    if (c === '(') {
      flush();
      const f = frame(i);
      stack.push(f);
      if (src[i + 1] === '?') {
        f.look = src[i + 2] === '=' || src[i + 2] === '!' || (src[i + 2] === '<' && (src[i + 3] === '=' || src[i + 3] === '!'));
        // (?: (?= (?! (?<= (?<! (?<name>
        i += 2;
        if (src[i] === '<') {
          if (src[i + 1] === '=' || src[i + 1] === '!') i++;
          else while (i < src.length && src[i] !== '>') i++;
        }
      }
      continue;
    }
    if (c === ')') {
      flush();
      if (stack.length === 1) continue; // unbalanced: the RegExp constructor reports it
      const g = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.wide += g.wide;
      if (g.look) {
        // its ways cost each time it is tested, but a failing match never backtracks into it:
        // it adds no state to the paths a repeat can take (size 0) and no ambiguity (not variable)
        last = { wide: g.wide, variable: false, start: g.start, ways: g.altWays + g.ways, size: 0 };
        continue;
      }
      const variable = g.variable || g.alt;
      parent.variable ||= variable;
      last = { wide: g.wide, variable, start: g.start, ways: g.altWays + g.ways, size: Math.max(1, g.altSize + g.size) };
      continue;
    }
    if (c === '|') {
      flush();
      top.alt = true;
      top.altWays += top.ways;
      top.altSize += top.size;
      top.ways = 1;
      top.size = 0;
      continue;
    }
    const q = quantifier(src, i);
    if (q !== null) {
      if (last !== null) {
        const a: Atom = last;
        if (q.max > 1 && a.variable && !why) {
          const part = src.slice(a.start, q.end + 1);
          why = `the repeated part ${part.length > 40 ? part.slice(0, 40) + '...' : part} can match the same text in more than one way, so a failing match tries exponentially many`;
        }
        if (q.max > WIDE) {
          top.wide++;
          // a wide repeat's ways are counted by `wide` (one more power of n); its body's ways
          // (when it can match in several) make the pattern exponential above
          add(top, { ...a, size: a.size * (Math.min(q.min, WIDE) + 1) });
        } else {
          // up to max copies of the body, each with its ways, and (max - min + 1) counts to choose from
          add(top, { ...a, ways: (q.max - q.min + 1) * a.ways ** q.max, size: a.size * Math.max(1, q.max) });
        }
        if (q.max !== q.min) top.variable = true;
        last = null;
      }
      i = q.end;
      if (src[i + 1] === '?') i++; // lazy
      continue;
    }
    flush();
    last = atom(i);
  }
  flush();
  const root = stack[0]!;
  // unclosed groups (the RegExp constructor reports them): count what they hold
  let ways = 1;
  let size = 0;
  for (const f of stack) {
    ways *= f.altWays + f.ways;
    size += f.altSize + f.size;
  }
  return { exponential: why !== '', why, wide: root.wide + stack.slice(1).reduce((w, f) => w + f.wide, 0), factor: ways, size: Math.max(1, size) };
}

function quantifier(src: string, i: number): { min: number; max: number; end: number } | null {
  const c = src[i];
  if (c === '*') return { min: 0, max: Infinity, end: i };
  if (c === '+') return { min: 1, max: Infinity, end: i };
  if (c === '?') return { min: 0, max: 1, end: i };
  if (c !== '{') return null;
  // no length cap on the digits: JavaScript takes a{1,100000000000000000000000} as a quantifier
  const re = /\{(\d+)(,(\d*))?\}/y;
  re.lastIndex = i;
  const m = re.exec(src);
  if (m === null) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { min, max, end: i + m[0].length - 1 };
}

/** The estimated worst-case steps of a scan (Infinity when it does not fit a number). */
export function worstCase(shape: RegexShape, patternLength: number, inputLength: number): number {
  const n = inputLength + 1;
  // m^n paths from each start cover every choice (the factor and the wide repeats' too)
  if (shape.exponential) return inputLength > 60 ? Infinity : Math.max(2, shape.size) ** inputLength * n * Math.max(1, patternLength);
  return n ** (shape.wide + 1) * Math.max(1, patternLength) * shape.factor;
}

/** Whether a scan of this pattern over a string this long may run inline. */
export function mayRunInline(source: string, inputLength: number): boolean {
  return worstCase(regexShape(source), source.length, inputLength) <= budget;
}
