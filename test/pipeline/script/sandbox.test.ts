// The script sandbox as Jenkins' script-security has it: the classes its default whitelist
// allows run with their real behaviour (Date and its formatting, TimeZone, SimpleDateFormat,
// JsonSlurper, Collections, Arrays, Random, Math, URLEncoder, UUID), and a call it does not allow
// fails at its line with Jenkins' RejectedAccessException message, "Scripts not permitted to use
// <signature>", the signature in Jenkins' form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { resolveClass, DEFAULT_IMPORTS } from '../../../src/pipeline/script/java-classes.ts';

async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

const rejectedCases: [string, string, number, number][] = [
  ["def f = new File('/etc/passwd')", 'new java.io.File java.lang.String', 1, 9],
  ["def f = new java.io.File('/tmp', 'x')", 'new java.io.File java.lang.String java.lang.String', 1, 9],
  ["def home = System.getenv('HOME')", 'staticMethod java.lang.System getenv java.lang.String', 1, 12],
  ['def all = System.getenv()', 'staticMethod java.lang.System getenv', 1, 11],
  ['\n\nSystem.exit(1)', 'staticMethod java.lang.System exit int', 3, 1],
  ["System.out.println('x')", 'staticField java.lang.System out', 1, 1],
  ["'rm -rf /'.execute()", 'staticMethod org.codehaus.groovy.runtime.ProcessGroovyMethods execute java.lang.String', 1, 12],
  ["['ls'].execute()", 'staticMethod org.codehaus.groovy.runtime.ProcessGroovyMethods execute java.util.List', 1, 8],
  ["Class.forName('java.lang.Runtime')", 'staticMethod java.lang.Class forName java.lang.String', 1, 1],
  ["Runtime.getRuntime().exec('ls')", 'staticMethod java.lang.Runtime getRuntime', 1, 1],
  ["def x = 'a'\nx.getClass().getClassLoader()", 'method java.lang.Class getClassLoader', 2, 14],
  ["def x = 'a'\nx.class.classLoader", 'method java.lang.Class getClassLoader', 2, 9],
  ["def x = 'a'\nx.metaClass.foo = 1", 'staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods getMetaClass java.lang.Object', 2, 3],
  ["Eval.me('1')", 'staticMethod groovy.util.Eval me java.lang.String', 1, 1],
  ['Thread.sleep(1000)', 'staticMethod java.lang.Thread sleep long', 1, 1],
  ["import jenkins.model.Jenkins\nJenkins.instance.getItem('x')", 'staticMethod jenkins.model.Jenkins getInstance', 2, 1],
  ["jenkins.model.Jenkins.get()", 'staticMethod jenkins.model.Jenkins get', 1, 1],
  ["new URL('https://example.com').text", 'staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods getText java.net.URL', 1, 32],
  ["new ProcessBuilder('ls').start()", 'new java.lang.ProcessBuilder java.lang.String[]', 1, 1],
  ["'x'.respondsTo('size')", 'staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods respondsTo java.lang.Object java.lang.String', 1, 5],
  ['java.nio.file.Files.readAllLines(null)', 'staticMethod java.nio.file.Files readAllLines java.lang.Object', 1, 1],
  ['Math.foo(1)', 'staticMethod java.lang.Math foo java.lang.Integer', 1, 1],
  ["new Date().toInstant()", 'method java.util.Date toInstant', 1, 12],
  ["TimeZone.getTimeZone('UTC').getID()", 'method java.util.TimeZone getID', 1, 29],
];

test('what the sandbox does not allow fails with Jenkins\' message, at the call', async () => {
  for (const [src, signature, line, col] of rejectedCases) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError, `${src}: ${String(err)}`);
    assert.equal(err.message, `Scripts not permitted to use ${signature}`, src);
    assert.equal(err.javaClass, 'org.jenkinsci.plugins.scriptsecurity.sandbox.RejectedAccessException', src);
    assert.deepEqual([err.loc?.start.line, err.loc?.start.col], [line, col], `${src}: ${err.message}`);
  }
});

test("Object.prototype's members are no static methods: Math.constructor(5), Math.valueOf() are refused, not JavaScript's Object", async () => {
  for (const [src, signature] of [
    ['Math.constructor(5)', 'staticMethod java.lang.Math constructor java.lang.Integer'],
    ['Math.constructor()', 'staticMethod java.lang.Math constructor'],
    ['Math.__proto__(1)', 'staticMethod java.lang.Math __proto__ java.lang.Integer'],
    ['Math.valueOf()', 'staticMethod java.lang.Math valueOf'],
    ['Math.toString(1)', 'staticMethod java.lang.Math toString java.lang.Integer'],
    ['Math.isPrototypeOf(1)', 'staticMethod java.lang.Math isPrototypeOf java.lang.Integer'],
    ["System.constructor('x')", 'staticMethod java.lang.System constructor java.lang.String'],
  ] as const) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError, `${src}: ${String(err)}`);
    assert.equal(err.message, `Scripts not permitted to use ${signature}`, src);
  }
  // without a static method of the name, Groovy calls the Class object's own: as Jenkins prints it
  assert.equal((await run('Math.toString()')).value, 'class java.lang.Math');
});

