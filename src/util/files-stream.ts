// Files in chunks: reading and writing a workspace's files (and the controller's own) with
// memory bounded by a chunk or a flow-control window, whatever the file's size.
//
// Why: artifacts and stashes can be gigabytes; holding one whole in memory (as readFile and
// writeFile do) made the controller's memory grow with every archived file. Workspaces that
// can stream implement `openRead` / `writeFrom` (local and agent workspaces); for the others
// `openFile` and `writeChunks` fall back to the whole-file calls, so nothing breaks, it only
// costs memory there.
//
// How: `fileReader` reads an opened file handle CHUNK_BYTES at a time (a fresh buffer per
// chunk, since the consumer may keep it); `writeChunksTo` writes an async iterable of chunks to
// a file handle, one write at a time, so the producer is pulled no faster than the disk takes.

import type { FileHandle } from 'node:fs/promises';
import type { FileReader, Workspace } from '../core/workspace.ts';

/** Size of the chunks files are read in. */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/** A reader over an opened file handle; closes it at the end, on an error, or on close(). */
export function fileReader(fh: FileHandle, size: number, onError: (e: unknown) => Error = (e) => e as Error): FileReader {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close().catch(() => {});
  };
  return {
    size,
    close,
    async *chunks() {
      try {
        for (;;) {
          if (closed) throw new Error('the file was closed before its end');
          const buf = Buffer.allocUnsafe(FILE_CHUNK_BYTES);
          let n: number;
          try {
            n = (await fh.read(buf, 0, buf.length, null)).bytesRead;
          } catch (e) {
            throw onError(e);
          }
          if (n === 0) return;
          yield n === buf.length ? buf : buf.subarray(0, n);
        }
      } finally {
        await close();
      }
    },
  };
}

/** A reader over bytes already in memory. */
export function bufferReader(data: Buffer): FileReader {
  let closed = false;
  return {
    size: data.length,
    close: async () => { closed = true; },
    async *chunks() {
      for (let off = 0; off < data.length; off += FILE_CHUNK_BYTES) {
        if (closed) throw new Error('the file was closed before its end');
        yield data.subarray(off, off + FILE_CHUNK_BYTES);
      }
    },
  };
}

/**
 * `reader`, stopped when `signal` aborts (the build or its step was aborted): the file is
 * closed at once (an agent stops sending it) and the chunks end with `reason()`, never as if
 * the file had ended, so whoever keeps it removes what it half wrote.
 */
export function abortable(reader: FileReader, signal: AbortSignal, reason: () => Error): FileReader {
  const onAbort = () => { void reader.close(); };
  return {
    size: reader.size,
    close: async () => {
      signal.removeEventListener('abort', onAbort);
      await reader.close();
    },
    async *chunks() {
      if (signal.aborted) {
        await reader.close();
        throw reason();
      }
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const c of reader.chunks()) {
          if (signal.aborted) throw reason();
          yield c;
        }
      } catch (e) {
        throw signal.aborted ? reason() : e;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) throw reason();
    },
  };
}

/** Every file's bytes in memory, for callers of the whole-file APIs (a stash read back by `get`). */
export async function readWhole<T extends { open: () => Promise<FileReader> }>(files: T[]): Promise<(Omit<T, 'open'> & { data: Buffer })[]> {
  const out: (Omit<T, 'open'> & { data: Buffer })[] = [];
  for (const f of files) {
    const parts: Buffer[] = [];
    for await (const c of (await f.open()).chunks()) parts.push(c);
    const { open: _open, ...rest } = f;
    out.push({ ...rest, data: Buffer.concat(parts) });
  }
  return out;
}

/** Opens `path` of `ws` for reading in chunks (whole-file fallback for workspaces that cannot stream). */
export async function openFile(ws: Workspace, path: string): Promise<FileReader> {
  if (ws.openRead) return ws.openRead(path);
  return bufferReader(await ws.readFile(path));
}

/** Writes `chunks` to `path` of `ws` (gathered for workspaces that cannot stream). */
export async function writeChunks(ws: Workspace, path: string, chunks: AsyncIterable<Buffer>, mode?: number): Promise<void> {
  if (ws.writeFrom) return ws.writeFrom(path, chunks, mode);
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  await ws.writeFile(path, Buffer.concat(parts), mode);
}

/** Writes every chunk to `fh` in order, pulling the next only when the last is written; returns the bytes written. */
export async function writeChunksTo(fh: FileHandle, chunks: AsyncIterable<Buffer>): Promise<number> {
  let total = 0;
  for await (const c of chunks) {
    let off = 0;
    while (off < c.length) off += (await fh.write(c, off, c.length - off)).bytesWritten;
    total += c.length;
  }
  return total;
}
