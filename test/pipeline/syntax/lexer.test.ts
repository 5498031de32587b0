import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, tokenize, type Token } from '../../../src/pipeline/syntax/lexer.ts';

/** kind:text pairs, e.g. "ident:sh str:x". Strings show their decoded value. */
function kinds(src: string): string {
  return tokenize(src)
    .filter((t) => t.kind !== 'eof')
    .map((t) => {
      if (t.kind === 'ident' || t.kind === 'num') return `${t.kind}:${t.text}`;
      if (t.kind === 'str' || t.kind === 'gstart' || t.kind === 'gmid' || t.kind === 'gend') return `${t.kind}:${JSON.stringify(t.text)}`;
      if (t.kind === 'gpath') return `gpath:${t.text}`;
      if (t.kind === 'error') return `error:${t.text}`;
      return t.kind;
    })
    .join(' ');
}

function toks(src: string): Token[] {
  return tokenize(src).filter((t) => t.kind !== 'eof');
}

function one(src: string): Token {
  const ts = toks(src);
  assert.equal(ts.length, 1, `expected one token in ${JSON.stringify(src)}, got ${kinds(src)}`);
  return ts[0]!;
}

function lastError(src: string): Token {
  const ts = tokenize(src);
  const t = ts[ts.length - 1]!;
  assert.equal(t.kind, 'error', `expected an error for ${JSON.stringify(src)}, got ${kinds(src)}`);
  return t;
}

describe('lexer: identifiers, keywords, operators', () => {
  test('identifiers and keywords', () => {
    assert.equal(kinds('sh echo _x $y a1 déjà'), 'ident:sh ident:echo ident:_x ident:$y ident:a1 ident:déjà');
    assert.equal(kinds('def if else return true null this'), 'def if else return true null this');
  });

  test('a keyword after a dot is a plain name', () => {
    assert.equal(kinds('x.class a?.in b*.default'), 'ident:x . ident:class ident:a ?. ident:in ident:b *. ident:default');
  });

  test('longest-match operators', () => {
    assert.equal(
      kinds('a >>>= b >>= c >>> d >> e >= f > g'),
      'ident:a >>>= ident:b >>= ident:c >>> ident:d >> ident:e >= ident:f > ident:g',
    );
    assert.equal(kinds('a <=> b <<= c << d <= e < f'), 'ident:a <=> ident:b <<= ident:c << ident:d <= ident:e < ident:f');
    assert.equal(kinds('a === b ==~ c == d =~ e = f'), 'ident:a === ident:b ==~ ident:c == ident:d =~ ident:e = ident:f');
    assert.equal(kinds('a !== b != c !d'), 'ident:a !== ident:b != ident:c ! ident:d');
    assert.equal(kinds('a ?. b ?: c ?= d ? e'), 'ident:a ?. ident:b ?: ident:c ?= ident:d ? ident:e');
    assert.equal(kinds('a **= b ** c *= d *. e * f'), 'ident:a **= ident:b ** ident:c *= ident:d *. ident:e * ident:f');
    assert.equal(kinds('a ..< b .. c ... d . e'), 'ident:a ..< ident:b .. ident:c ... ident:d . ident:e');
    assert.equal(kinds('a++ + --b -> c -= d'), 'ident:a ++ + -- ident:b -> ident:c -= ident:d');
    assert.equal(kinds('a && b || c & d | e ^ f ~g %h'), 'ident:a && ident:b || ident:c & ident:d | ident:e ^ ident:f ~ ident:g % ident:h');
  });

  test('!in and !instanceof, but not !inside', () => {
    assert.equal(kinds('a !in b'), 'ident:a !in ident:b');
    assert.equal(kinds('a !instanceof B'), 'ident:a !instanceof ident:B');
    assert.equal(kinds('!inside'), '! ident:inside');
  });
});

