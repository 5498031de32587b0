// properties([...]): sets the job's properties for the next builds (workflow-multibranch's
// JobPropertyStep). What the values mean is job-properties.ts; the host keeps them
// (BuildServices.jobProperties: the controller writes them to the job, `kiln run` keeps the
// build discarder). A host without it (a test harness) only checks them. Plugins' properties
// (gitLabConnection) go to the build scope for the rest of this build (job-properties.ts).
import type { StepRun } from '../plugin.ts';
import { jobPropertiesOf, PLUGIN_PROPERTIES_KEY, type PluginProperties } from './job-properties.ts';

export const run: StepRun = async (ctx, args) => {
  const { props, notes, plugin } = jobPropertiesOf(args.values['properties'] ?? null);
  for (const n of notes) ctx.log(n);
  // Plugins' properties (gitLabConnection) apply to the rest of this build; one left out is removed.
  const mine = ctx.build.scope.state<PluginProperties>(PLUGIN_PROPERTIES_KEY, () => new Map());
  mine.clear();
  for (const [k, v] of plugin) mine.set(k, v);
  await ctx.build.services.jobProperties?.(props);
  return null;
};
