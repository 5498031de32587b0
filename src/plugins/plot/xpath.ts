// The XML side of the plot step's xmlSeries: the file parsed into a small tree, and an XPath
// subset evaluated on it the way XMLSeries reads the result per nodeType.
//
// Hostile input: a DOCTYPE is refused before parsing (no entity of any kind is expanded: no
// billion laughs, no external file or URL is read: no XXE), the caller bounds the file's size,
// the tree is bounded by MAX_XML_NODES, and the XPath is parsed by a small recursive-descent
// parser over a fixed grammar (no functions beyond those below, no variables, no extension
// calls, no document()).
//
// The subset (XPath 1.0 syntax):
//   expr      := path | fn '(' path ')'            fn: count, sum, number, string, boolean
//   path      := ('/' | '//')? step (('/' | '//') step)*
//   step      := name | '*' | '@' name | '@*' | 'text()' | 'node()' | '.' | '..'   then predicates
//                (a name may have a prefix: 'ns:item' matches the name as written in the file)
//   predicate := '[' integer ']' | '[last()]' | '[' operand (op operand)? ']'
//   operand   := '@' name | name (a child element's text) | 'text()' | '.' | 'string'-literal | number
//   op        := = != < <= > >=
import { XMLParser } from 'fast-xml-parser';
import { KilnError } from '../../core/errors.ts';

export const MAX_XML_NODES = 500_000;

export class PlotXmlError extends KilnError {
  constructor(message: string) {
    super('plot.xml', message);
  }
}

export interface El { kind: 'el'; name: string; attrs: Attr[]; children: XNode[]; parent: El | null }
export interface Txt { kind: 'text'; text: string; parent: El }
export interface Attr { kind: 'attr'; name: string; value: string; parent: El }
export type XNode = El | Txt | Attr;

const parser = new XMLParser({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false,
  trimValues: false, processEntities: true, ignoreDeclaration: true, ignorePiTags: true, allowBooleanAttributes: true,
});

/** The document node (name '#document') of an XML text; throws PlotXmlError when it is not one Kiln reads. */
export function parseXml(text: string): El {
  if (/<!DOCTYPE/i.test(text)) throw new PlotXmlError('the file has a DOCTYPE: Kiln reads no DTD and expands no entity');
  let raw: unknown;
  try {
    raw = parser.parse(text, true);
  } catch (e) {
    throw new PlotXmlError(`not well-formed XML: ${(e as Error).message.split('\n')[0]}`);
  }
  const doc: El = { kind: 'el', name: '#document', attrs: [], children: [], parent: null };
  let count = 0;
  const build = (items: unknown, into: El) => {
    if (!Array.isArray(items)) return;
    for (const item of items as Record<string, unknown>[]) {
      if (++count > MAX_XML_NODES) throw new PlotXmlError(`more than ${MAX_XML_NODES} nodes`);
      if (typeof item['#text'] === 'string' || typeof item['#text'] === 'number') {
        into.children.push({ kind: 'text', text: String(item['#text']), parent: into });
        continue;
      }
      const name = Object.keys(item).find((k) => k !== ':@');
      if (!name || name.startsWith('?') || name === '#comment') continue;
      const el: El = { kind: 'el', name, attrs: [], children: [], parent: into };
      const at = item[':@'];
      if (at && typeof at === 'object') for (const [k, v] of Object.entries(at as Record<string, unknown>)) el.attrs.push({ kind: 'attr', name: k, value: v === true ? '' : String(v), parent: el });
      into.children.push(el);
      build(item[name], el);
    }
  };
  build(raw, doc);
  if (!doc.children.some((c) => c.kind === 'el')) throw new PlotXmlError('no root element');
  return doc;
}

/** DOM's getTextContent: the text of a node and its descendants. */
export function textContent(n: XNode): string {
  if (n.kind === 'text') return n.text;
  if (n.kind === 'attr') return n.value;
  let out = '';
  const walk = (e: El) => { for (const c of e.children) { if (c.kind === 'text') out += c.text; else if (c.kind === 'el') walk(c); } };
  walk(n);
  return out;
}

/** DOM's getNodeName. */
export const nodeName = (n: XNode): string => (n.kind === 'text' ? '#text' : n.name);

// ---- the XPath subset ----

