// Property tests: random expressions over numbers, strings, lists and maps either evaluate or
// fail with a ScriptError (never a JavaScript TypeError, never a crash), and integer and string
// arithmetic agrees with a direct model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { run } from './fake-host.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';

const num = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('0', '1', '-1', '0.5', '2.25', '1e3', '100L', '0x10', '2147483647'),
);
const str = fc.oneof(
  fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/[\\'$]/g, '')}'`),
  fc.constantFrom("'a,b,,c'", "' x '", "''", "'42'", "'3.5'", "'abc'", '"${1 + 1}"'),
);
const leaf = fc.oneof(num, str, fc.constantFrom('null', 'true', 'false', '[]', '[:]', '[1, 2]', "[a: 1, b: 'x']", '(1..3)', "('a'..'c')"));

const binaryOps = ['+', '-', '*', '/', '%', '**', '==', '!=', '<', '>', '<=', '>=', '<=>', '&&', '||', '?:', 'in', '=~', '==~', '<<', '&', '|', '^', '>>'];
const methods = [
  '.size()', '.toString()', '.trim()', '.toUpperCase()', '.abs()', '.intdiv(2)', ".split(',')", ".join('-')", '.reverse()',
  '.toInteger()', '.isEmpty()', '.first()', '.sort()', '.unique()', '.sum()', '.max()', '.keySet()', '.collect { it }',
  '.findAll { it }', ".replaceAll('a', 'b')", '.tokenize()', '.toList()', '.flatten()', '[0]', '[-1]', '[0..1]', '?.size()',
  '*.toString()', '.padLeft(5)', '.round()', '.contains(1)',
];
const casts = ['Integer', 'String', 'List', 'boolean', 'Set', 'Double'];

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom(...binaryOps), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('-', '!'), tie('e')).map(([op, a]) => `${op}(${a})`),
    fc.tuple(tie('e'), fc.constantFrom(...methods)).map(([a, m]) => `(${a})${m}`),
    fc.tuple(tie('e'), fc.constantFrom(...casts)).map(([a, t]) => `(${a} as ${t})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[${a}, ${b}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `"\${${a}}-\${${b}}"`),
  ),
})).e;

test('random expressions evaluate or fail with a ScriptError, and their values print', async () => {
  await fc.assert(
    fc.asyncProperty(expr, async (src) => {
      try {
        const { value } = await run(`def v = ${src}\nv`);
        toGroovyString(value);
      } catch (err) {
        if (err instanceof ScriptError) {
          assert.ok(err.loc, `a ScriptError has a position: ${err.message}`);
          return;
        }
        throw new Error(`${src}\nthrew ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`);
      }
    }),
    { numRuns: 400 },
  );
});

test('integer arithmetic agrees with exact integer arithmetic', async () => {
  const small = fc.integer({ min: -10000, max: 10000 });
  await fc.assert(
    fc.asyncProperty(small, small, small, async (a, b, c) => {
      const { value } = await run(`(${a}) + (${b}) * (${c}) - (${c})`);
      assert.equal(value, a + b * c - c);
      if (b !== 0) {
        const q = await run(`(${a}).intdiv(${b}) * ${b} + (${a}) % (${b})`);
        assert.equal(q.value, a);
      }
    }),
    { numRuns: 150 },
  );
});

test('string building agrees with JavaScript string building', async () => {
  const s = fc.string({ maxLength: 10 }).map((x) => x.replace(/[\\'$\n\r]/g, ''));
  await fc.assert(
    fc.asyncProperty(s, s, fc.integer({ min: 0, max: 5 }), async (a, b, n) => {
      const { value } = await run(`def a = '${a}'\ndef b = '${b}'\n"\${a}|\${b}" + a * ${n} + (a + b).size()`);
      assert.equal(value, `${a}|${b}` + a.repeat(n) + String((a + b).length));
    }),
    { numRuns: 150 },
  );
});

test('a list sorted with a comparator closure is sorted, and sort keeps equal elements in order', async () => {
  const item = fc.record({ k: fc.integer({ min: 0, max: 5 }), id: fc.integer({ min: 0, max: 1000 }) });
  await fc.assert(
    fc.asyncProperty(fc.array(item, { maxLength: 30 }), async (items) => {
      const lit = `[${items.map((x) => `[k: ${x.k}, id: ${x.id}]`).join(', ')}]`;
      const { value } = await run(`def l = ${lit}\nl.sort { a, b -> a.k <=> b.k }\nl.collect { it.id }`);
      const expected = [...items].sort((x, y) => x.k - y.k).map((x) => x.id);
      assert.deepEqual(value, expected);
    }),
    { numRuns: 100 },
  );
});
