// The warnings plugin's report parsers (src/plugins/warnings/parsers.ts) on what the real tools
// write: javac's and gcc's warnings as this machine's compilers print them, and XML reports in
// the formats the linters write (checkstyle, PMD, SpotBugs, CPD, JUnit). ESLint is not installed
// here (no network to fetch it): its checkstyle-formatter and JSON outputs are written by the
// test in the shapes ESLint's formatters produce. Hostile XML (entity bombs, external entities,
// broken documents) is refused with a message naming the file; and the quality gates' verdict
// and console lines, and the delta against a reference, are checked on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { parseReport, ReportError } from '../../../src/plugins/warnings/parsers.ts';
import { delta, evaluateGates, fingerprint, statistics } from '../../../src/plugins/warnings/analysis.ts';
import type { Issue } from '../../../src/core/issues.ts';

function need(cmd: string): void {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
  } catch {
    assert.fail(`${cmd} is not installed on this machine: install it (apt-get install ${cmd === 'javac' ? 'default-jdk-headless' : cmd}) to run this test`);
  }
}

/** Runs a compiler and returns what it printed on stderr (it may exit non-zero). */
function compile(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return r.stdout + r.stderr;
}

test('javac: the warnings and errors the real compiler prints, with file, line, category', () => {
  need('javac');
  const dir = tempDir('javac');
  writeFileSync(path.join(dir, 'Old.java'), [
    'import java.util.Date;',
    'public class Old {',
    '  @SuppressWarnings("unused")',
    '  public int year() { return new Date(99, 1, 1).getYear(); }',
    '}',
  ].join('\n'));
  const out = compile('javac', ['-Xlint:all', '-d', path.join(dir, 'out'), 'Old.java'], dir);
  assert.match(out, /Old\.java:4: warning: \[deprecation\]/, out);
  const issues = parseReport('javac', out, 'console');
  assert.ok(issues.length >= 2, out);
  const first = issues[0]!;
  assert.equal(first.file, 'Old.java');
  assert.equal(first.line, 4);
  assert.equal(first.severity, 'NORMAL');
  assert.equal(first.category, 'deprecation');
  assert.match(first.message, /Date\(int,int,int\) in Date has been deprecated/);

  writeFileSync(path.join(dir, 'Broken.java'), 'public class Broken { int x = "no"; }\n');
  const err = compile('javac', ['-d', path.join(dir, 'out'), 'Broken.java'], dir);
  const e = parseReport('javac', err, 'console');
  assert.equal(e.length, 1, err);
  assert.equal(e[0]!.severity, 'ERROR');
  assert.match(e[0]!.message, /incompatible types/);
  // Maven's form of the same warnings.
  const mvn = parseReport('javac', '[WARNING] /ws/src/main/java/Old.java:[4,39] [deprecation] Date(int,int,int) in java.util.Date has been deprecated', 'console');
  assert.deepEqual([mvn[0]!.file, mvn[0]!.line, mvn[0]!.column, mvn[0]!.category], ['/ws/src/main/java/Old.java', 4, 39, 'deprecation']);
});

test('gcc -Wall: the real compiler\'s warnings with line, column and the -W flag', () => {
  need('gcc');
  const dir = tempDir('gcc');
  writeFileSync(path.join(dir, 'main.c'), [
    '#include <stdio.h>',
    'int main(void) {',
    '  int unused;',
    '  printf("%d\\n", "text");',
    '  return 0;',
    '}',
  ].join('\n'));
  const out = compile('gcc', ['-Wall', '-fdiagnostics-color=never', '-c', 'main.c', '-o', 'main.o'], dir);
  const issues = parseReport('gcc', out, 'console');
  assert.equal(issues.length, 2, out);
  const byFlag = Object.fromEntries(issues.map((i) => [i.category, i]));
  assert.equal(byFlag['-Wunused-variable']?.line, 3, out);
  assert.equal(byFlag['-Wunused-variable']?.column, 7, out);
  assert.equal(byFlag['-Wformat=']?.line, 4, out);
  assert.ok(issues.every((i) => i.file === 'main.c' && i.severity === 'NORMAL'));
  const err = compile('gcc', ['-c', '-fdiagnostics-color=never', '-x', 'c', '-', '-o', path.join(dir, 'x.o')], dir);
  assert.equal(parseReport('gcc', err + 'main.c:9:1: error: expected declaration\n', 'console').at(-1)?.severity, 'ERROR');
});

