// The report formats perfReport reads, detected from the content as the Performance plugin's
// ParserDetector does (the first line an XML prolog: the first element says JMeter
// <testResults>, JUnit <testsuite>/<testsuites>, Taurus <FinalStatus>; otherwise a CSV header
// naming timestamp, elapsed and label/URL is a JMeter CSV results file). The other formats the
// plugin detects (Iago, wrk, JMeter summariser logs, LoadRunner, Locust) are refused by name.
//
// Hostile input: a file is read whole only under MAX_REPORT_BYTES (the caller checks); a
// DOCTYPE is refused (no entity of any kind is expanded: no billion laughs, no external file),
// the JMeter XML and CSV readers are single passes over the text (no tree is built for a
// results file of a million samples), and per-label state is bounded by the label count,
// itself bounded by the samples. filterRegex is run once per distinct label, never per sample.
import { XMLParser } from 'fast-xml-parser';
import { KilnError } from '../../core/errors.ts';
import { MAX_PERFORMANCE_URIS, type PerformanceStats, type PerformanceUri } from '../../core/performance.ts';

export const MAX_REPORT_BYTES = 128 * 1024 * 1024;
const MAX_LABEL = 1000;

/** A report file Kiln cannot read: said on the console, the file left out. */
export class PerformanceReportError extends KilnError {
  constructor(message: string) {
    super('performance.report', message);
  }
}

export type ParserName = 'JMeter' | 'JMeterCSV' | 'JUnit' | 'Taurus';

/** One label's samples while a file is read. */
interface Acc { durations: number[]; errors: number; codes: Set<string> }

