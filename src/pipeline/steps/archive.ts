// archive: the old name of archiveArtifacts (`archive 'target/*.jar'`, includes/excludes).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { run as archiveArtifacts } from './archiveArtifacts.ts';

export const run: StepRun = async (ctx, args) => {
  const { includes, ...rest } = args.values;
  return archiveArtifacts(ctx, { values: { ...rest, artifacts: includes ?? null }, body: null });
};
