// The fields of the kinds Kiln writes (Pod, Deployment, ReplicaSet, Secret, ConfigMap, Namespace),
// so the fake decodes a body as the API server does: a value of the wrong type is a 400
// ("cannot be handled as a Pod: json: cannot unmarshal ..."), an unknown field is dropped with a
// Warning header (fieldValidation Warn, the default), refused with fieldValidation=Strict
// ("strict decoding error: unknown field ...") or dropped silently with Ignore. Generated pods
// with a misspelled or misplaced field fail here as they would on a cluster.
import { errors, isPlainObject } from './objects.ts';

type T = 'str' | 'int' | 'bool' | 'num' | 'map' | 'qmap' | 'any' | 'intstr' | S | [T];
interface S { [field: string]: T }

const L = (t: T): [T] => [t];

const objectMeta: S = {
  annotations: 'map', creationTimestamp: 'any', deletionGracePeriodSeconds: 'int', deletionTimestamp: 'any', finalizers: L('str'),
  generateName: 'str', generation: 'int', labels: 'map', managedFields: L('any'), name: 'str', namespace: 'str',
  ownerReferences: L({ apiVersion: 'str', blockOwnerDeletion: 'bool', controller: 'bool', kind: 'str', name: 'str', uid: 'str' }),
  resourceVersion: 'str', selfLink: 'str', uid: 'str',
};
const keyRef: S = { key: 'str', name: 'str', optional: 'bool' };
const envVar: S = {
  name: 'str', value: 'str',
  valueFrom: { configMapKeyRef: keyRef, secretKeyRef: keyRef, fieldRef: { apiVersion: 'str', fieldPath: 'str' }, resourceFieldRef: { containerName: 'str', divisor: 'intstr', resource: 'str' } },
};
const seLinux: S = { level: 'str', role: 'str', type: 'str', user: 'str' };
const profile: S = { localhostProfile: 'str', type: 'str' };
const windows: S = { gmsaCredentialSpec: 'str', gmsaCredentialSpecName: 'str', hostProcess: 'bool', runAsUserName: 'str' };
const securityContext: S = {
  allowPrivilegeEscalation: 'bool', appArmorProfile: profile, capabilities: { add: L('str'), drop: L('str') }, privileged: 'bool', procMount: 'str',
  readOnlyRootFilesystem: 'bool', runAsGroup: 'int', runAsNonRoot: 'bool', runAsUser: 'int', seLinuxOptions: seLinux, seccompProfile: profile, windowsOptions: windows,
};
const podSecurityContext: S = {
  appArmorProfile: profile, fsGroup: 'int', fsGroupChangePolicy: 'str', runAsGroup: 'int', runAsNonRoot: 'bool', runAsUser: 'int', seLinuxChangePolicy: 'str',
  seLinuxOptions: seLinux, seccompProfile: profile, supplementalGroups: L('int'), supplementalGroupsPolicy: 'str', sysctls: L({ name: 'str', value: 'str' }), windowsOptions: windows,
};
const handler: S = {
  exec: { command: L('str') }, httpGet: { host: 'str', httpHeaders: L({ name: 'str', value: 'str' }), path: 'str', port: 'intstr', scheme: 'str' },
  tcpSocket: { host: 'str', port: 'intstr' }, grpc: { port: 'int', service: 'str' }, sleep: { seconds: 'int' },
};
const probe: S = { ...handler, failureThreshold: 'int', initialDelaySeconds: 'int', periodSeconds: 'int', successThreshold: 'int', terminationGracePeriodSeconds: 'int', timeoutSeconds: 'int' };
const resources: S = { claims: L({ name: 'str', request: 'str' }), limits: 'qmap', requests: 'qmap' };
const container: S = {
  args: L('str'), command: L('str'), env: L(envVar),
  envFrom: L({ configMapRef: { name: 'str', optional: 'bool' }, prefix: 'str', secretRef: { name: 'str', optional: 'bool' } }),
  image: 'str', imagePullPolicy: 'str', lifecycle: { postStart: handler, preStop: handler, stopSignal: 'str' }, livenessProbe: probe, name: 'str',
  ports: L({ containerPort: 'int', hostIP: 'str', hostPort: 'int', name: 'str', protocol: 'str' }), readinessProbe: probe,
  resizePolicy: L({ resourceName: 'str', restartPolicy: 'str' }), resources, restartPolicy: 'str', securityContext, startupProbe: probe,
  stdin: 'bool', stdinOnce: 'bool', terminationMessagePath: 'str', terminationMessagePolicy: 'str', tty: 'bool',
  volumeDevices: L({ devicePath: 'str', name: 'str' }),
  volumeMounts: L({ mountPath: 'str', mountPropagation: 'str', name: 'str', readOnly: 'bool', recursiveReadOnly: 'str', subPath: 'str', subPathExpr: 'str' }),
  workingDir: 'str',
};
const keyToPath = L({ key: 'str', mode: 'int', path: 'str' });
const volume: S = {
  name: 'str',
  emptyDir: { medium: 'str', sizeLimit: 'intstr' },
  secret: { defaultMode: 'int', items: keyToPath, optional: 'bool', secretName: 'str' },
  configMap: { defaultMode: 'int', items: keyToPath, name: 'str', optional: 'bool' },
  hostPath: { path: 'str', type: 'str' },
  persistentVolumeClaim: { claimName: 'str', readOnly: 'bool' },
  projected: { defaultMode: 'int', sources: L('any') }, downwardAPI: 'any', csi: 'any', ephemeral: 'any', nfs: 'any', image: 'any',
  awsElasticBlockStore: 'any', azureDisk: 'any', azureFile: 'any', cephfs: 'any', cinder: 'any', fc: 'any', flexVolume: 'any', flocker: 'any',
  gcePersistentDisk: 'any', gitRepo: 'any', glusterfs: 'any', iscsi: 'any', photonPersistentDisk: 'any', portworxVolume: 'any', quobyte: 'any',
  rbd: 'any', scaleIO: 'any', storageos: 'any', vsphereVolume: 'any',
};
const podSpec: S = {
  activeDeadlineSeconds: 'int', affinity: 'any', automountServiceAccountToken: 'bool', containers: L(container), dnsConfig: 'any', dnsPolicy: 'str',
  enableServiceLinks: 'bool', ephemeralContainers: L('any'), hostAliases: L({ hostnames: L('str'), ip: 'str' }), hostIPC: 'bool', hostNetwork: 'bool',
  hostPID: 'bool', hostUsers: 'bool', hostname: 'str', imagePullSecrets: L({ name: 'str' }), initContainers: L(container), nodeName: 'str',
  nodeSelector: 'map', os: { name: 'str' }, overhead: 'qmap', preemptionPolicy: 'str', priority: 'int', priorityClassName: 'str',
  readinessGates: L({ conditionType: 'str' }), resourceClaims: L('any'), resources, restartPolicy: 'str', runtimeClassName: 'str', schedulerName: 'str',
  schedulingGates: L({ name: 'str' }), securityContext: podSecurityContext, serviceAccount: 'str', serviceAccountName: 'str', setHostnameAsFQDN: 'bool',
  shareProcessNamespace: 'bool', subdomain: 'str', terminationGracePeriodSeconds: 'int',
  tolerations: L({ effect: 'str', key: 'str', operator: 'str', tolerationSeconds: 'int', value: 'str' }), topologySpreadConstraints: L('any'), volumes: L(volume),
};
const template: S = { metadata: objectMeta, spec: podSpec };
const labelSelector: S = { matchExpressions: L({ key: 'str', operator: 'str', values: L('str') }), matchLabels: 'map' };
const top = (more: S): S => ({ apiVersion: 'str', kind: 'str', metadata: objectMeta, ...more });

