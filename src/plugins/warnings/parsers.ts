// Report parsers of the warnings plugin, one per format analysis-model reads for the tools
// Kiln declares (decl.ts): XML reports (checkstyle and the linters writing its format, PMD,
// CPD, SpotBugs/FindBugs, JUnit, cppcheck, the native format), JSON (ESLint, SARIF, hadolint,
// ShellCheck, Trivy, Grype, OWASP Dependency-Check, dockerfile_lint, the native format) and lines
// of text matched by regex (javac, javadoc, Maven, gcc/clang, pylint, flake8, cpplint, clang-tidy,
// MSBuild, go vet, golint, yamllint, mypy, pycodestyle, RuboCop, kotlinc, scalac/sbt, ansible-lint; pydocstyle's and
// Error Prone's findings of two lines and more). Each turns one
// report's text into raw issues (no tool, no fingerprint: runtime.ts adds them) or throws a
// ReportError that says which file and why.
//
// XML is read with fast-xml-parser after checking it is well-formed. It never fetches anything
// (no external entities), and a document that declares entities (<!ENTITY ...>: the "billion
// laughs" bomb and XXE) is refused outright: no report format needs them. Sizes are bounded by
// the caller (runtime.ts refuses report files over MAX_REPORT_BYTES before reading them) and
// here (at most MAX_ISSUES issues per report). The line regexes are anchored and free of nested
// quantifiers, and lines longer than MAX_LINE are skipped, so a hostile log cannot stall them.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { IssueSeverity } from '../../core/issues.ts';
import { KilnError } from '../../core/errors.ts';
import { parseJUnit, JUnitParseError } from '../../pipeline/steps/junit-xml.ts';
import type { ParserKind } from './decl.ts';

export const MAX_REPORT_BYTES = 64 * 1024 * 1024;
export const MAX_ISSUES = 100_000;
const MAX_LINE = 8192;

export interface RawIssue {
  file: string;
  line: number;
  lineEnd: number;
  column: number;
  severity: IssueSeverity;
  category: string;
  type: string;
  message: string;
  /** Package / namespace, when the report says (filters includePackage/excludePackage). */
  packageName: string;
  /** Module, when the report says (includeModule/excludeModule). */
  moduleName: string;
}

export class ReportError extends KilnError {
  constructor(message: string) {
    super('warnings.report', message);
  }
}

type XmlNode = Record<string, unknown>;

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  isArray: (name) => ['file', 'error', 'violation', 'duplication', 'BugInstance', 'SourceLine', 'issue', 'Class', 'Method', 'location'].includes(name),
  // The five XML entities and character references only: parseXml refuses declared entities.
  processEntities: true,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** Parses an XML report, refusing what is not well-formed and any entity declaration. */
