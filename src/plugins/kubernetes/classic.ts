// The kubernetes-plugin's classic podTemplate options (scripted `podTemplate(...)`, with its
// `containerTemplate(...)`, `envVar(...)`, volumes and workspace volumes) turned into the pod they
// stand for, the way the plugin's PodTemplateBuilder builds it, so that the rest of Kiln only
// ever deals with a pod manifest:
//
// - each volume of `volumes` is `volume-<i>` (in order; a second volume at the same mount path is
//   dropped), mounted at its (normalised) mount path in every containerTemplate's container and
//   in the agent container `jnlp`; configMapVolume's subPath goes on the mount;
// - `workspaceVolume` is the volume `workspace-volume` (Kiln mounts it at the work dir);
//   dynamicPVC and genericEphemeralVolume become a generic ephemeral volume: a claim made for
//   the pod and deleted with it (the plugin makes the claim itself; the effect is the same);
// - `envVars` go to every containerTemplate's container and to `jnlp`; a container's own envVars
//   win; secretEnvVar is an env var read from a Secret (`valueFrom.secretKeyRef`);
// - annotations, imagePullSecrets, hostNetwork, schedulerName, runAsUser/runAsGroup/supplementalGroups (the
//   pod's securityContext) go on the pod;
// - containerTemplate: command and args split as the plugin splits them (spaces, double quotes
//   group), imagePullPolicy IfNotPresent (Always with alwaysPullImage), resources incl.
//   ephemeral-storage, ports (portMapping), an exec livenessProbe, securityContext.
//
// The result is merged over the template's YAML with the template's fields winning (the plugin's
// combine(yaml, fields)). Plain data in and out; errors are StepFailures naming the option.
import path from 'node:path';
import { StepFailure } from '../../core/errors.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import type { Json, Obj } from './podspec.ts';
import { AGENT_CONTAINER, WORKSPACE_VOLUME } from './podspec.ts';

type Get = (k: string) => Value | undefined;

const symbolOf = (v: Value): string | null => (isMap(v) ? String(v.get('$symbol') ?? '') || null : null);
const getter = (v: Value): Get => (k) => (isMap(v) ? v.get(k) : undefined);
function text(get: Get, k: string): string | null {
  const x = get(k);
  return x === undefined || x === null || x === '' ? null : String(x);
}
function int(get: Get, k: string, where: string): number | null {
  const x = get(k);
  if (x === undefined || x === null || x === '') return null;
  const n = Number(String(x));
  if (!Number.isInteger(n)) throw new StepFailure(`${where}: ${k} must be a whole number, got '${String(x)}'`);
  return n;
}
function need(get: Get, k: string, where: string): string {
  const x = text(get, k);
  if (x === null) throw new StepFailure(`${where} needs ${k}`);
  return x;
}
const bool = (get: Get, k: string) => get(k) === true || get(k) === 'true';
function entries(v: Value | undefined, what: string): Value[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new StepFailure(`podTemplate: ${what} takes a list [...], got ${String(v)}`);
  return v;
}

/** A command line split as the plugin splits it: on spaces, double quotes grouping (and dropped). */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  for (const m of line.trim().matchAll(/([^"]\S*|".+?")\s*/g)) out.push(m[1]!.replace(/"/g, ''));
  return out;
}

/** envVar / podEnvVar / containerEnvVar / secretEnvVar(...) → a container env entry. */
export function envOf(v: Value): Obj {
  const sym = symbolOf(v) ?? 'envVar';
  const get = getter(v);
  if (!isMap(v)) throw new StepFailure(`podTemplate: envVars takes envVar(key: ..., value: ...) or secretEnvVar(key: ..., secretName: ..., secretKey: ...) entries, got ${String(v)}`);
  const key = need(get, 'key', sym);
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) throw new StepFailure(`${sym}: '${key}' is not a valid environment variable name`);
  if (sym === 'secretEnvVar' || sym === 'containerSecretEnvVar' || sym === 'podSecretEnvVar') {
    const ref: Obj = { name: need(get, 'secretName', sym), key: need(get, 'secretKey', sym) };
    if (bool(get, 'optional')) ref.optional = true;
    return { name: key, valueFrom: { secretKeyRef: ref } };
  }
  if (!['envVar', 'podEnvVar', 'containerEnvVar'].includes(sym)) throw new StepFailure(`podTemplate: envVars takes envVar(...) or secretEnvVar(...), not ${sym}(...)`);
  return { name: key, value: text(get, 'value') ?? '' };
}

