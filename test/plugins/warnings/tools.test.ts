// The report formats recordIssues reads for the tools added for issue 17 (parsers.ts, decl.ts),
// on what the real tools write where Debian has them (cppcheck's XML v2, cpplint, ShellCheck's
// json and json1, yamllint -f parsable, pycodestyle, pydocstyle, mypy: each test runs the tool);
// the others (SARIF, clang-tidy, MSBuild, go vet, golint, hadolint, RuboCop, kotlinc, scalac,
// Error Prone, Trivy, Grype, OWASP Dependency-Check, dockerfile_lint, ansible-lint) are written here
// in the shape their documentation gives. Severities are analysis-model's. Hostile input: a
// DOCTYPE with entities in a cppcheck report and long pathological lines are refused or skipped,
// and the tool list keeps unknown tools unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { parseReport, ReportError, type RawIssue } from '../../../src/plugins/warnings/parsers.ts';
import { TOOLS, toolById, toolBySymbol } from '../../../src/plugins/warnings/decl.ts';
import { warningsPlugin } from '../../../src/plugins/warnings/index.ts';

const PKG: Record<string, string> = { pycodestyle: 'pycodestyle', pydocstyle: 'pydocstyle', mypy: 'mypy', cpplint: 'cpplint', cppcheck: 'cppcheck', shellcheck: 'shellcheck', yamllint: 'yamllint' };

/** Runs a tool that must be installed; returns stdout + stderr (linters exit non-zero on findings). */
function runTool(cmd: string, args: string[], cwd: string): string {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
  } catch {
    assert.fail(`${cmd} is not installed on this machine: install it (apt-get install ${PKG[cmd] ?? cmd}; scripts/test-prereqs.sh does) to run this test`);
  }
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return r.stdout + r.stderr;
}

const brief = (i: RawIssue) => [i.file, i.line, i.column, i.severity, i.category, i.type];