export function parseXml(text: string, file: string): XmlNode {
  if (/<!ENTITY/i.test(text)) throw new ReportError(`${file}: the XML declares entities (<!ENTITY ...>), which Kiln refuses to expand (entity bombs, external entities)`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ReportError(`${file}: not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  return xml.parse(text) as XmlNode;
}

function nodes(v: unknown): XmlNode[] {
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : { '#text': String(x) }));
}

function attr(n: XmlNode | undefined, name: string): string {
  const v = n?.[`@${name}`];
  return typeof v === 'string' ? v : '';
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(text).join('\n');
  if (typeof v === 'object') return text((v as XmlNode)['#text']);
  return String(v);
}

function int(v: string | undefined): number {
  const x = Number.parseInt(v ?? '', 10);
  return Number.isFinite(x) && x > 0 ? x : 0;
}

function issue(p: Partial<RawIssue> & { message: string; severity: IssueSeverity }): RawIssue {
  const line = p.line ?? 0;
  return {
    file: p.file || '-', line, lineEnd: Math.max(p.lineEnd ?? line, line), column: p.column ?? 0,
    severity: p.severity, category: p.category ?? '', type: p.type ?? '', message: p.message,
    packageName: p.packageName ?? '', moduleName: p.moduleName ?? '',
  };
}

function root(doc: XmlNode, name: string, file: string, what: string): XmlNode {
  const r = doc[name];
  if (r === undefined) throw new ReportError(`${file}: not a ${what} report (no <${name}> element)`);
  return typeof r === 'object' && r !== null ? (r as XmlNode) : {};
}

function capitalize(x: string): string {
  return x ? x[0]!.toUpperCase() + x.slice(1) : x;
}

// --- XML formats --------------------------------------------------------------------------------

/** checkstyle's XML (also ESLint, Stylelint, TSLint and many linters with a checkstyle formatter). */
function checkstyle(src: string, file: string): RawIssue[] {
  const top = root(parseXml(src, file), 'checkstyle', file, 'checkstyle');
  const out: RawIssue[] = [];
  for (const f of nodes(top['file'])) {
    const name = attr(f, 'name');
    for (const e of nodes(f['error'])) {
      // source: com.puppycrawl.tools.checkstyle.checks.coding.MagicNumberCheck → category Coding, type MagicNumber
      const source = attr(e, 'source');
      const parts = source.split('.');
      const sev = attr(e, 'severity').toLowerCase();
      out.push(issue({
        file: name, line: int(attr(e, 'line')), column: int(attr(e, 'column')),
        severity: sev === 'error' ? 'ERROR' : sev === 'info' ? 'LOW' : sev === 'warning' ? 'NORMAL' : 'NORMAL',
        category: parts.length > 1 ? capitalize(parts[parts.length - 2]!) : '',
        type: (parts[parts.length - 1] ?? '').replace(/Check$/, ''),
        message: attr(e, 'message'),
      }));
    }
  }
  return out;
}

/** PMD's XML: <pmd><file name><violation beginline ... rule ruleset priority>message. */
function pmd(src: string, file: string): RawIssue[] {
  const top = root(parseXml(src, file), 'pmd', file, 'PMD');
  const out: RawIssue[] = [];
  for (const f of nodes(top['file'])) {
    const name = attr(f, 'name');
    for (const v of nodes(f['violation'])) {
      const p = int(attr(v, 'priority'));
      out.push(issue({
        file: name, line: int(attr(v, 'beginline')), lineEnd: int(attr(v, 'endline')), column: int(attr(v, 'begincolumn')),
        severity: p <= 2 ? 'HIGH' : p <= 4 ? 'NORMAL' : 'LOW',
        category: attr(v, 'ruleset'), type: attr(v, 'rule'), message: text(v).trim(), packageName: attr(v, 'package'),
      }));
    }
  }
  for (const e of nodes(top['error'])) {
    out.push(issue({ file: attr(e, 'filename'), severity: 'ERROR', category: 'Error', type: 'PMD', message: attr(e, 'msg') || text(e).trim() }));
  }
  return out;
}

/** What a tool's options change in parsing: cpd()'s thresholds (duplicated lines). */
export interface ParseOptions {
  highThreshold?: number;
  normalThreshold?: number;
}

/** CPD's XML: each duplication is an issue in each of its files (analysis-model: ≥ 50 lines high, ≥ 25 normal by default). */
function cpd(src: string, file: string, opts: ParseOptions = {}): RawIssue[] {
  const high = opts.highThreshold ?? 50;
  const normal = opts.normalThreshold ?? 25;
  const top = root(parseXml(src, file), 'pmd-cpd', file, 'CPD');
  const out: RawIssue[] = [];
  for (const d of nodes(top['duplication'])) {
    const lines = int(attr(d, 'lines'));
    const files = nodes(d['file']);
    for (const f of files) {
      const start = int(attr(f, 'line'));
      const others = files.filter((o) => o !== f).map((o) => `${attr(o, 'path')}:${attr(o, 'line')}`);
      out.push(issue({
        file: attr(f, 'path'), line: start, lineEnd: int(attr(f, 'endline')) || start + Math.max(lines - 1, 0), column: int(attr(f, 'column')),
        severity: lines >= high ? 'HIGH' : lines >= normal ? 'NORMAL' : 'LOW',
        category: 'Duplicate Code', type: 'CPD',
        message: `Found duplicated code: ${lines} lines (${int(attr(d, 'tokens'))} tokens)${others.length ? `, also in ${others.join(', ')}` : ''}`,
      }));
    }
  }
  return out;
}

/** SpotBugs / FindBugs XML: severity from the rank (1-4 high, 5-9 normal, else low), else the priority. */
function spotbugs(src: string, file: string): RawIssue[] {
  const top = root(parseXml(src, file), 'BugCollection', file, 'SpotBugs');
  const out: RawIssue[] = [];
  for (const bug of nodes(top['BugInstance'])) {
    const cls = nodes(bug['Class'])[0];
    const where = nodes(bug['SourceLine'])[0] ?? nodes(cls?.['SourceLine'])[0];
    const rank = int(attr(bug, 'rank'));
    const priority = int(attr(bug, 'priority'));
    const severity: IssueSeverity = rank > 0 ? (rank <= 4 ? 'HIGH' : rank <= 9 ? 'NORMAL' : 'LOW') : priority === 1 ? 'HIGH' : priority === 2 ? 'NORMAL' : 'LOW';
    const className = attr(cls, 'classname') || attr(where, 'classname');
    out.push(issue({
      file: attr(where, 'sourcepath') || attr(where, 'sourcefile') || className.replace(/\./g, '/') + '.java',
      line: int(attr(where, 'start')), lineEnd: int(attr(where, 'end')),
      severity, category: attr(bug, 'category'), type: attr(bug, 'type'),
      message: text(bug['LongMessage']).trim() || text(bug['ShortMessage']).trim() || attr(bug, 'type'),
      packageName: className.includes('.') ? className.slice(0, className.lastIndexOf('.')) : '',
    }));
  }
  return out;
}

/** JUnit XML: each failed test (failure or error) is an issue, as analysis-model's JUnit adapter has it. */
function junit(src: string, file: string): RawIssue[] {
  if (/<!ENTITY/i.test(src)) throw new ReportError(`${file}: the XML declares entities (<!ENTITY ...>), which Kiln refuses to expand (entity bombs, external entities)`);
  let cases;
  try {
    cases = parseJUnit(src, file);
  } catch (err) {
    if (err instanceof JUnitParseError) throw new ReportError(err.message);
    throw err;
  }
  return cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => issue({
    file: c.className, severity: 'ERROR', category: c.suite, type: c.name,
    message: `${c.name}${c.message ? `: ${c.message}` : ''}`,
    packageName: c.className.includes('.') ? c.className.slice(0, c.className.lastIndexOf('.')) : '',
  }));
}

const NATIVE_SEVERITY: Readonly<Record<string, IssueSeverity>> = {
  ERROR: 'ERROR', HIGH: 'HIGH', WARNING_HIGH: 'HIGH', NORMAL: 'NORMAL', WARNING_NORMAL: 'NORMAL', LOW: 'LOW', WARNING_LOW: 'LOW',
};

function nativeIssue(o: Record<string, unknown>): RawIssue {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : typeof o[k] === 'number' ? String(o[k]) : '');
  return issue({
    file: str('fileName'), line: int(str('lineStart')), lineEnd: int(str('lineEnd')), column: int(str('columnStart')),
    severity: NATIVE_SEVERITY[str('severity').toUpperCase()] ?? 'NORMAL',
    category: str('category'), type: str('type'), message: str('message') || str('description'),
    packageName: str('packageName'), moduleName: str('moduleName'),
  });
}

/** analysis-model's own format: XML (<report><issue>), JSON ({issues: [...]} or a list), or JSON lines. */
function native(textIn: string, file: string): RawIssue[] {
  const t = textIn.trim();
  if (t.startsWith('<')) {
    const top = root(parseXml(t, file), 'report', file, 'native XML');
    return nodes(top['issue']).map((i) => nativeIssue(Object.fromEntries(Object.entries(i).map(([k, v]) => [k, text(v)]))));
  }
  try {
    const doc = JSON.parse(t) as unknown;
    const list = Array.isArray(doc) ? doc : (doc as { issues?: unknown })?.issues;
    if (!Array.isArray(list)) throw new ReportError(`${file}: JSON without an "issues" list`);
    return list.filter((x) => typeof x === 'object' && x !== null).map((x) => nativeIssue(x as Record<string, unknown>));
  } catch (err) {
    if (err instanceof ReportError) throw err;
    // JSON lines: one issue per line.
    const out: RawIssue[] = [];
    for (const [i, line] of t.split('\n').entries()) {
      if (!line.trim()) continue;
      try {
        out.push(nativeIssue(JSON.parse(line) as Record<string, unknown>));
      } catch {
        throw new ReportError(`${file}: line ${i + 1} is neither XML nor JSON of the native format`);
      }
    }
    return out;
  }
}

/** ESLint: its JSON formatter's output, or its checkstyle formatter's XML. */
function eslint(textIn: string, file: string): RawIssue[] {
  const t = textIn.trim();
  if (t.startsWith('<')) return checkstyle(t, file);
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch (err) {
    throw new ReportError(`${file}: neither ESLint JSON nor checkstyle XML (${(err as Error).message})`);
  }
  if (!Array.isArray(doc)) throw new ReportError(`${file}: ESLint JSON must be a list of files`);
  const out: RawIssue[] = [];
  for (const f of doc as { filePath?: unknown; messages?: unknown }[]) {
    if (!Array.isArray(f?.messages)) continue;
    for (const m of f.messages as Record<string, unknown>[]) {
      out.push(issue({
        file: typeof f.filePath === 'string' ? f.filePath : '-',
        line: typeof m['line'] === 'number' ? m['line'] : 0, lineEnd: typeof m['endLine'] === 'number' ? m['endLine'] : 0,
        column: typeof m['column'] === 'number' ? m['column'] : 0,
        severity: m['severity'] === 2 ? 'ERROR' : 'NORMAL',
        category: typeof m['ruleId'] === 'string' ? m['ruleId'].split('/')[0]! : '', type: typeof m['ruleId'] === 'string' ? m['ruleId'] : '',
        message: typeof m['message'] === 'string' ? m['message'] : '',
      }));
    }
  }
  return out;
}

/** analysis-model's Severity.guessFromString: error/severe/critical/fatal, info/note/low, warning/medium, high; else low. */
function guessSeverity(x: string): IssueSeverity {
  const v = x.toLowerCase();
  if (/error|severe|critical|fatal/.test(v)) return 'ERROR';
  if (/info|note|low/.test(v)) return 'LOW';
  if (/warning|medium/.test(v)) return 'NORMAL';
  if (v.includes('high')) return 'HIGH';
  return 'LOW';
}

function parseJson(t: string, file: string, what: string): unknown {
  try {
    return JSON.parse(t);
  } catch (err) {
    throw new ReportError(`${file}: not ${what} JSON (${(err as Error).message})`);
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const jstr = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
/** A report's word looked up as an own key only ('constructor' or 'toString' in a hostile report is no severity). */
const own = <T,>(m: Readonly<Record<string, T>>, k: string): T | undefined => (Object.hasOwn(m, k) ? m[k] : undefined);
const jint = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0);

/** A SARIF artifact URI as a path: file:///ws/src/a.c → /ws/src/a.c; relative URIs lose their %-escapes. */
function sarifPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return decodeURIComponent(new URL(uri).pathname);
    } catch {
      return uri;
    }
  }
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

const SARIF_LEVEL: Readonly<Record<string, IssueSeverity>> = { error: 'HIGH', warning: 'NORMAL', note: 'LOW', none: 'LOW' };

/**
 * SARIF 2.1 (the OASIS static analysis results format many scanners write: CodeQL, Semgrep,
 * Trivy, ESLint's and .NET's SARIF output). Each result at each of its locations is an issue:
 * type the rule id, category the tool (runs[].tool.driver.name), severity from the level
 * (error high, warning normal, note/none low, as analysis-model's SARIF adapter maps them; a
 * missing level is the rule's default level, else 'warning' as the standard says). Results of
 * kind 'pass' or 'notApplicable' are not issues.
 */
function sarif(t: string, file: string): RawIssue[] {
  const doc = obj(parseJson(t, file, 'SARIF'));
  if (!Array.isArray(doc['runs'])) throw new ReportError(`${file}: not a SARIF report (no "runs" list)`);
  const out: RawIssue[] = [];
  for (const r of list(doc['runs'])) {
    const run = obj(r);
    const driver = obj(obj(run['tool'])['driver']);
    const tool = jstr(driver['name']);
    const rules = list(driver['rules']).map(obj);
    const artifacts = list(run['artifacts']).map(obj);
    for (const x of list(run['results'])) {
      const res = obj(x);
      const kind = jstr(res['kind']);
      if (kind === 'pass' || kind === 'notApplicable') continue;
      const ruleIndex = typeof res['ruleIndex'] === 'number' ? res['ruleIndex'] : -1;
      const ruleId = jstr(res['ruleId']) || jstr(obj(res['rule'])['id']) || jstr(rules[ruleIndex]?.['id']);
      const rule = rules[ruleIndex] ?? rules.find((q) => jstr(q['id']) === ruleId) ?? {};
      const msg = obj(res['message']);
      const message = jstr(msg['text']) || jstr(msg['markdown'])
        || jstr(obj(obj(rule['messageStrings'])[jstr(msg['id'])])['text']) || jstr(obj(rule['shortDescription'])['text']);
      if (!message) continue;
      const level = jstr(res['level']) || jstr(obj(rule['defaultConfiguration'])['level']) || (kind && kind !== 'fail' ? 'none' : 'warning');
      const locations = list(res['locations']).map((l) => obj(obj(l)['physicalLocation']));
      for (const loc of locations.length ? locations : [{}]) {
        const art = obj(loc['artifactLocation']);
        const idx = typeof art['index'] === 'number' ? art['index'] : -1;
        const uri = jstr(art['uri']) || jstr(obj(artifacts[idx]?.['location'])['uri']);
        const region = obj(loc['region']);
        const regionText = jstr(obj(region['message'])['text']);
        out.push(issue({
          file: uri ? sarifPath(uri) : '-', line: jint(region['startLine']), lineEnd: jint(region['endLine']), column: jint(region['startColumn']),
          severity: own(SARIF_LEVEL, level) ?? 'NORMAL', category: tool, type: ruleId,
          message: regionText ? `${message} ${regionText}` : message,
        }));
        if (out.length > MAX_ISSUES) return out;
      }
    }
  }
  return out;
}

/**
 * cppcheck's XML, version 2 (`cppcheck --xml --xml-version=2`): each <error> with a location is
 * one issue at its first location (the others are where it continues); type its id, category its
 * severity (style, performance, ...); error is high, warning normal, the rest low (analysis-model).
 */
function cppcheck(src: string, file: string): RawIssue[] {
  const top = root(parseXml(src, file), 'results', file, 'cppcheck XML');
  if (top['errors'] === undefined && top['@version'] !== '2') throw new ReportError(`${file}: not a cppcheck XML version 2 report (write it with --xml --xml-version=2)`);
  const out: RawIssue[] = [];
  for (const e of nodes(obj(top['errors'])['error'])) {
    const loc = nodes(e['location'])[0];
    if (!loc) continue;
    const sev = attr(e, 'severity');
    const msg = attr(e, 'msg');
    const verbose = attr(e, 'verbose');
    out.push(issue({
      file: attr(loc, 'file'), line: int(attr(loc, 'line')), column: int(attr(loc, 'column')),
      severity: sev === 'error' ? 'HIGH' : sev === 'warning' ? 'NORMAL' : 'LOW',
      category: sev, type: attr(e, 'id'),
      message: verbose && verbose !== msg ? `${msg} ${verbose}` : msg,
    }));
  }
  return out;
}

/** hadolint's JSON (`hadolint -f json Dockerfile`): style low, info normal, warning high, error error (analysis-model). */
function hadolint(t: string, file: string): RawIssue[] {
  const doc = parseJson(t, file, 'hadolint');
  if (!Array.isArray(doc)) throw new ReportError(`${file}: hadolint JSON must be a list of findings (hadolint -f json)`);
  const sev: Record<string, IssueSeverity> = { style: 'LOW', info: 'NORMAL', warning: 'HIGH', error: 'ERROR' };
  return doc.map(obj).map((f) => issue({
    file: jstr(f['file']), line: jint(f['line']), column: jint(f['column']),
    severity: own(sev, jstr(f['level'])) ?? 'LOW', category: jstr(f['code']), message: jstr(f['message']),
  }));
}

/**
 * ShellCheck's JSON: `shellcheck -f json` (a list) or `-f json1` ({"comments": [...]}). Type
 * SC<code>, category the code, severity guessed from the level as analysis-model does (error,
 * warning normal, info and style low); a finding with a fix says "[fixable]".
 */
function shellcheck(t: string, file: string): RawIssue[] {
  const doc = parseJson(t, file, 'ShellCheck');
  const items = Array.isArray(doc) ? doc : obj(doc)['comments'];
  if (!Array.isArray(items)) throw new ReportError(`${file}: ShellCheck JSON must be a list of comments (shellcheck -f json) or {"comments": [...]} (-f json1)`);
  return items.map(obj).map((c) => {
    const code = jstr(c['code']);
    const fixable = list(obj(c['fix'])['replacements']).length > 0;
    return issue({
      file: jstr(c['file']), line: jint(c['line']), lineEnd: jint(c['endLine']), column: jint(c['column']),
      severity: guessSeverity(jstr(c['level']) || 'style'), category: code, type: code ? `SC${code}` : '',
      message: `${jstr(c['message'])}${fixable ? ' [fixable]' : ''}`,
    });
  });
}

/**
 * pydocstyle: two lines per finding, "app.py:2 in public function `f`:" then the indented
 * "D103: Missing docstring in public function"; every finding is an error-level violation in
 * analysis-model (high).
 */
const PYDOC_WHERE = /^(\S[^:]*\.py):(\d+)\b/;
const PYDOC_WHAT = /^\s+(D\d+):\s?(.*)$/;
function pydocstyle(t: string): RawIssue[] {
  const out: RawIssue[] = [];
  let where: RegExpExecArray | null = null;
  for (const raw of t.split('\n')) {
    const line = stripConsoleNoise(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (line.length > MAX_LINE) { where = null; continue; }
    const w = PYDOC_WHERE.exec(line);
    if (w) { where = w; continue; }
    const m = where ? PYDOC_WHAT.exec(line) : null;
    if (m && where) {
      out.push(issue({ file: where[1], line: int(where[2]), severity: 'HIGH', type: m[1], category: m[1], message: m[2]! }));
      where = null;
      if (out.length > MAX_ISSUES) break;
    }
  }
  return out;
}

/**
 * Trivy's JSON (`trivy image -f json`): {"Results": [{"Target", "Vulnerabilities": [...]}]}, or the
 * list of targets older versions wrote. Each vulnerability is an issue: file the package, type
 * the CVE, category the severity's source, message the title (analysis-model); LOW low, MEDIUM
 * normal, CRITICAL error, HIGH and anything else high.
 */
function trivy(t: string, file: string): RawIssue[] {
  const doc = parseJson(t, file, 'Trivy');
  const targets = Array.isArray(doc) ? doc : obj(doc)['Results'];
  if (!Array.isArray(targets)) {
    if (Array.isArray(obj(doc)['runs'])) throw new ReportError(`${file}: this is SARIF, not Trivy's JSON: read it with sarif()`);
    throw new ReportError(`${file}: not Trivy's JSON (no "Results" list; write it with trivy -f json)`);
  }
  const sev: Record<string, IssueSeverity> = { LOW: 'LOW', MEDIUM: 'NORMAL', HIGH: 'HIGH', CRITICAL: 'ERROR' };
  const out: RawIssue[] = [];
  for (const target of targets.map(obj)) {
    for (const v of list(target['Vulnerabilities']).map(obj)) {
      out.push(issue({
        file: jstr(v['PkgName']) || '?', severity: own(sev, jstr(v['Severity']).toUpperCase()) ?? 'HIGH',
        category: jstr(v['SeveritySource']) || '?', type: jstr(v['VulnerabilityID']) || '?',
        message: jstr(v['Title']) || jstr(v['Description']) || 'UNKNOWN',
        packageName: [jstr(v['PkgName']), jstr(v['InstalledVersion'])].filter(Boolean).join(' '),
      }));
      if (out.length > MAX_ISSUES) return out;
    }
  }
  return out;
}

/** Grype's JSON (`grype -o json`): each match is an issue at the artifact's first location; severity guessed as analysis-model does. */
function grype(t: string, file: string): RawIssue[] {
  const matches = obj(parseJson(t, file, 'Grype'))['matches'];
  if (!Array.isArray(matches)) throw new ReportError(`${file}: not Grype's JSON (no "matches" list; write it with grype -o json)`);
  const out: RawIssue[] = [];
  for (const m of matches.map(obj)) {
    if (!('vulnerability' in m)) continue;
    const v = obj(m['vulnerability']);
    const a = obj(m['artifact']);
    const version = jstr(a['version']);
    out.push(issue({
      file: jstr(obj(list(a['locations'])[0])['path']), severity: guessSeverity(jstr(v['severity'])),
      category: jstr(a['type']) || 'Unknown', type: jstr(v['id']), message: jstr(v['description']) || 'Unknown',
      packageName: `${jstr(a['name']) || 'Unknown'}${version ? ` ${version}` : ''}`,
    }));
  }
  return out;
}

/** OWASP Dependency-Check's JSON report: each vulnerability of each dependency; LOW low, MEDIUM normal, CRITICAL error, else high. */
function owasp(t: string, file: string): RawIssue[] {
  const deps = obj(parseJson(t, file, 'OWASP Dependency-Check'))['dependencies'];
  if (!Array.isArray(deps)) throw new ReportError(`${file}: not a Dependency-Check JSON report (no "dependencies" list; use --format JSON)`);
  const sev: Record<string, IssueSeverity> = { LOW: 'LOW', MEDIUM: 'NORMAL', CRITICAL: 'ERROR' };
  const out: RawIssue[] = [];
  for (const d of deps.map(obj)) {
    for (const v of list(d['vulnerabilities']).map(obj)) {
      out.push(issue({
        file: jstr(d['fileName']), severity: own(sev, jstr(v['severity']).toUpperCase()) ?? 'HIGH',
        category: jstr(obj(v['cvssv3'])['attackVector']) || jstr(obj(v['cvssv2'])['accessVector']),
        type: jstr(v['name']), message: jstr(v['description']),
      }));
      if (out.length > MAX_ISSUES) return out;
    }
  }
  return out;
}

/**
 * dockerfile_lint's JSON (`dockerfile_lint -j`): {"error": {"data": [...]}, "warn": ..., "info": ...};
 * every finding is in the Dockerfile, category its label; error high, warn normal, else low.
 */
function dockerlint(t: string, file: string): RawIssue[] {
  const doc = parseJson(t, file, 'dockerfile_lint');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ReportError(`${file}: dockerfile_lint JSON must be an object of severity groups (dockerfile_lint -j)`);
  const out: RawIssue[] = [];
  for (const group of Object.values(doc as Json)) {
    for (const f of list(obj(group)['data']).map(obj)) {
      const ref = f['reference_url'];
      const url = Array.isArray(ref) ? ref.map(jstr).join('') : jstr(ref);
      const level = jstr(f['level']);
      out.push(issue({
        file: 'Dockerfile', line: jint(f['line']), severity: level === 'error' ? 'HIGH' : level === 'warn' ? 'NORMAL' : 'LOW',
        category: jstr(f['label']),
        message: `${jstr(f['message'])}${'description' in f ? ` - ${jstr(f['description'])}` : ''}${'reference_url' in f ? ` See ${url}` : ''}`,
      }));
      if (out.length > MAX_ISSUES) return out;
    }
  }
  return out;
}

/**
 * Error Prone's findings in a Maven or javac log: "[WARNING] /src/A.java:[13,18] [DefaultCharset] ..."
 * or "/src/A.java:13: warning: [DefaultCharset] ...", counted only when an indented
 * "(see https://errorprone.info/...)" line follows, as analysis-model requires.
 */
const EP_HEAD = /^(?:\[(WARNING|ERROR)\]\s+(\S[^:[]*?):\[(\d+)(?:,(\d+))?\]\s+|(\S[^:]*?):(\d+): (warning|error): )\[(\w+)\]\s+(.*)$/;
const EP_SEE = /^\s+\(see https?:\/\/\S+\s*\)$/;
function errorprone(t: string): RawIssue[] {
  const out: RawIssue[] = [];
  let head: RegExpExecArray | null = null;
  for (const raw of t.split('\n')) {
    const line = stripConsoleNoise(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (line.length > MAX_LINE) { head = null; continue; }
    const h = EP_HEAD.exec(line);
    if (h) { head = h; continue; }
    if (!head) continue;
    if (!/^\s/.test(line)) { head = null; continue; }
    if (EP_SEE.test(line)) {
      const m = head;
      const msg = m[9]!;
      out.push(issue({
        file: m[2] ?? m[5], line: int(m[3] ?? m[6]), column: int(m[4]),
        severity: guessSeverity(m[1] ?? m[7]!), type: m[8], message: msg.endsWith('.') ? msg : `${msg}.`,
      }));
      head = null;
      if (out.length > MAX_ISSUES) break;
    }
  }
  return out;
}

// --- console and text formats -------------------------------------------------------------------

export type LineParser = (line: string) => RawIssue | null;

// javac: "Foo.java:3: warning: [deprecation] Date(int,int,int) in Date has been deprecated"
const JAVAC_PLAIN = /^(?:\[javac\]\s+)?(\S(?:[^:]*?)\.java):(\d+): (warning|error): (?:\[([\w-]+)\] )?(.*)$/;
// Maven / Gradle: "[WARNING] /src/Foo.java:[12,5] [deprecation] ..." (also "[ERROR]")
const JAVAC_MAVEN = /^\[(WARNING|ERROR)\]\s+(\S[^:[]*?\.java):\[(\d+)(?:,(\d+))?\]\s*(?:\[([\w-]+)\]\s*)?(.*)$/;

const javac: LineParser = (line) => {
  let m = JAVAC_PLAIN.exec(line);
  if (m) return issue({ file: m[1], line: int(m[2]), severity: m[3] === 'error' ? 'ERROR' : 'NORMAL', category: m[4] ?? '', message: m[5]! });
  m = JAVAC_MAVEN.exec(line);
  if (m) return issue({ file: m[2], line: int(m[3]), column: int(m[4]), severity: m[1] === 'ERROR' ? 'ERROR' : 'NORMAL', category: m[5] ?? '', message: m[6]! });
  return null;
};

// javadoc: "Foo.java:5: warning: no comment", "[WARNING] /x/Foo.java:5: warning - @return tag has no arguments."
const JAVADOC = /^(?:\s*\[(?:javadoc|WARNING|ERROR)\]\s*)?(\S[^:(]*?\.java)[:(](\d+)\)?:\s*(warning|error)\s*[:-]\s*(.+)$/;
const javadoc: LineParser = (line) => {
  const m = JAVADOC.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), severity: m[3] === 'error' ? 'ERROR' : 'NORMAL', message: m[4]! }) : null;
};

// Maven: "[WARNING] ..." and "[ERROR] ..." lines of its console.
const MAVEN = /^\[(WARNING|ERROR)\] (.+)$/;
const maven: LineParser = (line) => {
  const m = MAVEN.exec(line);
  return m ? issue({ severity: m[1] === 'ERROR' ? 'ERROR' : 'NORMAL', category: 'Maven', type: m[1] === 'ERROR' ? 'Error' : 'Warning', message: m[2]! }) : null;
};

// gcc 4+ and clang: "main.c:5:9: warning: unused variable 'x' [-Wunused-variable]"
const GCC = /^(\S[^:]*):(\d+):(?:(\d+):)? ?(warning|error|fatal error): (.*?)(?: \[(-W[\w=+-]+)\])?$/;
const gcc: LineParser = (line) => {
  const m = GCC.exec(line);
  if (!m) return null;
  return issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: m[4] === 'warning' ? 'NORMAL' : 'ERROR', category: m[6] ?? (m[4] === 'warning' ? 'Warning' : 'Error'), type: m[4] === 'warning' ? 'Warning' : 'Error', message: m[5]! });
};

