// The Docker cloud setting: a Docker engine that runs pods for `kubernetes` agents (when no
// Kubernetes cloud is configured, or when the user picks it): where the engine is, TLS, how many
// pods at once, named pod templates, the default agent image. Typed once here (parse from any
// JSON/YAML input with errors naming the field), with Test Connection and the NodeProvider; the
// cloud type `docker` (dockerCloudType) is what the controller's clouds routes and wait list use
// through the plugin's provisioner.
import type { NodeProvider, Slots } from '../../core/nodes.ts';
import type { CloudType } from '../../core/plugin.ts';
import { Engine, EngineError, type EngineOptions } from './engine.ts';
import { parsePodYaml, PodError } from './pod.ts';
import { withDockerPods, type DockerPodOptions } from './pod-agents.ts';
import { KilnError } from '../../core/errors.ts';

export interface PodTemplate {
  name: string;
  /** `agent { label 'x' }` / kubernetes `label` matching this picks the template. */
  label: string | null;
  /** The pod spec YAML (as in `kubernetes { yaml }`). */
  yaml: string;
}

export interface DockerCloudConfig {
  name: string;
  /** unix:///var/run/docker.sock (default) or tcp://host:2376. */
  engineUrl: string;
  /** TLS for tcp:// engines: PEM strings; skipVerify for a self-signed engine. */
  tls: { ca: string | null; cert: string | null; key: string | null; skipVerify: boolean } | null;
  /** Pods running at once on this engine; more wait for a free slot. 0 = no cap. */
  concurrencyCap: number;
  podTemplates: PodTemplate[];
  /** The injected agent container's image (and the pause container's). */
  defaultAgentImage: string;
}

export class CloudConfigError extends KilnError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('docker.cloud-settings', `${field}: ${message}`);
    this.field = field;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks and types a Docker cloud setting from untrusted input (HTTP body, config file). */
export function parseDockerCloudConfig(input: unknown): DockerCloudConfig {
  if (!isObj(input)) throw new CloudConfigError('(root)', 'must be an object');
  const str = (k: string, dflt?: string): string => {
    const v = input[k];
    if (v === undefined || v === null) {
      if (dflt !== undefined) return dflt;
      throw new CloudConfigError(k, 'is required');
    }
    if (typeof v !== 'string' || v.trim() === '') throw new CloudConfigError(k, 'must be a non-empty string');
    return v.trim();
  };
  const name = str('name');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) throw new CloudConfigError('name', 'letters, digits, . _ - (up to 63), starting with a letter or digit');
  const engineUrl = str('engineUrl', 'unix:///var/run/docker.sock');
  if (!/^(unix:\/\/\/.+|tcp:\/\/[^/\s]+:\d+\/?)$/.test(engineUrl)) throw new CloudConfigError('engineUrl', `must be unix:///path/to/docker.sock or tcp://host:port, got '${engineUrl}'`);
  let tls: DockerCloudConfig['tls'] = null;
  if (input.tls !== undefined && input.tls !== null) {
    const t = input.tls;
    if (!isObj(t)) throw new CloudConfigError('tls', 'must be an object { ca, cert, key, skipVerify }');
    const pem = (k: string): string | null => {
      const v = t[k];
      if (v === undefined || v === null || v === '') return null;
      if (typeof v !== 'string' || !v.includes('-----BEGIN')) throw new CloudConfigError(`tls.${k}`, 'must be PEM text (-----BEGIN ...)');
      return v;
    };
    tls = { ca: pem('ca'), cert: pem('cert'), key: pem('key'), skipVerify: t.skipVerify === true };
    if ((tls.cert === null) !== (tls.key === null)) throw new CloudConfigError('tls', 'cert and key go together (client certificate and its key)');
    if (engineUrl.startsWith('unix:')) throw new CloudConfigError('tls', 'only applies to tcp:// engines');
  }
  const cap = input.concurrencyCap ?? 0;
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 0) throw new CloudConfigError('concurrencyCap', 'must be a whole number ≥ 0 (0 = no cap)');
  const templates = input.podTemplates ?? [];
  if (!Array.isArray(templates)) throw new CloudConfigError('podTemplates', 'must be a list');
  const names = new Set<string>();
  const podTemplates = templates.map((t, i): PodTemplate => {
    const f = `podTemplates[${i}]`;
    if (!isObj(t) || typeof t.name !== 'string' || t.name === '') throw new CloudConfigError(`${f}.name`, 'is required');
    if (names.has(t.name)) throw new CloudConfigError(`${f}.name`, `'${t.name}' is used twice`);
    names.add(t.name);
    if (typeof t.yaml !== 'string') throw new CloudConfigError(`${f}.yaml`, 'is required (the pod spec YAML)');
    try {
      parsePodYaml(t.yaml);
    } catch (e) {
      if (e instanceof PodError) throw new CloudConfigError(`${f}.yaml`, e.message);
      throw e;
    }
    if (t.label !== undefined && t.label !== null && typeof t.label !== 'string') throw new CloudConfigError(`${f}.label`, 'must be a string');
    return { name: t.name, label: typeof t.label === 'string' && t.label !== '' ? t.label : null, yaml: t.yaml };
  });
  return { name, engineUrl, tls, concurrencyCap: cap, podTemplates, defaultAgentImage: str('defaultAgentImage', 'busybox:latest') };
}

