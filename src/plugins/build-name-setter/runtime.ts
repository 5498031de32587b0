// The build-name-setter plugin's runtime: buildName and buildDescription (declared in index.ts).
// The template's `${NAME}` and `$NAME` are the build's environment variables (a name with no
// value stays as written); the result is printed as the plugin prints it and set on the build.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';

/** `${NAME}` / `$NAME` replaced by the environment's value; others left as they are. */
export function expandEnv(template: string, env: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b)!];
    return v === undefined ? whole : v;
  });
}

function template(ctx: StepContext, v: unknown): string {
  return expandEnv(v === null || v === undefined ? '' : String(v), ctx.env);
}

const buildName: StepRun = async (ctx, args) => {
  const name = template(ctx, args.values.nameTemplate);
  ctx.log(`New run name is '${name}'`);
  ctx.build.setDisplayName(name);
  return null;
};

const buildDescription: StepRun = async (ctx, args) => {
  const raw = args.values.descriptionTemplate;
  // as the plugin: an empty template leaves the description as it is
  if (raw === null || raw === undefined || String(raw) === '') return null;
  const text = template(ctx, raw);
  ctx.log(`New run description is '${text}'`);
  ctx.build.setDescription(text);
  return null;
};

const runtime: PluginRuntime = { steps: { buildName, buildDescription } };
export default runtime;
