// Reads Valgrind's XML output (valgrind --xml=yes --xml-file=...: <valgrindoutput> with one
// <error> per problem: its <kind>, <what> or <xwhat><text>, and the first <stack>'s frames) as
// the Valgrind plugin's parser does, for its counts: all errors, Leak_DefinitelyLost ones, and
// InvalidRead + InvalidWrite. XML declaring entities is refused; nothing is fetched.
// Pure: text in, errors out; the caller bounds the size.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { KilnError } from '../../core/errors.ts';

export class ValgrindReportError extends KilnError {
  constructor(message: string) {
    super('valgrind.report', message);
  }
}

export interface ValgrindFrame { fn: string; file: string; dir: string; line: number; obj: string }
export interface ValgrindError { kind: string; what: string; stack: ValgrindFrame[] }
export interface ValgrindReport { executable: string; pid: string; errors: ValgrindError[] }

type Node = Record<string, unknown>;
const xml = new XMLParser({ ignoreAttributes: true, isArray: (name) => ['error', 'stack', 'frame', 'arg'].includes(name), processEntities: true, htmlEntities: false, parseTagValue: false });
const list = (v: unknown): Node[] => (Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v]).filter((x): x is Node => typeof x === 'object' && x !== null);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export function parseValgrind(content: string, file: string): ValgrindReport {
  if (/<!ENTITY/i.test(content)) throw new ValgrindReportError(`${file}: the XML declares entities (<!ENTITY ...>), which Kiln refuses to expand (entity bombs, external entities)`);
  const valid = XMLValidator.validate(content);
  if (valid !== true) throw new ValgrindReportError(`${file}: not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const root = (xml.parse(content) as Node)['valgrindoutput'];
  if (typeof root !== 'object' || root === null) throw new ValgrindReportError(`${file}: not a Valgrind XML report (no <valgrindoutput>)`);
  const r = root as Node;
  const args = r['args'] as Node | undefined;
  const exe = text(((args?.['argv'] as Node | undefined)?.['exe']));
  const errors = list(r['error']).map((e) => {
    const xwhat = e['xwhat'] as Node | undefined;
    const stack = list(list(e['stack'])[0]?.['frame']).map((f) => ({
      fn: text(f['fn']), file: text(f['file']), dir: text(f['dir']), line: Number.parseInt(text(f['line']), 10) || 0, obj: text(f['obj']),
    }));
    return { kind: text(e['kind']), what: (text(e['what']) || text(xwhat?.['text'])).trim(), stack };
  });
  return { executable: exe, pid: text(r['pid']), errors };
}
