// recordIssues under `kiln run`: the console of the real gcc is parsed (the run's console.log so
// far), the gate sets the result, and the results are kept in .kiln/runs/N/issues.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

test('kiln run: gcc() reads the console so far, an UNSTABLE gate, issues.json kept with the run', async () => {
  const dir = tempDir('warnings-run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline {
  agent any
  stages {
    stage('c') {
      steps {
        writeFile file: 'm.c', text: 'int main(void) { int unused; return 0; }\\n'
        sh 'gcc -Wall -fdiagnostics-color=never -c m.c -o m.o'
        recordIssues tools: [gcc()], qualityGates: [[threshold: 1, type: 'TOTAL', unstable: true]]
      }
    }
  }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr); // kiln run's exit code for UNSTABLE
  assert.match(r.stdout, /\[GNU C Compiler \(gcc\)\] -> found 1 issue \(skipped 0 duplicates\)\n/);
  assert.match(r.stdout, /\[GNU C Compiler \(gcc\)\] -> Some quality gates have been missed: overall result is UNSTABLE\n/);
  assert.match(r.stdout, /Finished: UNSTABLE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/issues.json'), 'utf8'));
  assert.deepEqual(kept.map((x: any) => [x.id, x.qualityGate, x.issues[0].file, x.issues[0].line, x.issues[0].category]), [['gcc', 'WARNING', 'm.c', 1, '-Wunused-variable']]);
});