describe('lexer: numbers', () => {
  const cases: [string, number, boolean][] = [
    ['0', 0, true], ['42', 42, true], ['1_000_000', 1000000, true], ['100L', 100, true], ['7i', 7, true],
    ['12G', 12, true], ['0x1F', 31, true], ['0XffL', 255, true], ['0b101', 5, true], ['017', 15, true],
    ['1.5', 1.5, false], ['1e3', 1000, false], ['2.5E-2', 0.025, false], ['3f', 3, false], ['4D', 4, false],
    ['1.25G', 1.25, false], ['0.5', 0.5, false], ['09.5', 9.5, false],
  ];
  for (const [src, value, isInt] of cases) {
    test(src, () => {
      const t = one(src);
      assert.equal(t.kind, 'num');
      assert.equal(t.text, src);
      assert.equal(t.value, value);
      assert.equal(t.isInt, isInt);
    });
  }

  test('1..5 is a range, 1.toString() a call', () => {
    assert.equal(kinds('1..5'), 'num:1 .. num:5');
    assert.equal(kinds('1.toString()'), 'num:1 . ident:toString ( )');
  });

  test('malformed numbers', () => {
    // a name that starts with a digit is one name the lexer records (its parser reports it)
    const lx = new Lexer('x = 3abc');
    while (lx.next().kind !== 'eof');
    assert.deepEqual(lx.digitNames.map((t) => `${t.kind}:${t.text}`), ['ident:3abc']);
    assert.match(lastError('x = 0x1z').text, /^invalid number '0x1z'/);
    assert.match(lastError('x = 1.5abc').text, /^invalid number '1.5abc'/);
    assert.match(lastError('x = 09').text, /octal/);
    assert.match(lastError('x = 1_').text, /'_' must be between digits/);
  });

  test("123_ABC: a '_' in a number must be followed by a digit, as Groovy 2's lexer says (no digit-led name)", () => {
    const lx = new Lexer('X = 123_ABC');
    let t = lx.next();
    while (t.kind !== 'eof' && t.kind !== 'error') t = lx.next();
    assert.equal(t.kind, 'error');
    assert.equal(t.text, "expecting token in range: '0'..'9', found 'A'");
    assert.equal(t.col, 9);
    assert.deepEqual(lx.digitNames, []);
    assert.equal(lastError('x = 1__2_$').text, "expecting token in range: '0'..'9', found '$'");
    // underscores between digits stay fine
    assert.equal(kinds('1_000 + 12__3L'), 'num:1_000 + num:12__3L');
  });
});

describe('lexer: strings', () => {
  test('quotes and their values', () => {
    let t = one("'it''s'".slice(0, 4));
    assert.equal(t.text, 'it');
    t = one(`'a "b" $c'`);
    assert.equal(t.kind, 'str');
    assert.equal(t.text, 'a "b" $c');
    assert.equal(t.quote, "'");
    t = one(`"plain"`);
    assert.equal(t.kind, 'str');
    assert.equal(t.quote, '"');
    t = one(`''`);
    assert.equal(t.text, '');
    t = one(`""`);
    assert.equal(t.text, '');
  });

  test('escapes', () => {
    assert.equal(one(String.raw`'a\nb\tc\\d\'e\"f\$g\u00e9\u0041\r\b\f'`).text, 'a\nb\tc\\d\'e"f$géA\r\b\f');
    assert.equal(one(String.raw`"\$HOME \\ \""`).text, '$HOME \\ "');
    assert.equal(one(String.raw`'\101\0'`).text, 'A\0');
    assert.equal(one(String.raw`'\uuu0041'`).text, 'A');
  });

  test('backslash-newline continues a string; CRLF becomes \\n', () => {
    assert.equal(one("'''a\\\nb'''").text, 'ab');
    assert.equal(one('"a\\\nb"').text, 'ab');
    assert.equal(one("'''a\r\nb\rc'''").text, 'a\nb\nc');
  });

  test('triple-quoted strings keep their text exactly and allow one or two quotes inside', () => {
    const body = '\napiVersion: v1\nkind: Pod\n  - name: "x"\n';
    assert.equal(one(`"""${body}"""`).text, body);
    assert.equal(one(`'''it's ''quoted'''`).text, "it's ''quoted");
    assert.equal(one(`"""say "hi" ""there"""`).text, 'say "hi" ""there');
    assert.equal(one(`'''$x \${y}'''`).text, '$x ${y}');
  });

  test('GString token sequence: ${...} and $name.path', () => {
    assert.equal(kinds('"a ${b} c"'), 'gstart:"a " ident:b gend:" c"');
    assert.equal(kinds('"$x.y.z!"'), 'gstart:"" gpath:x.y.z gend:"!"');
    assert.equal(kinds('"$file.txt"'), 'gstart:"" gpath:file.txt gend:""');
    assert.equal(kinds('"$x. $y.1"'), 'gstart:"" gpath:x gmid:". " gpath:y gend:".1"');
    assert.equal(kinds('"${a}${b}"'), 'gstart:"" ident:a gmid:"" ident:b gend:""');
    assert.equal(kinds('"\\${a} $$"'.replace('$$', '\\$')), 'str:"${a} $"');
  });

  test('nested braces, strings and closures inside ${...}', () => {
    assert.equal(
      kinds('"${m.collect { k, v -> "${k}=${v}" }.join(\'}\')}"'),
      'gstart:"" ident:m . ident:collect { ident:k , ident:v -> gstart:"" ident:k gmid:"=" ident:v gend:"" } . ident:join ( str:"}" ) gend:""',
    );
    assert.equal(kinds('"${ [a: [1]] }"'), 'gstart:"" [ ident:a : [ num:1 ] ] gend:""');
  });

  test('positions of a GString: the string starts at its opening quote', () => {
    const ts = toks('x = "ab ${c}"');
    const g = ts[2]!;
    assert.equal(g.kind, 'gstart');
    assert.deepEqual([g.line, g.col, g.start], [1, 5, 4]);
    const c = ts[3]!;
    assert.deepEqual([c.kind, c.col], ['ident', 11]);
    const end = ts[4]!;
    assert.equal(end.kind, 'gend');
    assert.equal(end.end, 13);
  });

  test('a double-quoted string without $ is a plain string; an illegal $ is an error', () => {
    assert.equal(one('"cost: 5$"'.replace('5$', '5\\$')).kind, 'str');
    assert.match(lastError('"cost: $5"').text, /^illegal string body character after dollar sign/);
  });
});

