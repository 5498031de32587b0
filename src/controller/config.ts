// The controller's settings, from (highest first) command-line flags, environment variables,
// the config file, and defaults. Each setting is read once at start, checked, and turned into
// a typed value; a bad value is an error that names the setting and where it came from.
//
//   setting        flag               environment           config file (YAML)   default
//   home           --home DIR         KILN_HOME             -                    ~/.kiln
//   port           --port N           KILN_PORT             port                 8080
//   host           --host ADDR        KILN_HOST             host                 127.0.0.1
//   public URL     --url URL          KILN_PUBLIC_URL       url                  http://<host>:<port>/
//   agent URL      --agent-url URL    KILN_AGENT_URL        agentUrl             the public URL
//   database       --database-url U   KILN_DATABASE_URL     databaseUrl          embedded SQLite in home
//   executors      --executors N      KILN_EXECUTORS        executors            0 (builds run on agents)
//   agent grace    --agent-grace S    KILN_AGENT_GRACE      agentGraceSeconds    60
//   config file    --config FILE      KILN_CONFIG           -                    <home>/kiln.yaml if present
//   admin token    -                  KILN_ADMIN_TOKEN      adminToken           none
//   webhook secret -                   KILN_WEBHOOK_SECRET   webhookSecret        <home>/secrets/webhook.secret (made at first start)
//   library cache  -                   KILN_LIBRARY_CACHE_KEEP      libraryCacheKeep        5 checkouts per shared library (most recently used)
//                  -                   KILN_LIBRARY_CACHE_MAX_AGE_DAYS libraryCacheMaxAgeDays none (also remove checkouts unused this long)
//   local retrievers -                 KILN_LIBRARY_RETRIEVER_LOCAL libraryRetrieverLocal   false (a Jenkinsfile's library retriever may not name a path/file:// on the controller)
//
// The admin token is for automation (provisioning scripts, `scripts/up.ts`, tests): a bearer
// token with the admin role that exists only while it is configured, never stored. At least 32
// characters. The webhook secret is the shared secret webhooks are signed with (GitHub's
// X-Hub-Signature-256, GitLab's X-Gitlab-Token); configured, it also refuses unsigned pushes,
// where with the one made at first start they only make Kiln look at the branch (webhooks.ts).
// Secrets are not taken as flags, which every user of the machine can read in the process list.
//
// The host defaults to 127.0.0.1: until a deployment puts Kiln behind its own authentication
// and TLS, nothing should listen on other interfaces by accident.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KilnError } from '../core/errors.ts';

export interface ControllerConfig {
  home: string;
  port: number;
  host: string;
  publicUrl: string;
  agentUrl: string;
  databaseUrl: string | null;
  executors: number;
  agentGraceSeconds: number;
  configFile: string | null;
  /** A configured admin API token (automation), or null. */
  adminToken: string | null;
  /** The webhooks' configured shared secret, or null (then one is made in <home>/secrets/). */
  webhookSecret: string | null;
  /** Shared library checkouts kept per library (the most recently used); default 5. */
  libraryCacheKeep?: number;
  /** Library checkouts unused this many days are removed; null: no age limit. */
  libraryCacheMaxAgeDays?: number | null;
  /** Whether a Jenkinsfile's library retriever may name a repository on the controller's disk (a path, file://). */
  libraryRetrieverLocal?: boolean;
}

export class ConfigError extends KilnError {
  constructor(message: string) {
    super('config.invalid', message);
  }
}

export interface ConfigSources {
  flags: Partial<Record<'home' | 'port' | 'host' | 'url' | 'agent-url' | 'database-url' | 'executors' | 'agent-grace' | 'config', string>>;
  env: NodeJS.ProcessEnv;
}

const FILE_KEYS = ['port', 'host', 'url', 'agentUrl', 'databaseUrl', 'executors', 'agentGraceSeconds', 'adminToken', 'webhookSecret', 'libraryCacheKeep', 'libraryCacheMaxAgeDays', 'libraryRetrieverLocal'] as const;

