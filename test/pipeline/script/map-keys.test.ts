// Map keys of every type, as Groovy 2.4's LinkedHashMap keys them by Java's equals: an Integer key
// is not the String of its digits, a Long not an Integer, 1.5 not 1.50; keySet, each, for-in,
// toString and JSON give the keys back with their classes. Each expected text is what Groovy
// 2.4.21 printed for the same snippet (`groovy` on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './fake-host.ts';

async function printed(src: string): Promise<string> {
  const r = await run(`println(${src})`);
  return r.log.join('\n');
}

test('a key is found only by a key of its own class and value', async () => {
  const cases: [string, string][] = [
    ["[1L: 'a'][1]", 'null'],
    ["[1: 'a']['1']", 'null'],
    ["[1: 'a'][1]", 'a'],
    ["[(1): 'x'].keySet()*.getClass()", '[class java.lang.Integer]'],
    ["[1: 'a'].get(1L)", 'null'],
    ["[(1L): 'a'].get(1)", 'null'],
    ["[(1L): 'a'].get(1L)", 'a'],
    ['[1.5: 6][1.50]', 'null'],
    ['[1.5: 6][1.5]', '6'],
    ['[2.0d: 7][2]', 'null'],
    ['[2.0d: 7][2.0d]', '7'],
    ["[a: 1].a", '1'],
    ["[1: 'a'].containsValue('a')", 'true'],
    ["[1: 'a'].keySet().contains(1)", 'true'],
    ["[1: 'a'].keySet().contains('1')", 'false'],
    ["1 in [1: 'x']", 'true'],
    ["'1' in [1: 'x']", 'false'],
  ];
  for (const [src, want] of cases) assert.equal(await printed(src), want, src);
});

test('m[1] = v puts an Integer key: containsKey(1), not containsKey(\'1\')', async () => {
  const r = await run("def m = [:]\nm[1] = 'a'\nprintln(m.containsKey('1'))\nprintln(m.containsKey(1))\nm.put(2L, 'b')\nprintln(m[2])\nprintln(m[2L])\nm.remove(1)\nprintln(m)");
  assert.deepEqual(r.log, ['false', 'true', 'null', 'b', '[2:b]']);
});

test('keys that are Booleans, null, lists and numbers, and the words true and null as String keys', async () => {
  const src = "def n = [true: 1, null: 2, (null): 3, (false): 4, ([1,2]): 5, 1.5: 6, 2.0d: 7]\n" +
    "println(n)\n" +
    "println(n.keySet().collect { it == null ? 'NULL' : it.getClass().simpleName })\n" +
    "println(n[null]); println(n['null']); println(n[true]); println(n[[1,2]]); println(n[1.5])\n" +
    "def lk = [:]; lk[[1,2]] = 'x'; println(lk[[1,2]]); println(lk[[2,1]])";
  const r = await run(src);
  assert.deepEqual(r.log, [
    '[true:1, null:2, null:3, false:4, [1, 2]:5, 1.5:6, 2.0:7]',
    '[String, String, NULL, Boolean, ArrayList, BigDecimal, Double]',
    '3', '2', 'null', '5', '6',
    'x', 'null',
  ]);
});

test('an Integer key and a String key of the same digits are two entries, each seen with its class', async () => {
  const r = await run("def q = [1: 'a', '1': 'b']\nprintln(q)\nprintln(q.size())\n" +
    "def seen = []\nq.each { k, v -> seen << k.getClass().simpleName }\nprintln(seen)\n" +
    "seen = []\nfor (e in q) seen << e.key.getClass().simpleName\nprintln(seen)\n" +
    "println(q.entrySet()*.key*.getClass())\nprintln(\"${q}\")\nprintln(q.toString())");
  assert.deepEqual(r.log, ['[1:a, 1:b]', '2', '[Integer, String]', '[Integer, String]', '[class java.lang.Integer, class java.lang.String]', '[1:a, 1:b]', '[1:a, 1:b]']);
});

test('map methods give closures the keys with their classes', async () => {
  const cases: [string, string][] = [
    ["[1: 'a'].find { it.key == 1 }", '1=a'],
    ["[1: 'a'].collect { k, v -> k + 1 }", '[2]'],
    ["[1: 'a'] + ['1': 'b']", '[1:a, 1:b]'],
    ["[1: 'a', 2: 'b'].subMap([1])", '[1:a]'],
    ["[1: 'a', 2: 'b'].findAll { k, v -> k > 1 }", '[2:b]'],
    ["[1: 'a', 2: 'b'].max { it.key }", '2=b'],
    ["[2: 'b', 1: 'a'].sort()", '[1:a, 2:b]'],
    ["[10: 'b', 9: 'a'].sort()", '[9:a, 10:b]'],
    ["[1: 'a', 2: 'b'].inject(0) { acc, k, v -> acc + k }", '3'],
    ["[1: 'a'].collectEntries { k, v -> [k * 10, v] }", '[10:a]'],
  ];
  for (const [src, want] of cases) assert.equal(await printed(src), want, src);
});

