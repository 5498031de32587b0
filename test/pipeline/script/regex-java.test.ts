// Java's regular expressions with Java's answers: each construct that JavaScript writes
// differently (possessive quantifiers, atomic groups, inline flags anywhere, comments mode, nested
// classes and intersections, \R, Java's $ and line terminators, Unicode properties) gives what
// Java's Matcher gives for matches/find/group(n) and replaceAll's $n, run through a script.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ev } from './fake-host.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { closeRegexPool } from '../../../src/pipeline/script/regex-pool.ts';
import { patternError, translateRegex } from '../../../src/pipeline/script/regex-translate.ts';
import { regexShape, worstCase } from '../../../src/pipeline/script/regex-safety.ts';

after(() => closeRegexPool());

async function rejects(src: string, message: RegExp): Promise<void> {
  await assert.rejects(ev(src), (err: unknown) => {
    assert.ok(err instanceof ScriptError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

test('possessive quantifiers keep what they took: a*+a never matches, a*+b does', async () => {
  assert.equal(await ev("'aaa' ==~ /a*+a/"), false);
  assert.equal(await ev("'aaab' ==~ /a*+b/"), true);
  assert.equal(await ev("'aab' ==~ /a++b/"), true);
  assert.equal(await ev("'a' ==~ /a?+a/"), false);
  assert.equal(await ev("'aaaa' ==~ /a{2,3}+a/"), true); // takes 3, then one a left
  assert.equal(await ev("'aaa' ==~ /a{2,3}+a/"), false);
  assert.equal(await ev("'\"x\\\\\"y\"' ==~ /\"(?:[^\"\\\\]++|\\\\.)*+\"/"), true);
});

test('atomic groups do not give back: (?>a|ab)c fails on abc, as in Java', async () => {
  assert.equal(await ev("'abc' ==~ /(?>a|ab)c/"), false);
  assert.equal(await ev("'ac' ==~ /(?>a|ab)c/"), true);
  assert.equal(await ev("'abc' ==~ /(?:a|ab)c/"), true);
});

test("groups keep Java's numbers around possessive and atomic parts: group(n), [n] and $n", async () => {
  assert.deepEqual(await ev("def m = 'xaab' =~ /x(a)*+(b)/; m.find(); [m.groupCount(), m.group(1), m.group(2)]"), [2, 'a', 'b']);
  assert.deepEqual(await ev("('k=v' =~ /(?>(\\w+))=(\\w++)/)[0]"), ['k=v', 'k', 'v']);
  assert.equal(await ev("'ab-cd'.replaceAll(/(?>(\\w+))-(\\w)++/, '$2$1')"), 'dab');
  assert.equal(await ev("'aa'.replaceAll(/(a)(?>b|\\1)/, '<$1>')"), '<a>');
});

test('inline flags anywhere: (?i) to the end of its group, (?i:...), (?-i), across alternatives', async () => {
  assert.equal(await ev("'aB' ==~ /a(?i)b/"), true);
  assert.equal(await ev("'AB' ==~ /a(?i)b/"), false);
  assert.equal(await ev("'Ab' ==~ /(?i:a)b/"), true);
  assert.equal(await ev("'AB' ==~ /(?i:a)b/"), false);
  assert.equal(await ev("'aB' ==~ /(?i)a(?-i)b/"), false);
  assert.equal(await ev("'Ab' ==~ /(?i)a(?-i)b/"), true);
  assert.equal(await ev("'C' ==~ /x(?i)b|c/"), true); // the flag holds in the next alternative too
  assert.equal(await ev("'Xb' ==~ /(x(?i)a|b)b/"), false);
  assert.equal(await ev("'a\\nb' ==~ /a(?s).b/"), true);
  assert.equal(await ev("'a\\nb' ==~ /a.b/"), false);
});

test('(?x) comments mode ignores spaces and # comments, not escaped spaces', async () => {
  assert.equal(await ev("'ab c' ==~ /(?x) a b  # the letters\n \\  c/"), true);
  assert.equal(await ev("java.util.regex.Pattern.compile('a b', 4).matcher('ab').matches()"), true);
});

test('nested classes (union) and && (intersection)', async () => {
  assert.equal(await ev("'b1' ==~ /[a-c[0-2]]+/"), true);
  assert.equal(await ev("'bcd' ==~ /[a-z&&[^aeiou]]+/"), true);
  assert.equal(await ev("'bad' ==~ /[a-z&&[^aeiou]]+/"), false);
  assert.equal(await ev("'x' ==~ /[a-z&&def]/"), false);
  assert.equal(await ev("'e' ==~ /[a-z&&def]/"), true);
});

test("$ matches before a final line terminator; (?m)^ not at the end; \\R and \\h", async () => {
  assert.equal(await ev("('a\\n' =~ /a$/).find()"), true);
  assert.equal(await ev("('a\\r\\n' =~ /a$/).find()"), true);
  assert.equal(await ev("('a\\nb' =~ /a$/).find()"), false);
  assert.equal(await ev("('a\\n' =~ /a\\Z/).find()"), true);
  assert.equal(await ev("('a\\n' =~ /a\\z/).find()"), false);
  assert.deepEqual(await ev("'a\\nb\\n'.findAll(/(?m)^/).size()"), 2);
  assert.equal(await ev("'a\\r\\nb\\nc\\rd'.split(/\\R/).size()"), 4);
  assert.equal(await ev("'\\r\\n' ==~ /\\R\\n/"), false); // \\R takes \\r\\n whole
  assert.equal(await ev("'a\\u00A0b' ==~ /a\\hb/"), true);
  assert.equal(await ev("'a\\u00A0b' ==~ /a\\sb/"), false); // Java's \\s is ASCII
});

test('Unicode properties, Java character classes, \\Q..\\E and Pattern.quote', async () => {
  assert.equal(await ev("'éÀb' ==~ /\\p{L}+/"), true);
  assert.equal(await ev("'é' ==~ /\\p{javaLowerCase}/"), true);
  assert.equal(await ev("'Ω' ==~ /\\p{IsGreek}/"), true);
  assert.equal(await ev("'a.b' ==~ /\\Qa.b\\E/"), true);
  assert.equal(await ev("'axb' ==~ /\\Qa.b\\E/"), false);
  assert.equal(await ev("def q = java.util.regex.Pattern.quote('a\\\\Eb.'); 'a\\\\Eb.' ==~ q"), true);
  assert.equal(await ev("java.util.regex.Pattern.compile('A.B', 2 | 32).matcher('a\\nb').matches()"), true);
});

test("syntax errors in Java's words, at once", async () => {
  assert.equal(patternError('(a'), 'Unclosed group near index 2');
  assert.equal(patternError('[a'), 'Unclosed character class near index 1');
  assert.equal(patternError('*a'), "Dangling meta character '*' near index 0");
  assert.equal(patternError('{x}'), 'Illegal repetition near index 0');
  assert.equal(patternError('a{3,1}'), 'Illegal repetition range near index 5');
  assert.equal(patternError('\\y'), 'Illegal/unsupported escape sequence near index 1');
  assert.equal(patternError('(?<n>a)(?<n>b)'), 'Named capturing group <n> is already defined near index 11');
  assert.equal(patternError('\\p{Nope}'), 'Unknown character property name {Nope} near index 0');
  assert.equal(patternError('a*+b'), null);
  await rejects("'x' =~ /\\X/", /not supported.*\\X/);
  await rejects("'x' ==~ /[z-a]/", /Illegal character range/);
});

test('a possessive or atomic translation opens no catastrophic backtracking, and regex-safety still sees what does', async () => {
  // Kiln's atomic lookahead + backreference is one way to match: no longer exponential, and it
  // is the cure for (a+)+b: it fails at once on a long string
  const possessive = regexShape(translateRegex('(?:a++)+b', null).source);
  assert.equal(possessive.exponential, false);
  assert.ok(Number.isFinite(worstCase(possessive, 20, 1000)));
  const t0 = Date.now();
  assert.equal(await ev("('a' * 20000 + '!') ==~ /(?:a++)+b/"), false);
  assert.ok(Date.now() - t0 < 5000);
  // nested repetition inside an atomic group, and a backreference the pattern writes, still count as exponential
  assert.equal(regexShape(translateRegex('(?>(a+)+)b', null).source).exponential, true);
  assert.equal(regexShape(translateRegex('(a*)(?=(b))\\1*', null).source).exponential, true);
  assert.equal(regexShape(translateRegex('(a+)+b', null).source).exponential, true);
  // and Java's $ costs no more than JavaScript's: (a+)+$ keeps its size
  const plain = regexShape(translateRegex('(a+)+$', null).source);
  assert.ok(plain.size <= regexShape('(a+)+$').size);
});
