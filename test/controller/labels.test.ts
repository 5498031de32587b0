import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LabelExpressionError,
  formatLabelExpression,
  labelAtoms,
  matches,
  parseLabelExpression,
  parseLabelList,
  tryParseLabelExpression,
  type LabelExpr,
} from '../../src/controller/labels.ts';

const on = (expr: string, ...labels: string[]): boolean => matches(parseLabelExpression(expr), new Set(labels));
const errorOf = (expr: string): { message: string; column: number } => {
  const r = tryParseLabelExpression(expr);
  assert.ok(r.error, `expected "${expr}" to be rejected`);
  return { message: r.error.message, column: r.error.column };
};

test('atoms, and, or, not, parentheses', () => {
  assert.equal(on('linux', 'linux', 'x64'), true);
  assert.equal(on('linux', 'windows'), false);
  assert.equal(on('linux && docker', 'linux', 'docker'), true);
  assert.equal(on('linux && docker', 'linux'), false);
  assert.equal(on('linux || windows', 'windows'), true);
  assert.equal(on('!windows', 'linux'), true);
  assert.equal(on('!windows', 'windows'), false);
  assert.equal(on('linux && (x64 || arm64)', 'linux', 'arm64'), true);
  assert.equal(on('(linux&&x64)||mac', 'mac'), true);
  assert.equal(on('linux&&x64||mac', 'linux'), false);
});

test('precedence as Jenkins: ! > && > || > -> > <->', () => {
  assert.deepEqual(parseLabelExpression('a || b && c'), {
    kind: 'or', left: { kind: 'atom', name: 'a' }, right: { kind: 'and', left: { kind: 'atom', name: 'b' }, right: { kind: 'atom', name: 'c' } },
  });
  assert.equal(formatLabelExpression(parseLabelExpression('!a && b || c -> d <-> e')), '!a && b || c -> d <-> e');
  assert.equal(formatLabelExpression(parseLabelExpression('a -> b || c')), 'a -> b || c');
  assert.deepEqual(parseLabelExpression('a -> b <-> c').kind, 'iff');
  // implies: false only when the left holds and the right does not.
  assert.equal(on('docker -> linux', 'windows'), true);
  assert.equal(on('docker -> linux', 'docker'), false);
  assert.equal(on('docker -> linux', 'docker', 'linux'), true);
  // iff: both or neither.
  assert.equal(on('gpu <-> cuda'), true);
  assert.equal(on('gpu <-> cuda', 'gpu'), false);
  assert.equal(on('gpu <-> cuda', 'gpu', 'cuda'), true);
  assert.equal(on('a <-> b <-> c', 'a'), true, '<-> chains left to right: (a <-> b) <-> c');
});

test('atoms: hyphens, dots, digits, any non-special character; quoted labels; a->b without spaces', () => {
  assert.equal(on('x86-64', 'x86-64'), true);
  assert.equal(on('jdk-17.0_1', 'jdk-17.0_1'), true);
  assert.equal(on('ünïcode:label/1', 'ünïcode:label/1'), true);
  assert.deepEqual(parseLabelExpression('a->b'), { kind: 'implies', left: { kind: 'atom', name: 'a' }, right: { kind: 'atom', name: 'b' } });
  assert.deepEqual(parseLabelExpression('a-'), { kind: 'atom', name: 'a-' });
  assert.equal(on('"my label" && linux', 'my label', 'linux'), true);
  assert.equal(on('"say \\"hi\\""', 'say "hi"'), true);
  assert.equal(on('"a&&b"', 'a&&b'), true);
});

test('an empty expression matches any node', () => {
  assert.deepEqual(parseLabelExpression(''), { kind: 'any' });
  assert.deepEqual(parseLabelExpression('   \t'), { kind: 'any' });
  assert.equal(on(''), true);
  assert.equal(on('', 'linux'), true);
});