// pylint: "app.py:12:4: C0116: Missing function or method docstring (missing-function-docstring)"
// and its parseable form "app.py:12: [C0111(missing-docstring), f] Missing docstring"
const PYLINT = /^(\S[^:]*):(\d+):(?:(\d+):)? ([CRWEFI]\d{4}): (.*?)(?: \(([\w-]+)\))?$/;
const PYLINT_PARSEABLE = /^(\S[^:]*):(\d+): \[([CRWEFI]\d{4})(?:\(([\w-]+)\))?[^\]]*\] (.*)$/;
const PYLINT_KIND: Readonly<Record<string, [IssueSeverity, string]>> = {
  F: ['HIGH', 'Fatal'], E: ['HIGH', 'Error'], W: ['NORMAL', 'Warning'], R: ['LOW', 'Refactor'], C: ['LOW', 'Convention'], I: ['LOW', 'Info'],
};
const pylint: LineParser = (line) => {
  let m = PYLINT.exec(line);
  if (m) {
    const [sev, cat] = PYLINT_KIND[m[4]![0]!]!;
    return issue({ file: m[1], line: int(m[2]), column: int(m[3]) > 0 ? int(m[3]) + 1 : 0, severity: sev, category: cat, type: m[6] ?? m[4]!, message: m[5]! });
  }
  m = PYLINT_PARSEABLE.exec(line);
  if (m) {
    const [sev, cat] = PYLINT_KIND[m[3]![0]!]!;
    return issue({ file: m[1], line: int(m[2]), severity: sev, category: cat, type: m[4] ?? m[3]!, message: m[5]! });
  }
  return null;
};

