// readProperties: Java .properties text into a map, as Jenkins' step (java.util.Properties.load,
// then optional interpolation of ${key} references).
//
// Why our own parser: the format is small but its details are Java's own (logical lines joined
// by an odd number of trailing backslashes with the next line's leading blanks dropped, `#` / `!`
// comments only at the start of a line, the key ending at the first unescaped `=`, `:` or blank,
// `\uXXXX` and `\t \n \r \f` escapes, any other escaped character standing for itself), and the
// npm parsers we looked at differ from Java on several of them (comments after values, `:`
// separators, continuation blanks, `\u` escapes); a wrong value here is a wrong build silently.
// So: parseProperties below follows Properties.load's LineReader and loadConvert, tested
// against those rules (test/plugins/utility-steps/properties.test.ts).
//
// The step: `defaults` first, then `file` (a missing file or a directory is a warning, as in
// Jenkins, not an error), then `text`; later keys win. `interpolate: true` replaces ${key} by
// the value of key (recursively; unknown keys stay as written; a cycle prints Jenkins' two lines
// and returns the values uninterpolated); the lookups base64Decoder:, base64Encoder:,
// urlDecoder:, urlEncoder: that Jenkins allows work too (date: does not).
import type { StepRun } from '../../pipeline/plugin.ts';
import { KilnError, StepFailure } from '../../core/errors.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { MAX_JSON_CHARS } from '../../pipeline/steps/parse-limits.ts';
import { mb, wsPath } from './files.ts';

/** Thrown for text Properties.load refuses (a malformed \u escape), with the line. */
export class PropertiesSyntaxError extends KilnError {
  constructor(message: string) {
    super('properties.syntax', message);
  }
}

const BLANK = new Set([' ', '\t', '\f']);

/** The logical lines of `text`: comments and blank lines dropped, continuations joined (escapes still raw). */
function logicalLines(text: string): { line: string; at: number }[] {
  const natural = text.split(/\r\n|\r|\n/);
  const out: { line: string; at: number }[] = [];
  let i = 0;
  while (i < natural.length) {
    const at = i + 1;
    let line = natural[i++]!;
    let start = 0;
    while (start < line.length && BLANK.has(line[start]!)) start++;
    line = line.slice(start);
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    // an odd number of trailing backslashes: the line goes on, without the next line's leading blanks
    for (;;) {
      let n = 0;
      while (n < line.length && line[line.length - 1 - n] === '\\') n++;
      if (n % 2 === 0 || i >= natural.length) {
        if (n % 2 === 1) line = line.slice(0, -1); // a last line ending in a lone backslash: dropped
        break;
      }
      let next = natural[i++]!;
      let s = 0;
      while (s < next.length && BLANK.has(next[s]!)) s++;
      next = next.slice(s);
      line = line.slice(0, -1) + next;
    }
    out.push({ line, at });
  }
  return out;
}

/** Java's loadConvert: the escapes of a key or value. */
function unescape(s: string, at: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i === s.length - 1) { out += c === '\\' ? '' : c; continue; }
    const e = s[++i]!;
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(`Malformed \\uxxxx encoding at line ${at}`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  }
  return out;
}

/** Properties.load: key/value pairs in order (a later duplicate wins when put into a map). */
export function parseProperties(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const { line, at } of logicalLines(text)) {
    let k = 0;
    let escaped = false;
    // the key ends at the first unescaped separator or blank
    while (k < line.length) {
      const c = line[k]!;
      if (escaped) { escaped = false; k++; continue; }
      if (c === '\\') { escaped = true; k++; continue; }
      if (c === '=' || c === ':' || BLANK.has(c)) break;
      k++;
    }
    let v = k;
    while (v < line.length && BLANK.has(line[v]!)) v++;
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++;
    while (v < line.length && BLANK.has(line[v]!)) v++;
    out.push([unescape(line.slice(0, k), at), unescape(line.slice(v), at)]);
  }
  return out;
}

const LOOKUPS: Record<string, (s: string) => string> = {
  base64Decoder: (s) => Buffer.from(s, 'base64').toString('utf8'),
  base64Encoder: (s) => Buffer.from(s, 'utf8').toString('base64'),
  urlDecoder: (s) => decodeURIComponent(s.replace(/\+/g, ' ')),
  urlEncoder: (s) => encodeURIComponent(s).replace(/%20/g, '+'),
};

/** ${key} references replaced by the values of other keys; throws on a cycle. */
export function interpolate(props: Map<string, Value>): Map<string, Value> {
  const done = new Map<string, string>();
  const resolve = (key: string, stack: string[]): string | undefined => {
    if (done.has(key)) return done.get(key);
    if (!props.has(key)) return undefined;
    if (stack.includes(key)) throw new Error(`Infinite loop in property interpolation of \${${stack[0]}}: ${[...stack, key].join('->')}`);
    const raw = props.get(key);
    if (typeof raw !== 'string') return raw === null || raw === undefined ? undefined : String(raw);
    const value = expand(raw, [...stack, key]);
    done.set(key, value);
    return value;
  };
  const expand = (s: string, stack: string[]): string => s.replace(/\$\{([^{}]+)\}/g, (whole, name: string) => {
    const colon = name.indexOf(':');
    if (colon > 0 && LOOKUPS[name.slice(0, colon)]) return LOOKUPS[name.slice(0, colon)]!(name.slice(colon + 1));
    return resolve(name, stack) ?? whole;
  });
  const out = new Map<string, Value>();
  for (const [k, v] of props) out.set(k, typeof v === 'string' ? resolve(k, []) ?? v : v);
  return out;
}

export const readProperties: StepRun = async (ctx, args) => {
  const file = str(args, 'file');
  const text = str(args, 'text');
  const defaults = args.values.defaults;
  if (defaults !== undefined && defaults !== null && !isMap(defaults)) throw new StepFailure('readProperties: defaults must be a map, like [key: \'value\']');
  const props: GMap = new Map();
  if (isMap(defaults)) for (const [k, v] of defaults) props.set(k, v);
  const load = (source: string, where: string) => {
    if (source.length > MAX_JSON_CHARS) throw new StepFailure(`readProperties: ${where} is too large: ${mb(source.length)} (the limit is ${mb(MAX_JSON_CHARS)})`);
    try {
      for (const [k, v] of parseProperties(source)) props.set(k, v);
    } catch (err) {
      throw new StepFailure(`readProperties: ${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (file !== undefined && file.trim() !== '') {
    const ws = ctx.workspace();
    const abs = wsPath(ctx, 'readProperties', file);
    const st = await ws.stat(abs);
    if (!st) ctx.log(`warning: ${abs} does not exist, omitting from properties gathering`);
    else if (st.type === 'dir') ctx.log(`warning: ${abs} is a directory, omitting from properties gathering`);
    else {
      if (st.size > MAX_JSON_CHARS) throw new StepFailure(`readProperties: ${abs} is too large: ${mb(st.size)} (the limit is ${mb(MAX_JSON_CHARS)})`);
      load((await ws.readFile(abs)).toString('utf8'), abs);
    }
  }
  if (text !== undefined && text.trim() !== '') load(text, 'text');
  if (!bool(args, 'interpolate', false)) return props;
  ctx.log('Interpolation set to true, starting to parse the variable!');
  try {
    return interpolate(props);
  } catch (err) {
    ctx.log(`Got exception while interpolating the variables: ${err instanceof Error ? err.message : String(err)}`);
    ctx.log('Returning the original properties list!');
    return props;
  }
};