test('groupBy, countBy and collectEntries keep the closure\'s keys as they are (Integer groups)', async () => {
  const cases: [string, string][] = [
    ['[1, 2, 3, 4].groupBy { it % 2 }', '[1:[1, 3], 0:[2, 4]]'],
    ['[1, 2, 3, 4].groupBy { it % 2 }[1]', '[1, 3]'],
    ["[1, 2, 3, 4].groupBy { it % 2 }['1']", 'null'],
    ['[1, 2, 3, 4].countBy { it % 2 }', '[1:2, 0:2]'],
    ["[1, 2, 3, 4].countBy { it % 2 }['1']", 'null'],
    ['[1, 2].collectEntries { [it, it * 2] }', '[1:2, 2:4]'],
    ['[1, 2].collectEntries { [it, it * 2] }[1]', '2'],
    ['[1, 2].collectEntries { [it, it * 2] }.keySet()*.getClass()', '[class java.lang.Integer, class java.lang.Integer]'],
    ["[a: 1, b: 2].groupBy { k, v -> v > 1 }[true]", '[b:2]'],
  ];
  for (const [src, want] of cases) assert.equal(await printed(src), want, src);
});

test('maps with keys of different classes are not equal', async () => {
  assert.equal(await printed("[1: 'a'] == ['1': 'a']"), 'false');
  assert.equal(await printed("[1: 'a'] == [1L: 'a']"), 'false');
  assert.equal(await printed("[1: 'a'] == [(1): 'a']"), 'true');
  assert.equal(await printed("[([1, 2]): 'a'] == [([1, 2]): 'a']"), 'true');
});

test('JsonOutput writes every key as its string; a map from JSON has String keys', async () => {
  assert.equal(await printed("groovy.json.JsonOutput.toJson([1: 'a', (true): 2, x: 3])"), '{"1":"a","true":2,"x":3}');
  const r = await run("def m = new groovy.json.JsonSlurperClassic().parseText('{\"1\": \"a\"}')\nprintln(m['1'])\nprintln(m[1])");
  assert.deepEqual(r.log, ['a', 'null']);
});

test('a String key that begins with a NUL character stays a String key', async () => {
  const r = await run("def k = '\\u0000#I1'\ndef m = [:]\nm[k] = 'str'\nm[1] = 'int'\nprintln(m.size())\nprintln(m[k])\nprintln(m.keySet()*.getClass()*.simpleName)\nprintln(m[1])");
  assert.deepEqual(r.log, ['2', 'str', '[String, Integer]', 'int']);
});

test('a step gets a map\'s keys as their strings', async () => {
  const r = await run("writeFile(file: 'x', text: 'y', extra: [1: 'one', (true): 'b', x: 'c'])");
  const call = r.host.calls.find((c) => c.name === 'writeFile');
  assert.ok(call, 'writeFile was called');
  const extra = call.args.named?.get('extra');
  assert.ok(extra instanceof Map);
  assert.deepEqual([...extra.keys()], ['1', 'true', 'x']);
});

test('Long, BigInteger and BigDecimal keys, TreeMap order and countBy over a map keep the keys\' classes', async () => {
  const r = await run([
    "def a = [1: 'x']",
    "def b = [2: 'y']; b.putAll(a)",
    'println(b.keySet()*.getClass()*.simpleName)',
    'println(new LinkedHashMap(a)[1])',
    'println((a as TreeMap).keySet()*.getClass()*.simpleName)',
    "println([3: 'c', 1: 'a'] as TreeMap)",
    "println([1: 'a'].countBy { k, v -> k })",
    "println([1: 'a', 2: 'b'].collectEntries { k, v -> [(v): k] })",
    "println([([1, 2]): 'a'].keySet()[0].getClass())",
    "println([1: [2: 'x']][1][2])",
    "println([(1L): 'a', (2G): 'b', 1.50: 'c'].keySet()*.getClass()*.simpleName)",
    "println([(1L): 'a', (2G): 'b', 1.50: 'c'])",
  ].join('\n'));
  assert.deepEqual(r.log, ['[Integer, Integer]', 'x', '[Integer]', '[1:a, 3:c]', '[1:1]', '[a:1, b:2]', 'class java.util.ArrayList', 'x', '[Long, BigInteger, BigDecimal]', '[1:a, 2:b, 1.50:c]']);
});
