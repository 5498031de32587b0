// groovy.json as Groovy 2.4 has it: JsonOutput.toJson, JsonOutput.prettyPrint, and the numbers
// JsonSlurper / JsonSlurperClassic give.
//
// Why: JSON.stringify writes a whole Double `2.0d` as `2`, a BigDecimal `1.10` as `1.1`, a Float
// with its double digits, and é as itself; Groovy writes each Number with its own toString()
// (`2.0`, `1.10`, `1.0E20`, `1.1`), escapes every character outside printable ASCII as \uXXXX,
// and refuses NaN and Infinity. prettyPrint re-lays the tokens of its input (it does not
// validate it) with four-space indents, an empty object or list taking three lines, and strings
// re-escaped as toJson escapes them. Groovy's slurpers read an integer as an Integer, a Long or
// a BigInteger by its size, and any number with a fraction or an exponent as a BigDecimal;
// JsonSlurperClassic's objects are HashMaps (hash order), JsonSlurper's come with sorted keys.
//
// How: toJson walks the value; prettyPrint is a small lexer and printer; parseJson is a
// recursive-descent parser (nesting capped) that builds script values directly.
import type { Loc } from '../../core/build.ts';
import { scriptError, type ScriptError } from './errors.ts';
import { toGroovyString } from './format.ts';
import { BigDec, isDecimal } from './decimal.ts';
import { DoubleValue } from './double-value.ts';
import { LongValue, bigIntegerOf, longOf } from './long-value.ts';
import { isClosure, isHostObject, isRange, rangeToList, type GList, type GMap, type Value } from './values.ts';
import { makeSet } from './sets.ts';
import { keyString, stringKey } from './map-keys.ts';

/** Nesting deeper than this is refused (the parser and the writer recurse). */
const MAX_DEPTH = 1000;

function jsonError(message: string, loc: Loc | null): ScriptError {
  return scriptError('json', message, loc, 'groovy.json.JsonException');
}

/** A string as Groovy's JsonOutput writes it: quoted, with \uXXXX for anything outside printable ASCII. */
export function jsonQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        out += c < 0x20 || c > 0x7e ? '\\u' + c.toString(16).padStart(4, '0') : s[i];
    }
  }
  return out + '"';
}

function isNumber(v: Value): boolean {
  return typeof v === 'number' || v instanceof LongValue || v instanceof DoubleValue || isDecimal(v);
}