/** Collects samples per label, with filterRegex and excludeResponseTime applied. */
export class Samples {
  readonly byUri = new Map<string, Acc>();
  readonly #keep = new Map<string, boolean>();
  readonly #filter: RegExp | null;
  readonly #excludeErrored: boolean;
  /** Pre-computed stats (Taurus gives aggregates, not samples). */
  readonly aggregates = new Map<string, PerformanceStats>();
  constructor(filter: RegExp | null, excludeResponseTime: boolean) {
    this.#filter = filter;
    this.#excludeErrored = excludeResponseTime;
  }
  keeps(uri: string): boolean {
    let k = this.#keep.get(uri);
    if (k === undefined) {
      k = this.#filter === null || this.#filter.test(uri);
      if (this.#keep.size < 100_000) this.#keep.set(uri, k);
    }
    return k;
  }
  add(uri: string, duration: number, ok: boolean, code: string): void {
    const label = uri.length > MAX_LABEL ? uri.slice(0, MAX_LABEL) : uri;
    if (!this.keeps(label)) return;
    let a = this.byUri.get(label);
    if (!a) { a = { durations: [], errors: 0, codes: new Set() }; this.byUri.set(label, a); }
    if (!ok) a.errors++;
    // excludeResponseTime: an errored sample counts as a sample and an error, not in the times.
    if (ok || !this.#excludeErrored) a.durations.push(Number.isFinite(duration) && duration >= 0 ? Math.floor(duration) : 0);
    else a.durations.push(Number.NaN);
    if (code && a.codes.size < 20) a.codes.add(code);
  }
}

/** The plugin's statistics of a list of durations (UriReport: Java long division, index floor(n * p)). */
export function statsOf(durations: number[], samples: number, errors: number): PerformanceStats {
  const d = durations.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const at = (p: number) => (d.length === 0 ? 0 : d[Math.min(d.length - 1, Math.floor(d.length * p))]!);
  let total = 0;
  for (const x of d) total += x;
  return {
    samples, errors, errorPercent: samples === 0 ? 0 : (errors / samples) * 100,
    average: d.length === 0 ? 0 : Math.floor(total / d.length), median: at(0.5), line90: at(0.9),
    min: d.length === 0 ? 0 : d[0]!, max: d.length === 0 ? 0 : d[d.length - 1]!,
  };
}

/** The per-label rows (label order) and the whole report's stats. */
export function summarize(s: Samples): { uris: PerformanceUri[]; total: PerformanceStats; truncated: boolean } {
  const all: number[] = [];
  let samples = 0;
  let errors = 0;
  const uris: PerformanceUri[] = [];
  for (const [uri, a] of [...s.byUri].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    uris.push({ uri, httpCodes: [...a.codes].sort(), ...statsOf(a.durations, a.durations.length, a.errors) });
    for (const x of a.durations) all.push(x);
    samples += a.durations.length;
    errors += a.errors;
  }
  if (s.aggregates.size > 0) {
    for (const [uri, st] of [...s.aggregates].sort((x, y) => (x[0] < y[0] ? -1 : 1))) if (uri !== '') uris.push({ uri, httpCodes: [], ...st });
    const overall = s.aggregates.get('') ?? uris.reduce<PerformanceStats>((t, u) => ({
      samples: t.samples + u.samples, errors: t.errors + u.errors, errorPercent: 0,
      average: t.samples + u.samples === 0 ? 0 : Math.floor((t.average * t.samples + u.average * u.samples) / (t.samples + u.samples)),
      median: Math.max(t.median, u.median), line90: Math.max(t.line90, u.line90), min: t.samples === 0 ? u.min : Math.min(t.min, u.min), max: Math.max(t.max, u.max),
    }), { samples: 0, errors: 0, errorPercent: 0, average: 0, median: 0, line90: 0, min: 0, max: 0 });
    const total = { ...overall, errorPercent: overall.samples === 0 ? 0 : (overall.errors / overall.samples) * 100 };
    return { uris: uris.slice(0, MAX_PERFORMANCE_URIS), total, truncated: uris.length > MAX_PERFORMANCE_URIS };
  }
  return { uris: uris.slice(0, MAX_PERFORMANCE_URIS), total: statsOf(all, samples, errors), truncated: uris.length > MAX_PERFORMANCE_URIS };
}

const firstLine = (text: string): string => {
  const m = /^\uFEFF?[ \t\r\n]*([^\r\n]*)/.exec(text.slice(0, 64 * 1024));
  return m ? m[1]! : '';
};

/** The first element's name after the prolog, comments and processing instructions. */
function rootElement(text: string): string | null {
  const head = text.slice(0, 64 * 1024);
  const re = /<(!--[\s\S]*?--|\?[\s\S]*?\?|!DOCTYPE|[A-Za-z_][\w.:-]*)/g;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    if (m[1] === '!DOCTYPE') throw new PerformanceReportError('it declares a DOCTYPE: Kiln reads no DTD and expands no entity in a report');
    if (m[1]!.startsWith('!--') || m[1]!.startsWith('?')) continue;
    return m[1]!;
  }
  return null;
}

/** Which parser reads `text`, as ParserDetector decides; an error naming the format when Kiln does not read it. */
export function detect(text: string): ParserName {
  if (text.trim() === '') throw new PerformanceReportError('the file is empty');
  const line = firstLine(text);
  if (line.startsWith('<')) {
    if (/<!DOCTYPE/i.test(text.slice(0, 64 * 1024))) throw new PerformanceReportError('it declares a DOCTYPE: Kiln reads no DTD and expands no entity in a report');
    const root = rootElement(text);
    if (root === 'testResults') return 'JMeter';
    if (root === 'testsuite' || root === 'testsuites') return 'JUnit';
    if (root === 'FinalStatus') return 'Taurus';
    throw new PerformanceReportError(`Unknown xml file format: the root element <${root ?? '?'}> is none of JMeter's <testResults>, JUnit's <testsuite> or Taurus' <FinalStatus>`);
  }
  if (/^INF \[.*\] stats:/.test(line)) throw new PerformanceReportError('it is an Iago log, which Kiln does not read (JMeter XML/CSV, JUnit XML and Taurus final-stats XML are read)');
  if (/^Running .*s test @/.test(line)) throw new PerformanceReportError('it is a wrk summary, which Kiln does not read (JMeter XML/CSV, JUnit XML and Taurus final-stats XML are read)');
  const l = line.toLowerCase();
  if (l.includes('timestamp') && l.includes('elapsed') && (l.includes('url') || l.includes('label'))) return 'JMeterCSV';
  if (text.includes('jmeter.reporters.Summariser: Generate Summary Results')) throw new PerformanceReportError('it is a JMeter summariser log, which Kiln does not read: write a results file (jmeter -l results.jtl) instead');
  throw new PerformanceReportError('Can not detect file type: not JMeter XML or CSV, JUnit XML or Taurus final-stats XML');
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.indexOf('&') < 0 ? s : s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (w, e: string) => {
    if (e.startsWith('#x')) { const n = parseInt(e.slice(2), 16); return n <= 0x10ffff ? String.fromCodePoint(n) : w; }
    if (e.startsWith('#')) { const n = parseInt(e.slice(1), 10); return n <= 0x10ffff ? String.fromCodePoint(n) : w; }
    return XML_ENTITIES[e] ?? w;
  });
}