/** Entries merged by name, later ones winning (in the place of the first). */
function byName(list: Obj[]): Obj[] {
  const out: Obj[] = [];
  for (const e of list) {
    const i = out.findIndex((x) => x.name === e.name);
    if (i < 0) out.push(e);
    else out[i] = e;
  }
  return out;
}

function mountPathOf(get: Get, where: string): string {
  const p = need(get, 'mountPath', where);
  if (!p.startsWith('/')) throw new StepFailure(`${where}: mountPath must be an absolute path, got '${p}'`);
  return path.posix.normalize(p).replace(/(.)\/$/, '$1');
}

/** One of `volumes`: its volume source, mount path and extra mount fields. */
function volumeOf(v: Value): { source: Obj; mountPath: string; mount: Obj } {
  const sym = symbolOf(v);
  const get = getter(v);
  if (!sym) throw new StepFailure(`podTemplate: volumes takes entries like emptyDirVolume(mountPath: '/cache'), got ${String(v)}`);
  const mountPath = mountPathOf(get, sym);
  switch (sym) {
    case 'emptyDirVolume':
      return { source: { emptyDir: bool(get, 'memory') ? { medium: 'Memory' } : {} }, mountPath, mount: {} };
    case 'hostPathVolume':
      return { source: { hostPath: { path: need(get, 'hostPath', sym) } }, mountPath, mount: {} };
    case 'persistentVolumeClaim':
      return { source: { persistentVolumeClaim: { claimName: need(get, 'claimName', sym), readOnly: bool(get, 'readOnly') } }, mountPath, mount: {} };
    case 'configMapVolume': {
      const cm: Obj = { name: need(get, 'configMapName', sym) };
      if (bool(get, 'optional')) cm.optional = true;
      const sub = text(get, 'subPath');
      return { source: { configMap: cm }, mountPath, mount: sub ? { subPath: path.posix.normalize(sub) } : {} };
    }
    case 'secretVolume': {
      const s: Obj = { secretName: need(get, 'secretName', sym) };
      const mode = text(get, 'defaultMode');
      if (mode) {
        if (!/^[0-7]{1,4}$/.test(mode)) throw new StepFailure(`secretVolume: defaultMode is an octal mode like '0644', got '${mode}'`);
        s.defaultMode = parseInt(mode, 8);
      }
      if (bool(get, 'optional')) s.optional = true;
      return { source: { secret: s }, mountPath, mount: {} };
    }
    case 'nfsVolume':
      return { source: { nfs: { server: need(get, 'serverAddress', sym), path: need(get, 'serverPath', sym), readOnly: bool(get, 'readOnly') } }, mountPath, mount: {} };
    case 'dynamicPVC':
      // A claim made for the pod and deleted with it (a generic ephemeral volume, as the workspace's).
      return { source: workspaceVolumeOf(v), mountPath, mount: {} };
    default:
      throw new StepFailure(`podTemplate: volumes does not take ${sym}(...); it takes emptyDirVolume, hostPathVolume, persistentVolumeClaim, configMapVolume, secretVolume, nfsVolume, dynamicPVC`);
  }
}

/** `workspaceVolume: ...` → the source of the volume `workspace-volume`. */
export function workspaceVolumeOf(v: Value): Obj {
  const sym = symbolOf(v);
  const get = getter(v);
  switch (sym) {
    case 'emptyDirWorkspaceVolume':
      return { emptyDir: bool(get, 'memory') ? { medium: 'Memory' } : {} };
    case 'hostPathWorkspaceVolume':
      return { hostPath: { path: need(get, 'hostPath', sym) } };
    case 'persistentVolumeClaimWorkspaceVolume':
      return { persistentVolumeClaim: { claimName: need(get, 'claimName', sym), readOnly: bool(get, 'readOnly') } };
    case 'nfsWorkspaceVolume':
      return { nfs: { server: need(get, 'serverAddress', sym), path: need(get, 'serverPath', sym), readOnly: bool(get, 'readOnly') } };
    case 'dynamicPVC':
    case 'genericEphemeralVolume': {
      const spec: Obj = {
        accessModes: [text(get, 'accessModes') ?? 'ReadWriteOnce'],
        resources: { requests: { storage: text(get, 'requestsSize') ?? '10Gi' } },
      };
      const sc = text(get, 'storageClassName');
      if (sc) spec.storageClassName = sc;
      return { ephemeral: { volumeClaimTemplate: { spec } } };
    }
    default:
      throw new StepFailure(`podTemplate: workspaceVolume takes emptyDirWorkspaceVolume(), dynamicPVC(...), persistentVolumeClaimWorkspaceVolume(...), hostPathWorkspaceVolume(...), nfsWorkspaceVolume(...) or genericEphemeralVolume(...), got ${String(v)}`);
  }
}