// flake8: "app.py:1:1: F401 'os' imported but unused"
const FLAKE8 = /^(\S[^:]*):(\d+):(\d+): ([A-Z]+\d+) (.*)$/;
const flake8: LineParser = (line) => {
  const m = FLAKE8.exec(line);
  if (!m) return null;
  const code = m[4]!;
  return issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: code.startsWith('F') || code.startsWith('E9') ? 'HIGH' : code.startsWith('E') ? 'NORMAL' : 'LOW', category: code.replace(/\d+$/, ''), type: code, message: m[5]! });
};

// cpplint: "src/a.cc:12:  Missing space before {  [whitespace/braces] [5]"; confidence 5 high, 3-4 normal, else low.
const CPPLINT = /^\s*(\S[^:(]*?)[(:](\d+)\)?:\s+(\S.*\S)\s+\[([\w/+.-]+)\] \[(\d)\]$/;
const cpplint: LineParser = (line) => {
  const m = CPPLINT.exec(line);
  if (!m) return null;
  const c = int(m[5]);
  return issue({ file: m[1], line: int(m[2]), severity: c >= 5 ? 'HIGH' : c >= 3 ? 'NORMAL' : 'LOW', category: m[4], message: m[3]! });
};

// clang-tidy: "src/a.cc:4:3: warning: use nullptr [modernize-use-nullptr]" (only lines naming a check).
const CLANG_TIDY = /^(\S+):(\d+):(\d+): (warning|error): (.*?) \[([^\s\]]+)\]$/;
const clangtidy: LineParser = (line) => {
  const m = CLANG_TIDY.exec(line);
  if (!m) return null;
  return issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: m[4] === 'error' ? 'HIGH' : 'NORMAL', type: capitalize(m[4]!), category: m[6], message: m[5]! });
};

