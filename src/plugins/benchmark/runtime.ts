// What the benchmark step does (declared in index.ts), as the Benchmark plugin's BenchmarkPublisher
// for JSON result files:
//   "Benchmark plugin - Collection of results started."; the schema (schemaSelection:
//   defaultSchema, simplestSchema, or customSchema with altInputSchema's JSON text or the
//   workspace file altInputSchemaLocation); the files inputLocation matches (Ant patterns
//   relative to the current directory, several separated by , or ;; a matched `*.list` file
//   lists more locations, one a line), each mapped (map.ts); thresholds checked with the earlier
//   builds' values of the same result (the host's history); the results kept for the build
//   (BuildServices.buildTools.benchmark) and a line per failed result. A crossed threshold or a
//   failure value: "... completed but a test failure was detected." and the build FAILURE (the
//   step's own `thresholds` are added to the results they name: testGroup, the group names
//   joined with dots, and testName, the result's name; '' for any); a
//   file or schema that cannot be read: its message, "... Error detected during the post-build
//   operations." and FAILURE (the plugin sets the result and goes on; so does Kiln).
// XML result files: when inputLocation names .xml (as the plugin decides), the XML form of the
// selected built-in schema reads the .xml files it matches (xml.ts turns each into the JSON
// layout map.ts walks); a custom XML schema (jbs types in an XML Schema) is refused.
// Reads at most 64 MiB a file, 1000 files.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure } from '../../core/errors.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { MAX_BENCHMARK_RESULTS, type BenchmarkRecord, type BenchmarkResult } from '../../core/benchmark.ts';
import { SCHEMAS, type Schema } from './schemas.ts';
import { xmlContent } from './xml.ts';
import { MapError, checkThresholds, mapContent, resultKey, validThreshold, type Mapped, type Threshold } from './map.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';

const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 1000;
const say = (ctx: StepContext, l: string) => ctx.log(`Benchmark plugin - ${l}`);

async function readWorkspaceFile(ctx: StepContext, rel: string, what: string): Promise<Buffer> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const abs = rel.startsWith('/') ? rel : path.join(base, rel);
  const st = await ws.stat(abs).catch(() => null);
  if (!st || st.type !== 'file') throw new MapError(`${what} '${rel}' not found in the workspace`);
  if (st.size > MAX_FILE_BYTES) throw new MapError(`${what} '${rel}' is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB (${st.size} bytes)`);
  return ws.readFile(abs);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MapError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

async function schemaOf(ctx: StepContext, selection: string, alt: string | undefined, altLocation: string | undefined): Promise<Schema> {
  if (selection.includes('customSchema')) {
    if (alt && alt.trim() !== '') {
      const s = parseJson(alt, 'altInputSchema');
      if (!s || typeof s !== 'object' || Array.isArray(s)) throw new MapError('altInputSchema must be a JSON object');
      return s as Schema;
    }
    if (!altLocation || altLocation.trim() === '') throw new MapError('The custom schema is empty.');
    const text = await readWorkspaceFile(ctx, altLocation.trim(), 'Custom schema file').catch((e: unknown) => {
      if (e instanceof MapError) throw new MapError(`Custom schema file not detected. (${e.message})`);
      throw e;
    });
    const s = parseJson(text.toString('utf8'), `Custom schema file '${altLocation}'`);
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw new MapError(`Custom schema file '${altLocation}' must hold a JSON object`);
    return s as Schema;
  }
  const s = SCHEMAS[selection];
  if (!s) throw new MapError(`The selected schema does not exist. ('${selection}': use defaultSchema, simplestSchema or customSchema)`);
  return s;
}

/** The workspace files the locations match, relative to the current directory; `.list` files expand to their lines. */
async function locate(ctx: StepContext, locations: string, depth = 0): Promise<string[]> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const out = new Set<string>();
  for (const loc of locations.split(/\s*[,;\n]\s*/).map((x) => x.trim()).filter((x) => x !== '')) {
    if (loc.startsWith('/') || loc.split('/').includes('..')) throw new StepFailure(`benchmark: inputLocation '${loc}' leaves the workspace; give a path relative to it`);
    for (const f of await ws.glob(base, loc)) {
      if (relPathProblem(f) !== null) continue;
      if (f.endsWith('.list') && depth === 0) {
        for (const g of await locate(ctx, (await readWorkspaceFile(ctx, f, 'Location list')).toString('utf8'), 1)) out.add(g);
      } else {
        out.add(f);
      }
      if (out.size > MAX_FILES) throw new StepFailure(`benchmark: inputLocation '${locations}' matches more than ${MAX_FILES} files`);
    }
  }
  return [...out].sort();
}

const CLASSES: Readonly<Record<string, string>> = {
  AbsoluteThreshold: 'absolute', PercentageThreshold: 'percentage', DeltaThreshold: 'delta',
  PercentageAverageThreshold: 'percentageaverage', DeltaAverageThreshold: 'deltaaverage',
};

interface StepThreshold { group: string; name: string; threshold: Threshold }