/** groovy.json.JsonOutput.toJson(v). */
export function groovyToJson(v: Value, loc: Loc | null, depth = 0): string {
  if (depth > MAX_DEPTH) throw jsonError(`JsonOutput.toJson: more than ${MAX_DEPTH} levels of nesting`, loc);
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonQuote(v);
  if (typeof v === 'boolean') return String(v);
  if (isNumber(v)) {
    const n = typeof v === 'number' ? v : v instanceof DoubleValue ? v.v : null;
    if (n !== null && Number.isNaN(n)) throw jsonError("Number NaN can't be serialized as JSON: NaN are not allowed in JSON.", loc);
    if (n !== null && !Number.isFinite(n)) throw jsonError(`Number ${n > 0 ? 'Infinity' : '-Infinity'} can't be serialized as JSON: infinite are not allowed in JSON.`, loc);
    return toGroovyString(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => groovyToJson(x, loc, depth + 1)).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${jsonQuote(keyString(k, toGroovyString))}:${groovyToJson(x, loc, depth + 1)}`).join(',')}}`;
  if (isRange(v)) return `[${rangeToList(v).map((x) => groovyToJson(x, loc, depth + 1)).join(',')}]`;
  if (isClosure(v)) return jsonQuote(toGroovyString(v));
  if (isHostObject(v) && v.typeName === 'java.util.Date' && typeof (v as { time?: unknown }).time === 'number') {
    // JsonOutput writes a Date as yyyy-MM-dd'T'HH:mm:ssZ in GMT
    const iso = new Date((v as unknown as { time: number }).time).toISOString();
    return jsonQuote(`${iso.slice(0, 19)}+0000`);
  }
  if (isHostObject(v)) return jsonQuote(toGroovyString(v));
  return jsonQuote(String(v));
}

// ---------------------------------------------------------------------------------------------
// prettyPrint

type Tok = { t: '{' | '}' | '[' | ']' | ',' | ':' } | { t: 'str'; v: string } | { t: 'raw'; v: string };

function lineCol(text: string, i: number): string {
  const before = text.slice(0, i);
  const line = before.split('\n').length;
  return `line: ${line}, column: ${i - before.lastIndexOf('\n')}`;
}

/** The body of a JSON string starting after its quote at `i`: [decoded, index after the closing quote]. */
function readString(text: string, i: number, loc: Loc | null): [string, number] {
  let out = '';
  for (;;) {
    if (i >= text.length) throw jsonError(`Lexing failed on ${lineCol(text, i)}, while reading a string: no closing quote`, loc);
    const c = text[i]!;
    if (c === '"') return [out, i + 1];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    switch (e) {
      case '"': case '\\': case '/': out += e; i += 2; break;
      case 'b': out += '\b'; i += 2; break;
      case 'f': out += '\f'; i += 2; break;
      case 'n': out += '\n'; i += 2; break;
      case 'r': out += '\r'; i += 2; break;
      case 't': out += '\t'; i += 2; break;
      case 'u': {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw jsonError(`Lexing failed on ${lineCol(text, i)}, while reading a string: bad \\u escape`, loc);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        break;
      }
      default: throw jsonError(`Lexing failed on ${lineCol(text, i)}, while reading a string: bad escape \\${e ?? ''}`, loc);
    }
  }
}

function lex(text: string, loc: Loc | null): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '{' || c === '}' || c === '[' || c === ']' || c === ',' || c === ':') {
      toks.push({ t: c });
      i++;
    } else if (c === '"') {
      const [s, next] = readString(text, i + 1, loc);
      toks.push({ t: 'str', v: s });
      i = next;
    } else if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      if (text.slice(i, i + word.length) !== word) {
        throw jsonError(`Lexing failed on ${lineCol(text, Math.min(i + word.length, text.length))}, while reading '${text.slice(i, i + word.length)}', was trying to match the constant '${word}'`, loc);
      }
      toks.push({ t: 'raw', v: word });
      i += word.length;
    } else {
      const m = /^-?\d[\d.eE+-]*/.exec(text.slice(i, i + 400));
      if (!m) throw jsonError(`Lexing failed on ${lineCol(text, i)}, while reading '${c}': unexpected character`, loc);
      toks.push({ t: 'raw', v: m[0] });
      i += m[0].length;
    }
  }
  return toks;
}

