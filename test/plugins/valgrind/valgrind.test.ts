// publishValgrind (Valgrind plugin) under `kiln run` on real Valgrind XML: the pipeline compiles a
// small C program with an invalid write, an invalid read and a definitely lost leak, and runs it
// under valgrind --xml=yes. Asserts the counts, the thresholds as ValgrindEvaluator applies them
// (count > threshold; fail before unstable), the class form, missing and invalid reports, the
// errors kept as the build's issues, and hostile input refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const LEAK_C = `#include <stdlib.h>
int main(void) {
  int *a = malloc(4 * sizeof(int));
  a[4] = 1;
  int x = a[5];
  void *lost = malloc(16);
  lost = 0;
  free(a);
  return x > 1000 && lost;
}
`;

function project(body: string): string {
  for (const tool of ['gcc', 'valgrind']) {
    try { execFileSync(tool, ['--version'], { stdio: 'ignore' }); } catch { assert.fail(`${tool} is needed by this test (it makes the real Valgrind report) and is not installed`); }
  }
  const dir = tempDir('valgrind');
  writeFileSync(path.join(dir, 'leak.c'), LEAK_C);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  sh 'gcc -g -O0 -o leak leak.c && valgrind --xml=yes --xml-file=valgrind-leak.xml --leak-check=full ./leak || true'
  ${body}
  echo "result: \${currentBuild.currentResult}"
}
`);
  return dir;
}
const run = (dir: string) => runKiln(['run'], { cwd: dir });

test('publishValgrind: real valgrind XML; the definitely-lost fail threshold exceeded makes the build FAILURE; errors kept', async () => {
  const dir = project(`publishValgrind(pattern: 'valgrind-*.xml', failThresholdDefinitelyLost: '0', unstableThresholdTotal: '0')`);
  const r = await run(dir);
  assert.match(r.stdout, /\[Valgrind\] Files to copy:\n\[Valgrind\] valgrind-leak\.xml\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /\[Valgrind\] Errors: 3 \(definitely lost: 1, invalid reads and writes: 2\)\n/);
  assert.match(r.stdout, /result: FAILURE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/issues.json'), 'utf8'));
  const rec = (Array.isArray(kept) ? kept : [kept]).find((x: { id: string }) => x.id === 'valgrind');
  assert.deepEqual(rec.issues.map((i: { file: string; line: number; type: string }) => `${i.file}:${i.line}:${i.type}`),
    ['leak.c:4:InvalidWrite', 'leak.c:5:InvalidRead', 'leak.c:6:Leak_DefinitelyLost']);
});

test("step([$class: 'ValgrindPublisher']): thresholds are counts to exceed; only the unstable one exceeded: UNSTABLE", async () => {
  const dir = project(`step([$class: 'ValgrindPublisher', pattern: 'valgrind-*.xml', failThresholdTotal: '3', unstableThresholdInvalidReadWrite: '1', failThresholdDefinitelyLost: '1'])`);
  const r = await run(dir);
  assert.match(r.stdout, /result: UNSTABLE\n/, r.stdout + r.stderr);
});

test('publishValgrind: missing reports (failBuildOnMissingReports), invalid reports (failBuildOnInvalidReports), bad threshold, pattern leaving the workspace', async () => {
  const none = await run(project(`publishValgrind(pattern: 'none/*.xml')
  echo "after: \${currentBuild.currentResult}"
  publishValgrind(pattern: 'none/*.xml', failBuildOnMissingReports: true)`));
  assert.match(none.stdout, /after: SUCCESS\n[^]*\[Valgrind\] ERROR: no report files found for pattern 'none\/\*\.xml'\n/, none.stdout + none.stderr);
  assert.match(none.stdout, /result: FAILURE\n/);

  const bad = await run(project(`writeFile file: 'valgrind-bad.xml', text: '<valgrindoutput><error><kind>InvalidRead'
  publishValgrind(pattern: 'valgrind-bad.xml', unstableThresholdTotal: 'many')
  echo "mid: \${currentBuild.currentResult}"
  publishValgrind(pattern: 'valgrind-bad.xml', failBuildOnInvalidReports: true)`));
  assert.match(bad.stdout, /\[Valgrind\] ERROR: failed to parse valgrind-bad\.xml: not well-formed XML/, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /\[Valgrind\] ERROR: 'many' is not a valid threshold\n/);
  assert.match(bad.stdout, /mid: SUCCESS\n/);
  assert.match(bad.stdout, /result: FAILURE\n/);

  const out = await run(project(`publishValgrind(pattern: '../**/*.xml')`));
  assert.match(out.stdout + out.stderr, /publishValgrind: the pattern '\.\.\/\*\*\/\*\.xml' leaves the workspace/);
});
