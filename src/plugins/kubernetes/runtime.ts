// The Kubernetes plugin's runtime, loaded by the step registry the first time a build uses it
// (never by validation): its steps' implementations; the kubernetes agent type's request (a
// `yamlFile` becomes the text the host read beside the Jenkinsfile); and `node(POD_LABEL)`, which
// asks for the pod a running podTemplate block defined (also `node('a')` for
// `label: 'a b'`, and a plain `node { }` for a label-less template).
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { run as container } from './container.ts';
import { run as containerLog } from './containerLog.ts';
import { run as kubernetesApply } from './kubernetesApply.ts';
import { run as podTemplate, templateForLabel } from './podTemplate.ts';
import { run as withKubeConfig } from './withKubeConfig.ts';

const runtime: PluginRuntime = {
  steps: { container, containerLog, kubernetesApply, podTemplate, withKubeConfig },
  agentTypes: {
    kubernetes: {
      // kubernetes { yamlFile 'pod.yaml' }: the file from the Jenkinsfile's repository, at its commit.
      evaluate(req, c) {
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
