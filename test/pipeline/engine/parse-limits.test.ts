// readJSON and readYaml parse on the controller: input past their size limits, and YAML alias
// bombs, fail the step with what and why instead of holding the controller's thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline } from './harness.ts';
import { tempDir } from '../../helpers/tmp.ts';

function wrap(steps: string): string {
  return `
pipeline {
  agent any
  stages { stage('S') { steps { script {
${steps}
  } } } }
}`;
}

test('readYaml: more than 3 MB of text, or an alias bomb, fails with the reason; normal YAML still parses', async () => {
  const big = await runPipeline(wrap(`readYaml text: ('k: v\\n' * 700000)`));
  assert.equal(big.state.result, 'FAILURE');
  assert.match(big.console, /readYaml: the text is too large to parse on the controller: 3.3 MB \(the limit is 3 MB\); extract the part you need with a tool in sh \(yq\) instead \(Jenkinsfile:5:1\)/);
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
  const laughs = await runPipeline(wrap(`readYaml text: '''${bomb.join('\n')}'''`));
  assert.equal(laughs.state.result, 'FAILURE');
  assert.match(laughs.console, /readYaml: text: .*\(Kiln allows 50 aliases per collection, as Jenkins' readYaml does\)/);
  const ok = await runPipeline(wrap(`def y = readYaml text: 'a: &x [1, 2]\\nb: *x'\necho "b=\${y.b}"`));
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /^b=\[1, 2\]$/m);
});

test('readJSON: a file past 32 MB is refused before it is read', async () => {
  const ws = path.join(tempDir('json'), 'ws');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'big.json'), '[' + '1,'.repeat(17 * 1024 * 1024) + '1]');
  const r = await runPipeline(wrap(`readJSON file: 'big.json'`), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /readJSON: big\.json is too large to parse on the controller: 34 MB \(the limit is 32 MB\); extract the part you need with a tool in sh \(jq\) instead/);
});
