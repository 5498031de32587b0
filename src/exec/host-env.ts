// What a build's processes get from the environment of the process that runs them (the
// controller for its own executors, `kiln agent` on an agent): an allow-list, never the rest.
//
// Why: the controller's environment holds its secrets (KILN_ADMIN_TOKEN, KILN_WEBHOOK_SECRET,
// KILN_DATABASE_URL with its password, cloud credentials an operator exported), and an agent's
// holds its own (KILN_SECRET: whoever has it can connect as that agent and receive other jobs'
// builds). Jenkins passes the node's whole environment to builds; a developer who may only
// write a Jenkinsfile must not become admin by running `env`. So builds get the variables that
// describe the machine and the user (PATH, HOME, USER, locale, time zone, temporary directory)
// and nothing else; a build sets what else it needs with `environment {}` / `withEnv`.
//
// How: `hostEnvForBuilds(env)` keeps the names in HOST_ENV_ALLOWED plus LC_*, plus the names an
// operator lists in KILN_BUILD_ENV (comma or space separated: `KILN_BUILD_ENV=JAVA_HOME,GOPATH`)
// for a node whose builds need more, or `*` for all of them (a Kubernetes pod's agent container,
// whose env the pod's YAML gives: its builds see it as the plugin's do). A KILN_* name is never
// passed, even when listed or with `*`: those are Kiln's own settings and secrets. The local backend puts the result under the environment the
// pipeline gives each process (the pipeline's variables win).

/** Variables of the host that builds get (besides LC_* and KILN_BUILD_ENV's names). */
export const HOST_ENV_ALLOWED: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'HOSTNAME',
];

/** Whether a host variable may reach builds. */
export function hostVariableAllowed(name: string, extra: ReadonlySet<string> = new Set()): boolean {
  if (/^KILN_/i.test(name)) return false;
  return HOST_ENV_ALLOWED.includes(name) || name.startsWith('LC_') || extra.has(name);
}

/** The part of `env` (default: this process's environment) that builds may see. */
export function hostEnvForBuilds(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const extra = new Set((env['KILN_BUILD_ENV'] ?? '').split(/[\s,]+/).filter((n) => n !== ''));
  const all = extra.has('*');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string' && (all ? !/^KILN_/i.test(k) : hostVariableAllowed(k, extra))) out[k] = v;
  }
  return out;
}
