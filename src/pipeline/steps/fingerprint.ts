// fingerprint: Jenkins core's Fingerprinter (`fingerprint 'target/*.jar'`, `step([$class:
// 'Fingerprinter', targets: ...])`, and archiveArtifacts(fingerprint: true), which runs it over the
// archived files). Each matching file's MD5 is its fingerprint; the build keeps path → MD5, and
// the host keeps, per MD5, the build that made the file (modified at most 2 s before this build
// started, as Jenkins decides "produced") and every build that recorded it (BuildServices.fingerprints).
// A file that cannot be read fails the recording as Jenkins does: an error line and the build
// FAILURE, not an exception (recording fingerprints is not fatal to the steps after it).
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { StepRun } from '../plugin.ts';
import type { FileReader } from '../../core/workspace.ts';
import { throwIfAborted } from '../../core/errors.ts';
import { bool, reqStr, str } from './args.ts';
import { collectSources } from './collect.ts';
import type { FingerprintRecord, SourceFile, StepContext } from './types.ts';

/** Jenkins' margin: a file modified up to 2 s before the build started counts as made by it (VFAT keeps 2 s). */
const PRODUCED_MARGIN_MS = 2000;

export const run: StepRun = async (ctx, args) => {
  const targets = reqStr(args, 'targets', 'fingerprint');
  ctx.log('Recording fingerprints');
  if (targets.trim() === '') {
    await keep(ctx, []);
    return null;
  }
  let sources: SourceFile[];
  try {
    sources = await collectSources(ctx, targets, str(args, 'excludes'), { defaultExcludes: bool(args, 'defaultExcludes', true), step: 'fingerprint' });
  } catch (err) {
    throwIfAborted(ctx.signal); // an abort is the build's, not a recording that failed
    return failed(ctx, err);
  }
  const records: FingerprintRecord[] = [];
  for (const f of sources) {
    try {
      const reader = await f.open();
      const { reader: r, md5 } = md5Tee(reader);
      for await (const _ of r.chunks()) { /* hashed as read */ }
      records.push(recordOf(ctx, f, md5()));
    } catch (err) {
      throwIfAborted(ctx.signal);
      return failed(ctx, err, f.path);
    }
  }
  await keep(ctx, records);
  return null;
};

/** A reader that computes the MD5 of what passes through it; `md5()` once its chunks are read. */
export function md5Tee(reader: FileReader): { reader: FileReader; md5(): string } {
  const h = createHash('md5');
  let digest: string | null = null;
  return {
    reader: {
      size: reader.size,
      close: () => reader.close(),
      async *chunks() {
        for await (const c of reader.chunks()) {
          h.update(c);
          yield c;
        }
      },
    },
    md5: () => (digest ??= h.digest('hex')),
  };
}

export function recordOf(ctx: StepContext, f: { path: string; mtimeMs?: number }, md5: string): FingerprintRecord {
  const started = ctx.build.startedAt;
  const produced = started === undefined || f.mtimeMs === undefined || started <= f.mtimeMs + PRODUCED_MARGIN_MS;
  return { path: f.path, md5, fileName: path.posix.basename(f.path), produced };
}

export async function keep(ctx: StepContext, records: FingerprintRecord[]): Promise<void> {
  const fp = ctx.build.services.fingerprints;
  if (fp && records.length > 0) await fp.record(records);
}

function failed(ctx: StepContext, err: unknown, file?: string): null {
  const why = err instanceof Error ? err.message : String(err);
  ctx.log(`ERROR: Failed to record fingerprints${file ? `: cannot read ${file}` : ''}: ${why}`);
  ctx.build.setResult('FAILURE');
  return null;
}
