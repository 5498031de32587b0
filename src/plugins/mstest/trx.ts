// Visual Studio's test results (.trx, the vstest TeamTest 2010 schema) read into test cases:
// each Results/UnitTestResult (or each of its InnerResults, for data-driven tests) is a case,
// its class the TestDefinitions/UnitTest/TestMethod className (without the assembly part), its
// duration "hh:mm:ss.fffffff", its Output/ErrorInfo Message and StackTrace, StdOut and StdErr.
// Outcomes: Passed, PassedButRunAborted, Completed, Warning pass; Failed, Timeout, Aborted fail;
// Error is an error; NotExecuted, Inconclusive, Pending and the rest are skipped.
// A document declaring entities (<!ENTITY in its DOCTYPE) is refused: a TRX never has one, and
// the parser then never fetches or expands anything but the five XML entities and character references.
import { XMLValidator } from 'fast-xml-parser';
import { attr, kid, kids, xmlNodeParser, type XmlNode } from '../../util/xml-nodes.ts';
import type { TestCase } from '../../pipeline/steps/types.ts';
import { KilnError } from '../../core/errors.ts';

export class TrxError extends KilnError {
  constructor(message: string) { super('mstest.trx', message); }
}

type Node = XmlNode;

// Every element an array (attributes are '@name'), so each reader walks one shape.
const parser = xmlNodeParser({ charRefs: false });

function text(n: Node | undefined): string | null {
  if (!n) return null;
  const t = n['#text'];
  const s = typeof t === 'string' ? t.trim() : '';
  return s === '' ? null : s;
}

/** "hh:mm:ss.fffffff" in ms (0 when absent or garbled). */
export function trxDurationMs(d: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(d ?? '');
  return m ? Math.round(((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000) : 0;
}

function statusOf(outcome: string): TestCase['status'] {
  if (['Passed', 'PassedButRunAborted', 'Completed', 'Warning'].includes(outcome)) return 'passed';
  if (outcome === 'Error') return 'error';
  if (['Failed', 'Timeout', 'Aborted'].includes(outcome)) return 'failed';
  return 'skipped';
}

export function parseTrx(xml: string): TestCase[] {
  if (/<!ENTITY/i.test(xml)) throw new TrxError('the document declares entities (<!ENTITY ...>), which a TRX file never does');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new TrxError(`not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as Node;
  const run = kid(doc, 'TestRun');
  if (!run) throw new TrxError('not a TRX file (its root element is not <TestRun>): give the .trx file of vstest / dotnet test --logger trx');
  const defs = new Map<string, { className: string; name: string }>();
  for (const d of kids(kid(run, 'TestDefinitions'), 'UnitTest')) {
    const m = kid(d, 'TestMethod');
    defs.set(attr(d, 'id') ?? '', { className: attr(m, 'className')?.split(',')[0]?.trim() ?? '', name: attr(m, 'name') ?? attr(d, 'name') ?? '' });
  }
  const out: TestCase[] = [];
  const add = (r: Node) => {
    const def = defs.get(attr(r, 'testId') ?? '');
    const className = def?.className || 'MSTest';
    const o = kid(r, 'Output');
    const err = kid(o, 'ErrorInfo');
    const message = text(kid(err, 'Message'));
    const stack = text(kid(err, 'StackTrace'));
    const dot = className.lastIndexOf('.');
    out.push({
      suite: dot > 0 ? className.slice(0, dot) : className,
      className,
      name: attr(r, 'testName') ?? def?.name ?? '(unnamed)',
      durationMs: trxDurationMs(attr(r, 'duration')),
      status: statusOf(attr(r, 'outcome') ?? ''),
      message,
      details: err ? [message, stack].filter((x) => x).join('\n') || null : null,
      stdout: text(kid(o, 'StdOut')),
      stderr: text(kid(o, 'StdErr')),
    });
  };
  for (const results of kids(run, 'Results')) {
    for (const r of kids(results, 'UnitTestResult')) {
      const inner = kids(kid(r, 'InnerResults'), 'UnitTestResult');
      if (inner.length > 0) inner.forEach(add);
      else add(r);
    }
  }
  return out;
}