type Test = { axis: 'child' | 'attr' | 'self' | 'parent'; name: string | '*' | 'text()' | 'node()' };
type Operand = { t: 'attr'; name: string } | { t: 'child'; name: string } | { t: 'text' } | { t: 'self' } | { t: 'lit'; v: string } | { t: 'num'; v: number };
type Pred = { t: 'pos'; n: number } | { t: 'last' } | { t: 'cmp'; a: Operand; op: string | null; b: Operand | null };
type Step = { descend: boolean; test: Test; preds: Pred[] };
export interface XPathExpr { fn: 'count' | 'sum' | 'number' | 'string' | 'boolean' | null; absolute: boolean; steps: Step[] }

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;

/** Parses `xpath` or throws PlotXmlError saying what is outside the subset. */
export function parseXPath(xpath: string): XPathExpr {
  const src = xpath.trim();
  if (src.length === 0) throw new PlotXmlError('the XPath is empty');
  if (src.length > 1000) throw new PlotXmlError('the XPath is longer than 1000 characters');
  let i = 0;
  const ws = () => { while (i < src.length && /\s/.test(src[i]!)) i++; };
  const fail = (what: string): never => { throw new PlotXmlError(`the XPath '${src}' is outside the subset Kiln reads (${what} at character ${i + 1}); see docs/build-tools.md`); };
  const eat = (s: string) => { ws(); if (src.startsWith(s, i)) { i += s.length; return true; } return false; };
  const name = (): string => { ws(); const m = NAME.exec(src.slice(i)); if (!m) fail('a name expected'); i += m![0].length; return m![0]; };
  let fn: XPathExpr['fn'] = null;
  const fm = /^(count|sum|number|string|boolean)\s*\(/.exec(src);
  if (fm) { fn = fm[1] as XPathExpr['fn']; i = fm[0].length; }
  const operand = (): Operand => {
    ws();
    if (eat('@')) return { t: 'attr', name: name() };
    if (eat('text()')) return { t: 'text' };
    const q = src[i];
    if (q === '"' || q === "'") { const end = src.indexOf(q, i + 1); if (end < 0) fail('an unclosed string'); const v = src.slice(i + 1, end); i = end + 1; return { t: 'lit', v }; }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { i += num[0].length; return { t: 'num', v: Number(num[0]) }; }
    if (eat('.')) return { t: 'self' };
    return { t: 'child', name: name() };
  };
  const pred = (): Pred => {
    ws();
    const int = /^\d+\s*\]/.exec(src.slice(i));
    if (int) { i += int[0].length; return { t: 'pos', n: parseInt(int[0], 10) }; }
    if (/^last\(\)\s*\]/.test(src.slice(i))) { i = src.indexOf(']', i) + 1; return { t: 'last' }; }
    const a = operand();
    ws();
    const op = /^(!=|<=|>=|=|<|>)/.exec(src.slice(i));
    let b: Operand | null = null;
    if (op) { i += op[0].length; b = operand(); }
    if (!eat(']')) fail("']' expected");
    return { t: 'cmp', a, op: op ? op[0] : null, b };
  };
  const steps: Step[] = [];
  ws();
  let absolute = false;
  let descend = false;
  if (eat('//')) { absolute = true; descend = true; } else if (eat('/')) absolute = true;
  for (;;) {
    ws();
    let test: Test;
    if (eat('@')) test = { axis: 'attr', name: eat('*') ? '*' : name() };
    else if (eat('text()')) test = { axis: 'child', name: 'text()' };
    else if (eat('node()')) test = { axis: 'child', name: 'node()' };
    else if (eat('..')) test = { axis: 'parent', name: 'node()' };
    else if (eat('.')) test = { axis: 'self', name: 'node()' };
    else if (eat('*')) test = { axis: 'child', name: '*' };
    else test = { axis: 'child', name: name() };
    const preds: Pred[] = [];
    while (eat('[')) preds.push(pred());
    steps.push({ descend, test, preds });
    descend = false;
    if (eat('//')) descend = true;
    else if (!eat('/')) break;
  }
  if (fn && !eat(')')) fail("')' expected");
  ws();
  if (i < src.length) fail(`'${src.slice(i, i + 20)}' not understood`);
  return { fn, absolute, steps };
}

function candidates(n: XNode, t: Test): XNode[] {
  if (t.axis === 'self') return [n];
  if (t.axis === 'parent') return n.parent ? [n.parent] : [];
  if (n.kind !== 'el') return [];
  if (t.axis === 'attr') return n.attrs.filter((a) => t.name === '*' || a.name === t.name);
  if (t.name === 'node()') return n.children;
  if (t.name === 'text()') return n.children.filter((c) => c.kind === 'text');
  return n.children.filter((c) => c.kind === 'el' && (t.name === '*' || c.name === t.name));
}

