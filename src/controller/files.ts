// Where a build's files live under the controller's home, and the file-backed services the
// engine needs there: stashes (kept until the build ends, or per preserveStashes) and
// artifacts (kept with the build until the build discarder removes them).
//
//   <home>/builds/<job id>/<number>/log            the console (log store)
//   <home>/builds/<job id>/<number>/artifacts/...  archived files
//   <home>/builds/<job id>/<number>/stashes/<name>/...
//
// Paths come from the job's id, not its name, so renaming a job moves nothing. Every relative
// path from a build is checked to stay inside its directory.
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { StashFile } from '../pipeline/steps/types.ts';

export class BuildFiles {
  readonly root: string;
  constructor(home: string) {
    this.root = path.join(home, 'builds');
  }

  dir(jobId: string, number: number): string {
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
    const dest = this.artifactPath(jobId, number, rel);
    if (!dest) throw new Error(`refusing artifact path '${rel}' (it leaves the build's artifacts)`);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.writeFile(dest, data, { mode: mode & 0o777 });
    return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }

  async putStash(jobId: string, number: number, name: string, files: StashFile[]): Promise<void> {
    const dir = this.#stashDir(jobId, number, name);
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.mkdir(dir, { recursive: true });
    const manifest: { path: string; mode: number }[] = [];
    for (const f of files) {
      const dest = inside(path.join(dir, 'files'), f.path);
      if (!dest) throw new Error(`refusing stash path '${f.path}' (it leaves the stash)`);
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.writeFile(dest, f.data);
      manifest.push({ path: f.path, mode: f.mode });
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
    for (const m of manifest) {
      const src = inside(path.join(dir, 'files'), m.path);
      if (src) out.push({ path: m.path, mode: m.mode, data: await fsp.readFile(src) });
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

  #stashDir(jobId: string, number: number, name: string): string {
    return path.join(this.dir(jobId, number), 'stashes', encodeURIComponent(name));
  }
}

function safeSegment(s: string): string {
  return encodeURIComponent(s).replace(/^\.+/, (m) => '%2E'.repeat(m.length));
}

/** `base/rel` when it stays inside base (no '..' escape, not absolute), else null. */
export function inside(base: string, rel: string): string | null {
  if (rel === '' || path.isAbsolute(rel) || rel.includes('\0')) return null;
  const abs = path.resolve(base, rel);
  return abs.startsWith(base + path.sep) ? abs : null;
}
