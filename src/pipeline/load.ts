// A Jenkinsfile's text → its model, or every error: parse, then validate against the steps,
// globals and agent types of a step registry (the host's plugins), and the shared libraries the
// host resolved for it (their vars are known names; their own code is checked too, its problems
// placed in the library's files). libraryRequests tells a host which libraries to resolve.
import type { Diagnostic } from './diagnostics.ts';
import { diag, sortDiagnostics, startPos } from './diagnostics.ts';
import { parse } from './syntax/parser.ts';
import type { Script } from './syntax/ast.ts';
import { isPluginAgent, type AgentSpec, type PipelineModel, type Stage } from './model/types.ts';
import { validate } from './model/validate.ts';
import type { StepRegistry } from './steps/registry.ts';
import type { LibraryContent } from '../core/libraries.ts';
import { parseLibrary } from './libraries/parsed.ts';
import { lintLibraries, varNames } from './libraries/lint.ts';
import { libraryRequestProblems, requestsOf } from './libraries/requests.ts';

export { libraryRequests, type LocatedLibraryRequest } from './libraries/requests.ts';
export { libraryVars } from './libraries/parsed.ts';

export interface LoadOptions {
  /** The shared libraries resolved for this Jenkinsfile (requested and implicit ones), in loading order. */
  libraries?: readonly LibraryContent[];
}

export interface LoadResult {
  /** The model, or null exactly when `diagnostics` holds an error. */
  model: PipelineModel | null;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
}

/**
 * Parses and validates a Jenkinsfile. Syntax errors stop before validation (the tree around
 * them cannot be trusted); otherwise every validation error is reported.
 */
export function loadPipeline(source: string, registry: StepRegistry, opts: LoadOptions = {}): LoadResult {
  const parsed = parse(source);
  if (parsed.recovered !== undefined) return loadRecovered(source, parsed.recovered, parsed.diagnostics, registry, opts);
  const parseDiags = parsed.diagnostics;
  if (!parsed.ast || parseDiags.some((d) => d.severity === 'error')) {
    const ds = sortDiagnostics(parseDiags);
    if (!ds.some((d) => d.severity === 'error')) ds.unshift(diag('syntax', 'The Jenkinsfile could not be parsed', { start: startPos, end: startPos }));
    return { model: null, diagnostics: ds };
  }
  try {
    const libs = (opts.libraries ?? []).map(parseLibrary);
    const missing = requestsOf(parsed.ast).some((r) => !libs.some((l) => l.content.name === r.name));
    const v = validate(parsed.ast, source, registry, { vars: varNames(libs), missing });
    const libDiags = [...lintLibraries(libs, registry), ...libraryRequestProblems(parsed.ast)];
    const model = libDiags.some((d) => d.severity === 'error') ? null : v.model;
    return { model, diagnostics: sortDiagnostics([...parseDiags, ...v.diagnostics, ...libDiags]) };
  } catch (err) {
    // A tree too deep for the validator's recursion: say so rather than crash.
    if (err instanceof RangeError) {
      return {
        model: null,
        diagnostics: sortDiagnostics([...parseDiags, diag('too-deep', 'The Jenkinsfile nests blocks too deeply to be validated', parsed.ast.loc)]),
      };
    }
    throw err;
  }
}

/**
 * A Jenkinsfile whose only syntax errors are names that start with a digit (`1BAR = 'x'`):
 * validated all the same, since Groovy reads it and declarative reports such a name in
 * `environment {}` in its own words (ModelValidatorImpl's "not a valid identifier"), at the same
 * place; a parser error the validator did not replace stays. Never a model.
 */
function loadRecovered(source: string, ast: Script, parseDiags: Diagnostic[], registry: StepRegistry, opts: LoadOptions): LoadResult {
  let v: Diagnostic[];
  try {
    const libs = (opts.libraries ?? []).map(parseLibrary);
    const missing = requestsOf(ast).some((r) => !libs.some((l) => l.content.name === r.name));
    v = validate(ast, source, registry, { vars: varNames(libs), missing }).diagnostics;
  } catch {
    return { model: null, diagnostics: sortDiagnostics(parseDiags) };
  }
  const at = (d: Diagnostic) => `${d.loc?.start.line}:${d.loc?.start.col}`;
  const replaced = new Set(v.filter((d) => d.code === 'environment').map(at));
  return { model: null, diagnostics: sortDiagnostics([...parseDiags.filter((d) => !replaced.has(at(d))), ...v]) };
}

/**
 * Loads a Jenkinsfile from its bytes: a file that is not UTF-8 text (NUL bytes, invalid
 * sequences) is one clear error; a byte order mark is not part of the text.
 */
export function loadPipelineBytes(data: Uint8Array, registry: StepRegistry, opts: LoadOptions = {}): LoadResult {
  const bad = firstNonText(data);
  if (bad !== null) {
    return { model: null, diagnostics: [diag('binary', `file is not text (binary data at byte ${bad})`, { start: startPos, end: startPos })] };
  }
  let text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return loadPipeline(text, registry, opts);
}

/**
 * The files of the Jenkinsfile's repository that its agents name: the literal string values of
 * their types' `files` options (`kubernetes { yamlFile 'pod.yaml' }`), each once, with the option
 * that names it. Hosts read them with the Jenkinsfile, from the same commit, and give them to the
 * run (RunOptions.scmFiles).
 */
export function filesBeside(model: PipelineModel, registry: StepRegistry): { path: string; option: string }[] {
  const out = new Map<string, string>();
  const agent = (a: AgentSpec | null) => {
    if (!a || !isPluginAgent(a)) return;
    for (const option of registry.agentType(a.type)?.files ?? []) {
      const v = a.options[option];
      if (typeof v === 'object' && v !== null && v.type === 'String' && !out.has(v.value)) out.set(v.value, option);
    }
  };
  const stages = (list: readonly Stage[]) => {
    for (const st of list) {
      agent(st.agent);
      if (st.body.kind === 'stages' || st.body.kind === 'parallel') stages(st.body.stages);
      if (st.body.kind === 'matrix') {
        agent(st.body.matrix.agent);
        stages(st.body.matrix.stages);
      }
    }
  };
  if (model.kind === 'declarative') {
    agent(model.agent);
    stages(model.stages);
  }
  return [...out].map(([path, option]) => ({ path, option }));
}

/** The offset of the first NUL byte or invalid UTF-8 sequence, or null when the data is text. */
export function firstNonText(data: Uint8Array): number | null {
  const nul = data.indexOf(0);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return nul >= 0 ? nul : null;
  } catch {
    const bad = firstInvalidUtf8(data);
    return nul >= 0 && nul < bad ? nul : bad;
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    let min = 0;
    if (c < 0x80) { i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}