test("\\p{constructor} and \\p{toString} are no character classes (Object.prototype's members were taken for POSIX classes)", async () => {
  for (const name of ['constructor', 'toString', '__proto__']) {
    const err = await caught(run(`'a' ==~ /\\p{${name}}/`));
    assert.ok(err instanceof ScriptError, `${name}: ${String(err)}`);
    assert.equal(err.javaClass, 'java.util.regex.PatternSyntaxException', name);
  }
  assert.equal((await run("'a' ==~ /\\p{Lower}/")).value, true);
});

test('a refused call can be caught like the RuntimeException it is', async () => {
  const { value } = await run("try { new File('x') } catch (SecurityException e) { e.message }");
  assert.equal(value, 'Scripts not permitted to use new java.io.File java.lang.String');
  const r2 = await run("try { System.getenv('X') } catch (Exception e) { 'caught' }");
  assert.equal(r2.value, 'caught');
});

test('class names: default imports, qualified names, imports, classes as values', async () => {
  assert.equal(resolveClass('Date'), 'java.util.Date');
  assert.equal(resolveClass('Math'), 'java.lang.Math');
  assert.equal(resolveClass('JsonOutput'), null, 'groovy.json is not a default import');
  assert.equal(resolveClass('groovy.json.JsonOutput'), 'groovy.json.JsonOutput');
  assert.equal(resolveClass('com.acme.Thing'), 'com.acme.Thing');
  assert.equal(resolveClass('Foo'), null);
  assert.equal(DEFAULT_IMPORTS.get('File'), 'java.io.File');
  assert.equal(await ev("import groovy.json.JsonOutput\nJsonOutput.toJson([a: 1])"), '{"a":1}');
  assert.equal(await ev("import java.text.SimpleDateFormat\nnew SimpleDateFormat('yyyy').format(new Date(0))").then(String).then((s) => s.length), 4);
  assert.equal(await show('Math'), 'class java.lang.Math');
  assert.equal(await ev("'x'.getClass().name"), 'java.lang.String');
  assert.equal(await ev("'x'.class.simpleName"), 'String');
  assert.equal(await ev('[1].getClass().getName()'), 'java.util.ArrayList');
  assert.equal(await ev("[class: 'k'].class"), 'k', 'on a map, .class is the key');
  assert.equal(await ev('hudson.model.Result.FAILURE.toString()'), 'FAILURE');
  const e = await caught(run('def x = new Foo()'));
  assert.ok(e instanceof ScriptError && e.message === 'unable to resolve class Foo', String(e));
  // workflow-cps imports hudson.model.* and jenkins.model.* into every script: Jenkins is the class, which the sandbox refuses
  const e2 = await caught(run('Jenkins.instance'));
  assert.ok(e2 instanceof ScriptError && e2.message === 'Scripts not permitted to use staticMethod jenkins.model.Jenkins getInstance', String(e2));
  assert.equal(await ev('Result.FAILURE.toString()'), 'FAILURE');
});

test('Date, TimeZone and SimpleDateFormat format and parse as Java does', async () => {
  const utc = "TimeZone.getTimeZone('UTC')";
  assert.equal(await ev(`new Date(0).format('yyyy-MM-dd HH:mm:ss.SSS', ${utc})`), '1970-01-01 00:00:00.000');
  assert.equal(await ev(`new Date(1700000000123).format("EEE, d MMM yyyy hh:mm a z '(ISO' yyyy-MM-dd'T'HH:mm:ssXXX')'", ${utc})`),
    'Tue, 14 Nov 2023 10:13 PM UTC (ISO 2023-11-14T22:13:20Z)');
  assert.equal(await ev("new Date(0).format('yyyy-MM-dd HH:mm z Z', TimeZone.getTimeZone('America/New_York'))"), '1969-12-31 19:00 EST -0500');
  assert.equal(await ev("new Date(0).format('HH:mm', TimeZone.getTimeZone('GMT+05:30'))"), '05:30');
  assert.equal(await ev("new Date(0).format('HH:mm z', TimeZone.getTimeZone('No/Such_Zone'))"), '00:00 GMT', 'an unknown zone is GMT');
  assert.equal(await ev(`def f = new java.text.SimpleDateFormat('yyyyMMdd-HHmm')\nf.setTimeZone(${utc})\nf.format(new Date(86400000L * 366))`), '19710102-0000');
  // without the L, 86400000 * 366 overflows an int as in Java (1557628928 ms)
  assert.equal(await ev(`def f = new java.text.SimpleDateFormat('yyyyMMdd-HHmm')\nf.setTimeZone(${utc})\nf.format(new Date(86400000 * 366))`), '19700119-0040');
  assert.equal(await ev(`def f = new java.text.SimpleDateFormat('yyyy-MM-dd HH:mm')\nf.timeZone = ${utc}\nf.parse('2024-02-29 13:45').time`), Date.UTC(2024, 1, 29, 13, 45));
  assert.equal(await ev(`def d = new Date(0)\n(d + 1).format('yyyy-MM-dd', ${utc}) + ' ' + ((d + 10) - d)`), '1970-01-02 10');
  assert.equal(await ev('def a = new Date(0)\ndef b = new Date(1000)\n[a.before(b), a.after(b), a.time, b.getTime()]').then((v) => toGroovyString(v)), '[true, false, 0, 1000]');
  assert.equal(typeof (await ev('new Date().time')), 'number');
  assert.equal(await ev('new Date() instanceof Date'), true);
  const bad = await caught(run("new Date().format('yyyy-bb')"));
  assert.ok(bad instanceof ScriptError && bad.message === "Illegal pattern character 'b'" && bad.javaClass === 'java.lang.IllegalArgumentException', String(bad));
  const unparseable = await caught(run("new java.text.SimpleDateFormat('yyyy-MM-dd').parse('soon')"));
  assert.ok(unparseable instanceof ScriptError && unparseable.message === 'Unparseable date: "soon"', String(unparseable));
});