test('errors say what was expected and at which column', () => {
  assert.deepEqual(errorOf('linux &&'), { message: "expected a label after '&&', but the expression ends at column 9", column: 9 });
  assert.deepEqual(errorOf('a && || b'), { message: "expected a label after '&&', found '||' at column 6", column: 6 });
  assert.deepEqual(errorOf('a || && b'), { message: "expected a label after '||', found '&&' at column 6", column: 6 });
  assert.deepEqual(errorOf('&& a'), { message: "expected a label, found '&&' at column 1", column: 1 });
  assert.deepEqual(errorOf('(a || b'), { message: "expected ')' to close the '(' at column 1, found the end of the expression at column 8", column: 8 });
  assert.deepEqual(errorOf('a || b)'), { message: "unexpected ')' with no '(' to close at column 7", column: 7 });
  assert.deepEqual(errorOf('linux docker'), { message: "expected an operator (&&, ||, ->, <->) or the end, found label 'docker' at column 7", column: 7 });
  assert.deepEqual(errorOf('a & b'), { message: `unexpected '&' (write '&&' for "and") at column 3`, column: 3 });
  assert.deepEqual(errorOf('a | b'), { message: `unexpected '|' (write '||' for "or") at column 3`, column: 3 });
  assert.deepEqual(errorOf("'linux'"), { message: `unexpected "'" (quote a label with double quotes: "my label") at column 1`, column: 1 });
  assert.deepEqual(errorOf('a && "open'), { message: 'unterminated quoted label starting at column 6', column: 6 });
  assert.deepEqual(errorOf('a -> b -> c'), { message: "'->' cannot be chained; add parentheses, as in (a -> b) -> c at column 8", column: 8 });
  assert.deepEqual(errorOf('!!a'), { message: "expected a label or '(' after '!' (write !(!a) for a double negation), found '!' at column 2", column: 2 });
  assert.deepEqual(errorOf('()'), { message: "expected a label after '(', found ')' at column 2", column: 2 });
  assert.throws(() => parseLabelExpression('a &&'), LabelExpressionError);
});

test('labelAtoms and parseLabelList', () => {
  assert.deepEqual([...labelAtoms(parseLabelExpression('linux && !(docker || "my gpu")'))], ['linux', 'docker', 'my gpu']);
  assert.deepEqual(parseLabelList('  linux docker\tx64 linux "my label" '), ['linux', 'docker', 'x64', 'my label']);
  assert.deepEqual(parseLabelList(''), []);
});

// ---------------------------------------------------------------------------------------------
// Property: printing and re-parsing keeps the meaning; evaluation agrees with a truth table.

const atomArb = fc.constantFrom('a', 'b', 'c', 'x86-64', 'my label', 'a-');
const exprArb: fc.Arbitrary<LabelExpr> = fc.letrec<{ e: LabelExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atomArb.map((name): LabelExpr => ({ kind: 'atom', name })),
    tie('e').map((expr): LabelExpr => ({ kind: 'not', expr })),
    fc.tuple(fc.constantFrom('and', 'or', 'implies', 'iff') as fc.Arbitrary<'and' | 'or' | 'implies' | 'iff'>, tie('e'), tie('e'))
      .map(([kind, left, right]): LabelExpr => ({ kind, left, right })),
  ),
})).e;

function truth(e: LabelExpr, labels: Set<string>): boolean {
  switch (e.kind) {
    case 'any': return true;
    case 'atom': return labels.has(e.name);
    case 'not': return !truth(e.expr, labels);
    case 'and': return truth(e.left, labels) && truth(e.right, labels);
    case 'or': return truth(e.left, labels) || truth(e.right, labels);
    case 'implies': return !truth(e.left, labels) || truth(e.right, labels);
    case 'iff': return truth(e.left, labels) === truth(e.right, labels);
  }
}

test('property: format then parse gives an expression with the same truth table', () => {
  fc.assert(
    fc.property(exprArb, fc.subarray(['a', 'b', 'c', 'x86-64', 'my label', 'a-']), (e, present) => {
      const text = formatLabelExpression(e);
      const back = parseLabelExpression(text);
      const labels = new Set(present);
      assert.equal(matches(back, labels), truth(e, labels), `${text} with ${present.join(',')}`);
      assert.equal(formatLabelExpression(back), text, 'printing is stable');
    }),
    { numRuns: 500 },
  );
});

test('property: any text either parses or fails with a column inside it (never a crash)', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '&', '|', '!', '(', ')', '-', '>', '<', '"', '\\', "'"), maxLength: 24 }), (s) => {
      const r = tryParseLabelExpression(s);
      if (r.error) assert.ok(r.error.column >= 1 && r.error.column <= s.length + 1, `${s}: column ${r.error.column}`);
    }),
    { numRuns: 2000 },
  );
});
