// Reading JUnit XML reports (Surefire, pytest, Jest, go-junit-report ...): <testsuites> or a
// bare <testsuite>, nested suites, <testcase> with <failure>, <error>, <skipped>, and
// system-out/err per case or per suite.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCase } from './types.ts';
import { KilnError } from '../../core/errors.ts';

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err'].includes(name),
  processEntities: true,
  // Character references (`&#10;` in Surefire's failure messages, `&#x1B;` ...) are text, as
  // every XML parser has them; without this they showed as written.
  htmlEntities: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
});

export class JUnitParseError extends KilnError {
  constructor(message: string) {
    super('junit.parse', message);
  }
}

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(text).filter((x) => x !== null).join('\n') || null;
  if (typeof v === 'object') return text((v as XmlNode)['#text']);
  return String(v);
}

function attr(n: XmlNode, name: string): string | undefined {
  const v = n[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

function asNodes(v: unknown): XmlNode[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : { '#text': x }));
}

/** Parses one report file; `file` is only for messages. */
export function parseJUnit(xml: string, file: string): TestCase[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new JUnitParseError(`${file}: not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as XmlNode;
  const roots: XmlNode[] = [];
  const top = doc['testsuites'];
  if (top !== undefined) roots.push(...asNodes((typeof top === 'object' && top !== null ? (top as XmlNode) : {})['testsuite']));
  else if (doc['testsuite'] !== undefined) roots.push(...asNodes(doc['testsuite']));
  else throw new JUnitParseError(`${file}: not a JUnit report (no <testsuites> or <testsuite> element)`);
  const cases: TestCase[] = [];
  const walk = (suite: XmlNode, prefix: string) => {
    const name = attr(suite, 'name') ?? '(unnamed suite)';
    const full = prefix ? `${prefix}.${name}` : name;
    const suiteOut = text(suite['system-out']);
    const suiteErr = text(suite['system-err']);
    for (const tc of asNodes(suite['testcase'])) {
      const failure = asNodes(tc['failure'])[0];
      const error = asNodes(tc['error'])[0];
      const skipped = asNodes(tc['skipped'])[0];
      const bad = failure ?? error;
      const seconds = Number(attr(tc, 'time') ?? '0');
      cases.push({
        suite: full,
        className: attr(tc, 'classname') ?? full,
        name: attr(tc, 'name') ?? '(unnamed)',
        durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0,
        status: failure ? 'failed' : error ? 'error' : skipped ? 'skipped' : 'passed',
        message: bad ? attr(bad, 'message') ?? null : skipped ? attr(skipped, 'message') ?? null : null,
        details: bad ? text(bad) : null,
        stdout: text(tc['system-out']) ?? (bad ? suiteOut : null),
        stderr: text(tc['system-err']) ?? (bad ? suiteErr : null),
      });
    }
    for (const child of asNodes(suite['testsuite'])) walk(child, full);
  };
  for (const r of roots) walk(r, '');
  return cases;
}
