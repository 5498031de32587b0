// Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf), which
// kubectl's typed-client commands send: `create secret|configmap|namespace|serviceaccount`, `auth
// can-i` (SelfSubjectAccessReview). Decoded to the JSON objects the rest of the fake works with,
// for those kinds only (field numbers from the API's generated.proto). Answers are always JSON,
// which the clients accept.
import { errors } from './objects.ts';

type Kind = 'string' | 'bytes' | 'int' | 'bool' | 'time' | Schema | { map: 'string' | 'bytes' } | { repeated: 'string' | Schema };
interface Schema { [field: number]: [string, Kind] }

const ownerRef: Schema = { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const objectMeta: Schema = {
  1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 5: ['uid', 'string'], 6: ['resourceVersion', 'string'],
  7: ['generation', 'int'], 8: ['creationTimestamp', 'time'], 11: ['labels', { map: 'string' }], 12: ['annotations', { map: 'string' }],
  13: ['ownerReferences', { repeated: ownerRef }], 14: ['finalizers', { repeated: 'string' }],
};
const objectRef: Schema = { 1: ['kind', 'string'], 2: ['namespace', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'] };
const SCHEMAS: Record<string, Schema> = {
  Secret: { 1: ['metadata', objectMeta], 2: ['data', { map: 'bytes' }], 3: ['type', 'string'], 4: ['stringData', { map: 'string' }], 5: ['immutable', 'bool'] },
  ConfigMap: { 1: ['metadata', objectMeta], 2: ['data', { map: 'string' }], 3: ['binaryData', { map: 'bytes' }], 4: ['immutable', 'bool'] },
  Namespace: { 1: ['metadata', objectMeta], 2: ['spec', { 1: ['finalizers', { repeated: 'string' }] }] },
  ServiceAccount: { 1: ['metadata', objectMeta], 2: ['secrets', { repeated: objectRef }], 3: ['imagePullSecrets', { repeated: { 1: ['name', 'string'] } }], 4: ['automountServiceAccountToken', 'bool'] },
  SelfSubjectAccessReview: {
    1: ['metadata', objectMeta],
    2: ['spec', {
      1: ['resourceAttributes', { 1: ['namespace', 'string'], 2: ['verb', 'string'], 3: ['group', 'string'], 4: ['version', 'string'], 5: ['resource', 'string'], 6: ['subresource', 'string'], 7: ['name', 'string'] }],
      2: ['nonResourceAttributes', { 1: ['path', 'string'], 2: ['verb', 'string'] }],
    }],
  },
  SelfSubjectReview: { 1: ['metadata', objectMeta] },
  DeleteOptions: { 1: ['gracePeriodSeconds', 'int'], 2: ['preconditions', { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] }], 3: ['orphanDependents', 'bool'], 4: ['propagationPolicy', 'string'], 5: ['dryRun', { repeated: 'string' }] },
};

class Reader {
  readonly b: Buffer;
  i = 0;
  constructor(b: Buffer) {
    this.b = b;
  }
  varint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.i >= this.b.length) throw errors.badRequest('truncated protobuf');
      const x = this.b[this.i++]!;
      v |= BigInt(x & 0x7f) << shift;
      if ((x & 0x80) === 0) return v;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    const out = this.b.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.i += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.i += 4;
    else throw errors.badRequest(`unsupported protobuf wire type ${wire}`);
  }
}

function decode(b: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(b);
  const out: Record<string, unknown> = {};
  while (r.i < b.length) {
    const tag = Number(r.varint());
    const field = tag >> 3;
    const wire = tag & 7;
    const f = schema[field];
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [name, kind] = f;
    if (kind === 'string') out[name] = r.bytes().toString('utf8');
    else if (kind === 'bytes') out[name] = r.bytes().toString('base64');
    else if (kind === 'int') out[name] = Number(BigInt.asIntN(64, r.varint()));
    else if (kind === 'bool') out[name] = r.varint() !== 0n;
    else if (kind === 'time') {
      const t = decode(r.bytes(), { 1: ['seconds', 'int'] });
      if (typeof t.seconds === 'number') out[name] = new Date(t.seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    } else if ('map' in kind) {
      const e = decode(r.bytes(), { 1: ['key', 'string'], 2: ['value', kind.map] });
      const m = (out[name] ??= {}) as Record<string, unknown>;
      m[String(e.key ?? '')] = e.value ?? '';
    } else if ('repeated' in kind) {
      const list = (out[name] ??= []) as unknown[];
      list.push(kind.repeated === 'string' ? r.bytes().toString('utf8') : decode(r.bytes(), kind.repeated as Schema));
    } else out[name] = decode(r.bytes(), kind as Schema);
  }
  return out;
}

/** The JSON form of a protobuf request body, for the kinds the fake decodes; a clear 415 otherwise. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw errors.badRequest('a protobuf body must start with the k8s\\0 magic');
  const unknown = new Reader(body.subarray(4));
  let apiVersion = '', kind = '';
  let raw: Buffer = Buffer.alloc(0);
  while (unknown.i < unknown.b.length) {
    const tag = Number(unknown.varint());
    if (tag >> 3 === 1 && (tag & 7) === 2) {
      const tm = decode(unknown.bytes(), { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] });
      apiVersion = String(tm.apiVersion ?? '');
      kind = String(tm.kind ?? '');
    } else if (tag >> 3 === 2 && (tag & 7) === 2) raw = unknown.bytes();
    else unknown.skip(tag & 7);
  }
  const schema = SCHEMAS[kind];
  if (!schema) {
    throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (the fake decodes protobuf only for ${Object.keys(SCHEMAS).join(', ')}; ${kind || 'this kind'} must be sent as JSON, e.g. kubectl apply -f)`);
  }
  return { apiVersion, kind, ...decode(raw, schema) };
}
