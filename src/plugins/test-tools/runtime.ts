// What the test-tools plugin's steps do (declared in index.ts). Every file is reached through the
// Workspace and every process through its exec, so they behave the same on agents.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { run as junitRun } from '../../pipeline/steps/junit.ts';
import { run as archiveRun } from '../../pipeline/steps/archiveArtifacts.ts';

/** realtimeJUnit: the block, then junit over its reports, however the block ended. */
const realtimeJUnit: StepRun = async (ctx, args) => {
  let failed: unknown = null;
  let value: Value = null;
  try {
    value = await ctx.runBody(args.body!);
  } catch (e) {
    failed = e;
  }
  if (!ctx.signal.aborted) {
    await junitRun(ctx, { values: { testResults: str(args, 'testResults') ?? '', allowEmptyResults: bool(args, 'allowEmptyResults', failed !== null), keepLongStdio: bool(args, 'keepLongStdio', false) }, body: null });
  }
  if (failed) throw failed;
  return value;
};

const TEST_SOURCES = '**/src/test/**/*.java, **/src/test/**/*.kt, **/src/test/**/*.groovy, **/src/test/**/*.scala';

/** splitTests: test files (by the class path under src/test/<lang>/) dealt into N lists in turn. */
const splitTests: StepRun = async (ctx, args) => {
  const p = args.values['parallelism'];
  const n = isMap(p) && p.get('$symbol') === 'count' ? Number(p.get('size')) : Number(p);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new StepFailure('splitTests: parallelism must be count(N) with N from 1 to 1000');
  const ws = ctx.workspace();
  const files = await ws.glob(ctx.cwd ?? ws.root, TEST_SOURCES, '**/node_modules/**');
  const classes = [...new Set(files.map((f) => f.replace(/^.*?src\/test\/[^/]+\//, '').replace(/\.[^./]+$/, '')))].sort();
  ctx.log(`Scanning for test files in ${ws.nodeName}: found ${classes.length}; splitting them in ${n}`);
  const buckets: string[][] = Array.from({ length: n }, () => []);
  classes.forEach((c, i) => buckets[i % n]!.push(c));
  const patterns = (cs: string[]) => cs.flatMap((c) => [`${c}.java`, `${c}.class`]);
  if (bool(args, 'generateInclusions', false)) {
    return buckets.map((bucket) => new Map<string, Value>([['includes', true], ['list', patterns(bucket)]]));
  }
  // Exclusions: each split excludes the others' tests, so a test added since runs in every split.
  return buckets.map((_, i) => patterns(buckets.flatMap((x, j) => (j === i ? [] : x))));
};

/** allure: the results directories kept as artifacts (allure-results/<n>/...). */
const allure: StepRun = async (ctx, args) => {
  if (bool(args, 'disabled', false)) return null;
  const policy = (str(args, 'reportBuildPolicy') ?? 'ALWAYS').toUpperCase();
  if (!['ALWAYS', 'UNSTABLE', 'UNSUCCESSFUL'].includes(policy)) throw new StepFailure(`allure: reportBuildPolicy '${policy}' is not ALWAYS, UNSTABLE or UNSUCCESSFUL`);
  if (policy === 'UNSTABLE' && ctx.build.result === 'SUCCESS') return null;
  if (policy === 'UNSUCCESSFUL' && ctx.build.result === 'SUCCESS') return null;
  const results = args.values['results'];
  const list = results === undefined || results === null ? [] : isList(results) ? results : [results];
  const paths = list.map((r, i) => {
    const p = isMap(r) ? r.get('path') : r;
    if (typeof p !== 'string' || relPathProblem(p.replace(/\/+$/, '')) !== null) throw new StepFailure(`allure: results[${i}] must be [path: 'dir'] with a directory relative to the workspace`);
    return p.replace(/\/+$/, '');
  });
  if (paths.length === 0) throw new StepFailure("allure: no results given; write allure(results: [[path: 'allure-results']])");
  ctx.log('Kiln keeps the Allure results as artifacts and does not generate the Allure report (use the allure CLI and publishHTML for the report)');
  for (const p of paths) {
    const st = await ctx.workspace().stat(path.join(ctx.cwd ?? ctx.workspace().root, p));
    if (!st || st.type !== 'dir') { ctx.log(`Allure results directory '${p}' does not exist`); continue; }
    await archiveRun(ctx, { values: { artifacts: `${p}/**`, allowEmptyArchive: true }, body: null });
  }
  return null;
};

/** xvnc: Xvnc (or Xvfb) on a free display for the block, stopped after it. */
const xvnc: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  await ws.exec({ argv: ['sh', '-c', 'command -v Xvnc || command -v Xvfb || true'], cwd: ctx.cwd ?? ws.root, env: { ...ctx.env }, signal: ctx.signal, onOutput: (c) => { out.push(c); } });
  const server = Buffer.concat(out).toString('utf8').trim().split('\n')[0] ?? '';
  if (!server) throw new StepFailure(`xvnc: neither Xvnc nor Xvfb is installed on node '${ws.nodeName}'; install one (apt-get install xvfb) or run the block in a container that has it`);
  const display = 10 + Math.floor(Math.random() * 80);
  const pidFile = path.join(ws.tmp, `xvnc-${display}.pid`);
  const isVnc = /Xvnc$/.test(server);
  const cmd = `${isVnc ? `'${server}' :${display} -geometry 1024x768 -depth 24 -SecurityTypes None` : `'${server}' :${display} -screen 0 1024x768x24`} >/dev/null 2>&1 & echo $! > '${pidFile}'; sleep 1`;
  ctx.log(`Starting ${isVnc ? 'Xvnc' : 'Xvfb'} on display :${display}`);
  await ws.exec({ argv: ['sh', '-c', cmd], cwd: ctx.cwd ?? ws.root, env: { ...ctx.env }, signal: ctx.signal, onOutput: () => {} });
  try {
    return await ctx.runBody(args.body!, { env: { DISPLAY: `:${display}` } });
  } finally {
    await ws.exec({ argv: ['sh', '-c', `kill "$(cat '${pidFile}')" 2>/dev/null; rm -f '${pidFile}'`], cwd: ctx.cwd ?? ws.root, env: { ...ctx.env }, onOutput: () => {} }).catch(() => {});
  }
};

const runtime: PluginRuntime = { steps: { realtimeJUnit, splitTests, allure, xvnc } };
export default runtime;
