// withFolderProperties (declared in index.ts), as the Folder Properties plugin's
// FolderPropertiesStep: the properties of the job's folders (BuildServices.folderProperties:
// each key from the nearest folder that sets it) set for the block, over what the block's
// environment had (withEnv's value included, as the plugin's EnvVars.overrideExpandingAll does),
// each value's `${NAME}`/`$NAME` expanded from that environment and the properties of outer
// folders (a name nothing defines stays as written). No properties (a job outside a folder, or
// a host without folders): the block runs as it is. The step prints nothing of its own.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';

const withFolderProperties: StepRun = async (ctx, args) => {
  const props = (await ctx.build.services.folderProperties?.()) ?? [];
  if (props.length === 0) return ctx.runBody(args.body!);
  const seen: Record<string, string> = { ...ctx.env };
  const env: Record<string, string> = {};
  for (const p of props) {
    const value = p.value.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => seen[(a ?? b)!] ?? all);
    seen[p.key] = value;
    env[p.key] = value;
  }
  return ctx.runBody(args.body!, { env });
};

const runtime: PluginRuntime = { steps: { withFolderProperties, ParentFolderBuildWrapper: withFolderProperties } };
export default runtime;
