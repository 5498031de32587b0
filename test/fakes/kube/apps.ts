// A small deployment controller: each new pod template of a Deployment gets its ReplicaSet
// (`<name>-<hash>`, pod-template-hash label, owner reference, deployment.kubernetes.io/revision),
// going back to an earlier template reuses its ReplicaSet with a new revision (so `kubectl
// rollout undo` works), older ReplicaSets are scaled to 0. The status is the test's to drive
// (setDeploymentStatus), or completes at once with `deployments: 'complete'`. No pods are run.
import { createHash } from 'node:crypto';
import { Cluster, apps, asList, asObj, now } from './cluster.ts';
import { clone, type KObject } from './objects.ts';

export interface DeploymentStatusInput {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string }[];
}

const HASH_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
function templateHash(template: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(template)).digest();
  return [...h.subarray(0, 10)].map((b) => HASH_CHARS[b % HASH_CHARS.length]).join('');
}

export class DeploymentController {
  readonly cluster: Cluster;
  mode: 'manual' | 'complete';

  constructor(cluster: Cluster, mode: 'manual' | 'complete') {
    this.cluster = cluster;
    this.mode = mode;
    cluster.hooks.deploymentChanged = (d) => this.#sync(d);
  }

  #owned(d: KObject): KObject[] {
    return this.cluster.list(apps('replicasets'), d.metadata.namespace!).filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
  }

  #sync(d: KObject): void {
    const ns = d.metadata.namespace!;
    const spec = asObj(d.spec);
    const template = clone(asObj(spec.template));
    const meta = asObj(template.metadata);
    delete meta.creationTimestamp;
    const hash = templateHash(template);
    const owned = this.#owned(d);
    const revisions = owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
    const next = String(Math.max(0, ...revisions) + 1);
    const replicas = Number(spec.replicas ?? 1);
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    let revision: string;
    if (current) {
      const isLatest = Number(current.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) === Math.max(0, ...revisions);
      revision = isLatest ? current.metadata.annotations!['deployment.kubernetes.io/revision']! : next;
      current = this.cluster.mutate(apps('replicasets'), ns, current.metadata.name!, (rs) => {
        rs.metadata.annotations = { ...rs.metadata.annotations, 'deployment.kubernetes.io/revision': revision };
        asObj(rs.spec).replicas = replicas;
      });
    } else {
      revision = next;
      const labels = { ...(meta.labels as Record<string, string> | undefined), 'pod-template-hash': hash };
      const rsTemplate = clone(template);
      asObj(rsTemplate.metadata).labels = labels;
      const selector = clone(asObj(spec.selector));
      selector.matchLabels = { ...asObj(selector.matchLabels), 'pod-template-hash': hash };
      current = this.cluster.create(apps('replicasets'), ns, {
        metadata: {
          name: `${d.metadata.name}-${hash}`, namespace: ns, labels,
          annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + 1), 'deployment.kubernetes.io/revision': revision },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas, selector, template: rsTemplate },
      });
    }
    for (const rs of owned) {
      if (rs.metadata.name !== current?.metadata.name && Number(asObj(rs.spec).replicas) !== 0) {
        this.cluster.mutate(apps('replicasets'), ns, rs.metadata.name!, (x) => { asObj(x.spec).replicas = 0; });
      }
    }
    this.cluster.mutate(apps('deployments'), ns, d.metadata.name!, (x) => {
      x.metadata.annotations = { ...x.metadata.annotations, 'deployment.kubernetes.io/revision': revision };
    });
    if (this.mode === 'complete') this.complete(ns, d.metadata.name!);
    else {
      this.setStatus(ns, d.metadata.name!, {
        conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current?.metadata.name}" is progressing.` }],
      });
    }
  }

  /** Merges into the Deployment's status (conditions by type, with transition times), and mirrors counts onto its newest ReplicaSet. */
  setStatus(ns: string, name: string, input: DeploymentStatusInput): KObject {
    const out = this.cluster.mutate(apps('deployments'), ns, name, (d) => {
      const s = asObj(d.status);
      d.status = s;
      for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) {
        if (input[k] !== undefined) s[k] = input[k];
      }
      if (input.conditions) {
        const conds = asList(s.conditions).map(asObj);
        for (const c of input.conditions) {
          const t = now();
          const old = conds.find((x) => x.type === c.type);
          const fresh = { type: c.type, status: c.status, lastUpdateTime: t, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : t, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
          if (old) conds[conds.indexOf(old)] = fresh;
          else conds.push(fresh);
        }
        s.conditions = conds;
      }
    });
    if (!out) throw new Error(`setDeploymentStatus: no deployment ${ns}/${name}`);
    const newest = this.#owned(out).sort((a, b) => Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0))[0];
    if (newest) {
      const s = asObj(out.status);
      this.cluster.mutate(apps('replicasets'), ns, newest.metadata.name!, (rs) => {
        rs.status = {
          replicas: s.updatedReplicas ?? 0, fullyLabeledReplicas: s.updatedReplicas ?? 0, readyReplicas: s.readyReplicas ?? 0,
          availableReplicas: s.availableReplicas ?? 0, observedGeneration: rs.metadata.generation ?? 1,
        };
      });
    }
    return out;
  }

  /** The rollout finished: observedGeneration current, all replicas updated and available, NewReplicaSetAvailable. */
  complete(ns: string, name: string): KObject {
    const d = this.cluster.get(apps('deployments'), ns, name);
    const replicas = Number(asObj(d.spec).replicas ?? 1);
    const rs = `${name}-${templateHash((() => { const t = clone(asObj(asObj(d.spec).template)); delete asObj(t.metadata).creationTimestamp; return t; })())}`;
    return this.setStatus(ns, name, {
      observedGeneration: d.metadata.generation ?? 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs}" has successfully progressed.` },
      ],
    });
  }

  /** The rollout stalled past its deadline: Progressing=False, ProgressDeadlineExceeded. */
  fail(ns: string, name: string, message?: string): KObject {
    const d = this.cluster.get(apps('deployments'), ns, name);
    const rsName = this.#owned(d).sort((a, b) => Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0))[0]?.metadata.name ?? name;
    return this.setStatus(ns, name, {
      observedGeneration: d.metadata.generation ?? 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: message ?? `ReplicaSet "${rsName}" has timed out progressing.` }],
    });
  }
}