/** The step's `thresholds` ([$class: 'AbsoluteThreshold', testGroup:, testName:, minimum:, maximum:], ...). */
function stepThresholds(v: Value | undefined): StepThreshold[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure("benchmark: thresholds must be a list such as [[$class: 'AbsoluteThreshold', testGroup: '', testName: 'latency', maximum: 50]]");
  return v.map((t, i) => {
    const cls = isMap(t) ? t.get('$class') : undefined;
    const method = typeof cls === 'string' ? CLASSES[cls.replace(/^.*\./, '')] : undefined;
    if (!isMap(t) || !method) throw new StepFailure(`benchmark: thresholds[${i}] must be a map with $class ${Object.keys(CLASSES).join(', ')}`);
    const num = (k: string): number | undefined => {
      const x = t.get(k);
      if (x === undefined || x === null || x === '') return undefined;
      const n = typeof x === 'number' ? x : Number(x);
      if (!Number.isFinite(n)) throw new StepFailure(`benchmark: thresholds[${i}].${k} must be a number`);
      return n;
    };
    const th: Threshold = { method };
    const min = num('minimum'); const max = num('maximum'); const delta = num('delta'); const pct = num('percentage');
    if (min !== undefined) th.minimum = min;
    if (max !== undefined) th.maximum = max;
    if (delta !== undefined) th.delta = delta;
    if (pct !== undefined) th.percentage = pct;
    validThreshold(th);
    const str = (k: string) => { const x = t.get(k); return x === undefined || x === null ? '' : String(x).trim(); };
    return { group: str('testGroup'), name: str('testName'), threshold: th };
  });
}

/** Whether a step threshold applies to a result: its group (names joined with dots) and its name, '' for any. */
function applies(t: StepThreshold, m: Mapped): boolean {
  const dotted = m.group.split(' / ').join('.');
  if (t.group !== '' && dotted !== t.group && `${dotted}.${m.name}` !== `${t.group}.${t.name}`) return false;
  return t.name === '' || t.name === m.name;
}

const benchmark: StepRun = async (ctx, args) => {
  say(ctx, 'Collection of results started.');
  const input = str(args, 'inputLocation')?.trim() ?? '';
  const selection = str(args, 'schemaSelection')?.trim() || 'defaultSchema';
  const truncate = bool(args, 'truncateStrings', false);
  const service = ctx.build.services.buildTools?.benchmark;
  try {
    if (input === '') throw new MapError('A result file location is required. (Kiln reads result files; it does not build benchmarks from the JUnit results)');
    // As the plugin: a location naming .xml selects the schema's XML form and reads .xml files.
    const xml = input.includes('.xml');
    if (xml && selection.includes('customSchema')) throw new MapError(`Kiln maps XML result files with the plugin's defaultSchema and simplestSchema only: a custom XML schema is not supported ('${input}')`);
    const extra = stepThresholds(args.values['thresholds']);
    const schema = await schemaOf(ctx, selection, str(args, 'altInputSchema'), str(args, 'altInputSchemaLocation'));
    const files = (await locate(ctx, input)).filter((f) => !xml || f.toLowerCase().endsWith('.xml'));
    if (files.length === 0) throw new MapError(xml ? `No XML file detected at '${input}'.` : `No result file found at '${input}'.`);
    const mapped: Mapped[] = [];
    for (const f of files) {
      const raw = (await readWorkspaceFile(ctx, f, 'Result file')).toString('utf8');
      const content = xml ? xmlContent(raw, selection as 'defaultSchema' | 'simplestSchema', f) : parseJson(raw, `Result file '${f}'`);
      const found = mapContent(content, schema, f, truncate);
      if (found.length === 0) throw new MapError(`The content does not comply with standard formats. ('${f}' has no result the schema maps)`);
      mapped.push(...found);
    }
    for (const m of mapped) for (const t of extra) if (applies(t, m)) m.thresholdDefs.push(t.threshold);
    // The earlier builds' numbers of each result, newest first.
    const history = new Map<string, number[]>();
    for (const h of service ? await service.history() : []) {
      for (const r of h.record.results) {
        if (typeof r.value !== 'number') continue;
        const k = resultKey(r);
        const list = history.get(k) ?? [];
        list.push(r.value);
        history.set(k, list);
      }
    }
    const results: BenchmarkResult[] = mapped.map((m) => checkThresholds(m, history.get(resultKey(m)) ?? []));
    const record: BenchmarkRecord = { schema: selection.includes('customSchema') ? 'customSchema' : selection, files, results: results.slice(0, MAX_BENCHMARK_RESULTS) };
    if (results.length > MAX_BENCHMARK_RESULTS) record.truncated = true;
    if (service) await service.record(record);
    const failed = results.filter((r) => r.failed);
    say(ctx, `${results.length} result${results.length === 1 ? '' : 's'} read from ${files.length} file${files.length === 1 ? '' : 's'}${failed.length > 0 ? `, ${failed.length} failed` : ''}.`);
    for (const r of failed) for (const m of r.messages) say(ctx, `${r.group ? `${r.group} / ` : ''}${r.name}: ${m}`);
    if (failed.length > 0) {
      say(ctx, 'Collection of results completed but a test failure was detected.');
      ctx.build.setResult('FAILURE', 'FAILURE');
      return null;
    }
  } catch (e) {
    if (!(e instanceof MapError)) throw e;
    ctx.log(e.message);
    say(ctx, 'Error detected during the post-build operations.');
    ctx.build.setResult('FAILURE', 'FAILURE');
    return null;
  }
  say(ctx, 'Collection of results completed.');
  return null;
};

const runtime: PluginRuntime = { steps: { benchmark } };
export default runtime;
