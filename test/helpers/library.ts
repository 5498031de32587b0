// Builds a shared library's content (core/libraries.ts LibraryContent) in memory, for tests:
// from an object of files ({ 'vars/hello.groovy': '...', 'resources/a.txt': '...' }) or from a
// directory laid out as a library (vars/, src/, resources/). Files under resources/ are served
// by `resource()`; the others are the library's code.
import fs from 'node:fs';
import path from 'node:path';
import type { LibraryContent, LibraryResolver, LibraryRequest } from '../../src/core/libraries.ts';
import { KilnError } from '../../src/core/errors.ts';

export interface LibraryOptions {
  version?: string;
  commit?: string | null;
  scope?: LibraryContent['scope'];
}

export function libraryFromFiles(name: string, files: Record<string, string | Uint8Array>, o: LibraryOptions = {}): LibraryContent {
  const code = new Map<string, string>();
  const resources = new Map<string, Uint8Array>();
  for (const [p, v] of Object.entries(files)) {
    if (p.startsWith('resources/')) resources.set(p.slice('resources/'.length), typeof v === 'string' ? new TextEncoder().encode(v) : v);
    else code.set(p, typeof v === 'string' ? v : new TextDecoder().decode(v));
  }
  return {
    name,
    version: o.version ?? 'main',
    commit: o.commit === undefined ? '3f2a1c9d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49' : o.commit,
    source: `memory:${name}`,
    files: code,
    resource: async (p) => {
      if (p.split('/').some((x) => x === '..') || p.startsWith('/')) throw new Error(`resource path leaves resources/: ${p}`);
      return resources.get(p) ?? null;
    },
    scope: o.scope ?? 'local',
    includeInChangesets: false,
  };
}

/** A library from a directory (every file under it). */
export function libraryFromDir(name: string, dir: string, o: LibraryOptions = {}): LibraryContent {
  const files: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else files[path.relative(dir, full).split(path.sep).join('/')] = fs.readFileSync(full);
    }
  };
  walk(dir);
  return libraryFromFiles(name, files, { commit: null, ...o });
}

/** A resolver over fixed libraries (by name; a version asked for must be the library's). */
export function fixedResolver(libs: LibraryContent[], implicit: string[] = []): LibraryResolver & { asked: LibraryRequest[] } {
  const asked: LibraryRequest[] = [];
  return {
    asked,
    implicitNames: async () => implicit,
    resolve: async (req) => {
      asked.push(req);
      const l = libs.find((x) => x.name === req.name);
      if (!l) throw new KilnError('library.unknown', `No library named ${req.name} is configured`);
      if (req.version !== null && req.version !== l.version) throw new KilnError('library.version', `Library ${req.name}: no version ${req.version}`);
      return l;
    },
  };
}
