// The script interpreter on a loop-heavy `script {}` against the same loop in plain JavaScript:
// N iterations of string, list and map work and a method call, run through the real validator
// and engine (a declarative pipeline, agent none). The ratio interpreter/JS tells how far the
// Groovy a Jenkinsfile runs is from the machine, and how that changes as the language grows.
//
//   node bench/interp.ts [--iterations 100000] [--runs 5] [--script def|class|all]
//
// Each script variant differs only in how the method is called: `def` a script function, `class`
// a method of a class declared in the Jenkinsfile (a variant that does not load yet is reported
// as such, not failed). Both print the loop's result, which must equal the JavaScript loop's.
// Prints a table, then one JSON line: {"bench":"interp",...}. Figures are medians over runs; the
// spread is min–max.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { loadPipeline } from '../src/pipeline/load.ts';
import { registry } from '../test/helpers/registry.ts';
import { PipelineRun } from '../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../src/core/nodes.ts';
import { median, NO_SERVICES } from './lib.ts';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    script: { type: 'string', default: 'all' },
  },
});
const N = Number(values.iterations);
const RUNS = Number(values.runs);
if (!(N > 0) || !(RUNS > 0)) throw new Error('--iterations and --runs must be positive numbers');

/** The loop's body, shared by every variant; `CALL` is how the method is reached. */
function loop(call: string): string {
  return `
          def total = 0
          def words = []
          def counts = [:]
          for (int i = 0; i < ${N}; i++) {
            def s = 'item-' + (i % 100)
            words << s.toUpperCase()
            if (words.size() > 50) { words.remove(0) }
            counts[s] = (counts[s] ?: 0) + 1
            total += ${call}
          }
          echo "total=\${total} keys=\${counts.size()} words=\${words.size()} last=\${words[-1]}"`;
}

function pipeline(prelude: string, setup: string, call: string): string {
  return `${prelude}
pipeline {
  agent none
  stages {
    stage('loop') {
      steps {
        script {${setup}${loop(call)}
        }
      }
    }
  }
}
`;
}

const SCRIPTS: Record<string, string> = {
  def: pipeline(`def work(String s, int i) {
  return s.length() + i % 7
}`, '', 'work(s, i)'),
  class: pipeline(`class Worker {
  int work(String s, int i) {
    return s.length() + i % 7
  }
}`, `
          def worker = new Worker()`, 'worker.work(s, i)'),
};

/** The same loop in plain JavaScript. */
function jsLoop(n: number): string {
  const work = (s: string, i: number) => s.length + (i % 7);
  let total = 0;
  const words: string[] = [];
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const s = 'item-' + (i % 100);
    words.push(s.toUpperCase());
    if (words.length > 50) words.shift();
    counts.set(s, (counts.get(s) ?? 0) + 1);
    total += work(s, i);
  }
  return `total=${total} keys=${counts.size} words=${words.length} last=${words.at(-1)}`;
}

const noNodes: NodeProvider = { allocate: async () => { throw new Error('the bench pipeline needs no node'); } };

async function runScript(source: string, n: number): Promise<{ ms: number; line: string }> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(loaded.diagnostics.map((d) => `${d.loc?.start.line ?? '?'}: ${d.message}`).join('; '));
  const out: Buffer[] = [];
  const run = new PipelineRun({
    registry, model: loaded.model, file: 'Jenkinsfile', build: { job: 'bench', number: n, id: `bench#${n}` }, nodes: noNodes,
    services: NO_SERVICES, listener: { output: (d) => { out.push(d); } },
  });
  const t = performance.now();
  const state = await run.run();
  const ms = performance.now() - t;
  const text = Buffer.concat(out).toString('utf8');
  if (state.result !== 'SUCCESS') throw new Error(`the bench pipeline ended ${state.result}:\n${text.split('\n').filter((l) => l.startsWith('ERROR')).join('\n')}`);
  const line = text.split('\n').find((l) => l.startsWith('total=')) ?? '';
  return { ms, line };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const want = jsLoop(N);
const jsTimes: number[] = [];
for (let w = 0; w < 5; w++) jsLoop(N); // warm up the JIT
for (let r = 0; r < RUNS; r++) {
  const t = performance.now();
  if (jsLoop(N) !== want) throw new Error('the JavaScript loop is not deterministic');
  jsTimes.push(performance.now() - t);
}
const jsMedian = median(jsTimes);

interface Row { variant: string; status: 'ok' | 'unsupported'; medianMs?: number; minMs?: number; maxMs?: number; ratio?: number; ratioMin?: number; ratioMax?: number; reason?: string }
const rows: Row[] = [];
const variants = values.script === 'all' ? Object.keys(SCRIPTS) : [values.script!];
for (const v of variants) {
  const source = SCRIPTS[v];
  if (!source) throw new Error(`--script must be one of ${Object.keys(SCRIPTS).join(', ')}, all`);
  let times: number[];
  try {
    const first = await runScript(source, 0); // warm up, and check the result
    if (first.line !== want) throw new Error(`the ${v} script computed "${first.line}", JavaScript "${want}"`);
    times = [];
    for (let r = 1; r <= RUNS; r++) times.push((await runScript(source, r)).ms);
  } catch (err) {
    if (v === 'def') throw err;
    rows.push({ variant: v, status: 'unsupported', reason: (err as Error).message.split('\n')[0]!.slice(0, 160) });
    continue;
  }
  const m = median(times);
  rows.push({
    variant: v, status: 'ok', medianMs: round(m), minMs: round(Math.min(...times)), maxMs: round(Math.max(...times)),
    ratio: round(m / jsMedian, 0), ratioMin: round(Math.min(...times) / jsMedian, 0), ratioMax: round(Math.max(...times) / jsMedian, 0),
  });
}

const table: string[][] = [['case', 'median ms', 'min–max ms', '× JavaScript (median)', 'spread ×']];
table.push(['JavaScript loop', String(round(jsMedian, 3)), `${round(Math.min(...jsTimes), 3)}–${round(Math.max(...jsTimes), 3)}`, '1', '']);
for (const r of rows) {
  if (r.status === 'ok') table.push([`interpreter: ${r.variant} method`, String(r.medianMs), `${r.minMs}–${r.maxMs}`, String(r.ratio), `${r.ratioMin}–${r.ratioMax}`]);
  else table.push([`interpreter: ${r.variant} method`, 'n/a', '', '', '']);
}
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
process.stdout.write(`bench interp: ${N} iterations, ${RUNS} runs (node ${process.version})\n`);
for (const r of table) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + '\n');
for (const r of rows) if (r.status === 'unsupported') process.stdout.write(`${r.variant} method: not supported yet: ${r.reason}\n`);
process.stdout.write(JSON.stringify({
  bench: 'interp', node: process.version, iterations: N, runs: RUNS,
  js: { medianMs: round(jsMedian, 3), minMs: round(Math.min(...jsTimes), 3), maxMs: round(Math.max(...jsTimes), 3) },
  variants: rows,
}) + '\n');
