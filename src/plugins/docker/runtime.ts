// The Docker plugin's runtime: its steps' implementations and the `docker` global, loaded by the
// step registry the first time a build uses one (never by validation).
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { DockerGlobal } from './global.ts';
import { run as withDockerContainer } from './withDockerContainer.ts';
import { run as withDockerRegistry } from './withDockerRegistry.ts';

const runtime: PluginRuntime = {
  steps: { withDockerContainer, withDockerRegistry },
  // Stateless: it reads the environment of each call (DOCKER_REGISTRY_URL of withRegistry).
  globals: { docker: (g) => new DockerGlobal((ctx) => g.envOf(ctx)) },
};

export default runtime;
