// readProperties' own parser (src/plugins/utility-steps/properties.ts) against the rules of
// java.util.Properties.load: separators, blanks, comments, continuation lines, escapes, and the
// interpolation the step offers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, parseProperties, PropertiesSyntaxError } from '../../../src/plugins/utility-steps/properties.ts';

const map = (text: string) => Object.fromEntries(parseProperties(text));

test('separators: =, :, blanks, and blanks around them; the first separator ends the key', () => {
  assert.deepEqual(map('a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf  =  = 6\ng==7\nh:=8\n'), { a: '1', b: '2', c: '3', d: '4', e: '5', f: '= 6', g: '=7', h: '=8' });
});

test('a key alone has an empty value; trailing blanks of a value are kept', () => {
  assert.deepEqual(map('lonely\nempty=\nspaced = v  \n'), { lonely: '', empty: '', spaced: 'v  ' });
});

test('comments start with # or ! as the first non-blank character only', () => {
  assert.deepEqual(map('# c\n  ! c2\nurl=http://x/#frag\nk=v # not a comment\n'), { url: 'http://x/#frag', k: 'v # not a comment' });
});

test('continuation: an odd number of trailing backslashes joins the next line without its leading blanks', () => {
  assert.deepEqual(map('list = a, \\\n        b, \\\n   c\neven=x\\\\\nnext=y\n'), { list: 'a, b, c', even: 'x\\', next: 'y' });
  // a continued line whose next line starts with # is a value, not a comment
  assert.deepEqual(map('k=one\\\n#two\n'), { k: 'one#two' });
  // a backslash on the last line is dropped
  assert.deepEqual(map('k=v\\'), { k: 'v' });
});

test('CRLF and CR line ends', () => {
  assert.deepEqual(map('a=1\r\nb=2\rc=3'), { a: '1', b: '2', c: '3' });
});

test('escapes: \\t \\n \\r \\f \\uXXXX, escaped separators in keys, any other escaped character is itself', () => {
  assert.deepEqual(map('k\\=ey\\:x\\ y=v\ntab=a\\tb\nnl=a\\nb\nuni=caf\\u00e9\nother=\\q\\\\\n'), {
    'k=ey:x y': 'v', tab: 'a\tb', nl: 'a\nb', uni: 'café', other: 'q\\',
  });
  assert.throws(() => parseProperties('bad=\\u12G4'), PropertiesSyntaxError);
});

test('a later duplicate wins', () => {
  assert.deepEqual(map('a=1\na=2'), { a: '2' });
});

test('interpolation: ${key} of other keys, recursively; unknown stays; lookups; a cycle throws', () => {
  const out = interpolate(new Map([['base', '/opt'], ['bin', '${base}/bin'], ['tool', '${bin}/t ${missing}'], ['b64', '${base64Decoder:aGk=}']]));
  assert.deepEqual(Object.fromEntries(out), { base: '/opt', bin: '/opt/bin', tool: '/opt/bin/t ${missing}', b64: 'hi' });
  assert.throws(() => interpolate(new Map([['a', '${b}'], ['b', '${a}']])), /Infinite loop/);
});