/** groovy.json.JsonOutput.prettyPrint(text), laid out as Groovy 2.4 lays it out. */
export function groovyPrettyPrint(text: string, loc: Loc | null): string {
  let out = '';
  let indent = 0;
  for (const tok of lex(text, loc)) {
    switch (tok.t) {
      case '{':
      case '[':
        indent += 4;
        out += tok.t + '\n' + ' '.repeat(indent);
        break;
      case '}':
      case ']':
        indent -= 4;
        out += '\n' + (indent > 0 ? ' '.repeat(indent) : '') + tok.t;
        break;
      case ',': out += ',\n' + ' '.repeat(Math.max(indent, 0)); break;
      case ':': out += ': '; break;
      case 'str': out += jsonQuote(tok.v); break;
      default: out += tok.v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JsonSlurper / JsonSlurperClassic

/** A number of JSON text as Groovy's slurpers read it. */
function numberOf(src: string, loc: Loc | null): Value {
  if (/^-?\d+$/.test(src)) {
    const b = BigInt(src);
    if (b >= -2147483648n && b <= 2147483647n) return Number(b);
    if (b >= -9223372036854775808n && b <= 9223372036854775807n) return longOf(b);
    return bigIntegerOf(b, loc);
  }
  const d = BigDec.parse(src);
  if (d === null) throw jsonError(`Unable to parse the JSON text: bad number ${src.slice(0, 40)}`, loc);
  return d;
}

/**
 * How each slurper orders an object's keys: JsonSlurperClassic makes a java.util.HashMap (its
 * keys in HashMap's order), JsonSlurper a LazyMap whose keys come sorted (as Groovy 2.4 prints
 * them). Kiln's maps keep the order they are built in; later puts go at the end.
 */
export type JsonKeyOrder = 'hash' | 'sorted';

function ordered(m: GMap, order: JsonKeyOrder): GMap {
  if (m.size < 2) return m;
  const keys = order === 'sorted' ? [...m.keys()].sort() : (makeSet(m.keys(), 'java.util.HashSet') as string[]);
  return new Map(keys.map((k) => [k, m.get(k) ?? null]));
}

/** Parses JSON text into script values (maps, lists, Integer/Long/BigInteger/BigDecimal numbers). */
export function parseJson(text: string, loc: Loc | null, order: JsonKeyOrder = 'hash'): Value {
  let i = 0;
  const fail = (what: string): never => {
    throw jsonError(`Unable to parse the JSON text: ${what} at ${lineCol(text, i)}`, loc);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const value = (depth: number): Value => {
    if (depth > MAX_DEPTH) fail(`more than ${MAX_DEPTH} levels of nesting`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const m: GMap = new Map();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a quoted key');
        const [k, next] = readString(text, i + 1, loc);
        i = next;
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        m.set(stringKey(k), value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return ordered(m, order);
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const l: GList = [];
      ws();
      if (text[i] === ']') {
        i++;
        return l;
      }
      for (;;) {
        l.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return l;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') {
      const [s, next] = readString(text, i + 1, loc);
      i = next;
      return s;
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 10_100));
    if (!m) return fail(c === undefined ? 'unexpected end of the text' : `unexpected character '${c}'`);
    i += m[0].length;
    return numberOf(m[0], loc);
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('unexpected text after the value');
  return v;
}

// ---------------------------------------------------------------------------------------------
// JsonSlurperClassic as Groovy 2.4 has it (JsonLexer + JsonSlurperClassic.parseArray/parseObject):
// its leniencies ([1,] and {"a":1,} are read, text after the value is ignored, 01 is a number)
// and its error messages, word for word.

type CTok = { type: '{' | '}' | '[' | ']' | ',' | ':' | 'null' | 'true' | 'false' | 'number' | 'string'; text: string; value: Value; line: number; col: number };

const CLASSIC_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const CLASSIC_LABEL: Record<string, string> = { null: "the constant 'null'", true: "the constant 'true'", false: "the constant 'false'", number: 'a number' };

/** JsonLexer over a LineColumnReader: line and column (1-based) of the next character to read. */
class ClassicLexer {
  i = 0;
  line = 1;
  col = 1;
  readonly text: string;
  readonly loc: Loc | null;
  constructor(text: string, loc: Loc | null) {
    this.text = text;
    this.loc = loc;
  }
  #read(): string | undefined {
    const c = this.text[this.i];
    if (c === undefined) return undefined;
    this.i++;
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else this.col++;
    return c;
  }
  #fail(what: string): never {
    throw jsonError(`Lexing failed on line: ${this.line}, column: ${this.col}, while reading ${what}`, this.loc);
  }
  /** The next token, or null at the end of the text (or inside a string that never ends validly). */
  next(): CTok | null {
    while (this.i < this.text.length && /[\t\n\u000b\f\r \u001c-\u001f]/.test(this.text[this.i]!)) this.#read();
    const c = this.text[this.i];
    if (c === undefined) return null;
    const line = this.line;
    const col = this.col;
    if ('{}[],:'.includes(c)) {
      this.#read();
      return { type: c as CTok['type'], text: c, value: null, line, col };
    }
    if (c === '"') {
      // read up to a quote that closes a valid string (Groovy matches the text read so far against
      // its string pattern at each quote): after a bad escape none does, and the text runs out
      let s = this.#read()!;
      let bad = false;
      for (;;) {
        const r = this.#read();
        if (r === undefined) return null;
        s += r;
        if (r === '"') {
          if (!bad) break;
        } else if (r === '\\') {
          const e = this.#read();
          if (e === undefined) return null;
          s += e;
          if (e === 'u') {
            for (let k = 0; k < 4; k++) {
              const h = this.#read();
              if (h === undefined) return null;
              s += h;
              if (!/[0-9a-fA-F]/.test(h)) bad = true;
            }
          } else if (!'"\\/bfnrt'.includes(e)) bad = true;
        }
      }
      const [v] = readString(s, 1, this.loc);
      return { type: 'string', text: s, value: v, line, col };
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      let s = '';
      while (this.i < this.text.length && /[0-9+\-.eE]/.test(this.text[this.i]!)) s += this.#read();
      if (!CLASSIC_NUMBER.test(s)) this.#fail(`'${s}', was trying to match a number`);
      return { type: 'number', text: s, value: numberOf(s, this.loc), line, col };
    }
    for (const word of ['true', 'false', 'null'] as const) {
      if (c !== word[0]) continue;
      let s = '';
      for (let k = 0; k < word.length; k++) {
        const r = this.#read();
        // Groovy reads into a char[] of the constant's length: what the text lacks stays '\0'
        s += r ?? '\0';
      }
      if (s !== word) this.#fail(`'${s}', was trying to match ${CLASSIC_LABEL[word]}`);
      return { type: word, text: s, value: word === 'true' ? true : word === 'false' ? false : null, line, col };
    }
    this.#fail(`'${c}', no possible valid JSON value or punctuation could be recognized.`);
  }
}

/** groovy.json.JsonSlurperClassic.parseText: a HashMap for an object, an ArrayList for an array. */
export function parseJsonClassic(text: string, loc: Loc | null): Value {
  const lx = new ClassicLexer(text, loc);
  const end = (what: string, kind: 'array' | 'object'): never => {
    throw jsonError(`${what} on line: ${lx.line}, column: ${lx.col}.\nBut got an unterminated ${kind}.`, loc);
  };
  const got = (what: string, t: CTok, comma = true): never => {
    throw jsonError(`${what} on line: ${t.line}${comma ? ',' : ''} column: ${t.col}.\nBut got '${t.text}' instead.`, loc);
  };
  const isValue = (t: CTok) => t.type === 'null' || t.type === 'true' || t.type === 'false' || t.type === 'number' || t.type === 'string';
  const array = (depth: number): GList => {
    if (depth > MAX_DEPTH) throw jsonError(`Unable to parse the JSON text: more than ${MAX_DEPTH} levels of nesting`, loc);
    const l: GList = [];
    for (;;) {
      let t = lx.next();
      if (t === null) return end('Expected a value', 'array');
      if (t.type === '{') l.push(object(depth + 1));
      else if (t.type === '[') l.push(array(depth + 1));
      else if (isValue(t)) l.push(t.value);
      else if (t.type === ']') return l;
      else got('Expected a value, an array, or an object', t);
      t = lx.next();
      if (t === null) return end('Expected a value', 'array');
      if (t.type === ']') return l;
      if (t.type !== ',') got("Expected a value or a closing square bracket ']'", t, false);
    }
  };
  const object = (depth: number): GMap => {
    if (depth > MAX_DEPTH) throw jsonError(`Unable to parse the JSON text: more than ${MAX_DEPTH} levels of nesting`, loc);
    const m: GMap = new Map();
    for (;;) {
      let t = lx.next();
      if (t === null) return end('Expected a String key', 'object');
      if (t.type === '}') return ordered(m, 'hash');
      if (t.type !== 'string') got('Expected a string key', t);
      const key = t!.value as string;
      t = lx.next();
      // (sic: Groovy 2.4 says "a a colon" here)
      if (t === null) return end("Expected a a colon ':'", 'object');
      if (t.type !== ':') got("Expected a colon ':'", t);
      t = lx.next();
      if (t === null) return end('Expected a value', 'object');
      if (t.type === '{') m.set(stringKey(key), object(depth + 1));
      else if (t.type === '[') m.set(stringKey(key), array(depth + 1));
      else if (isValue(t)) m.set(stringKey(key), t.value);
      else got('Expected a value, an array, or an object', t);
      t = lx.next();
      if (t === null) return end('Expected a value', 'object');
      if (t.type === '}') return ordered(m, 'hash');
      if (t.type !== ',') got("Expected a value or a closing curly brace '}'", t);
    }
  };
  const first = lx.next();
  // Groovy 2.4 asks a null token its type: text of only whitespace is a NullPointerException
  if (first === null) throw scriptError('null', 'Cannot invoke "groovy.json.JsonToken.getType()" because "token" is null', loc, 'java.lang.NullPointerException');
  if (first.type === '{') return object(1);
  if (first.type === '[') return array(1);
  throw jsonError(`A JSON payload should start with an openning curly brace '{' or an openning square bracket '['.\nInstead, '${first.text}' was found on line: ${first.line}, column: ${first.col}`, loc);
}
