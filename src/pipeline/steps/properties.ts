// properties([...]): sets the job's properties for the next builds (workflow-multibranch's
// JobPropertyStep). What the values mean is job-properties.ts; the host keeps them
// (BuildServices.jobProperties: the controller writes them to the job, `kiln run` keeps the
// build discarder). A host without it (a test harness) only checks them.
import type { StepRun } from '../plugin.ts';
import { jobPropertiesOf } from './job-properties.ts';

export const run: StepRun = async (ctx, args) => {
  const { props, notes } = jobPropertiesOf(args.values['properties'] ?? null);
  for (const n of notes) ctx.log(n);
  await ctx.build.services.jobProperties?.(props);
  return null;
};
