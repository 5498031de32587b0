// The console's foldable sections: stages and steps with their byte ranges. From the
// controller's log index (GET .../console/sections) when it has that route; otherwise found in
// the log itself by its `[Pipeline]` lines, for finished logs up to SCAN_LIMIT bytes.
import { ApiError, buildPath, fetchConsole, request } from './api.ts';
import type { Fold } from './logmodel.ts';
import type { AnswerOf, ConsoleSection } from './types.ts';

export interface Section extends Fold { kind: 'stage' | 'step' }

const SCAN_LIMIT = 8 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export async function loadSections(job: string, number: number, size: number): Promise<Section[]> {
  // Up to SCAN_LIMIT the log's own markers are used: they keep each parallel branch's steps
  // apart by their [branch] prefix, which byte ranges from the index cannot (interleaved
  // branches nest by offset). Past it, the index: the only way without reading the whole log.
  if (size <= SCAN_LIMIT) return scan(job, number, size);
  try {
    const r = await request<AnswerOf<'getConsoleSections'>>('GET', `${buildPath(job, number)}/console/sections`, undefined, { quiet401: true });
    return fromIndex(r.sections, size);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404 || !/no such route/.test(e.message)) throw e;
  }
  return [];
}

/** Pairs the index's starts and ends by id. */
export function fromIndex(entries: ConsoleSection[], size: number): Section[] {
  const open = new Map<string, ConsoleSection>();
  const out: Section[] = [];
  for (const e of entries) {
    if (e.kind === 'stage-start' || e.kind === 'step-start') open.set(`${e.kind.split('-')[0]}:${e.id}`, e);
    else if (e.kind === 'stage-end' || e.kind === 'step-end') {
      const kind = e.kind.split('-')[0] as 'stage' | 'step';
      const s = open.get(`${kind}:${e.id}`);
      if (s && e.offset > s.offset) out.push({ kind, start: s.offset, end: e.offset, label: s.name || e.name });
      open.delete(`${kind}:${e.id}`);
    }
  }
  for (const [k, s] of open) out.push({ kind: k.startsWith('stage') ? 'stage' : 'step', start: s.offset, end: size, label: s.name });
  return out.sort((a, b) => a.start - b.start);
}

// `[branch] [Pipeline] { (Name)`, `[Pipeline] }`, `[Pipeline] sh`: the engine's markers, after an
// optional timestamp and parallel branch prefix.
const MARK = /^((?:\[[^\]\n]*\] )*?)\[Pipeline\] (.*)$/;

async function scan(job: string, number: number, size: number): Promise<Section[]> {
  const out: Section[] = [];
  const stages = new Map<string, { start: number; label: string }[]>();
  const steps = new Map<string, { start: number; label: string }>();
  const dec = new TextDecoder();
  const closeStep = (prefix: string, at: number) => {
    const st = steps.get(prefix);
    if (st && at > st.start) out.push({ kind: 'step', start: st.start, end: at, label: st.label });
    steps.delete(prefix);
  };
  let off = 0;
  let carry = new Uint8Array(0);
  while (off < size) {
    const { bytes } = await fetchConsole(job, number, off, Math.min(size, off + CHUNK));
    if (bytes.length === 0) break;
    const buf = new Uint8Array(carry.length + bytes.length);
    buf.set(carry);
    buf.set(bytes, carry.length);
    const base = off - carry.length;
    let ls = 0;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] !== 10) continue;
      line(base + ls, base + i + 1, buf.subarray(ls, i));
      ls = i + 1;
    }
    carry = buf.slice(ls);
    off += bytes.length;
  }
  if (carry.length) line(size - carry.length, size, carry);
  for (const [prefix] of steps) closeStep(prefix, size);
  for (const list of stages.values()) for (const s of list) out.push({ kind: 'stage', start: s.start, end: size, label: s.label });
  return out.sort((a, b) => a.start - b.start);

  function line(start: number, end: number, bytes: Uint8Array): void {
    if (bytes.length > 300 || bytes.indexOf(0x5b) < 0) return;
    const m = MARK.exec(dec.decode(bytes));
    if (!m) return;
    const prefix = (m[1] ?? '').replace(/^\[\d{4}-\d\d-\d\dT[^\]]*\] /, '');
    const what = m[2] ?? '';
    closeStep(prefix, start);
    const open = /^\{ \((.*)\)\s*$/.exec(what);
    if (open) {
      const list = stages.get(prefix) ?? [];
      list.push({ start, label: open[1] ?? '' });
      stages.set(prefix, list);
    } else if (/^\}\s*$/.test(what)) {
      const s = stages.get(prefix)?.pop();
      if (s) out.push({ kind: 'stage', start: s.start, end, label: s.label });
    } else if (what.trim()) {
      steps.set(prefix, { start, label: what.trim() });
    }
  }
}

/** Where the engine's ERROR lines start (the log index's `error` entries), in order; [] for a controller without them. */
export async function loadErrors(job: string, number: number): Promise<number[]> {
  try {
    const r = await request<AnswerOf<'getConsoleSections'>>('GET', `${buildPath(job, number)}/console/sections`, undefined, { quiet401: true });
    return r.sections.filter((s) => s.kind === 'error').map((s) => s.offset).sort((a, b) => a - b);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

export interface LogTime { offset: number; at: number }

/** When the console's bytes arrived (GET .../console/times); [] for a controller without the route. */
export async function loadTimes(job: string, number: number): Promise<LogTime[]> {
  try {
    const r = await request<AnswerOf<'getConsoleTimes'>>('GET', `${buildPath(job, number)}/console/times`, undefined, { quiet401: true });
    return r.times;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

/** How many newlines each whole block of the log holds (the line numbers' index; logstore.ts newlines). */
export async function loadNewlines(job: string, number: number): Promise<number[]> {
  const r = await request<AnswerOf<'getConsoleNewlines'>>('GET', `${buildPath(job, number)}/console/newlines`, undefined, { quiet401: true });
  return r.counts;
}

/** The log index's stage starts and ends (ids and names), for showing one stage's part of the console. */
export async function loadStageEntries(job: string, number: number): Promise<ConsoleSection[]> {
  const r = await request<AnswerOf<'getConsoleSections'>>('GET', `${buildPath(job, number)}/console/sections`, undefined, { quiet401: true });
  return r.sections.filter((e) => e.kind === 'stage-start' || e.kind === 'stage-end');
}
