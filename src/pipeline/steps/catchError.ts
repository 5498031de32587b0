// catchError / warnError: a failing block sets the build (and stage) result and the pipeline
// goes on. Shared logic in one function.
import type { StepRun } from '../plugin.ts';
import { type StepContext, type StepArgs } from './types.ts';
import { Interrupted, StepFailure } from '../../core/errors.ts';
import { bool, str } from './args.ts';
import { BUILD_RESULTS, type BuildResult } from '../../core/build.ts';

export async function catchFailure(ctx: StepContext, args: StepArgs, buildResult: BuildResult, stageResult: BuildResult, message: string | undefined): Promise<null> {
  try {
    if (args.body) await ctx.runBody(args.body);
  } catch (err) {
    const interrupted = err instanceof Interrupted;
    // An abort of the whole build always goes on up; catchInterruptions: false lets a timeout pass too.
    if (interrupted && (!bool(args, 'catchInterruptions', true) || ctx.build.result === 'ABORTED' || err.cause_ === 'user')) throw err;
    if (message) ctx.log(message);
    ctx.log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
    ctx.build.setResult(buildResult, stageResult);
  }
  return null;
}

const results = BUILD_RESULTS;

export const run: StepRun = async (ctx, args) => {
  const buildResult = (str(args, 'buildResult') ?? 'FAILURE') as BuildResult;
  const stageResult = (str(args, 'stageResult') ?? 'SUCCESS') as BuildResult;
  if (!results.includes(buildResult)) throw new StepFailure(`catchError: unknown buildResult '${buildResult}'`);
  return catchFailure(ctx, args, buildResult, stageResult, str(args, 'message'));
};
