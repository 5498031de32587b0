// The PATCH flavours the API server accepts, for the kinds the fake serves:
//   application/json-patch+json            RFC 6902 (what @kubernetes/client-node sends by default)
//   application/merge-patch+json           RFC 7386
//   application/strategic-merge-patch+json Kubernetes' strategic merge (what `kubectl apply` and
//                                          `kubectl patch` send): lists with a merge key are merged
//                                          by it; $patch, $setElementOrder, $deleteFromPrimitiveList
//                                          and $retainKeys directives
//   application/apply-patch+yaml           server-side apply, approximated as a strategic merge of
//                                          the applied configuration (no field ownership)
import { ApiError, clone, isPlainObject } from './objects.ts';

type Obj = Record<string, unknown>;

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Obj = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge

/** patchMergeKey of the lists that have patchStrategy "merge" in the Kubernetes API types. */
export function mergeKeyOf(field: string, parentPath: string[]): string | 'primitive' | null {
  switch (field) {
    case 'containers': case 'initContainers': case 'ephemeralContainers': case 'env': case 'volumes':
    case 'imagePullSecrets': case 'resourceClaims': case 'secrets': case 'readinessGates':
      return field === 'readinessGates' ? 'conditionType' : 'name';
    case 'volumeMounts': return 'mountPath';
    case 'volumeDevices': return 'devicePath';
    case 'hostAliases': return 'ip';
    case 'conditions': return 'type';
    case 'ownerReferences': return 'uid';
    case 'topologySpreadConstraints': return 'topologyKey';
    case 'ports': return parentPath.some((p) => p === 'containers' || p === 'initContainers') ? 'containerPort' : 'port';
    case 'finalizers': return 'primitive';
    default: return null;
  }
}

export function strategicMergePatch(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const rest = clone(patch);
    delete rest.$patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isPlainObject(target) ? clone(target) : {};
  const orders = new Map<string, unknown[]>();
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.set(k.slice('$setElementOrder/'.length), v);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      const del = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).filter((x) => !del.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, k, path);
      continue;
    }
    if (isPlainObject(v)) {
      const merged = strategicMergePatch(out[k], v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    out[k] = v;
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (!Array.isArray(list)) continue;
    const key = mergeKeyOf(field, path);
    const id = (x: unknown): string => JSON.stringify(key && key !== 'primitive' && isPlainObject(x) ? x[key] : x);
    const rank = new Map(order.map((x, i) => [id(x), i]));
    out[field] = [...list].sort((a, b) => (rank.get(id(a)) ?? Infinity) - (rank.get(id(b)) ?? Infinity));
  }
  return out;
}

function mergeList(target: unknown, patch: unknown[], field: string, path: string[]): unknown[] {
  const key = mergeKeyOf(field, path);
  const current = Array.isArray(target) ? clone(target) : [];
  if (key === null) return clone(patch.filter((x) => !(isPlainObject(x) && x.$patch !== undefined)));
  if (key === 'primitive') {
    const out = [...current];
    for (const x of patch) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x);
    return out;
  }
  if (patch.some((x) => isPlainObject(x) && x.$patch === 'replace')) {
    return clone(patch.filter((x) => !(isPlainObject(x) && x.$patch === 'replace')));
  }
  const out = current;
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(clone(item));
      continue;
    }
    const i = out.findIndex((x) => isPlainObject(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = strategicMergePatch(out[i], item, [...path, field]);
    else out.push(strategicMergePatch({}, item, [...path, field]));
  }
  return out;
}

/**
 * Server-side apply's removal: what the manager applied last time (`last`) and no longer applies
 * (`next`) is removed from `target` (maps by key, lists with a merge key by that key; other lists
 * and values are replaced by the merge that follows). Field ownership between managers is not
 * modelled: a field another manager also set is removed too.
 */
