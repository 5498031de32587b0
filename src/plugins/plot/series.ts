// The plot step's three series kinds, read from a file's text into points as the Plot plugin's
// CSVSeries, PropertiesSeries and XMLSeries do (label, value, url per point).
import { PlotXmlError, evaluate, nodeName, parseXml, parseXPath, textContent, type XNode, type XPathExpr } from './xpath.ts';

export interface Point { value: string; label: string; url: string }

/** Points one series file may give (a CSV of a million cells is cut, said on the console). */
export const MAX_SERIES_POINTS = 5_000;

/** Series.getUrl: %name%, %index% and %build% replaced; a link other than http(s) or a path is dropped. */
export function pointUrl(base: string | null, label: string, index: number, build: number): string {
  if (!base) return '';
  const u = base.replaceAll('%name%', label).replaceAll('%index%', String(index)).replaceAll('%build%', String(build));
  return safeUrl(u);
}

/** http(s) URLs and paths only: a point's link never runs script (javascript:, data:). */
export function safeUrl(u: string): string {
  const t = u.trim();
  if (t === '') return '';
  if (/^https?:\/\//i.test(t)) return t.slice(0, 2000);
  if (/^[a-z][a-z0-9+.-]*:/i.test(t) || t.startsWith('//') || /[\u0000-\u001f]/.test(t)) return '';
  return t.slice(0, 2000);
}

// ---- CSV (opencsv's CSVReader defaults: ',' separator, '"' quotes, '\' escapes) ----

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let inField = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) { field += text[++i]; continue; }
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
        continue;
      }
      field += c;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) { field += text[++i]; inField = true; continue; }
    if (c === '"' && !inField) { quoted = true; inField = true; continue; }
    if (c === ',') { row.push(field); field = ''; inField = false; continue; }
    if (c === '\r' && text[i + 1] === '\n') continue;
    if (c === '\n' || c === '\r') { row.push(field); rows.push(row); row = []; field = ''; inField = false; continue; }
    field += c;
    inField = true;
  }
  if (field !== '' || row.length > 0 || inField) { row.push(field); rows.push(row); }
  return rows;
}

export type InclusionFlag = 'OFF' | 'INCLUDE_BY_STRING' | 'EXCLUDE_BY_STRING' | 'INCLUDE_BY_COLUMN' | 'EXCLUDE_BY_COLUMN';
export const INCLUSION_FLAGS: readonly InclusionFlag[] = ['OFF', 'INCLUDE_BY_STRING', 'EXCLUDE_BY_STRING', 'INCLUDE_BY_COLUMN', 'EXCLUDE_BY_COLUMN'];

/**
 * CSVSeries.loadSeries: the first row names the columns; every cell of every later row is a
 * point labelled with its column's header (or its index when the header has none), empty cells
 * and empty rows skipped, columns left out by inclusionFlag / exclusionValues (comma separated
 * headers or 0-based indexes; without exclusionValues nothing is left out).
 */
export function csvPoints(text: string, o: { inclusionFlag: InclusionFlag; exclusionValues: string | null; url: string | null; build: number }): { points: Point[]; cut: boolean } {
  const rows = parseCsv(text);
  const header = rows[0] ?? [];
  const flag: InclusionFlag = o.exclusionValues === null ? 'OFF' : o.inclusionFlag;
  const set = (o.exclusionValues ?? '').split(',').filter((s) => s.length > 0);
  const cols = new Set(set.map((s) => Number(s.trim())).filter((n) => Number.isInteger(n)));
  const excluded = (label: string, index: number): boolean => {
    switch (flag) {
      case 'INCLUDE_BY_STRING': return !set.includes(label);
      case 'EXCLUDE_BY_STRING': return set.includes(label);
      case 'INCLUDE_BY_COLUMN': return !cols.has(index);
      case 'EXCLUDE_BY_COLUMN': return cols.has(index);
      default: return false;
    }
  };
  const points: Point[] = [];
  for (const row of rows.slice(1)) {
    if (row.length === 1 && row[0] === '') continue;
    for (let index = 0; index < row.length; index++) {
      const value = row[index]!;
      if (value.trim().length === 0) continue;
      const h = header[index];
      const label = h === undefined || h.length === 0 ? String(index) : h;
      if (excluded(label, index)) continue;
      if (points.length >= MAX_SERIES_POINTS) return { points, cut: true };
      points.push({ value, label, url: pointUrl(o.url, label, index, o.build) });
    }
  }
  return { points, cut: false };
}

// ---- properties (java.util.Properties.load, for YVALUE and URL) ----