// MSBuild and the compilers it runs (csc, cl, link):
//   "Program.cs(10,17): warning CS0168: The variable 'x' is declared but never used [/src/App/App.csproj]"
//   "  1>main.cpp(12): error C2065: 'y': undeclared identifier [C:\src\app.vcxproj]"
//   "LINK : warning LNK4098: defaultlib 'MSVCRT' conflicts with use of other libs"
// Severity as analysis-model guesses it from the word (error, warning normal, info/note/hint low);
// a relative file is taken relative to the project's directory in the trailing [...].
const MSBUILD = /^\s*(?:\d+(?::\d+)?>\s*)?(?:(\S.*?)\((\d+)(?:,(\d+))?[-,\d]*\)\s*|([^\s:(][^:(]*?) ?):\s*((?:fatal )?error|warning|info|note|hint|message)(?:\s+([A-Za-z]+\d+))?\s*:\s*(.*?)(?: \[([^[\]]+)\])?$/i;
const TOOLS_NOT_FILES = /^(?:EXEC|NMAKE|LINK|MSBUILD|CSC|cl|rs|[^/\\]*\.exe)$/i;
const msbuild: LineParser = (line) => {
  const m = MSBUILD.exec(line);
  if (!m) return null;
  let file = m[1] ?? m[4] ?? '-';
  const project = m[8];
  if (TOOLS_NOT_FILES.test(file.trim())) file = '-';
  else if (project && !/^(?:[A-Za-z]:)?[/\\]/.test(file)) {
    const sep = project.includes('\\') ? '\\' : '/';
    const dir = project.slice(0, Math.max(project.lastIndexOf('/'), project.lastIndexOf('\\')));
    if (dir) file = `${dir}${sep}${file}`;
  }
  return issue({ file, line: int(m[2]), column: int(m[3]), severity: guessSeverity(m[5]!), category: m[6] ?? '', message: m[7]! });
};

// go vet: "./main.go:8:2: fmt.Printf format %d has arg s of wrong type string" (older: no column).
const GOVET = /^(\S[^:]*\.go):(\d+):(?:(\d+):)?\s*(.*)$/;
const govet: LineParser = (line) => {
  const m = GOVET.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: 'NORMAL', message: m[4]! }) : null;
};