function descendantsOrSelf(n: XNode, out: XNode[]): void {
  out.push(n);
  if (n.kind === 'el') for (const c of n.children) if (c.kind === 'el') descendantsOrSelf(c, out);
}

const values = (n: XNode, o: Operand): string[] => {
  switch (o.t) {
    case 'attr': return n.kind === 'el' ? n.attrs.filter((a) => a.name === o.name).map((a) => a.value) : [];
    case 'child': return n.kind === 'el' ? n.children.filter((c): c is El => c.kind === 'el' && c.name === o.name).map(textContent) : [];
    case 'text': return n.kind === 'el' ? n.children.filter((c) => c.kind === 'text').map(textContent) : [];
    case 'self': return [textContent(n)];
    case 'lit': return [o.v];
    case 'num': return [String(o.v)];
  }
};

function compare(a: string, op: string, b: string, numeric: boolean): boolean {
  if (numeric || (op !== '=' && op !== '!=')) {
    const x = Number(a.trim()), y = Number(b.trim());
    switch (op) { case '=': return x === y; case '!=': return x !== y; case '<': return x < y; case '<=': return x <= y; case '>': return x > y; default: return x >= y; }
  }
  return op === '=' ? a === b : a !== b;
}

function keep(nodes: XNode[], p: Pred): XNode[] {
  if (p.t === 'pos') return nodes.length >= p.n && p.n >= 1 ? [nodes[p.n - 1]!] : [];
  if (p.t === 'last') return nodes.length ? [nodes[nodes.length - 1]!] : [];
  return nodes.filter((n) => {
    const av = values(n, p.a);
    if (!p.op || !p.b) return av.length > 0 && (p.a.t !== 'lit' || p.a.v !== '');
    const bv = values(n, p.b);
    const numeric = p.a.t === 'num' || p.b.t === 'num';
    return av.some((x) => bv.some((y) => compare(x, p.op!, y, numeric)));
  });
}

/** The node-set of the expression's path, in document order (each node once). */
export function selectNodes(doc: El, e: XPathExpr): XNode[] {
  let ctx: XNode[] = [doc];
  for (const s of e.steps) {
    const next: XNode[] = [];
    const seen = new Set<XNode>();
    let bases = ctx;
    if (s.descend) { const all: XNode[] = []; for (const n of ctx) descendantsOrSelf(n, all); bases = all; }
    for (const b of bases) {
      let found = candidates(b, s.test);
      for (const p of s.preds) found = keep(found, p);
      for (const f of found) if (!seen.has(f)) { seen.add(f); next.push(f); }
    }
    ctx = next;
    if (ctx.length > MAX_XML_NODES) throw new PlotXmlError(`the XPath selects more than ${MAX_XML_NODES} nodes`);
  }
  return ctx;
}

/** XPath's number(): NaN when the text is not a number. */
const xnumber = (s: string): number => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(s) ? Number(s) : Number.NaN);

/** The expression evaluated as javax.xml.xpath does for one result type. */
export function evaluate(doc: El, e: XPathExpr, type: 'NODESET' | 'NODE' | 'STRING' | 'NUMBER' | 'BOOLEAN'): XNode[] | XNode | null | string | number | boolean {
  const nodes = selectNodes(doc, e);
  let v: string | number | boolean | XNode[];
  switch (e.fn) {
    case 'count': v = nodes.length; break;
    case 'sum': v = nodes.reduce((s, n) => s + xnumber(textContent(n)), 0); break;
    case 'number': v = nodes.length ? xnumber(textContent(nodes[0]!)) : Number.NaN; break;
    case 'string': v = nodes.length ? textContent(nodes[0]!) : ''; break;
    case 'boolean': v = nodes.length > 0; break;
    default: v = nodes;
  }
  if (type === 'NODESET') {
    if (!Array.isArray(v)) throw new PlotXmlError(`nodeType NODESET needs an XPath that selects nodes, not ${e.fn}()`);
    return v;
  }
  if (type === 'NODE') {
    if (!Array.isArray(v)) throw new PlotXmlError(`nodeType NODE needs an XPath that selects nodes, not ${e.fn}()`);
    return v[0] ?? null;
  }
  const str = Array.isArray(v) ? (v.length ? textContent(v[0]!) : '') : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(v)) : String(v);
  if (type === 'STRING') return str;
  if (type === 'NUMBER') return Array.isArray(v) ? xnumber(str) : typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : xnumber(str);
  return Array.isArray(v) ? v.length > 0 : typeof v === 'number' ? v !== 0 && !Number.isNaN(v) : typeof v === 'boolean' ? v : v.length > 0;
}