test('checkstyle XML (checkStyle, ESLint\'s checkstyle formatter): severities, category and type from the source', () => {
  // The shape of `eslint -f checkstyle` (ESLint is not installed here: no registry fetch for it).
  const xml = `<?xml version="1.0" encoding="utf-8"?><checkstyle version="4.3">
<file name="/ws/src/app.js"><error line="3" column="7" severity="error" message="&apos;x&apos; is assigned a value but never used. (no-unused-vars)" source="eslint.rules.no-unused-vars" /><error line="9" column="1" severity="warning" message="Unexpected console statement. (no-console)" source="eslint.rules.no-console" /></file>
<file name="src/Main.java"><error line="12" column="5" severity="info" message="&apos;42&apos; is a magic number." source="com.puppycrawl.tools.checkstyle.checks.coding.MagicNumberCheck"/></file>
</checkstyle>`;
  const issues = parseReport('checkstyle', xml, 'checkstyle-result.xml');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.column, i.severity, i.category, i.type]), [
    ['/ws/src/app.js', 3, 7, 'ERROR', 'Rules', 'no-unused-vars'],
    ['/ws/src/app.js', 9, 1, 'NORMAL', 'Rules', 'no-console'],
    ['src/Main.java', 12, 5, 'LOW', 'Coding', 'MagicNumber'],
  ]);
  assert.equal(issues[0]!.message, "'x' is assigned a value but never used. (no-unused-vars)");
  // ESLint's JSON formatter.
  const json = JSON.stringify([{ filePath: '/ws/a.js', messages: [{ ruleId: 'semi', severity: 2, message: 'Missing semicolon.', line: 1, column: 10 }, { ruleId: 'eqeqeq', severity: 1, message: "Expected '===' and instead saw '=='.", line: 2, column: 7 }] }]);
  assert.deepEqual(parseReport('eslint', json, 'eslint.json').map((i) => [i.line, i.severity, i.type]), [[1, 'ERROR', 'semi'], [2, 'NORMAL', 'eqeqeq']]);
  assert.equal(parseReport('eslint', xml, 'eslint.xml').length, 3);
});

test('PMD, CPD, SpotBugs and JUnit reports', () => {
  const pmd = `<?xml version="1.0"?><pmd version="7.0.0">
<file name="/ws/src/A.java"><violation beginline="5" endline="5" begincolumn="9" endcolumn="20" rule="UnusedLocalVariable" ruleset="Best Practices" package="com.x" class="A" priority="3">
Avoid unused local variables such as 'y'.
</violation></file><error filename="/ws/src/B.java" msg="ParseException: bad"/></pmd>`;
  const p = parseReport('pmd', pmd, 'pmd.xml');
  assert.deepEqual(p.map((i) => [i.file, i.line, i.severity, i.category, i.type, i.packageName]), [
    ['/ws/src/A.java', 5, 'NORMAL', 'Best Practices', 'UnusedLocalVariable', 'com.x'],
    ['/ws/src/B.java', 0, 'ERROR', 'Error', 'PMD', ''],
  ]);
  assert.equal(p[0]!.message, "Avoid unused local variables such as 'y'.");

  const cpd = `<pmd-cpd><duplication lines="30" tokens="120"><file line="10" endline="39" path="/ws/A.java"/><file line="50" endline="79" path="/ws/B.java"/><codefragment>x</codefragment></duplication></pmd-cpd>`;
  const c = parseReport('cpd', cpd, 'cpd.xml');
  assert.deepEqual(c.map((i) => [i.file, i.line, i.severity]), [['/ws/A.java', 10, 'NORMAL'], ['/ws/B.java', 50, 'NORMAL']]);
  assert.match(c[0]!.message, /also in \/ws\/B\.java:50/);
  assert.equal(parseReport('cpd', cpd, 'cpd.xml', { highThreshold: 30 })[0]!.severity, 'HIGH');
  assert.equal(parseReport('cpd', cpd, 'cpd.xml', { highThreshold: 100, normalThreshold: 40 })[0]!.severity, 'LOW');

  const sb = `<BugCollection version="4.8"><BugInstance type="NP_NULL_ON_SOME_PATH" priority="1" rank="3" abbrev="NP" category="CORRECTNESS">
<ShortMessage>Possible null pointer dereference</ShortMessage><LongMessage>Possible null pointer dereference of s in com.x.A.f()</LongMessage>
<Class classname="com.x.A"><SourceLine classname="com.x.A" start="1" end="30" sourcefile="A.java" sourcepath="com/x/A.java"/></Class>
<SourceLine classname="com.x.A" start="12" end="12" sourcefile="A.java" sourcepath="com/x/A.java"/></BugInstance>
<BugInstance type="DM_DEFAULT_ENCODING" priority="2" rank="19" category="I18N"><Class classname="com.x.B"/><SourceLine classname="com.x.B" start="4" end="4" sourcepath="com/x/B.java"/></BugInstance></BugCollection>`;
  const s = parseReport('spotbugs', sb, 'spotbugsXml.xml');
  assert.deepEqual(s.map((i) => [i.file, i.line, i.severity, i.category, i.type]), [
    ['com/x/A.java', 12, 'HIGH', 'CORRECTNESS', 'NP_NULL_ON_SOME_PATH'],
    ['com/x/B.java', 4, 'LOW', 'I18N', 'DM_DEFAULT_ENCODING'],
  ]);
  assert.equal(s[0]!.message, 'Possible null pointer dereference of s in com.x.A.f()');

  const junit = `<testsuite name="S"><testcase classname="com.x.ATest" name="ok"/><testcase classname="com.x.ATest" name="bad"><failure message="expected 1">trace</failure></testcase></testsuite>`;
  const j = parseReport('junit', junit, 'TEST-x.xml');
  assert.equal(j.length, 1);
  assert.deepEqual([j[0]!.file, j[0]!.severity, j[0]!.type, j[0]!.message], ['com.x.ATest', 'ERROR', 'bad', 'bad: expected 1']);
});

