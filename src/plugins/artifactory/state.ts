// What the Artifactory steps of one build share (the build's scope state 'artifactory'): the
// servers rtServer / Artifactory.newServer defined, and the build infos rtUpload / rtDownload
// collect into (one per build name and number), until rtPublishBuildInfo sends one. Kept in
// memory only: after a controller restart rtServer and rtBuildInfo run again (replayRuns), but
// what uploads before the restart collected is not in the build info any more.
//
// buildInfoJson makes the JSON the plugin PUTs to /api/build (build-info 1.0.1): name, number,
// started, durationMillis, agent / buildAgent, url, modules (artifacts and dependencies with
// their checksums; a Docker module also its repository and properties), properties (buildInfo.env.* when captureEnv, without the variables whose
// names look like secrets), buildRetention. No credential is ever in it.
import type { BuildScope } from '../../pipeline/plugin.ts';
import { wildcardRegex } from './spec.ts';

export interface ServerDef {
  id: string;
  url: string;
  credentialsId: string;
  username: string;
  password: string;
  /** Seconds per request (the plugin's default 300). */
  timeout: number;
  connectionRetry: number;
}

export interface Artifact { name: string; type: string; path: string; sha1: string; sha256: string; md5: string; originalDeploymentRepo: string }
export interface Dependency { id: string; type: string; sha1: string; sha256: string; md5: string }

/** A build info module; `repository` and `properties` as a Docker module has them (docker.ts). */
export interface Module { type: string; artifacts: Map<string, Artifact>; dependencies: Map<string, Dependency>; repository?: string; properties?: Record<string, string> }

export interface BuildRec {
  name: string;
  number: string;
  started: number;
  project: string;
  modules: Map<string, Module>;
  captureEnv: boolean;
  include: string[];
  exclude: string[];
  env: Record<string, string>;
  retention: { count: number; minimumBuildDate: number | null; deleteBuildArtifacts: boolean; buildNumbersNotToBeDiscarded: string[] } | null;
}

export interface ArtState {
  servers: Map<string, ServerDef>;
  builds: Map<string, BuildRec>;
  seq: number;
}

export const stateOf = (scope: BuildScope): ArtState => scope.state<ArtState>('artifactory', () => ({ servers: new Map(), builds: new Map(), seq: 0 }));

/** The plugin's default build name: the job's full name with '/' as ' :: '. */
export const defaultBuildName = (job: string): string => job.split('/').join(' :: ');

export function buildRec(st: ArtState, name: string, number: string, started = Date.now()): BuildRec {
  const key = `${name}\n${number}`;
  let r = st.builds.get(key);
  if (!r) {
    r = { name, number, started, project: '', modules: new Map(), captureEnv: false, include: ['*'], exclude: [], env: {}, retention: null };
    st.builds.set(key, r);
  }
  return r;
}

export function moduleOf(r: BuildRec, id: string, type = 'generic'): Module {
  let m = r.modules.get(id);
  if (!m) { m = { type, artifacts: new Map(), dependencies: new Map() }; r.modules.set(id, m); }
  return m;
}

/** Always left out of a captured environment, whatever the include patterns say (the plugin's default excludes). */
export const SECRET_NAMES = ['*password*', '*psw*', '*secret*', '*key*', '*token*', '*auth*', '*credential*', '*passphrase*'];

const globRe = (p: string) => new RegExp(`^${wildcardRegex(p.trim())}$`, 'i');

/** Collects `env` into the build info when it captures the environment. */
export function captureEnv(r: BuildRec, env: Readonly<Record<string, string>>): void {
  if (!r.captureEnv) return;
  const inc = r.include.filter((x) => x.trim()).map(globRe);
  const exc = [...r.exclude, ...SECRET_NAMES].filter((x) => x.trim()).map(globRe);
  for (const [k, v] of Object.entries(env)) {
    if (!inc.some((re) => re.test(k)) || exc.some((re) => re.test(k))) continue;
    r.env[k] = v;
  }
}

/** Artifactory's date format: 2026-12-07T03:35:56.000+0000. */
export function artDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function buildInfoJson(r: BuildRec, o: { url: string; kilnVersion: string; now: number; principal: string }): Record<string, unknown> {
  const properties: Record<string, string> = {};
  for (const k of Object.keys(r.env).sort()) properties[`buildInfo.env.${k}`] = r.env[k]!;
  return {
    version: '1.0.1',
    name: r.name,
    number: r.number,
    type: 'GENERIC',
    agent: { name: 'Kiln', ...(o.kilnVersion ? { version: o.kilnVersion } : {}) },
    buildAgent: { name: 'Pipeline', ...(o.kilnVersion ? { version: o.kilnVersion } : {}) },
    started: artDate(r.started),
    startedMillis: r.started,
    durationMillis: Math.max(0, o.now - r.started),
    ...(o.principal ? { principal: o.principal } : {}),
    ...(o.url ? { url: o.url } : {}),
    vcs: [],
    modules: [...r.modules].map(([id, m]) => ({
      type: m.type,
      id,
      ...(m.repository ? { repository: m.repository } : {}),
      ...(m.properties ? { properties: m.properties } : {}),
      artifacts: [...m.artifacts.values()],
      dependencies: [...m.dependencies.values()],
    })),
    properties,
    ...(r.retention ? { buildRetention: r.retention } : {}),
  };
}
