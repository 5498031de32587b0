// A pipeline's regex never blocks the controller: a pattern that backtracks for long runs on a
// regex thread and is cut off at its deadline with an error naming the pattern and where it
// is; everything else answers as before, whichever place it ran in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './fake-host.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { Interrupted } from '../../../src/core/errors.ts';
import { closeRegexPool, configureRegexPool, regexPoolStats, runOnThread } from '../../../src/pipeline/script/regex-pool.ts';
import { mayRunInline, regexShape, setInlineBudget } from '../../../src/pipeline/script/regex-safety.ts';
import type { Value } from '../../../src/pipeline/script/values.ts';

after(() => closeRegexPool());

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected the script to fail');
}

/** Runs `fn` and counts how often a 10 ms interval fired meanwhile: > 0 means the event loop stayed free. */
async function whileTicking<T>(fn: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const t = setInterval(() => { ticks++; }, 10);
  try {
    return { result: await fn(), ticks };
  } finally {
    clearInterval(t);
  }
}

async function withTimeout<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const before = configureRegexPool({ timeoutMs: ms });
  try {
    return await fn();
  } finally {
    configureRegexPool(before);
  }
}

test("the issue's pattern: ('a' * 28 + '!') ==~ /(a+)+$/ is cut off with the pattern and its position, and the event loop keeps running", async () => {
  const { result: err, ticks } = await withTimeout(300, () => whileTicking(() => caught(run("def x = 1\nassert !(('a' * 28 + '!') ==~ /(a+)+$/)"))));
  assert.ok(err instanceof ScriptError, String(err));
  assert.equal(err.code, 'regex-timeout');
  assert.match(err.message, /^the regular expression \/\(a\+\)\+\$\/ was stopped after 300 ms on a string of 29 characters: /);
  assert.match(err.message, /the repeated part \(a\+\)\+ can match the same text in more than one way/);
  assert.match(err.message, /rewrite the pattern/);
  assert.deepEqual([err.loc?.start.line, err.loc?.start.col], [2, 31]);
  assert.ok(ticks > 0, 'timers ran while the regex did');
  // the thread that ran it was terminated; the next scan gets a new one and answers
  const stats = regexPoolStats();
  assert.ok(stats.timeouts >= 1);
  assert.equal((await run("('a' * 28) ==~ /(a+)+$/")).value, true);
});

test('the same dangerous pattern on a short string answers at once, inline', async () => {
  const before = regexPoolStats().scans;
  assert.equal((await run("'aaaa!' ==~ /(a+)+$/")).value, false);
  assert.equal((await run("'aaaa' ==~ /(a+)+$/")).value, true);
  assert.equal(regexPoolStats().scans, before, 'no thread was needed');
});

const evil = "('a' * 30 + '!')";
const everyWay: [string, string][] = [
  ['=~ in a condition', `if (${evil} =~ /^(a+)+$/) { 1 }`],
  ['==~', `${evil} ==~ /(a+)+$/`],
  ['Matcher.matches()', `(${evil} =~ /(a|aa)+$/).matches()`],
  ['Pattern.compile().matcher()', `java.util.regex.Pattern.compile('(a+)+$').matcher(${evil}).find()`],
  ['Pattern.matches()', `java.util.regex.Pattern.matches('(a+)+$', ${evil})`],
  ['String.matches()', `${evil}.matches('(a+)+$')`],
  ['find', `${evil}.find(/(a+)+$/)`],
  ['findAll', `${evil}.findAll(/(a+)+$/)`],
  ['replaceAll', `${evil}.replaceAll(/(a+)+$/, 'x')`],
  ['replaceAll with a closure', `${evil}.replaceAll(/(a+)+$/) { it }`],
  ['replaceFirst', `${evil}.replaceFirst(/(a+)+$/, 'x')`],
  ['split', `${evil}.split(/(a+)+$/)`],
  ['eachMatch', `${evil}.eachMatch(/(a+)+$/) { }`],
  ['String - Pattern', `${evil} - ~/(a+)+$/`],
  ['switch with a Pattern case', `switch (${evil}) { case ~/(a+)+$/: 1; break; default: 2 }`],
  ['in a Pattern', `${evil} in ~/(a+)+$/`],
  ['grep with a Pattern', `[${evil}].grep(~/(a+)+$/)`],
];