/** A Docker cloud's settings as stored: its config without the name (the cloud's name is the key). */
export function dockerCloudOf(name: string, settings: unknown): DockerCloudConfig {
  return parseDockerCloudConfig({ ...(typeof settings === 'object' && settings !== null ? settings : {}), name });
}

/** The `docker` cloud type: settings checked field by field, stored without the name, its cap, Test Connection. */
export const dockerCloudType: CloudType<DockerCloudConfig> = {
  name: 'docker',
  doc: 'a Docker engine that runs pods for kubernetes agents',
  check(name, settings) {
    try {
      const cfg = dockerCloudOf(name, settings);
      const { name: _n, ...stored } = cfg;
      return { settings: cfg, stored };
    } catch (e) {
      if (e instanceof CloudConfigError) return { error: e.message };
      throw e;
    }
  },
  cap: (s) => s.concurrencyCap,
  async test(_name, s) {
    const r = await testConnection(s);
    return { ok: r.ok, message: r.message, version: r.version, permissions: [] };
  },
};

export function engineFor(cfg: DockerCloudConfig, timeoutMs?: number): Engine {
  const o: EngineOptions = { host: cfg.engineUrl };
  if (cfg.tls) o.tls = { ...(cfg.tls.ca ? { ca: cfg.tls.ca } : {}), ...(cfg.tls.cert ? { cert: cfg.tls.cert } : {}), ...(cfg.tls.key ? { key: cfg.tls.key } : {}), verify: !cfg.tls.skipVerify };
  if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
  return new Engine(o);
}

/**
 * Test Connection: "Connected to Docker Engine v20.10.24 (API v1.41)", or exactly why not
 * (socket missing, permission, refused, DNS, TLS, timeout, not a Docker engine).
 */
export async function testConnection(cfg: DockerCloudConfig, timeoutMs = 5000): Promise<{ ok: boolean; message: string; version: string | null; apiVersion: string | null }> {
  const engine = engineFor(cfg, timeoutMs);
  try {
    const r = await engine.request('GET', '/version');
    let v: { Version?: unknown; ApiVersion?: unknown } = {};
    try {
      v = JSON.parse(r.body.toString('utf8')) as typeof v;
    } catch { /* not JSON: said below */ }
    if (r.status !== 200 || typeof v.Version !== 'string' || typeof v.ApiVersion !== 'string') {
      return { ok: false, message: `${cfg.engineUrl} answered, but not as a Docker engine (HTTP ${r.status} for /v1.41/version); check the URL and port`, version: null, apiVersion: null };
    }
    return { ok: true, message: `Connected to Docker Engine v${v.Version} (API v${v.ApiVersion})`, version: v.Version, apiVersion: v.ApiVersion };
  } catch (e) {
    return { ok: false, message: e instanceof EngineError ? e.message : `cannot reach the Docker engine at ${cfg.engineUrl}: ${(e as Error).message}`, version: null, apiVersion: null };
  }
}

/**
 * The NodeProvider of a Docker cloud: kubernetes agents become pods on its engine (named
 * templates by `inheritFrom` or `label`), at most `concurrencyCap` at once (waiting in `o.slots`,
 * the host's wait list). `agentEnv` is what a
 * controller gives the injected agent (KILN_URL, KILN_SECRET, KILN_AGENT_NAME, KILN_AGENT_WORKDIR).
 */
export function dockerCloudNodes(base: NodeProvider, cfg: DockerCloudConfig, o: Omit<DockerPodOptions, 'engine' | 'agentImage' | 'concurrencyCap' | 'templates' | 'cloudName' | 'slots'> & { slots: Slots }): NodeProvider {
  return withDockerPods(base, {
    ...o, engine: engineFor(cfg), agentImage: cfg.defaultAgentImage, concurrencyCap: cfg.concurrencyCap, templates: cfg.podTemplates, cloudName: cfg.name,
  });
}