export const SCHEMAS: Record<string, S> = {
  Pod: top({ spec: podSpec, status: 'any' }),
  Deployment: top({
    spec: {
      minReadySeconds: 'int', paused: 'bool', progressDeadlineSeconds: 'int', replicas: 'int', revisionHistoryLimit: 'int', selector: labelSelector,
      strategy: { type: 'str', rollingUpdate: { maxSurge: 'intstr', maxUnavailable: 'intstr' } }, template,
    },
    status: 'any',
  }),
  ReplicaSet: top({ spec: { minReadySeconds: 'int', replicas: 'int', selector: labelSelector, template }, status: 'any' }),
  Secret: top({ data: 'map', immutable: 'bool', stringData: 'map', type: 'str' }),
  ConfigMap: top({ data: 'map', binaryData: 'map', immutable: 'bool' }),
  Namespace: top({ spec: { finalizers: L('str') }, status: 'any' }),
};

const GO: Record<string, string> = { str: 'string', int: 'int64', num: 'float64', bool: 'bool', map: 'map[string]string', qmap: 'ResourceList', intstr: 'IntOrString' };

/**
 * Checks a body against the kind's fields: throws the server's 400 for a wrong type or (Strict)
 * an unknown field; otherwise removes unknown fields and returns their paths (for the Warning).
 */
export function decodeStrictly(kind: string, body: Record<string, unknown>, validation: string | null): string[] {
  const schema = SCHEMAS[kind];
  if (!schema) return [];
  const unknown: string[] = [];
  const typeErr = (path: string, want: string, got: unknown) => {
    const gotName = Array.isArray(got) ? 'array' : got === null ? 'null' : typeof got === 'object' ? 'object' : typeof got;
    return errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${gotName} into Go struct field ${path} of type ${want}`);
  };
  const walk = (v: unknown, t: T, path: string, shown: string): void => {
    if (v === null || v === undefined || t === 'any') return;
    if (Array.isArray(t)) {
      if (!Array.isArray(v)) throw typeErr(path, `[]${typeof t[0] === 'string' ? GO[t[0]] ?? 'object' : 'object'}`, v);
      v.forEach((x, i) => walk(x, t[0], path, `${shown}[${i}]`));
      return;
    }
    if (typeof t === 'object') {
      if (!isPlainObject(v)) throw typeErr(path, 'object', v);
      for (const k of Object.keys(v)) {
        const sub = t[k];
        if (sub === undefined) {
          unknown.push(shown ? `${shown}.${k}` : k);
          delete v[k];
          continue;
        }
        walk(v[k], sub, path ? `${path}.${k}` : k, shown ? `${shown}.${k}` : k);
      }
      return;
    }
    const ok = t === 'str' ? typeof v === 'string'
      : t === 'int' ? typeof v === 'number' && Number.isInteger(v)
        : t === 'num' ? typeof v === 'number'
          : t === 'bool' ? typeof v === 'boolean'
            : t === 'intstr' ? typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))
              : t === 'qmap' ? isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number')
                : isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string');
    if (!ok) throw typeErr(path, GO[t] ?? t, v);
  };
  walk(body, schema, '', '');
  unknown.sort();
  const mode = (validation ?? 'Warn').toLowerCase();
  if (unknown.length && mode === 'strict') {
    throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
  }
  return mode === 'ignore' ? [] : unknown;
}
