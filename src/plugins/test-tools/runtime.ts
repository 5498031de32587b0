// What the test-tools plugin's steps do (declared in index.ts). Every file is reached through the
// Workspace and every process through its exec, so they behave the same on agents.
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
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

/**
 * xvnc (Xvnc plugin): an X server on a free display for the block, stopped after it however the
 * block ends. Xvfb is preferred (it listens on nothing but its Unix socket); Xvnc (TigerVNC) when
 * Xvfb is absent, with -localhost. The server picks a free display itself and says it when ready
 * (-displayfd), so two builds never race for one and nothing waits a fixed time. With
 * useXauthority (the default, as the plugin) the server only accepts clients holding a random
 * cookie, kept in an Xauthority file in the workspace's tmp directory (XAUTHORITY in the block;
 * the cookie goes to xauth on stdin, never on a command line). takeScreenshot: ImageMagick's
 * `import -window root -display :N screenshot.jpg` saves the screen in the workspace before the
 * server stops ("Taking screenshot."), and it is archived, as the plugin does; without ImageMagick
 * on the node the step fails before anything starts, saying so.
 */
const xvnc: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const cwd = ctx.cwd ?? ws.root;
  const sh = async (script: string, stdin?: string, signal: AbortSignal | undefined = ctx.signal) => {
    const out: Buffer[] = [];
    const r = await ws.exec({ argv: ['sh', '-c', script], cwd, env: { ...ctx.env }, ...(stdin !== undefined ? { stdin } : {}), ...(signal ? { signal } : {}), onOutput: (c) => { out.push(c); } });
    return { code: r.exitCode, out: Buffer.concat(out).toString('utf8').trim() };
  };
  const found = (await sh('command -v Xvfb || command -v Xvnc || true')).out.split('\n')[0] ?? '';
  if (!found) throw new StepFailure(`xvnc: neither Xvnc nor Xvfb is installed on node '${ws.nodeName}'; install one (apt-get install xvfb) or run the block in a container that has it`);
  const isVnc = /Xvnc$/.test(found);
  const useXauth = bool(args, 'useXauthority', true);
  const screenshot = bool(args, 'takeScreenshot', false);
  // Asked for a screenshot: ImageMagick must be there, or nothing starts (not a surprise after the tests ran).
  if (screenshot && (await sh('command -v import')).code !== 0) {
    throw new StepFailure(`xvnc: takeScreenshot needs ImageMagick's import on node '${ws.nodeName}', which is not installed there (apt-get install imagemagick, or takeScreenshot: false)`);
  }
  const id = randomBytes(6).toString('hex');
  const base = path.join(ws.tmp, `xvnc-${id}`);
  const auth = `${base}.Xauthority`;
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const cookie = randomBytes(16).toString('hex');
  if (useXauth) {
    const made = await sh(`mkdir -p ${q(ws.tmp)} && umask 077 && xauth -q -f ${q(auth)} source -`, `add :0 MIT-MAGIC-COOKIE-1 ${cookie}\n`);
    if (made.code !== 0) throw new StepFailure(`xvnc: cannot make the Xauthority file with xauth on node '${ws.nodeName}' (install xauth, or useXauthority: false): ${made.out}`);
  }
  ctx.log('Starting xvnc');
  const opts = isVnc ? '-geometry 1024x768 -depth 24 -SecurityTypes None -localhost -nolisten tcp' : '-screen 0 1024x768x24 -nolisten tcp';
  const start = await sh([
    `mkdir -p ${q(ws.tmp)}; rm -f ${q(`${base}.display`)}`,
    `${q(found)} -displayfd 3 ${opts}${useXauth ? ` -auth ${q(auth)}` : ''} 3>${q(`${base}.display`)} >${q(`${base}.log`)} 2>&1 </dev/null &`,
    `pid=$!; echo $pid > ${q(`${base}.pid`)}`,
    `while [ ! -s ${q(`${base}.display`)} ]; do kill -0 $pid 2>/dev/null || { echo "the X server exited:"; cat ${q(`${base}.log`)}; exit 1; }; sleep 0.05; done`,
    `cat ${q(`${base}.display`)}`,
  ].join('\n'));
  const display = /^(\d+)$/m.exec(start.out)?.[1];
  const stop = async () => {
    await sh(`kill "$(cat ${q(`${base}.pid`)})" 2>/dev/null; rm -f ${q(`${base}.pid`)} ${q(`${base}.display`)} ${q(`${base}.log`)} ${q(auth)}`, undefined, undefined).catch(() => {});
  };
  if (start.code !== 0 || display === undefined) {
    await stop();
    throw new StepFailure(`xvnc: ${path.basename(found)} did not start on node '${ws.nodeName}': ${start.out.slice(-2000)}`);
  }
  const env: Record<string, string> = { DISPLAY: `:${display}` };
  if (useXauth) {
    // Clients look the cookie up by display: add it for the display the server took (on stdin, as
    // above; not `xauth list | xauth source`, whose two processes race for the file's lock).
    const added = await sh(`xauth -q -f ${q(auth)} source -`, `add :${display} MIT-MAGIC-COOKIE-1 ${cookie}\n`);
    if (added.code !== 0) {
      await stop();
      throw new StepFailure(`xvnc: cannot add display :${display} to the Xauthority file with xauth on node '${ws.nodeName}': ${added.out}`);
    }
    env['XAUTHORITY'] = auth;
  }
  try {
    return await ctx.runBody(args.body!, { env });
  } finally {
    if (screenshot) {
      // As the plugin: import -window root -display :N screenshot.jpg in the workspace, archived as
      // screenshot.jpg; a failure is printed and the build goes on (the plugin prints its exception).
      ctx.log('Taking screenshot.');
      const shot = await sh(`${useXauth ? `XAUTHORITY=${q(auth)} ` : ''}import -window root -display :${display} screenshot.jpg`, undefined, undefined);
      if (shot.code === 0) await archiveRun(ctx, { values: { artifacts: 'screenshot.jpg' }, body: null });
      else ctx.log(`ERROR: xvnc: the screenshot failed (import exited with ${String(shot.code)}): ${shot.out.slice(-2000)}`);
    }
    ctx.log('Terminating xvnc.');
    await stop();
  }
};

const runtime: PluginRuntime = { steps: { realtimeJUnit, splitTests, xvnc } };
export default runtime;
