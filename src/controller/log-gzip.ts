// A finished build's console kept gzip-compressed (`options { compressBuildLog() }`, the
// Compress Build Log plugin), read by byte range as if it were not.
//
// What: `log` becomes `log.gz`, a gzip file made of independent members of BLOCK raw bytes each
// (any gzip reader reads it whole: `zcat log.gz` gives the console), and `log.gzi` beside it,
// the members' offsets in log.gz and the raw size (JSON). A read of [pos, pos + n) inflates only
// the members that hold it, so a range read costs at most two 1 MiB inflates whatever the log's
// size; inflated blocks are kept in a cache of CACHE_BLOCKS blocks for all logs together (the
// console reads a log forwards in 64 KiB chunks: one inflate serves 16 reads).
//
// Crash safety: log.gz and log.gzi are written under temporary names, synced, renamed, and only
// then is `log` removed; a reader prefers `log` while it exists, so a crash at any point leaves
// a readable console. Only logs nobody writes any more are compressed (LogStore.compress).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export const BLOCK = 1024 * 1024;
const CACHE_BLOCKS = 16;

export interface GzIndex { v: 1; block: number; size: number; offsets: number[] }

export const gzPath = (log: string) => `${log}.gz`;
export const gziPath = (log: string) => `${log}.gzi`;

/** Compresses `log` into log.gz + log.gzi and removes it; the raw size. */
export async function compressFile(log: string): Promise<number> {
  const tmpGz = `${gzPath(log)}.tmp`;
  const tmpIdx = `${gziPath(log)}.tmp`;
  const src = await fsp.open(log, 'r');
  const out = await fsp.open(tmpGz, 'w');
  const offsets: number[] = [];
  let size = 0;
  let at = 0;
  try {
    const buf = Buffer.alloc(BLOCK);
    for (;;) {
      let got = 0;
      while (got < BLOCK) {
        const { bytesRead } = await src.read(buf, got, BLOCK - got, size + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got === 0) break;
      const z = await gzip(buf.subarray(0, got), { level: 6 });
      offsets.push(at);
      await out.write(z, 0, z.length, at);
      at += z.length;
      size += got;
      if (got < BLOCK) break;
    }
    await out.sync();
  } finally {
    await out.close();
    await src.close();
  }
  const index: GzIndex = { v: 1, block: BLOCK, size, offsets };
  await fsp.writeFile(tmpIdx, JSON.stringify(index));
  const fh = await fsp.open(tmpIdx, 'r');
  await fh.sync().finally(() => fh.close());
  await fsp.rename(tmpIdx, gziPath(log));
  await fsp.rename(tmpGz, gzPath(log));
  await fsp.rm(log);
  return size;
}

/** The index of a compressed log, or null when it has none (or a damaged one). */
export async function readIndex(log: string): Promise<GzIndex | null> {
  let text: string;
  try {
    text = await fsp.readFile(gziPath(log), 'utf8');
  } catch {
    return null;
  }
  try {
    const x = JSON.parse(text) as GzIndex;
    if (x.v !== 1 || !Number.isSafeInteger(x.size) || !Number.isSafeInteger(x.block) || x.block <= 0 || !Array.isArray(x.offsets)) return null;
    if (x.offsets.length !== Math.ceil(x.size / x.block)) return null;
    return x;
  } catch {
    return null;
  }
}

/** Inflated blocks, least recently used first out: key `<file>\0<block number>`. */
const cache = new Map<string, Buffer>();

/** Forgets a log's cached blocks (removed, or written again). */
export function forget(log: string): void {
  for (const k of [...cache.keys()]) if (k.startsWith(`${gzPath(log)}\0`)) cache.delete(k);
}

async function block(log: string, idx: GzIndex, n: number): Promise<Buffer> {
  const file = gzPath(log);
  const k = `${file}\0${n}`;
  const hit = cache.get(k);
  if (hit) {
    cache.delete(k);
    cache.set(k, hit);
    return hit;
  }
  const start = idx.offsets[n]!;
  const end = n + 1 < idx.offsets.length ? idx.offsets[n + 1]! : (await fsp.stat(file)).size;
  const fh = await fsp.open(file, 'r');
  let z: Buffer;
  try {
    z = Buffer.alloc(end - start);
    let got = 0;
    while (got < z.length) {
      const { bytesRead } = await fh.read(z, got, z.length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    z = z.subarray(0, got);
  } finally {
    await fh.close();
  }
  const raw = await gunzip(z);
  cache.set(k, raw);
  while (cache.size > CACHE_BLOCKS) cache.delete(cache.keys().next().value!);
  return raw;
}

/** Up to `n` raw bytes from `pos` of a compressed log (fewer at its end). */
export async function readCompressed(log: string, idx: GzIndex, pos: number, n: number): Promise<Buffer> {
  const end = Math.min(idx.size, pos + n);
  const parts: Buffer[] = [];
  for (let p = pos; p < end;) {
    const b = Math.floor(p / idx.block);
    const raw = await block(log, idx, b);
    const from = p - b * idx.block;
    const take = Math.min(raw.length - from, end - p);
    if (take <= 0) break; // a block shorter than its index says: the file is damaged
    parts.push(raw.subarray(from, from + take));
    p += take;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Decompresses log.gz back into `log` (a finished build's console opened for writing again). */
export function decompressFileSync(log: string): void {
  const raw = zlib.gunzipSync(fs.readFileSync(gzPath(log)));
  fs.writeFileSync(`${log}.tmp`, raw);
  fs.renameSync(`${log}.tmp`, log);
  fs.rmSync(gzPath(log), { force: true });
  fs.rmSync(gziPath(log), { force: true });
  forget(log);
}
