// The build page on a 1,000,000-line log, in headless Chromium (Debian's, via playwright-core),
// against a real controller and agent: how long until the console shows its first lines, and
// how long "End" takes to show the last line. Also paging (Page Down), a click on the
// scrollbar's middle, and finding a text that only the last line has (reads the whole log); a
// failed build of as many lines opening at its first error (the highlighted ERROR line); the job
// page with --builds builds of history drawing its trends for all of them. Each figure is the
// median of --runs page loads.
//
//   node bench/ui.ts [--lines 1000000] [--runs 5] [--builds 1000]
//
// Prints progress on stderr, a table on stdout, then one JSON line {"bench":"ui",...}.
// Targets: first render and jump to end under 1 s each (issue 6); the first error of a failed
// build and the job page with 1,000 builds under 500 ms each (issue 20).
import { performance } from 'node:perf_hooks';
import { ensureWebBuilt, openBrowser, requireChromium, startKiln } from '../test/e2e/harness.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const LINES = arg('lines', 1_000_000);
const RUNS = arg('runs', 5);
const BUILDS = arg('builds', 1000);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const log = (s: string) => process.stderr.write(`${s}\n`);

requireChromium();
ensureWebBuilt();
const kiln = await startKiln();
try {
  await kiln.startAgent('bench-agent', 1);
  await kiln.api('POST', '/api/v1/users', { name: 'bench', role: 'admin', password: 'bench password 123' });
  // Lines of typical build output, some coloured, numbered so the last one can be recognised.
  const script = `pipeline {
  agent any
  stages {
    stage('Big log') {
      steps {
        sh '''awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) { if (i % 10 == 0) printf "line %d: \\\\033[32mok\\\\033[0m compiled module-%d.ts in %d ms\\\\n", i, i, i % 97; else printf "line %d: compiled module-%d.ts in %d ms\\\\n", i, i, i % 97 } }' '''
      }
    }
  }
}
`;
  await kiln.api('POST', '/api/v1/jobs', { name: 'big', script });
  // The same log, then a failing step: its ERROR line is the last of a million.
  await kiln.api('POST', '/api/v1/jobs', { name: 'big-fail', script: script.replace("' '''", "'; exit 1 '''") });
  await kiln.api('POST', '/api/v1/jobs', { name: 'many', script: "pipeline {\n  agent any\n  stages {\n    stage('Build') { steps { echo 'b' } }\n    stage('Test') { steps { echo 't' } }\n  }\n}\n" });
  const t0 = performance.now();
  const finished = async (job: string, n: number, want: string) => {
    for (;;) {
      const b = await kiln.api('GET', `/api/v1/jobs/${job}/builds/${n}`);
      if (b.status === 'finished') {
        if (b.result !== want) throw new Error(`${job} #${n} ended ${b.result}: ${b.message}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await kiln.api('POST', '/api/v1/jobs/big/builds', {});
  await finished('big', 1, 'SUCCESS');
  await kiln.api('POST', '/api/v1/jobs/big-fail/builds', {});
  await finished('big-fail', 1, 'FAILURE');
  // A long history: builds started 50 at a time, each waited for.
  for (let n = 1; n <= BUILDS; n += 50) {
    const batch = Math.min(50, BUILDS - n + 1);
    await Promise.all(Array.from({ length: batch }, () => kiln.api('POST', '/api/v1/jobs/many/builds', {})));
    for (let i = n; i < n + batch; i++) await finished('many', i, 'SUCCESS');
  }
  log(`${BUILDS} builds of 'many' done`);
  const sizeRes = await fetch(new URL('api/v1/jobs/big/builds/1/console', kiln.url), { method: 'HEAD', headers: { authorization: 'Bearer kiln-e2e-admin-token-0123456789abcdef0123456789' } });
  const size = Number(sizeRes.headers.get('x-log-size') ?? 0);
  log(`build with ${LINES.toLocaleString()} lines (${(size / 1e6).toFixed(1)} MB of log) done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const b = await openBrowser({ width: 1280, height: 800 });
  try {
    const page = b.page;
    page.setDefaultTimeout(30_000);
    const login = await page.request.post(new URL('api/v1/auth/login', kiln.url).href, { data: { username: 'bench', password: 'bench password 123' } });
    if (!login.ok()) throw new Error(`login: ${login.status()} ${await login.text()}`);
    const url = new URL('job/big/build/1', kiln.url).href;
    const lastLine = `line ${LINES}:`;
    const first: number[] = [];
    const end: number[] = [];
    const pageDown: number[] = [];
    const drag: number[] = [];
    const find: number[] = [];
    const firstError: number[] = [];
    const jobPage: number[] = [];
    // One warm-up load (the browser's first start of the bundle, caches), not counted.
    for (let run = 0; run <= RUNS; run++) {
      const s = performance.now();
      await page.goto(url);
      await page.locator('.console .line', { hasText: /^line 1: / }).waitFor();
      const tFirst = performance.now() - s;
      const e0 = performance.now();
      await page.getByRole('button', { name: 'Jump to end' }).click();
      await page.locator('.console .line', { hasText: lastLine }).waitFor();
      await page.locator('.console[data-at-end="true"]').waitFor();
      const tEnd = performance.now() - e0;
      // 20 × Page Down from the top, each waited until drawn.
      await page.getByRole('button', { name: 'Top' }).click();
      await page.locator('.console .line', { hasText: /^line 1: / }).waitFor();
      await page.locator('.console').focus();
      const rows = await page.locator('.console .line').count();
      const p0 = performance.now();
      for (let i = 1; i <= 20; i++) {
        await page.keyboard.press('PageDown');
      }
      await page.locator('.console .line', { hasText: new RegExp(`^line ${20 * (rows - 2) + 1}: `) }).waitFor();
      const tPage = (performance.now() - p0) / 20;
      // Drag the scrollbar to its middle: the lines around 50 % appear.
      const box = (await page.locator('.scrolltrack').boundingBox())!;
      const d0 = performance.now();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction((n) => {
        const el = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.console .line');
        const m = /^line (\d+):/.exec(el?.textContent ?? '');
        return m !== null && Math.abs(Number(m[1]) - n / 2) < n * 0.02;
      }, LINES);
      const tDrag = performance.now() - d0;
      // Find a text that is only on the last line, starting from the top: reads the whole log.
      await page.getByRole('button', { name: 'Top' }).click();
      await page.getByLabel('Find in console', { exact: true }).fill(`line ${LINES}: `);
      const f0 = performance.now();
      await page.getByRole('button', { name: 'Find next' }).click();
      await page.locator('.console mark', { hasText: `line ${LINES}: ` }).waitFor();
      const tFind = performance.now() - f0;
      await page.getByLabel('Find in console', { exact: true }).fill('');
      // The failed build: from the page load to its first (here its only) error highlighted.
      const x0 = performance.now();
      await page.goto(new URL('job/big-fail/build/1', kiln.url).href);
      await page.locator('.console .line.error-hl', { hasText: 'ERROR: script returned exit code 1' }).waitFor();
      const tError = performance.now() - x0;
      // The job page with its whole history in the trends: charts and the stage grid drawn.
      await page.goto(new URL('job/many', kiln.url).href);
      await page.getByRole('table', { name: 'Stage times by build' }).waitFor();
      const j0 = performance.now();
      await page.getByLabel('Builds shown', { exact: true }).selectOption(String([30, 100, 1000].find((n) => n >= BUILDS) ?? 1000));
      await page.locator(`figure[aria-label="Build time"] figcaption`, { hasText: `over ${Math.min(BUILDS, 1000)} builds` }).waitFor();
      await page.locator('figure[aria-label="Build time"] canvas').waitFor();
      const tJob = performance.now() - j0;
      if (run === 0) { log(`warm-up: first ${tFirst.toFixed(0)} ms, end ${tEnd.toFixed(0)} ms`); continue; }
      first.push(tFirst); end.push(tEnd); pageDown.push(tPage); drag.push(tDrag); find.push(tFind); firstError.push(tError); jobPage.push(tJob);
      log(`run ${run}: first render ${tFirst.toFixed(0)} ms, jump to end ${tEnd.toFixed(0)} ms, page down ${tPage.toFixed(1)} ms, scrollbar to middle ${tDrag.toFixed(0)} ms, find on the last line ${tFind.toFixed(0)} ms, first error ${tError.toFixed(0)} ms, job trends of ${BUILDS} builds ${tJob.toFixed(0)} ms`);
    }
    if (b.problems.length > 0) throw new Error(`page problems: ${b.problems.join('; ')}`);
    const result = {
      bench: 'ui', lines: LINES, logBytes: size, runs: RUNS,
      firstRenderMs: Math.round(median(first)), jumpToEndMs: Math.round(median(end)),
      pageDownMs: Number(median(pageDown).toFixed(1)), scrollbarToMiddleMs: Math.round(median(drag)), findLastLineMs: Math.round(median(find)),
      firstErrorMs: Math.round(median(firstError)), firstErrorMaxMs: Math.round(Math.max(...firstError)),
      builds: BUILDS, jobTrendsMs: Math.round(median(jobPage)), jobTrendsMaxMs: Math.round(Math.max(...jobPage)),
      firstRenderMaxMs: Math.round(Math.max(...first)), jumpToEndMaxMs: Math.round(Math.max(...end)),
      targetMs: 1000,
    };
    const rows = [
      ['figure', 'median ms', 'max ms', 'target'],
      ['build page, first console lines', String(result.firstRenderMs), String(result.firstRenderMaxMs), '< 1000'],
      ['jump to end (last line shown)', String(result.jumpToEndMs), String(result.jumpToEndMaxMs), '< 1000'],
      ['page down (per press)', String(result.pageDownMs), String(Math.max(...pageDown).toFixed(1)), ''],
      ['scrollbar click to 50 %', String(result.scrollbarToMiddleMs), String(Math.round(Math.max(...drag))), ''],
      ['find text on the last line (from top)', String(result.findLastLineMs), String(Math.round(Math.max(...find))), ''],
      ['failed build: page load to first error', String(result.firstErrorMs), String(result.firstErrorMaxMs), '< 500'],
      [`job trends of ${BUILDS} builds drawn`, String(result.jobTrendsMs), String(result.jobTrendsMaxMs), '< 500'],
    ];
    console.log(`UI console on a ${LINES.toLocaleString()}-line log (${(size / 1e6).toFixed(1)} MB), headless Chromium 1280×800, ${RUNS} runs`);
    for (const r of rows) console.log(`${r[0]!.padEnd(40)} ${r[1]!.padStart(10)} ${r[2]!.padStart(8)} ${r[3]!.padStart(8)}`);
    console.log(JSON.stringify(result));
  } finally {
    await b.close();
  }
} finally {
  await kiln.stop();
}
