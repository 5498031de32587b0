// The step registry of Kiln's own plugin list (src/plugins/index.ts), as the hosts build it:
// what tests validate and run Jenkinsfiles with.
import { StepRegistry } from '../../src/pipeline/steps/registry.ts';
import { builtins } from '../../src/plugins/index.ts';

export const registry = new StepRegistry(builtins);
