// Coverage report parsers of the coverage plugin: JaCoCo's XML report (report.dtd: counters per
// report, package, class, method and source file), Cobertura's XML (coverage-04.dtd: line hits
// and branch conditions per class, the `complexity` of classes and methods) and PIT's
// mutations.xml (a <mutation detected= status=> per mutant, with its class, method and line).
// Each turns one report's text into a CoverageTotals: covered/missed per metric, and the line
// coverage of each source file.
//
// As coverage-model's parsers: a Cobertura class' or method's `complexity` is rounded (some
// tools write floats); a class' COMPLEXITY is the sum of its methods' (as JaCoCo counts it; the
// class' own value when its methods give none), covered when the method (class) has a line hit;
// the largest method value is COMPLEXITY_MAXIMUM. A PIT mutation counts for MUTATION (covered
// when detected) and, unless its status is NO_COVERAGE, for TEST_STRENGTH, in its method, class
// and file (`package/of/mutatedClass/sourceFile`); its line is covered when its status is
// KILLED, SURVIVED or TIMED_OUT and missed when NO_COVERAGE. PIT's counts of lines are not
// added to LINE: a PIT report goes with a line coverage report (JaCoCo) whose LINE it would count
// twice.
//
// XML is read with fast-xml-parser after a well-formedness check; a document declaring entities
// (<!ENTITY ...>: entity bombs, external entities) is refused outright, nothing is ever fetched
// (the DOCTYPE's DTD is not read), and the caller bounds the size (MAX_REPORT_BYTES) before
// reading. The counts are summed, so several reports add up (coverage-plugin merges the trees
// of the modules; for reports of different modules the totals are the same).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { KilnError } from '../../core/errors.ts';
import type { CoverageMetric } from '../../core/buildtools.ts';

export const MAX_REPORT_BYTES = 128 * 1024 * 1024;

export class CoverageReportError extends KilnError {
  constructor(message: string) {
    super('coverage.report', message);
  }
}

export interface Counter { covered: number; missed: number }

export interface CoverageTotals {
  metrics: Map<CoverageMetric, Counter>;
  /** Line coverage per source file path (package-relative as the report gives it). */
  files: Map<string, Counter>;
  /** Each source file's lines: line number → covered (for the modified-code baselines). */
  lines: Map<string, Map<number, boolean>>;
  /**
   * Each source file's lines' counters, as coverage-model's FileNode keeps them: a line with
   * branches counts its covered/missed branches, another 1/0 (covered) or 0/1 (missed). The
   * MODIFIED_LINES baseline's LINE and BRANCH values come from these.
   */
  lineCounters: Map<string, Map<number, Counter>>;
  /** Each source file's counters per metric (LINE, BRANCH, INSTRUCTION, METHOD, CLASS, COMPLEXITY as the report gives them): MODIFIED_FILES sums them. */
  fileMetrics: Map<string, Map<CoverageMetric, Counter>>;
  /** Each source file's package ('' for none): the PACKAGE metric of modified code. */
  packages: Map<string, string>;
  /** The largest cyclomatic complexity of one method (JaCoCo's method COMPLEXITY counters); null: no report gives it. */
  maxMethodComplexity: number | null;
  /** MUTATION and TEST_STRENGTH per class and method of PIT's report ('com.x.A', 'com.x.A#m(I)I'). */
  mutations: Map<string, Map<CoverageMetric, Counter>>;
}

type XmlNode = Record<string, unknown>;

const ARRAYS = new Set(['package', 'class', 'method', 'sourcefile', 'counter', 'line', 'packages', 'classes', 'methods', 'lines', 'group', 'source', 'mutation']);
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ARRAYS.has(name),
  processEntities: true,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
});

