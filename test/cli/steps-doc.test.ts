// The steps Kiln provides, grouped by the Jenkins plugin each stands in for: docs/steps.md is
// exactly what the plugin list's declarations give (regenerate with
// `node scripts/gen-steps-doc.ts`), `kiln lint --list-steps` prints the same groups, and an
// unknown step that is a well-known Jenkins one is still an error whose message names its plugin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StepRegistry } from '../../src/pipeline/steps/registry.ts';
import { builtins } from '../../src/plugins/index.ts';
import { stepsByPlugin, stepsMarkdown } from '../../src/cli/steps-doc.ts';
import { JENKINS_STEP_PLUGINS } from '../../src/pipeline/steps/known-plugins.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runKiln } from '../helpers/kiln.ts';

const root = path.resolve(import.meta.dirname, '../..');
const registry = new StepRegistry(builtins);

test('docs/steps.md is what the declarations give: every step and symbol, under its Jenkins plugin', () => {
  const doc = readFileSync(path.join(root, 'docs/steps.md'), 'utf8');
  assert.equal(doc, stepsMarkdown(registry), 'docs/steps.md is out of date: run node scripts/gen-steps-doc.ts');
  for (const s of registry.steps()) assert.ok(doc.includes(s.kind === 'symbol' ? `\`${s.name}(...)\`` : `\`${s.name}\``), `${s.name} missing`);
  const groups = new Map(stepsByPlugin(registry).map(([p, steps]) => [p, steps.map((s) => s.name)]));
  assert.ok(groups.get('Pipeline: Basic Steps')?.includes('retry'));
  assert.ok(groups.get('Pipeline: Nodes and Processes')?.includes('sh'));
  assert.ok(groups.get('Pipeline: Multibranch')?.includes('properties'));
  assert.ok(groups.get('Lockable Resources')?.includes('lock'));
  assert.match(doc, /\| `durabilityHint\(\.\.\.\)` \(symbol\) \| accepted, no effect: Kiln has one durability level/);
});

test('kiln lint --list-steps groups the steps by Jenkins plugin; --json gives each its plugin', async () => {
  const r = await runKiln(['lint', '--list-steps']);
  assert.equal(r.code, 0);
  const basic = r.stdout.indexOf('== Pipeline: Basic Steps ==');
  const nodes = r.stdout.indexOf('== Pipeline: Nodes and Processes ==');
  assert.ok(basic >= 0 && nodes > basic, r.stdout.slice(0, 300));
  const echoAt = r.stdout.indexOf('\necho(');
  assert.ok(echoAt > basic && echoAt < nodes, 'echo is listed under Pipeline: Basic Steps');
  const j = JSON.parse((await runKiln(['lint', '--list-steps', '--json'])).stdout) as { steps: { name: string; jenkinsPlugin: string }[] };
  assert.equal(j.steps.find((s) => s.name === 'junit')?.jenkinsPlugin, 'JUnit');
  assert.equal(j.steps.find((s) => s.name === 'withDockerContainer')?.jenkinsPlugin, 'Docker Pipeline');
});

test('an unknown step stays an error; a well-known Jenkins one names its plugin and the shared-library way', async () => {
  const dir = tempDir('unknown-steps');
  const file = path.join(dir, 'Jenkinsfile');
  writeFileSync(file, `pipeline {
  agent any
  stages { stage('a') { steps { rocketSend channel: '#ci', message: 'hi'; notAStepAnywhere() } } }
}
`);
  const r = await runKiln(['lint', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, [
    `${file}:3:33: No such DSL method 'rocketSend' found among steps: rocketSend comes from the RocketChat Notifier plugin, which Kiln does not provide; a shared library can define vars/rocketSend.groovy`,
    `${file}:3:75: No such DSL method 'notAStepAnywhere' found among steps`,
    '',
  ].join('\n'));
  // The table names no step Kiln provides under a plugin other than its own declaration's.
  for (const s of registry.steps()) if (s.jenkinsPlugin && Object.hasOwn(JENKINS_STEP_PLUGINS, s.name)) assert.equal(s.jenkinsPlugin, JENKINS_STEP_PLUGINS[s.name], s.name);
});