export function pruneApplied(target: unknown, last: unknown, next: unknown, path: string[] = []): unknown {
  if (!isPlainObject(target) || !isPlainObject(last)) return target;
  const out = clone(target);
  const nx = isPlainObject(next) ? next : {};
  for (const [k, lv] of Object.entries(last)) {
    if (!(k in nx)) {
      delete out[k];
      continue;
    }
    const nv = nx[k];
    if (isPlainObject(lv) && isPlainObject(nv)) out[k] = pruneApplied(out[k], lv, nv, [...path, k]);
    else if (Array.isArray(lv) && Array.isArray(nv) && Array.isArray(out[k])) {
      const key = mergeKeyOf(k, path);
      if (key === null) continue;
      if (key === 'primitive') {
        const keep = new Set(nv.map((x) => JSON.stringify(x)));
        const gone = new Set(lv.map((x) => JSON.stringify(x)).filter((x) => !keep.has(x)));
        out[k] = (out[k] as unknown[]).filter((x) => !gone.has(JSON.stringify(x)));
        continue;
      }
      const id = (x: unknown) => (isPlainObject(x) ? x[key] : undefined);
      const nextIds = new Set(nv.map(id));
      out[k] = (out[k] as unknown[]).flatMap((item) => {
        const before = lv.find((x) => id(x) === id(item));
        if (before === undefined) return [item];
        if (!nextIds.has(id(item))) return [];
        return [pruneApplied(item, before, nv.find((x) => id(x) === id(item)), [...path, k])];
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902

function decodePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new ApiError(422, 'Invalid', `the JSON patch path "${p}" does not start with /`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, parts: string[], pathText: string): { parent: Obj | unknown[]; last: string } {
  let cur: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isPlainObject(cur)) cur = cur[part];
    else cur = undefined;
    if (cur === undefined) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing path: "${pathText}": missing value`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new ApiError(422, 'Invalid', `doc is missing path: "${pathText}"`);
  return { parent: cur, last: parts[parts.length - 1]! };
}

function getAt(doc: unknown, pathText: string): unknown {
  let cur: unknown = doc;
  for (const part of decodePointer(pathText)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isPlainObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'a JSON patch must be a list of operations');
  let doc = clone(target);
  for (const op of ops) {
    if (!isPlainObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new ApiError(400, 'BadRequest', `invalid JSON patch operation ${JSON.stringify(op)}`);
    const p = op.path;
    const parts = decodePointer(p);
    const put = (value: unknown, insert: boolean) => {
      if (parts.length === 0) {
        doc = clone(value);
        return;
      }
      const { parent, last } = parentOf(doc, parts, p);
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new ApiError(422, 'Invalid', `JSON patch: index ${last} out of range at "${p}"`);
        if (insert) parent.splice(i, 0, clone(value));
        else parent[i] = clone(value);
      } else parent[last] = clone(value);
    };
    const remove = (at: string[], text: string) => {
      const { parent, last } = parentOf(doc, at, text);
      if (Array.isArray(parent)) {
        const i = Number(last);
        if (!(i >= 0 && i < parent.length)) throw new ApiError(422, 'Invalid', `JSON patch: no element ${last} at "${text}"`);
        parent.splice(i, 1);
      } else {
        if (!(last in parent)) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: Unable to remove nonexistent key: ${last}: missing value`);
        delete parent[last];
      }
    };
    switch (op.op) {
      case 'add': put(op.value, true); break;
      case 'replace':
        if (getAt(doc, p) === undefined) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${p}: missing value`);
        put(op.value, false);
        break;
      case 'remove': remove(parts, p); break;
      case 'move': case 'copy': {
        if (typeof op.from !== 'string') throw new ApiError(400, 'BadRequest', `JSON patch ${op.op} needs "from"`);
        const v = getAt(doc, op.from);
        if (v === undefined) throw new ApiError(422, 'Invalid', `JSON patch: nothing at "${op.from}"`);
        if (op.op === 'move') remove(decodePointer(op.from), op.from);
        put(v, true);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, p)) !== JSON.stringify(op.value)) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${p} failed: test failed`);
        break;
      default: throw new ApiError(400, 'BadRequest', `unknown JSON patch operation ${op.op}`);
    }
  }
  return doc;
}