function parseXml(text: string, file: string): XmlNode {
  if (/<!ENTITY/i.test(text)) throw new CoverageReportError(`${file}: the XML declares entities (<!ENTITY ...>), which Kiln refuses to expand (entity bombs, external entities)`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new CoverageReportError(`${file}: not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  return xml.parse(text) as XmlNode;
}

function nodes(v: unknown): XmlNode[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is XmlNode => typeof x === 'object' && x !== null);
}

function attr(n: XmlNode, name: string): string {
  const v = n[`@${name}`];
  return typeof v === 'string' ? v : '';
}

function count(s: string): number {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function emptyTotals(): CoverageTotals {
  return { metrics: new Map(), files: new Map(), lines: new Map(), lineCounters: new Map(), fileMetrics: new Map(), packages: new Map(), maxMethodComplexity: null, mutations: new Map() };
}

function add(m: Map<string, Counter>, key: string, covered: number, missed: number): void {
  const c = m.get(key) ?? { covered: 0, missed: 0 };
  c.covered += covered;
  c.missed += missed;
  m.set(key, c);
}

/**
 * A line of a source file: covered when any report covers it. `counter`: its branches'
 * covered/missed when it has branches, else 1/0 or 0/1; of two reports' counters for one line
 * the one covering more is kept (coverage-model merges so).
 */
function addLine(t: CoverageTotals, file: string, nr: number, covered: boolean, counter?: Counter): void {
  if (nr <= 0) return;
  const m = t.lines.get(file) ?? new Map<number, boolean>();
  m.set(nr, (m.get(nr) ?? false) || covered);
  t.lines.set(file, m);
  const c = counter ?? (covered ? { covered: 1, missed: 0 } : { covered: 0, missed: 1 });
  const lc = t.lineCounters.get(file) ?? new Map<number, Counter>();
  const old = lc.get(nr);
  if (!old || c.covered > old.covered) lc.set(nr, { ...c });
  t.lineCounters.set(file, lc);
}

function addFileMetric(t: CoverageTotals, file: string, metric: CoverageMetric, covered: number, missed: number): void {
  const m = t.fileMetrics.get(file) ?? new Map<CoverageMetric, Counter>();
  add(m as Map<string, Counter>, metric, covered, missed);
  t.fileMetrics.set(file, m);
}

function addMetric(t: CoverageTotals, metric: CoverageMetric, covered: number, missed: number): void {
  add(t.metrics as Map<string, Counter>, metric, covered, missed);
}

const JACOCO_COUNTERS: Readonly<Record<string, CoverageMetric>> = {
  INSTRUCTION: 'INSTRUCTION', BRANCH: 'BRANCH', LINE: 'LINE', COMPLEXITY: 'COMPLEXITY', METHOD: 'METHOD', CLASS: 'CLASS',
};

/** A JaCoCo XML report (target/site/jacoco/jacoco.xml, build/reports/jacoco/test/jacocoTestReport.xml). */
export function parseJacoco(text: string, file: string, into: CoverageTotals): void {
  const doc = parseXml(text, file);
  const report = doc['report'];
  if (typeof report !== 'object' || report === null || Array.isArray(report)) {
    throw new CoverageReportError(`${file}: not a JaCoCo XML report (its root element is not <report>)`);
  }
  const r = report as XmlNode;
  addMetric(into, 'MODULE', 1, 0);
  // Packages may sit in <group>s (a report of several modules).
  const packages: XmlNode[] = [];
  const walk = (n: XmlNode) => {
    packages.push(...nodes(n['package']));
    for (const g of nodes(n['group'])) walk(g);
  };
  walk(r);
  for (const p of packages) {
    const pkg = attr(p, 'name');
    let pkgCovered = false;
    // A method's complexity is its COMPLEXITY counter's total (coverage-model's CYCLOMATIC_COMPLEXITY).
    for (const m of nodes(p['class']).flatMap((c) => nodes(c['method']))) {
      const cc = nodes(m['counter']).find((c) => attr(c, 'type') === 'COMPLEXITY');
      if (cc) into.maxMethodComplexity = Math.max(into.maxMethodComplexity ?? 0, count(attr(cc, 'covered')) + count(attr(cc, 'missed')));
    }
    for (const sf of nodes(p['sourcefile'])) {
      const line = nodes(sf['counter']).find((c) => attr(c, 'type') === 'LINE');
      const covered = line ? count(attr(line, 'covered')) : 0;
      const missed = line ? count(attr(line, 'missed')) : 0;
      const filePath = pkg ? `${pkg}/${attr(sf, 'name')}` : attr(sf, 'name');
      add(into.files, filePath, covered, missed);
      into.packages.set(filePath, pkg);
      for (const c of nodes(sf['counter'])) {
        const metric = JACOCO_COUNTERS[attr(c, 'type')];
        if (metric) addFileMetric(into, filePath, metric, count(attr(c, 'covered')), count(attr(c, 'missed')));
      }
      for (const l of nodes(sf['line'])) {
        const cb = count(attr(l, 'cb'));
        const mb = count(attr(l, 'mb'));
        const ci = count(attr(l, 'ci'));
        addLine(into, filePath, count(attr(l, 'nr')), ci > 0, cb + mb > 0 ? { covered: cb, missed: mb } : undefined);
      }
      addMetric(into, 'FILE', covered > 0 ? 1 : 0, covered > 0 ? 0 : 1);
      if (covered > 0) pkgCovered = true;
    }
    addMetric(into, 'PACKAGE', pkgCovered ? 1 : 0, pkgCovered ? 0 : 1);
  }
  // The report's own counters are the totals (its children's sums).
  for (const c of nodes(r['counter'])) {
    const metric = JACOCO_COUNTERS[attr(c, 'type')];
    if (metric) addMetric(into, metric, count(attr(c, 'covered')), count(attr(c, 'missed')));
  }
}

/** "50% (1/2)" → covered 1, missed 1. */
function conditions(s: string): Counter | null {
  const m = /\((\d+)\/(\d+)\)/.exec(s);
  if (!m) return null;
  const covered = Number(m[1]);
  const total = Number(m[2]);
  return total >= covered ? { covered, missed: total - covered } : null;
}

/** A Cobertura XML report (coverage.xml of coverage.py, cobertura-coverage.xml of istanbul, gcovr --xml, ...). */
export function parseCobertura(text: string, file: string, into: CoverageTotals): void {
  const doc = parseXml(text, file);
  const root = doc['coverage'];
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new CoverageReportError(`${file}: not a Cobertura XML report (its root element is not <coverage>)`);
  }
  addMetric(into, 'MODULE', 1, 0);
  for (const p of nodes((root as XmlNode)['packages']).flatMap((ps) => nodes(ps['package']))) {
    let pkgCovered = false;
    const files = new Map<string, Counter>();
    for (const c of nodes(p['classes']).flatMap((cs) => nodes(cs['class']))) {
      const fileName = attr(c, 'filename') || attr(c, 'name');
      into.packages.set(fileName, attr(p, 'name'));
      let classCovered = false;
      // Each line once per class, as the class' <lines> lists it (methods repeat them).
      for (const l of nodes(c['lines']).flatMap((ls) => nodes(ls['line']))) {
        const hit = count(attr(l, 'hits')) > 0;
        const b = attr(l, 'branch') === 'true' ? conditions(attr(l, 'condition-coverage')) : null;
        addLine(into, fileName, count(attr(l, 'number')), hit, b && b.covered + b.missed > 0 ? b : undefined);
        add(files, fileName, hit ? 1 : 0, hit ? 0 : 1);
        addMetric(into, 'LINE', hit ? 1 : 0, hit ? 0 : 1);
        addFileMetric(into, fileName, 'LINE', hit ? 1 : 0, hit ? 0 : 1);
        if (hit) classCovered = true;
        if (b) {
          addMetric(into, 'BRANCH', b.covered, b.missed);
          addFileMetric(into, fileName, 'BRANCH', b.covered, b.missed);
        }
      }
      let methodsComplexity = 0;
      for (const m of nodes(c['methods']).flatMap((ms) => nodes(ms['method']))) {
        const hit = nodes(m['lines']).flatMap((ls) => nodes(ls['line'])).some((l) => count(attr(l, 'hits')) > 0);
        addMetric(into, 'METHOD', hit ? 1 : 0, hit ? 0 : 1);
        addFileMetric(into, fileName, 'METHOD', hit ? 1 : 0, hit ? 0 : 1);
        const cc = complexity(attr(m, 'complexity'));
        if (cc !== null) {
          methodsComplexity += cc;
          into.maxMethodComplexity = Math.max(into.maxMethodComplexity ?? 0, cc);
          addComplexity(into, fileName, cc, hit);
        }
      }
      const own = complexity(attr(c, 'complexity'));
      if (methodsComplexity === 0 && own !== null && own > 0) addComplexity(into, fileName, own, classCovered);
      addMetric(into, 'CLASS', classCovered ? 1 : 0, classCovered ? 0 : 1);
      addFileMetric(into, fileName, 'CLASS', classCovered ? 1 : 0, classCovered ? 0 : 1);
    }
    for (const [f, c] of files) {
      add(into.files, f, c.covered, c.missed);
      addMetric(into, 'FILE', c.covered > 0 ? 1 : 0, c.covered > 0 ? 0 : 1);
      if (c.covered > 0) pkgCovered = true;
    }
    addMetric(into, 'PACKAGE', pkgCovered ? 1 : 0, pkgCovered ? 0 : 1);
  }
}

/** A `complexity` attribute, rounded as coverage-model reads it; null when absent or not a number. */
function complexity(s: string): number | null {
  if (s.trim() === '') return null;
  const v = Number(s);
  return Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
}

/** `cc` paths of a method (class), covered or missed with it. */
function addComplexity(t: CoverageTotals, file: string, cc: number, covered: boolean): void {
  addMetric(t, 'COMPLEXITY', covered ? cc : 0, covered ? 0 : cc);
  addFileMetric(t, file, 'COMPLEXITY', covered ? cc : 0, covered ? 0 : cc);
}

/** PIT's statuses (coverage-model's MutationStatus) and whether the mutated line is covered (null: neither). */
const PIT_STATUSES: Readonly<Record<string, boolean | null>> = {
  KILLED: true, SURVIVED: true, TIMED_OUT: true, NO_COVERAGE: false, NON_VIABLE: null, MEMORY_ERROR: null, RUN_ERROR: null,
};

/** An element's text (fast-xml-parser gives a string, or an object with '#text' when it has attributes). */
function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return text((v as XmlNode)['#text']);
  return '';
}

/** PIT's mutations.xml (target/pit-reports/mutations.xml, with outputFormats XML). All its mutations are checked before any is counted. */
export function parsePit(text_: string, file: string, into: CoverageTotals): void {
  const doc = parseXml(text_, file);
  if (!('mutations' in doc)) throw new CoverageReportError(`${file}: not a PIT mutations report (its root element is not <mutations>)`);
  const root = doc['mutations'];
  const mutations = typeof root === 'object' && root !== null && !Array.isArray(root) ? nodes((root as XmlNode)['mutation']) : [];
  if (mutations.length === 0) throw new CoverageReportError(`The processed file '${file}' does not contain data.`);
  const read = mutations.map((m, i) => {
    const status = attr(m, 'status');
    if (!(status in PIT_STATUSES)) throw new CoverageReportError(`${file}: mutation ${i + 1} has the status '${status}', not one of PIT's (${Object.keys(PIT_STATUSES).join(', ')})`);
    const cls = text(m['mutatedClass']);
    const source = text(m['sourceFile']);
    if (cls === '' || source === '') throw new CoverageReportError(`${file}: mutation ${i + 1} has no ${cls === '' ? 'mutatedClass' : 'sourceFile'}`);
    const dot = cls.lastIndexOf('.');
    const pkg = dot < 0 ? '' : cls.slice(0, dot);
    return {
      status, detected: attr(m, 'detected') === 'true', cls, pkg, filePath: pkg === '' ? source : `${pkg.replace(/\./g, '/')}/${source}`,
      method: `${cls}#${text(m['mutatedMethod'])}${text(m['methodDescription'])}`, line: count(text(m['lineNumber'])),
    };
  });
  const lines = new Map<string, Map<number, boolean>>();
  for (const m of read) {
    into.packages.set(m.filePath, m.pkg);
    const metrics: CoverageMetric[] = m.status === 'NO_COVERAGE' ? ['MUTATION'] : ['MUTATION', 'TEST_STRENGTH'];
    const [covered, missed] = m.detected ? [1, 0] : [0, 1];
    for (const metric of metrics) {
      addMetric(into, metric, covered, missed);
      addFileMetric(into, m.filePath, metric, covered, missed);
      for (const key of [m.cls, m.method]) {
        const per = into.mutations.get(key) ?? new Map<CoverageMetric, Counter>();
        add(per as Map<string, Counter>, metric, covered, missed);
        into.mutations.set(key, per);
      }
    }
    const lineCovered = PIT_STATUSES[m.status] ?? null;
    if (lineCovered !== null && m.line > 0) {
      const fl = lines.get(m.filePath) ?? new Map<number, boolean>();
      fl.set(m.line, (fl.get(m.line) ?? false) || lineCovered);
      lines.set(m.filePath, fl);
    }
  }
  for (const [f, fl] of lines) for (const [nr, c] of fl) addLine(into, f, nr, c);
}

export const PARSERS: Readonly<Record<string, { name: string; pattern: string; parse: (text: string, file: string, into: CoverageTotals) => void }>> = {
  JACOCO: { name: 'JaCoCo', pattern: '**/jacoco.xml', parse: parseJacoco },
  COBERTURA: { name: 'Cobertura', pattern: '**/cobertura.xml', parse: parseCobertura },
  PIT: { name: 'PIT', pattern: '**/mutations.xml', parse: parsePit },
};

/** Percentage as coverage-plugin shows it (0 when there is nothing to cover). */
export function percent(c: Counter): number {
  const total = c.covered + c.missed;
  return total === 0 ? 0 : (c.covered * 100) / total;
}
