// What a request to /generic-webhook-trigger/invoke gives a job's GenericTrigger (the plugin's
// VariablesResolver, JsonFlattener, Renderer): JSONPath and XPath on the body, query and header
// variables, regexpFilter, defaultValue, the filter text. Loaded by the controller only
// (controller/generic-trigger.ts): XML parsing and regex threads stay out of `kiln lint`, which
// loads model/generic-trigger.ts (the options and the expression syntax) alone. Variable names keep
// only what an environment variable's name can hold ([A-Za-z0-9_.]; the rest becomes '_') and
// values lose NUL characters: both come from the sender. Deep scans and flattening are bounded.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { matchesWhole, replaceRegex } from '../script/regex.ts';
import { MAX_DEPTH, MAX_VARIABLES, indefinite, parseJsonPath, parseXPath, type StoredGenericTrigger, type XNode } from './generic-trigger.ts';

/** Evaluates a JSONPath on a parsed document: undefined when it finds nothing (Jayway's PathNotFound). */
export function jsonPath(doc: unknown, p: string): unknown {
  const steps = parseJsonPath(p);
  if (typeof steps === 'string') return undefined;
  let cur: unknown[] = [doc];
  for (const st of steps) {
    const next: unknown[] = [];
    for (const c of cur) {
      if (st.kind === 'name') {
        if (c && typeof c === 'object' && !Array.isArray(c) && Object.hasOwn(c, st.name)) next.push((c as Record<string, unknown>)[st.name]);
      } else if (st.kind === 'index') {
        if (Array.isArray(c) && st.index < c.length) next.push(c[st.index]);
      } else if (st.kind === 'all') {
        if (Array.isArray(c)) next.push(...c);
        else if (c && typeof c === 'object') next.push(...Object.values(c));
      } else {
        // a deep scan, iterative and bounded in depth
        const stack: [unknown, number][] = [[c, 0]];
        while (stack.length > 0) {
          const [n, d] = stack.pop()!;
          if (!n || typeof n !== 'object' || d > MAX_DEPTH) continue;
          const entries: [string, unknown][] = Array.isArray(n) ? n.map((x, k) => [String(k), x]) : Object.entries(n);
          for (const [k, x] of entries) {
            if (st.name === null || (!Array.isArray(n) && k === st.name)) next.push(x);
          }
          for (let k = entries.length - 1; k >= 0; k--) stack.push([entries[k]![1], d + 1]);
        }
      }
      if (next.length > MAX_VARIABLES) break;
    }
    cur = next;
  }
  if (indefinite(steps)) return cur;
  return cur.length === 0 ? undefined : cur[0];
}

function xmlTree(xml: string): XNode | null {
  let raw: unknown[];
  try {
    if (XMLValidator.validate(xml) !== true) return null;
    // No entities beyond XML's own, no DTD: an entity cannot expand the body.
    const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', processEntities: true, htmlEntities: false, parseTagValue: false, trimValues: false });
    raw = parser.parse(xml) as unknown[];
  } catch {
    return null;
  }
  const convert = (items: unknown[], depth: number): XNode[] => {
    if (depth > MAX_DEPTH) return [];
    const out: XNode[] = [];
    for (const it of items) {
      const o = it as Record<string, unknown>;
      const name = Object.keys(o).find((k) => k !== ':@');
      if (!name || name === '#text' || name.startsWith('?') || name === '#comment') continue;
      const attrs = (o[':@'] ?? {}) as Record<string, string>;
      const kids = Array.isArray(o[name]) ? (o[name] as unknown[]) : [];
      const text = kids.map((k) => (k as Record<string, unknown>)['#text']).filter((t) => t !== undefined).map(String).join('');
      out.push({ name, attrs, children: convert(kids, depth + 1), text });
    }
    return out;
  };
  return { name: '#document', attrs: {}, children: convert(raw, 0), text: '' };
}

function textOf(n: XNode): string {
  return n.text + n.children.map(textOf).join('');
}

/** The strings an XPath selects in an XML body (an element: its text content); null when the body is not XML. */
export function xpathValues(xml: string, p: string): string[] | null {
  const steps = parseXPath(p);
  if (typeof steps === 'string') return [];
  const doc = xmlTree(xml);
  if (!doc) return null;
  let cur: XNode[] = [doc];
  for (const st of steps) {
    if (st.axis === 'attr') return cur.filter((n) => Object.hasOwn(n.attrs, st.name)).map((n) => n.attrs[st.name]!);
    if (st.axis === 'text') return cur.map((n) => n.text).filter((t) => t !== '');
    const next: XNode[] = [];
    for (const c of cur) {
      const pool: XNode[] = [];
      if (st.axis === 'child') pool.push(...c.children);
      else {
        const stack = [...c.children].reverse();
        while (stack.length > 0 && pool.length <= MAX_VARIABLES * 10) { const n = stack.pop()!; pool.push(n); stack.push(...[...n.children].reverse()); }
      }
      const matching = pool.filter((n) => st.test === '*' || n.name === st.test);
      if (st.index !== null) { const x = matching[st.index - 1]; if (x) next.push(x); } else next.push(...matching);
    }
    cur = next;
  }
  return cur.map(textOf);
}