test('cppcheck --xml --xml-version=2: one issue per error at its location, severity error high / style low, id as type', () => {
  const dir = tempDir('cppcheck');
  writeFileSync(path.join(dir, 'a.c'), 'int main(void) {\n  int a[3];\n  a[5] = 1;\n  return a[0];\n}\n');
  const out = runTool('cppcheck', ['--xml', '--xml-version=2', '--enable=all', '--quiet', 'a.c'], dir);
  const issues = parseReport('cppcheck', out.slice(out.indexOf('<?xml')), 'cppcheck.xml');
  const oob = issues.find((i) => i.type === 'arrayIndexOutOfBounds');
  assert.ok(oob, out);
  assert.deepEqual(brief(oob), ['a.c', 3, 4, 'HIGH', 'error', 'arrayIndexOutOfBounds']);
  assert.match(oob.message, /Array 'a\[3\]' accessed at index 5/);
  // An error without a location (missingIncludeSystem and the like) is not an issue.
  assert.ok(issues.every((i) => i.line > 0), JSON.stringify(issues));
  // Version 1 is not read: say how to write version 2.
  assert.throws(() => parseReport('cppcheck', '<?xml version="1.0"?><results><error file="a.c" line="3" id="x" severity="error" msg="m"/></results>', 'v1.xml'),
    (e: Error) => e instanceof ReportError && /v1\.xml: not a cppcheck XML version 2 report \(write it with --xml --xml-version=2\)/.test(e.message));
  assert.throws(() => parseReport('cppcheck', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><results version="2"><errors/></results>', 'bomb.xml'),
    (e: Error) => e instanceof ReportError && /declares entities/.test(e.message));
});

test('cpplint: file, line, category and the confidence as severity (5 high, 3-4 normal, 1-2 low)', () => {
  const dir = tempDir('cpplint');
  writeFileSync(path.join(dir, 'b.cc'), '#include <stdio.h>\nint main(){ printf("x"); return 0;}\n');
  const out = runTool('cpplint', ['b.cc'], dir);
  const issues = parseReport('cpplint', out, 'console');
  const braces = issues.find((i) => i.category === 'whitespace/braces');
  assert.ok(braces, out);
  assert.deepEqual(brief(braces), ['b.cc', 2, 0, 'HIGH', 'whitespace/braces', '']);
  assert.equal(braces.message, 'Missing space before {');
  assert.ok(issues.some((i) => i.category === 'legal/copyright' && i.line === 0), out);
  assert.deepEqual(parseReport('cpplint', 'src/x.h:7:  Add #include <string> for string  [build/include_what_you_use] [4]\nsrc/x.h:9:  Lines should be <= 80 characters long  [whitespace/line_length] [2]', 'c').map((i) => i.severity), ['NORMAL', 'LOW']);
});

test('ShellCheck -f json and -f json1: SC codes, levels as analysis-model guesses them, fixable findings marked', () => {
  const dir = tempDir('shellcheck');
  writeFileSync(path.join(dir, 's.sh'), '#!/bin/sh\necho $1\ncd /tmp\nfor f in $(ls *.txt); do echo "$f"; done\n');
  for (const format of ['json', 'json1']) {
    const out = runTool('shellcheck', ['-f', format, 's.sh'], dir);
    const issues = parseReport('shellcheck', out, `shellcheck.${format}`);
    const byType = Object.fromEntries(issues.map((i) => [i.type, i]));
    assert.deepEqual(brief(byType['SC2086']!), ['s.sh', 2, 6, 'LOW', '2086', 'SC2086'], out);
    assert.match(byType['SC2086']!.message, /^Double quote to prevent globbing and word splitting\. \[fixable\]$/);
    assert.equal(byType['SC2164']!.severity, 'NORMAL');
    assert.equal(byType['SC2045']!.severity, 'ERROR');
    assert.equal(byType['SC2045']!.message.endsWith('[fixable]'), false);
  }
  assert.throws(() => parseReport('shellcheck', 's.sh:2:6: note: Double quote', 'sc.txt'), /sc\.txt: not ShellCheck JSON/);
});

test('yamllint -f parsable: error high, warning normal, the rule as type', () => {
  const dir = tempDir('yamllint');
  writeFileSync(path.join(dir, 'y.yaml'), 'a: 1\nb:  2\nc: [1,2]\n');
  const out = runTool('yamllint', ['-f', 'parsable', 'y.yaml'], dir);
  const issues = parseReport('yamllint', out, 'console');
  assert.deepEqual(issues.map(brief), [
    ['y.yaml', 1, 1, 'NORMAL', '', 'document-start'],
    ['y.yaml', 2, 4, 'HIGH', '', 'colons'],
    ['y.yaml', 3, 7, 'HIGH', '', 'commas'],
  ], out);
  assert.equal(issues[1]!.message, 'too many spaces after colon');
});

test('pycodestyle (pep8): E codes normal, W low; pydocstyle: the two-line findings; mypy: error high, note low, the error code', () => {
  const dir = tempDir('python');
  writeFileSync(path.join(dir, 'p.py'), 'import os\ndef f(x) :\n  return x+1 \n');
  const pep = parseReport('pep8', runTool('pycodestyle', ['p.py'], dir), 'console');
  assert.ok(pep.some((i) => i.category === 'E203' && i.line === 2 && i.column === 9 && i.severity === 'NORMAL'), JSON.stringify(pep));
  assert.ok(pep.some((i) => i.category === 'W291' && i.severity === 'LOW'), JSON.stringify(pep));

  const docOut = runTool('pydocstyle', ['p.py'], dir);
  const doc = parseReport('pydocstyle', docOut, 'console');
  assert.deepEqual(doc.map((i) => [i.file, i.line, i.type, i.severity, i.message]), [
    ['p.py', 1, 'D100', 'HIGH', 'Missing docstring in public module'],
    ['p.py', 2, 'D103', 'HIGH', 'Missing docstring in public function'],
  ], docOut);

  writeFileSync(path.join(dir, 'm.py'), 'x: int = "s"\nreveal_type(x)\ny = undefined_name\n');
  const myOut = runTool('mypy', ['--show-column-numbers', '--show-error-codes', '--no-error-summary', 'm.py'], dir);
  const my = parseReport('mypy', myOut, 'console');
  const undef = my.find((i) => i.type === 'name-defined');
  assert.ok(undef, myOut);
  assert.deepEqual(brief(undef), ['m.py', 3, 5, 'HIGH', 'error', 'name-defined']);
  assert.equal(undef.message, 'Name "undefined_name" is not defined');
  assert.ok(my.some((i) => i.category === 'note' && i.severity === 'LOW' && /Revealed type/.test(i.message)), myOut);
});

test('SARIF 2.1: results at their locations, rule as type, tool as category, levels mapped; file URIs become paths', () => {
  const report = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: { driver: { name: 'Semgrep', rules: [{ id: 'sql-injection', defaultConfiguration: { level: 'error' }, shortDescription: { text: 'SQL injection' } }, { id: 'weak-hash' }] } },
      artifacts: [{ location: { uri: 'src/db%20layer/query.py' } }],
      results: [
        { ruleId: 'sql-injection', ruleIndex: 0, message: { text: 'User input flows into a query' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'src/db%20layer/query.py', uriBaseId: '%SRCROOT%' }, region: { startLine: 12, startColumn: 5, endLine: 13 } } }] },
        { ruleId: 'weak-hash', level: 'note', message: { text: 'MD5 is weak' }, locations: [{ physicalLocation: { artifactLocation: { index: 0 }, region: { startLine: 3, message: { text: '(here)' } } } }] },
        { ruleId: 'weak-hash', message: { text: 'SHA1 is weak' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///ws/app/hash.py' }, region: { startLine: 7 } } }] },
        { ruleId: 'weak-hash', kind: 'pass', message: { text: 'fine' } },
      ],
    }, {
      tool: { driver: { name: 'Trivy' } },
      results: [{ ruleId: 'CVE-2024-0001', level: 'warning', message: { text: 'openssl: overflow' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'Dockerfile' } } }] }],
    }],
  };
  const issues = parseReport('sarif', JSON.stringify(report), 'results.sarif');
  assert.deepEqual(issues.map((i) => [...brief(i), i.message]), [
    ['src/db layer/query.py', 12, 5, 'HIGH', 'Semgrep', 'sql-injection', 'User input flows into a query'],
    ['src/db layer/query.py', 3, 0, 'LOW', 'Semgrep', 'weak-hash', 'MD5 is weak (here)'],
    ['/ws/app/hash.py', 7, 0, 'NORMAL', 'Semgrep', 'weak-hash', 'SHA1 is weak'],
    ['Dockerfile', 0, 0, 'NORMAL', 'Trivy', 'CVE-2024-0001', 'openssl: overflow'],
  ]);
  assert.equal(issues[0]!.lineEnd, 13);
  assert.throws(() => parseReport('sarif', '{"version":"2.1.0"}', 'x.sarif'), /x\.sarif: not a SARIF report \(no "runs" list\)/);
  assert.throws(() => parseReport('sarif', '<xml/>', 'x.sarif'), /x\.sarif: not SARIF JSON/);
});

