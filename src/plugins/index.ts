// The plugin list: every plugin Kiln ships, in the order their provisioners wrap the host's own
// nodes (core/plugin.ts `provision`). The hosts (the controller, `kiln run`, `kiln lint`) build
// their step registry from it (`new StepRegistry(builtins)`) and pass that to loadPipeline and
// PipelineRun; the pipeline never imports this list. Adding a backend is one folder beside this
// file (its index.ts exporting a KilnPlugin) and one entry here.
import type { PipelinePlugin } from '../pipeline/plugin.ts';
import { corePlugin } from '../pipeline/steps/index.ts';
import { dockerPlugin } from './docker/index.ts';
import { kubernetesPlugin } from './kubernetes/index.ts';
import { sshPlugin } from './ssh/index.ts';

export const builtins: readonly PipelinePlugin[] = [corePlugin, dockerPlugin, kubernetesPlugin, sshPlugin];
