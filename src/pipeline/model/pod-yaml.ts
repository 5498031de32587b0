// The inline pod of `agent { kubernetes { yaml '''...''' } }`: parsed with the `yaml` package,
// its errors reported at the Jenkinsfile line and column where they are, and checked to be a Pod
// whose containers have names (and images, but for the agent container `jnlp`, which Kiln
// injects).
import { parseAllDocuments, isMap, isSeq, isScalar, type Document } from 'yaml';
import type { StringLit } from '../syntax/ast.ts';
import type { Loc, Pos } from '../../core/build.ts';
import type { Ctx } from './context.ts';

/** The Jenkinsfile position of character `index` of a string literal's value. */
export function posInString(ctx: Ctx, lit: StringLit, index: number): Loc {
  const fallback = lit.loc;
  const src = ctx.source;
  if (src === null || lit.quote === '/' || lit.quote === '$/') return fallback;
  const q = lit.quote.length;
  const rawStart = lit.loc.start.offset + q;
  const rawEnd = lit.loc.end.offset - q;
  if (rawEnd < rawStart || src.slice(lit.loc.start.offset, rawStart) !== lit.quote) return fallback;
  // Walk the raw text, decoding escapes, until `index` value characters are behind.
  let raw = rawStart;
  let val = 0;
  while (raw < rawEnd && val < index) {
    if (src[raw] === '\\' && raw + 1 < rawEnd) {
      const c = src[raw + 1];
      if (c === '\n') { raw += 2; continue; }
      if (c === '\r' && src[raw + 2] === '\n') { raw += 3; continue; }
      raw += c === 'u' ? 6 : 2;
      val++;
      continue;
    }
    raw++;
    val++;
  }
  if (raw > rawEnd) return fallback;
  const start = advance(src, lit.loc.start, raw);
  const end = advance(src, start, Math.min(raw + 1, rawEnd));
  return { start, end };
}

function advance(src: string, from: Pos, to: number): Pos {
  let line = from.line;
  let col = from.col;
  for (let i = from.offset; i < to; i++) {
    const c = src.charCodeAt(i);
    // Line breaks as the lexer counts them: \n, \r\n, and a lone \r.
    if (c === 10 || (c === 13 && src.charCodeAt(i + 1) !== 10)) { line++; col = 1; } else col++;
  }
  return { line, col, offset: to };
}

function firstLine(message: string): string {
  const m = /^(.*?) at line \d+, column \d+/s.exec(message);
  return (m ? m[1]! : message.split('\n')[0]!).trim();
}

function nodeOffset(doc: Document, path: (string | number)[]): number | null {
  const n = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return n && n.range ? n.range[0] : null;
}

/**
 * Checks an inline pod YAML. Returns the names of its containers (with `jnlp`, which is always
 * there), or null when they cannot be known.
 */
export function checkPodYaml(ctx: Ctx, lit: StringLit): string[] | null {
  const at = (offset: number | null) => (offset === null ? lit.loc : posInString(ctx, lit, offset));
  let docs: Document[];
  try {
    docs = parseAllDocuments(lit.value) as Document[];
  } catch (err) {
    ctx.error('pod-yaml', `Invalid pod YAML: ${err instanceof Error ? err.message : String(err)}`, lit.loc);
    return null;
  }
  if (!Array.isArray(docs)) docs = [docs];
  if (docs.length === 0) {
    ctx.error('pod-yaml', 'Invalid pod YAML: it is empty', lit.loc);
    return null;
  }
  if (docs.length > 1) {
    ctx.error('pod-yaml', `Invalid pod YAML: expected one document (a Pod), found ${docs.length}`, at(docs[1]!.range?.[0] ?? null));
    return null;
  }
  const doc = docs[0]!;
  const e = doc.errors[0];
  if (e) {
    ctx.error('pod-yaml', `Invalid pod YAML: ${firstLine(e.message)}`, at(e.pos[0]));
    return null;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    ctx.error('pod-yaml', 'Invalid pod YAML: expected a mapping (apiVersion, kind, metadata, spec)', at(root && 'range' in root && root.range ? root.range[0] : null));
    return null;
  }
  const kind = doc.get('kind');
  if (kind !== undefined && kind !== 'Pod') {
    ctx.error('pod-yaml', `Pod YAML: kind is "${String(kind)}", expected "Pod"`, at(nodeOffset(doc, ['kind'])));
  }
  const api = doc.get('apiVersion');
  if (api !== undefined && api !== 'v1') {
    ctx.error('pod-yaml', `Pod YAML: apiVersion is "${String(api)}", expected "v1"`, at(nodeOffset(doc, ['apiVersion'])));
  }
  const spec = doc.get('spec', true);
  if (spec === undefined || spec === null) return kind === undefined && api === undefined ? null : ['jnlp'];
  if (!isMap(spec)) {
    ctx.error('pod-yaml', 'Pod YAML: "spec" must be a mapping', at(nodeOffset(doc, ['spec'])));
    return null;
  }
  const containers = doc.getIn(['spec', 'containers'], true);
  if (containers === undefined || containers === null) return ['jnlp'];
  if (!isSeq(containers)) {
    ctx.error('pod-yaml', 'Pod YAML: "spec.containers" must be a list of containers', at(nodeOffset(doc, ['spec', 'containers'])));
    return null;
  }
  const names: string[] = [];
  containers.items.forEach((item, i) => {
    const range = (item as { range?: [number, number, number] } | null)?.range;
    const itemAt = at(range ? range[0] : null);
    if (!isMap(item)) {
      ctx.error('pod-yaml', `Pod YAML: container ${i + 1} must be a mapping with a name and an image`, itemAt);
      return;
    }
    const nameNode = item.get('name', true);
    const name = isScalar(nameNode) ? nameNode.value : undefined;
    if (typeof name !== 'string' || name === '') {
      ctx.error('pod-yaml', `Pod YAML: container ${i + 1} has no name`, itemAt);
      return;
    }
    const nameAt = at(isScalar(nameNode) && nameNode.range ? nameNode.range[0] : null);
    if (names.includes(name)) ctx.error('pod-yaml', `Pod YAML: duplicate container name "${name}"`, nameAt);
    else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      ctx.error('pod-yaml', `Pod YAML: container name "${name}" is not valid: lowercase letters, digits and '-' only`, nameAt);
    }
    names.push(name);
    if (name !== 'jnlp' && item.get('image') === undefined) ctx.error('pod-yaml', `Pod YAML: container "${name}" has no image`, nameAt);
  });
  if (!names.includes('jnlp')) names.unshift('jnlp');
  return names;
}
