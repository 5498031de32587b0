// copyArtifacts (declared in index.ts), following the Copy Artifact plugin: the selector picks the
// build, the host gives its kept artifacts (BuildServices.buildTools.artifactsOf), `filter` and
// `excludes` choose them (Ant patterns), and each is streamed into `target` through the
// Workspace (paths checked to stay inside it). "Copied N artifacts from "job" build number N";
// nothing to copy is an error unless `optional`. fingerprintArtifacts (default true): the copies'
// MD5s are recorded with the source build as their original (pipeline/steps/fingerprint.ts).
import path from 'node:path/posix';
import { createHash } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isMap } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, reqStr, str } from '../../pipeline/steps/args.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { compileAntPatterns } from '../../util/antglob.ts';
import { writeChunks } from '../../util/files-stream.ts';
import { keep } from '../../pipeline/steps/fingerprint.ts';
import type { FingerprintRecord } from '../../pipeline/steps/types.ts';

const copyArtifacts: StepRun = async (ctx, args) => {
  const job = reqStr(args, 'projectName', 'copyArtifacts').replace(/^\/+/, '');
  const sel = args.values['selector'];
  let selector: { kind: 'lastSuccessful' | 'lastStable' | 'lastCompleted' | 'specific'; number?: number } = { kind: 'lastSuccessful' };
  if (sel !== undefined && sel !== null) {
    const sym = isMap(sel) ? sel.get('$symbol') : undefined;
    if (sym === 'lastSuccessful') selector = { kind: (sel as Map<string, unknown>).get('stable') === true ? 'lastStable' : 'lastSuccessful' };
    else if (sym === 'lastStable' || sym === 'lastCompleted') selector = { kind: sym };
    else if (sym === 'specific') {
      const n = Number((sel as Map<string, unknown>).get('buildNumber'));
      if (!Number.isInteger(n) || n < 1) throw new StepFailure(`copyArtifacts: specific('${String((sel as Map<string, unknown>).get('buildNumber'))}') is not a build number`);
      selector = { kind: 'specific', number: n };
    } else throw new StepFailure("copyArtifacts: selector must be lastSuccessful(), lastStable(), lastCompleted() or specific('N')");
  }
  const optional = bool(args, 'optional', false);
  const target = str(args, 'target') ?? '';
  if (target !== '' && relPathProblem(target.replace(/\/+$/, '')) !== null) throw new StepFailure(`copyArtifacts: target '${target}': ${relPathProblem(target.replace(/\/+$/, ''))}`);
  const source = ctx.build.services.buildTools?.artifactsOf;
  if (!source) throw new StepFailure(`copyArtifacts: '${job}' is another job; copying its artifacts needs a Kiln controller (kiln run runs one pipeline on its own)`);
  const found = await source(job, selector);
  const fail = (msg: string) => {
    if (optional) { ctx.log(msg); return null; }
    throw new StepFailure(msg);
  };
  if (!found) return fail(`Unable to find a build for artifact copy from: ${job}`);
  const match = compileAntPatterns(str(args, 'filter') ?? '', str(args, 'excludes') ?? null, { defaultExcludes: false });
  const files = found.files.filter((f) => match.matches(f.path));
  if (files.length === 0) return fail(`Failed to copy artifacts from ${job} with filter: ${str(args, 'filter') ?? '**'}`);
  const ws = ctx.workspace();
  const base = path.join(ctx.cwd ?? ws.root, target, bool(args, 'includeBuildNumberInTargetPath', false) ? String(found.number) : '');
  const fingerprint = bool(args, 'fingerprintArtifacts', true);
  const records: FingerprintRecord[] = [];
  const under = path.join(target, bool(args, 'includeBuildNumberInTargetPath', false) ? String(found.number) : '');
  for (const f of files) {
    const rel = bool(args, 'flatten', false) ? path.basename(f.path) : f.path;
    if (relPathProblem(f.path) !== null) throw new StepFailure(`copyArtifacts: the artifact '${f.path}' has an unsafe path`);
    const reader = await f.open();
    const hash = fingerprint ? createHash('md5') : null;
    // Streamed (bounded memory whatever the size), hashed on the way.
    await writeChunks(ws, path.join(base, rel), (async function* () { for await (const c of reader.chunks()) { hash?.update(c); yield c; } })(), f.mode & 0o755);
    // The copy's fingerprint: the source build is its original (when the MD5 is new) and this build a use (the plugin's fingerprintArtifacts, default true).
    if (hash) records.push({ path: path.join(under, rel), md5: hash.digest('hex'), fileName: path.basename(rel), produced: false, from: { job: found.job, number: found.number } });
  }
  await keep(ctx, records);
  ctx.log(`Copied ${files.length} artifact${files.length === 1 ? '' : 's'} from "${found.job}" build number ${found.number}`);
  return null;
};

const runtime: PluginRuntime = { steps: { copyArtifacts } };
export default runtime;