test('hadolint -f json: the rule code as category; style low, info normal, warning high, error error', () => {
  const out = JSON.stringify([
    { code: 'DL3006', column: 1, file: 'Dockerfile', level: 'warning', line: 1, message: 'Always tag the version of an image explicitly' },
    { code: 'DL3059', column: 1, file: 'Dockerfile', level: 'info', line: 4, message: 'Multiple consecutive `RUN` instructions. Consider consolidation.' },
    { code: 'SC2046', column: 1, file: 'Dockerfile', level: 'style', line: 5, message: 'Quote this to prevent word splitting.' },
    { code: 'DL1000', column: 1, file: 'Dockerfile', level: 'error', line: 6, message: 'unexpected end of input' },
  ]);
  assert.deepEqual(parseReport('hadolint', out, 'hadolint.json').map((i) => [i.line, i.severity, i.category]),
    [[1, 'HIGH', 'DL3006'], [4, 'NORMAL', 'DL3059'], [5, 'LOW', 'SC2046'], [6, 'ERROR', 'DL1000']]);
  assert.throws(() => parseReport('hadolint', '{"a":1}', 'h.json'), /h\.json: hadolint JSON must be a list of findings/);
  // A hostile level naming an Object.prototype property is no severity.
  assert.deepEqual(parseReport('hadolint', '[{"level":"constructor","message":"m","line":1}]', 'h.json').map((i) => i.severity), ['LOW']);
  assert.deepEqual(parseReport('sarif', '{"runs":[{"results":[{"level":"toString","message":{"text":"m"}}]}]}', 'h.sarif').map((i) => i.severity), ['NORMAL']);
});

