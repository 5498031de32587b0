// Where Groovy 2.4 (the Groovy Jenkins runs) and Java decide a value's type or a result, and Kiln
// must decide alike: Math's overloads, JsonOutput's numbers, Java's equals in collections, method
// overloads of script functions. Each expected text is what Groovy 2.4.21 printed for the same
// snippet (`groovy` on this machine), as `value (Class)`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';

/** The value and its class's simple name, as `"${v} (${v.getClass().simpleName})"` prints them. */
async function typed(src: string): Promise<string> {
  const r = await run(`def v = ${src}\necho "\${v} (\${v?.getClass()?.simpleName})"`);
  return r.log[0]!;
}

async function failure(src: string): Promise<string> {
  try {
    await ev(src);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${src}: expected an error`);
}

test('Math.max/min/abs/round pick the overload Groovy picks for the arguments\' types', async () => {
  const cases: [string, string][] = [
    ['Math.max(1L, 2)', '2 (Long)'],
    ['Math.max(1, 2)', '2 (Integer)'],
    ['Math.max(1, 2.5d)', '2.5 (Double)'],
    ['Math.max(3, 2.5f)', '3.0 (Float)'],
    ['Math.max(1.5f, 2.5f)', '2.5 (Float)'],
    ['Math.min(1L, 2L)', '1 (Long)'],
    ['Math.min(1G, 2)', '1 (Integer)'],
    ['Math.max(Integer.MAX_VALUE, 1L)', '2147483647 (Long)'],
    ['Math.max(2.5, 1G)', '2.5 (Double)'],
    ['Math.abs(-2)', '2 (Integer)'],
    ['Math.abs(-2L)', '2 (Long)'],
    ['Math.abs(-2.5)', '2.5 (Double)'],
    ['Math.abs(-2.5f)', '2.5 (Float)'],
    ['Math.abs(-2d)', '2.0 (Double)'],
    ['Math.abs(Integer.MIN_VALUE)', '-2147483648 (Integer)'],
    ['Math.round(2.5d)', '3 (Long)'],
    ['Math.round(2.5f)', '3 (Integer)'],
    ['Math.round(-2.5d)', '-2 (Long)'],
    ['Math.round(2.5)', '3 (Long)'],
    ['Math.round(2)', '2 (Integer)'],
    ['Math.round(2L)', '2 (Integer)'],
    ['Math.floor(2.5)', '2.0 (Double)'],
    ['Math.floor(2)', '2.0 (Double)'],
    ['Math.floor(3G)', '3.0 (Double)'],
    ['Math.ceil(2.1f)', '3.0 (Double)'],
  ];
  for (const [src, want] of cases) assert.equal(await typed(src), want, src);
  assert.equal(await failure('Math.max(1, 2.5)'), 'Ambiguous method overloading for method java.lang.Math#max.\nCannot resolve which method to invoke for [class java.lang.Integer, class java.math.BigDecimal] due to overlapping prototypes between:\n\t[double, double]\n\t[float, float]');
  assert.equal(await failure("Math.max('a', 1)"), 'No signature of method: static java.lang.Math.max() is applicable for argument types: (java.lang.String, java.lang.Integer) values: [a, 1]');
  assert.equal(await failure('Math.round(null)'), 'No signature of method: static java.lang.Math.round() is applicable for argument types: (null) values: [null]');
});

test('JsonOutput.toJson writes each number with its own toString and escapes as Groovy 2.4 does', async () => {
  const cases: [string, string][] = [
    ['2d', '2.0'],
    ['2.5d', '2.5'],
    ['1.1f', '1.1'],
    ['1.10', '1.10'],
    ['5L', '5'],
    ['1e20d', '1.0E20'],
    ['0.0001d', '1.0E-4'],
    ['3000000000', '3000000000'],
    ['12345678901234567890G', '12345678901234567890'],
    ["[a: 2d, b: [1.10, 3L, null, true], c: 'x\"y\\n', d: 1G]", '{"a":2.0,"b":[1.10,3,null,true],"c":"x\\"y\\n","d":1}'],
    ["'é\\u0001/<\\t\\u007f\\u2028'", '"\\u00e9\\u0001/<\\t\\u007f\\u2028"'],
    ['[:]', '{}'],
    ["['x'] as Set", '["x"]'],
  ];
  for (const [src, want] of cases) assert.equal(await ev(`groovy.json.JsonOutput.toJson(${src})`), want, src);
  assert.equal(await failure('groovy.json.JsonOutput.toJson(0.0d / 0)'), "Number NaN can't be serialized as JSON: NaN are not allowed in JSON.");
});

test('JsonOutput.prettyPrint lays the tokens out as Groovy 2.4: four spaces, empty containers on three lines, strings re-escaped', async () => {
  const pretty = (json: string) => ev(`groovy.json.JsonOutput.prettyPrint(${JSON.stringify(json).replace(/\$/g, '\\$')})`);
  assert.equal(await pretty('{"a":[],"b":{},"c":[{"x":1}],"d":"a\\"b","e":-1.5e3,"f":"\\u00e9 é \\/"}'),
    '{\n    "a": [\n        \n    ],\n    "b": {\n        \n    },\n    "c": [\n        {\n            "x": 1\n        }\n    ],\n    "d": "a\\"b",\n    "e": -1.5e3,\n    "f": "\\u00e9 \\u00e9 /"\n}');
  assert.equal(await pretty('[]'), '[\n    \n]');
  assert.equal(await pretty('{"a" 1}'), '{\n    "a"1\n}', 'prettyPrint does not validate, as in Groovy');
  assert.equal(await failure('groovy.json.JsonOutput.prettyPrint(\'{"a":tru}\')'), "Lexing failed on line: 1, column: 10, while reading 'tru}', was trying to match the constant 'true'");
});

test('JsonSlurperClassic and JsonSlurper read numbers as Integer, Long, BigInteger or BigDecimal', async () => {
  const src = '{"a":1,"b":3000000000,"c":99999999999999999999,"d":1.5,"e":1e3,"f":1.10,"g":-0,"h":1E400}';
  for (const cls of ['JsonSlurperClassic', 'JsonSlurper']) {
    assert.equal(await ev(`new groovy.json.${cls}().parseText('${src}').collect { k, v -> "$k=$v:\${v.getClass().simpleName}" }.join(' ')`),
      'a=1:Integer b=3000000000:Long c=99999999999999999999:BigInteger d=1.5:BigDecimal e=1E+3:BigDecimal f=1.10:BigDecimal g=0:Integer h=1E+400:BigDecimal', cls);
  }
  assert.equal(toGroovyString(await ev("new groovy.json.JsonSlurperClassic().parseText('[{\"x\": [true, null, \"\\\\u00e9\"]}]')")), '[[x:[true, null, é]]]');
  assert.equal(await failure("new groovy.json.JsonSlurperClassic().parseText('{\"a\" 1}')"), "Expected a colon ':' on line: 1, column: 6.\nBut got '1' instead.");
  // JsonSlurperClassic's objects are HashMaps (Java's hash order), JsonSlurper's LazyMaps come sorted
  const text = '{"b2":1,"a10":2,"c":3,"B":4,"zz":{"y":1,"x":2}}';
  assert.equal(toGroovyString(await ev(`new groovy.json.JsonSlurperClassic().parseText('${text}')`)), '[b2:1, zz:[x:2, y:1], a10:2, B:4, c:3]');
  assert.equal(toGroovyString(await ev(`new groovy.json.JsonSlurper().parseText('${text}')`)), '[B:4, a10:2, b2:1, c:3, zz:[x:2, y:1]]');
  assert.equal(toGroovyString(await ev(`new groovy.json.JsonSlurperClassic().parseText('{"zz":1,"a":2,"mm":3,"b":4}')`)), '[zz:1, mm:3, a:2, b:4]');
});

test('script functions, class methods and constructors overloaded by parameter types: Groovy picks the nearest to the arguments\' classes', async () => {
  const defs = `
def f(String s) { "String:$s" }
def f(Integer i) { "Integer:$i" }
def f(Map m) { "Map:$m" }
def f(Object o) { "Object:$o" }
def g(Number n) { 'Number' }
def g(Integer i) { 'Integer' }
def h(Object a, String b) { 'OS' }
def h(String a, Object b) { 'SO' }
def k(List l) { 'List' }
def k(Collection c) { 'Collection' }
def n(Integer a, Object b) { 'IO' }
def n(Number a, String b) { 'NS' }
def t(long a) { 'long' }
def t(double a) { 'double' }
def u(BigDecimal a) { 'BD' }
def u(Double a) { 'D' }
def w(x) { 'untyped' }
def w(String s) { 'S' }
class C {
  def v
  C(String s) { v = "S:$s" }
  C(Integer i) { v = "I:$i" }
  C(Map m, int x) { v = "M:$x" }
  String toString() { v }
  def m(CharSequence s) { 'CS' }
  def m(String s) { 'Str' }
  def m(Integer i) { 'Int' }
  static s(Integer i) { 'static Int' }
  static s(String x) { 'static Str' }
}
`;
  const got = (await run(`${defs}
echo([f('a'), f(1), f([a: 1]), f(2L), f([1]), f(null), g(1), g(1L), g(1.5)].join(' '))
echo([k([1]), k([1] as Set), n(1, 'x'), t(1), t(1.5), u(1), u(1.5), u(1.5d), w('x'), w(1), w(null)].join(' '))
echo([new C('a').v, new C(1).v, new C([:], 3).v, new C('x').m('s'), new C('x').m(2), C.s(1), C.s('q')].join(' '))
`)).log;
  assert.deepEqual(got, [
    'String:a Integer:1 Map:[a:1] Object:2 Object:[1] Object:null Integer Number Number',
    'List Collection NS long double D BD D S untyped untyped',
    'S:a I:1 M:3 Str Int static Int static Str',
  ]);
  assert.equal(await failure(`${defs}\nh('a', 'b')`), 'Ambiguous method overloading for method WorkflowScript#h.\nCannot resolve which method to invoke for [class java.lang.String, class java.lang.String] due to overlapping prototypes between:\n\t[class java.lang.Object, class java.lang.String]\n\t[class java.lang.String, class java.lang.Object]');
  assert.equal(await failure(`${defs}\nnew C(1.5)`), 'Could not find matching constructor for: C(java.math.BigDecimal)');
  assert.equal(await failure(`${defs}\ng('x')`), 'No signature of method: WorkflowScript.g() is applicable for argument types: (java.lang.String) values: [x]');
  // a second definition with the same parameter types replaces the first, as before
  assert.equal(await ev("def z(String a) { 1 }\ndef z(String b) { 2 }\nz('q')"), 2);
});

test('collections compare with Java\'s equals where Groovy calls the Java method, with Groovy\'s == elsewhere', async () => {
  const cases: [string, string][] = [
    ['[2d].contains(2)', 'false (Boolean)'],
    ['2d in [2]', 'false (Boolean)'],
    ['2 in [2d]', 'false (Boolean)'],
    ['[1L].contains(1)', 'false (Boolean)'],
    ['[1L].contains(1L)', 'true (Boolean)'],
    ['[1.0].contains(1.00)', 'false (Boolean)'],
    ['[1.5].contains(1.5d)', 'false (Boolean)'],
    ['[1G].contains(1)', 'false (Boolean)'],
    ['[[1]].contains([1L])', 'false (Boolean)'],
    ['[[a: 1]].contains([a: 1L])', 'false (Boolean)'],
    ['[1L, 2L].indexOf(2)', '-1 (Integer)'],
    ['[1, 1L].lastIndexOf(1)', '0 (Integer)'],
    ['[1, 2L].containsAll([2])', 'false (Boolean)'],
    ['[a: 1L].containsValue(1)', 'false (Boolean)'],
    ['{ def l = [1, 2L]; l.removeAll([2]); l }()', '[1, 2] (ArrayList)'],
    ['{ def l = [1, 2L]; l.retainAll([2]); l }()', '[] (ArrayList)'],
    ['{ def l = [1, 2L]; l.removeElement(2); l }()', '[1, 2] (ArrayList)'],
    ['([1, 2L] as Set).contains(2)', 'false (Boolean)'],
    ['[1, 2, 2L].toSet().size()', '3 (Integer)'],
    ['{ switch (2L) { case [2]: return "yes"; default: return "no" } }()', 'no (String)'],
    // Groovy's own methods and == coerce numbers
    ['{ switch (2L) { case 2: return "yes"; default: return "no" } }()', 'yes (String)'],
    ['[1] == [1L]', 'true (Boolean)'],
    ['[a: 1] == [a: 1L]', 'true (Boolean)'],
    ['([1] as Set) == ([1L] as Set)', 'true (Boolean)'],
    ['[1, 1L, 1d].unique()', '[1] (ArrayList)'],
    ['[1, 2L, 3] - [2]', '[1, 3] (ArrayList)'],
    ['[1, 2L, 3].intersect([2, 3L])', '[2, 3] (ArrayList)'],
    ['[1, 2].count(1L)', '1 (Integer)'],
    ['[1, 2L].grep(2)', '[2] (ArrayList)'],
    ['[1, 2, 3].disjoint([2L])', 'false (Boolean)'],
  ];
  for (const [src, want] of cases) assert.equal(await typed(src), want, src);
});

test('String.format and sprintf as Java\'s Formatter: %g, %(, %<s, a List argument, the missing-argument message', async () => {
  const cases: [string, string][] = [
    ["String.format('%g', 1234.5678d)", '1234.57'],
    ["String.format('%g', 0.00012345d)", '0.000123450'],
    ["String.format('%g', 0.00001d)", '1.00000e-05'],
    ["String.format('%g', 1.0e10d)", '1.00000e+10'],
    ["String.format('%.1g', 0.95d)", '1'],
    ["String.format('%.2g', 123.0d)", '1.2e+02'],
    ["String.format('%g', 0.0d)", '0.00000'],
    ["String.format('%g', 1234.5678)", '1234.57'],
    ["String.format('%(d', -5)", '(5)'],
    ["String.format('%(,.2f', -1234.5d)", '(1,234.50)'],
    ["String.format('%s %<s', 'a')", 'a a'],
    ["String.format('%,d', 1234567)", '1,234,567'],
    ["String.format('%x', -1L)", 'ffffffffffffffff'],
    ["String.format('%x', -1)", 'ffffffff'],
    ["String.format('%o', 8)", '10'],
    ["String.format('%b %b %b', true, null, 'x')", 'true false true'],
    ["String.format('%c', 65)", 'A'],
    ["String.format('%-10s|', 'ab')", 'ab        |'],
    ["String.format('%05.1f', 3.14159d)", '003.1'],
    ["String.format('%e', 1234.5678d)", '1.234568e+03'],
    ["String.format('%s', [1, 2])", '[1, 2]'],
    ["String.format('%s %s', 'a b'.split(' '))", 'a b'],
    ["sprintf('%s|%s', [1, 2])", '1|2'],
  ];
  for (const [src, want] of cases) assert.equal(await ev(src), want, src);
  assert.equal(await failure("String.format('%d')"), "Format specifier '%d'");
});

/** The exception a snippet throws, as `java.class.Name: message`. */
async function thrown(src: string): Promise<string> {
  try {
    await ev(src);
  } catch (e) {
    return `${(e as { javaClass?: string }).javaClass}: ${(e as Error).message}`;
  }
  assert.fail(`${src}: expected an error`);
}

test('String.format as Java\'s Formatter: %a, %h, %e of a BigDecimal, zeros inside the sign and after 0x, # with no decimals', async () => {
  const cases: [string, string][] = [
    ["String.format('%a', 1d)", '0x1.0p0'],
    ["String.format('%a', 0.1d)", '0x1.999999999999ap-4'],
    ["String.format('%A', -2.5d)", '-0X1.4P1'],
    ["String.format('%.2a', 0.1d)", '0x1.9ap-4'],
    ["String.format('%a', 1.5f)", '0x1.8p0'],
    ["String.format('%h', 12)", 'c'],
    ["String.format('%H', 'hello')", '5E918D2'],
    ["String.format('%h', true)", '4cf'],
    ["String.format('%h', 1.5d)", '3ff80000'],
    ["String.format('%h', null)", 'null'],
    ["String.format('%.3e', 0.00012345G)", '1.235e-04'],
    ["String.format('%.20e', 0.1d)", '1.00000000000000000000e-01'],
    ["String.format('%.2e', 9.999d)", '1.00e+01'],
    ["String.format('%#.0e', 15d)", '2.e+01'],
    ["String.format('%#.0f', 2d)", '2.'],
    ["String.format('%010.3e', -1.5d)", '-1.500e+00'],
    ["String.format('%(08d', -5)", '(000005)'],
    ["String.format('%#010x', 255)", '0x000000ff'],
    ["String.format('%+x', 255G)", '+ff'],
    ["String.format('%(x', -255G)", '(ff)'],
    ["String.format('%#x', -255G)", '-0xff'],
    ["String.format('%.2b', true)", 'tr'],
    ["String.format('%2$s %s %<s', 'a', 'b')", 'b a a'],
    ["String.format('%s', [a: 1, b: [[c: 2]]])", '{a=1, b=[{c=2}]}'],
    ["String.valueOf([a: 1])", '{a=1}'],
    ["String.format('%-5%|')", '%    |'],
  ];
  for (const [src, want] of cases) assert.equal(await ev(src), want, src);
});

test('String.format refuses what Java\'s Formatter refuses, with its exception and words, before using any argument', async () => {
  const cases: [string, string][] = [
    ["String.format('100%')", "java.util.UnknownFormatConversionException: Conversion = '%'"],
    ["String.format('%.x', 1)", "java.util.UnknownFormatConversionException: Conversion = '.'"],
    ["String.format('%d %q')", "java.util.UnknownFormatConversionException: Conversion = 'q'"],
    ["String.format('%#g', 1d)", 'java.util.FormatFlagsConversionMismatchException: Conversion = g, Flags = #'],
    ["String.format('%,e', 15d)", 'java.util.FormatFlagsConversionMismatchException: Conversion = e, Flags = ,'],
    ["String.format('%+s', 'a')", 'java.util.FormatFlagsConversionMismatchException: Conversion = s, Flags = +'],
    ["String.format('%#s', 'a')", 'java.util.FormatFlagsConversionMismatchException: Conversion = s, Flags = #'],
    ["String.format('%(x', -1)", 'java.util.FormatFlagsConversionMismatchException: Conversion = x, Flags = ('],
    ["String.format('%#d', 1)", 'java.util.FormatFlagsConversionMismatchException: Conversion = d, Flags = #'],
    ["String.format('%.2d', 1)", 'java.util.IllegalFormatPrecisionException: 2'],
    ["String.format('%-d', 1)", 'java.util.MissingFormatWidthException: %-d'],
    ["String.format('%-05d', 1)", "java.util.IllegalFormatFlagsException: Flags = '-0'"],
    ["String.format('%+ d', 1)", "java.util.IllegalFormatFlagsException: Flags = '+ '"],
    ["String.format('%--5d', 1)", "java.util.DuplicateFormatFlagsException: Flags = '-'"],
    ["String.format('%5n')", 'java.util.IllegalFormatWidthException: 5'],
    ["String.format('%0%')", "java.util.IllegalFormatFlagsException: Flags = '0'"],
    ["String.format('%3$s', 'a')", "java.util.MissingFormatArgumentException: Format specifier '%3$s'"],
    ["String.format('%0$s', 'a')", 'java.util.IllegalFormatArgumentIndexException: Illegal format argument index = 0'],
    ["String.format('%a', 1.5G)", 'java.util.IllegalFormatConversionException: a != java.math.BigDecimal'],
    ["String.format('%c', 'xy')", 'java.util.IllegalFormatConversionException: c != java.lang.String'],
    ["sprintf('%s', null)", 'java.lang.NullPointerException: Cannot invoke "Object.getClass()" because "arg" is null'],
  ];
  for (const [src, want] of cases) assert.equal(await thrown(src), want, src);
});

test('Math\'s int/long methods and signum pick Groovy\'s overload, and the *Exact ones overflow as Java\'s do', async () => {
  const cases: [string, string][] = [
    ['Math.floorDiv(-7, 2)', '-4 (Integer)'],
    ['Math.floorDiv(-7L, 2)', '-4 (Long)'],
    ['Math.floorDiv(-7, 2L)', '-4 (Long)'],
    ['Math.floorDiv(-2147483648, -1)', '-2147483648 (Integer)'],
    ['Math.floorMod(-7, 2L)', '1 (Long)'],
    ['Math.floorMod(-7L, 2)', '1 (Integer)'],
    ['Math.addExact(2147483647L, 1)', '2147483648 (Long)'],
    ['Math.multiplyExact(3L, 4)', '12 (Long)'],
    ['Math.toIntExact(5)', '5 (Integer)'],
    ['Math.signum(2)', '1.0 (Float)'],
    ['Math.signum(-2L)', '-1.0 (Float)'],
    ['Math.signum(2.5)', '1.0 (Double)'],
    ['Math.signum(1.5G)', '1.0 (Double)'],
    ['Long.max(1, 2)', '2 (Long)'],
    ['Long.min(5L, 2)', '2 (Long)'],
  ];
  for (const [src, want] of cases) assert.equal(await typed(src), want, src);
  assert.equal(await thrown('Math.addExact(2147483647, 1)'), 'java.lang.ArithmeticException: integer overflow');
  assert.equal(await thrown('Math.toIntExact(5000000000L)'), 'java.lang.ArithmeticException: integer overflow');
  assert.equal(await thrown('Math.negateExact(-2147483648)'), 'java.lang.ArithmeticException: integer overflow');
  assert.equal(await thrown('Math.incrementExact(9223372036854775807L)'), 'java.lang.ArithmeticException: long overflow');
  assert.equal(await thrown('Math.floorDiv(7, 0)'), 'java.lang.ArithmeticException: / by zero');
  assert.equal(await thrown('Math.floorDiv(1.5, 1)'), 'groovy.lang.MissingMethodException: No signature of method: static java.lang.Math.floorDiv() is applicable for argument types: (java.math.BigDecimal, java.lang.Integer) values: [1.5, 1]');
});

test('a number\'s equals is Java\'s: the same class and value, and a BigDecimal\'s scale too', async () => {
  const cases: [string, string][] = [
    ['1.equals(1L)', 'false (Boolean)'],
    ['1L.equals(1)', 'false (Boolean)'],
    ['2d.equals(2)', 'false (Boolean)'],
    ['1.50.equals(1.5)', 'false (Boolean)'],
    ['1.5.equals(1.5)', 'true (Boolean)'],
    ['(1.1 + 2.2).equals(3.3)', 'true (Boolean)'],
    ['3000000000.equals(3000000000L)', 'true (Boolean)'],
    ['1.5f.equals(1.5d)', 'false (Boolean)'],
    ['1 == 1L', 'true (Boolean)'],
    ['1.50 == 1.5', 'true (Boolean)'],
  ];
  for (const [src, want] of cases) assert.equal(await typed(src), want, src);
});

test('JsonSlurperClassic reads as Groovy 2.4\'s: its leniencies, and its errors word for word', async () => {
  const ok: [string, string][] = [
    ["new groovy.json.JsonSlurperClassic().parseText('[1,]')", '[1] (ArrayList)'],
    ["new groovy.json.JsonSlurperClassic().parseText('{\"a\":1,}')", '[a:1] (LinkedHashMap)'],
    ["new groovy.json.JsonSlurperClassic().parseText('[1] [2]')", '[1] (ArrayList)'],
    ["new groovy.json.JsonSlurperClassic().parseText('[01]')", '[1] (ArrayList)'],
    ["new groovy.json.JsonSlurperClassic().parseText('{\"a\":[{\"b\":null}],\"a\":2}')", '[a:2] (LinkedHashMap)'],
    ["groovy.json.JsonOutput.toJson([d: new Date(86400000)])", '{"d":"1970-01-02T00:00:00+0000"} (String)'],
  ];
  for (const [src, want] of ok) assert.equal(await typed(src), want, src);
  const bad: [string, string][] = [
    ['{"a":}', "groovy.json.JsonException: Expected a value, an array, or an object on line: 1, column: 6.\nBut got '}' instead."],
    ['{"a":1', 'groovy.json.JsonException: Expected a value on line: 1, column: 7.\nBut got an unterminated object.'],
    ['{"a" 1}', "groovy.json.JsonException: Expected a colon ':' on line: 1, column: 6.\nBut got '1' instead."],
    ['{"a"', "groovy.json.JsonException: Expected a a colon ':' on line: 1, column: 5.\nBut got an unterminated object."],
    ['{1:2}', "groovy.json.JsonException: Expected a string key on line: 1, column: 2.\nBut got '1' instead."],
    ['{', 'groovy.json.JsonException: Expected a String key on line: 1, column: 2.\nBut got an unterminated object.'],
    ['{a:1}', "groovy.json.JsonException: Lexing failed on line: 1, column: 2, while reading 'a', no possible valid JSON value or punctuation could be recognized."],
    ['[1 2]', "groovy.json.JsonException: Expected a value or a closing square bracket ']' on line: 1 column: 4.\nBut got '2' instead."],
    ['{"a":1 "b":2}', "groovy.json.JsonException: Expected a value or a closing curly brace '}' on line: 1, column: 8.\nBut got '\"b\"' instead."],
    ['[tru]', "groovy.json.JsonException: Lexing failed on line: 1, column: 6, while reading 'tru]', was trying to match the constant 'true'"],
    ['[1.]', "groovy.json.JsonException: Lexing failed on line: 1, column: 4, while reading '1.', was trying to match a number"],
    ['["a\\\\x"]', 'groovy.json.JsonException: Expected a value on line: 1, column: 8.\nBut got an unterminated array.'],
    ['\\n\\n  [1,\\n  }', "groovy.json.JsonException: Expected a value, an array, or an object on line: 4, column: 3.\nBut got '}' instead."],
    ['true', "groovy.json.JsonException: A JSON payload should start with an openning curly brace '{' or an openning square bracket '['.\nInstead, 'true' was found on line: 1, column: 1"],
    ['', 'java.lang.IllegalArgumentException: The JSON input text should neither be null nor empty.'],
    ['   ', 'java.lang.NullPointerException: Cannot invoke "groovy.json.JsonToken.getType()" because "token" is null'],
  ];
  for (const [text, want] of bad) assert.equal(await thrown(`new groovy.json.JsonSlurperClassic().parseText('${text}')`), want, text);
});

test('a class\'s method or constructor whose typed parameters do not take the arguments is not called: Groovy\'s MissingMethodException', async () => {
  const cls = "class C {\n  def t(int i) { 'int' }\n  static u(int i) { 'int' }\n  static u(String s) { 'str' }\n  C() {}\n  C(int x) {}\n}\n";
  assert.equal(await thrown(`${cls}new C().t('a')`), 'groovy.lang.MissingMethodException: No signature of method: C.t() is applicable for argument types: (java.lang.String) values: [a]');
  assert.equal(await thrown(`${cls}new C().t(1L)`), 'groovy.lang.MissingMethodException: No signature of method: C.t() is applicable for argument types: (java.lang.Long) values: [1]');
  assert.equal(await thrown(`${cls}C.u(1.5)`), 'groovy.lang.MissingMethodException: No signature of method: static C.u() is applicable for argument types: (java.math.BigDecimal) values: [1.5]');
  assert.equal(await thrown(`${cls}new C('a')`), 'groovy.lang.GroovyRuntimeException: Could not find matching constructor for: C(java.lang.String)');
  assert.equal(await ev(`${cls}new C().t(5)`), 'int');
  assert.equal(await ev(`${cls}C.u('x')`), 'str');
});

test('intersect walks the smaller collection and keeps its elements, order and duplicates; & is no collection operator in Groovy 2.4', async () => {
  const cases: [string, string][] = [
    ['[1, 2, 3].intersect([2L, 3d]).collect { it.getClass().simpleName }', '[Long, Double] (ArrayList)'],
    ['[1, 1, 2].intersect([1, 1])', '[1, 1] (ArrayList)'],
    ['[3, 1, 2].intersect([2, 3])', '[2, 3] (ArrayList)'],
    ['[3, 1, 2].intersect([2, 3, 9, 8])', '[3, 2] (ArrayList)'],
    ['([1, 2, 3] as Set).intersect([2, 2])', '[2] (LinkedHashSet)'],
  ];
  for (const [src, want] of cases) assert.equal(await typed(src), want, src);
  assert.equal(await thrown('[1, 2] & [2]'), 'groovy.lang.MissingMethodException: No signature of method: java.util.ArrayList.and() is applicable for argument types: (java.util.ArrayList) values: [[2]]');
  assert.equal(await thrown('[a: 1] * 2'), 'groovy.lang.MissingMethodException: No signature of method: java.util.LinkedHashMap.multiply() is applicable for argument types: (java.lang.Integer) values: [2]');
});
