// Where a build's files live under the controller's home, and the file-backed services the
// engine needs there: stashes (kept until the build ends, or per preserveStashes: those of the
// job's last N finished builds, which a build restarted from a stage gets a copy of) and
// artifacts (kept with the build until the build discarder removes them).
//
//   <home>/builds/<job id>/<number>/log            the console (log store)
//   <home>/builds/<job id>/<number>/artifacts/...  archived files
//   <home>/builds/<job id>/<number>/stashes/<name>/...
//
// Paths come from the job's id, not its name, so renaming a job moves nothing. Every relative
// path from a build (artifact names and stashed files come from agents, stash names from
// Jenkinsfiles) is untrusted: it must be a plain relative path (`relPathProblem`: no '..',
// '.', empty or absolute parts, no NUL) before it is joined to a directory, and the result is
// checked again to stay inside. Stash names become one directory name whatever they hold
// ('..' included). Nothing here follows a symbolic link that a build could have made: the
// controller writes every file itself, under directories it created.
//
// Files are streamed (`keepStreamed`): read in chunks from their source (an agent, with flow
// control, or a local workspace), hashed on the way, written to a temporary file under
// `<build>/.incoming/` and renamed into place once complete, so memory stays bounded whatever
// the size and a failed transfer (disk full, agent lost, file unreadable) leaves no partial
// artifact. A stash is written whole into `stashes/.incoming-<uuid>/` and renamed over the old
// one. `putStashIn` / `getStashIn` work on any stashes directory (kiln run keeps its own).
import { createHash, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { SourceFile, StashFile } from '../pipeline/steps/types.ts';
import { relPathProblem } from '../pipeline/steps/files.ts';
import type { FileReader } from '../core/workspace.ts';
import { bufferReader, fileReader, readWhole } from '../util/files-stream.ts';

export class BuildFiles {
  readonly root: string;
  constructor(home: string) {
    this.root = path.join(home, 'builds');
  }

  dir(jobId: string, number: number): string {
    if (!Number.isSafeInteger(number) || number < 1) throw new Error(`invalid build number ${number}`);
    return path.join(this.root, safeSegment(jobId), String(number));
  }

  artifactsDir(jobId: string, number: number): string {
    return path.join(this.dir(jobId, number), 'artifacts');
  }

  /** The absolute path of an artifact, or null when `rel` would leave the artifacts directory. */
  artifactPath(jobId: string, number: number, rel: string): string | null {
    return inside(this.artifactsDir(jobId, number), rel);
  }

  async putArtifact(jobId: string, number: number, rel: string, data: Buffer, mode: number): Promise<{ size: number; sha256: string }> {
    return this.putArtifactFile(jobId, number, rel, bufferReader(data), mode);
  }

  /** Keeps one artifact as it is read (bounded memory); nothing is kept when reading or writing fails. */
  async putArtifactFile(jobId: string, number: number, rel: string, file: FileReader, mode: number): Promise<{ size: number; sha256: string }> {
    const what = `cannot archive ${JSON.stringify(rel).slice(0, 300)}`;
    const problem = relPathProblem(rel);
    if (problem) {
      await file.close();
      throw new Error(`refusing to archive ${JSON.stringify(rel).slice(0, 300)}: ${problem}`);
    }
    const dest = this.artifactPath(jobId, number, rel);
    if (!dest) {
      await file.close();
      throw new Error(`refusing to archive ${JSON.stringify(rel).slice(0, 300)}: it leaves the build's artifacts`);
    }
    return keepStreamed(dest, file, mode, path.join(this.dir(jobId, number), '.incoming'), what);
  }

  async putStash(jobId: string, number: number, name: string, files: StashFile[]): Promise<void> {
    await this.putStashFiles(jobId, number, name, files.map((f) => ({ path: f.path, mode: f.mode, open: async () => bufferReader(f.data) })));
  }

  /** Keeps a stash, each file streamed from its source; the stash replaces an older one of the name only once complete. */
  async putStashFiles(jobId: string, number: number, name: string, files: SourceFile[]): Promise<void> {
    await putStashIn(path.join(this.dir(jobId, number), 'stashes'), name, files);
  }

  async getStash(jobId: string, number: number, name: string): Promise<StashFile[] | undefined> {
    const files = await this.getStashFiles(jobId, number, name);
    return files ? readWhole(files) : undefined;
  }

  /** A stash's files, each opened (and read in chunks) when its turn comes. */
  async getStashFiles(jobId: string, number: number, name: string): Promise<SourceFile[] | undefined> {
    return getStashIn(path.join(this.dir(jobId, number), 'stashes'), name);
  }

  /** At the build's end: its stashes, and what a transfer cut short by a controller crash left in `.incoming`. */
  async removeStashes(jobId: string, number: number): Promise<void> {
    await fsp.rm(path.join(this.dir(jobId, number), 'stashes'), { recursive: true, force: true });
    await fsp.rm(path.join(this.dir(jobId, number), '.incoming'), { recursive: true, force: true });
  }

  /**
   * Restart from a stage: the stashes build `from` kept (preserveStashes) become build `to`'s,
   * copied (the original may lose its own to the retention later). False when it kept none.
   */
  async copyStashes(jobId: string, from: number, to: number): Promise<boolean> {
    const src = path.join(this.dir(jobId, from), 'stashes');
    if (!(await fsp.stat(src).catch(() => null))?.isDirectory()) return false;
    await fsp.cp(src, path.join(this.dir(jobId, to), 'stashes'), {
      recursive: true, errorOnExist: false, force: true, verbatimSymlinks: true,
      filter: (p) => !path.basename(p).startsWith('.incoming-'),
    });
    return true;
  }

  async removeArtifacts(jobId: string, number: number): Promise<void> {
    await fsp.rm(this.artifactsDir(jobId, number), { recursive: true, force: true });
  }

  async removeBuild(jobId: string, number: number): Promise<void> {
    await fsp.rm(this.dir(jobId, number), { recursive: true, force: true });
  }
}

/**
 * Streams `file` to `dest` through a temporary file in `incoming` (same file system), hashing it
 * on the way; renames it into place when complete. On any failure the temporary file is removed
 * and the error says what happened (not the controller's paths).
 */
export async function keepStreamed(dest: string, file: FileReader, mode: number, incoming: string, what: string): Promise<{ size: number; sha256: string }> {
  const tmp = path.join(incoming, randomUUID());
  const hash = createHash('sha256');
  let size = 0;
  let fh: fsp.FileHandle | null = null;
  try {
    await fsp.mkdir(incoming, { recursive: true });
    fh = await fsp.open(tmp, 'wx', mode & 0o777);
    for await (const c of file.chunks()) {
      hash.update(c);
      let off = 0;
      while (off < c.length) off += (await fh.write(c, off, c.length - off)).bytesWritten;
      size += c.length;
    }
    await fh.close();
    fh = null;
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fh?.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    await file.close();
    throw keptError(err, what);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Keeps stash `name` under `stashesDir` (one directory per name), replacing an older one only once complete. */
export async function putStashIn(stashesDir: string, name: string, files: SourceFile[]): Promise<void> {
  const label = `stash '${name.slice(0, 200)}'`;
  // Every path is checked before anything is removed or written.
  for (const f of files) {
    const problem = relPathProblem(f.path);
    if (problem) throw new Error(`${label}: refusing ${JSON.stringify(f.path).slice(0, 300)}: ${problem}`);
  }
  const final = path.join(stashesDir, safeSegment(name));
  // Stash names never start with '.' once encoded (safeSegment), so this cannot be one.
  const tmp = path.join(stashesDir, `.incoming-${randomUUID()}`);
  try {
    await fsp.mkdir(tmp, { recursive: true });
    const manifest: { path: string; mode: number }[] = [];
    for (const f of files) {
      const dest = inside(path.join(tmp, 'files'), f.path);
      if (!dest) throw new Error(`${label}: refusing ${JSON.stringify(f.path).slice(0, 300)}: it leaves the stash`);
      const what = `${label}: cannot keep ${JSON.stringify(f.path).slice(0, 300)}`;
      let reader: FileReader;
      try {
        reader = await f.open();
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
      await keepStreamed(dest, reader, 0o644, path.join(tmp, 'incoming'), what);
      manifest.push({ path: f.path, mode: f.mode & 0o777 });
    }
    await fsp.rm(path.join(tmp, 'incoming'), { recursive: true, force: true });
    await fsp.writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(manifest));
    await fsp.rm(final, { recursive: true, force: true });
    await fsp.rename(tmp, final);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The files of stash `name` under `stashesDir`, each opened when its turn comes; undefined when there is none. */
export async function getStashIn(stashesDir: string, name: string): Promise<SourceFile[] | undefined> {
  const dir = path.join(stashesDir, safeSegment(name));
  let manifest: unknown;
  try {
    manifest = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(manifest)) return undefined;
  const out: SourceFile[] = [];
  for (const m of manifest as { path?: unknown; mode?: unknown }[]) {
    const rel = typeof m?.path === 'string' ? m.path : null;
    const src = rel !== null ? inside(path.join(dir, 'files'), rel) : null;
    if (rel === null || !src) continue;
    out.push({
      path: rel,
      mode: typeof m.mode === 'number' ? m.mode & 0o777 : 0o644,
      open: async () => {
        let fh: fsp.FileHandle;
        try {
          fh = await fsp.open(src, 'r');
        } catch (err) {
          throw new Error(`stash '${name.slice(0, 200)}': ${JSON.stringify(rel).slice(0, 300)} is missing from the controller's disk (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        const st = await fh.stat();
        return fileReader(fh, st.size);
      },
    });
  }
  return out;
}

/** An error keeping a file, saying what clashed (not the controller's paths). */
function keptError(err: unknown, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file of the same name is in the way of its directory'
    : code === 'EISDIR' ? 'a directory of the same name is already kept'
      : code === 'ENAMETOOLONG' ? 'a part of its name is too long for a file name'
        : code === 'ENOSPC' ? "the controller's disk is full"
          : code === 'EDQUOT' ? "the controller's disk quota is used up" : (err as Error).message;
  return new Error(`${what}: ${why}`);
}

/**
 * A string as one safe file name: URL-encoded, leading dots encoded too (so '.' and '..' are
 * names, not directions), never empty, and hashed when it would be too long for a file name.
 */
export function safeSegment(s: string): string {
  const enc = encodeURIComponent(s).replace(/^\.+/, (m) => '%2E'.repeat(m.length));
  if (enc === '') return '%';
  if (enc.length > 200) return `${enc.slice(0, 120)}~${createHash('sha256').update(s).digest('hex')}`;
  return enc;
}

/** `base/rel` when `rel` is a plain relative path (relPathProblem in pipeline/steps/files.ts) that stays inside base, else null. */
export function inside(base: string, rel: string): string | null {
  if (relPathProblem(rel) !== null) return null;
  const abs = path.resolve(base, rel);
  return abs.startsWith(base + path.sep) ? abs : null;
}
