// Who may call which route: the one table every request is checked against (auth/http.ts's
// onRequest hook), so that the whole access policy can be read in one screen. A route that is
// not in the table cannot be registered: the controller refuses to start (fail closed).
//
//   public     anyone, no login: health, readiness, the API's OpenAPI document, setup, login,
//              webhooks (they verify their own signature), the UI's static files
//   viewer     any logged-in user: read jobs, builds, logs, artifacts, queue, agents; own
//              profile, password and API tokens
//   developer  change jobs, run, abort and replay builds, answer inputs, cancel queue items,
//              see which credentials exist (to use them in a Jenkinsfile)
//   admin      everything: users, agents, credentials' secrets in, folder permissions, the
//              audit log
//
// Roles are ordered: an admin may do what a developer may, a developer what a viewer may.
// Folders narrow the developer routes on jobs: in a folder with grants, a developer needs the
// right granted there too (job.create / configure / build / delete; auth/folders.ts, checked
// by the handlers in http.ts, since the folder is in the job's name or the queue item).
// Viewers never gain a right from a grant; admins hold them all.
import type { Role } from '../../store/types.ts';

export type Access = 'public' | Role;

const RANK: Record<Access, number> = { public: 0, viewer: 1, developer: 2, admin: 3 };

/** `METHOD /route/pattern` → who may call it. HEAD follows GET. */
export const ACCESS: Readonly<Record<string, Access>> = {
  'GET /': 'public', // the UI's files (web.ts); the data behind them is not public
  'GET /*': 'public',
  'GET /api/v1/health': 'public',
  'GET /api/v1/ready': 'public',
  'GET /api/v1/openapi.json': 'public', // describes the API, holds no data (openapi.ts)
  'GET /api/v1/setup': 'public',
  'POST /api/v1/setup': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/webhooks/generic': 'public',
  'POST /api/v1/webhooks/github': 'public',
  'POST /api/v1/webhooks/gitlab': 'public',
  'POST /generic-webhook-trigger/invoke': 'public', // the job's token or the caller's own rights decide (generic-trigger.ts)
  'GET /generic-webhook-trigger/invoke': 'public',
  'GET /api/v1/agent/bundle.tgz': 'public', // the agent for another machine, no secret in it (agent-install.ts)

  'GET /metrics': 'viewer',
  'GET /api/v1/events': 'viewer',
  'POST /api/v1/lint': 'viewer',
  'POST /api/v1/auth/logout': 'viewer',
  'GET /api/v1/me': 'viewer',
  'PUT /api/v1/me/password': 'viewer',
  'GET /api/v1/me/tokens': 'viewer',
  'POST /api/v1/me/tokens': 'viewer',
  'DELETE /api/v1/me/tokens/:id': 'viewer',

  'GET /api/v1/jobs': 'viewer',
  'POST /api/v1/jobs': 'developer',
  'GET /api/v1/jobs/:job': 'viewer',
  'PUT /api/v1/jobs/:job': 'developer',
  'DELETE /api/v1/jobs/:job': 'developer',
  'POST /api/v1/jobs/:job/builds': 'developer',
  'GET /api/v1/jobs/:job/builds': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number': 'viewer',
  'POST /api/v1/jobs/:job/builds/:number/abort': 'developer',
  'POST /api/v1/jobs/:job/builds/:number/replay': 'developer',
  'GET /api/v1/jobs/:job/builds/:number/restart': 'viewer',
  'POST /api/v1/jobs/:job/builds/:number/restart': 'developer',
  'GET /api/v1/jobs/:job/builds/:number/stages': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/console': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/console/stream': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/console/sections': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/console/times': 'viewer',
  'GET /api/v1/jobs/:job/trend': 'viewer',
  'GET /api/v1/jobs/:job/parameters/:name/values': 'developer', // git-parameter.ts: runs git ls-remote for the build form
  'GET /api/v1/jobs/:job/parameters/:name/choices': 'developer', // active-choices.ts: runs a parameter's (sandboxed) script for the build form
  'GET /api/v1/jobs/:job/builds/:number/libraries': 'developer',
  'GET /api/v1/jobs/:job/builds/:number/tests/history': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/inputs': 'viewer',
  'POST /api/v1/jobs/:job/builds/:number/inputs/:id': 'developer',
  'GET /api/v1/jobs/:job/builds/:number/inputs/:id/parameters/:name/choices': 'developer', // http.ts: runs an input's Active Choices (sandboxed) script for its form
  'GET /api/v1/jobs/:job/builds/:number/artifacts': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/artifacts/*': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/fingerprints': 'viewer',
  'GET /api/v1/fingerprints/:md5': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/tests': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/issues': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/coverage': 'viewer', // buildtools.ts
  'GET /api/v1/jobs/:job/builds/:number/performance': 'viewer', // buildtools.ts (perfReport)
  'GET /api/v1/jobs/:job/plots': 'viewer', // plots.ts (the plot step)
  'GET /api/v1/jobs/:job/builds/:number/benchmark': 'viewer', // buildtools.ts (benchmark)
  'GET /api/v1/jobs/:job/builds/:number/html-reports': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/html-reports/:report/*': 'viewer', // served sandboxed
  'GET /api/v1/config-files': 'admin', // managed config files may hold repository passwords
  'GET /api/v1/config-files/:id': 'admin',
  'PUT /api/v1/config-files/:id': 'admin',
  'DELETE /api/v1/config-files/:id': 'admin',
  'GET /api/v1/lockable-resources': 'viewer', // lock(label:)'s resources (lockable-resources.ts)
  'GET /api/v1/lockable-resources/:name': 'viewer',
  'PUT /api/v1/lockable-resources/:name': 'admin',
  'DELETE /api/v1/lockable-resources/:name': 'admin',
  'GET /api/v1/jobs/:job/builds/:number/changes': 'viewer',
  'GET /api/v1/jobs/:job/builds/:number/console/newlines': 'viewer',
  'GET /api/v1/jobs/:job/webhook': 'admin', // the webhook secret (webhooks.ts)

  'GET /api/v1/queue': 'viewer',
  'DELETE /api/v1/queue/:id': 'developer',

  'GET /api/v1/agents': 'viewer',
  'POST /api/v1/agents': 'admin',
  'GET /api/v1/agents/:name': 'viewer',
  'PUT /api/v1/agents/:name': 'admin',
  'DELETE /api/v1/agents/:name': 'admin',
  'GET /api/v1/agents/:name/log': 'viewer',
  'GET /api/v1/agents/:name/install': 'viewer', // the secret in it: admins only (agent-install.ts)

  'GET /api/v1/credentials': 'developer',
  'POST /api/v1/credentials': 'admin',
  'GET /api/v1/credentials/:id': 'developer',
  'PUT /api/v1/credentials/:id': 'admin',
  'DELETE /api/v1/credentials/:id': 'admin',
  'GET /api/v1/settings/mail': 'admin',
  'PUT /api/v1/settings/mail': 'admin',
  'POST /api/v1/settings/mail/test': 'admin',
  'GET /api/v1/settings/global-env': 'admin',
  'PUT /api/v1/settings/global-env': 'admin',
  'GET /api/v1/settings/http-services': 'admin',
  'PUT /api/v1/settings/http-services': 'admin',
  'GET /api/v1/settings/throttle-categories': 'admin',
  'PUT /api/v1/settings/throttle-categories': 'admin',
  'GET /api/v1/settings/publish-over-ssh': 'admin', // hosts and credential ids (ssh-publishers.ts)
  'PUT /api/v1/settings/publish-over-ssh': 'admin',

  'GET /api/v1/clouds': 'admin',
  'GET /api/v1/clouds/:name': 'admin',
  'PUT /api/v1/clouds/:name': 'admin',
  'DELETE /api/v1/clouds/:name': 'admin',
  'POST /api/v1/clouds/:name/test': 'admin',
  'POST /api/v1/clouds/test': 'admin',

  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/users/:name': 'admin',
  'PUT /api/v1/users/:name': 'admin',
  'DELETE /api/v1/users/:name': 'admin',
  'GET /api/v1/users/:name/tokens': 'admin',
  'POST /api/v1/users/:name/tokens': 'admin',
  'DELETE /api/v1/users/:name/tokens/:id': 'admin',
  'POST /api/v1/users/:name/unlock': 'admin',
  'GET /api/v1/audit': 'admin',

  // Shared libraries (libraries.ts): anyone logged in reads them (ids of credentials only); admins change and test (fetch) them.
  'GET /api/v1/libraries': 'viewer',
  'GET /api/v1/libraries/:name': 'viewer',
  'PUT /api/v1/libraries/:name': 'admin',
  'DELETE /api/v1/libraries/:name': 'admin',
  'POST /api/v1/libraries/:name/test': 'admin',
  'GET /api/v1/folders/:folder/libraries': 'viewer',
  'GET /api/v1/folders/:folder/libraries/:name': 'viewer',
  'PUT /api/v1/folders/:folder/libraries/:name': 'admin',
  'DELETE /api/v1/folders/:folder/libraries/:name': 'admin',
  'POST /api/v1/folders/:folder/libraries/:name/test': 'admin',

  'GET /api/v1/folders': 'admin',
  'GET /api/v1/folders/:folder': 'admin',
  'PUT /api/v1/folders/:folder': 'admin',
  'DELETE /api/v1/folders/:folder': 'admin',
  // Folder properties (folder-properties.ts): the same rights as the folder's permissions.
  'GET /api/v1/folders/:folder/properties': 'admin',
  'PUT /api/v1/folders/:folder/properties': 'admin',
  'DELETE /api/v1/folders/:folder/properties': 'admin',
};

export function accessOf(method: string, url: string): Access | null {
  const m = method === 'HEAD' ? 'GET' : method;
  const rule = ACCESS[`${m} ${url}`];
  return rule ?? null;
}

export function allows(role: Role | null, access: Access): boolean {
  return RANK[role ?? 'public'] >= RANK[access];
}
