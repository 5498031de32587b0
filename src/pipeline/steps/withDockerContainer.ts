// withDockerContainer: runs the block's steps inside a container of `image`, started beside the
// current workspace (mounted at the same path) and removed when the block ends, whatever
// happened. The Docker Pipeline plugin's step behind `docker.image('x').inside { }`.
import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from './args.ts';
import { startContainer } from '../../backends/docker/agents.ts';
import { ContainerWorkspace } from '../../backends/docker/container-workspace.ts';
import { DockerError } from '../../backends/docker/cli.ts';

export default defineStep({
  name: 'withDockerContainer',
  doc: "Run the block inside a container of an image, with the workspace mounted: withDockerContainer(image: 'maven:3.9', args: '-v m2:/root/.m2') { sh 'mvn -v' }.",
  params: [
    { name: 'image', type: 'string', required: true, doc: 'the image (pulled when not on the node)' },
    { name: 'args', type: 'string', doc: 'more docker run arguments' },
    { name: 'toolName', type: 'string', doc: 'ignored (the docker on the node\'s PATH is used)' },
  ],
  positional: 'image',
  block: 'required',
  needsNode: true,
  async run(ctx, args) {
    const image = reqStr(args, 'image', 'withDockerContainer');
    let node = ctx.workspace();
    // Nested in a container agent: the new container starts on the node, like Jenkins' CLI does.
    if (node instanceof ContainerWorkspace) node = node.base;
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
  },
});
