// The agent bundle: what `kiln agent` needs to run on a host that has Node.js (22.18+) but no
// Kiln: bin/kiln, package.json, the src/ files the agent path imports (followed from
// src/cli/main.ts, which loads src/cli/agent.ts), and the packages those import, copied from
// node_modules with their own dependencies (today none).
//
// The src/ files ship as JavaScript: each .ts is stripped here, once, with Node's own stripper
// (module.stripTypeScriptTypes, the same one that runs .ts files), its relative `.ts` import
// specifiers rewritten to `.js`, and stored as the .js file next to where the .ts was. So no
// agent started from a bundle (a pod's image, the SSH launcher's upload, the one-line install)
// ever loads the TypeScript stripper: ~18 MB of memory and most of a second of start-up in
// every agent process that would otherwise strip (and, without a compile cache, strip again
// after its re-execution; measured in docs/agents.md). bin/kiln runs src/cli/main.js when it
// is there. Every file's bytes are held in the bundle (`data`); writeBundle() puts them in a
// directory.
//
// Its hash (SHA-256 of every file's path, mode and content) names the directory the SSH
// launcher uploads it to (`<workdir>/.kiln-agent/<hash>/`), so a stale bundle on a host is
// never reused: a changed Kiln makes a new directory, and the old ones are removed.
//
// bundleTarball() packs the same files as a gzipped POSIX tar (ustar, with a PAX header for a
// path too long for ustar's name and prefix fields), which the controller serves for agents on
// other machines (`curl URL | tar xz`): files only, parent directories made by tar, modes 0644 or
// 0755, owner 0:0, the time it was packed.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fsp from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository the running controller comes from. */
export const KILN_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The file whose presence in a bundle directory says the upload completed. */
export const BUNDLE_MARKER = '.kiln-bundle-complete';

export interface BundleFile {
  /** Relative to the bundle root, '/'-separated. */
  path: string;
  mode: number;
  size: number;
  /** The file's bytes as shipped (a src/ module stripped to JavaScript). */
  data: Buffer;
}

export interface AgentBundle {
  /** Where the files were read from (the bundle's own bytes are in each file's `data`). */
  root: string;
  /** 16 hex digits of the SHA-256 over every file. */
  hash: string;
  files: BundleFile[];
  bytes: number;
}

// `import type` / `export type` lines are left out: Node strips them, nothing loads at run time.
const STATIC = /(?:^|\n)[ \t]*(?:import|export)[ \t](?!type[ \t{])[^'";]*?from[ \t]*['"]([^'"]+)['"]|(?:^|\n)[ \t]*import[ \t]*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(path.join(dir, e.name), r, out);
    else if (e.isFile()) out.push(r);
  }
}

