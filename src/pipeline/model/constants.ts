// Text known before the build runs: a string literal, or a "${...}" / bare name whose every
// placeholder is a variable the file declares at its top level with a constant value
// (`def os = 'linux'`, the last such declaration winning). Jenkins' parser evaluates such
// GStrings itself for a matrix axis (ModelParser.evaluateGString). The libraries {} names, which
// Kiln must know before the build starts, are computed by constant-text.ts (it also follows
// functions without arguments).
import type { Expr, GStringLit, Stmt } from '../syntax/ast.ts';

/** The top-level `def NAME = <constant>` values, the last declaration of a name winning. */
function topLevelConstants(topLevel: readonly Stmt[]): Map<string, string> {
  const consts = new Map<string, string>();
  for (const s of topLevel) {
    if (s.type !== 'VarDecl' || s.multi || !s.init) continue;
    const i = s.init;
    const text = i.type === 'String' ? i.value
      : i.type === 'Boolean' ? String(i.value)
      : i.type === 'Null' ? ''
      : i.type === 'Number' && i.isInteger && !i.exact ? String(i.value)
      : null;
    if (text !== null) consts.set(s.names[0]!.name, text);
    else consts.delete(s.names[0]!.name);
  }
  return consts;
}

/** A GString whose placeholders are all top-level constants, as text; otherwise null. */
export function evalConstantGString(topLevel: readonly Stmt[], g: GStringLit): string | null {
  const consts = topLevelConstants(topLevel);
  let out = g.parts[0]!;
  for (let k = 0; k < g.exprs.length; k++) {
    const e = g.exprs[k]!;
    if (e.type !== 'Ident' || !consts.has(e.name)) return null;
    out += consts.get(e.name)! + g.parts[k + 1]!;
  }
  return out;
}
