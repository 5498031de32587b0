// Maps a JSON result file to benchmark results by walking it with a schema (schemas.ts or a
// custom one), as the Benchmark plugin's MapJsonToPlugin does: a node typed `array` maps each
// item with `items`; `object` (any other type with properties) is a group, named by its
// property typed `name`, whose `parameter` properties apply to everything below it; `result`
// is a result: name, description, unit, its value from the property typed boolean, integer,
// double or value, its parameters and `threshold`s; `failure` / `failures` values of the schema
// (at any level, for what is below) make a result with that value a failure. Property and type
// names are matched as the plugin does (types case-insensitively). Then checkThresholds applies
// the thresholds with the earlier builds' values (previous: the newest earlier build that has
// the result; average: all of them), with the plugin's messages.
// Pure: no I/O.
import type { BenchmarkParameter, BenchmarkResult, BenchmarkValue } from '../../core/benchmark.ts';
import type { Schema } from './schemas.ts';
import { KilnError } from '../../core/errors.ts';

export interface Threshold {
  method: string;
  minimum?: number;
  maximum?: number;
  delta?: number;
  percentage?: number;
}

/** A result as mapped, before its thresholds are checked. */
export interface Mapped extends Omit<BenchmarkResult, 'thresholds' | 'failed' | 'messages'> {
  thresholdDefs: Threshold[];
  failureValues: unknown[];
}

/** A result file or schema the step cannot map: said on the console, the build FAILURE (as the plugin's ValidationException). */
export class MapError extends KilnError {
  constructor(message: string) {
    super('benchmark.map', message);
  }
}

const TRUNCATE = 512;
const typeOf = (s: Schema | undefined) => (typeof s?.type === 'string' ? s.type.toLowerCase() : '');

function failureValues(s: Schema): unknown[] {
  const out: unknown[] = [];
  const one = (f: unknown) => {
    if (f === null || f === undefined) return;
    if (typeof f === 'object' && !Array.isArray(f)) { const v = (f as Record<string, unknown>)['value']; if (v !== undefined) out.push(v); }
    else if (typeof f !== 'object') out.push(f);
  };
  one(s.failure);
  if (Array.isArray(s.failures)) s.failures.forEach(one);
  return out;
}

function str(v: unknown, truncate: boolean): string {
  const t = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  return truncate && t.length > TRUNCATE ? t.slice(0, TRUNCATE) : t;
}

/** The property of `content` whose schema has type `t`, with its key. */
function byType(content: Record<string, unknown>, schema: Schema, ...types: string[]): { key: string; type: string; value: unknown } | null {
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const t = typeOf(s);
    if (types.includes(t) && Object.hasOwn(content, k)) return { key: k, type: t, value: content[k] };
  }
  return null;
}

/** The items (or single objects) of `content` under properties whose schema (or items) is of type `t`. */
function childrenOfType(content: Record<string, unknown>, schema: Schema, t: string): { value: Record<string, unknown>; schema: Schema }[] {
  const out: { value: Record<string, unknown>; schema: Schema }[] = [];
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    if (!Object.hasOwn(content, k)) continue;
    const v = content[k];
    if (typeOf(s) === 'array' && typeOf(s.items) === t && Array.isArray(v)) {
      for (const item of v) if (item && typeof item === 'object' && !Array.isArray(item)) out.push({ value: item as Record<string, unknown>, schema: s.items! });
    } else if (typeOf(s) === t && v && typeof v === 'object' && !Array.isArray(v)) {
      out.push({ value: v as Record<string, unknown>, schema: s });
    }
  }
  return out;
}

function parameter(c: Record<string, unknown>, s: Schema, truncate: boolean): BenchmarkParameter {
  const v = byType(c, s, 'value', 'boolean', 'integer', 'double')?.value;
  const value: BenchmarkValue = typeof v === 'number' || typeof v === 'boolean' ? v : v === null || v === undefined ? null : str(v, truncate);
  return { name: str(byType(c, s, 'name')?.value, truncate), value, unit: str(byType(c, s, 'unit')?.value, truncate) };
}

