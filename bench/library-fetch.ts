// The host side of shared libraries (src/plugins/libraries/git.ts): what resolving a 30-file
// library costs a build. First load (ls-remote + fetch + checkout + read), then a cached load by
// branch (one `git ls-remote`, the checkout already there and read), by full commit (no git at
// all), and a local directory read as it is (kiln run --library DIR). The repository is a bare
// repo on this disk, so the network is the loopback of a local path: a remote repository adds
// its round trips to the first two. Prints a table, then one JSON line: {"bench":"library-fetch",...}.
//   node bench/library-fetch.ts [--runs N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GitLibraries, readLibraryDirectory } from '../src/plugins/libraries/git.ts';
import { median } from './lib.ts';

const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 && Number(process.argv[i + 1]) > 0 ? Number(process.argv[i + 1]) : 30;

const root = mkdtempSync(path.join(tmpdir(), 'kiln-bench-lib-'));
try {
  const work = path.join(root, 'work');
  const bare = path.join(root, 'lib.git');
  mkdirSync(work);
  const git = (cwd: string, ...a: string[]) => execFileSync('git', a, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' } }).trim();
  git(work, 'init', '-q', '-b', 'main');
  for (let n = 0; n < 15; n++) {
    mkdirSync(path.join(work, 'vars'), { recursive: true });
    mkdirSync(path.join(work, 'src', 'com', 'acme'), { recursive: true });
    writeFileSync(path.join(work, 'vars', `step${n}.groovy`), `def call(Map c = [:]) {\n  echo "step ${n}: \${c}"\n}\n`.repeat(5));
    writeFileSync(path.join(work, 'src', 'com', 'acme', `Util${n}.groovy`), `package com.acme\nclass Util${n} implements Serializable {\n  def steps\n  Util${n}(steps) { this.steps = steps }\n}\n`);
  }
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'lib');
  git(root, 'clone', '-q', '--bare', work, bare);
  const commit = git(bare, 'rev-parse', 'main');

  const time = async (f: () => Promise<unknown>, runs: number) => {
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await f();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const spec = { name: 'bench', url: bare, scope: 'global' as const };
  const first = await time(async () => {
    const libs = new GitLibraries({ cacheDir: path.join(root, `cache-${Math.random()}`) });
    await libs.load({ ...spec, version: 'main' });
  }, Math.min(RUNS, 10));
  const libs = new GitLibraries({ cacheDir: path.join(root, 'cache') });
  await libs.load({ ...spec, version: 'main' });
  const byBranch = await time(() => libs.load({ ...spec, version: 'main' }), RUNS);
  const byCommit = await time(() => libs.load({ ...spec, version: commit }), RUNS);
  const dir = await time(() => readLibraryDirectory(work, { name: 'bench', version: 'local', commit: null, source: work, scope: 'local', includeInChangesets: false }), RUNS);
  const rows: [string, number][] = [['first load (fetch + checkout)', first], ['cached, by branch (ls-remote)', byBranch], ['cached, by commit (no git)', byCommit], ['directory as it is', dir]];
  for (const [what, ms] of rows) console.log(`${what.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms`);
  console.log(JSON.stringify({ bench: 'library-fetch', files: 30, firstMs: +first.toFixed(2), cachedBranchMs: +byBranch.toFixed(2), cachedCommitMs: +byCommit.toFixed(2), directoryMs: +dir.toFixed(2) }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
