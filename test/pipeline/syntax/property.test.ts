// Property tests: whatever the input, parse() returns (never throws, never hangs) either a tree
// or at least one diagnostic, and every position it reports is a real position in the input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse, parseExpression } from '../../../src/pipeline/syntax/parser.ts';
import type { Loc, Pos } from '../../../src/core/build.ts';
import { sexp } from './sexp.ts';
import { SEED } from './fixtures.ts';

/** The line/column of an offset, by the lexer's rules (\n, \r\n and \r end lines; a BOM is not a column). */
function posAt(src: string, offset: number): Pos {
  let line = 1;
  let lineStart = src.charCodeAt(0) === 0xfeff && offset > 0 ? 1 : 0;
  for (let i = 0; i < offset; i++) {
    const c = src.charCodeAt(i);
    if (c === 10 || (c === 13 && src.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1, offset };
}

function checkPos(src: string, p: Pos, what: string): void {
  assert.ok(Number.isInteger(p.offset) && p.offset >= 0 && p.offset <= src.length, `${what}: offset ${p.offset} outside 0..${src.length}`);
  assert.deepEqual(p, posAt(src, p.offset), `${what}: line/col do not match offset ${p.offset}`);
}

function checkLoc(src: string, loc: Loc, what: string): void {
  checkPos(src, loc.start, `${what} start`);
  checkPos(src, loc.end, `${what} end`);
  assert.ok(loc.start.offset <= loc.end.offset, `${what}: ends before it starts`);
}

/** Every object with a loc in the tree (iteratively: trees may be deep). */
function allLocs(root: object): { type: string; loc: Loc }[] {
  const out: { type: string; loc: Loc }[] = [];
  const stack: unknown[] = [root];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    const rec = o as Record<string, unknown>;
    if ('loc' in rec && rec.loc && typeof rec.loc === 'object' && 'start' in (rec.loc as object)) {
      out.push({ type: String(rec.type ?? 'part'), loc: rec.loc as Loc });
    }
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'loc' || k === 'nameLoc' || k === 'varLoc') continue;
      if (v && typeof v === 'object') stack.push(v);
    }
  }
  return out;
}

/** The contract of parse(), checked on one input. */
function checkParse(src: string): void {
  const t0 = performance.now();
  const r = parse(src);
  const ms = performance.now() - t0;
  // A generous bound that only an accidental super-linear loop would exceed.
  assert.ok(ms < 2000 + src.length / 100, `parse took ${ms.toFixed(0)} ms for ${src.length} chars`);
  if (r.ast === null) {
    assert.ok(r.diagnostics.length >= 1, 'no tree and no diagnostic');
    assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
    for (const d of r.diagnostics) {
      assert.equal(typeof d.message, 'string');
      assert.ok(d.message.length > 0);
      checkLoc(src, d.loc, `diagnostic "${d.message}"`);
    }
  } else {
    assert.ok(!r.diagnostics.some((d) => d.severity === 'error'), 'a tree together with an error');
    for (const n of allLocs(r.ast)) checkLoc(src, n.loc, n.type);
  }
}

const SAMPLES = [
  SEED,
  `#!/usr/bin/env groovy
@Library('lib@main') _
import groovy.json.JsonSlurper

def VERSION = "1.\${env.BUILD_NUMBER}"

pipeline {
  agent { docker { image 'maven:3'; args '-v $HOME/.m2:/root/.m2' } }
  options { timeout(time: 1, unit: 'HOURS'); timestamps() }
  parameters { choice(name: 'ENV', choices: ['dev', 'prod'], description: '') }
  environment { PATH = "/opt/bin:\${env.PATH}"; CREDS = credentials('c') }
  stages {
    stage('Build') {
      when { anyOf { branch 'main'; expression { return params.ENV == 'prod' } } }
      steps {
        sh '''
          set -e
          mvn -B package
        '''
        script {
          def out = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()
          if (out ==~ /[0-9a-f]{40}/) { echo "sha \${out.take(7)}" } else { error 'no sha' }
          def m = [a: 1, 'b': [2, 3], (out): null]
          m.each { k, v -> echo "$k=$v" }
        }
      }
    }
    stage('Parallel') {
      parallel {
        stage('A') { steps { retry(3) { sh 'a' } } }
        stage('B') { steps { echo "B: \${[1, 2].collect { it * 2 }.join(',')}" } }
      }
    }
  }
  post { always { junit '**/*.xml' }; failure { mail to: 'x@y', subject: "fail \${currentBuild.result}" } }
}

@NonCPS
def parse(String text) { new JsonSlurper().parseText(text) }
`,
  `node('linux') {
  try {
    stage('Checkout') { checkout scm }
    for (int i = 0; i < 3; i++) {
      def idx = i
      switch (idx) {
        case 0: echo 'zero'; break
        case [1, 2]: echo "\${idx}"
        default: echo 'other'
      }
    }
    def files = findFiles(glob: '**/*.log').findAll { f -> f.length > 0 }
    files.each { echo it.name }
    while (x < 10) x++
    def (a, b) = [1, 2]
    String s = a > b ? 'gt' : a ?: 'none'
    env.RESULT = s as String
  } catch (IOException | InterruptedException e) {
    currentBuild.result = 'ABORTED'
  } catch (err) {
    throw err
  } finally {
    cleanWs()
  }
}
`,
];