test('clang-tidy, MSBuild, go vet, golint, RuboCop: their documented line formats', () => {
  const tidy = parseReport('clangtidy', [
    '/src/a.cc:4:13: warning: use nullptr [modernize-use-nullptr]',
    '    int *p = 0;',
    '/src/a.cc:9:3: error: unknown type name \'foo\' [clang-diagnostic-error]',
    '/src/a.cc:2:1: warning: no check named here',
  ].join('\n'), 'console');
  assert.deepEqual(tidy.map(brief), [['/src/a.cc', 4, 13, 'NORMAL', 'modernize-use-nullptr', 'Warning'], ['/src/a.cc', 9, 3, 'HIGH', 'clang-diagnostic-error', 'Error']]);

  const ms = parseReport('msbuild', [
    "Program.cs(10,17): warning CS0168: The variable 'x' is declared but never used [/src/App/App.csproj]",
    "  1>main.cpp(12): error C2065: 'y': undeclared identifier [C:\\src\\app.vcxproj]",
    "C:\\src\\util.cpp(3,1): fatal error C1083: Cannot open include file: 'x.h' [C:\\src\\app.vcxproj]",
    'LINK : warning LNK4098: defaultlib \'MSVCRT\' conflicts with use of other libs',
    'MSBUILD : error MSB1009: Project file does not exist.',
    'Build succeeded.',
    '    0 Warning(s)',
  ].join('\r\n'), 'console');
  assert.deepEqual(ms.map((i) => [i.file, i.line, i.column, i.severity, i.category]), [
    ['/src/App/Program.cs', 10, 17, 'NORMAL', 'CS0168'],
    ['C:\\src\\main.cpp', 12, 0, 'ERROR', 'C2065'],
    ['C:\\src\\util.cpp', 3, 1, 'ERROR', 'C1083'],
    ['-', 0, 0, 'NORMAL', 'LNK4098'],
    ['-', 0, 0, 'ERROR', 'MSB1009'],
  ]);
  assert.equal(ms[0]!.message, "The variable 'x' is declared but never used");

  assert.deepEqual(parseReport('govet', '# example.com/app\n./main.go:8:2: fmt.Printf format %d has arg s of wrong type string\nvet.go:5: unreachable code', 'console').map((i) => [i.file, i.line, i.column, i.message]),
    [['./main.go', 8, 2, 'fmt.Printf format %d has arg s of wrong type string'], ['vet.go', 5, 0, 'unreachable code']]);
  assert.deepEqual(parseReport('golint', 'conn.go:360:3: should replace c.writeSeq += 1 with c.writeSeq++\nnot go: 1:2: x', 'console').map((i) => [i.file, i.line, i.column, i.severity]),
    [['conn.go', 360, 3, 'NORMAL']]);
  assert.deepEqual(parseReport('rubocop', [
    'app.rb:1:1: C: [Correctable] Style/FrozenStringLiteralComment: Missing frozen string literal comment.',
    'app.rb:3:5: W: Lint/UselessAssignment: Useless assignment to variable - x.',
    'app.rb:7:1: F: Lint/Syntax: unexpected token $end',
  ].join('\n'), 'console').map((i) => [i.line, i.severity, i.category, i.message]), [
    [1, 'NORMAL', 'Style/FrozenStringLiteralComment', 'Missing frozen string literal comment.'],
    [3, 'NORMAL', 'Lint/UselessAssignment', 'Useless assignment to variable - x.'],
    [7, 'HIGH', 'Lint/Syntax', 'unexpected token $end'],
  ]);
});

