// The controller's HTTP services for builds (core/http-services.ts): the Slack workspace, Zulip, Mattermost, Bitbucket Cloud, OpenShift clusters, the
// GitHub and GitLab APIs (and named GitLab connections, gitLabConnection('name')), the SonarQube and Artifactory servers, and the hosts httpRequest may reach on the
// controller's own network, kept as one settings document ('http-services', store/settings.ts)
// that only admins read or change (http-services-http.ts, auth/policy.ts):
//
//   GET /api/v1/settings/http-services   the settings
//   PUT /api/v1/settings/http-services   replaces them (audit-logged); a part left out is cleared
//
// Secrets: each service names a credential by id (global credentials), resolved by the step
// through the build's credentials at use; no token is in the settings, an answer or a log line.
// The URLs here are where those tokens may go: a step that names another URL must bring its own
// credential (the plugins' runtimes enforce it).
import type { HttpServiceSettings, HttpServices, OpenShiftCluster, SonarServer } from '../core/http-services.ts';
import type { JsonValue, Store } from '../store/types.ts';
import { ApiError, invalidField } from './http-errors.ts';

export const NO_HTTP_SERVICES: HttpServiceSettings = { slack: null, github: null, gitlab: null, sonar: [], httpRequest: { allowedHosts: [], allowPrivate: false }, zulip: null, gitlabConnections: [], openshiftClusters: [], artifactory: [], nexus: [], mattermost: null, bitbucket: null };

const bad = (field: string, message: string): ApiError => invalidField(field, message);

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field, 'must be an object');
  return v as Record<string, unknown>;
}

function only(o: Record<string, unknown>, field: string, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw bad(`${field}.${k}`, `unknown field (${field} has: ${keys.join(', ')})`);
}

function text(o: Record<string, unknown>, field: string, key: string, required: boolean, max = 500): string {
  const v = o[key] ?? '';
  if (typeof v !== 'string') throw bad(`${field}.${key}`, 'must be a string');
  if (v.length > max || /[\r\n\0]/.test(v)) throw bad(`${field}.${key}`, `one line of at most ${max} characters`);
  if (required && !v.trim()) throw bad(`${field}.${key}`, 'is required');
  return v.trim();
}

