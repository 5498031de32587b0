// podTemplate (scripted, Kubernetes plugin): defines a pod and runs the block with POD_LABEL
// naming it, so that node(POD_LABEL) { } runs in that pod:
//
//   podTemplate(yaml: '''...''', containers: [containerTemplate(name: 'maven', image: 'maven:3.9', command: 'cat', ttyEnabled: true)]) {
//     node(POD_LABEL) { container('maven') { sh 'mvn -v' } }
//   }
//
// containerTemplate(...) entries become containers of the pod (merged with the YAML's by name,
// the template's fields winning, as the plugin does); the other options are those of
// `agent { kubernetes { } }`. While the block runs, the label stands for these options in the
// build's scope (`podTemplates`), which the runtime's nodeForLabel gives the engine for
// `node(label)`. The pod itself is made by whoever serves kubernetes agents (a Kubernetes cloud,
// a Docker cloud, kiln run's engine). Declared in index.ts, run through runtime.ts.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { BuildScope } from '../../pipeline/steps/types.ts';
import type { AgentRequest } from '../../core/nodes.ts';
import { StepFailure } from '../../core/errors.ts';
import { list, str } from '../../pipeline/steps/args.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import { mergePods, parsePod, PodSpecError, type Obj } from './podspec.ts';

const words = (v: string | null | undefined) => (v ?? '').split(/\s+/).filter(Boolean);

/** containerTemplate(...) → a pod spec container. */
function containerOf(v: Value): Record<string, unknown> {
  if (!isMap(v) || (v.get('$symbol') ?? 'containerTemplate') !== 'containerTemplate') throw new StepFailure(`podTemplate: containers takes containerTemplate(name: ..., image: ...) entries, got ${String(v)}`);
  const get = (k: string) => { const x = v.get(k); return x === undefined || x === null || x === '' ? null : String(x); };
  const name = get('name');
  const image = get('image');
  if (!name || !image) throw new StepFailure('podTemplate: containerTemplate needs a name and an image');
  const c: Record<string, unknown> = { name, image };
  if (get('command')) c.command = words(get('command'));
  if (get('args')) c.args = words(get('args'));
  if (v.get('ttyEnabled') === true) c.tty = true;
  if (get('workingDir')) c.workingDir = get('workingDir');
  if (v.get('alwaysPullImage') === true) c.imagePullPolicy = 'Always';
  const sc: Record<string, unknown> = {};
  if (v.get('privileged') === true) sc.privileged = true;
  if (get('runAsUser')) sc.runAsUser = Number(get('runAsUser'));
  if (get('runAsGroup')) sc.runAsGroup = Number(get('runAsGroup'));
  if (Object.keys(sc).length) c.securityContext = sc;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (get('resourceRequestCpu')) requests.cpu = get('resourceRequestCpu')!;
  if (get('resourceRequestMemory')) requests.memory = get('resourceRequestMemory')!;
  if (get('resourceLimitCpu')) limits.cpu = get('resourceLimitCpu')!;
  if (get('resourceLimitMemory')) limits.memory = get('resourceLimitMemory')!;
  if (Object.keys(requests).length || Object.keys(limits).length) c.resources = { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
  const envVars = v.get('envVars');
  if (Array.isArray(envVars)) {
    c.env = envVars.map((e) => {
      if (!isMap(e)) throw new StepFailure('podTemplate: envVars takes envVar(key: ..., value: ...) entries');
      return { name: String(e.get('key')), value: String(e.get('value') ?? '') };
    });
  }
  return c;
}

/** `never()`, `onFailure()`, `always()` come as symbols or strings. */
function retentionOf(v: Value | undefined): string | null {
  if (v === undefined || v === null) return null;
  const name = isMap(v) ? String(v.get('$symbol') ?? '') : String(v);
  return ['never', 'onFailure', 'always', 'default'].includes(name) ? name : null;
}

/** The pods podTemplate blocks running now in a build define: label → the options of its kubernetes agent. */
export function podTemplates(scope: BuildScope): Map<string, AgentRequest['options']> {
  return scope.state('kubernetes.podTemplates', () => new Map<string, AgentRequest['options']>());
}

export const run: StepRun = async (ctx, args) => {
  if ((list(args, 'volumes') ?? []).length > 0) throw new StepFailure("podTemplate: volumes: [...] is not supported; declare volumes in the pod's yaml");
  const label = str(args, 'label') ?? `${ctx.build.jobName.replace(/[^A-Za-z0-9_.-]+/g, '_')}_${ctx.build.number}-${randomBytes(3).toString('hex')}`;
  let yaml = str(args, 'yaml') ?? null;
  const containers = (list(args, 'containers') ?? []).map(containerOf);
  if (containers.length > 0) {
    // The containerTemplates over the YAML's pod (containers by name, theirs winning).
    let base: Obj;
    try {
      base = parsePod(yaml ?? '', 'podTemplate yaml');
    } catch (e) {
      if (e instanceof PodSpecError) throw new StepFailure(e.message);
      throw e;
    }
    yaml = stringify(mergePods(base, { spec: { containers: containers as Obj[] } }));
  }
  const strategy = args.values['yamlMergeStrategy'];
  const options: Record<string, string | number | boolean | null> = {
    yaml,
    inheritFrom: str(args, 'inheritFrom') ?? null,
    cloud: str(args, 'cloud') ?? null,
    namespace: str(args, 'namespace') ?? null,
    serviceAccount: str(args, 'serviceAccount') ?? null,
    nodeSelector: str(args, 'nodeSelector') ?? null,
    workingDir: str(args, 'workingDir') ?? null,
    yamlMergeStrategy: isMap(strategy) && strategy.get('$symbol') === 'merge' ? 'merge' : 'override',
    podRetention: retentionOf(args.values['podRetention']),
    activeDeadlineSeconds: typeof args.values['activeDeadlineSeconds'] === 'number' ? (args.values['activeDeadlineSeconds'] as number) : null,
  };
  const templates = podTemplates(ctx.build.scope);
  templates.set(label, options);
  try {
    return args.body ? await ctx.runBody(args.body, { env: { POD_LABEL: label } }) : null;
  } finally {
    templates.delete(label);
  }
};
