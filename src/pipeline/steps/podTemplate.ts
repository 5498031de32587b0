// podTemplate (scripted, Kubernetes plugin): defines a pod and runs the block with POD_LABEL
// naming it, so that node(POD_LABEL) { } runs in that pod:
//
//   podTemplate(yaml: '''...''', containers: [containerTemplate(name: 'maven', image: 'maven:3.9', command: 'cat', ttyEnabled: true)]) {
//     node(POD_LABEL) { container('maven') { sh 'mvn -v' } }
//   }
//
// containerTemplate(...) entries become containers of the pod (merged with the YAML's by name,
// the template's fields winning, as the plugin does); the other options are those of
// `agent { kubernetes { } }`. The pod itself is made by the controller's Kubernetes cloud.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { list, str } from './args.ts';
import { isMap, type Value } from '../script/values.ts';
import { mergePods, parsePod, PodSpecError, type Obj } from '../../backends/kubernetes/podspec.ts';

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

export default defineStep({
  name: 'podTemplate',
  doc: "Define a pod for node(POD_LABEL) { ... }: podTemplate(yaml: '...') { node(POD_LABEL) { container('x') { ... } } }.",
  params: [
    { name: 'yaml', type: 'string', doc: 'pod spec YAML' },
    { name: 'label', type: 'string', doc: 'label of the pod (default: generated, in POD_LABEL)' },
    { name: 'name', type: 'string', doc: 'template name' },
    { name: 'cloud', type: 'string', doc: 'which Kubernetes cloud' },
    { name: 'namespace', type: 'string', doc: 'namespace of the pod' },
    { name: 'inheritFrom', type: 'string', doc: 'parent templates, space-separated' },
    { name: 'containers', type: 'list', doc: 'containerTemplate(...) entries' },
    { name: 'volumes', type: 'list', doc: 'volumes' },
    { name: 'serviceAccount', type: 'string', doc: 'service account' },
    { name: 'nodeSelector', type: 'string', doc: 'node selector' },
    { name: 'workingDir', type: 'string', doc: 'agent work dir' },
    { name: 'yamlMergeStrategy', type: 'any', doc: 'override() or merge()' },
    { name: 'podRetention', type: 'any', doc: 'never(), onFailure(), always()' },
    { name: 'idleMinutes', type: 'integer', doc: 'keep the pod this long after use' },
    { name: 'activeDeadlineSeconds', type: 'integer', doc: 'pod deadline' },
    { name: 'showRawYaml', type: 'boolean', doc: 'print the pod YAML in the console' },
  ],
  block: 'required',
  needsNode: false,
  scriptOnly: true,
  async run(ctx, args) {
    const define = ctx.build.services.definePodTemplate;
    if (!define) throw new StepFailure('podTemplate needs a Kubernetes cloud (a controller with one, or kiln run with Docker); this run has none');
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
    const forget = define(label, options);
    try {
      return args.body ? await ctx.runBody(args.body, { env: { POD_LABEL: label } }) : null;
    } finally {
      forget();
    }
  },
});