/** containerTemplate(...) → a pod spec container (the pod's envVars and volume mounts given). */
export function containerOf(v: Value, podEnv: Obj[], mounts: Obj[]): Obj {
  if (!isMap(v) || (symbolOf(v) ?? 'containerTemplate') !== 'containerTemplate') throw new StepFailure(`podTemplate: containers takes containerTemplate(name: ..., image: ...) entries, got ${String(v)}`);
  const get = getter(v);
  const name = text(get, 'name');
  const image = text(get, 'image');
  if (!name || !image) throw new StepFailure('podTemplate: containerTemplate needs a name and an image');
  const where = `containerTemplate '${name}'`;
  const c: Obj = { name, image, imagePullPolicy: bool(get, 'alwaysPullImage') ? 'Always' : 'IfNotPresent' };
  const sc: Obj = {};
  if (bool(get, 'privileged')) sc.privileged = true;
  const uid = int(get, 'runAsUser', where);
  const gid = int(get, 'runAsGroup', where);
  if (uid !== null) sc.runAsUser = uid;
  if (gid !== null) sc.runAsGroup = gid;
  if (Object.keys(sc).length) c.securityContext = sc;
  const wd = text(get, 'workingDir');
  if (wd) c.workingDir = wd;
  if (mounts.length) c.volumeMounts = mounts.map((m) => ({ ...m }));
  const env = byName([...podEnv, ...entries(get('envVars'), `containerTemplate '${name}' envVars`).map(envOf)]);
  if (env.length) c.env = env;
  const ports = entries(get('ports'), `containerTemplate '${name}' ports`).map((p) => {
    const pg = getter(p);
    if (symbolOf(p) !== 'portMapping') throw new StepFailure(`${where}: ports takes portMapping(name: ..., containerPort: ...) entries`);
    const port: Obj = {};
    const pn = text(pg, 'name');
    if (pn) port.name = pn;
    const cp = int(pg, 'containerPort', 'portMapping');
    if (cp === null) throw new StepFailure('portMapping needs containerPort');
    port.containerPort = cp;
    const hp = int(pg, 'hostPort', 'portMapping');
    if (hp !== null) port.hostPort = hp;
    return port;
  });
  if (ports.length) c.ports = ports;
  const command = text(get, 'command');
  if (command) c.command = splitCommand(command);
  const args = text(get, 'args');
  if (args) c.args = splitCommand(args);
  const probe = get('livenessProbe');
  if (probe !== undefined && probe !== null) {
    const pg = getter(probe);
    if (symbolOf(probe) !== 'containerLivenessProbe') throw new StepFailure(`${where}: livenessProbe takes containerLivenessProbe(execArgs: ..., ...)`);
    const exec = text(pg, 'execArgs');
    if (exec) {
      const p: Obj = { exec: { command: splitCommand(exec) } };
      for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'failureThreshold', 'periodSeconds', 'successThreshold']) {
        const n = int(pg, k, 'containerLivenessProbe');
        if (n !== null) p[k] = n;
      }
      c.livenessProbe = p;
    }
  }
  if (bool(get, 'ttyEnabled')) c.tty = true;
  const res = (kind: 'Request' | 'Limit') => {
    const r: Obj = {};
    const cpu = text(get, `resource${kind}Cpu`);
    const mem = text(get, `resource${kind}Memory`);
    const eph = text(get, `resource${kind}EphemeralStorage`);
    if (cpu) r.cpu = cpu;
    if (mem) r.memory = mem;
    if (eph) r['ephemeral-storage'] = eph;
    return r;
  };
  const requests = res('Request');
  const limits = res('Limit');
  if (Object.keys(requests).length || Object.keys(limits).length) {
    c.resources = { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
  }
  return c;
}