/** The key/value pairs of a .properties text (comments, separators '=', ':' or blanks, continuation lines, escapes). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // a line ending in an odd number of backslashes continues on the next
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    let k = 0;
    while (k < line.length && !/[=: \t\f]/.test(line[k]!)) k += line[k] === '\\' ? 2 : 1;
    const key = line.slice(0, k);
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(unescape(key), unescape(rest));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_all, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}

/** PropertiesSeries: one point, YVALUE labelled with the series' label, URL its link; null when YVALUE is absent. */
export function propertiesPoint(text: string, label: string): Point | null {
  const p = parseProperties(text);
  const y = p.get('YVALUE');
  if (y === undefined) return null;
  return { value: y, label, url: safeUrl(p.get('URL') ?? '') };
}

// ---- XML ----

/** Java's Double.toString for the values XMLSeries keeps ("3.0", "0.25", "1.0E7"). */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const a = Math.abs(x);
  if (a === 0 || (a >= 1e-3 && a < 1e7)) return Number.isInteger(x) ? x.toFixed(1) : String(x);
  const [m, e] = x.toExponential().split('e') as [string, string];
  return `${m.includes('.') ? m : `${m}.0`}E${e.startsWith('+') ? e.slice(1) : e}`;
}

/** Scanner.hasNextDouble / nextDouble on a text: its first token as a number (grouping commas allowed), or null. */
export function scanDouble(text: string): number | null {
  const tok = text.trim().split(/\s+/)[0] ?? '';
  if (!/^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$/.test(tok) || !/\d/.test(tok)) return tok === 'NaN' || /^[+-]?Infinity$/.test(tok) ? Number(tok) : null;
  return Number(tok.replaceAll(',', ''));
}

export type NodeType = 'NODESET' | 'NODE' | 'STRING' | 'NUMBER' | 'BOOLEAN';
export const NODE_TYPES: readonly NodeType[] = ['NODESET', 'NODE', 'STRING', 'NUMBER', 'BOOLEAN'];

/**
 * XMLSeries.loadSeries on a parsed XPath: NODESET: each node a point (label: its `name`
 * attribute or its name; value: its `time` attribute or its text) when every node's text is a
 * number, otherwise the nodes grouped by parent, each group giving one point from its last
 * non-numeric text (the label) and its last number (empty nodes stand for their attributes);
 * NODE: the first node, as one of a node-set; STRING/NUMBER/BOOLEAN: one point labelled with
 * the series' label. Values are numbers written as Java writes doubles; others are left out.
 */
export function xmlPoints(text: string, xpath: XPathExpr, type: NodeType, o: { label: string; url: string | null; build: number }): Point[] {
  const doc = parseXml(text);
  const result = evaluate(doc, xpath, type);
  const out: Point[] = [];
  const add = (label: string, raw: string | null) => {
    if (raw === null) return;
    const d = scanDouble(raw);
    if (d === null || out.length >= MAX_SERIES_POINTS) return;
    out.push({ value: javaDouble(d), label, url: pointUrl(o.url, label, 0, o.build) });
  };
  const nodeValue = (n: XNode): string => {
    const time = n.kind === 'el' ? n.attrs.find((a) => a.name === 'time') : undefined;
    return time ? time.value : textContent(n).trim();
  };
  const addNode = (n: XNode) => {
    const named = n.kind === 'el' ? n.attrs.find((a) => a.name === 'name') : undefined;
    add(named ? named.value.trim() : nodeName(n).trim(), nodeValue(n));
  };
  if (type === 'NODESET') {
    const nodes = result as XNode[];
    if (nodes.every((n) => scanDouble(textContent(n)) !== null)) { nodes.forEach(addNode); return out; }
    // coalesce: by parent, the last label and the last value
    const groups = new Map<XNode, XNode[]>();
    for (const n of nodes) {
      const p = n.parent ?? n;
      groups.set(p, [...(groups.get(p) ?? []), n]);
    }
    const queue = [...groups.keys()];
    while (queue.length > 0) {
      const parent = queue.shift()!;
      let value: number | null = null;
      let label: string | null = null;
      for (const child of groups.get(parent)!) {
        const t = textContent(child).trim();
        if (t === '') {
          if (child.kind === 'el' && !groups.has(child)) { groups.set(child, child.attrs); queue.push(child); }
        } else if (scanDouble(t) !== null) value = scanDouble(t);
        else label = t;
      }
      if (label !== null && value !== null) add(label, javaDouble(value));
    }
    return out;
  }
  if (type === 'NODE') {
    if (result !== null) addNode(result as XNode);
    return out;
  }
  // nodeToString gives a boolean as 1 / 0, not through the double
  if (type === 'BOOLEAN') out.push({ value: result ? '1' : '0', label: o.label, url: pointUrl(o.url, o.label, 0, o.build) });
  else if (type === 'NUMBER') add(o.label, javaDouble(result as number));
  else add(o.label, (result as string).trim());
  return out;
}

export { PlotXmlError, parseXPath };