describe('lexer: slashy and dollar-slashy strings', () => {
  test('/ starts a slashy string only where an expression may start', () => {
    assert.equal(kinds('x = /a+b/'), 'ident:x = str:"a+b"');
    assert.equal(kinds('f(/x/, /y/)'), 'ident:f ( str:"x" , str:"y" )');
    assert.equal(kinds('a =~ /\\d+/'), 'ident:a =~ str:"\\\\d+"');
    assert.equal(kinds('a / b / c'), 'ident:a / ident:b / ident:c');
    assert.equal(kinds('(a) / 2'), '( ident:a ) / num:2');
    assert.equal(kinds('x[0] / 2'), 'ident:x [ num:0 ] / num:2');
    assert.equal(kinds('10 / 2'), 'num:10 / num:2');
    assert.equal(kinds('i++ / 2'), 'ident:i ++ / num:2');
    assert.equal(kinds('"s" / 2'), 'str:"s" / num:2');
    assert.equal(kinds('return /x/'), 'return str:"x"');
    assert.equal(kinds('a /= 2'), 'ident:a /= num:2');
  });

  test('after a significant newline / starts a slashy string; inside parentheses it divides', () => {
    assert.equal(kinds('a\n/x/'), 'ident:a str:"x"');
    assert.equal(kinds('(a\n/x/ 2)'), '( ident:a / ident:x / num:2 )');
  });

  test('slashy escapes: only \\/ (and backslash-newline); $ interpolates only before a name or {', () => {
    assert.equal(one('/a\\/b\\d/').text, 'a/b\\d');
    assert.equal(kinds('x = /^v$/'), 'ident:x = str:"^v$"');
    assert.equal(kinds('x = /${a}-$b/'), 'ident:x = gstart:"" ident:a gmid:"-" gpath:b gend:""');
    assert.equal(kinds('x = /a\nb/'), 'ident:x = str:"a\\nb"');
  });

  test('dollar-slashy: $$ and $/ escapes, /$ ends', () => {
    assert.equal(kinds('x = $/a/b\\c$$ $/ $y/$'), 'ident:x = gstart:"a/b\\\\c$ / " gpath:y gend:""');
    assert.equal(one('$/plain/$').quote, '$/');
  });

  test('// and /* are always comments', () => {
    assert.equal(kinds('a // b / c\nd'), 'ident:a ident:d');
    assert.equal(kinds('a /* b\n c */ d'), 'ident:a ident:d');
  });
});

