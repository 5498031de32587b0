// What scmSkip does (declared in index.ts), as the SCM Skip plugin's SCMSkipBuildStep and
// SCMSkipTools: the build's change sets so far (a checkout records one each); none: "SCM Skip:
// Changelog is empty!" and the build goes on. Otherwise the last one's commits are matched,
// each message whole (Java's Matcher.matches, MULTILINE) against skipPattern; an empty set
// also says the changelog is empty and (as the plugin's loop over no entries) counts as all
// matched. All matched: "SCM Skip: Pattern P matched on message: M1 M2", the build's description
// "SCM Skip - build skipped", and the build is aborted (ABORTED, post blocks still run); with
// deleteBuild the host deletes it once it has finished. Else "SCM Skip: Pattern P NOT matched
// on message: ..." and the build goes on.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { Interrupted, StepFailure } from '../../core/errors.ts';
import { bool, str } from '../../pipeline/steps/args.ts';

export const DEFAULT_PATTERN = '.*\\[ci skip\\].*';

/**
 * The pattern as Java's Pattern.compile(regex, MULTILINE).matcher(m).matches() takes it: from
 * the message's start (sticky) to its very end (the lookahead), whatever lines it spans.
 */
export function skipRegex(pattern: string): RegExp {
  try {
    return new RegExp(`(?:${pattern})(?![\\s\\S])`, 'my');
  } catch (e) {
    throw new StepFailure(`scmSkip: skipPattern '${pattern}' is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Whether the whole message matches (an empty one never does, as the plugin's matcher). */
export function matchesWhole(re: RegExp, message: string): boolean {
  if (message === '') return false;
  re.lastIndex = 0;
  return re.test(message);
}

const scmSkip: StepRun = async (ctx, args) => {
  const pattern = str(args, 'skipPattern') || DEFAULT_PATTERN;
  const re = skipRegex(pattern);
  const sets = ctx.build.changeSets?.() ?? [];
  if (sets.length === 0) {
    ctx.log('SCM Skip: Changelog is empty!');
    return null;
  }
  const last = sets[sets.length - 1]!;
  if (last.entries.length === 0) ctx.log('SCM Skip: Changelog is empty!');
  const messages = last.entries.map((e) => e.msg);
  const allSkipped = messages.every((m) => matchesWhole(re, m));
  const combined = messages.join(' ');
  if (!allSkipped) {
    ctx.log(`SCM Skip: Pattern ${pattern} NOT matched on message: ${combined}`);
    return null;
  }
  ctx.log(`SCM Skip: Pattern ${pattern} matched on message: ${combined}`);
  if (bool(args, 'deleteBuild', false)) {
    if (ctx.build.services.deleteWhenFinished) ctx.build.services.deleteWhenFinished();
    else ctx.log('SCM Skip: this host keeps no builds to delete (deleteBuild has no effect here)');
  }
  ctx.build.setDescription('SCM Skip - build skipped');
  throw new Interrupted('user', 'SCM Skip: Build has been skipped due to SCM Skip Plugin!', 'ABORTED');
};

const runtime: PluginRuntime = { steps: { scmSkip } };
export default runtime;
