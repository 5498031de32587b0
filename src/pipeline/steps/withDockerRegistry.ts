// withDockerRegistry: the Docker Pipeline plugin's registry block (what docker.withRegistry
// uses). With a credential, `docker login --password-stdin` into a temporary DOCKER_CONFIG
// on the node, which the block's docker commands use and which is removed when it ends.
import { defineStep, type StepArgs } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from './args.ts';
import { isMap } from '../script/values.ts';
import { withRegistryLogin } from '../../backends/docker/registry.ts';
import { ContainerWorkspace } from '../../backends/docker/container-workspace.ts';
import { DockerError } from '../../backends/docker/cli.ts';

/** url / credentialsId given directly or in the `registry: [url:, credentialsId:]` map. */
function field(args: StepArgs, name: string): string | null {
  const direct = str(args, name);
  if (direct) return direct;
  const reg = args.values.registry;
  const v = isMap(reg) ? reg.get(name) : undefined;
  return typeof v === 'string' && v !== '' ? v : null;
}

export default defineStep({
  name: 'withDockerRegistry',
  doc: "Run the block logged in to a Docker registry: withDockerRegistry(url: 'https://reg:5000', credentialsId: 'reg-creds') { sh 'docker push ...' }.",
  params: [
    { name: 'registry', type: 'map', doc: '[url: ..., credentialsId: ...] (the plugin\'s form)' },
    { name: 'url', type: 'string', doc: 'registry URL; Docker Hub when absent' },
    { name: 'credentialsId', type: 'string', doc: 'username/password credential to log in with' },
    { name: 'toolName', type: 'string', doc: 'ignored (the docker on the node\'s PATH is used)' },
  ],
  positional: 'registry',
  block: 'required',
  needsNode: true,
  async run(ctx, args) {
    const url = field(args, 'url');
    const credentialsId = field(args, 'credentialsId');
    let ws = ctx.workspace();
    // docker login runs where the docker CLI is: the node, also inside a container agent.
    if (ws instanceof ContainerWorkspace) ws = ws.base;
    const env = { ...ctx.env };
    try {
      return await withRegistryLogin(ws, url, credentialsId, (id) => ctx.build.services.credential(id), env, async (cliEnv) => {
        if (credentialsId) ctx.log(`Logged in to ${url ?? 'Docker Hub'} with credentials '${credentialsId}' (DOCKER_CONFIG for this block only)`);
        const overrides: Record<string, string> = {};
        if (cliEnv.DOCKER_CONFIG) overrides.DOCKER_CONFIG = cliEnv.DOCKER_CONFIG;
        if (url) overrides.DOCKER_REGISTRY_URL = url;
        return args.body ? ctx.runBody(args.body, { env: overrides }) : null;
      });
    } catch (e) {
      if (e instanceof DockerError) throw new StepFailure(`withDockerRegistry: ${e.message}`);
      throw e;
    }
  },
});
