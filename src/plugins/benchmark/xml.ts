// XML result files in the layouts of the Benchmark plugin's XML schemas (its schemas/default.xml
// and schemas/simplest.xml, as its doc/EXAMPLE_SCHEMA_XML_*.md describe them), turned into the
// JSON layout of the same-named JSON schema (schemas.ts) so that map.ts maps them as it maps JSON:
//   default   <group name="g"><description/><parameter name="p"><value/><unit/></parameter>
//             <parameters><parameter .../></parameters><test name="t"><description/>
//             <result name="r"><description/><unit/><boolValue|intValue|dblValue|value/><id/><message/>
//             <threshold method="absolute"><minimum/><maximum/><delta/><percentage/></threshold>
//             <thresholds><threshold .../></thresholds></result></test></group>
//   simplest  <result><name/><description/><value/><unit/><id/><message/>
//             <parameter><name/><description/><value/><unit/></parameter>
//             <threshold><method/><minimum/><maximum/><delta/><percentage/></threshold></result>
// A name or method is the attribute or the child element. Text becomes what the JSON file would
// hold: boolValue true/false, intValue an integer, dblValue and the thresholds' numbers numbers,
// a result's `value` a number or boolean when it reads as one, else its text (a parameter's value stays text). A DOCTYPE is refused (as the
// plugin's parser, which disallows doctype declarations); nothing is fetched or expanded.
import { XMLParser } from 'fast-xml-parser';
import { MapError } from './map.ts';

const REPEATED = new Set(['group', 'test', 'result', 'parameter', 'parameters', 'threshold', 'thresholds']);
const parser = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text',
  isArray: (name) => REPEATED.has(name),
  processEntities: false, parseTagValue: false, parseAttributeValue: false, trimValues: true,
});

type Node = Record<string, unknown>;
const nodes = (v: unknown): Node[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (x !== null && typeof x === 'object' ? x as Node : { '#text': x }));
const text = (n: Node, key: string): string | undefined => {
  const a = n[`@${key}`];
  if (typeof a === 'string') return a;
  const c = n[key];
  const first = Array.isArray(c) ? c[0] : c;
  if (first === undefined) return undefined;
  if (first !== null && typeof first === 'object') { const t = (first as Node)['#text']; return t === undefined ? '' : String(t); }
  return String(first);
};

function num(where: string, key: string, s: string | undefined, integer = false): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const t = s.trim();
  if (!(integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/).test(t)) throw new MapError(`${where}: <${key}> '${t.slice(0, 80)}' is not ${integer ? 'an integer' : 'a number'}`);
  return Number(t);
}

function loose(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  return s;
}

const put = (o: Record<string, unknown>, k: string, v: unknown) => { if (v !== undefined) o[k] = v; };

function parameter(p: Node): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  put(o, 'name', text(p, 'name')); put(o, 'description', text(p, 'description')); put(o, 'unit', text(p, 'unit')); put(o, 'value', text(p, 'value'));
  return o;
}

function parametersOf(n: Node): Record<string, unknown>[] {
  return [...nodes(n['parameter']), ...nodes(n['parameters']).flatMap((g) => nodes(g['parameter']))].map(parameter);
}

function threshold(t: Node, where: string): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  put(o, 'method', text(t, 'method'));
  for (const k of ['minimum', 'maximum', 'delta', 'percentage']) put(o, k, num(where, k, text(t, k)));
  return o;
}

function thresholdsOf(n: Node, where: string): Record<string, unknown>[] {
  return [...nodes(n['threshold']), ...nodes(n['thresholds']).flatMap((g) => nodes(g['threshold']))].map((t) => threshold(t, where));
}

function result(r: Node, where: string, simplest: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const name = text(r, 'name');
  const w = `${where} result '${name ?? ''}'`;
  put(o, 'name', name); put(o, 'description', text(r, 'description')); put(o, 'unit', text(r, 'unit'));
  put(o, 'id', text(r, 'id')); put(o, 'message', text(r, 'message'));
  const b = text(r, 'boolValue');
  if (b !== undefined) {
    if (!/^(true|false)$/i.test(b.trim())) throw new MapError(`${w}: <boolValue> '${b.slice(0, 80)}' must be true or false`);
    o['boolValue'] = b.trim().toLowerCase() === 'true';
  }
  put(o, 'intValue', num(w, 'intValue', text(r, 'intValue'), true));
  put(o, 'dblValue', num(w, 'dblValue', text(r, 'dblValue')));
  put(o, 'value', loose(text(r, 'value')));
  const params = parametersOf(r);
  if (simplest || params.length > 0) o['parameters'] = params;
  o['thresholds'] = thresholdsOf(r, w);
  return o;
}

/** The XML result file `file` as the JSON content of `selection`'s JSON schema. */
export function xmlContent(xml: string, selection: 'defaultSchema' | 'simplestSchema', file: string): unknown {
  if (/<!DOCTYPE/i.test(xml)) throw new MapError(`Result file '${file}': a DOCTYPE declaration is not allowed`);
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (e) {
    throw new MapError(`Result file '${file}' is not valid XML: ${(e as Error).message.split('\n')[0]}`);
  }
  const where = `Result file '${file}'`;
  if (selection === 'simplestSchema') {
    const r = nodes(doc['result']);
    if (r.length !== 1) throw new MapError(`The content does not comply with standard formats. ('${file}' must have one <result> root element for simplestSchema)`);
    return result(r[0]!, where, true);
  }
  const groups = nodes(doc['group']);
  if (groups.length === 0) throw new MapError(`The content does not comply with standard formats. ('${file}' must have a <group> root element for defaultSchema)`);
  return {
    groups: groups.map((g) => ({
      name: text(g, 'name'), description: text(g, 'description'), parameters: parametersOf(g),
      tests: nodes(g['test']).map((t) => ({
        name: text(t, 'name'), description: text(t, 'description'), parameters: parametersOf(t),
        results: nodes(t['result']).map((r) => result(r, `${where} test '${text(t, 'name') ?? ''}'`, false)),
      })),
    })),
  };
}
