// withDockerRegistry: the Docker Pipeline plugin's registry block (what docker.withRegistry
// uses). With a credential, `docker login --password-stdin` into a temporary DOCKER_CONFIG
// on the node, which the block's docker commands use and which is removed when it ends.
// Declared in index.ts, run through runtime.ts.
import type { StepRun } from '../../pipeline/plugin.ts';
import { type StepArgs } from '../../pipeline/steps/types.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from '../../pipeline/steps/args.ts';
import { isMap } from '../../pipeline/script/values.ts';
import { withRegistryLogin } from './registry.ts';
import { DockerError } from './cli.ts';

/** url / credentialsId given directly or in the `registry: [url:, credentialsId:]` map. */
function field(args: StepArgs, name: string): string | null {
  const direct = str(args, name);
  if (direct) return direct;
  const reg = args.values.registry;
  const v = isMap(reg) ? reg.get(name) : undefined;
  return typeof v === 'string' && v !== '' ? v : null;
}

export const run: StepRun = async (ctx, args) => {
  const url = field(args, 'url');
  const credentialsId = field(args, 'credentialsId');
  const here = ctx.workspace();
  // docker login runs where the docker CLI is: the node, also inside a container agent.
  const ws = here.containerHost ?? here;
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
};