export function loadConfig({ flags, env }: ConfigSources): ControllerConfig {
  const home = path.resolve(flags.home ?? env.KILN_HOME ?? path.join(os.homedir(), '.kiln'));
  const explicitFile = flags.config ?? env.KILN_CONFIG;
  const configFile = explicitFile ? path.resolve(explicitFile) : existsSync(path.join(home, 'kiln.yaml')) ? path.join(home, 'kiln.yaml') : null;
  let file: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read the config file ${configFile}: ${(err as Error).message}`);
    }
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch (err) {
      throw new ConfigError(`${configFile}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
    if (data !== null && data !== undefined) {
      if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${configFile}: expected a map of settings (${FILE_KEYS.join(', ')})`);
      file = data as Record<string, unknown>;
      for (const k of Object.keys(file)) {
        if (!(FILE_KEYS as readonly string[]).includes(k)) throw new ConfigError(`${configFile}: unknown setting '${k}' (known: ${FILE_KEYS.join(', ')})`);
      }
    }
  }

  const pick = (flag: keyof ConfigSources['flags'] | null, envName: string, fileKey: (typeof FILE_KEYS)[number] | null): { value: string; from: string } | null => {
    if (flag && flags[flag] !== undefined) return { value: flags[flag]!, from: `--${flag}` };
    const e = env[envName];
    if (e !== undefined && e !== '') return { value: e, from: envName };
    if (fileKey && file[fileKey] !== undefined && file[fileKey] !== null) return { value: String(file[fileKey]), from: `${configFile ?? 'config'}: ${fileKey}` };
    return null;
  };
  const int = (v: { value: string; from: string } | null, dflt: number, min: number, max: number, what: string): number => {
    if (!v) return dflt;
    const n = Number(v.value);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${v.from}: ${what} must be a whole number from ${min} to ${max}, got '${v.value}'`);
    return n;
  };
  const url = (v: { value: string; from: string } | null): string | null => {
    if (!v) return null;
    let u: URL;
    try {
      u = new URL(v.value);
    } catch {
      throw new ConfigError(`${v.from}: not a URL: '${v.value}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${v.from}: the URL must be http or https, got '${v.value}'`);
    return u.href.endsWith('/') ? u.href : `${u.href}/`;
  };

  const port = int(pick('port', 'KILN_PORT', 'port'), 8080, 0, 65535, 'the port');
  const host = pick('host', 'KILN_HOST', 'host')?.value ?? '127.0.0.1';
  const publicUrl = url(pick('url', 'KILN_PUBLIC_URL', 'url')) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  const agentUrl = url(pick('agent-url', 'KILN_AGENT_URL', 'agentUrl')) ?? publicUrl;
  const db = pick('database-url', 'KILN_DATABASE_URL', 'databaseUrl');
  if (db && !/^postgres(ql)?:\/\//.test(db.value)) throw new ConfigError(`${db.from}: only PostgreSQL URLs (postgres://...) are supported; leave it unset for the embedded store`);
  const adminToken = pick(null, 'KILN_ADMIN_TOKEN', 'adminToken');
  if (adminToken && (adminToken.value.length < 32 || adminToken.value.length > 256 || /\s/.test(adminToken.value))) {
    throw new ConfigError(`${adminToken.from}: the admin token must be 32 to 256 characters without spaces (try: openssl rand -hex 32)`);
  }
  const webhookSecret = pick(null, 'KILN_WEBHOOK_SECRET', 'webhookSecret');
  if (webhookSecret && (webhookSecret.value.length < 8 || webhookSecret.value.length > 1024)) {
    throw new ConfigError(`${webhookSecret.from}: the webhook secret must be 8 to 1024 characters`);
  }
  const maxAge = pick(null, 'KILN_LIBRARY_CACHE_MAX_AGE_DAYS', 'libraryCacheMaxAgeDays');
  const local = pick(null, 'KILN_LIBRARY_RETRIEVER_LOCAL', 'libraryRetrieverLocal');
  if (local && !['true', 'false'].includes(local.value)) throw new ConfigError(`${local.from}: libraryRetrieverLocal must be true or false, got '${local.value}'`);
  return {
    libraryCacheKeep: int(pick(null, 'KILN_LIBRARY_CACHE_KEEP', 'libraryCacheKeep'), 5, 1, 10_000, 'the library checkouts kept per library'),
    libraryCacheMaxAgeDays: maxAge ? int(maxAge, 0, 1, 36_500, 'the age (days) after which unused library checkouts are removed') : null,
    libraryRetrieverLocal: local?.value === 'true',
    home,
    port,
    host,
    publicUrl,
    agentUrl,
    databaseUrl: db?.value ?? null,
    executors: int(pick('executors', 'KILN_EXECUTORS', 'executors'), 0, 0, 1024, 'executors'),
    agentGraceSeconds: int(pick('agent-grace', 'KILN_AGENT_GRACE', 'agentGraceSeconds'), 60, 0, 86_400, 'the agent grace period (seconds)'),
    configFile,
    adminToken: adminToken?.value ?? null,
    webhookSecret: webhookSecret?.value ?? null,
  };
}
