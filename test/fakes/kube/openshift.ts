// The OpenShift resources of the fake API server, as far as the OpenShift Pipeline plugin's steps
// use them (src/plugins/openshift/rest.ts):
// - POST buildconfigs/NAME/instantiate (a BuildRequest): bumps status.lastVersion and creates the
//   Build NAME-N (labels openshift.io/build-config.name and buildconfig, annotation
//   openshift.io/build.number, status.phase New); its phase is the test's to drive (setBuildPhase).
// - POST deploymentconfigs/NAME/instantiate (a DeploymentRequest): bumps status.latestVersion and
//   creates the ReplicationController NAME-N (annotations openshift.io/deployment-config.name,
//   .latest-version, openshift.io/deployment.phase Complete, its replicas all ready at once).
// - openShiftController(kube): scaling a DeploymentConfig (scale subresource or spec.replicas)
//   scales its latest ReplicationController, which reports the replicas ready at once.
import type { Cluster } from './cluster.ts';
import { asObj } from './cluster.ts';
import { errors, findResource, type KObject, type ResourceDef } from './objects.ts';

export const os = {
  dc: () => findResource('apps.openshift.io', 'v1', 'deploymentconfigs')!,
  bc: () => findResource('build.openshift.io', 'v1', 'buildconfigs')!,
  build: () => findResource('build.openshift.io', 'v1', 'builds')!,
  rc: () => findResource('', 'v1', 'replicationcontrollers')!,
};

function rcStatus(replicas: number) {
  return { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 };
}

export function instantiate(cluster: Cluster, def: ResourceDef, ns: string, name: string, body: unknown): KObject {
  const req = asObj(body);
  if (def.resource === 'buildconfigs') {
    if (req.kind !== undefined && req.kind !== 'BuildRequest') throw errors.badRequest(`instantiate takes a BuildRequest, not ${String(req.kind)}`);
    const bc = cluster.get(def, ns, name);
    const n = Number(asObj(bc.status).lastVersion ?? 0) + 1;
    cluster.mutate(def, ns, name, (o) => { o.status = { ...asObj(o.status), lastVersion: n }; });
    const env = asObj(asObj(asObj(bc.spec).strategy).sourceStrategy).env;
    return cluster.create(os.build(), ns, {
      metadata: {
        name: `${name}-${n}`, labels: { 'openshift.io/build-config.name': name, buildconfig: name },
        annotations: { 'openshift.io/build.number': String(n), 'openshift.io/build-config.name': name },
      },
      spec: { ...asObj(bc.spec), triggeredBy: [{ message: 'Manually triggered' }], ...(req.env ? { env: req.env } : env ? { env } : {}), ...(req.revision ? { revision: req.revision } : {}) },
      status: { phase: 'New', config: { kind: 'BuildConfig', namespace: ns, name } },
    });
  }
  if (def.resource === 'deploymentconfigs') {
    if (req.kind !== undefined && req.kind !== 'DeploymentRequest') throw errors.badRequest(`instantiate takes a DeploymentRequest, not ${String(req.kind)}`);
    const dc = cluster.get(def, ns, name);
    const v = Number(asObj(dc.status).latestVersion ?? 0) + 1;
    const replicas = Number(asObj(dc.spec).replicas ?? 1);
    const rcName = `${name}-${v}`;
    cluster.create(os.rc(), ns, {
      metadata: {
        name: rcName, labels: { 'openshift.io/deployment-config.name': name },
        annotations: { 'openshift.io/deployment-config.name': name, 'openshift.io/deployment-config.latest-version': String(v), 'openshift.io/deployment.phase': 'Complete' },
      },
      spec: { replicas, selector: asObj(dc.spec).selector ?? {}, template: asObj(dc.spec).template ?? {} },
    });
    cluster.mutate(os.rc(), ns, rcName, (o) => { o.status = rcStatus(replicas); });
    return cluster.mutate(def, ns, name, (o) => { o.status = { ...asObj(o.status), latestVersion: v, replicas, readyReplicas: replicas, availableReplicas: replicas }; })!;
  }
  throw errors.pathNotFound();
}

/** A DeploymentConfig scaled: its latest ReplicationController follows, with every replica ready. */
export function openShiftController(cluster: Cluster): () => void {
  return cluster.store.subscribe({
    key: 'apps.openshift.io/deploymentconfigs', namespace: null,
    send: (c) => {
      if (c.type !== 'MODIFIED') return;
      const want = Number(asObj(c.object.spec).replicas ?? 1);
      if (want === Number(asObj(c.prev?.spec).replicas ?? 1)) return;
      const ns = c.object.metadata.namespace!;
      const v = Number(asObj(c.object.status).latestVersion ?? 0);
      if (v === 0) return;
      queueMicrotask(() => {
        const rcName = `${c.object.metadata.name}-${v}`;
        cluster.mutate(os.rc(), ns, rcName, (o) => { o.spec = { ...asObj(o.spec), replicas: want }; o.status = rcStatus(want); });
        cluster.mutate(os.dc(), ns, c.object.metadata.name!, (o) => { o.status = { ...asObj(o.status), replicas: want, readyReplicas: want, availableReplicas: want }; });
      });
    },
  });
}

/** Sets a Build's phase (New, Pending, Running, Complete, Failed, Cancelled), as the build controller would. */
export function setBuildPhase(cluster: Cluster, ns: string, name: string, phase: string, message?: string): void {
  cluster.mutate(os.build(), ns, name, (o) => { o.status = { ...asObj(o.status), phase, ...(message ? { message } : {}) }; });
}