describe('lexer: newlines, comments, shebang', () => {
  function nls(src: string): string {
    return toks(src).map((t) => (t.nl ? '|' : '') + (t.kind === 'ident' ? t.text : t.kind)).join(' ');
  }

  test('newlines are significant in blocks and at the top level only', () => {
    assert.equal(nls('a\nb'), 'a |b');
    assert.equal(nls('f(a,\nb)'), 'f ( a , b )');
    assert.equal(nls('[a\n,b]'), '[ a , b ]');
    assert.equal(nls('f(\n{\na\nb\n})'), 'f ( { |a |b |} )');
    assert.equal(nls('"${\na\n}"'), 'gstart |a gend');
  });

  test('comments are whitespace; a newline in /* */ does not count; backslash joins lines', () => {
    assert.equal(nls('a // c\nb'), 'a |b');
    assert.equal(nls('a /* x\ny */ b'), 'a b');
    assert.equal(nls('a \\\n b'), 'a b');
  });

  test('shebang and BOM', () => {
    const lx = new Lexer('\uFEFF#!/usr/bin/env groovy\n#!second\nfoo');
    const t = lx.next();
    assert.equal(lx.shebang, '#!/usr/bin/env groovy');
    assert.deepEqual([t.kind, t.text, t.line, t.col], ['ident', 'foo', 3, 1]);
    assert.match(lastError('a\n#!x').text, /unexpected character '#'/);
  });

  test('line and column positions (UTF-16 columns, tabs count 1)', () => {
    const ts = toks('a\n\tbb  c\r\n  d');
    assert.deepEqual(ts.map((t) => [t.text, t.line, t.col, t.start, t.end]), [
      ['a', 1, 1, 0, 1], ['bb', 2, 2, 3, 5], ['c', 2, 6, 7, 8], ['d', 3, 3, 12, 13],
    ]);
    const s = toks("x = '''a\nbc'''")[2]!;
    assert.deepEqual([s.line, s.col, s.endLine, s.endCol], [1, 5, 2, 6]);
  });
});

describe('lexer: errors', () => {
  test('unterminated strings point at the opening quote', () => {
    const e1 = lastError("sh 'abc\nfoo");
    assert.equal(e1.text, 'unterminated string literal started here');
    assert.deepEqual([e1.line, e1.col], [1, 4]);
    const e2 = lastError('x\ny = """abc');
    assert.equal(e2.text, 'unterminated """ string literal started here');
    assert.deepEqual([e2.line, e2.col], [2, 5]);
    const e3 = lastError("a = 1\nb = '''xx\nyy");
    assert.equal(e3.text, "unterminated ''' string literal started here");
    assert.deepEqual([e3.line, e3.col], [2, 5]);
    assert.equal(lastError('x = /abc').text, 'unterminated slashy string /.../ started here');
    assert.equal(lastError('x = $/abc').text, 'unterminated dollar-slashy string $/.../$ started here');
    assert.equal(lastError('/* abc').text, 'unterminated comment started here');
  });

  test('a runaway string inside ${ is reported as the unclosed ${', () => {
    const e = lastError('echo "a ${b"\nnext()');
    assert.equal(e.text, "unterminated '${' started here: the '}' that closes it is missing");
    assert.deepEqual([e.line, e.col], [1, 9]);
  });

  test('bad escapes and characters', () => {
    const e = lastError(String.raw`sh 'grep \d x'`);
    assert.match(e.text, /^invalid escape sequence '\\d'/);
    assert.equal(e.col, 10);
    assert.match(lastError(String.raw`'\u12'`).text, /^invalid unicode escape/);
    assert.match(lastError('a ` b').text, /backquoted/);
    assert.match(lastError('a \u00a0b').text, /U\+00A0 \(no-break space\)/);
    assert.match(lastError('x = \u201chi\u201d').text, /plain quotes/);
  });

  test('after an error or the end, the same token is returned forever', () => {
    const lx = new Lexer("'x");
    const a = lx.next();
    assert.equal(a.kind, 'error');
    assert.equal(lx.next(), a);
    const lx2 = new Lexer('');
    const e = lx2.next();
    assert.equal(e.kind, 'eof');
    assert.equal(lx2.next(), e);
  });
});
