// What withBuildUser (and wrap's BuildUser) does (declared in index.ts): the block runs with the
// variables the host computes from the build's causes (BuildServices.buildUser, the controller's
// controller/build-user.ts), as the plugin's BuildUser.makeUserBuildVariables. A host without it
// (kiln run) gives none.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';

const withBuildUser: StepRun = async (ctx, args) => {
  const vars = (await ctx.build.services.buildUser?.()) ?? {};
  return ctx.runBody(args.body!, { env: vars });
};

const runtime: PluginRuntime = { steps: { withBuildUser, BuildUser: withBuildUser } };
export default runtime;