function attrs(s: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.set(m[1]!, unescapeXml(m[2] ?? m[3] ?? ''));
  return out;
}

/**
 * JMeter's XML results (<testResults> of <httpSample>/<sample>, v2.1 attributes t/lb/s/rc or
 * v2.0 time/label/success): the top-level samples only (a transaction's sub-samples are part of
 * it), as the plugin's JMeterParser counts them.
 */
export function parseJMeterXml(text: string, into: Samples): void {
  const re = /<(\/?)(httpSample|sample)\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/gi;
  let depth = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] === '/') { if (depth > 0) depth--; continue; }
    if (depth === 0) {
      const a = attrs(m[3]!);
      const t = a.get('t') ?? a.get('time') ?? '0';
      const duration = Number(t);
      if (!Number.isFinite(duration)) throw new PerformanceReportError(`a sample's time '${t.slice(0, 40)}' is not a number`);
      const rc = a.get('rc') ?? '';
      into.add(a.get('lb') ?? a.get('label') ?? '', duration, (a.get('s') ?? a.get('success') ?? '').toLowerCase() === 'true', rc.length <= 3 ? rc : '0');
    }
    if (m[4] !== '/') depth++;
  }
}

/** The fields of CSV text, record by record (quotes may hold the delimiter, quotes and newlines). */
function* csvRecords(text: string, delim: string): Generator<string[]> {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) { field += text.slice(i); i = n; break; }
          field += text.slice(i, q);
          if (text[q + 1] === '"') { field += '"'; i = q + 2; continue; }
          i = q + 1;
          break;
        }
        // up to the delimiter or the line's end
        while (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      } else {
        let j = i;
        while (j < n && text[j] !== delim && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      row.push(field);
      if (i < n && text[i] === delim) { i++; continue; }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      break;
    }
    if (row.length > 1 || row[0] !== '') yield row;
  }
}