test('JsonSlurper and JsonSlurperClassic parse alike; JsonOutput writes and pretty-prints', async () => {
  for (const cls of ['groovy.json.JsonSlurper', 'groovy.json.JsonSlurperClassic']) {
    assert.equal(await show(`def o = new ${cls}().parseText('{"a": [1, 2.5, null], "b": {"c": true}}')\n[o.a, o.b.c, o.a[1] + 1]`), '[[1, 2.5, null], true, 3.5]');
  }
  const e = await caught(run("new groovy.json.JsonSlurper().parseText('{oops')"));
  assert.ok(e instanceof ScriptError && e.javaClass === 'groovy.json.JsonException', String(e));
  assert.equal(await ev("groovy.json.JsonOutput.toJson([name: 'x', n: [1, 2]])"), '{"name":"x","n":[1,2]}');
  assert.equal(await ev("groovy.json.JsonOutput.prettyPrint('{\"a\":1}')"), '{\n    "a": 1\n}');
});

test('Collections, Arrays, Random, Math, URLEncoder, UUID', async () => {
  assert.equal(await show('def l = [3, 1, 2]\nCollections.sort(l)\nl'), '[1, 2, 3]');
  assert.equal(await show('def l = [3, 1, 2]\nCollections.sort(l, { a, b -> b <=> a })\nl'), '[3, 2, 1]');
  assert.equal(await show('def l = [1, 2, 3]\nCollections.reverse(l)\nl'), '[3, 2, 1]');
  assert.equal(await show('[Collections.max([4, 9, 2]), Collections.min([4, 9, 2]), Collections.frequency([1, 2, 1], 1)]'), '[9, 2, 2]');
  assert.equal(await show("Collections.unmodifiableList(['a'])"), '[a]');
  assert.equal(await show("[Collections.emptyList(), Collections.emptyMap(), Collections.singletonList('x'), Collections.nCopies(2, 'y')]"), '[[], [:], [x], [y, y]]');
  assert.equal(await show("Arrays.asList('a', 'b')"), '[a, b]');
  assert.equal(await show('java.util.Arrays.toString([1, null])'), '[1, null]');
  // Java's generator: the same seed gives Java's numbers
  assert.equal(await show('def r = new Random(42)\n[r.nextInt(10), r.nextInt(100), r.nextInt()]'), '[0, 63, -1360544799]');
  assert.equal(await show('[Math.abs(-3), Math.max(2, 9), Math.min(2, 9), Math.floor(2.7), Math.ceil(2.1), Math.sqrt(16), Math.cbrt(27), Math.hypot(3, 4)]'), '[3, 9, 2, 2.0, 3.0, 4.0, 3.0, 5.0]');
  const rnd = await ev('Math.random()');
  assert.ok(typeof rnd === 'number' && rnd >= 0 && rnd < 1);
  assert.equal(await ev("URLEncoder.encode('a b&c=d/é', 'UTF-8')"), 'a+b%26c%3Dd%2F%C3%A9');
  assert.equal(await ev("URLDecoder.decode('a+b%26c', 'UTF-8')"), 'a b&c');
  assert.match(String(await ev('UUID.randomUUID().toString()')), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(await ev("Integer.parseInt('ff', 16) + Integer.valueOf('1') + Integer.MAX_VALUE - Integer.MAX_VALUE"), 256);
  assert.equal(await ev("String.format('%s-%02d', 'v', 3) + String.valueOf(true) + String.join(',', ['a', 'b'])"), 'v-03truea,b');
  assert.equal(typeof (await ev('System.currentTimeMillis()')), 'number');
});
