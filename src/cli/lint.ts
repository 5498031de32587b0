// kiln lint FILE... [--json] [--list-steps]: validates Jenkinsfiles as `kiln run` and the
// controller would, before anything runs, against the step registry of the plugin list. It
// loads only declarations: no step implementation, no plugin runtime, no process, Docker,
// Kubernetes, SSH, HTTP or SQL code (test/architecture/lint-loads.test.ts).
//   exit 0: every file is valid (warnings may be printed)
//   exit 1: some file has an error; each printed as FILE:LINE:COL: message
//   exit 2: usage error, or a file that cannot be read
import { readFileSync } from 'node:fs';
import { diag, formatDiagnostic, sortDiagnostics, startPos, type Diagnostic } from '../pipeline/diagnostics.ts';
import { libraryRequests, loadPipelineBytes } from '../pipeline/load.ts';
import { loadLibraries } from '../util/libraries.ts';
import { StepRegistry } from '../pipeline/steps/registry.ts';
import { jenkinsPluginOf } from '../pipeline/steps/known-plugins.ts';
import { stepsText } from './steps-doc.ts';
import { builtins } from '../plugins/index.ts';
import type { LibraryContent, LibraryResolver } from '../core/libraries.ts';

const registry = new StepRegistry(builtins);

const USAGE = `usage: kiln lint FILE... [--json]      validate Jenkinsfiles ('-' reads standard input)
       kiln lint --list-steps [--json]   list the steps Kiln knows, by the Jenkins plugin each stands in for, with their parameters
options: --library NAME=URL_OR_PATH[@REF]  a shared library whose vars the Jenkinsfiles may call (repeatable)
         --config FILE                     a YAML file with a libraries: list (as kiln run's)`;

export interface FileReport {
  file: string;
  valid: boolean;
  diagnostics: Diagnostic[];
}

/** Lints one Jenkinsfile's bytes: not text → one error; else parse + validate. */
export function lintBytes(file: string, data: Buffer, steps: StepRegistry = registry, libraries: readonly LibraryContent[] = []): FileReport {
  const r = loadPipelineBytes(data, steps, { libraries });
  return { file, valid: r.model !== null, diagnostics: r.diagnostics };
}

function readInput(file: string): Buffer {
  return file === '-' ? readFileSync(0) : readFileSync(file);
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return e instanceof Error ? e.message : String(err);
  }
}

function jsonDiag(d: Diagnostic) {
  return {
    line: d.loc.start.line, column: d.loc.start.col, endLine: d.loc.end.line, endColumn: d.loc.end.col,
    severity: d.severity, code: d.code, message: d.message,
    // A diagnostic in a shared library's file: that file and the library (name@version).
    ...(d.file !== undefined ? { file: d.file } : {}), ...(d.library !== undefined ? { library: d.library } : {}),
  };
}

function listSteps(json: boolean): string {
  if (!json) return stepsText(registry);
  return JSON.stringify({
    steps: registry.steps().map((s) => ({
      name: s.name, kind: s.kind ?? 'step', jenkinsPlugin: jenkinsPluginOf(s), doc: s.doc, block: s.block, needsNode: s.needsNode, scriptOnly: s.scriptOnly ?? false,
      positional: s.positional ?? null,
      params: s.params.map((p) => ({ name: p.name, type: p.type, required: p.required ?? false, ...(p.values ? { values: p.values } : {}), doc: p.doc })),
    })),
  }) + '\n';
}

export async function main(argv: string[]): Promise<number> {
  let json = false;
  let list = false;
  const files: string[] = [];
  const library: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--library' || a === '--config') {
      const v = argv[++i];
      if (v === undefined) {
        process.stderr.write(`kiln lint: ${a} needs a value\n${USAGE}\n`);
        return 2;
      }
      if (a === '--library') library.push(v);
      else config = v;
    } else if (a.startsWith('--library=')) library.push(a.slice('--library='.length));
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (a === '--json') json = true;
    else if (a === '--list-steps') list = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (a.startsWith('-') && a !== '-') {
      process.stderr.write(`kiln lint: unknown option '${a}'\n${USAGE}\n`);
      return 2;
    } else files.push(a);
  }
  if (list) {
    process.stdout.write(listSteps(json));
    return 0;
  }
  if (files.length === 0) {
    process.stderr.write(`kiln lint: no file given\n${USAGE}\n`);
    return 2;
  }
  // Shared libraries: loaded only when given (lint without them loads no process code).
  let libraries: LibraryResolver | null = null;
  if (library.length > 0 || config !== undefined) {
    try {
      libraries = await (await import('./libraries.ts')).localLibraries({ config, library });
    } catch (err) {
      process.stderr.write(`kiln lint: ${(err as Error).message}\n`);
      return 2;
    }
  }
  let unreadable = false;
  const reports: FileReport[] = [];
  for (const f of files) {
    let data: Buffer;
    try {
      data = readInput(f);
    } catch (err) {
      process.stderr.write(`kiln lint: cannot read ${f}: ${reason(err)}\n`);
      unreadable = true;
      continue;
    }
    const name = f === '-' ? '<stdin>' : f;
    // The libraries the file asks for (and the implicit ones), so that their vars are known.
    let contents: LibraryContent[] = [];
    if (libraries) {
      try {
        contents = await loadLibraries(libraries, libraryRequests(data.toString('utf8')), () => {});
      } catch (err) {
        reports.push({ file: name, valid: false, diagnostics: [diag('library', (err as Error).message, { start: startPos, end: startPos })] });
        continue;
      }
    }
    reports.push(lintBytes(name, data, registry, contents));
  }
  if (json) {
    process.stdout.write(JSON.stringify({ files: reports.map((r) => ({ file: r.file, valid: r.valid, diagnostics: r.diagnostics.map(jsonDiag) })) }) + '\n');
  } else {
    const lines: string[] = [];
    for (const r of reports) for (const d of r.diagnostics) lines.push(formatDiagnostic(r.file, d));
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  }
  if (unreadable) return 2;
  return reports.every((r) => r.valid) ? 0 : 1;
}