test('pylint and flake8 output, Maven console lines', () => {
  const pl = parseReport('pylint', 'app.py:1:0: C0114: Missing module docstring (missing-module-docstring)\napp.py:7:4: E1101: Instance of \'A\' has no \'b\' member (no-member)\n************* Module app\n', 'pylint.txt');
  assert.deepEqual(pl.map((i) => [i.line, i.severity, i.type, i.category]), [[1, 'LOW', 'missing-module-docstring', 'Convention'], [7, 'HIGH', 'no-member', 'Error']]);
  const f8 = parseReport('flake8', "app.py:1:1: F401 'os' imported but unused\napp.py:3:80: E501 line too long (88 > 79 characters)\n", 'flake8.txt');
  assert.deepEqual(f8.map((i) => [i.line, i.column, i.type, i.severity]), [[1, 1, 'F401', 'HIGH'], [3, 80, 'E501', 'NORMAL']]);
  const mvn = parseReport('maven', '[INFO] Building app\n[WARNING] Using platform encoding (UTF-8 actually) to copy filtered resources\n[ERROR] Failed to execute goal x\n', 'console');
  assert.deepEqual(mvn.map((i) => i.severity), ['NORMAL', 'ERROR']);
  // Console lines of a parallel branch and with timestamps.
  const branch = parseReport('gcc', '[2026-01-02T03:04:05.678Z] [linux] m.c:3:7: warning: unused variable \u2018x\u2019 [-Wunused-variable]\n', 'console');
  assert.deepEqual(branch.map((i) => [i.file, i.line, i.column]), [['m.c', 3, 7]]);
});

test('bad XML is refused with the file and the position; entity declarations (bombs, XXE) are never expanded', () => {
  assert.throws(() => parseReport('checkstyle', '<checkstyle><file name="a"><error line="1"</file></checkstyle>', '/ws/checkstyle-result.xml'),
    (e: unknown) => e instanceof ReportError && /^\/ws\/checkstyle-result\.xml: not well-formed XML at line 1/.test(e.message));
  assert.throws(() => parseReport('pmd', '<checkstyle/>', 'pmd.xml'), /pmd\.xml: not a PMD report \(no <pmd> element\)/);
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<checkstyle><file name="a"><error line="1" message="&lol2;" severity="error"/></file></checkstyle>`;
  assert.throws(() => parseReport('checkstyle', bomb, 'bomb.xml'), /bomb\.xml: the XML declares entities/);
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite name="s"><testcase name="&x;"/></testsuite>`;
  assert.throws(() => parseReport('junit', xxe, 'TEST-xxe.xml'), /TEST-xxe\.xml: the XML declares entities/);
});

function iss(file: string, message: string, severity: Issue['severity'] = 'NORMAL'): Issue {
  const base = { file, line: 1, lineEnd: 1, column: 0, severity, category: 'c', type: 't', message, tool: 'x' };
  return { ...base, fingerprint: fingerprint(base) };
}

test('delta: new, fixed and outstanding by fingerprint (a moved issue is not new); gates and their console lines', () => {
  const ref = [iss('a', 'one'), iss('a', 'two'), iss('b', 'gone', 'HIGH')];
  const cur = [{ ...iss('a', 'one'), line: 40 }, iss('a', 'two'), iss('c', 'fresh', 'HIGH')];
  const d = delta(cur, ref);
  assert.deepEqual([d.fresh.map((i) => i.message), d.outstanding.map((i) => i.message), d.fixed.map((i) => i.message)], [['fresh'], ['one', 'two'], ['gone']]);
  const s = statistics(d, ref);
  assert.equal(s.fresh.HIGH, 1);
  assert.equal(s.delta.ALL, 0);
  const v = evaluateGates([{ type: 'TOTAL', threshold: 3, criticality: 'UNSTABLE' }, { type: 'NEW_HIGH', threshold: 5, criticality: 'FAILURE' }], s);
  assert.equal(v.result, 'UNSTABLE');
  assert.equal(v.status, 'WARNING');
  assert.deepEqual(v.lines, [
    'Evaluating quality gates',
    '-> Some quality gates have been missed: overall result is UNSTABLE',
    '-> Details for each quality gate:',
    '   - [Total (any severity)]: ≪Unstable≫ - (Actual value: 3, Quality gate: 3.00)',
    '   - [New (severity high only)]: ≪Success≫ - (Actual value: 1, Quality gate: 5.00)',
  ]);
  assert.deepEqual(evaluateGates([], s).lines, ['No quality gates have been set - skipping']);
  assert.equal(evaluateGates([{ type: 'NEW', threshold: 1, criticality: 'FAILURE' }], s).result, 'FAILURE');
  assert.equal(evaluateGates([{ type: 'NEW', threshold: 1, criticality: 'NOTE' }], s).result, null);
});