// ---------------------------------------------------------------------------------------------
// Resolving a request's variables (VariablesResolver)

export interface GenericRequest {
  body: string;
  /** Query parameters (and form fields), each with its values. */
  query: Record<string, string[]>;
  /** Headers, names lower-cased. */
  headers: Record<string, string[]>;
}

const SITE = { loc: null, signal: null };
const filter = async (v: string, re: string): Promise<string> => clean(re ? await replaceRegex(v, re, '', true, SITE) : v);
// As the plugin: spaces and '-' become '_'; also anything else an environment variable's name
// cannot hold ('=', NUL, ...), since a body's field names are the sender's.
const varName = (s: string): string => s.replace(/\s/g, '_').replace(/-/g, '_').replace(/[^A-Za-z0-9_.]/g, '_');
// A NUL cannot be in an environment variable's value (execve ends the string there).
const clean = (v: string): string => v.replace(/\0/g, '');

async function flatten(out: Map<string, string>, key: string, re: string, v: unknown, depth: number, shouldNotFlatten: boolean): Promise<void> {
  if (out.size >= MAX_VARIABLES || depth > MAX_DEPTH) return;
  if (Array.isArray(v) || (v !== null && typeof v === 'object')) {
    if (shouldNotFlatten || depth === 0) out.set(varName(key), await filter(JSON.stringify(v), re));
    if (shouldNotFlatten) return;
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as object);
    for (const [k, x] of entries) await flatten(out, `${key}_${k}`, re, x, depth + 1, false);
    return;
  }
  if (v === null || v === undefined) return;
  out.set(varName(key), await filter(String(v), re));
}

/** The variables a request gives a job's trigger (names → values), as the plugin's VariablesResolver. */
export async function resolveGenericVariables(o: StoredGenericTrigger, req: GenericRequest): Promise<Record<string, string>> {
  const out = new Map<string, string>();
  // request parameters
  for (const rv of o.genericRequestVariables) {
    const values = req.query[rv.key] ?? [];
    for (let i = 0; i < values.length && out.size < MAX_VARIABLES; i++) {
      const v = await filter(values[i]!, rv.regexpFilter);
      out.set(`${varName(rv.key)}_${i}`, v);
      if (values.length === 1) out.set(varName(rv.key), v);
    }
  }
  // headers
  for (const hv of o.genericHeaderVariables) {
    const name = hv.key.toLowerCase();
    const values = req.headers[name] ?? [];
    for (let i = 0; i < values.length && out.size < MAX_VARIABLES; i++) {
      const v = await filter(values[i]!, hv.regexpFilter);
      out.set(`${varName(name)}_${i}`, v);
      if (values.length === 1) out.set(varName(name), v);
    }
  }
  // the body
  let json: unknown;
  let jsonParsed = false;
  for (const gv of o.genericVariables) {
    const found = new Map<string, string>();
    if (gv.value.trim() !== '') {
      if (gv.expressionType === 'JSONPath') {
        if (!jsonParsed) {
          jsonParsed = true;
          try { json = JSON.parse(req.body); } catch { json = undefined; }
        }
        const r = json === undefined ? undefined : jsonPath(json, gv.value);
        if (r !== undefined) await flatten(found, gv.key, gv.regexpFilter, r, 0, o.shouldNotFlatten);
      } else {
        const values = xpathValues(req.body, gv.value) ?? [];
        if (values.length === 1) found.set(varName(gv.key), await filter(values[0]!, gv.regexpFilter));
        else for (let i = 0; i < values.length && found.size < MAX_VARIABLES; i++) found.set(`${varName(gv.key)}_${i}`, await filter(values[i]!, gv.regexpFilter));
      }
    }
    // the default when nothing (or only '') was found
    const main = found.get(varName(gv.key));
    if ((found.size === 0 || main === '') && gv.defaultValue !== '') found.set(varName(gv.key), gv.defaultValue);
    for (const [k, v] of found) if (out.size < MAX_VARIABLES || out.has(k)) out.set(k, v);
  }
  return Object.fromEntries(out);
}

/** $VAR and ${VAR} in a text replaced by the variables' values (the plugin's Renderer.renderText). */
export function renderText(text: string, vars: Readonly<Record<string, string>>): string {
  if (!text) return '';
  const keys = Object.keys(vars).sort((a, b) => b.length - a.length);
  let out = text;
  for (const k of keys) {
    out = out.split(`\${${k}}`).join(vars[k]!);
    out = out.split(`$${k}`).join(vars[k]!);
  }
  return out;
}

/** Whether the rendered filter text matches the expression whole (an empty expression matches anything). */
export async function filterMatches(text: string, expression: string): Promise<boolean> {
  if (!expression) return true;
  return matchesWhole(text, expression, SITE);
}
