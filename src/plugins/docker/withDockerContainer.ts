// withDockerContainer: runs the block's steps inside a container of `image`, started beside the
// current workspace (mounted at the same path) and removed when the block ends, whatever
// happened. The Docker Pipeline plugin's step behind `docker.image('x').inside { }`; declared in
// index.ts, run through runtime.ts.
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from '../../pipeline/steps/args.ts';
import { startContainer } from './agents.ts';
import type { ContainerWorkspace } from './container-workspace.ts';
import { DockerError } from './cli.ts';

export const run: StepRun = async (ctx, args) => {
  const image = reqStr(args, 'image', 'withDockerContainer');
  const here = ctx.workspace();
  // Nested in a container agent: the new container starts on the node, like Jenkins' CLI does.
  const node = here.containerHost ?? here;
  const build = { job: ctx.build.jobName, number: ctx.build.number, id: `${ctx.build.jobName}#${ctx.build.number}` };
  let ws: ContainerWorkspace;
  try {
    ws = await startContainer(node, {
      image, dockerfile: null, args: str(args, 'args') ?? '', reuseNode: true, registryUrl: null, registryCredentialsId: null, alwaysPull: false,
    }, build, ctx.signal, (line) => ctx.log(line), { cliEnv: { ...ctx.env } });
  } catch (e) {
    if (e instanceof DockerError) throw new StepFailure(`withDockerContainer: ${e.message}`);
    throw e;
  }
  try {
    return args.body ? await ctx.runBody(args.body, { workspace: ws, cwd: ctx.cwd ?? ws.root }) : null;
  } finally {
    await ws.release();
  }
};
