// What the xunit plugin's steps do (declared in index.ts): xunit (the pipeline step,
// XUnitResultsStep) and step([$class: 'XUnitPublisher']) (the publisher). For each tool, in order:
//   "INFO: Processing <tool>", its pattern (${VARS} expanded) globbed in the workspace with
//   "[<tool>] - N test report file(s) were found with the pattern ... relative to ...";
//   none: skipNoTestFiles says so and goes on, else the step fails with the plugin's message;
//   failIfNotNew (default true): a report last written before the build started (less
//   testTimeMargin ms, default 3000) fails the step ("Test reports were found but not all of them
//   are new. Did all the tests run?" and each file's age): mtimes come from `date -r` on the node;
//   each file read by its format (formats.ts); an empty or invalid one fails the step with
//   stopProcessingIfError (default true), else is a WARNING and skipped;
//   deleteOutputFiles: false keeps the JUnit conversion in generatedJUnitFiles/<tool>/ (the
//   plugin always writes it and deletes it unless told to keep it).
// Then every tool's cases are recorded together as one test report of the build (as one junit
// call), and each threshold is checked in order ("INFO: Check 'Failed Tests' threshold.", the
// plugin's message when one is crossed), the first one crossed giving the result: a number of
// tests (thresholdMode 1) or a percent of all tests (2), "new" ones against the previous
// completed build's tests (none: all are new). The step sets that result (on the build and the
// stage) and returns the totals as junit does; the publisher also keeps a worse result the build
// already had, warns when every report was empty, and prints "INFO: Setting the build status to R".
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext, TestCase, TestReport } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import type { BuildResult } from '../../core/build.ts';
import { formatDuration } from '../../pipeline/steps/args.ts';
import { FormatError, READERS } from './formats.ts';
import { TOOLS, type Tool } from './decl.ts';

interface ToolSpec {
  tool: Tool;
  pattern: string;
  excludes: string;
  skipNoTestFiles: boolean;
  failIfNotNew: boolean;
  deleteOutputFiles: boolean;
  stopProcessingIfError: boolean;
}
type Kind = 'failed' | 'skipped' | 'passed';
interface ThresholdSpec {
  kind: Kind;
  unstable: number | null;
  unstableNew: number | null;
  failure: number | null;
  failureNew: number | null;
}
const DISPLAY: Record<Kind, string> = { failed: 'Failed Tests', skipped: 'Skipped Tests', passed: 'Passed Tests' };
const THRESHOLD_CLASSES: Record<string, Kind> = { FailedThreshold: 'failed', SkippedThreshold: 'skipped', PassedThreshold: 'passed' };
const TOOL_KEYS = ['pattern', 'excludesPattern', 'skipNoTestFiles', 'failIfNotNew', 'deleteOutputFiles', 'stopProcessingIfError'];
const THRESHOLD_KEYS = ['unstableThreshold', 'unstableNewThreshold', 'failureThreshold', 'failureNewThreshold'];
/** A report bigger than this is refused as invalid (it would be read whole). */
const MAX_REPORT = 256 * 1024 * 1024;

const simple = (cls: string) => cls.slice(cls.lastIndexOf('.') + 1);
const nameOf = (m: Map<string, Value>) => String(m.get('$symbol') ?? m.get('$class') ?? '?');

/** Jenkins' Util.replaceMacro: ${NAME} and $NAME of the environment; an unknown one stays. */
function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? m);
}