function url(o: Record<string, unknown>, field: string, key: string, required: boolean): string {
  const v = text(o, field, key, required, 2000);
  if (!v) return '';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad(`${field}.${key}`, `'${v}' is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(`${field}.${key}`, 'an http or https URL');
  if (u.username || u.password) throw bad(`${field}.${key}`, 'no user or password in the URL: name a credential instead');
  return v;
}

/** Checks a PUT body part by part; a part not given is cleared. */
export function checkHttpServiceSettings(body: unknown): HttpServiceSettings {
  const b = obj(body, 'body');
  only(b, 'body', ['slack', 'github', 'gitlab', 'gitlabConnections', 'sonar', 'httpRequest', 'zulip', 'openshiftClusters', 'artifactory', 'nexus', 'mattermost', 'bitbucket', 'vault']);
  const out: HttpServiceSettings = structuredClone(NO_HTTP_SERVICES);
  if (b.slack !== undefined && b.slack !== null) {
    const s = obj(b.slack, 'slack');
    only(s, 'slack', ['baseUrl', 'teamDomain', 'tokenCredentialId', 'botUser', 'room']);
    const botUser = s.botUser ?? true;
    if (typeof botUser !== 'boolean') throw bad('slack.botUser', 'true or false');
    const baseUrl = url(s, 'slack', 'baseUrl', false) || (botUser ? 'https://slack.com/api/' : '');
    const teamDomain = text(s, 'slack', 'teamDomain', false, 100);
    if (!botUser && !baseUrl && !teamDomain) throw bad('slack.baseUrl', 'an incoming webhook needs its base URL (or a teamDomain)');
    out.slack = { baseUrl, teamDomain, tokenCredentialId: text(s, 'slack', 'tokenCredentialId', true, 255), botUser, room: text(s, 'slack', 'room', false, 200) };
  }
  if (b.github !== undefined && b.github !== null) {
    const g = obj(b.github, 'github');
    only(g, 'github', ['apiUrl', 'credentialsId']);
    out.github = { apiUrl: url(g, 'github', 'apiUrl', false) || 'https://api.github.com', credentialsId: text(g, 'github', 'credentialsId', true, 255) };
  }
  if (b.gitlab !== undefined && b.gitlab !== null) {
    const g = obj(b.gitlab, 'gitlab');
    only(g, 'gitlab', ['url', 'credentialsId']);
    out.gitlab = { url: url(g, 'gitlab', 'url', true), credentialsId: text(g, 'gitlab', 'credentialsId', true, 255) };
  }
  if (b.gitlabConnections !== undefined && b.gitlabConnections !== null) {
    if (!Array.isArray(b.gitlabConnections) || b.gitlabConnections.length > 50) throw bad('gitlabConnections', 'a list of at most 50 connections');
    const names = new Set<string>();
    out.gitlabConnections = b.gitlabConnections.map((x, i) => {
      const at = `gitlabConnections[${i}]`;
      const c = obj(x, at);
      only(c, at, ['name', 'url', 'credentialsId']);
      const name = text(c, at, 'name', true, 100);
      if (names.has(name)) throw bad(`${at}.name`, `'${name}' is already the name of another connection`);
      names.add(name);
      return { name, url: url(c, at, 'url', true), credentialsId: text(c, at, 'credentialsId', true, 255) };
    });
  }
  if (b.sonar !== undefined) {
    if (!Array.isArray(b.sonar) || b.sonar.length > 50) throw bad('sonar', 'a list of at most 50 servers');
    const names = new Set<string>();
    out.sonar = b.sonar.map((x, i): SonarServer => {
      const s = obj(x, `sonar[${i}]`);
      only(s, `sonar[${i}]`, ['name', 'url', 'credentialsId']);
      const name = text(s, `sonar[${i}]`, 'name', true, 100);
      if (names.has(name)) throw bad(`sonar[${i}].name`, `'${name}' is already the name of another server`);
      names.add(name);
      return { name, url: url(s, `sonar[${i}]`, 'url', true), credentialsId: text(s, `sonar[${i}]`, 'credentialsId', false, 255) };
    });
  }
  // Artifactory's and Nexus' servers: a list of { id, url, credentialsId } with unique ids.
  const servers = (key: 'artifactory' | 'nexus') => {
    const list = b[key];
    if (!Array.isArray(list) || list.length > 50) throw bad(key, 'a list of at most 50 servers');
    const ids = new Set<string>();
    return list.map((x, i) => {
      const at = `${key}[${i}]`;
      const s = obj(x, at);
      only(s, at, ['id', 'url', 'credentialsId']);
      const id = text(s, at, 'id', true, 100);
      if (!/^[\w.-]+$/.test(id)) throw bad(`${at}.id`, "letters, digits, '.', '_' or '-'");
      if (ids.has(id)) throw bad(`${at}.id`, `'${id}' is already the id of another server`);
      ids.add(id);
      return { id, url: url(s, at, 'url', true), credentialsId: text(s, at, 'credentialsId', false, 255) };
    });
  };
  if (b.artifactory !== undefined && b.artifactory !== null) out.artifactory = servers('artifactory');
  if (b.nexus !== undefined && b.nexus !== null) out.nexus = servers('nexus');
  if (b.httpRequest !== undefined && b.httpRequest !== null) {
    const h = obj(b.httpRequest, 'httpRequest');
    only(h, 'httpRequest', ['allowedHosts', 'allowPrivate']);
    const hosts = h.allowedHosts ?? [];
    if (!Array.isArray(hosts) || hosts.length > 200 || hosts.some((x) => typeof x !== 'string' || !/^(\*\.)?[A-Za-z0-9.-]{1,253}$|^[0-9a-fA-F:]{2,39}$/.test(x))) {
      throw bad('httpRequest.allowedHosts', "a list of host names ('ci.internal', '*.corp.example') or IP addresses");
    }
    const all = h.allowPrivate ?? false;
    if (typeof all !== 'boolean') throw bad('httpRequest.allowPrivate', 'true or false');
    out.httpRequest = { allowedHosts: hosts as string[], allowPrivate: all };
  }
  if (b.zulip !== undefined && b.zulip !== null) {
    const z = obj(b.zulip, 'zulip');
    only(z, 'zulip', ['url', 'email', 'apiKeyCredentialId', 'stream', 'topic', 'fullJobPathAsDefaultTopic']);
    const full = z.fullJobPathAsDefaultTopic ?? false;
    if (typeof full !== 'boolean') throw bad('zulip.fullJobPathAsDefaultTopic', 'true or false');
    out.zulip = {
      url: url(z, 'zulip', 'url', true), email: text(z, 'zulip', 'email', true, 254), apiKeyCredentialId: text(z, 'zulip', 'apiKeyCredentialId', true, 255),
      stream: text(z, 'zulip', 'stream', false, 60), topic: text(z, 'zulip', 'topic', false, 60), fullJobPathAsDefaultTopic: full,
    };
  }
  if (b.mattermost !== undefined && b.mattermost !== null) {
    const m = obj(b.mattermost, 'mattermost');
    only(m, 'mattermost', ['endpointCredentialId', 'channel', 'icon']);
    out.mattermost = { endpointCredentialId: text(m, 'mattermost', 'endpointCredentialId', true, 255), channel: text(m, 'mattermost', 'channel', false, 500), icon: url(m, 'mattermost', 'icon', false) };
  }
  if (b.bitbucket !== undefined && b.bitbucket !== null) {
    const k = obj(b.bitbucket, 'bitbucket');
    only(k, 'bitbucket', ['credentialsId', 'apiUrl', 'oauthUrl']);
    out.bitbucket = {
      credentialsId: text(k, 'bitbucket', 'credentialsId', true, 255),
      apiUrl: url(k, 'bitbucket', 'apiUrl', false) || 'https://api.bitbucket.org/2.0/',
      oauthUrl: url(k, 'bitbucket', 'oauthUrl', false) || 'https://bitbucket.org/site/oauth2/access_token',
    };
  }
  if (b.openshiftClusters !== undefined && b.openshiftClusters !== null) out.openshiftClusters = checkOpenShiftClusters(b.openshiftClusters);
  if (b.vault !== undefined && b.vault !== null) {
    const v = obj(b.vault, 'vault');
    only(v, 'vault', ['url', 'credentialsId', 'engineVersion', 'namespace', 'skipSslVerification']);
    const engineVersion = v.engineVersion ?? 2;
    if (engineVersion !== 1 && engineVersion !== 2) throw bad('vault.engineVersion', '1 or 2');
    const skip = v.skipSslVerification ?? false;
    if (typeof skip !== 'boolean') throw bad('vault.skipSslVerification', 'true or false');
    const u = url(v, 'vault', 'url', true);
    if (/[?#]/.test(u)) throw bad('vault.url', 'no query or fragment in the URL');
    out.vault = { url: u, credentialsId: text(v, 'vault', 'credentialsId', true, 255), engineVersion, namespace: text(v, 'vault', 'namespace', false, 255), skipSslVerification: skip };
  }
  return out;
}

/** The OpenShift Client plugin's clusters (openshift.withCluster('name')): a CA is PEM text, the token a credential id. */
function checkOpenShiftClusters(v: unknown): OpenShiftCluster[] {
  if (!Array.isArray(v) || v.length > 50) throw bad('openshiftClusters', 'a list of at most 50 clusters');
  const names = new Set<string>();
  return v.map((x, i): OpenShiftCluster => {
    const at = `openshiftClusters[${i}]`;
    const c = obj(x, at);
    only(c, at, ['name', 'url', 'credentialsId', 'serverCertificateAuthority', 'skipTlsVerify', 'defaultProject']);
    const name = text(c, at, 'name', true, 100);
    if (names.has(name)) throw bad(`${at}.name`, `'${name}' is already the name of another cluster`);
    names.add(name);
    const ca = c.serverCertificateAuthority ?? '';
    if (typeof ca !== 'string' || ca.length > 64 * 1024 || (ca.trim() && !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(ca.trim()))) {
      throw bad(`${at}.serverCertificateAuthority`, 'PEM text (-----BEGIN CERTIFICATE----- ...) of at most 64 KiB, or empty');
    }
    const skip = c.skipTlsVerify ?? false;
    if (typeof skip !== 'boolean') throw bad(`${at}.skipTlsVerify`, 'true or false');
    const project = text(c, at, 'defaultProject', false, 253);
    if (project && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(project)) throw bad(`${at}.defaultProject`, 'a project name (lower-case letters, digits, -)');
    return { name, url: url(c, at, 'url', true), credentialsId: text(c, at, 'credentialsId', false, 255), serverCertificateAuthority: ca.trim(), skipTlsVerify: skip, defaultProject: project };
  });
}

type Audit = (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void>;

export class HttpServicesService {
  readonly #store: Store;
  readonly #audit: Audit;
  constructor(o: { store: Store; audit: Audit }) {
    this.#store = o.store;
    this.#audit = o.audit;
  }

  async get(): Promise<HttpServiceSettings> {
    const v = await this.#store.settings.get('http-services');
    if (!v) return structuredClone(NO_HTTP_SERVICES);
    try {
      return checkHttpServiceSettings(v);
    } catch {
      return structuredClone(NO_HTTP_SERVICES);
    }
  }

  async put(actor: string, body: unknown, address: string): Promise<HttpServiceSettings> {
    const s = checkHttpServiceSettings(body);
    await this.#store.settings.put('http-services', s as unknown as JsonValue);
    const parts = [s.slack && 'slack', s.zulip && 'zulip', s.mattermost && 'mattermost', s.bitbucket && 'bitbucket', s.vault && 'vault', s.github && 'github', s.gitlab && 'gitlab', s.gitlabConnections?.length && `gitlabConnections(${s.gitlabConnections.map((x) => x.name).join(',')})`, s.sonar.length && `sonar(${s.sonar.map((x) => x.name).join(',')})`, s.artifactory?.length && `artifactory(${s.artifactory.map((x) => x.id).join(',')})`, s.nexus?.length && `nexus(${s.nexus.map((x) => x.id).join(',')})`, `httpRequest(${s.httpRequest.allowPrivate ? 'all' : s.httpRequest.allowedHosts.length})`, s.openshiftClusters?.length && `openshiftClusters(${s.openshiftClusters.map((x) => x.name).join(',')})`].filter(Boolean);
    await this.#audit({ actor, action: 'settings.http-services', target: 'http-services', detail: parts.join(' '), address });
    return s;
  }

  /** What builds read: the settings at each use, so a change applies to running builds' next step. */
  forBuilds(): HttpServices {
    return { settings: () => this.get(), configureHint: 'an administrator configures them in Settings (PUT /api/v1/settings/http-services)' };
  }
}
