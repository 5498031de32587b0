// archive: the old name of archiveArtifacts, `archive 'target/*.jar'` (Jenkins' `archive` step:
// includes, excludes), run as archiveArtifacts.
// The implementation of the core plugin's step declared with the legacy forms (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { run as archiveArtifacts } from './archiveArtifacts.ts';

export const run: StepRun = async (ctx, args) => {
  const v = args.values;
  return archiveArtifacts(ctx, { values: { artifacts: v.includes ?? v.artifacts ?? null, excludes: v.excludes ?? null }, body: null });
};