describe('property: parse never throws and reports real positions', () => {
  test('the samples parse', () => {
    for (const s of SAMPLES) {
      const r = parse(s);
      assert.deepEqual(r.diagnostics, []);
      checkParse(s);
    }
  });

  test('random strings (any code points)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), checkParse), { numRuns: 400 });
  });

  test('random strings of Groovy-ish characters', () => {
    const chars = fc.constantFrom(
      ...'abcxyzABC_$0123456789 \t\n\r(){}[]<>\'"`/\\*+-=!?:;.,@#~%^&|'.split(''),
      '${', '->', '"""', "'''", '$/', '/$', '//', '/*', '*/', '\r\n', 'é', '\u00a0', '\uFEFF',
    );
    fc.assert(fc.property(fc.string({ unit: chars, maxLength: 300 }), checkParse), { numRuns: 1500 });
  });

  test('random token soups', () => {
    const token = fc.constantFrom(
      'pipeline', 'stage', 'steps', 'sh', 'echo', 'x', 'y', 'String', 'List', 'def', 'if', 'else', 'for', 'in', 'while',
      'try', 'catch', 'finally', 'switch', 'case', 'default', 'return', 'break', 'new', 'class', 'import', 'as',
      'instanceof', 'true', 'null', 'this', '@Library', '_', '(', ')', '{', '}', '[', ']', ',', ':', ';', '.', '?.',
      '*.', '=', '==', '+', '-', '*', '/', '**', '!', '++', '?', '?:', '->', '<', '>', '>>', '..', '&&', '||', '=~',
      "'a'", '"b"', '"c${x}"', '"$x.y"', '"""\nz\n"""', "'''q'''", '/r+/', '$/d$$/$', '1', '0x1F', '2.5e3', '100L',
      '\n', '\n', '\n', '// c\n', '/* c */', '"${', '}"', '"', "'", '\\\n', '#',
    );
    const soup = fc.array(token, { maxLength: 120 }).chain((ts) =>
      fc.array(fc.constantFrom(' ', '', '\n', '  '), { minLength: ts.length, maxLength: ts.length })
        .map((seps) => ts.map((t, i) => t + seps[i]).join('')));
    fc.assert(fc.property(soup, checkParse), { numRuns: 1500 });
  });

  test('mutations of valid Jenkinsfiles (deletions, insertions, duplications)', () => {
    const edit = fc.record({
      kind: fc.constantFrom('delete', 'insert', 'duplicate', 'replace'),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      len: fc.integer({ min: 1, max: 12 }),
      text: fc.oneof(
        fc.string({ maxLength: 4 }),
        fc.constantFrom('{', '}', '(', ')', '[', ']', "'", '"', '"""', "'''", '${', '$', '/', '\\', '\n', ',', ':', '->', '\0'),
      ),
    });
    const mutated = fc.tuple(fc.integer({ min: 0, max: SAMPLES.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 5 }))
      .map(([i, edits]) => {
        let s = SAMPLES[i]!;
        for (const e of edits) {
          const p = Math.floor(e.at * s.length);
          switch (e.kind) {
            case 'delete': s = s.slice(0, p) + s.slice(p + e.len); break;
            case 'insert': s = s.slice(0, p) + e.text + s.slice(p); break;
            case 'duplicate': s = s.slice(0, p + e.len) + s.slice(p, p + e.len) + s.slice(p + e.len); break;
            case 'replace': s = s.slice(0, p) + e.text + s.slice(p + e.len); break;
          }
        }
        return s;
      });
    fc.assert(fc.property(mutated, checkParse), { numRuns: 2000 });
  });

  test('every prefix of a valid Jenkinsfile', () => {
    const s = SAMPLES[1]!;
    for (let i = 0; i <= s.length; i += 3) checkParse(s.slice(0, i));
  });
});

