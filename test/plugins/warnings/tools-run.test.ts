// recordIssues under `kiln run` with the tools added for issue 17, as a real user's Jenkinsfile
// names them: cppLint(pattern: 'reports/cpplint/*') over what the real cpplint wrote, and
// ShellCheck through analysisParser(analysisModelId: 'shellcheck') with its default pattern
// (warnings-ng has no shellCheck() symbol); an analysis-model id Kiln has no parser for fails
// the step and says which ids it has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

function need(cmd: string): void {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
  } catch {
    assert.fail(`${cmd} is not installed on this machine: install it (apt-get install ${cmd}; scripts/test-prereqs.sh does) to run this test`);
  }
}

test('kiln run: cppLint(pattern) and analysisParser(analysisModelId: shellcheck) read the real tools\' reports', async () => {
  need('cpplint');
  need('shellcheck');
  const dir = tempDir('warnings-tools-run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline {
  agent any
  stages {
    stage('lint') {
      steps {
        writeFile file: 'b.cc', text: '#include <stdio.h>\\nint main(){ printf("x"); return 0;}\\n'
        writeFile file: 's.sh', text: '#!/bin/sh\\necho $1\\n'
        sh 'mkdir -p reports/cpplint && (cpplint b.cc 2> reports/cpplint/b.txt || true)'
        sh 'shellcheck -f json s.sh > shellcheck.json || true'
        recordIssues(tool: cppLint(pattern: 'reports/cpplint/*'))
        recordIssues tools: [analysisParser(analysisModelId: 'shellcheck')], qualityGates: [[threshold: 1, type: 'TOTAL_LOW', unstable: true]]
      }
    }
  }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE: the ShellCheck gate
  assert.match(r.stdout, /\[CppLint\] Searching for all files in '.*' that match the pattern 'reports\/cpplint\/\*'\n\[CppLint\] -> found 1 file\n/);
  assert.match(r.stdout, /\[CppLint\] -> found 2 issues \(skipped 0 duplicates\)\n/);
  assert.match(r.stdout, /\[ShellCheck\] Searching for all files in '.*' that match the pattern '\*\*\/shellcheck\.json'\n/);
  assert.match(r.stdout, /\[ShellCheck\] -> found 1 issue \(skipped 0 duplicates\)\n/);
  assert.match(r.stdout, /\[ShellCheck\] -> Some quality gates have been missed: overall result is UNSTABLE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/issues.json'), 'utf8'));
  assert.deepEqual(kept.map((x: any) => [x.id, x.issues.length]), [['cpplint', 2], ['shellcheck', 1]]);
  const sc = kept[1].issues[0];
  assert.deepEqual([sc.file, sc.line, sc.type, sc.severity], ['s.sh', 2, 'SC2086', 'LOW']);
});

test('kiln run: analysisParser with an id Kiln has no parser for fails the step, naming the ids it has', async () => {
  const dir = tempDir('warnings-tools-unknown');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline {
  agent any
  stages {
    stage('scan') {
      steps {
        recordIssues tools: [analysisParser(analysisModelId: 'coverity', pattern: 'coverity.json')]
      }
    }
  }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /recordIssues: analysisParser\(analysisModelId: 'coverity'\): Kiln has no such parser; it has java, .*sarif, .*shellcheck/);
  assert.match(r.stdout, /Finished: FAILURE\n/);
});
