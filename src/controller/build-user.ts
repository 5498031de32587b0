// The Build User Vars plugin's variables of a build (withBuildUser, wrap([$class: 'BuildUser'])),
// from its causes as the plugin's BuildUser.makeUserBuildVariables and its determinants:
//   - a user's cause (Build pressed, an API call, a replay or restart someone asked for):
//     BUILD_USER the user's full name (UserIdCause.getUserName; "anonymous" without a known
//     user), BUILD_USER_FIRST_NAME / BUILD_USER_LAST_NAME its first and second words,
//     BUILD_USER_ID the id ("anonymous" without one), BUILD_USER_GROUPS the user's authorities
//     ("authenticated" and the Kiln role; "" for an unknown user), BUILD_USER_EMAIL when known;
//   - else an upstream build: that build's variables (up the chain, 20 hops at most);
//   - else an SCM change or a push hook: "SCM Change" / "scmChange"; a timer: "Timer Trigger" /
//     "timer";
//   - else none.
import type { BuildCause, UserRecord } from '../store/types.ts';

export interface BuildUserLookups {
  user(name: string): Promise<UserRecord | null>;
  /** The causes of another build; null when it is gone. */
  causesOf(job: string, number: number): Promise<readonly BuildCause[] | null>;
}

/** UsernameUtils.setUsernameVars: the name and its first two words. */
function names(name: string, out: Record<string, string>): void {
  const parts = name.trim() === '' ? [] : name.trim().split(/\s+/);
  out.BUILD_USER = name;
  out.BUILD_USER_FIRST_NAME = parts[0] ?? '';
  out.BUILD_USER_LAST_NAME = parts[1] ?? '';
}

export async function buildUserVars(causes: readonly BuildCause[], lookups: BuildUserLookups, hops = 0): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const byUser = causes.find((c) => c.type === 'user' || c.type === 'api') ?? causes.find((c) => (c.type === 'replay' || c.type === 'restart') && c.userId);
  if (byUser) {
    const id = byUser.userId?.trim() || 'anonymous';
    const user = byUser.userId?.trim() ? await lookups.user(id) : null;
    names(user ? (user.fullName || user.name) : 'anonymous', out);
    out.BUILD_USER_ID = id;
    out.BUILD_USER_GROUPS = user ? `authenticated,${user.role}` : '';
    if (user?.email) out.BUILD_USER_EMAIL = user.email.trim();
    return out;
  }
  const up = causes.find((c) => c.type === 'upstream' && c.upstreamJob && c.upstreamBuild);
  if (up && hops < 20) {
    const upstream = await lookups.causesOf(up.upstreamJob!, up.upstreamBuild!);
    if (upstream) return buildUserVars(upstream, lookups, hops + 1);
  }
  if (causes.some((c) => c.type === 'scm' || c.type === 'webhook')) {
    names('SCM Change', out);
    out.BUILD_USER_ID = 'scmChange';
  } else if (causes.some((c) => c.type === 'timer')) {
    names('Timer Trigger', out);
    out.BUILD_USER_ID = 'timer';
  }
  return out;
}
