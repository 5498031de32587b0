// containerLog (Kubernetes plugin): a container's log from the Kubernetes API, for the pod the
// build runs on: printed between the plugin's `> start log of container 'x' in pod 'p'` and
// `> end log of ...` lines, or returned with returnLog: true. tailingLines, sinceSeconds and
// limitBytes go to the API as they are (limitBytes at most 16 MiB, also its default). The pod is found through the workspace the Kubernetes
// provider gives (POD_ACCESS, provider.ts); other agents have no pod to ask, and say so.
// Declared in index.ts, run through runtime.ts.
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr } from '../../pipeline/steps/args.ts';

/** What the Kubernetes provider's workspaces answer under this key: their pod, and its logs. */
export const POD_ACCESS = Symbol.for('kiln.kubernetes.pod');
export interface PodAccess {
  namespace: string;
  name: string;
  containers: string[];
  /** Values of the Secrets the pod's env reads: masked in container() blocks. */
  secrets: string[];
  /** containerTemplate shells, by container. */
  shells: Record<string, string>;
  log(container: string, o: { tailLines?: number; sinceSeconds?: number; limitBytes?: number }): Promise<string>;
}

const MAX_BYTES = 16 * 1024 * 1024;

const positive = (v: unknown, k: string): number | undefined => {
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new StepFailure(`containerLog: ${k} must be a whole number ≥ 0`);
  return v;
};

export const run: StepRun = async (ctx, args) => {
  const name = reqStr(args, 'name', 'containerLog');
  const ws = ctx.workspace() as unknown as Record<symbol, unknown>;
  const pod = ws[POD_ACCESS] as PodAccess | undefined;
  if (!pod) throw new StepFailure(`containerLog('${name}') needs a pod of a Kubernetes cloud; this build runs on node '${ctx.workspace().nodeName}'`);
  if (!pod.containers.includes(name)) throw new StepFailure(`containerLog: no container '${name}' in pod ${pod.namespace}/${pod.name} (it has: ${pod.containers.join(', ')})`);
  const o = {
    tailLines: positive(args.values.tailingLines, 'tailingLines'),
    sinceSeconds: positive(args.values.sinceSeconds, 'sinceSeconds'),
    // At most 16 MiB unless asked for less: a chatty container's log is not read whole into memory.
    limitBytes: Math.min(positive(args.values.limitBytes, 'limitBytes') ?? MAX_BYTES, MAX_BYTES),
  };
  let text: string;
  try {
    text = await pod.log(name, o);
  } catch (e) {
    throw new StepFailure(`containerLog: cannot read the log of container '${name}' in pod ${pod.namespace}/${pod.name}: ${(e as Error).message}`);
  }
  if (args.values.returnLog === true) return text;
  ctx.log(`> start log of container '${name}' in pod '${pod.name}'`);
  if (text !== '') ctx.log(text.replace(/\n$/, ''));
  ctx.log(`> end log of container '${name}' in pod '${pod.name}'`);
  return null;
};
