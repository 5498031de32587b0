// kubernetesApply: server-side applies manifests (files of the workspace, globs, or text) through
// the Kubernetes API, one console line per object as kubectl prints them, then watches every
// applied Deployment until it has rolled out, and fails with the reason when one does not
// (its Progressing condition's ProgressDeadlineExceeded message, or the replica counts when the
// step's timeout passes), optionally rolling those Deployments back to the revision they had.
// The API calls are made by the controller (where steps run), not by the agent.
import path from 'node:path/posix';
import type { StepRun } from '../../pipeline/plugin.ts';
import { type StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { bool, list, num, str } from '../../pipeline/steps/args.ts';
import type { Manifest } from './apply.ts';

const GLOB = /[*?[{]/;

async function readManifests(ctx: StepContext, files: string[], text: string | undefined, m: typeof import('./apply.ts')): Promise<Manifest[]> {
  const out: Manifest[] = [];
  const parse = (t: string, source: string): void => {
    try {
      out.push(...m.parseManifests(t, source));
    } catch (e) {
      throw new StepFailure(`kubernetesApply: ${(e as Error).message}`);
    }
  };
  if (files.length > 0) {
    const ws = ctx.workspace();
    const base = ctx.cwd ?? ws.root;
    for (const f of files) {
      let found: string[];
      if (GLOB.test(f)) {
        found = await ws.glob(base, f);
        if (found.length === 0) throw new StepFailure(`kubernetesApply: no file matches '${f}' in ${base}`);
      } else {
        const st = await ws.stat(ctx.resolvePath(f));
        if (!st) throw new StepFailure(`kubernetesApply: ${f}: no such file in ${base}`);
        if (st.type === 'dir') {
          const dir = f.replace(/\/+$/, '');
          found = (await ws.glob(ctx.resolvePath(dir), '*.yaml,*.yml,*.json')).map((x) => `${dir}/${x}`);
          if (found.length === 0) throw new StepFailure(`kubernetesApply: the directory ${f} holds no .yaml, .yml or .json file`);
        } else found = [f];
      }
      for (const rel of found) {
        const data = await ws.readFile(ctx.resolvePath(rel));
        parse(data.toString('utf8'), path.normalize(rel));
      }
    }
  }
  if (text !== undefined) parse(text, 'text');
  return out;
}

export const run: StepRun = async (ctx, args) => {
  const m = await import('./apply.ts');
  const file = str(args, 'file');
  const files = [...(file !== undefined ? [file] : []), ...(list(args, 'files') ?? []).map(String)];
  const text = str(args, 'text');
  if (files.length === 0 && text === undefined) throw new StepFailure("kubernetesApply: give file: 'k8s/app.yaml', files: [...] or text: '...'");
  const credentialsId = str(args, 'credentialsId');
  if (!credentialsId) throw new StepFailure('kubernetesApply: missing required parameter "credentialsId"');
  const timeout = num(args, 'timeout') ?? 300;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new StepFailure(`kubernetesApply: timeout must be a positive number of seconds, got ${String(args.values.timeout)}`);
  const fieldManager = str(args, 'fieldManager') ?? 'kiln';
  const namespace = str(args, 'namespace') ?? null;

  const manifests = await readManifests(ctx, files, text, m);
  if (manifests.length === 0) throw new StepFailure(`kubernetesApply: no Kubernetes object in ${[...files, ...(text !== undefined ? ['text'] : [])].join(', ')}`);
  const credential = await ctx.build.services.credential(credentialsId);
  let conn: Awaited<ReturnType<typeof m.connect>>;
  try {
    conn = await m.connect({ credential, serverUrl: str(args, 'serverUrl') ?? null, caCertificate: str(args, 'caCertificate') ?? null });
  } catch (e) {
    throw new StepFailure(`kubernetesApply: ${(e as Error).message}`);
  }
  ctx.log(`Applying ${manifests.length} object${manifests.length === 1 ? '' : 's'} to ${conn.server} (server-side apply, field manager ${fieldManager})`);

  let applied: Awaited<ReturnType<typeof m.applyAll>>;
  try {
    applied = await m.applyAll(conn, manifests, { namespace, fieldManager, signal: ctx.signal, log: (l) => ctx.log(l) });
  } catch (e) {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw new StepFailure(`kubernetesApply: ${(e as Error).message}`);
  }
  if (!bool(args, 'wait', true)) return null;
  const deployments = applied.filter((a) => a.info.group === 'apps' && String(a.manifest.object.kind) === 'Deployment');
  if (deployments.length === 0) return null;

  const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeout * 1000)]);
  const results = await Promise.all(deployments.map((a) => m.waitForRollout(conn, a, deadline, timeout, (l) => ctx.log(l))));
  if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
  for (const r of results) if (r.ok) ctx.log(r.message);
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return null;
  if (bool(args, 'rollbackOnFailure', false)) {
    for (const r of failed) ctx.log(await m.rollBack(conn, r.applied, fieldManager));
  }
  throw new StepFailure(`kubernetesApply: ${failed.length === 1 ? failed[0]!.message : `${failed.length} Deployments did not roll out: ${failed.map((r) => r.message).join('; ')}`}`);
};
