// Restart from Stage (Jenkins' pipeline-model-definition RestartDeclarativePipelineAction):
// a finished declarative build runs again as a NEW build from one of its top-level stages.
//
//   GET  /api/v1/jobs/:job/builds/:n/restart   RestartInfo { stages, refused }   (viewers)
//   POST /api/v1/jobs/:job/builds/:n/restart   { stage } → the new Build (201)   (job.build)
//
// The new build runs what the original ran (its run.json: the Jenkinsfile text and the files
// read beside it, whoever chose a replayed script), with its parameters and commit, and the
// cause "Restarted from build #N, stage S" (BuildCause type 'restart', with `stage`), which is
// also how a resumed restarted build knows it is one (builds.ts restartOf). The engine skips the
// top-level stages before S ("Stage "X" skipped due to this build restarting at stage "S"",
// status skipped-restart) and `when { isRestartedRun() }` holds. The original's stashes come
// along only if it kept them (`options { preserveStashes(buildCount: N) }`, builds.ts
// #keepStashes); otherwise an `unstash` of an earlier stage's stash fails "No such saved stash".
//
// Refused, with Jenkins' messages where it has one: a build that has not finished, a disabled
// job, a job whose pipeline says `options { disableRestartFromStage() }`, a scripted pipeline
// (or one that never got to its declarative pipeline), a build without run.json (before durable
// builds), a stage that is not a top-level stage of the build (a nested, parallel or matrix
// one) or that was skipped for an earlier failure or unstable result.
import type { Build, Job } from '../store/types.ts';
import type { RunInfo } from './resume.ts';

export interface RestartInfo {
  /** Top-level stages it may restart at, in order. */
  stages: string[];
  /** Why it cannot be restarted at all; null when it can. */
  refused: string | null;
}

/** What Restart from Stage offers for build `b` of `job` (`kept`: its run.json, null when it has none). */
export function restartInfo(job: Job, b: Build, kept: RunInfo | null): RestartInfo {
  const name = `${b.job} #${b.number}`;
  const state = b.state;
  const declared = state?.declarativeStages;
  // Jenkins' getRestartableStages: the top-level stages, but those skipped for an earlier failure or unstable result.
  const skipped = new Set((state?.stages ?? []).filter((s) => s.parentId === null && s.kind === 'stage' && s.status === 'skipped-failure').map((s) => s.name));
  const stages = (declared ?? []).filter((s) => !skipped.has(s));
  const refused = b.status !== 'finished' ? `The origin build ${name} is not complete, so cannot be restarted.`
    : job.disabled ? `Job ${job.name} is not buildable.`
    : job.options.disableRestartFromStage === true ? `Job ${job.name} does not allow restarting from a stage (options { disableRestartFromStage() }).`
    : declared === undefined ? `${name} was not a Declarative Pipeline, and cannot be restarted.`
    : kept === null ? `The origin build ${name} did not execute its Pipeline, so cannot be restarted.`
    : null;
  return { stages: refused === null ? stages : [], refused };
}

/** Why `stage` cannot be restarted at (Jenkins' messages), or null. */
export function stageProblem(b: Build, info: RestartInfo, stage: string): string | null {
  if (stage.trim() === '') return 'Stage name cannot be null or an empty string.';
  if (!info.stages.includes(stage)) return `Stage ${stage} is not present in the top-level stages for ${b.job} #${b.number}, so cannot be restarted.`;
  return null;
}
