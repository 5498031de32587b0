// decl.ts: the fixed value lists of the checks plugin's parameters, shared by its declarations (index.ts)
// and its runtime (runtime.ts) without either importing the other.

export const CHECK_STATUSES = ['QUEUED', 'IN_PROGRESS', 'COMPLETED'] as const;
export const CHECK_CONCLUSIONS = ['NONE', 'ACTION_REQUIRED', 'SKIPPED', 'CANCELED', 'TIME_OUT', 'FAILURE', 'NEUTRAL', 'SUCCESS'] as const;
export const GITLAB_STATES = ['pending', 'running', 'canceled', 'success', 'failed'] as const;
export const GITHUB_PR_STATES = ['ERROR', 'FAILURE', 'PENDING', 'SUCCESS'] as const;