function threshold(c: Record<string, unknown>, s: Schema, where: string): Threshold | null {
  const num = (t: string): number | undefined => {
    const p = byType(c, s, t);
    if (!p) return undefined;
    if (typeof p.value !== 'number') throw new MapError(`${where}: the threshold's ${t} ('${p.key}') must be a number`);
    return p.value;
  };
  const m = byType(c, s, 'method');
  if (!m || typeof m.value !== 'string') return null;
  const t: Threshold = { method: m.value.toLowerCase() };
  const min = num('minimum'); const max = num('maximum'); const delta = num('delta'); const pct = num('percentage');
  if (min !== undefined) t.minimum = min;
  if (max !== undefined) t.maximum = max;
  if (delta !== undefined) t.delta = delta;
  if (pct !== undefined) t.percentage = pct;
  return validThreshold(t);
}

/** The threshold when it has what its method needs (else the plugin's message); null for a method the plugin does not know. */
export function validThreshold(t: Threshold): Threshold | null {
  const { minimum: min, maximum: max, delta, percentage: pct } = t;
  switch (t.method) {
    case 'absolute':
      if (min === undefined && max === undefined) throw new MapError('Absolute threshold is missing both minimum and maximum.');
      if (min !== undefined && max !== undefined && max < min) throw new MapError('Maximum value is below minimum value.');
      return t;
    case 'percentage':
      if (pct === undefined) throw new MapError('Threshold with percentage from previous is missing the percentage value.');
      return t;
    case 'delta':
      if (delta === undefined) throw new MapError('Threshold with delta from previous is missing the delta value.');
      return t;
    case 'percentageaverage':
      if (pct === undefined) throw new MapError('Threshold with percentage from average is missing the percentage value.');
      return t;
    case 'deltaaverage':
      if (delta === undefined) throw new MapError('Threshold with delta from average is missing the delta value.');
      return t;
    default:
      return null; // the plugin ignores a method it does not know
  }
}

function result(c: Record<string, unknown>, s: Schema, groups: string[], params: BenchmarkParameter[], failures: unknown[], file: string, truncate: boolean): Mapped {
  const name = str(byType(c, s, 'name')?.value, truncate);
  const where = `${file}: result '${name}'`;
  const v = byType(c, s, 'boolean', 'integer', 'double', 'value');
  let type: Mapped['type'] = 'string';
  let value: BenchmarkValue = null;
  if (v) {
    if (v.type === 'boolean') {
      if (typeof v.value !== 'boolean') throw new MapError(`${where}: '${v.key}' must be true or false`);
      type = 'boolean'; value = v.value;
    } else if (v.type === 'integer') {
      if (typeof v.value !== 'number' || !Number.isInteger(v.value)) throw new MapError(`${where}: '${v.key}' must be an integer`);
      type = 'integer'; value = v.value;
    } else if (v.type === 'double') {
      if (typeof v.value !== 'number') throw new MapError(`${where}: '${v.key}' must be a number`);
      type = 'double'; value = v.value;
    } else if (typeof v.value === 'boolean') { type = 'boolean'; value = v.value; }
    else if (typeof v.value === 'number') { type = Number.isInteger(v.value) ? 'integer' : 'double'; value = v.value; }
    else if (v.value !== null && v.value !== undefined) { type = 'string'; value = str(v.value, truncate); }
  }
  const own = childrenOfType(c, s, 'parameter').map((p) => parameter(p.value, p.schema, truncate));
  const thresholdDefs = childrenOfType(c, s, 'threshold').map((t) => threshold(t.value, t.schema, where)).filter((t): t is Threshold => t !== null);
  return {
    group: groups.join(' / '), name, description: str(byType(c, s, 'description')?.value, truncate), unit: str(byType(c, s, 'unit')?.value, truncate),
    type, value, parameters: [...params, ...own], thresholdDefs, failureValues: [...failures, ...failureValues(s)], file,
  };
}

