// What warnings-ng computes once the reports are parsed, as pure functions: fingerprints (an
// issue's identity across builds), the delta against a reference build (new, fixed,
// outstanding), the statistics its quality gates read (IssuesStatistics), and the gates' verdict
// with the console lines the plugin prints for it (WarningsQualityGateEvaluator, plugin-util-api's
// QualityGateEvaluator).
import { createHash } from 'node:crypto';
import type { Issue, IssueSeverity, QualityGateOutcome, QualityGateStatus } from '../../core/issues.ts';
import { GATE_TYPES } from './decl.ts';

/**
 * The identity of an issue across builds: its tool, file, category, type and message, not its
 * line (warnings-ng fingerprints the code around it, so an issue that only moved is not new).
 */
export function fingerprint(i: { tool: string; file: string; category: string; type: string; message: string }): string {
  return createHash('sha256').update([i.tool, i.file, i.category, i.type, i.message].join('\u0000')).digest('hex').slice(0, 24);
}

export interface Delta {
  fresh: Issue[];
  outstanding: Issue[];
  fixed: Issue[];
}

/** New, outstanding and fixed issues, matching fingerprints as multisets (two equal issues stay two). */
export function delta(current: readonly Issue[], reference: readonly Issue[] | null): Delta {
  if (reference === null) return { fresh: [], outstanding: [...current], fixed: [] };
  const left = new Map<string, Issue[]>();
  for (const r of reference) {
    const l = left.get(r.fingerprint);
    if (l) l.push(r);
    else left.set(r.fingerprint, [r]);
  }
  const fresh: Issue[] = [];
  const outstanding: Issue[] = [];
  for (const c of current) {
    const l = left.get(c.fingerprint);
    if (l && l.length > 0) {
      l.shift();
      outstanding.push(c);
    } else {
      fresh.push(c);
    }
  }
  const fixed = [...left.values()].flat();
  return { fresh, outstanding, fixed };
}

export interface Statistics {
  total: Record<IssueSeverity | 'ALL', number>;
  fresh: Record<IssueSeverity | 'ALL', number>;
  /** Totals minus the reference build's (0 without one). */
  delta: Record<IssueSeverity | 'ALL', number>;
}

function count(list: readonly Issue[]): Record<IssueSeverity | 'ALL', number> {
  const c = { ALL: list.length, ERROR: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
  for (const i of list) c[i.severity]++;
  return c;
}

export function statistics(d: Delta, reference: readonly Issue[] | null): Statistics {
  const total = count([...d.fresh, ...d.outstanding]);
  const fresh = count(d.fresh);
  const ref = reference ? count(reference) : null;
  const delta = { ALL: 0, ERROR: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
  if (ref) for (const k of Object.keys(delta) as (keyof typeof delta)[]) delta[k] = total[k] - ref[k];
  return { total, fresh, delta };
}

/** The value a gate type reads: TOTAL_HIGH → statistics.total.HIGH. */
export function gateValue(type: string, s: Statistics): number {
  const [base, sev] = type.split('_') as [string, string | undefined];
  const table = base === 'TOTAL' ? s.total : base === 'NEW' ? s.fresh : s.delta;
  return table[(sev ?? 'ALL') as IssueSeverity | 'ALL'];
}

export interface GateSpec {
  type: string;
  threshold: number;
  criticality: QualityGateOutcome['criticality'];
}

const LABEL: Readonly<Record<QualityGateOutcome['criticality'], string>> = { NOTE: 'Note', UNSTABLE: 'Unstable', ERROR: 'Error', FAILURE: 'Failed' };

/**
 * Evaluates the gates. A gate is missed when its value reaches its threshold. Returns the
 * outcomes, the overall status, the build result to set (null: none), and the console lines
 * warnings-ng prints (without the "[Tool] " prefix).
 */
export function evaluateGates(gates: readonly GateSpec[], s: Statistics): {
  outcomes: QualityGateOutcome[]; status: QualityGateStatus; result: 'UNSTABLE' | 'FAILURE' | null; lines: string[];
} {
  if (gates.length === 0) return { outcomes: [], status: 'INACTIVE', result: null, lines: ['No quality gates have been set - skipping'] };
  const outcomes = gates.map((g) => {
    const actual = gateValue(g.type, s);
    return { type: g.type, name: GATE_TYPES[g.type] ?? g.type, threshold: g.threshold, actual, criticality: g.criticality, missed: actual >= g.threshold };
  });
  const missed = outcomes.filter((o) => o.missed);
  const failed = missed.some((o) => o.criticality === 'FAILURE' || o.criticality === 'ERROR');
  const unstable = missed.some((o) => o.criticality === 'UNSTABLE');
  const status: QualityGateStatus = failed ? 'FAILED' : unstable ? 'WARNING' : missed.length > 0 ? 'NOTE' : 'PASSED';
  const result = failed ? 'FAILURE' : unstable ? 'UNSTABLE' : null;
  const lines = ['Evaluating quality gates'];
  lines.push(result === null ? '-> All quality gates have been passed' : `-> Some quality gates have been missed: overall result is ${result}`);
  lines.push('-> Details for each quality gate:');
  for (const o of outcomes) {
    lines.push(`   - [${o.name}]: ≪${o.missed ? LABEL[o.criticality] : 'Success'}≫ - (Actual value: ${o.actual}, Quality gate: ${o.threshold.toFixed(2)})`);
  }
  return { outcomes, status, result, lines };
}
