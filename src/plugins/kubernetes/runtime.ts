// The Kubernetes plugin's runtime, loaded by the step registry the first time a build uses it
// (never by validation): its steps' implementations; the kubernetes agent type's request (a
// `yamlFile` becomes the text the host read beside the Jenkinsfile; a declarative
// `containerTemplate { }` becomes a container of the pod, and the default container); and
// `node(label)`, which asks for the pod a running podTemplate block defined (its POD_LABEL,
// `node('a')` for `label: 'a b'`, a plain `node { }` for a label-less template).
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { stringify } from 'yaml';
import type { AgentRequest } from '../../core/nodes.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { classicPod, containerOf } from './classic.ts';
import { mergePods, parsePod, PodSpecError } from './podspec.ts';
import { run as container } from './container.ts';
import { run as containerLog } from './containerLog.ts';
import { run as kubernetesApply } from './kubernetesApply.ts';
import { run as kubernetesDeploy } from './kubernetesDeploy.ts';
import { run as podTemplate, templateForLabel } from './podTemplate.ts';
import { run as withKubeConfig, runMulti as withKubeCredentials } from './withKubeConfig.ts';

/**
 * Declarative `containerTemplate { ... }` (JSON text of its literal values from validation, and
 * its values written as expressions evaluated as options `containerTemplate.<key>`): the
 * container over the pod's YAML (its fields winning), and the default container unless one is named.
 */
function withContainerTemplate(req: AgentRequest): AgentRequest {
  const json = req.options.containerTemplate;
  if (typeof json !== 'string' || json === '') return req;
  const { containerTemplate: _ct, ...rest } = req.options;
  const ct = new Map<string, Value>(Object.entries(JSON.parse(json) as Record<string, string | number | boolean>));
  // Values written as expressions (`image REGISTRY + ':' + TAG`), evaluated by the engine as
  // options `containerTemplate.<key>`: the strings they gave.
  const options: AgentRequest['options'] = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k.startsWith('containerTemplate.')) { if (v !== null) ct.set(k.slice('containerTemplate.'.length), v); } else options[k] = v;
  }
  ct.set('$symbol', 'containerTemplate');
  try {
    const container = containerOf(ct, [], []);
    const pod = mergePods(parsePod(typeof options.yaml === 'string' ? options.yaml : '', 'kubernetes { yaml }'), { spec: { containers: [container] } });
    const shell = ct.get('shell');
    return { ...req, options: { ...options, yaml: stringify(pod), ...(typeof shell === 'string' && shell !== '' ? { containerShells: JSON.stringify({ [String(container.name)]: shell }) } : {}), defaultContainer: typeof options.defaultContainer === 'string' && options.defaultContainer !== '' ? options.defaultContainer : String(container.name) } };
  } catch (e) {
    if (e instanceof PodSpecError) throw new StepFailure(e.message, { loc: req.loc });
    throw e;
  }
}

/** JSON of a 'literal' agent option back to Groovy values: calls (objects with $symbol) and maps are maps. */
function valueOf(j: unknown): Value {
  if (Array.isArray(j)) return j.map(valueOf);
  if (typeof j === 'object' && j !== null) return new Map(Object.entries(j).map(([k, v]) => [k, valueOf(v)]));
  return j as Value;
}

/**
 * Declarative `containerTemplates [...]`, `workspaceVolume ...`, `supplementalGroups '...'`:
 * the classic options' pod (classic.ts) over the pod's YAML, as podTemplate combines them.
 */
function withClassicOptions(req: AgentRequest): AgentRequest {
  const { containerTemplates, workspaceVolume, supplementalGroups, ...options } = req.options;
  const parsed = (v: unknown) => (typeof v === 'string' && v !== '' ? valueOf(JSON.parse(v)) : undefined);
  const values: Record<string, Value | undefined> = {
    containers: parsed(containerTemplates), workspaceVolume: parsed(workspaceVolume),
    supplementalGroups: typeof supplementalGroups === 'string' && supplementalGroups !== '' ? supplementalGroups : undefined,
  };
  if (Object.values(values).every((v) => v === undefined)) return req;
  try {
    const classic = classicPod((k) => values[k]);
    if (!classic) return { ...req, options };
    const pod = mergePods(parsePod(typeof options.yaml === 'string' ? options.yaml : '', 'kubernetes { yaml }'), classic);
    const shells: Record<string, string> = {};
    for (const c of Array.isArray(values.containers) ? values.containers : []) {
      if (c instanceof Map && typeof c.get('name') === 'string' && typeof c.get('shell') === 'string' && c.get('shell') !== '') shells[c.get('name') as string] = c.get('shell') as string;
    }
    return { ...req, options: { ...options, yaml: stringify(pod), ...(Object.keys(shells).length ? { containerShells: JSON.stringify(shells) } : {}) } };
  } catch (e) {
    if (e instanceof PodSpecError) throw new StepFailure(e.message, { loc: req.loc });
    throw e;
  }
}

const runtime: PluginRuntime = {
  steps: { container, containerLog, kubernetesApply, kubernetesDeploy, podTemplate, withKubeConfig, withKubeCredentials },
  agentTypes: {
    kubernetes: {
      // kubernetes { yamlFile 'pod.yaml' }: the file from the Jenkinsfile's repository, at its commit.
      evaluate(req0, c) {
        const req = withContainerTemplate(withClassicOptions(req0));
        const file = req.options.yamlFile;
        if (typeof file !== 'string' || file === '') return req;
        const text = c.scmFiles && Object.hasOwn(c.scmFiles, file) ? c.scmFiles[file] : undefined;
        if (typeof text !== 'string') {
          throw new StepFailure(c.scm
            ? `kubernetes { yamlFile '${file}' }: no such file in ${c.scm.url} (branch ${c.scm.branch}) beside the Jenkinsfile (the path is relative to the repository's root, and must be a literal string)`
            : `kubernetes { yamlFile '${file}' }: this Jenkinsfile does not come from a repository, so there is no file to read; put the pod in yaml '''...'''`, { loc: req.loc });
        }
        const { yamlFile: _read, ...options } = req.options;
        return { ...req, options: { ...options, yaml: text } };
      },
    },
  },
  nodeForLabel(label, scope) {
    const t = templateForLabel(scope, label);
    return t ? { type: 'kubernetes', label: t.label, customWorkspace: null, options: t.options, loc: null } : null;
  },
};

export default runtime;
