// zip / unzip / tar / untar (pipeline-utility-steps), on files of the workspace read and written
// through its interface, so they work the same on a remote agent or in a container; the archive
// is made or unpacked in the controller's memory, within the limits of files.ts.
//
//   zip zipFile: 'out.zip', dir: 'build', glob: '**/*.class', exclude: '**/Test*', archive: true, overwrite: true
//   unzip zipFile: 'in.zip', dir: 'x', glob: '**/*.txt', quiet: true      (read: true → [name: text]; test: true → boolean)
//   tar file: 'out.tgz', dir: 'build', compress: true (the default), archive: ..., overwrite: ...
//   untar file: 'in.tgz', dir: 'x', glob: ..., keepPermissions: true (the default), test: true → boolean
//
// Console lines and errors are the plugin's ("Compress <dir> filtered by [g] - [e] to <file>",
// "Compressed N entries.", "Archiving <file>", "Extracting from <file>", "Extracting: <name> -> <path>",
// "Extracted: N files", "<path> exists.", "<path> does not exist.", "<path> is out of bounds!").
//
// How: zip files are made with fflate (zipSync, Unix modes kept). They are read by our own small
// reader of the central directory (below) with node:zlib, because unpacking needs what fflate's
// unzip does not give: the entries' CRC-32 to check (`test: true` and every extraction), and an
// inflate bounded by the size the entry declares (a zip bomb stops at that size, and the total
// at MAX_UNPACKED_BYTES). Tar files are made with the `tar` package's Header / Pax (long names)
// and read with its pull Parser, gzip by node:zlib with the same bound.
// Safety: every entry's target must stay inside the destination ("is out of bounds!", as Jenkins
// since SECURITY-2169); symbolic and hard link entries of a tar are skipped (never created, so
// no later entry can write through them), a zip's link entries become plain files holding the
// target's name, as Java's ZipFile gives them; writes go through the Workspace, which refuses
// to write through an existing link leading out of the workspace.
import path from 'node:path';
import zlib from 'node:zlib';
import { zipSync, type Zippable } from 'fflate';
import { Header, Pax, Parser } from 'tar';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { KilnError, StepFailure } from '../../core/errors.ts';
import { bool, reqStr, str } from '../../pipeline/steps/args.ts';
import type { GMap } from '../../pipeline/script/values.ts';
import { compileAntPatterns } from '../../util/antglob.ts';
import { MAX_ENTRIES, MAX_FILE_BYTES, MAX_UNPACKED_BYTES, isInside, mb, readWsFile, wsPath } from './files.ts';

interface Source { rel: string; data: Buffer; mode: number }

interface CompressArgs { file: string; dir?: string; glob?: string; exclude?: string; archive: boolean; overwrite: boolean }

/** What zip and tar share (Jenkins' CompressStepExecution): checks, the files, the lines, archiving. */
async function compressFiles(ctx: StepContext, step: string, a: CompressArgs, make: (files: Source[]) => Buffer): Promise<null> {
  const ws = ctx.workspace();
  const cwd = ctx.cwd ?? ws.root;
  let source = cwd;
  if (a.dir !== undefined && a.dir.trim() !== '') {
    source = wsPath(ctx, step, a.dir, 'dir');
    const st = await ws.stat(source);
    if (!st) throw new StepFailure(`${source} does not exist.`);
    if (st.type !== 'dir') throw new StepFailure(`${source} is not a directory.`);
  }
  const destination = wsPath(ctx, step, a.file);
  if ((await ws.stat(destination)) && !a.overwrite) throw new StepFailure(`${destination} exists.`);
  const filtered = (a.glob ?? '').trim() !== '' || (a.exclude ?? '').trim() !== '';
  ctx.log(`Compress ${source}${filtered ? ` filtered by [${a.glob ?? 'null'}] - [${a.exclude ?? 'null'}]` : ''} to ${destination}`);
  const rels = (await ws.glob(source, a.glob ?? '', a.exclude)).filter((r) => path.join(source, r) !== destination);
  if (rels.length > MAX_ENTRIES) throw new StepFailure(`${step}: ${rels.length} files to pack (Kiln packs at most ${MAX_ENTRIES})`);
  const files: Source[] = [];
  let total = 0;
  for (const rel of rels) {
    const abs = path.join(source, rel);
    const st = await ws.stat(abs);
    total += st?.size ?? 0;
    if (total > MAX_FILE_BYTES) throw new StepFailure(`${step}: the files to pack are larger than ${mb(MAX_FILE_BYTES)} (Kiln makes archives in the controller's memory); pack fewer, or use sh '${step === 'zip' ? 'zip -r' : 'tar czf'} ...'`);
    let data: Buffer;
    try { data = await ws.readFile(abs); } catch (err) { throw new StepFailure(`${step}: cannot read ${abs}: ${err instanceof Error ? err.message : String(err)}`); }
    files.push({ rel, data, mode: (st?.mode ?? 0o644) & 0o7777 });
  }
  await ws.writeFile(destination, make(files));
  ctx.log(`Compressed ${files.length} entries.`);
  if (a.archive) {
    ctx.log(`Archiving ${destination}`);
    const rel = path.relative(cwd, destination).split(path.sep).join('/');
    const artifact = rel.startsWith('..') ? path.relative(ws.root, destination).split(path.sep).join('/') : rel;
    await ctx.build.services.artifacts.put(artifact, await ws.readFile(destination), 0o644);
  }
  return null;
}

