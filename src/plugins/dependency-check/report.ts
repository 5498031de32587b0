// Reads OWASP Dependency-Check reports (dependency-check-report.xml, and the same data as
// dependency-check-report.json) into findings, as the Dependency-Check plugin's ReportParser does:
// one finding per vulnerability of each dependency, its severity normalized (CRITICAL, HIGH,
// MEDIUM or MODERATE, LOW; anything else UNASSIGNED); a report without scanInfo/engineVersion or
// from an engine older than 5 (by its major number: 10.x is newer) is refused ("Unsupported Dependency-Check schema version detected").
// XML declaring entities is refused (entity bombs, external entities); nothing is fetched.
// Pure: text in, findings out; the caller bounds the size.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { KilnError } from '../../core/errors.ts';

export class DependencyCheckReportError extends KilnError {
  constructor(message: string) {
    super('dependency-check.report', message);
  }
}

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO', 'UNASSIGNED'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  dependency: string;
  filePath: string;
  vulnerability: string;
  severity: Severity;
  description: string;
}

export function normalize(s: unknown): Severity {
  switch (typeof s === 'string' ? s.toUpperCase() : '') {
    case 'CRITICAL': return 'CRITICAL';
    case 'HIGH': return 'HIGH';
    case 'MEDIUM': case 'MODERATE': return 'MEDIUM';
    case 'LOW': return 'LOW';
    default: return 'UNASSIGNED';
  }
}

type Node = Record<string, unknown>;
const ARRAYS = new Set(['dependency', 'vulnerability']);
const xml = new XMLParser({ ignoreAttributes: true, isArray: (name) => ARRAYS.has(name), processEntities: true, htmlEntities: false, parseTagValue: false });

const list = (v: unknown): Node[] => (Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v]).filter((x): x is Node => typeof x === 'object' && x !== null);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function check(file: string, engineVersion: string): void {
  const major = Number.parseInt(engineVersion, 10);
  if (engineVersion === '' || !Number.isFinite(major) || major < 5) throw new DependencyCheckReportError(`${file}: Unsupported Dependency-Check schema version detected${engineVersion ? ` (engine ${engineVersion})` : ' (no scanInfo/engineVersion)'}`);
}

function findingsOf(deps: Node[], vulns: (d: Node) => Node[]): Finding[] {
  const out: Finding[] = [];
  for (const d of deps) {
    for (const v of vulns(d)) {
      out.push({
        dependency: text(d['fileName']), filePath: text(d['filePath']), vulnerability: text(v['name']),
        severity: normalize(v['severity']), description: text(v['description']).trim().split('\n')[0]!.slice(0, 500),
      });
    }
  }
  return out;
}

/** Parses one report (XML or JSON by its first character); throws DependencyCheckReportError. */
export function parseReport(content: string, file: string): Finding[] {
  const t = content.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) {
    let j: unknown;
    try { j = JSON.parse(t); } catch (e) { throw new DependencyCheckReportError(`${file}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`); }
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new DependencyCheckReportError(`${file}: Input stream is not a Dependency-Check report file.`);
    const a = j as Node;
    check(file, text((a['scanInfo'] as Node | undefined)?.['engineVersion']));
    return findingsOf(list(a['dependencies']), (d) => list(d['vulnerabilities']));
  }
  if (/<!ENTITY/i.test(t)) throw new DependencyCheckReportError(`${file}: the XML declares entities (<!ENTITY ...>), which Kiln refuses to expand (entity bombs, external entities)`);
  const valid = XMLValidator.validate(t);
  if (valid !== true) throw new DependencyCheckReportError(`${file}: not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const doc = xml.parse(t) as Node;
  const a = doc['analysis'];
  if (typeof a !== 'object' || a === null) throw new DependencyCheckReportError(`${file}: Input stream is not a Dependency-Check report file.`);
  const an = a as Node;
  check(file, text((an['scanInfo'] as Node | undefined)?.['engineVersion']));
  const deps = list((an['dependencies'] as Node | undefined)?.['dependency']);
  return findingsOf(deps, (d) => list((d['vulnerabilities'] as Node | undefined)?.['vulnerability']));
}