// golint: "conn.go:360:3: should replace c.writeSeq += 1 with c.writeSeq++"
const GOLINT = /^(\S[^:]*\.go):(\d+):(\d+):\s*(.*)$/;
const golint: LineParser = (line) => {
  const m = GOLINT.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: 'NORMAL', message: m[4]! }) : null;
};

// yamllint -f parsable: "ci.yaml:3:7: [error] too few spaces after comma (commas)"; error high, warning normal.
const YAMLLINT = /^(\S[^:]*):(\d+):(\d+): \[(error|warning)\] (.*?)(?: \(([\w-]+)\))?$/;
const yamllint: LineParser = (line) => {
  const m = YAMLLINT.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: m[4] === 'error' ? 'HIGH' : 'NORMAL', type: m[6] ?? '', message: m[5]! }) : null;
};

// mypy: "app.py:2:5: error: Name \"x\" is not defined  [name-defined]"; error high, note low.
const MYPY = /^(\S[^:]*):(\d+):(?:(\d+):)? (error|warning|note): (.*?)(?: {2}\[([\w-]+)\])?$/;
const mypy: LineParser = (line) => {
  const m = MYPY.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: m[4] === 'error' ? 'HIGH' : m[4] === 'warning' ? 'NORMAL' : 'LOW', type: m[6] ?? '', category: m[4], message: m[5]! }) : null;
};

