import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NESTING, MAX_SOURCE_BYTES, parse } from '../../../src/pipeline/syntax/parser.ts';
import type { Diagnostic } from '../../../src/pipeline/diagnostics.ts';

function err(src: string): Diagnostic {
  const r = parse(src);
  assert.equal(r.ast, null, `expected an error for:\n${src}`);
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0]!;
  assert.equal(d.severity, 'error');
  return d;
}

/** "L:C message" of the single diagnostic. */
function msg(src: string): string {
  const d = err(src);
  return `${d.loc.start.line}:${d.loc.start.col} ${d.message}`;
}

describe('syntax errors: exact messages and positions', () => {
  const cases: [string, string, string][] = [
    ['unterminated string', "pipeline {\n  steps { sh 'abc }\n}", "2:14 unterminated string literal started here"],
    ["unterminated ''' string at line 2", "def a = 1\ndef y = '''\nline\n", "2:9 unterminated ''' string literal started here"],
    ['unterminated """ string', 'x = """abc', '1:5 unterminated """ string literal started here'],
    ['mismatched closer in a block', "pipeline {\n  stages {\n    stage('x') {\n      steps { sh 'a' )\n    }\n  }\n}",
      "4:22 expected '}' to close the block opened at line 4, column 13"],
    ['mismatched closer in a call', 'foo(a, [b, c)', "1:13 expected ']' to close the '[' opened at line 1, column 8"],
    ['stray )', 'foo()\n)', "2:1 unexpected ')'"],
    ['stray }', "sh 'x'\n}", "2:1 unexpected '}'"],
    ['end of file inside a block', "pipeline {\n  agent any", "2:12 expecting '}', found '' (end of file): '{' at 1:10 is never closed"],
    ['end of file inside a call', 'foo(a, b', "1:9 expecting ')', found '' (end of file): '(' at 1:4 is never closed"],
    ['end of file inside a list', 'x = [1,\n2', "2:2 expecting ']', found '' (end of file): '[' at 1:5 is never closed"],
    ['missing comma', 'foo(a b)', "1:7 unexpected 'b': expected ',' or ')' to continue or close the '(' opened at line 1, column 4"],
    ['missing comma in a list', "x = [1, 2\ny = 3", "2:1 unexpected 'y': expected ',' or ']' to continue or close the '[' opened at line 1, column 5"],
    ['two strings in a row', "sh 'a' 'b'", "1:8 unexpected string 'b'"],
    ['closure after parenless arguments', "stage 'Build' {\n  echo 'x'\n}",
      "1:15 unexpected '{': a closure cannot follow arguments written without parentheses; write stage('Build') { ... }"],
    ['operator at the start of a line', 'def x = a\n  && b',
      "2:3 unexpected '&&': an operator at the start of a line does not continue the previous line in Groovy; move '&&' to the end of the previous line"],
    ['bare block after a parenless call', "stage 'x'\n{ bar() }",
      "2:1 ambiguous '{': a block cannot stand alone as a statement; to pass it to the call on the previous line, write stage('x') { ... }"],
    ['bare block', "x = 1\n{ bar() }",
      "2:1 ambiguous '{': a block cannot stand alone as a statement; to pass it to a call, write the call with parentheses, e.g. stage('Build') { ... }, or give a closure an explicit parameter list ({ it -> ... })"],
    ['bare block in a case', "switch (x) {\n  case 1: { a() }\n}",
      "2:11 ambiguous '{': a block cannot stand alone as a statement; to pass it to a call, write the call with parentheses, e.g. stage('Build') { ... }, or give a closure an explicit parameter list ({ it -> ... })"],
    ['assignment in a condition', 'if (x = 1) {}', "1:7 an assignment is not allowed as the condition of 'if'; did you mean '=='?"],
    ['list and map mixed', '[1, a: 2]', "1:5 a list cannot contain a map entry 'key: value' (use [k: v, ...] for a map)"],
    ['map and list mixed', '[a: 1, 2]', '1:8 a map cannot contain an element without a key (use [a, b] for a list)'],
    ['nested function', 'def f() { def g() {} }', "1:15 a function can only be defined at the top level of the script, not inside a block or closure ('g')"],
    ['do-while', 'do { } while (x)', "1:1 'do ... while' loops are not supported (Jenkins runs Groovy 2, which has none); use 'while (...) { ... }'"],
    ['bad escape', "sh 'grep \\d x'", "1:10 invalid escape sequence '\\d' in a string; the valid ones are \\b \\f \\n \\r \\t \\\\ \\' \\\" \\$ and \\uXXXX (write '\\\\d' for a backslash followed by 'd')"],
    ['dollar sign', 'echo "cost: $5"', '1:13 illegal string body character after dollar sign; either escape a literal dollar sign "\\$5" or bracket the value expression "${5}"'],
    ['unclosed ${', 'echo "a ${b"\nnext()', "1:9 unterminated '${' started here: the '}' that closes it is missing"],
    ['junk in ${}', 'echo "${1 b}"', "1:11 unexpected 'b': expected '}' to continue or close the '${' opened at line 1, column 7"],
    ['junk after statements in ${}', 'echo "${a; b)}"', "1:13 expected '}' to close the '${' opened at line 1, column 7"],
    ['missing expression', 'x = ', '1:5 unexpected end of file'],
    ['missing operand', 'x = 1 + * 2', "1:9 unexpected '*'"],
    ['bad assignment target', 'f() = 1', "1:5 cannot assign to this expression: the left side of '=' must be a variable, a property or an element"],
    ['hash comment', '# comment\nfoo()', "1:1 unexpected character '#' ('#' starts a comment only as '#!' on the first line; use // for comments)"],
    ['missing in', 'for (x y) {}', "1:8 expected 'in' or ':' after the loop variable 'x', found 'y'"],
    ['classic for missing ;', 'for (x ; y) {}', "1:11 unexpected ')'; expected ';'"],
    ['unterminated comment', 'a()\n/* x', '2:1 unterminated comment started here'],
    ['complex key', 'f(a + b: 1)', '1:8 illegal colon after argument expression; a computed key must be in parentheses: (key): value'],
    ['missing function body', 'def f()\nfoo()', "2:1 expected '{' to start the body of function 'f', found 'foo'"],
    ['ternary without colon', 'x = a ? b', "1:10 unexpected end of file; expected ':' of the conditional expression '? :'"],
    ['stray else', 'else { }', "1:1 unexpected 'else'"],
  ];
  for (const [name, src, want] of cases) {
    test(name, () => assert.equal(msg(src), want));
  }

  test('an indentation hint names the likely unclosed block', () => {
    const src = [
      'pipeline {',
      '  agent any',
      '  stages {',
      "    stage('a') {",
      '      steps {',
      "        echo 'x'",
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
    assert.equal(
      msg(src),
      "10:1 expecting '}', found '' (end of file): '{' at 1:10 is never closed (judging by the indentation, the '{' at 5:13 may be the one missing its '}')",
    );
  });

  test('diagnostics are syntax errors with an end position after the start', () => {
    const d = err('foo(');
    assert.equal(d.code, 'syntax');
    assert.ok(d.loc.end.offset >= d.loc.start.offset);
  });
});

describe('limits', () => {
  test(`nesting deeper than ${MAX_NESTING} levels is refused, whatever the brackets`, () => {
    const n = 10_000;
    const inputs: Record<string, string> = {
      '[': 'x = ' + '['.repeat(n) + ']'.repeat(n),
      '(': 'x = ' + '('.repeat(n) + '1' + ')'.repeat(n),
      '{': '{'.repeat(n) + '}'.repeat(n),
      'f(': 'f('.repeat(n) + ')'.repeat(n),
      'f {': 'f {\n'.repeat(n) + '}\n'.repeat(n),
      'if': 'if (a) {\n'.repeat(n) + '}\n'.repeat(n),
      '!': 'x = ' + '!'.repeat(n) + 'a',
      '-': 'x = ' + '- '.repeat(n) + 'a',
      '=': Array.from({ length: n }, (_, i) => `a${i}`).join(' = ') + ' = 1',
      '?:': 'x = ' + 'a ? b : '.repeat(n) + 'c',
      '${': 'x = ' + '"${'.repeat(n) + '1' + '}"'.repeat(n),
      'unclosed [': '['.repeat(n),
    };
    for (const [name, src] of Object.entries(inputs)) {
      const d = err(src);
      assert.equal(d.message, `nesting too deep (more than ${MAX_NESTING} levels)`, name);
      assert.equal(d.code, 'nesting-too-deep');
      assert.equal(d.loc.start.line <= src.split('\n').length, true);
    }
  });

  test(`${MAX_NESTING - 10} levels of nesting are fine`, () => {
    const n = MAX_NESTING - 10;
    assert.ok(parse('x = ' + '['.repeat(n) + ']'.repeat(n)).ast);
    assert.ok(parse('f {\n'.repeat(n) + '}\n'.repeat(n)).ast);
    assert.ok(parse('x = ' + '('.repeat(n) + '1' + ')'.repeat(n)).ast);
  });

  test('long flat sequences are not nesting', () => {
    const n = 20_000;
    assert.ok(parse('x = ' + Array.from({ length: n }, () => '1').join(' + ')).ast);
    assert.ok(parse('x' + '.a'.repeat(n)).ast);
    assert.ok(parse('x' + '[1]'.repeat(n)).ast);
    assert.ok(parse('if (a) { }' + ' else if (b) { }'.repeat(n)).ast);
    assert.ok(parse('foo()\n'.repeat(n)).ast);
  });

  test('a generated Jenkinsfile just under 10 MB parses (a guard against super-linear time)', () => {
    const out = ['pipeline {', '  agent any', '  stages {'];
    let size = 0;
    for (let i = 0; size < MAX_SOURCE_BYTES - 400_000; i++) {
      const stage = [
        `    stage('Stage ${i}') {`,
        `      when { expression { return params.RUN_${i} == true } }`,
        '      steps {',
        `        sh "make target-${i} \${env.BUILD_NUMBER}"`,
        `        script { def r = sh(script: 'ls', returnStdout: true).trim(); if (r) { echo "got $r" } }`,
        '      }',
        '    }',
      ];
      for (const l of stage) size += l.length + 1;
      out.push(...stage);
    }
    out.push('  }', '}');
    const src = out.join('\n');
    const t0 = performance.now();
    const r = parse(src);
    const ms = performance.now() - t0;
    assert.deepEqual(r.diagnostics, []);
    assert.ok(r.ast);
    const pipeline = r.ast.body[0]!;
    assert.equal(pipeline.type, 'ExprStmt');
    assert.ok(ms < 60_000, `took ${ms} ms`);
  });

  test('a file over 10 MB is refused before parsing', () => {
    const big = 'x'.repeat(MAX_SOURCE_BYTES + 1);
    const d = err(big);
    assert.equal(d.message, `Jenkinsfile is too large (${MAX_SOURCE_BYTES + 1} bytes; the limit is 10 MB)`);
    assert.equal(d.code, 'file-too-large');
    assert.deepEqual(d.loc.start, { line: 1, col: 1, offset: 0 });
  });

  test('the size limit counts UTF-8 bytes', () => {
    const n = Math.floor(MAX_SOURCE_BYTES / 3) + 10; // 'é' is two bytes in UTF-8
    const d = err('é'.repeat(n) + 'x'.repeat(n));
    assert.equal(d.message, `Jenkinsfile is too large (${3 * n} bytes; the limit is 10 MB)`);
  });

  test('a file with NUL bytes is not text', () => {
    const d = err("pipeline {\n  agent any\n  st\0ages {}\n}");
    assert.equal(d.code, 'not-text');
    assert.match(d.message, /^file is not text: it contains a NUL byte/);
    assert.deepEqual(d.loc.start, { line: 3, col: 5, offset: 27 });
  });

  test('a file with invalid UTF-8 (decoded as U+FFFD) is not text', () => {
    const bytes = Buffer.from([0x66, 0x6f, 0x6f, 0x28, 0x29, 0x0a, 0xc3, 0x28, 0xff]);
    const d = err(bytes.toString('utf8'));
    assert.match(d.message, /^file is not text: it contains bytes that are not valid UTF-8/);
    assert.deepEqual(d.loc.start, { line: 2, col: 1, offset: 6 });
  });
});

test('a name that starts with a digit is an error where Groovy refuses it, with the tree kept for declarative', () => {
  const r = parse("node {\n  def 1BAR = 'x'\n}\n");
  assert.equal(r.ast, null);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message, d.loc?.start.line, d.loc?.start.col]),
    [['digit-name', 'unexpected token: 1 ("1BAR" is not a valid identifier: a name cannot start with a digit)', 2, 7]]);
  assert.ok(r.recovered, 'the tree read with 1BAR as a name');
});