/** JMeter's CSV results: the header names the columns (timestamp, elapsed, label or URL, responseCode, success). */
export function parseJMeterCsv(text: string, into: Samples): void {
  const header = firstLine(text);
  const delim = [...header].find((ch) => !/\p{L}/u.test(ch));
  if (!delim) throw new PerformanceReportError(`Cannot find delimiter in header ${header.slice(0, 200)}`);
  const records = csvRecords(text.replace(/^\uFEFF/, ''), delim);
  const first = records.next();
  const cols = (first.done ? [] : first.value).map((c: string) => c.trim().toLowerCase());
  const idx = (name: string) => cols.indexOf(name);
  const elapsed = idx('elapsed');
  const label = idx('url') >= 0 && idx('label') >= 0 ? Math.min(idx('url'), idx('label')) : Math.max(idx('url'), idx('label'));
  const code = idx('responsecode');
  const success = idx('success');
  const missing = [['timeStamp', idx('timestamp')], ['elapsed', elapsed], ['responseCode', code], ['success', success], ['label', label]].filter(([, i]) => (i as number) < 0).map(([n]) => n);
  if (missing.length) throw new PerformanceReportError(`Missing required column: ${missing.join(', ')}`);
  let line = 1;
  for (const r of records) {
    line++;
    const e = Number(r[elapsed]);
    if (r[elapsed] === undefined || !Number.isFinite(e)) throw new PerformanceReportError(`record ${line}: elapsed '${String(r[elapsed] ?? '').slice(0, 40)}' is not a number`);
    into.add(r[label] ?? '', e, (r[success] ?? '').trim().toLowerCase() === 'true', (r[code] ?? '').trim());
  }
}

const xml = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '@', processEntities: false, parseTagValue: false, parseAttributeValue: false,
  isArray: (name) => ['testsuite', 'testcase', 'Group', 'perc'].includes(name),
});
type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.filter((x): x is Node => typeof x === 'object' && x !== null) : typeof v === 'object' && v !== null ? [v as Node] : []);
const attr = (n: Node, a: string): string => (typeof n[`@${a}`] === 'string' ? unescapeXml(n[`@${a}`] as string) : '');

function parseXml(text: string): Node {
  try {
    return xml.parse(text, true) as Node;
  } catch (e) {
    throw new PerformanceReportError(`not well-formed XML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** JUnit XML: each <testcase> a sample named classname.name, its time in ms, failed with a <failure> or <error>. */
export function parseJUnit(text: string, into: Samples): void {
  const doc = parseXml(text);
  const walk = (suite: Node) => {
    for (const c of list(suite.testcase)) {
      const t = attr(c, 'time').replace(/,/g, '');
      const ms = t === '' ? 0 : Math.trunc(Number(t) * 1000);
      into.add(`${attr(c, 'classname') || 'null'}.${attr(c, 'name')}`, Number.isFinite(ms) ? ms : 0, c.failure === undefined && c.error === undefined, '');
    }
    for (const s of list(suite.testsuite)) walk(s);
  };
  for (const top of [...list(doc.testsuites), ...list(doc.testsuite).map((s) => ({ testsuite: [s] }))]) walk(top);
}

/** Taurus' final-stats XML (<FinalStatus> of <Group label>): aggregates in seconds, kept in ms; the group without a label is the whole test. */
export function parseTaurus(text: string, into: Samples): void {
  const doc = parseXml(text);
  const fs = list(doc.FinalStatus)[0];
  if (!fs) throw new PerformanceReportError('no <FinalStatus> element');
  for (const g of list(fs.Group)) {
    const v = (name: string): number => { const n = list(g[name])[0]; const x = n ? Number(attr(n, 'value')) : 0; return Number.isFinite(x) ? x : 0; };
    const perc = (p: string): number => { const n = list(g.perc).find((x) => Number(attr(x, 'param')) === Number(p)); const x = n ? Number(attr(n, 'value')) : 0; return Number.isFinite(x) ? Math.round(x * 1000) : 0; };
    const samples = v('succ') + v('fail');
    const label = attr(g, 'label');
    if (label !== '' && !into.keeps(label)) continue;
    into.aggregates.set(label, {
      samples, errors: v('fail'), errorPercent: samples === 0 ? 0 : (v('fail') / samples) * 100,
      average: Math.round(v('avg_rt') * 1000), median: perc('50'), line90: perc('90'), min: perc('0'), max: perc('100'),
    });
  }
}

export const PARSE: Readonly<Record<ParserName, (text: string, into: Samples) => void>> = {
  JMeter: parseJMeterXml, JMeterCSV: parseJMeterCsv, JUnit: parseJUnit, Taurus: parseTaurus,
};
