// Shared libraries: what parsing a big library costs, and what loading a cached one adds to a build.
// Prints a table, then one JSON line: {"bench":"libraries",...}.
//   node bench/libraries.ts [--runs N]
//
//   cold_parse_ms    a library of 100 vars and 100 classes (src/), parsed with no cache (parseLibrary)
//   cold_parse_cpu_ms  the same, as this process's CPU time (user + system; includes GC threads)
//   cold_lint_ms     the same library parsed and checked with a Jenkinsfile (loadPipeline), no cache
//   build_without_ms a small build (load + run of a scripted Jenkinsfile) without any library
//   build_with_ms    the same build with a cached 30-file library (15 vars, 15 classes) it calls
//   added_ms         build_with_ms − build_without_ms: what a cached library adds to a build
// Targets (issue 16): cold_parse_ms ≤ 200, added_ms ≤ 20.
import { performance } from 'node:perf_hooks';
import { loadPipeline } from '../src/pipeline/load.ts';
import { PipelineRun } from '../src/pipeline/engine/engine.ts';
import { clearLibraryCache, parseLibrary } from '../src/pipeline/libraries/parsed.ts';
import type { LibraryContent } from '../src/core/libraries.ts';
import { registry } from '../test/helpers/registry.ts';
import { libraryFromFiles } from '../test/helpers/library.ts';
import { median, NO_SERVICES } from './lib.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const RUNS = arg('--runs', 20);

function makeLibrary(name: string, vars: number, classes: number, commit: string): LibraryContent {
  const files: Record<string, string> = {};
  for (let i = 0; i < vars; i++) {
    files[`vars/step${i}.groovy`] = `// step ${i}
import com.acme.util.Helper${i % Math.max(classes, 1)}
import groovy.transform.Field
@Field String prefix = 'step${i}'
def call(Map config = [:], Closure body = null) {
  def name = config.name ?: 'default'
  echo "\${prefix}: building \${name}"
  if (config.verbose) {
    for (int k = 0; k < 3; k++) { echo "detail \${k}" }
  }
  if (body != null) { body() }
  return [name: name, ok: true]
}
def info(String msg) { echo "[step${i}] \${msg}" }
def helper(List xs) { return xs.collect { it.toString().toUpperCase() }.join(',') }
`;
    files[`vars/step${i}.txt`] = `Builds things (${i}).`;
  }
  for (let i = 0; i < classes; i++) {
    files[`src/com/acme/util/Helper${i}.groovy`] = `package com.acme.util
import groovy.json.JsonOutput
class Helper${i} implements Serializable {
  static final String NAME = 'helper${i}'
  def steps
  Helper${i}(steps) { this.steps = steps }
  def run(String cmd) {
    steps.echo "running \${cmd}"
    return cmd.size()
  }
  static String describe(Map m) {
    return m.collect { k, v -> "\${k}=\${v}" }.join(';')
  }
  int count(List xs) { int n = 0; for (x in xs) { if (x) n++ }; return n }
}
`;
  }
  return libraryFromFiles(name, files, { commit });
}

const big = makeLibrary('big', 100, 100, 'b'.repeat(40));
const jenkinsfileBig = "@Library('big') _\nnode { step1(name: 'x') }\n";

// cold parse and lint: the caches cleared before each run
const parseMs: number[] = [];
const parseCpuMs: number[] = [];
const lintMs: number[] = [];
for (let r = 0; r < Math.max(5, RUNS / 4); r++) {
  clearLibraryCache();
  let t = performance.now();
  const cpu = process.cpuUsage();
  parseLibrary(big);
  parseMs.push(performance.now() - t);
  const used = process.cpuUsage(cpu);
  parseCpuMs.push((used.user + used.system) / 1000);
  clearLibraryCache();
  t = performance.now();
  const res = loadPipeline(jenkinsfileBig, registry, { libraries: [big] });
  lintMs.push(performance.now() - t);
  if (!res.model) throw new Error(`bench library does not validate: ${JSON.stringify(res.diagnostics.slice(0, 3))}`);
}

// a build with and without a cached 30-file library
const small = makeLibrary('small', 15, 15, 'c'.repeat(40));
const withLib = "@Library('small') import com.acme.util.Helper3\nstep1(name: 'x')\nstep2.info('y')\necho Helper3.describe([a: 1])\n";
const withoutLib = "echo 'small: building x'\necho '[step2] y'\necho 'a=1'\n";
const nodes = { allocate: async () => { throw new Error('no nodes in this bench'); } };

async function build(source: string, libraries: LibraryContent[]): Promise<number> {
  const t = performance.now();
  const loaded = loadPipeline(source, registry, { libraries });
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  const run = new PipelineRun({
    registry, model: loaded.model, file: 'Jenkinsfile', libraries,
    build: { job: 'bench', number: 1, id: 'bench#1' }, nodes, services: NO_SERVICES,
  });
  const state = await run.run();
  if (state.result !== 'SUCCESS') throw new Error(`bench build failed: ${state.message}`);
  return performance.now() - t;
}

await build(withLib, [small]); // warm: the library is parsed and checked once, as a controller's cache would have it
await build(withoutLib, []);
const withMs: number[] = [];
const withoutMs: number[] = [];
for (let r = 0; r < RUNS; r++) {
  withoutMs.push(await build(withoutLib, []));
  withMs.push(await build(withLib, [small]));
}

const out = {
  bench: 'libraries',
  cold_parse_ms: +median(parseMs).toFixed(1),
  cold_parse_cpu_ms: +median(parseCpuMs).toFixed(1),
  cold_lint_ms: +median(lintMs).toFixed(1),
  build_without_ms: +median(withoutMs).toFixed(2),
  build_with_ms: +median(withMs).toFixed(2),
  added_ms: +(median(withMs) - median(withoutMs)).toFixed(2),
  library_files: { big: big.files.size, small: small.files.size },
};
console.log('figure              ms');
console.log(`cold parse (100+100) ${out.cold_parse_ms}    (target ≤ 200)`);
console.log(`  of which CPU       ${out.cold_parse_cpu_ms}    (this process's CPU time: less sensitive to other load)`);
console.log(`cold parse+lint      ${out.cold_lint_ms}`);
console.log(`build without lib    ${out.build_without_ms}`);
console.log(`build with cached    ${out.build_with_ms}`);
console.log(`added by the library ${out.added_ms}    (target ≤ 20)`);
console.log(JSON.stringify(out));