function compressArgs(args: StepArgs, fileParam: string, step: string): CompressArgs {
  const dir = str(args, 'dir');
  const glob = str(args, 'glob');
  const exclude = str(args, 'exclude');
  return { file: reqStr(args, fileParam, step), ...(dir !== undefined ? { dir } : {}), ...(glob !== undefined ? { glob } : {}), ...(exclude !== undefined ? { exclude } : {}), archive: bool(args, 'archive', false), overwrite: bool(args, 'overwrite', false) };
}

export const zip: StepRun = async (ctx, args) => compressFiles(ctx, 'zip', compressArgs(args, 'zipFile', 'zip'), (files) => {
  const z: Zippable = {};
  for (const f of files) z[f.rel] = [new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength), { os: 3, attrs: (0o100000 | f.mode) << 16 >>> 0 }];
  return Buffer.from(zipSync(z, { level: 6 }));
});

function tarBytes(files: Source[]): Buffer {
  const parts: Uint8Array[] = [];
  const mtime = new Date();
  for (const f of files) {
    const data = { path: f.rel, mode: f.mode, size: f.data.length, mtime, type: 'File' as const, uid: 0, gid: 0, uname: '', gname: '' };
    const h = new Header(data);
    if (h.encode()) parts.push(new Pax(data).encode());
    parts.push(h.block!, f.data);
    const pad = (512 - (f.data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

export const tar: StepRun = async (ctx, args) => {
  const compressIt = bool(args, 'compress', true);
  return compressFiles(ctx, 'tar', compressArgs(args, 'file', 'tar'), (files) => {
    const t = tarBytes(files);
    return compressIt ? zlib.gzipSync(t) : t;
  });
};

// ---- reading zips ----------------------------------------------------------------------------

interface ZipEntry { name: string; method: number; crc: number; compSize: number; size: number; offset: number; dir: boolean }

/** A zip or tar that cannot be read as one (corrupt, truncated, a bad checksum, a bomb). */
export class BadArchive extends KilnError {
  constructor(message: string) {
    super('archive.invalid', message);
  }
}

/** The entries of a zip, from its central directory. */
export function zipEntries(buf: Buffer): ZipEntry[] {
  const minEocd = 22;
  let eocd = -1;
  for (let i = buf.length - minEocd; i >= Math.max(0, buf.length - minEocd - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new BadArchive('zip END header not found (not a zip file, or a truncated one)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new BadArchive('ZIP64 archives are not supported');
  if (cdOffset + cdSize > buf.length) throw new BadArchive('the central directory lies outside the file (a truncated zip?)');
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new BadArchive(`invalid central directory entry ${n + 1}`);
    const flags = buf.readUInt16LE(p + 8);
    const nameLen = buf.readUInt16LE(p + 28);
    const raw = buf.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? raw.toString('utf8') : raw.toString('latin1');
    const e: ZipEntry = {
      name, method: buf.readUInt16LE(p + 10), crc: buf.readUInt32LE(p + 16), compSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24), offset: buf.readUInt32LE(p + 42), dir: name.endsWith('/'),
    };
    if (flags & 0x1) throw new BadArchive(`${name} is encrypted`);
    out.push(e);
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return out;
}

/** An entry's bytes, inflated no further than its declared size, its CRC-32 checked. */
export function zipData(buf: Buffer, e: ZipEntry): Buffer {
  if (e.offset + 30 > buf.length || buf.readUInt32LE(e.offset) !== 0x04034b50) throw new BadArchive(`invalid local header for ${e.name}`);
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  if (start + e.compSize > buf.length) throw new BadArchive(`${e.name}: data lies outside the file (a truncated zip?)`);
  const raw = buf.subarray(start, start + e.compSize);
  let data: Buffer;
  if (e.method === 0) data = Buffer.from(raw);
  else if (e.method === 8) {
    try {
      data = e.size === 0 ? Buffer.alloc(0) : zlib.inflateRawSync(raw, { maxOutputLength: e.size });
    } catch (err) {
      throw new BadArchive(`${e.name}: ${err instanceof Error && /maxOutputLength|buffer/i.test(err.message) ? 'inflates to more than its declared size' : `invalid compressed data (${err instanceof Error ? err.message : String(err)})`}`);
    }
  } else throw new BadArchive(`${e.name}: unsupported compression method ${e.method}`);
  if (data.length !== e.size) throw new BadArchive(`${e.name}: ${data.length} bytes where ${e.size} are declared`);
  if ((zlib.crc32(data) >>> 0) !== e.crc) throw new BadArchive(`Checksum error in ${e.name}`);
  return data;
}

interface DecompressArgs { file: string; dir?: string; glob?: string; test: boolean; quiet: boolean }

async function destinationOf(ctx: StepContext, step: string, dir: string | undefined): Promise<string> {
  const ws = ctx.workspace();
  return dir !== undefined && dir.trim() !== '' ? wsPath(ctx, step, dir, 'dir') : (ctx.cwd ?? ws.root);
}

/** The archive file: missing or a directory is Jenkins' error (or, for test, an ERROR line and false). */
async function archiveFile(ctx: StepContext, step: string, file: string, test: boolean): Promise<{ abs: string; data: Buffer } | false> {
  const ws = ctx.workspace();
  const abs = wsPath(ctx, step, file);
  const st = await ws.stat(abs);
  const problem = !st ? `${abs} does not exist.` : st.type === 'dir' ? `${abs} is a directory.` : null;
  if (problem) {
    if (test) { ctx.log(`ERROR: ${problem}`); return false; }
    throw new StepFailure(problem);
  }
  return readWsFile(ctx, step, file);
}

function target(dest: string, name: string): string {
  const t = path.resolve(dest, name);
  if (!isInside(dest, t) || t === dest) throw new StepFailure(`${t} is out of bounds!`);
  return t;
}

function decompressArgs(args: StepArgs, fileParam: string, step: string): DecompressArgs {
  const dir = str(args, 'dir');
  const glob = str(args, 'glob');
  return { file: reqStr(args, fileParam, step), ...(dir !== undefined ? { dir } : {}), ...(glob !== undefined ? { glob } : {}), test: bool(args, 'test', false), quiet: bool(args, 'quiet', false) };
}

export const unzip: StepRun = async (ctx, args) => {
  const a = decompressArgs(args, 'zipFile', 'unzip');
  const read = bool(args, 'read', false);
  const ws = ctx.workspace();
  const dest = await destinationOf(ctx, 'unzip', a.dir);
  const got = await archiveFile(ctx, 'unzip', a.file, a.test);
  if (got === false) return false;
  const { abs, data: buf } = got;
  if (a.test) {
    try {
      const entries = zipEntries(buf);
      ctx.log(`Checking ${entries.length} zipped entries in ${abs}`);
      for (const e of entries) {
        if (e.dir) continue;
        const t = path.resolve(dest, e.name);
        if (!isInside(dest, t)) { ctx.log(`ERROR: ${t} is out of bounds!`); return false; }
        zipData(buf, e);
      }
      return true;
    } catch (err) {
      if (!(err instanceof BadArchive)) throw err;
      ctx.log(/^Checksum error/.test(err.message) ? `ERROR: Checksum error in : ${abs}:${err.message.replace(/^Checksum error in /, '')}` : `ERROR: Error validating zip file: ${err.message}`);
      return false;
    }
  }
  let entries: ZipEntry[];
  try { entries = zipEntries(buf); } catch (err) {
    if (err instanceof BadArchive) throw new StepFailure(`unzip: ${abs} is not a valid zip file: ${err.message}`);
    throw err;
  }
  if (entries.length > MAX_ENTRIES) throw new StepFailure(`unzip: ${abs} has ${entries.length} entries (Kiln unpacks at most ${MAX_ENTRIES})`);
  const matcher = a.glob && a.glob.trim() !== '' ? compileAntPatterns(a.glob, null, { defaultExcludes: false }) : null;
  const texts: GMap = new Map();
  ctx.log(`Extracting from ${abs}`);
  let count = 0;
  let total = 0;
  for (const e of entries) {
    if (matcher && !matcher.matches(e.name)) continue;
    const t = target(dest, e.name);
    if (e.dir) { if (!read) await ws.mkdir(t); continue; }
    count++;
    total += e.size;
    if (total > MAX_UNPACKED_BYTES) throw new StepFailure(`unzip: ${abs} unpacks to more than ${mb(MAX_UNPACKED_BYTES)}; refusing (a zip bomb?)`);
    let data: Buffer;
    try { data = zipData(buf, e); } catch (err) {
      if (err instanceof BadArchive) throw new StepFailure(`unzip: ${abs}: ${err.message}`);
      throw err;
    }
    if (read) {
      if (!a.quiet) ctx.log(`Reading: ${e.name}`);
      texts.set(e.name, data.toString('utf8'));
    } else {
      if (!a.quiet) ctx.log(`Extracting: ${e.name} -> ${t}`);
      await ws.writeFile(t, data);
    }
  }
  if (read) { ctx.log(`Read: ${count} files`); return texts; }
  ctx.log(`Extracted: ${count} files`);
  return null;
};

// ---- reading tars ----------------------------------------------------------------------------

interface TarItem { path: string; type: string; mode: number; data: Buffer; linkpath: string | undefined }

function tarItems(buf: Buffer): TarItem[] {
  let raw = buf;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try { raw = zlib.gunzipSync(buf, { maxOutputLength: MAX_UNPACKED_BYTES }); } catch (err) {
      throw new BadArchive(err instanceof Error && /maxOutputLength|buffer/i.test(err.message) ? `it unpacks to more than ${mb(MAX_UNPACKED_BYTES)} (a gzip bomb?)` : `invalid gzip data (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const parser = new Parser({ strict: true });
  const items: TarItem[] = [];
  let cur: { item: TarItem; chunks: Uint8Array[] } | null = null;
  parser.push(raw);
  parser.end();
  let sawEnd = false;
  for (;;) {
    let ev;
    try { ev = parser.next(); } catch (err) { throw new BadArchive(err instanceof Error ? err.message : String(err)); }
    if (!ev) break;
    if (ev.type === 'entry') {
      cur = { item: { path: ev.entry.path, type: ev.entry.type, mode: ev.entry.mode ?? 0o644, data: Buffer.alloc(0), linkpath: ev.entry.linkpath }, chunks: [] };
      if (items.length >= MAX_ENTRIES) throw new BadArchive(`more than ${MAX_ENTRIES} entries`);
    } else if (ev.type === 'body') cur?.chunks.push(ev.data);
    else if (ev.type === 'entryEnd') {
      if (cur) { cur.item.data = Buffer.concat(cur.chunks); items.push(cur.item); }
      cur = null;
    } else if (ev.type === 'end') { sawEnd = true; break; }
  }
  if (cur) throw new BadArchive(`${cur.item.path} is truncated`);
  if (!sawEnd && items.length === 0) throw new BadArchive('Not a tar archive');
  return items;
}

export const untar: StepRun = async (ctx, args) => {
  const a = decompressArgs(args, 'file', 'untar');
  const keepPermissions = bool(args, 'keepPermissions', true);
  const ws = ctx.workspace();
  const dest = await destinationOf(ctx, 'untar', a.dir);
  const got = await archiveFile(ctx, 'untar', a.file, a.test);
  if (got === false) return false;
  const { abs, data: buf } = got;
  if (a.test) {
    ctx.log(`Checking ${buf.length} bytes in ${abs}`);
    try {
      for (const it of tarItems(buf)) {
        const t = path.resolve(dest, it.path);
        if (!isInside(dest, t)) { ctx.log(`ERROR: ${t} is out of bounds!`); return false; }
      }
      return true;
    } catch (err) {
      if (!(err instanceof BadArchive)) throw err;
      ctx.log(`ERROR: Error validating tar file: ${err.message}`);
      return false;
    }
  }
  if (buf.length === 0) ctx.log('File is empty.');
  let items: TarItem[];
  try { items = buf.length === 0 ? [] : tarItems(buf); } catch (err) {
    if (err instanceof BadArchive) throw new StepFailure(`untar: ${abs} is not a valid tar archive: ${err.message}`);
    throw err;
  }
  const matcher = a.glob && a.glob.trim() !== '' ? compileAntPatterns(a.glob, null, { defaultExcludes: false }) : null;
  ctx.log(`Extracting from ${abs}`);
  let count = 0;
  for (const it of items) {
    if (matcher && !matcher.matches(it.path)) continue;
    const t = target(dest, it.path);
    if (it.type === 'Directory') { await ws.mkdir(t); continue; }
    if (it.type === 'SymbolicLink' || it.type === 'Link') {
      ctx.log(`Skipping link: ${it.path} -> ${it.linkpath ?? ''} (Kiln does not create links from archives)`);
      continue;
    }
    if (it.type !== 'File' && it.type !== 'OldFile' && it.type !== 'ContiguousFile') continue;
    count++;
    if (!a.quiet) ctx.log(`Extracting: ${it.path} -> ${t}`);
    await ws.writeFile(t, it.data, keepPermissions ? it.mode & 0o777 : undefined);
  }
  ctx.log(`Extracted: ${count} files`);
  return null;
};
