// Label selectors (`app=web,tier in (a,b),!legacy`) and field selectors (`metadata.name=x,status.phase!=Running`)
// as the API server parses them, as predicates over stored objects.
import { ApiError, type KObject } from './objects.ts';

export type Predicate = (o: KObject) => boolean;

const always: Predicate = () => true;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseLabelSelector(text: string | null): Predicate {
  if (!text) return always;
  const reqs = splitTop(text).map((r): ((l: Record<string, string>) => boolean) => {
    let m = /^!\s*([\w./-]+)$/.exec(r);
    if (m) { const k = m[1]!; return (l) => !(k in l); }
    m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(r);
    if (m) {
      const k = m[1]!;
      const vals = new Set(m[3]!.split(',').map((v) => v.trim()));
      return m[2] === 'in' ? (l) => k in l && vals.has(l[k]!) : (l) => !(k in l) || !vals.has(l[k]!);
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(r);
    if (m) {
      const k = m[1]!;
      const v = m[3]!;
      return m[2] === '!=' ? (l) => l[k] !== v : (l) => l[k] === v;
    }
    m = /^([\w./-]+)$/.exec(r);
    if (m) { const k = m[1]!; return (l) => k in l; }
    throw new ApiError(400, 'BadRequest', `unable to parse requirement: found '${r}', expected: in, notin, =, ==, !=, gt, lt`);
  });
  return (o) => {
    const l = o.metadata.labels ?? {};
    return reqs.every((f) => f(l));
  };
}

/** The value of a dotted field path (`status.phase`, `involvedObject.name`) as a string, '' when absent. */
export function fieldValue(o: KObject, path: string): string {
  let v: unknown = o;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return '';
    v = (v as Record<string, unknown>)[part];
  }
  return v === undefined || v === null ? '' : String(v);
}

/** Field selectors: the fields the real server indexes for the kinds the fake serves, plus any plain dotted path. */
export function parseFieldSelector(text: string | null, kind: string): Predicate {
  if (!text) return always;
  const reqs = splitTop(text).map((r) => {
    const m = /^([\w.[\]-]+)\s*(==|=|!=)\s*(.*)$/.exec(r);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid selector: '${text}'; can't understand '${r}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const allowed = FIELD_LABELS[kind];
    if (allowed && !allowed.includes(field) && field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw new ApiError(400, 'BadRequest', `field label not supported: ${field}`);
    }
    return (o: KObject) => (op === '!=' ? fieldValue(o, field) !== value : fieldValue(o, field) === value);
  });
  return (o) => reqs.every((f) => f(o));
}

const FIELD_LABELS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Secret: ['type'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
};