test('kotlinc, scalac and sbt, Error Prone: compiler lines; Error Prone only with its "(see ...)" line', () => {
  assert.deepEqual(parseReport('kotlin', [
    "w: /src/A.kt: (3, 9): Variable 'x' is never used",
    'e: file:///src/B.kt:5:1 Unresolved reference: y',
    '> Task :compileKotlin',
  ].join('\n'), 'console').map((i) => [i.file, i.line, i.column, i.severity, i.message]), [
    ['/src/A.kt', 3, 9, 'NORMAL', "Variable 'x' is never used"],
    ['/src/B.kt', 5, 1, 'ERROR', 'Unresolved reference: y'],
  ]);
  assert.deepEqual(parseReport('scala', [
    '[WARNING] /src/A.scala:3: warning: method x in class Y is deprecated',
    '[warn] /src/B.scala:7:12: a pure expression does nothing in statement position',
    '[error] /src/C.scala:2:1: not found: value z',
  ].join('\n'), 'console').map((i) => [i.file, i.line, i.severity, i.category]), [
    ['/src/A.scala', 3, 'NORMAL', 'warning'], ['/src/B.scala', 7, 'NORMAL', ''], ['/src/C.scala', 2, 'HIGH', ''],
  ]);
  const ep = parseReport('errorprone', [
    '[WARNING] /src/main/java/A.java:[13,18] [DefaultCharset] Implicit use of the platform default charset',
    '    (see https://errorprone.info/bugpattern/DefaultCharset)',
    "  Did you mean 'new String(b, UTF_8)'?",
    '/src/main/java/B.java:4: error: [DeadException] Exception created but not thrown',
    '    new RuntimeException();',
    '    ^',
    '    (see https://errorprone.info/bugpattern/DeadException)',
    '[WARNING] /src/main/java/C.java:[2,1] [deprecation] plain javac, no Error Prone link',
    '[INFO] done',
  ].join('\n'), 'console');
  assert.deepEqual(ep.map((i) => [i.file, i.line, i.column, i.severity, i.type, i.message]), [
    ['/src/main/java/A.java', 13, 18, 'NORMAL', 'DefaultCharset', 'Implicit use of the platform default charset.'],
    ['/src/main/java/B.java', 4, 0, 'ERROR', 'DeadException', 'Exception created but not thrown.'],
  ]);
});

