// The report formats of the xUnit plugin's tools, each read into test cases as the plugin's XSL
// stylesheets turn them into JUnit (what counts as failed, error or skipped; the class and test
// names; the duration). One reader per format, from the format's own documentation:
//   JUnit, PHPUnit   JUnit XML (junit-xml.ts reads it, as the junit step)
//   GoogleTest       gtest's --gtest_output=xml: JUnit-like; status="notrun" (DISABLED_) and
//                    result="skipped"/"suppressed" or <skipped> are skipped
//   CTest            the dashboard file `ctest -T Test` writes (Testing/<tag>/Test.xml):
//                    <Site><Testing><Test Status="passed|failed|notrun">, its output and exit value
//   BoostTest        Boost.Test's XML log (--log_format=XML): <TestLog>, nested <TestSuite>,
//                    <TestCase> with <Error>/<FatalError>/<Exception>, <TestingTime> in µs
//   NUnit2           <test-results>: <test-case result="Success|Failure|Error|Ignored|...">
//   NUnit3           <test-run>: <test-case result="Passed|Failed|Skipped|..." label="Error">
//   MSTest           Visual Studio's .trx: <UnitTestResult outcome=...> and <TestDefinitions>
//   Check            libcheck's XML (CK_XML_LOG_FILE_NAME): <suite><test result="success|failure|error">
//   CppUnit          CppUnit's XmlOutputter: <FailedTests>/<SuccessfulTests>
//   QtTest           QTestLib's -o file,xml: <TestCase><TestFunction><Incident type=...>
//   xUnitDotNet      xUnit.net v2's -xml: <assemblies><assembly><collection><test result=...>
// A file that is not well-formed, or not the tool's format, is a FormatError saying which.
import { XMLValidator } from 'fast-xml-parser';
import { attr, kid, kids, xmlNodeParser, type XmlNode } from '../../util/xml-nodes.ts';
import type { TestCase } from '../../pipeline/steps/types.ts';
import { parseJUnit } from '../../pipeline/steps/junit-xml.ts';
import { KilnError } from '../../core/errors.ts';
import type { ToolSymbol } from './decl.ts';

export class FormatError extends KilnError {
  constructor(message: string) { super('xunit.format', message); }
}

type Node = XmlNode;

// Every element an array (attributes are '@name'), so each reader walks one shape.
const parser = xmlNodeParser({ charRefs: true });