function flag(m: Map<string, Value>, key: string, dflt: boolean, where: string): boolean {
  const v = m.get(key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new StepFailure(`${where}: ${key} must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

/**
 * The keys of a [$class: ...] map that the class does not have, as Jenkins prints them (and leaves
 * them out). A symbol's (GoogleTest(patern: ...)) the engine already warned of when binding it.
 */
function unknownKeys(ctx: StepContext, m: Map<string, Value>, known: readonly string[], fqcn: string): void {
  const bad = [...m.keys()].filter((k) => k !== '$class' && k !== '$symbol' && !known.includes(k));
  if (bad.length > 0 && m.has('$class')) ctx.log(`WARNING: Unknown parameter(s) found for class type '${fqcn}': ${bad.join(',')}`);
}

function toolsOf(ctx: StepContext, v: Value | undefined, step: string): ToolSpec[] {
  const items = v === undefined || v === null ? [] : isList(v) ? v : [v];
  if (items.length === 0) throw new StepFailure('At least one tool must be specified for the xunit step.');
  return items.map((item, i) => {
    const where = `${step}: tools[${i}]`;
    if (!isMap(item)) throw new StepFailure(`${where} is ${JSON.stringify(item)}, not a tool: write ${TOOLS[1]!.symbol}(pattern: '...') or [$class: '${TOOLS[1]!.className}', pattern: '...']`);
    const sym = item.get('$symbol');
    const cls = item.get('$class');
    const tool = TOOLS.find((t) => (typeof sym === 'string' && t.symbol === sym) || (typeof cls === 'string' && (simple(cls) === t.className || cls === t.symbol)));
    if (!tool) throw new StepFailure(`${where}: ${nameOf(item)} is not a tool Kiln reads; the tools are ${TOOLS.map((t) => t.symbol).join(', ')} (or their classes ${TOOLS.map((t) => t.className).join(', ')})`);
    unknownKeys(ctx, item, TOOL_KEYS, `org.jenkinsci.plugins.xunit.types.${tool.className}`);
    const pattern = item.get('pattern');
    if (pattern !== undefined && pattern !== null && typeof pattern !== 'string') throw new StepFailure(`${where}: pattern must be a string`);
    const excludes = item.get('excludesPattern');
    return {
      tool, pattern: (pattern ?? '').trim(), excludes: typeof excludes === 'string' ? excludes.trim() : '',
      skipNoTestFiles: flag(item, 'skipNoTestFiles', false, where), failIfNotNew: flag(item, 'failIfNotNew', true, where),
      deleteOutputFiles: flag(item, 'deleteOutputFiles', true, where), stopProcessingIfError: flag(item, 'stopProcessingIfError', true, where),
    };
  });
}

function thresholdsOf(ctx: StepContext, v: Value | undefined, step: string): ThresholdSpec[] {
  const items = v === undefined || v === null ? [] : isList(v) ? v : [v];
  return items.map((item, i) => {
    const where = `${step}: thresholds[${i}]`;
    if (!isMap(item)) throw new StepFailure(`${where} is ${JSON.stringify(item)}, not a threshold: write failed(...), skipped(...) or passed(...)`);
    const sym = item.get('$symbol');
    const cls = item.get('$class');
    const kind: Kind | undefined = typeof sym === 'string' && (sym === 'failed' || sym === 'skipped' || sym === 'passed') ? sym : typeof cls === 'string' ? THRESHOLD_CLASSES[simple(cls)] : undefined;
    if (!kind) throw new StepFailure(`${where}: ${nameOf(item)} is not a threshold: write failed(...), skipped(...) or passed(...) (or [$class: 'FailedThreshold', ...])`);
    unknownKeys(ctx, item, THRESHOLD_KEYS, `org.jenkinsci.plugins.xunit.threshold.${Object.keys(THRESHOLD_CLASSES).find((k) => THRESHOLD_CLASSES[k] === kind)}`);
    const num = (key: string): number | null => {
      const x = item.get(key);
      if (x === undefined || x === null || (typeof x === 'string' && x.trim() === '')) return null;
      const s = typeof x === 'number' ? String(x) : typeof x === 'string' ? x.trim() : '';
      if (!/^[+-]?\d{1,9}$/.test(s)) throw new StepFailure(`${where}: ${kind}(${key}: ${JSON.stringify(x)}): a threshold is a whole number (of tests, or a percent with thresholdMode: 2)`);
      return Number(s);
    };
    return { kind, unstable: num('unstableThreshold'), unstableNew: num('unstableNewThreshold'), failure: num('failureThreshold'), failureNew: num('failureNewThreshold') };
  });
}

/** The test margin: Jenkins' XUnitUtil.parsePositiveLong (a positive whole number, else the default). */
function marginOf(v: Value | undefined): number {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^\d{1,12}$/.test(s) && Number(s) > 0 ? Number(s) : 3000;
}

const xmlEsc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** The cases of one report as a JUnit file (what the plugin's conversion writes to generatedJUnitFiles/). */
function junitXml(cases: readonly TestCase[]): string {
  const suites = new Map<string, TestCase[]>();
  for (const c of cases) suites.set(c.suite, [...(suites.get(c.suite) ?? []), c]);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>'];
  for (const [name, cs] of suites) {
    const n = (s: TestCase['status']) => cs.filter((c) => c.status === s).length;
    out.push(`  <testsuite name="${xmlEsc(name)}" tests="${cs.length}" failures="${n('failed')}" errors="${n('error')}" skipped="${n('skipped')}" time="${cs.reduce((t, c) => t + c.durationMs, 0) / 1000}">`);
    for (const c of cs) {
      const inner: string[] = [];
      if (c.status === 'failed' || c.status === 'error') inner.push(`<${c.status === 'failed' ? 'failure' : 'error'}${c.message ? ` message="${xmlEsc(c.message)}"` : ''}>${xmlEsc(c.details ?? '')}</${c.status === 'failed' ? 'failure' : 'error'}>`);
      if (c.status === 'skipped') inner.push(`<skipped${c.message ? ` message="${xmlEsc(c.message)}"` : ''}/>`);
      if (c.stdout) inner.push(`<system-out>${xmlEsc(c.stdout)}</system-out>`);
      if (c.stderr) inner.push(`<system-err>${xmlEsc(c.stderr)}</system-err>`);
      out.push(`    <testcase classname="${xmlEsc(c.className)}" name="${xmlEsc(c.name)}" time="${c.durationMs / 1000}"${inner.length ? `>${inner.join('')}</testcase>` : '/>'}`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

/** Last-modified times (ms) of workspace files, by `date -r` on the node (GNU and BSD); null for one it cannot tell. */
async function mtimes(ctx: StepContext, base: string, files: readonly string[]): Promise<(number | null)[]> {
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  const r = await ws.exec({
    argv: ['sh', '-c', 'for f in "$@"; do date -r "$f" +%s 2>/dev/null || echo -; done', 'sh', ...files],
    cwd: base, env: { ...ctx.env }, signal: ctx.signal, onOutput: (c) => { out.push(c); },
  });
  const lines = Buffer.concat(out).toString('utf8').trim().split('\n');
  if (r.exitCode !== 0 || lines.length !== files.length) return files.map(() => null);
  return lines.map((l) => (/^\d+$/.test(l.trim()) ? Number(l.trim()) * 1000 : null));
}

interface Totals { total: number; failed: number; skipped: number; passed: number }

/** One threshold's result, as XUnitThreshold: failure before new failure before unstable before new unstable. */
function check(t: ThresholdSpec, cur: Totals, prev: Totals | null, percent: boolean, log: (l: string) => void): BuildResult {
  const count = (x: Totals) => (t.kind === 'failed' ? x.failed : t.kind === 'skipped' ? x.skipped : x.passed);
  let value: number = count(cur);
  let fresh: number = value - (prev ? count(prev) : 0);
  if (percent) {
    value = (value / cur.total) * 100;
    fresh = (fresh / cur.total) * 100;
  }
  // Failed and skipped: at most the threshold is fine; passed: at least.
  const ok = (threshold: number, v: number) => (t.kind === 'passed' ? v >= threshold : v <= threshold);
  const say = (scope: 'total' | 'new', name: string) => log(`INFO: The ${scope} number of tests for the threshold '${DISPLAY[t.kind]}' exceeds the specified "${name}" value.`);
  if (t.failure !== null && !ok(t.failure, value)) { say('total', 'failure threshold'); return 'FAILURE'; }
  if (t.failureNew !== null && !ok(t.failureNew, fresh)) { say('new', 'new failure threshold'); return 'FAILURE'; }
  if (t.unstable !== null && !ok(t.unstable, value)) { say('total', 'unstable threshold'); return 'UNSTABLE'; }
  if (t.unstableNew !== null && !ok(t.unstableNew, fresh)) { say('new', 'new unstable threshold'); return 'UNSTABLE'; }
  return 'SUCCESS';
}

const ORDER: readonly BuildResult[] = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'];

interface Outcome { totals: Totals; recorded: number; result: BuildResult }

async function process(ctx: StepContext, args: Record<string, Value | undefined>, step: string): Promise<Outcome> {
  const tools = toolsOf(ctx, args.tools, step);
  const thresholds = thresholdsOf(ctx, args.thresholds, step);
  const modeV = args.thresholdMode;
  const mode = modeV === undefined || modeV === null ? 1 : Number(modeV);
  if (mode !== 1 && mode !== 2) throw new StepFailure(`${step}: thresholdMode must be 1 (numbers of tests) or 2 (percents), not ${JSON.stringify(modeV)}`);
  const margin = marginOf(args.testTimeMargin);
  const reduceLog = args.reduceLog === true;
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const log = (l: string) => ctx.log(l);
  const cases: TestCase[] = [];
  let processed = 0;
  for (const spec of tools) {
    const label = spec.tool.label;
    log(`INFO: Processing ${label}`);
    if (spec.pattern === '') continue;
    const pattern = expand(spec.pattern.replace(/[\t\r\n]+/g, ' '), ctx.env);
    const excludes = spec.excludes ? expand(spec.excludes.replace(/[\t\r\n]+/g, ' '), ctx.env) : undefined;
    const files = await ws.glob(base, pattern, excludes);
    if (files.length === 0) {
      const msg = `[${label}] - No test report file(s) were found with the pattern '${pattern}' relative to '${base}' for the testing framework '${label}'.\n`
        + `Did you enter a pattern relative to (and within) the workspace directory?\nDid you generate the result report(s) for '${label}'?`;
      if (spec.skipNoTestFiles) { log(`INFO: ${msg}`); continue; }
      throw new StepFailure(msg);
    }
    log(`INFO: [${label}] - ${files.length} test report file(s) were found with the pattern '${pattern}' relative to '${base}' for the testing framework '${label}'.`);
    if (spec.failIfNotNew && ctx.build.startedAt !== undefined) {
      const start = ctx.build.startedAt;
      const times = await mtimes(ctx, base, files);
      const old = files.map((f, i) => ({ f, t: times[i] })).filter((x): x is { f: string; t: number } => x.t !== null && x.t !== undefined && start - margin > x.t);
      if (old.length > 0) {
        throw new StepFailure(['Test reports were found but not all of them are new. Did all the tests run?', ...old.map((x) => `  * ${path.join(base, x.f)} is ${formatDuration(start - x.t)} old`)].join('\n'));
      }
    }
    const converted: TestCase[][] = [];
    for (const f of files) {
      const full = path.join(base, f);
      const problem = (msg: string) => {
        if (spec.stopProcessingIfError) throw new StepFailure(msg);
        log(`WARNING: ${msg}`);
      };
      const st = await ws.stat(full);
      if (st && st.size > MAX_REPORT) { problem(`The result file '${full}' for the metric '${label}' is not valid (larger than ${MAX_REPORT / 1024 / 1024} MiB). The result file has been skipped.`); continue; }
      const xml = (await ws.readFile(full)).toString('utf8');
      if (xml.trim() === '') { problem(`The result file '${full}' for the metric '${label}' is empty. The result file has been skipped.`); continue; }
      let read: TestCase[];
      try {
        read = READERS[spec.tool.symbol](xml, f);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        problem(`The result file '${full}' for the metric '${label}' is not valid (${e.message}). The result file has been skipped.`);
        continue;
      }
      for (const c of read) {
        if (reduceLog && c.status === 'passed') {
          c.stdout = c.stdout && c.stdout.length > 4096 ? c.stdout.slice(0, 4096) + '\n...[truncated]' : c.stdout;
          c.stderr = c.stderr && c.stderr.length > 4096 ? c.stderr.slice(0, 4096) + '\n...[truncated]' : c.stderr;
        }
      }
      converted.push(read);
      cases.push(...read);
      processed++;
    }
    if (!spec.deleteOutputFiles) {
      for (const [i, cs] of converted.entries()) await ws.writeFile(path.join(base, 'generatedJUnitFiles', label, `TEST-${i + 1}.xml`), junitXml(cs));
    }
  }
  const totals: Totals = { total: 0, failed: 0, skipped: 0, passed: 0 };
  if (processed > 0) {
    const report: TestReport = { total: cases.length, failed: 0, errors: 0, skipped: 0, passed: 0, cases };
    for (const c of cases) {
      if (c.status === 'failed') report.failed++;
      else if (c.status === 'error') report.errors++;
      else if (c.status === 'skipped') report.skipped++;
      else report.passed++;
    }
    await ctx.build.services.tests.record(report);
    Object.assign(totals, { total: report.total, failed: report.failed + report.errors, skipped: report.skipped, passed: report.passed });
  }
  const prevT = (await ctx.build.services.tests.previous?.()) ?? null;
  const prev = prevT ? { total: prevT.total, failed: prevT.failed + prevT.errors, skipped: prevT.skipped, passed: prevT.passed } : null;
  let result: BuildResult = 'SUCCESS';
  for (const t of thresholds) {
    log(`INFO: Check '${DISPLAY[t.kind]}' threshold.`);
    const r = check(t, totals, prev, mode === 2, log);
    if (r !== 'SUCCESS') { result = r; break; }
  }
  return { totals, recorded: processed, result };
}

const summary = (t: Totals): Value => new Map<string, Value>([['totalCount', t.total], ['failCount', t.failed], ['skipCount', t.skipped], ['passCount', t.passed]]);

/** xunit: the results, the thresholds' result on the build and its stage, the totals returned. */
const xunit: StepRun = async (ctx, args) => {
  const o = await process(ctx, args.values, 'xunit');
  if (o.result !== 'SUCCESS') ctx.build.setResult(o.result, o.result);
  return summary(o.totals);
};

/** step([$class: 'XUnitPublisher']): as xunit, then the build's result, said on the console. */
const XUnitPublisher: StepRun = async (ctx, args) => {
  let o: Outcome;
  try {
    o = await process(ctx, args.values, 'XUnitPublisher');
  } catch (e) {
    if (e instanceof StepFailure) ctx.build.setResult('FAILURE');
    throw e;
  }
  if (o.totals.passed === 0 && o.totals.failed === 0) ctx.log('WARNING: All test reports are empty.');
  const before = ctx.build.result;
  const result = before !== 'NOT_BUILT' && ORDER.indexOf(before) >= ORDER.indexOf(o.result) ? before : o.result;
  ctx.log(`INFO: Setting the build status to ${result}`);
  ctx.build.setResult(result);
  return null;
};

const runtime: PluginRuntime = { steps: { xunit, XUnitPublisher } };
export default runtime;
