// A TAP (Test Anything Protocol, versions 12 and 13) reader for the TAP plugin's publisher
// (runtime.ts), as tap4j reads a stream for it: "ok N - description" / "not ok N - description",
// "# SKIP reason" and "# TODO reason" directives, the plan "1..N" (first or last; "1..0 # SKIP
// reason" skips the whole set), "Bail out! reason" (the rest of the stream is ignored), YAML
// diagnostics between an indented "---" and "..." after a test line, and subtests: lines indented
// deeper than the set's (as `node --test --test-reporter=tap` writes them), read as the following
// test line's subtests. Comments and any other line are ignored.
//
// A stream the plugin's parser refuses is a parse error (TapParseError, the whole file is then
// counted as a parse error, not as tests): no plan while one is required, a plan that is not
// "1..N", YAML diagnostics that are not valid YAML (unless removeYamlIfCorrupted: dropped).
// Pure: text in, results out.
import { parse as parseYaml } from 'yaml';
import { KilnError } from '../../core/errors.ts';

export class TapParseError extends KilnError {
  constructor(message: string) {
    super('tap.parse', message);
  }
}

export interface TapTest {
  ok: boolean;
  number: number | null;
  description: string;
  directive: { kind: 'SKIP' | 'TODO'; reason: string } | null;
  /** The YAML diagnostic's object (null: none), and its text as written. */
  diagnostic: Record<string, unknown> | null;
  diagnosticText: string | null;
  subtests: TapTest[];
}

export interface TapSet {
  version: number | null;
  plan: { last: number; skip: string | null } | null;
  tests: TapTest[];
  bailOut: string | null;
}

export interface TapOptions { planRequired: boolean; removeYamlIfCorrupted: boolean }

const TEST = /^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$/;
const PLAN = /^1\.\.(\d+)\s*(?:#\s*(.*))?$/;
const DIRECTIVE = /(?:^|\s)#\s*(SKIP|TODO)\S*\s*(.*)$/i;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Splits "description # SKIP reason" (an escaped \# is no directive). */
function directive(rest: string): { description: string; directive: TapTest['directive'] } {
  const m = DIRECTIVE.exec(rest.replace(/\\#/g, '\u0000'));
  if (!m) return { description: rest.replace(/\\#/g, '#').trim(), directive: null };
  const description = rest.slice(0, m.index).replace(/\\#/g, '#').trim();
  return { description, directive: { kind: m[1]!.toUpperCase() as 'SKIP' | 'TODO', reason: m[2]!.replace(/\u0000/g, '#').trim() } };
}

/** Reads lines[from..] at `indent`; returns the set and where it stopped (a line indented less). */
function readSet(lines: string[], from: number, indent: number, opts: TapOptions, where: string): { set: TapSet; next: number } {
  const set: TapSet = { version: null, plan: null, tests: [], bailOut: null };
  let pending: TapTest[] = []; // subtests read before their parent's line
  let i = from;
  while (i < lines.length) {
    const raw = lines[i]!;
    if (raw.trim() === '') { i++; continue; }
    const ind = indentOf(raw);
    if (ind < indent) break;
    if (ind > indent) {
      // a subtest block (deeper lines not belonging to a YAML block of ours)
      const sub = readSet(lines, i, ind, opts, where);
      pending = sub.set.tests;
      if (sub.set.bailOut !== null) { set.bailOut = sub.set.bailOut; return { set, next: lines.length }; }
      i = sub.next;
      continue;
    }
    const line = raw.trim();
    i++;
    let m: RegExpExecArray | null;
    if ((m = /^TAP version (\d+)$/i.exec(line))) { set.version = Number(m[1]); continue; }
    if ((m = /^Bail out!\s*(.*)$/i.exec(line))) { set.bailOut = m[1]!; return { set, next: lines.length }; }
    if (line.startsWith('1..')) {
      if (!(m = PLAN.exec(line))) throw new TapParseError(`${where}: line ${i}: invalid TAP plan '${line.slice(0, 80)}' (expected 1..N)`);
      const skip = m[2] && /^SKIP\b/i.test(m[2]) ? m[2].replace(/^SKIP\S*\s*/i, '') : null;
      set.plan = { last: Number(m[1]), skip };
      continue;
    }
    if (line.startsWith('#')) continue;
    if ((m = TEST.exec(line))) {
      const d = directive(m[3] ?? '');
      const t: TapTest = { ok: m[1] === 'ok', number: m[2] ? Number(m[2]) : null, description: d.description, directive: d.directive, diagnostic: null, diagnosticText: null, subtests: pending };
      pending = [];
      // YAML diagnostics: an indented '---' right after the test line, to '...'
      let j = i;
      while (j < lines.length && lines[j]!.trim() === '') j++;
      if (j < lines.length && lines[j]!.trim() === '---' && indentOf(lines[j]!) > indent) {
        const yInd = indentOf(lines[j]!);
        const body: string[] = [];
        let k = j + 1;
        for (; k < lines.length && lines[k]!.trim() !== '...'; k++) body.push(lines[k]!.slice(Math.min(yInd, indentOf(lines[k]!))));
        if (k >= lines.length) throw new TapParseError(`${where}: line ${j + 1}: YAML diagnostics of test ${t.number ?? t.description} have no closing '...'`);
        const text = body.join('\n');
        try {
          const v = parseYaml(text, { maxAliasCount: 100 });
          t.diagnostic = v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : { value: v };
          t.diagnosticText = text;
        } catch (e) {
          if (!opts.removeYamlIfCorrupted) throw new TapParseError(`${where}: line ${j + 1}: the YAML diagnostics of test ${t.number ?? t.description} are not valid YAML: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
        }
        i = k + 1;
      }
      set.tests.push(t);
      continue;
    }
    // any other line is ignored, as TAP says
  }
  return { set, next: i };
}

/** Parses one TAP stream; throws TapParseError when the plugin's parser would refuse it. */
export function parseTap(text: string, where: string, opts: TapOptions): TapSet {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '');
  const { set } = readSet(lines, 0, first === undefined ? 0 : indentOf(first), opts, where);
  if (set.plan === null && set.bailOut === null && opts.planRequired && (set.tests.length > 0 || first !== undefined)) {
    throw new TapParseError(`${where}: missing TAP plan (a '1..N' line; planRequired is true)`);
  }
  return set;
}
