// step([$class: 'X', ...]): a build step named by its Java class, as old Jenkinsfiles write it.
// Runs the Kiln step that does what that class does; validation (model/steps.ts, LEGACY_STEP_CLASSES)
// refuses every other class with Jenkins' message, and so does this at run time.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { isMap, type Value } from '../script/values.ts';
import { run as archiveArtifacts } from './archiveArtifacts.ts';
import { run as junit } from './junit.ts';

/** The Java classes `step` accepts, and the Kiln step each one is. */
export const STEP_CLASSES: Record<string, StepRun> = {
  ArtifactArchiver: archiveArtifacts,
  'hudson.tasks.ArtifactArchiver': archiveArtifacts,
  JUnitResultArchiver: junit,
  'hudson.tasks.junit.JUnitResultArchiver': junit,
};

export const run: StepRun = async (ctx, args) => {
  const d = args.values['delegate'];
  const cls = isMap(d) ? d.get('$class') : undefined;
  const impl = typeof cls === 'string' && Object.hasOwn(STEP_CLASSES, cls) ? STEP_CLASSES[cls] : undefined;
  if (!isMap(d) || !impl) throw new StepFailure(`no known implementation of interface jenkins.tasks.SimpleBuildStep is named ${String(cls)}`);
  const values: Record<string, Value> = {};
  for (const [k, v] of d) if (k !== '$class' && typeof k === 'string') values[k] = v;
  return impl(ctx, { values, body: null });
};
