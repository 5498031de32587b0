// Where a build's files live under the controller's home, and the file-backed services the
// engine needs there: stashes (kept until the build ends, or per preserveStashes) and
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
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { StashFile } from '../pipeline/steps/types.ts';
import { relPathProblem } from '../pipeline/steps/files.ts';

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
    const problem = relPathProblem(rel);
    if (problem) throw new Error(`refusing to archive ${JSON.stringify(rel).slice(0, 300)}: ${problem}`);
    const dest = this.artifactPath(jobId, number, rel);
    if (!dest) throw new Error(`refusing to archive ${JSON.stringify(rel).slice(0, 300)}: it leaves the build's artifacts`);
    await writeKept(dest, data, mode, `cannot archive ${JSON.stringify(rel).slice(0, 300)}`);
    return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }

  async putStash(jobId: string, number: number, name: string, files: StashFile[]): Promise<void> {
    const dir = this.#stashDir(jobId, number, name);
    // Every path is checked before anything is removed or written.
    for (const f of files) {
      const problem = relPathProblem(f.path);
      if (problem) throw new Error(`stash '${name.slice(0, 200)}': refusing ${JSON.stringify(f.path).slice(0, 300)}: ${problem}`);
    }
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.mkdir(dir, { recursive: true });
    const manifest: { path: string; mode: number }[] = [];
    for (const f of files) {
      const dest = inside(path.join(dir, 'files'), f.path);
      if (!dest) throw new Error(`stash '${name.slice(0, 200)}': refusing ${JSON.stringify(f.path).slice(0, 300)}: it leaves the stash`);
      await writeKept(dest, f.data, 0o644, `stash '${name.slice(0, 200)}': cannot keep ${JSON.stringify(f.path).slice(0, 300)}`);
      manifest.push({ path: f.path, mode: f.mode & 0o777 });
    }
    await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  }

  async getStash(jobId: string, number: number, name: string): Promise<StashFile[] | undefined> {
    const dir = this.#stashDir(jobId, number, name);
    let manifest: { path: string; mode: number }[];
    try {
      manifest = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { path: string; mode: number }[];
    } catch {
      return undefined;
    }
    const out: StashFile[] = [];
    if (!Array.isArray(manifest)) return undefined;
    for (const m of manifest) {
      const src = typeof m?.path === 'string' ? inside(path.join(dir, 'files'), m.path) : null;
      if (src) out.push({ path: m.path, mode: typeof m.mode === 'number' ? m.mode & 0o777 : 0o644, data: await fsp.readFile(src) });
    }
    return out;
  }

  async removeStashes(jobId: string, number: number): Promise<void> {
    await fsp.rm(path.join(this.dir(jobId, number), 'stashes'), { recursive: true, force: true });
  }

  async removeArtifacts(jobId: string, number: number): Promise<void> {
    await fsp.rm(this.artifactsDir(jobId, number), { recursive: true, force: true });
  }

  async removeBuild(jobId: string, number: number): Promise<void> {
    await fsp.rm(this.dir(jobId, number), { recursive: true, force: true });
  }

  /** One directory per stash name, whatever the name holds ('.', '..', '/', very long). */
  #stashDir(jobId: string, number: number, name: string): string {
    return path.join(this.dir(jobId, number), 'stashes', safeSegment(name));
  }
}

/** Writes a kept file, with an error that says what clashed (not the controller's paths). */
async function writeKept(dest: string, data: Buffer, mode: number, what: string): Promise<void> {
  try {
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.writeFile(dest, data, { mode: mode & 0o777 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file of the same name is in the way of its directory'
      : code === 'EISDIR' ? 'a directory of the same name is already kept'
        : code === 'ENAMETOOLONG' ? 'a part of its name is too long for a file name'
          : code === 'ENOSPC' ? "the controller's disk is full" : (err as Error).message;
    throw new Error(`${what}: ${why}`);
  }
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
