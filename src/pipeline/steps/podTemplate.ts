// podTemplate (scripted, Kubernetes plugin): defines a pod and runs the block with POD_LABEL
// naming it, so that node(POD_LABEL) runs in that pod. Needs a pod-capable cloud.
import { defineStep } from './types.ts';
import { StepFailure } from './errors.ts';

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
  async run() {
    throw new StepFailure(`podTemplate needs a Kubernetes cloud (or the Docker pod runtime) to create the pod; none is configured for this run (Kubernetes support lands with the Kubernetes cloud)`);
  },
});
