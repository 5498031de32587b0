// meta.k8s.io/v1 Table answers (what `kubectl get` asks for with `Accept: ...;as=Table`), with the
// columns the real server prints for pods, deployments, replicasets, events; NAME/AGE otherwise.
import { asList, asObj } from './cluster.ts';
import type { JsonObject, KObject, ResourceDef } from './objects.ts';
import type { ContainerStatus } from './pods.ts';

type Col = { name: string; type: string; format?: string; description: string; priority: number };
const col = (name: string, type = 'string', priority = 0, format?: string): Col => ({ name, type, ...(format ? { format } : {}), description: name, priority });

function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

/** The STATUS column of `kubectl get pods`, computed as the server's printer does. */
export function podStatusText(p: KObject): string {
  const s = asObj(p.status);
  let reason = typeof s.reason === 'string' && s.reason ? s.reason : String(s.phase ?? 'Pending');
  const inits = asList(s.initContainerStatuses) as ContainerStatus[];
  let initializing = false;
  inits.forEach((c, i) => {
    if (initializing) return;
    if ('terminated' in c.state && c.state.terminated.exitCode === 0) return;
    initializing = true;
    if ('terminated' in c.state) reason = c.state.terminated.reason ? `Init:${c.state.terminated.reason}` : `Init:ExitCode:${c.state.terminated.exitCode}`;
    else if ('waiting' in c.state && c.state.waiting.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${inits.length}`;
  });
  if (!initializing) {
    let running = false;
    for (const c of [...(asList(s.containerStatuses) as ContainerStatus[])].reverse()) {
      if ('waiting' in c.state && c.state.waiting.reason) reason = c.state.waiting.reason;
      else if ('terminated' in c.state && c.state.terminated.reason) reason = c.state.terminated.reason;
      else if ('terminated' in c.state) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if ('running' in c.state && c.ready) running = true;
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  if (p.metadata.deletionTimestamp) reason = s.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function rowCells(def: ResourceDef, o: KObject): [Col[], (string | number)[]] {
  const name = o.metadata.name ?? '';
  const created = age(o.metadata.creationTimestamp);
  switch (def.resource) {
    case 'pods': {
      const s = asObj(o.status);
      const cs = asList(s.containerStatuses) as ContainerStatus[];
      const total = asList(asObj(o.spec).containers).length;
      const ready = cs.filter((c) => c.ready).length;
      const restarts = cs.reduce((n, c) => n + c.restartCount, 0);
      return [
        [col('Name', 'string', 0, 'name'), col('Ready'), col('Status'), col('Restarts', 'string'), col('Age'), col('IP', 'string', 1), col('Node', 'string', 1)],
        [name, `${ready}/${total}`, podStatusText(o), String(restarts), created, String(s.podIP ?? '<none>'), String(asObj(o.spec).nodeName ?? '<none>')],
      ];
    }
    case 'deployments': {
      const s = asObj(o.status);
      const replicas = Number(asObj(o.spec).replicas ?? 1);
      return [
        [col('Name', 'string', 0, 'name'), col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age')],
        [name, `${Number(s.readyReplicas ?? 0)}/${replicas}`, Number(s.updatedReplicas ?? 0), Number(s.availableReplicas ?? 0), created],
      ];
    }
    case 'replicasets': {
      const s = asObj(o.status);
      return [
        [col('Name', 'string', 0, 'name'), col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Age')],
        [name, Number(asObj(o.spec).replicas ?? 0), Number(s.replicas ?? 0), Number(s.readyReplicas ?? 0), created],
      ];
    }
    case 'events': {
      const io = asObj(o.involvedObject);
      return [
        [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
        [age(String(o.lastTimestamp ?? o.metadata.creationTimestamp)), String(o.type ?? ''), String(o.reason ?? ''), `${String(io.kind ?? '').toLowerCase()}/${String(io.name ?? '')}`, String(o.message ?? '')],
      ];
    }
    case 'namespaces':
      return [[col('Name', 'string', 0, 'name'), col('Status'), col('Age')], [name, String(asObj(o.status).phase ?? 'Active'), created]];
    case 'secrets':
      return [[col('Name', 'string', 0, 'name'), col('Type'), col('Data', 'string'), col('Age')], [name, String(o.type ?? 'Opaque'), String(Object.keys(asObj(o.data)).length), created]];
    default:
      return [[col('Name', 'string', 0, 'name'), col('Age')], [name, created]];
  }
}

export function tableFor(def: ResourceDef, items: KObject[], rv: string, include: 'None' | 'Metadata' | 'Object'): JsonObject {
  const first = rowCells(def, items[0] ?? { metadata: {} })[0];
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: rv },
    columnDefinitions: first as unknown as JsonObject[],
    rows: items.map((o) => {
      const object = include === 'Object' ? o : include === 'Metadata'
        ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }
        : null;
      return { cells: rowCells(def, o)[1], object } as unknown as JsonObject;
    }),
  };
}
