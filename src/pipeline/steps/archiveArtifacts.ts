// archiveArtifacts: copies files matching Ant patterns from the workspace into the build's
// artifacts. Symbolic links are archived only when they point inside the workspace (with
// followSymlinks: false, as Jenkins' option, they are left out). With a
// service that streams (the controller, kiln run), each file is read in chunks as it is kept,
// so any size passes with bounded memory; a failure names the file and keeps nothing of it.
// With fingerprint: true the archived files' fingerprints are recorded as the fingerprint step
// records them (Jenkins runs its Fingerprinter over them), hashed as they are archived.
import type { StepRun } from '../plugin.ts';
import { StepFailure, throwIfAborted } from '../../core/errors.ts';
import { bool, reqStr, str } from './args.ts';
import { collectFiles, collectSources } from './collect.ts';
import { keep, md5Tee, recordOf } from './fingerprint.ts';
import type { FingerprintRecord } from './types.ts';

export const run: StepRun = async (ctx, args) => {
  if (bool(args, 'onlyIfSuccessful', false) && ctx.build.result !== 'SUCCESS') {
    ctx.log('Skipped archiving because build is not successful');
    return null;
  }
  const patterns = reqStr(args, 'artifacts', 'archiveArtifacts');
  const fingerprint = bool(args, 'fingerprint', false);
  const putFile = ctx.build.services.artifacts.putFile;
  if (putFile) {
    const sources = await collectSources(ctx, patterns, str(args, 'excludes'), {
      defaultExcludes: bool(args, 'defaultExcludes', true),
      step: 'archiveArtifacts',
      followSymlinks: bool(args, 'followSymlinks', true),
    });
    if (sources.length === 0) return noneFound(ctx, patterns, bool(args, 'allowEmptyArchive', false));
    ctx.log(`Archiving artifacts`);
    const records: FingerprintRecord[] = [];
    for (const f of sources) {
      try {
        const opened = await f.open();
        const tee = fingerprint ? md5Tee(opened) : null;
        await putFile(f.path, tee ? tee.reader : opened, f.mode);
        if (tee) records.push(recordOf(ctx, f, tee.md5()));
      } catch (err) {
        throwIfAborted(ctx.signal);
        if (err instanceof StepFailure) throw err;
        throw new StepFailure(`archiveArtifacts: cannot archive ${f.path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (fingerprint) {
      ctx.log('Recording fingerprints');
      await keep(ctx, records);
    }
    return null;
  }
  const files = await collectFiles(ctx, patterns, str(args, 'excludes'), {
    defaultExcludes: bool(args, 'defaultExcludes', true),
    step: 'archiveArtifacts',
    followSymlinks: bool(args, 'followSymlinks', true),
  });
  if (files.length === 0) return noneFound(ctx, patterns, bool(args, 'allowEmptyArchive', false));
  ctx.log(`Archiving artifacts`);
  const { createHash } = fingerprint ? await import('node:crypto') : { createHash: null };
  const records: FingerprintRecord[] = [];
  for (const f of files) {
    await ctx.build.services.artifacts.put(f.path, f.data, f.mode);
    if (createHash) records.push(recordOf(ctx, { path: f.path }, createHash('md5').update(f.data).digest('hex')));
  }
  if (fingerprint) {
    ctx.log('Recording fingerprints');
    await keep(ctx, records);
  }
  return null;
};

function noneFound(ctx: { log(line: string): void }, patterns: string, allowEmpty: boolean): null {
  if (!allowEmpty) throw new StepFailure(`No artifacts found that match the file pattern "${patterns}". Configuration error?`);
  ctx.log(`No artifacts found that match the file pattern "${patterns}". Configuration error?`);
  return null;
}
