// step: Jenkins' general build step, `step([$class: 'ArtifactArchiver', artifacts: 'x'])`, the
// form older Jenkinsfiles use for a publisher before it had a step of its own. Kiln runs the
// classes it has a step for, with that step's implementation: ArtifactArchiver is
// archiveArtifacts, Fingerprinter is fingerprint, JUnitResultArchiver is junit, WsCleanup is cleanWs; and a plugin's 'class' steps
// (core/steps.ts kind 'class', e.g. GitHubCommitStatusSetter). Any other class fails the step as Jenkins
// fails it when no plugin provides the class; a parameter the class does not have is printed
// as Jenkins prints it ("WARNING: Unknown parameter(s) found ...") and left out.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts);
// the classes' own implementations load when the step runs.
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../plugin.ts';
import type { StepContext } from './types.ts';
import { classArguments } from './known-classes.ts';

interface Target {
  /** Jenkins' fully qualified class name, as messages name it. */
  fqcn: string;
  run: () => Promise<StepRun>;
  params: readonly string[];
}

const TARGETS: Record<string, Target> = {
  ArtifactArchiver: {
    fqcn: 'hudson.tasks.ArtifactArchiver', run: async () => (await import('./archiveArtifacts.ts')).run,
    params: ['artifacts', 'excludes', 'allowEmptyArchive', 'onlyIfSuccessful', 'fingerprint', 'defaultExcludes', 'caseSensitive', 'followSymlinks'],
  },
  Fingerprinter: {
    fqcn: 'hudson.tasks.Fingerprinter', run: async () => (await import('./fingerprint.ts')).run,
    params: ['targets', 'excludes', 'defaultExcludes', 'caseSensitive'],
  },
  JUnitResultArchiver: {
    fqcn: 'hudson.tasks.junit.JUnitResultArchiver', run: async () => (await import('./junit.ts')).run,
    params: ['testResults', 'keepLongStdio', 'allowEmptyResults', 'skipMarkingBuildUnstable', 'healthScaleFactor', 'testDataPublishers', 'skipPublishingChecks', 'checksName', 'skipOldReports', 'keepProperties', 'keepTestNames', 'stdioRetention'],
  },
  // ws-cleanup's publisher, whose pipeline symbol is cleanWs (@Symbol on the same class).
  WsCleanup: {
    fqcn: 'hudson.plugins.ws_cleanup.WsCleanup', run: async () => (await import('./cleanWs.ts')).run,
    params: ['patterns', 'deleteDirs', 'notFailBuild', 'disableDeferredWipeout', 'cleanWhenAborted', 'cleanWhenFailure', 'cleanWhenNotBuilt', 'cleanWhenSuccess', 'cleanWhenUnstable'],
  },
};

/** A plugin's 'class' step (GitHubCommitStatusSetter), from the build's step registry. */
async function pluginTarget(ctx: StepContext, cls: string): Promise<Target | undefined> {
  const found = await ctx.buildStep?.(cls);
  if (!found || found.decl.block !== 'none') return undefined; // a wrapper class is wrap()'s
  return { fqcn: found.decl.jenkinsClass ?? cls, run: async () => found.run, params: found.decl.params.map((p) => p.name) };
}

export const run: StepRun = async (ctx, args) => {
  const delegate = args.values.delegate;
  if (!(delegate instanceof Map)) throw new StepFailure(`step: expected a map like [$class: 'ArtifactArchiver', ...], got ${delegate === null ? 'null' : typeof delegate}`);
  const cls = delegate.get('$class');
  if (typeof cls !== 'string' || cls === '') throw new StepFailure("step: the map has no '$class' naming the build step");
  const simple = cls.slice(cls.lastIndexOf('.') + 1);
  const target = Object.hasOwn(TARGETS, simple) ? TARGETS[simple] : await pluginTarget(ctx, cls); // $class: 'constructor' is no build step
  if (!target || (cls.includes('.') && cls !== target.fqcn)) {
    throw new StepFailure(`no known implementation of interface jenkins.tasks.SimpleBuildStep is named ${cls}`);
  }
  const values = classArguments(delegate, target, (l) => ctx.log(l));
  return (await target.run())(ctx, { values, body: null });
};