function parse(xml: string): Node {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new FormatError(`not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  return parser.parse(xml) as Node;
}

function text(n: Node | undefined): string | null {
  if (!n) return null;
  const parts: string[] = [];
  const t = n['#text'];
  if (typeof t === 'string') parts.push(t);
  for (const [k, v] of Object.entries(n)) {
    if (k.startsWith('@') || k === '#text' || !Array.isArray(v)) continue;
    for (const c of v) if (typeof c === 'object' && c !== null) { const s = text(c as Node); if (s) parts.push(s); } else parts.push(String(c));
  }
  const s = parts.join('\n');
  return s === '' ? null : s;
}
const childText = (n: Node | undefined, name: string): string | null => text(kid(n, name))?.trim() || null;
const ms = (seconds: string | undefined | null): number => {
  const s = Number(seconds ?? '0');
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : 0;
};
const root = (doc: Node, name: string, tool: string, hint: string): Node => {
  const r = kid(doc, name);
  if (!r) throw new FormatError(`not a ${tool} report (no <${name}> element: ${hint})`);
  return r;
};
const splitLast = (full: string, sep: string): [string, string] => {
  const i = full.lastIndexOf(sep);
  return i < 0 ? ['', full] : [full.slice(0, i), full.slice(i + sep.length)];
};
function tc(p: Partial<TestCase> & Pick<TestCase, 'suite' | 'className' | 'name' | 'status'>): TestCase {
  return { durationMs: 0, message: null, details: null, stdout: null, stderr: null, ...p };
}

function googleTest(xml: string): TestCase[] {
  const doc = parse(xml);
  const top = kid(doc, 'testsuites');
  const suites = top ? kids(top, 'testsuite') : kids(doc, 'testsuite');
  if (!top && suites.length === 0) throw new FormatError('not a GoogleTest report (no <testsuites> or <testsuite> element: run the tests with --gtest_output=xml:FILE)');
  const out: TestCase[] = [];
  for (const s of suites) {
    const suite = attr(s, 'name') ?? '(unnamed suite)';
    for (const c of kids(s, 'testcase')) {
      const failures = kids(c, 'failure');
      const skipped = kid(c, 'skipped');
      const notRun = attr(c, 'status') === 'notrun' || ['skipped', 'suppressed'].includes(attr(c, 'result') ?? '') || skipped !== undefined;
      out.push(tc({
        suite, className: attr(c, 'classname') ?? suite, name: attr(c, 'name') ?? '(unnamed)', durationMs: ms(attr(c, 'time')),
        status: failures.length > 0 ? 'failed' : notRun ? 'skipped' : 'passed',
        message: failures.length > 0 ? (attr(failures[0], 'message') ?? '').split('\n')[0] || null : skipped ? attr(skipped, 'message') ?? null : null,
        details: failures.length > 0 ? failures.map((f) => text(f) ?? attr(f, 'message') ?? '').join('\n') : null,
        stdout: childText(c, 'system-out'),
      }));
    }
  }
  return out;
}

function cTest(xml: string): TestCase[] {
  const site = root(parse(xml), 'Site', 'CTest', 'give the Test.xml that `ctest -T Test` writes under Testing/<tag>/');
  const testing = kid(site, 'Testing');
  if (!testing) throw new FormatError('not a CTest test report (no <Testing> element in <Site>: give the Test.xml of `ctest -T Test`, not another dashboard file)');
  // As the plugin's stylesheet: one suite "CTest", the class "projectroot" and the test's directory
  // ("./a/b" is projectroot.a.b), '-' in names as '_', the output as the failure's text.
  return kids(testing, 'Test').map((t) => {
    const status = attr(t, 'Status') ?? '';
    const results = kid(t, 'Results');
    const named = (n: string) => childText(kids(results, 'NamedMeasurement').find((m) => attr(m, 'name') === n), 'Value');
    const output = text(kid(kid(results, 'Measurement'), 'Value'));
    const dir = (childText(t, 'Path') ?? '').replace(/\./g, '').replace(/\//g, '.');
    const why = [named('Exit Value') ? `exit value ${named('Exit Value')}` : named('Exit Code'), named('Completion Status')].filter((x) => x && x !== 'Completed').join(', ');
    return tc({
      suite: 'CTest', className: `projectroot${dir}`, name: (childText(t, 'Name') ?? '(unnamed)').replace(/-/g, '_'), durationMs: ms(named('Execution Time')),
      status: status === 'passed' ? 'passed' : status === 'notrun' ? 'skipped' : 'failed',
      message: status === 'passed' ? null : why || null,
      details: status === 'passed' || status === 'notrun' ? null : output,
      stdout: output,
    });
  });
}

function boostTest(xml: string): TestCase[] {
  const doc = parse(xml);
  const log = kid(doc, 'TestLog') ?? kid(kid(doc, 'xml'), 'TestLog');
  if (!log) {
    if (kid(doc, 'TestResult')) throw new FormatError("a Boost.Test report (<TestResult>), not its log: the xUnit plugin reads the log, run the tests with --log_format=XML --log_level=all (or --logger=XML,all,FILE)");
    throw new FormatError('not a Boost.Test log (no <TestLog> element: run the tests with --log_format=XML)');
  }
  const out: TestCase[] = [];
  const walk = (s: Node, prefix: string) => {
    const name = attr(s, 'name') ?? '';
    const full = prefix ? `${prefix}.${name}` : name;
    for (const c of kids(s, 'TestCase')) {
      const problems = [...kids(c, 'Error'), ...kids(c, 'FatalError'), ...kids(c, 'Exception')];
      const where = (p: Node) => (attr(p, 'file') ? `${attr(p, 'file')}:${attr(p, 'line') ?? '?'}: ` : '');
      const us = Number(childText(c, 'TestingTime') ?? '0');
      const exception = kids(c, 'Exception').length > 0 && kids(c, 'Error').length === 0;
      out.push(tc({
        suite: full || 'BoostTest', className: full || 'BoostTest', name: attr(c, 'name') ?? '(unnamed)', durationMs: Number.isFinite(us) ? Math.round(us / 1000) : 0,
        status: problems.length > 0 ? (exception ? 'error' : 'failed') : attr(c, 'skipped') === 'yes' ? 'skipped' : 'passed',
        message: problems.length > 0 ? (text(problems[0]) ?? '').trim().split('\n')[0] || null : attr(c, 'reason') ?? null,
        details: problems.length > 0 ? problems.map((p) => where(p) + (text(p) ?? '').trim()).join('\n') : null,
        stdout: [...kids(c, 'Message'), ...kids(c, 'Info'), ...kids(c, 'Warning')].map((m) => (text(m) ?? '').trim()).join('\n') || null,
      }));
    }
    for (const child of kids(s, 'TestSuite')) walk(child, full);
  };
  for (const s of kids(log, 'TestSuite')) walk(s, '');
  return out;
}

function nUnit2(xml: string): TestCase[] {
  const r = root(parse(xml), 'test-results', 'NUnit 2', 'NUnit 3 writes <test-run>: use NUnit3');
  const out: TestCase[] = [];
  const walk = (s: Node, suite: string) => {
    for (const results of kids(s, 'results')) {
      for (const c of kids(results, 'test-case')) {
        const [cls, name] = splitLast(attr(c, 'name') ?? '(unnamed)', '.');
        const result = attr(c, 'result') ?? (attr(c, 'success') === 'False' ? 'Failure' : 'Success');
        const executed = attr(c, 'executed') !== 'False';
        const f = kid(c, 'failure');
        const status = !executed || ['Ignored', 'Skipped', 'NotRunnable', 'Inconclusive', 'Cancelled'].includes(result) ? 'skipped' : result === 'Error' ? 'error' : result === 'Failure' || attr(c, 'success') === 'False' ? 'failed' : 'passed';
        out.push(tc({
          suite, className: cls || suite, name, durationMs: ms(attr(c, 'time')), status,
          message: f ? childText(f, 'message') : childText(kid(c, 'reason'), 'message'),
          details: f ? [childText(f, 'message'), childText(f, 'stack-trace')].filter((x) => x).join('\n') : null,
        }));
      }
      for (const child of kids(results, 'test-suite')) walk(child, attr(child, 'name') ?? suite);
    }
  };
  for (const s of kids(r, 'test-suite')) walk(s, attr(s, 'name') ?? 'NUnit');
  return out;
}

function nUnit3(xml: string): TestCase[] {
  const r = root(parse(xml), 'test-run', 'NUnit 3', 'NUnit 2 writes <test-results>: use NUnit2');
  const out: TestCase[] = [];
  const walk = (s: Node, suite: string) => {
    for (const c of kids(s, 'test-case')) {
      const full = attr(c, 'fullname') ?? attr(c, 'name') ?? '(unnamed)';
      const [clsFromFull] = splitLast(full.replace(/\(.*$/, ''), '.');
      const result = attr(c, 'result') ?? 'Passed';
      const label = attr(c, 'label') ?? '';
      const f = kid(c, 'failure');
      const status = result === 'Failed' ? (label === 'Error' || label === 'Invalid' ? 'error' : 'failed') : result === 'Passed' || result === 'Warning' ? 'passed' : 'skipped';
      out.push(tc({
        suite, className: attr(c, 'classname') ?? (clsFromFull || suite), name: attr(c, 'name') ?? full, durationMs: ms(attr(c, 'duration')), status,
        message: f ? childText(f, 'message') : childText(kid(c, 'reason'), 'message'),
        details: f ? [childText(f, 'message'), childText(f, 'stack-trace')].filter((x) => x).join('\n') : null,
        stdout: childText(c, 'output'),
      }));
    }
    for (const child of kids(s, 'test-suite')) walk(child, attr(child, 'fullname') ?? attr(child, 'name') ?? suite);
  };
  walk(r, 'NUnit');
  return out;
}

/** "hh:mm:ss.fffffff" of a .trx duration, in ms. */
const trxMs = (d: string | undefined): number => {
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(d ?? '');
  return m ? Math.round(((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000) : 0;
};

function msTest(xml: string): TestCase[] {
  const run = root(parse(xml), 'TestRun', 'MSTest', 'give the .trx file of vstest / dotnet test --logger trx');
  const defs = new Map<string, { className: string; name: string }>();
  for (const d of kids(kid(run, 'TestDefinitions'), 'UnitTest')) {
    const m = kid(d, 'TestMethod');
    defs.set(attr(d, 'id') ?? '', { className: attr(m, 'className')?.split(',')[0]?.trim() ?? '', name: attr(m, 'name') ?? attr(d, 'name') ?? '' });
  }
  const out: TestCase[] = [];
  const add = (r: Node) => {
    const def = defs.get(attr(r, 'testId') ?? '');
    const className = def?.className || 'MSTest';
    const outcome = attr(r, 'outcome') ?? '';
    const o = kid(r, 'Output');
    const err = kid(o, 'ErrorInfo');
    const status = outcome === 'Passed' || outcome === 'PassedButRunAborted' || outcome === 'Completed' || outcome === 'Warning' ? 'passed'
      : outcome === 'Error' ? 'error'
      : outcome === 'Failed' || outcome === 'Timeout' || outcome === 'Aborted' ? 'failed' : 'skipped';
    out.push(tc({
      suite: splitLast(className, '.')[0] || className, className, name: attr(r, 'testName') ?? def?.name ?? '(unnamed)', durationMs: trxMs(attr(r, 'duration')), status,
      message: childText(err, 'Message'), details: err ? [childText(err, 'Message'), childText(err, 'StackTrace')].filter((x) => x).join('\n') : null,
      stdout: childText(o, 'StdOut'), stderr: childText(o, 'StdErr'),
    }));
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

function check(xml: string): TestCase[] {
  const r = root(parse(xml), 'testsuites', 'Check', 'give the file CK_XML_LOG_FILE_NAME names, or srunner_set_xml\'s');
  const out: TestCase[] = [];
  for (const s of kids(r, 'suite')) {
    const suite = childText(s, 'title') ?? 'Check';
    for (const t of kids(s, 'test')) {
      const result = attr(t, 'result') ?? '';
      const tcase = childText(t, 'description');
      const message = childText(t, 'message');
      out.push(tc({
        suite, className: tcase ? `${suite}.${tcase}` : suite, name: childText(t, 'id') ?? '(unnamed)', durationMs: ms(childText(t, 'duration')),
        status: result === 'success' ? 'passed' : result === 'error' ? 'error' : 'failed',
        message: result === 'success' ? null : message,
        details: result === 'success' ? null : `${childText(t, 'fn') ?? ''}: ${message ?? ''}`,
      }));
    }
  }
  return out;
}

function cppUnit(xml: string): TestCase[] {
  const r = root(parse(xml), 'TestRun', 'CppUnit', "give the file CppUnit's XmlOutputter writes");
  const out: TestCase[] = [];
  const names = (n: string | null): [string, string] => {
    const [c, m] = splitLast(n ?? '(unnamed)', '::');
    return [c.replace(/::/g, '.') || 'CppUnit', m];
  };
  for (const f of kids(kid(r, 'FailedTests'), 'FailedTest')) {
    const [className, name] = names(childText(f, 'Name'));
    const loc = kid(f, 'Location');
    const message = childText(f, 'Message');
    out.push(tc({
      suite: className, className, name, status: childText(f, 'FailureType') === 'Error' ? 'error' : 'failed',
      message, details: [loc ? `${childText(loc, 'File') ?? ''}:${childText(loc, 'Line') ?? ''}` : null, message].filter((x) => x).join('\n') || null,
    }));
  }
  for (const t of kids(kid(r, 'SuccessfulTests'), 'Test')) {
    const [className, name] = names(childText(t, 'Name'));
    out.push(tc({ suite: className, className, name, status: 'passed' }));
  }
  return out;
}

function qtTest(xml: string): TestCase[] {
  const doc = parse(xml);
  const cases = kids(doc, 'TestCase');
  if (cases.length === 0) throw new FormatError('not a QTestLib report (no <TestCase> element: run the test with -o FILE,xml)');
  const out: TestCase[] = [];
  for (const c of cases) {
    const className = attr(c, 'name') ?? 'QtTest';
    for (const f of kids(c, 'TestFunction')) {
      const incidents = kids(f, 'Incident');
      const bad = incidents.filter((i) => ['fail', 'xpass', 'bfail'].includes(attr(i, 'type') ?? ''));
      const skipped = incidents.length > 0 && incidents.every((i) => ['skip', 'bskip', 'blacklisted'].includes(attr(i, 'type') ?? ''));
      const desc = (i: Node) => `${attr(i, 'file') ? `${attr(i, 'file')}:${attr(i, 'line') ?? '?'}: ` : ''}${childText(i, 'DataTag') ? `[${childText(i, 'DataTag')}] ` : ''}${childText(i, 'Description') ?? ''}`;
      out.push(tc({
        suite: className, className, name: attr(f, 'name') ?? '(unnamed)', durationMs: Math.round(Number(attr(kid(f, 'Duration'), 'msecs') ?? '0')) || 0,
        status: bad.length > 0 ? 'failed' : skipped ? 'skipped' : 'passed',
        message: bad.length > 0 ? childText(bad[0], 'Description') : skipped ? childText(incidents[0], 'Description') : null,
        details: bad.length > 0 ? bad.map(desc).join('\n') : null,
        stdout: kids(f, 'Message').map((m) => `${attr(m, 'type') ?? ''}: ${childText(m, 'Description') ?? ''}`).join('\n') || null,
      }));
    }
  }
  return out;
}

function xUnitDotNet(xml: string): TestCase[] {
  const r = root(parse(xml), 'assemblies', 'xUnit.net', 'give the file of xunit.console -xml (v2 format)');
  const out: TestCase[] = [];
  for (const a of kids(r, 'assembly')) {
    for (const col of kids(a, 'collection')) {
      const suite = attr(col, 'name') ?? attr(a, 'name') ?? 'xUnit.net';
      for (const t of kids(col, 'test')) {
        const result = attr(t, 'result') ?? '';
        const f = kid(t, 'failure');
        out.push(tc({
          suite, className: attr(t, 'type') ?? suite, name: attr(t, 'method') ?? attr(t, 'name') ?? '(unnamed)', durationMs: ms(attr(t, 'time')),
          status: result === 'Pass' ? 'passed' : result === 'Fail' ? 'failed' : 'skipped',
          message: f ? childText(f, 'message') : childText(t, 'reason'),
          details: f ? [childText(f, 'message'), childText(f, 'stack-trace')].filter((x) => x).join('\n') : null,
          stdout: childText(t, 'output'),
        }));
      }
    }
  }
  return out;
}

function junit(xml: string, file: string): TestCase[] {
  try {
    return parseJUnit(xml, file);
  } catch (e) {
    throw new FormatError((e as Error).message.replace(`${file}: `, ''));
  }
}

/** Each tool's reader, by its symbol (decl.ts lists the tools). */
export const READERS: Readonly<Record<ToolSymbol, (xml: string, file: string) => TestCase[]>> = {
  JUnit: junit, GoogleTest: googleTest, CTest: cTest, BoostTest: boostTest, NUnit2: nUnit2, NUnit3: nUnit3, MSTest: msTest,
  Check: check, CppUnit: cppUnit, QtTest: qtTest, PHPUnit: junit, xUnitDotNet: xUnitDotNet,
};
