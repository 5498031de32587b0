// wrap: Pipeline: Basic Steps' general build-wrapper step (CoreWrapperStep),
// `wrap([$class: 'AnsiColorBuildWrapper', colorMapName: 'xterm']) { ... }`, the form older
// Jenkinsfiles use for a build wrapper before it had a block step of its own. Kiln runs the
// classes it has a block step for (known-classes.ts WRAPPER_CLASSES), with that step's
// implementation: AnsiColorBuildWrapper is ansiColor, TimestamperBuildWrapper is timestamps,
// SecretBuildWrapper is withCredentials; and a plugin's 'class' step with a block
// (MaskPasswordsBuildWrapper of the mask-passwords plugin). Any other class fails the step as Jenkins fails it when
// no plugin provides the class; a parameter the class does not have is printed as Jenkins prints
// it ("WARNING: Unknown parameter(s) found ...") and left out.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts);
// the wrapped steps' implementations load when the step runs.
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../plugin.ts';
import { classArguments, unknownWrapperClass, wrapperClass } from './known-classes.ts';

const RUNS: Readonly<Record<string, () => Promise<StepRun>>> = {
  ansiColor: async () => (await import('./ansiColor.ts')).run,
  timestamps: async () => (await import('./timestamps.ts')).run,
  withCredentials: async () => (await import('./withCredentials.ts')).run,
};

export const run: StepRun = async (ctx, args) => {
  const delegate = args.values.delegate;
  if (!(delegate instanceof Map)) throw new StepFailure(`wrap: expected a map like [$class: 'AnsiColorBuildWrapper', ...], got ${delegate === null ? 'null' : typeof delegate}`);
  const cls = delegate.get('$class');
  if (typeof cls !== 'string' || cls === '') throw new StepFailure("wrap: the map has no '$class' naming the build wrapper");
  const target = wrapperClass(cls);
  if (!target) {
    const found = await ctx.buildStep?.(cls);
    if (!found || found.decl.block === 'none') throw new StepFailure(unknownWrapperClass(cls));
    const values = classArguments(delegate, { fqcn: found.decl.jenkinsClass ?? cls, params: found.decl.params.map((p) => p.name) }, (l) => ctx.log(l));
    return found.run(ctx, { values, body: args.body });
  }
  const values = classArguments(delegate, target, (l) => ctx.log(l));
  return (await RUNS[target.step]!())(ctx, { values, body: args.body });
};