/** Every result of one file's content, in document order. */
export function mapContent(content: unknown, schema: Schema, file: string, truncate: boolean): Mapped[] {
  const out: Mapped[] = [];
  const walk = (c: unknown, s: Schema, groups: string[], params: BenchmarkParameter[], failures: unknown[]) => {
    const t = typeOf(s);
    const f = [...failures, ...failureValues(s)];
    if (t === 'array') {
      if (Array.isArray(c)) for (const item of c) walk(item, s.items ?? {}, groups, params, f);
      return;
    }
    if (!c || typeof c !== 'object' || Array.isArray(c)) return;
    const obj = c as Record<string, unknown>;
    if (t === 'result') { out.push(result(obj, s, groups, params, f, file, truncate)); return; }
    if (t === 'parameter' || t === 'threshold' || !s.properties) return;
    const name = byType(obj, s, 'name');
    const g = name && typeof name.value === 'string' && name.value !== '' ? [...groups, str(name.value, truncate)] : groups;
    const p = [...params, ...childrenOfType(obj, s, 'parameter').map((x) => parameter(x.value, x.schema, truncate))];
    for (const [k, cs] of Object.entries(s.properties)) {
      const ct = typeOf(cs);
      if (!Object.hasOwn(obj, k) || ct === 'parameter' || (ct === 'array' && typeOf(cs.items) === 'parameter')) continue;
      if (ct === 'array' || ct === 'result' || cs.properties) walk(obj[k], cs, g, p, f);
    }
  };
  walk(content, schema, [], [], []);
  return out;
}

/** The key of a result across builds: its groups and name (the plugin hashes the same). */
export const resultKey = (r: { group: string; name: string }) => `${r.group}\u0000${r.name}`;

/** Java's Double.toString for the values the plugin's messages print (15 → "15.0"). */
export function javaDouble(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return `${n}.0`;
  return String(n);
}

/** Applies the thresholds and failure values: `history` holds the earlier builds' numbers of each result key, newest first. */
export function checkThresholds(m: Mapped, history: number[]): BenchmarkResult {
  const messages: string[] = [];
  const shown: string[] = [];
  const { thresholdDefs, failureValues: fv, ...rest } = m;
  const fmt = (n: number) => (m.type === 'integer' ? String(n) : javaDouble(n));
  for (const v of fv) if (v === m.value) messages.push(`The value '${String(m.value)}' is a failure value of the schema.`);
  const n = typeof m.value === 'number' ? m.value : null;
  const previous = history.length > 0 ? history[0]! : null;
  const average = history.length > 0 ? history.reduce((a, b) => a + b, 0) / history.length : null;
  for (const t of thresholdDefs) {
    switch (t.method) {
      case 'absolute':
        shown.push(`absolute [${t.minimum ?? ''}, ${t.maximum ?? ''}]`);
        if (n === null) break;
        if (t.maximum !== undefined && n > t.maximum) messages.push(`The value '${fmt(n)}' is above the maximum of '${javaDouble(t.maximum)}'.`);
        if (t.minimum !== undefined && n < t.minimum) messages.push(`The value '${fmt(n)}' is below the minimum of '${javaDouble(t.minimum)}'.`);
        break;
      case 'percentage':
        shown.push(`percentage ${t.percentage}% from the previous build`);
        if (n !== null && previous !== null && previous !== 0 && Math.abs((n - previous) / previous) * 100 > t.percentage!) {
          messages.push(`The value '${fmt(n)}' is out of the percentage of '${javaDouble(t.percentage!)}%' from the previous value '${javaDouble(previous)}'.`);
        }
        break;
      case 'delta':
        shown.push(`delta ${t.delta} from the previous build`);
        if (n !== null && previous !== null && Math.abs(n - previous) > t.delta!) {
          messages.push(`The value '${fmt(n)}' is out of the delta of '${javaDouble(t.delta!)}' from the previous value '${javaDouble(previous)}'.`);
        }
        break;
      case 'percentageaverage':
        shown.push(`percentage ${t.percentage}% from the average`);
        if (n !== null && average !== null && average !== 0 && Math.abs((n - average) / average) * 100 > t.percentage!) {
          messages.push(`The value '${fmt(n)}' is out of the percentage of '${javaDouble(t.percentage!)}%' from the average value '${javaDouble(average)}'.`);
        }
        break;
      case 'deltaaverage':
        shown.push(`delta ${t.delta} from the average`);
        if (n !== null && average !== null && Math.abs(n - average) > t.delta!) {
          messages.push(`The value '${fmt(n)}' is out of the delta of '${javaDouble(t.delta!)}' from the average value '${javaDouble(average)}'.`);
        }
        break;
    }
  }
  return { ...rest, thresholds: shown, failed: messages.length > 0, messages };
}