// pep8 / pycodestyle: "app.py:2:9: E203 whitespace before ':'"; E codes normal, the rest low.
const PEP8 = /^(\S[^:]*):(\d+):(\d+): ([A-Z]\d*) (.*)$/;
const pep8: LineParser = (line) => {
  const m = PEP8.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: m[4]!.startsWith('E') ? 'NORMAL' : 'LOW', category: m[4], message: m[5]! }) : null;
};

// RuboCop's emacs format: "app.rb:3:1: C: Style/FrozenStringLiteralComment: Missing ..."; E and F high, else normal.
const RUBOCOP = /^([^:\s][^:]*):(\d+):(\d+): ([RCWEF]): (?:\[Correctable\] )?(\S+): (.*)$/;
const rubocop: LineParser = (line) => {
  const m = RUBOCOP.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), column: int(m[3]), severity: m[4] === 'E' || m[4] === 'F' ? 'HIGH' : 'NORMAL', category: m[5], message: m[6]! }) : null;
};

// kotlinc: "w: /src/A.kt: (3, 9): Variable 'x' is never used" and (Kotlin 1.8+)
// "e: file:///src/A.kt:5:1 Unresolved reference: y"; e is an error, w a normal warning.
const KOTLIN = /^(?:\S+\s+)?(w|e): (?:file:\/\/)?(\S[^:(]*?)(?:: \((\d+), ?(\d+)\):|:(\d+):(\d+):?) (.*)$/;
const kotlin: LineParser = (line) => {
  const m = KOTLIN.exec(line);
  if (!m) return null;
  return issue({ file: m[2], line: int(m[3] ?? m[5]), column: int(m[4] ?? m[6]), severity: m[1]!.startsWith('e') ? 'ERROR' : 'NORMAL', message: m[7]! });
};

// scalac through Maven: "[WARNING] /src/A.scala:3: warning: ..."; sbt: "[warn] /src/A.scala:3:5: ..."; errors high.
const SCALAC = /^\[(WARNING|ERROR)\]\s*(\S[^:]*):(\d+):\s*([a-z]*):\s*(.*)$/;
const SBT = /^\[(warn|error)\]\s*(\S[^:]*?):(\d+)(?::\d+)?:\s*(.*)$/;
const scala: LineParser = (line) => {
  let m = SCALAC.exec(line);
  if (m) return issue({ file: m[2], line: int(m[3]), severity: m[1] === 'ERROR' ? 'HIGH' : 'NORMAL', category: m[4], message: m[5]! });
  m = SBT.exec(line);
  return m ? issue({ file: m[2], line: int(m[3]), severity: m[1] === 'error' ? 'HIGH' : 'NORMAL', message: m[4]! }) : null;
};

// ansible-lint -p: "roles/web/tasks/main.yml:5: [ANSIBLE0012] Commands should not change things..."
// (also the later "[E301]" ids); the bracketed id is the category.
const ANSIBLE_LINT = /^(\S[^:]*):(\d+):\s*\[([\w-]+)\]\s(.*)$/;
const ansiblelint: LineParser = (line) => {
  const m = ANSIBLE_LINT.exec(line);
  return m ? issue({ file: m[1], line: int(m[2]), severity: 'NORMAL', category: m[3], message: m[4]! }) : null;
};

const LINE_PARSERS: Partial<Record<ParserKind, LineParser>> = {
  kotlin, scala, ansiblelint,
  javac, javadoc, maven, gcc, pylint, flake8, cpplint, clangtidy, msbuild, govet, golint, yamllint, mypy, pep8, rubocop,
};
const TEXT_PARSERS: Partial<Record<ParserKind, (text: string, file: string, opts?: ParseOptions) => RawIssue[]>> = {
  checkstyle, eslint, pmd, cpd, spotbugs, junit, native, sarif, cppcheck, hadolint, shellcheck, pydocstyle,
  trivy, grype, owasp, errorprone, dockerlint,
};

/** Whether the format is read line by line (and so can follow a console log in chunks). */
export function lineParser(kind: ParserKind): LineParser | undefined {
  return LINE_PARSERS[kind];
}

/** Parses a whole report of `kind`; `file` names it in errors. */
export function parseReport(kind: ParserKind, text: string, file: string, opts: ParseOptions = {}): RawIssue[] {
  const lp = LINE_PARSERS[kind];
  let out: RawIssue[];
  if (lp) {
    out = [];
    for (const raw of text.split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.length > MAX_LINE) continue;
      const i = parseLine(lp, line);
      if (i) out.push(i);
      if (out.length > MAX_ISSUES) break;
    }
  } else {
    const p = TEXT_PARSERS[kind];
    if (!p) throw new ReportError(`${file}: no parser for ${kind}`);
    out = p(text, file, opts);
  }
  if (out.length > MAX_ISSUES) throw new ReportError(`${file}: more than ${MAX_ISSUES} issues; Kiln keeps at most that many per report`);
  return out;
}

/** A console line without colour codes and Kiln's timestamp prefix (`timestamps {}`). */
export function stripConsoleNoise(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u001b\[[0-9;]*m/g, '').replace(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] /, '');
}

/**
 * Parses one console line. A leading "[name] " (Kiln prefixes the output of parallel branches)
 * is tried without first, then with (Maven's "[WARNING] " is part of its lines).
 */
export function parseLine(lp: LineParser, raw: string): RawIssue | null {
  const line = stripConsoleNoise(raw);
  const branch = /^\[[^\]]{1,200}\] /.exec(line);
  return (branch ? lp(line.slice(branch[0].length)) : null) ?? lp(line);
}