test('every way a script runs a regex goes through the deadline, and none blocks the event loop', async () => {
  await withTimeout(150, async () => {
    for (const [what, src] of everyWay) {
      const { result: err, ticks } = await whileTicking(() => caught(run(src)));
      assert.ok(err instanceof ScriptError && err.code === 'regex-timeout', `${what}: ${String(err)}`);
      assert.ok(ticks > 0, `${what}: timers ran meanwhile`);
      assert.equal(err.loc?.start.line, 1, what);
    }
  });
});

test('an abort stops a regex that runs on a thread, as it stops a loop', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Interrupted('user', 'Aborted by alice')), 100);
  const err = await withTimeout(60_000, () => caught(run(`${evil} ==~ /(a+)+$/`, { signal: ac.signal })));
  assert.ok(err instanceof Interrupted, String(err));
  assert.equal(err.message, 'Aborted by alice');
});

test('a search with too many matches fails with a limit error instead of exhausting memory', async () => {
  const err = await caught(run("def m = ('ab' * 600000) =~ /[ab]/\nm.count"));
  assert.ok(err instanceof ScriptError && err.code === 'limit', String(err));
  assert.match(err.message, /^too large: more than 1,000,000 matches of \/\[ab\]\//);
  assert.equal((await run("('ab' * 400000).findAll(/a/).size()")).value, 400000);
  assert.equal((await run("('a,' * 600000).split(',', 3).size()")).value, 3);
});

const semantics: [string, Value][] = [
  ["'v1.22.3' =~ /(\\d+)\\.(\\d+)/ ? 'y' : 'n'", 'y'],
  ["def m = 'v1.22.3-rc1' =~ /(\\d+)\\.(\\d+)/\n[m[0], m.count]", [['1.22', '1', '22'], 1]],
  ["def m = 'key=value; k2=v2' =~ /(?<k>\\w+)=(?<v>\\w+)/\nm.find()\n[m.group('k'), m.group(2), m.start(), m.end()]", ['key', 'value', 0, 9]],
  ["def m = 'abc' =~ /b/\n[m.lookingAt(), m.matches()]", [false, false]],
  ["'release/1.2' ==~ /release\\/\\d+\\.\\d+/", true],
  ["'a1b22c333'.findAll(/\\d+/)", ['1', '22', '333']],
  ["'a1b22c333'.findAll(/([a-z])(\\d+)/) { all, l, d -> l + d.size() }", ['a1', 'b2', 'c3']],
  ["'x-1 y-22'.replaceAll(/(\\w)-(\\d+)/, '$2=$1')", '1=x 22=y'],
  ["'x-1 y-22'.replaceAll(/(?<n>\\d+)/, '<${n}>')", 'x-<1> y-<22>'],
  ["'x-1 y-22'.replaceFirst(/\\d+/) { (it as int) * 10 }", 'x-10 y-22'],
  ["'a,b,,c,,'.split(',')", ['a', 'b', '', 'c']],
  ["'a,b,,c,,'.split(',', -1)", ['a', 'b', '', 'c', '', '']],
  ["'boo:and:foo'.split('o', 2)", ['b', 'o:and:foo']],
  ["'abc'.split('')", ['a', 'b', 'c']],
  ["'one two'.find(/(\\w+) (\\w+)/) { all, a, b -> b + a }", 'twoone'],
  ["'line1\\nline2'.findAll(/(?m)^line\\d$/)", ['line1', 'line2']],
  ["'ABC' ==~ /(?i)abc/", true],
  ["'feature-x' - ~/-.*/", 'feature'],
  ["switch ('v2.0') { case ~/v1\\..*/: 'one'; break; case ~/v2\\..*/: 'two'; break; default: 'none' }", 'two'],
  ["['a1', 'b', 'c3'].grep(~/.\\d/)", ['a1', 'c3']],
  ["def n = 0\n'a1b2'.eachMatch(/\\d/) { n += it as int }\nn", 3],
  ["def out = []\nfor (m in ('a=1,b=2' =~ /(\\w)=(\\d)/)) out << m[1]\nout", ['a', 'b']],
  ["'aaa'.replaceAll(/a*?/, '-')", '-a-a-a-'],
];

test('regexes answer the same inline and on a thread', async () => {
  for (const budget of [2_000_000, 0]) {
    const before = setInlineBudget(budget);
    try {
      for (const [src, want] of semantics) {
        const got = (await run(src)).value;
        assert.deepEqual(got, want, `${budget === 0 ? 'on a thread' : 'inline'}: ${src}`);
      }
    } finally {
      setInlineBudget(before);
    }
  }
});

test('the shape estimate: nested or ambiguous repetition and backreferences are exponential; plain patterns are not', () => {
  for (const p of ['(a+)+$', '(a|aa)+', '(\\s*,)*x', '(x*)*', '(?:a?b?)+c', '(\\w)\\1+']) assert.equal(regexShape(p).exponential, true, p);
  for (const p of ['\\d+\\.\\d+', 'release/.*', '^v(\\d+)\\.(\\d+)$', '(?:abc)+', '[a-z]{2,4}-\\d{1,3}', 'a|b|c']) assert.equal(regexShape(p).exponential, false, p);
  assert.equal(regexShape('.*a.*b.*c').wide, 3);
  assert.equal(regexShape('\\d{1,3}\\.\\d{1,3}').wide, 0);
});

test('in a build: the console names the pattern and Jenkinsfile:line:col, and an HTTP server in the same process answers meanwhile', async () => {
  const { runPipeline } = await import('../engine/harness.ts');
  const http = await import('node:http');
  const server = http.createServer((_req, res) => res.end('pong'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  let answered = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      if ((await r.text()) === 'pong') answered++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const { state, console } = await withTimeout(500, () => runPipeline(`
pipeline {
  agent none
  stages { stage('S') { steps { script {
    if (('a' * 28 + '!') ==~ /(a+)+$/) { echo 'matched' }
  } } } }
}`));
    assert.equal(state.result, 'FAILURE');
    assert.match(console, /^ERROR: the regular expression \/\(a\+\)\+\$\/ was stopped after 500 ms on a string of 29 characters: .* \(Jenkinsfile:5:30\)$/m);
    assert.ok(answered > 0, 'HTTP requests were answered while the regex ran');
  } finally {
    polling = false;
    await poll;
    server.close();
  }
});

// Patterns the first estimate called cheap (so they ran inline, on the controller's thread)
// though V8 takes seconds to minutes on them: each measured on Node 24.
const hidden: [string, string, string][] = [
  // a bound too long for the quantifier parser (it read `{` as a literal): (a+)+ in disguise, 4 s at 26 characters
  ['a huge {n,m} bound', '^(a{1,100000000000000000000000})+$', "'a' * 26 + '!'"],
  // exponential with base 8, not 2: 7 s at 9 characters
  ['an eight-way alternation', '^(a|a|a|a|a|a|a|a)+$', "'a' * 9 + '!'"],
  // no repetition at all: 2^24 ways through the alternations, 1 s
  ['a row of alternations', '^' + '(?:a|a)'.repeat(24) + '$', "'a' * 24 + '!'"],
  // bounded repeats: 17^5 ways per start, 26 s on 2000 characters
  ['a row of bounded repeats', '.{0,16}'.repeat(5) + 'x', "'y' * 2000"],
];

test('patterns whose cost hides behind big bounds, wide alternations or rows of bounded choices run on a thread, not inline', async () => {
  for (const [what, pattern, input] of hidden) {
    const len = (await run(`(${input}).size()`)).value as number;
    assert.equal(mayRunInline(pattern, len), false, `${what}: ${pattern} on ${len} characters`);
  }
  await withTimeout(150, async () => {
    for (const [what, pattern, input] of hidden) {
      const scans = regexPoolStats().scans;
      const { result: outcome, ticks } = await whileTicking(() => run(`(${input}) ==~ ~'${pattern}'`).then((r) => r.value, (e: unknown) => e));
      // V8 may answer some of them early on a thread; either way it was not inline
      assert.ok(outcome === false || (outcome instanceof ScriptError && outcome.code === 'regex-timeout'), `${what}: ${String(outcome)}`);
      assert.equal(regexPoolStats().scans, scans + 1, `${what}: ran on a thread`);
      assert.ok(ticks > 0 || outcome === false, `${what}: timers ran meanwhile`);
    }
  });
  // ordinary patterns on ordinary strings still run inline
  for (const [p, n] of [['^v(\\d+)\\.(\\d+)$', 12], ['[a-z]{2,4}-\\d{1,3}', 200], ['release/.*', 300], ['(a+)+$', 5], ['^(?:feature|bugfix|hotfix)/[\\w.-]+$', 60]] as const) {
    assert.equal(mayRunInline(p, n), true, `${p} on ${n} characters`);
  }
});

test('a search with many groups is limited by matches times groups, so it cannot fill the heap', async () => {
  // 150 groups: 1,000,000 matches would be 151,000,000 spans and strings
  const groups = '()'.repeat(149);
  const err = await caught(run(`def m = ('a' * 30000) =~ /(a)${groups}/\nm.count`));
  assert.ok(err instanceof ScriptError && err.code === 'limit', String(err));
  assert.match(err.message, /^too large: more than 26,490 matches of \/\(a\)\(\)\(\).*\(Kiln limits one search to 4,000,000 matches and groups: 26,490 matches of a pattern with 150 groups; capture fewer groups, with \(\?:\.\.\.\) for the ones you do not read\)$/);
  assert.equal(err.loc?.start.line, 1);
  // a few groups keep the full million
  assert.equal((await run("('ab' * 450000).findAll(/(a)(b)/).size()")).value, 450000);
});

test('the regex threads serve builds in turn: one build\'s many slow scans do not keep another build\'s scan waiting behind all of them', async () => {
  const before = configureRegexPool({ timeoutMs: 300, workers: 2 });
  try {
    const slow = { source: '^(a+)+$', flags: 'u', input: `${'a'.repeat(40)}!`, op: 'whole' as const, groups: 1, limit: 1 };
    const ended: string[] = [];
    const scan = (who: string, owner: object) => runOnThread(slow, null, owner).then(() => ended.push(who), () => ended.push(who));
    const busy = {};
    const other = {};
    const all = [1, 2, 3, 4, 5, 6].map((i) => scan(`busy${i}`, busy));
    all.push(scan('other', other));
    await Promise.all(all);
    // Served in arrival order, 'other' would end last; in turn, it runs as soon as a thread frees.
    assert.ok(ended.indexOf('other') <= 3, `ended: ${ended.join(', ')}`);
  } finally {
    configureRegexPool(before);
  }
});

test('a regex method inside a bigger expression scans once (the synchronous fast path leaves it to the async one)', async () => {
  for (const src of [
    "def r = ('a' * 28).replaceAll(/(a+)+$/, 'x') + '!'; r",
    "def s = 'a' * 28; def r = s.matches('(a+)+$') && true; r",
    "def s = 'a' * 28; def r = [s.split(/(a+)+$/).length]; r",
  ]) {
    const scans = regexPoolStats().scans;
    const v = (await run(src)).value;
    assert.notEqual(v, undefined);
    assert.equal(regexPoolStats().scans, scans + 1, `${src}: one scan on a thread`);
  }
});