test('Trivy, Grype, OWASP Dependency-Check JSON: each vulnerability an issue, severities as analysis-model maps them', () => {
  const trivyReport = { SchemaVersion: 2, ArtifactName: 'app:1', Results: [
    { Target: 'app:1 (debian 12.4)', Class: 'os-pkgs', Vulnerabilities: [
      { VulnerabilityID: 'CVE-2024-0001', PkgName: 'openssl', InstalledVersion: '3.0.11', Severity: 'CRITICAL', SeveritySource: 'debian', Title: 'openssl: overflow' },
      { VulnerabilityID: 'CVE-2024-0002', PkgName: 'zlib', Severity: 'MEDIUM', Title: 'zlib: read' },
      { VulnerabilityID: 'CVE-2024-0003', PkgName: 'tar', Severity: 'UNKNOWN', Description: 'tar: no title' },
    ] },
    { Target: 'package-lock.json', Class: 'lang-pkgs' },
  ] };
  assert.deepEqual(parseReport('trivy', JSON.stringify(trivyReport), 'trivy.json').map((i) => [i.file, i.severity, i.category, i.type, i.message, i.packageName]), [
    ['openssl', 'ERROR', 'debian', 'CVE-2024-0001', 'openssl: overflow', 'openssl 3.0.11'],
    ['zlib', 'NORMAL', '?', 'CVE-2024-0002', 'zlib: read', 'zlib'],
    ['tar', 'HIGH', '?', 'CVE-2024-0003', 'tar: no title', 'tar'],
  ]);
  assert.equal(parseReport('trivy', JSON.stringify([{ Target: 'x', Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'p', Severity: 'LOW', Title: 't' }] }]), 'old.json')[0]!.severity, 'LOW');
  assert.throws(() => parseReport('trivy', '{"version":"2.1.0","runs":[]}', 't.json'), /t\.json: this is SARIF, not Trivy's JSON: read it with sarif\(\)/);

  const grypeReport = { matches: [
    { vulnerability: { id: 'GHSA-xxxx', severity: 'Critical', description: 'prototype pollution', dataSource: 'https://github.com/advisories/GHSA-xxxx' },
      artifact: { name: 'lodash', version: '4.17.15', type: 'npm', locations: [{ path: '/app/package-lock.json' }] } },
    { vulnerability: { id: 'CVE-2023-1', severity: 'Negligible' }, artifact: { name: 'bash', type: 'deb', locations: [{ path: '/var/lib/dpkg/status' }] } },
  ] };
  assert.deepEqual(parseReport('grype', JSON.stringify(grypeReport), 'grype-report.json').map((i) => [i.file, i.severity, i.category, i.type, i.message, i.packageName]), [
    ['/app/package-lock.json', 'ERROR', 'npm', 'GHSA-xxxx', 'prototype pollution', 'lodash 4.17.15'],
    ['/var/lib/dpkg/status', 'LOW', 'deb', 'CVE-2023-1', 'Unknown', 'bash'],
  ]);

  const odc = { reportSchema: '1.1', dependencies: [
    { fileName: 'commons-text-1.9.jar', vulnerabilities: [
      { name: 'CVE-2022-42889', severity: 'CRITICAL', description: 'Text4Shell', cvssv3: { attackVector: 'NETWORK' } },
      { name: 'CVE-2020-1', severity: 'MEDIUM', description: 'older', cvssv2: { accessVector: 'LOCAL' } },
    ] },
    { fileName: 'clean.jar' },
  ] };
  assert.deepEqual(parseReport('owasp', JSON.stringify(odc), 'dependency-check-report.json').map((i) => [i.file, i.severity, i.category, i.type, i.message]), [
    ['commons-text-1.9.jar', 'ERROR', 'NETWORK', 'CVE-2022-42889', 'Text4Shell'],
    ['commons-text-1.9.jar', 'NORMAL', 'LOCAL', 'CVE-2020-1', 'older'],
  ]);
  assert.throws(() => parseReport('owasp', '<analysis/>', 'dc.xml'), /dc\.xml: not OWASP Dependency-Check JSON/);
});