/** Collects the agent bundle from `root` (default: this Kiln's repository). */
export async function agentBundle(root = KILN_ROOT): Promise<AgentBundle> {
  const src = new Set<string>();
  const packages = new Set<string>();
  // main.ts imports every command lazily: follow only its static imports and the agent's.
  const visit = async (rel: string, dynamic: boolean): Promise<void> => {
    if (src.has(rel)) return;
    src.add(rel);
    const text = await fsp.readFile(path.join(root, rel), 'utf8');
    const specs = [...text.matchAll(STATIC)].map((m) => m[1] ?? m[2]!);
    if (dynamic) specs.push(...[...text.matchAll(DYNAMIC)].map((m) => m[1]!));
    for (const s of specs) {
      if (s.startsWith('.')) await visit(path.posix.join(path.posix.dirname(rel), s), true);
      else if (!s.startsWith('node:')) packages.add(packageOf(s));
    }
  };
  await visit('src/cli/main.ts', false);
  await visit('src/cli/agent.ts', true);

  const files = ['bin/kiln', 'package.json', ...src];
  const seenPkgs = new Set<string>();
  const addPackage = async (name: string): Promise<void> => {
    if (seenPkgs.has(name)) return;
    seenPkgs.add(name);
    const dir = path.join(root, 'node_modules', name);
    let pkg: { dependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(await fsp.readFile(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      throw new Error(`the agent bundle needs the package '${name}', which is not in ${path.join(root, 'node_modules')} (run npm ci)`);
    }
    const list: string[] = [];
    await walk(dir, `node_modules/${name}`, list);
    files.push(...list.filter((f) => !f.slice(`node_modules/${name}/`.length).includes('node_modules/')));
    for (const d of Object.keys(pkg.dependencies ?? {})) await addPackage(d);
  };
  for (const p of [...packages].sort()) await addPackage(p);

  files.sort();
  const bundled: { path: string; mode: number; data: Buffer }[] = [];
  for (const f of files) {
    const full = path.join(root, f);
    const [st, raw] = await Promise.all([fsp.stat(full), fsp.readFile(full)]);
    const mode = st.mode & 0o111 ? 0o755 : 0o644;
    if (src.has(f) && f.endsWith('.ts')) bundled.push({ path: `${f.slice(0, -3)}.js`, mode, data: Buffer.from(toJavaScript(f, raw.toString('utf8'), src)) });
    else bundled.push({ path: f, mode, data: raw });
  }
  bundled.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const h = createHash('sha256');
  const out: BundleFile[] = [];
  let bytes = 0;
  for (const { path: p, mode, data } of bundled) {
    h.update(`${p}\0${mode}\0${data.length}\0`).update(data);
    out.push({ path: p, mode, size: data.length, data });
    bytes += data.length;
  }
  return { root, hash: h.digest('hex').slice(0, 16), files: out, bytes };
}

// A relative specifier of a .ts module, in `from '...'`, `import '...'` or `import('...')`.
const TS_SPECIFIER = /(\bfrom[ \t]*|\bimport[ \t]*|\bimport\(\s*)(['"])(\.\.?\/[^'"\n]*?)\.ts\2/g;

/**
 * One src/ module as JavaScript: its types stripped by Node's stripper (whitespace where they
 * were, so line and column numbers in stack traces stay those of the .ts), its relative `.ts`
 * specifiers pointing at the `.js` files. A static import of a module not in the bundle is an
 * error here rather than in every agent.
 */
function toJavaScript(rel: string, text: string, src: Set<string>): string {
  let js: string;
  // Node marks the stripper experimental with a warning on first use: not the controller's news.
  const warn = process.emitWarning;
  process.emitWarning = (() => {}) as typeof process.emitWarning;
  try {
    js = stripTypeScriptTypes(text, { mode: 'strip' });
  } catch (e) {
    throw new Error(`the agent bundle cannot strip the types of ${rel}: ${(e as Error).message}`);
  } finally {
    process.emitWarning = warn;
  }
  return js.replace(TS_SPECIFIER, (_m, lead: string, q: string, spec: string) => {
    const target = path.posix.join(path.posix.dirname(rel), `${spec}.ts`);
    if (!lead.includes('(') && !src.has(target)) throw new Error(`the agent bundle: ${rel} imports ${spec}.ts, which is not in the bundle`);
    return `${lead}${q}${spec}.js${q}`;
  });
}

/** Writes the bundle's files under `dir` (made if missing), with their modes. */
export async function writeBundle(bundle: AgentBundle, dir: string): Promise<void> {
  for (const f of bundle.files) {
    const to = path.join(dir, f.path);
    await fsp.mkdir(path.dirname(to), { recursive: true });
    await fsp.writeFile(to, f.data, { mode: f.mode });
    await fsp.chmod(to, f.mode);
  }
}

/** One 512-byte tar header (ustar); `type` '0' a file, 'x' a PAX extended header. */
function tarHeader(name: string, prefix: string, mode: number, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, at: number, len: number) => { h.write(s, at, Math.min(len, Buffer.byteLength(s)), 'utf8'); };
  const oct = (n: number, at: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', at, len);
  put(name, 0, 100);
  oct(mode, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(mtime, 136, 12);
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** Splits a path into ustar's prefix (≤ 155 bytes) and name (≤ 100 bytes) at a '/', or null. */
function ustarName(p: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  return null;
}

const pad512 = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** The bundle as a gzipped tar, every file under the archive's root. */
export async function bundleTarball(bundle: AgentBundle, mtime = Math.floor(Date.now() / 1000)): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const f of bundle.files) {
    const data = f.data;
    const split = ustarName(f.path);
    if (!split) {
      // A PAX record: "<length> path=<value>\n", the length counting itself.
      const body = ` path=${f.path}\n`;
      let len = Buffer.byteLength(body);
      len += String(len + String(len).length).length;
      const rec = Buffer.from(`${len}${body}`, 'utf8');
      parts.push(tarHeader('PaxHeader', '', 0o644, rec.length, mtime, 'x'), rec, pad512(rec.length));
    }
    const { name, prefix } = split ?? { name: f.path.slice(-100), prefix: '' };
    parts.push(tarHeader(name, prefix, f.mode, data.length, mtime, '0'), data, pad512(data.length));
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return gzipSync(Buffer.concat(parts));
}
