// Jenkins' cron syntax (triggers { cron(...) / pollSCM(...) }): one schedule per line, five
// fields MINUTE HOUR DOM MONTH DOW, each a comma list of `*`, `H`, `H(a-b)`, `n`, `a-b`, any of
// them with `/step`; or an alias (@hourly, @daily, ...). Blank lines and `#` comments are
// skipped, and so is a `TZ=Zone` line.

export const CRON_ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const;

export interface CronProblem {
  message: string;
  /** Index into the spec text where the problem is. */
  index: number;
}

/** Checks a cron spec; returns the first problem of each bad line. */
export function checkCron(spec: string): CronProblem[] {
  const problems: CronProblem[] = [];
  let lineStart = 0;
  for (const rawLine of spec.split('\n')) {
    const start = lineStart;
    lineStart += rawLine.length + 1;
    const line = rawLine.replace(/\r$/, '');
    const lead = line.length - line.trimStart().length;
    const t = line.trim();
    if (t === '' || t.startsWith('#') || /^TZ=\S+$/.test(t)) continue;
    const p = checkLine(t);
    if (p) problems.push({ message: `Invalid cron spec "${t}": ${p.message}`, index: start + lead + p.index });
  }
  if (problems.length === 0 && spec.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('#') || /^TZ=/.test(l.trim()))) {
    problems.push({ message: 'Invalid cron spec: it is empty', index: 0 });
  }
  return problems;
}

function checkLine(line: string): CronProblem | null {
  if (line.startsWith('@')) {
    const alias = line.split(/\s+/)[0]!;
    if (!CRON_ALIASES.includes(alias)) return { message: `unknown alias "${alias}" (valid: ${CRON_ALIASES.join(', ')})`, index: 0 };
    if (alias.length !== line.length) return { message: `nothing may follow "${alias}"`, index: alias.length };
    return null;
  }
  const fields: { text: string; index: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) fields.push({ text: m[0], index: m.index });
  if (fields.length !== 5) {
    return {
      message: `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
      index: fields.length > 5 ? fields[5]!.index : 0,
    };
  }
  for (let i = 0; i < 5; i++) {
    const f = fields[i]!;
    const def = FIELDS[i]!;
    const problem = checkField(f.text, def.min, def.max);
    if (problem) return { message: `${def.name} field "${f.text}" ${problem}`, index: f.index };
  }
  return null;
}

function checkField(text: string, min: number, max: number): string | null {
  for (const term of text.split(',')) {
    if (term === '') return 'has an empty item';
    const m = /^(\*|H(?:\((\d+)-(\d+)\))?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(term);
    if (!m) return `is not valid: "${term}" (use *, H, H(a-b), n, a-b, optionally with /step)`;
    const nums = [m[2], m[3], m[4], m[5]].filter((x): x is string => x !== undefined).map(Number);
    for (const n of nums) if (n < min || n > max) return `is out of range: ${n} is not within ${min}-${max}`;
    const lo = m[2] ?? m[4];
    const hi = m[3] ?? m[5];
    if (lo !== undefined && hi !== undefined && Number(lo) > Number(hi)) return `has an empty range ${lo}-${hi}`;
    if (m[6] !== undefined && Number(m[6]) < 1) return 'has a step of 0';
    if (m[6] !== undefined && m[4] !== undefined && m[5] === undefined) return `is not valid: "${term}" (a step needs *, H or a range before it)`;
  }
  return null;
}