test('dockerfile_lint -j and ansible-lint -p', () => {
  const dl = { error: { count: 1, data: [{ instruction: 'FROM', line: 1, level: 'error', message: 'Base image is missing a tag', description: 'Pin it', reference_url: ['https://docs.docker.com/', '#from'], label: 'required' }] },
    warn: { count: 1, data: [{ line: 3, level: 'warn', message: 'apt-get upgrade', label: 'best practice' }] },
    info: { count: 1, data: [{ level: 'info', message: 'No LABEL', label: 'info' }] }, summary: [] };
  assert.deepEqual(parseReport('dockerlint', JSON.stringify(dl), 'dl.json').map((i) => [i.file, i.line, i.severity, i.category, i.message]), [
    ['Dockerfile', 1, 'HIGH', 'required', 'Base image is missing a tag - Pin it See https://docs.docker.com/#from'],
    ['Dockerfile', 3, 'NORMAL', 'best practice', 'apt-get upgrade'],
    ['Dockerfile', 0, 'LOW', 'info', 'No LABEL'],
  ]);
  assert.throws(() => parseReport('dockerlint', '[]', 'dl.json'), /dl\.json: dockerfile_lint JSON must be an object/);
  assert.deepEqual(parseReport('ansiblelint', 'roles/web/tasks/main.yml:5: [ANSIBLE0012] Commands should not change things if nothing needs doing\nsite.yml:3: [E301] Commands should not change things\nok', 'console')
    .map((i) => [i.file, i.line, i.category, i.severity]), [['roles/web/tasks/main.yml', 5, 'ANSIBLE0012', 'NORMAL'], ['site.yml', 3, 'E301', 'NORMAL']]);
});

test('hostile lines: pathological inputs of MAX_LINE characters are read (or skipped) without stalling', () => {
  // The regexes have no nested quantifiers; these shapes make a backtracking one take minutes.
  const shapes = ['a'.repeat(8000), ' '.repeat(8000), `a.c(1)${' '.repeat(7990)}`, `x:1:${' '.repeat(7990)}b`, `f(${'1,'.repeat(3990)}`,
    `x: warning${' ['.repeat(3990)}`, `a:1:  ${'b ['.repeat(2600)} [x] [`, `LINK${' '.repeat(7990)}:`, `a.go:1:${'1'.repeat(7990)}`];
  for (const kind of ['cpplint', 'clangtidy', 'msbuild', 'govet', 'golint', 'yamllint', 'mypy', 'pep8', 'rubocop', 'pydocstyle', 'kotlin', 'scala', 'errorprone', 'ansiblelint'] as const) {
    for (const s of shapes) parseReport(kind, `${s}\n${s}\n`, 'hostile');
  }
  // A line over MAX_LINE is skipped, not matched.
  assert.deepEqual(parseReport('golint', `${'d/'.repeat(5000)}a.go:1:1: long`, 'console'), []);
});

test('the tools are declared as warnings-ng names them; a tool without a Kiln parser stays unknown', () => {
  const symbols = new Set((warningsPlugin.steps ?? []).map((s) => s.name));
  for (const s of ['sarif', 'cppLint', 'cppCheck', 'clangTidy', 'msBuild', 'goVet', 'goLint', 'hadoLint', 'yamlLint', 'myPy', 'pep8', 'pyDocStyle', 'ruboCop', 'ktLint', 'detekt', 'phpCodeSniffer', 'phpStan', 'swiftLint', 'kotlin', 'scala', 'errorProne', 'trivy', 'grype', 'owaspDependencyCheck', 'dockerLint', 'ansibleLint', 'analysisParser']) {
    assert.ok(symbols.has(s), s);
  }
  // warnings-ng has no shellCheck() symbol: ShellCheck is analysisParser(analysisModelId: 'shellcheck').
  assert.equal(symbols.has('shellCheck'), false);
  assert.equal(toolById('shellcheck')?.pattern, '**/shellcheck.json');
  assert.equal(toolBySymbol(''), undefined);
  // Tools whose formats Kiln does not read are not declared (they stay unknown steps).
  for (const s of ['pvsStudio', 'klocWork', 'coverity', 'flawfinder']) assert.equal(symbols.has(s), false, s);
  assert.equal(toolById('coverity'), undefined);
  // Each declared tool has a parser.
  for (const t of TOOLS) assert.ok(t.parser, t.id);
  assert.equal(toolBySymbol('ktLint')?.parser, 'checkstyle');
  assert.equal(toolBySymbol('cppLint')?.id, 'cpplint');
});