/** The options of a podTemplate(...) call that make the pod (not how it is provisioned). */
export const POD_OPTIONS = ['containers', 'envVars', 'volumes', 'workspaceVolume', 'annotations', 'imagePullSecrets', 'hostNetwork', 'schedulerName', 'runAsUser', 'runAsGroup', 'supplementalGroups'] as const;

/**
 * podTemplate(...)'s classic options → the pod they make; null when none is given. Volumes are
 * numbered from `firstVolume` (a nested template's go on after its outer template's).
 */
export function classicPod(get: Get, firstVolume = 0): Obj | null {
  if (POD_OPTIONS.every((k) => get(k) === undefined || get(k) === null)) return null;
  const podEnv = byName(entries(get('envVars'), 'envVars').map(envOf));
  const volumes: Obj[] = [];
  const mounts: Obj[] = [];
  for (const v of entries(get('volumes'), 'volumes')) {
    const { source, mountPath, mount } = volumeOf(v);
    if (mounts.some((m) => m.mountPath === mountPath)) continue;
    const name = `volume-${firstVolume + volumes.length}`;
    volumes.push({ name, ...source });
    mounts.push({ name, mountPath, readOnly: false, ...mount });
  }
  const ws = get('workspaceVolume');
  if (ws !== undefined && ws !== null) volumes.push({ name: WORKSPACE_VOLUME, ...workspaceVolumeOf(ws) });
  const containers = entries(get('containers'), 'containers').map((c) => containerOf(c, podEnv, mounts));
  const names = containers.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new StepFailure(`podTemplate: two containerTemplates are named '${String(dup)}'`);
  // The agent container gets the pod's env and volumes too (unless a containerTemplate is it).
  if (!names.includes(AGENT_CONTAINER) && (podEnv.length || mounts.length)) {
    const jnlp: Obj = { name: AGENT_CONTAINER };
    if (mounts.length) jnlp.volumeMounts = mounts.map((m) => ({ ...m }));
    if (podEnv.length) jnlp.env = podEnv;
    containers.push(jnlp);
  }
  const metadata: Obj = {};
  const annotations: Obj = {};
  for (const a of entries(get('annotations'), 'annotations')) {
    if (symbolOf(a) !== 'podAnnotation') throw new StepFailure(`podTemplate: annotations takes podAnnotation(key: ..., value: ...) entries, got ${String(a)}`);
    annotations[need(getter(a), 'key', 'podAnnotation')] = text(getter(a), 'value') ?? '';
  }
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  const spec: Obj = {};
  if (containers.length) spec.containers = containers;
  if (volumes.length) spec.volumes = volumes;
  const pullSecrets = entries(get('imagePullSecrets'), 'imagePullSecrets').map((s) => {
    const n = isMap(s) ? text(getter(s), 'name') : s === null ? null : String(s);
    if (!n) throw new StepFailure('podTemplate: imagePullSecrets takes names of Secrets');
    return { name: n } as Json;
  });
  if (pullSecrets.length) spec.imagePullSecrets = pullSecrets;
  const sc: Obj = {};
  const uid = int(get, 'runAsUser', 'podTemplate');
  const gid = int(get, 'runAsGroup', 'podTemplate');
  if (uid !== null) sc.runAsUser = uid;
  if (gid !== null) sc.runAsGroup = gid;
  const groups = text(get, 'supplementalGroups');
  if (groups !== null) {
    sc.supplementalGroups = groups.split(',').map((x) => x.trim()).filter(Boolean).map((x) => {
      if (!/^\d+$/.test(x)) throw new StepFailure(`podTemplate: supplementalGroups is a comma-separated list of group ids, got '${groups}'`);
      return Number(x);
    });
  }
  if (Object.keys(sc).length) spec.securityContext = sc;
  const hn = get('hostNetwork');
  if (hn !== undefined && hn !== null) spec.hostNetwork = hn === true || hn === 'true';
  // schedulerName: the scheduler that places the pod ('' = the cluster's default, as the plugin's fixEmpty).
  const scheduler = text(get, 'schedulerName');
  if (scheduler !== null && scheduler !== '') spec.schedulerName = scheduler;
  return { ...(Object.keys(metadata).length ? { metadata } : {}), spec };
}