describe('property: generated expressions parse back to the same tree', () => {
  interface Gen { src: string; want: string }
  const leaf: fc.Arbitrary<Gen> = fc.oneof(
    fc.constantFrom('a', 'b', 'it', 'env', 'x1').map((n) => ({ src: n, want: n })),
    fc.nat(999).map((n) => ({ src: String(n), want: String(n) })),
    fc.constantFrom('s', 'x y', "it's").map((v) => ({ src: `'${v.replace(/'/g, "\\'")}'`, want: JSON.stringify(v) })),
  );
  const ops = ['+', '-', '*', '/', '%', '**', '==', '!=', '<', '<=', '>', '>=', '&&', '||', '&', '|', '^', '<<', '>>',
    '=~', '==~', 'in', '?:', '<=>', '===', '!=='];
  const { expr } = fc.letrec<{ expr: Gen }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('expr'), fc.constantFrom(...ops), tie('expr')).map(([l, op, r]) => ({ src: `(${l.src} ${op} ${r.src})`, want: `(${op} ${l.want} ${r.want})` })),
      fc.tuple(tie('expr'), fc.constantFrom('..', '..<'), tie('expr')).map(([l, op, r]) => ({ src: `(${l.src}${op}${r.src})`, want: `(${op} ${l.want} ${r.want})` })),
      fc.tuple(fc.constantFrom('!', '-', '~'), tie('expr')).map(([op, x]) => ({ src: `(${op}${x.src})`, want: `(${op} ${x.want})` })),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([t, c, a]) => ({ src: `(${t.src} ? ${c.src} : ${a.src})`, want: `(? ${t.want} ${c.want} ${a.want})` })),
      fc.array(tie('expr'), { maxLength: 3 }).map((xs) => ({ src: `f(${xs.map((x) => x.src).join(', ')})`, want: `(call f${xs.map((x) => ' ' + x.want).join('')})` })),
      fc.array(tie('expr'), { maxLength: 3 }).map((xs) => ({ src: `[${xs.map((x) => x.src).join(', ')}]`, want: `[${xs.map((x) => x.want).join(' ')}]` })),
      fc.array(tie('expr'), { minLength: 1, maxLength: 3 }).map((xs) => ({
        src: `[${xs.map((x, i) => `k${i}: ${x.src}`).join(', ')}]`,
        want: `[${xs.map((x, i) => `"k${i}": ${x.want}`).join(', ')}]`,
      })),
      fc.tuple(tie('expr'), fc.constantFrom('p', 'size', 'class')).map(([x, p]) => ({ src: `${x.src}.${p}`, want: `(. ${x.want} ${p})` })),
      fc.tuple(tie('expr'), tie('expr')).map(([x, i]) => ({ src: `${x.src}[${i.src}]`, want: `(index ${x.want} ${i.want})` })),
      tie('expr').map((x) => ({ src: `"<\${${x.src}}>"`, want: `(gstr "<" ${x.want} ">")` })),
      tie('expr').map((x) => ({ src: `{ v -> ${x.src} }`, want: `{v -> ${x.want}}` })),
    ),
  }));

  test('fully parenthesized random expressions', () => {
    fc.assert(fc.property(expr, (g) => {
      const r = parseExpression(g.src);
      assert.deepEqual(r.diagnostics, [], g.src);
      assert.equal(sexp(r.ast), g.want, g.src);
    }), { numRuns: 1500 });
  });

  test('the same expressions as statements with newlines around', () => {
    fc.assert(fc.property(fc.array(expr, { minLength: 1, maxLength: 4 }), (gs) => {
      const src = gs.map((g, i) => `def v${i} = ${g.src}`).join('\n\n');
      const r = parse(src);
      assert.deepEqual(r.diagnostics, [], src);
      assert.equal(sexp(r.ast), gs.map((g, i) => `(var v${i} ${g.want})`).join('\n'));
      checkParse(src);
    }), { numRuns: 500 });
  });
});
