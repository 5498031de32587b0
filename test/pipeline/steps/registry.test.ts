// The step registry built from a plugin list: what it answers from the declarations alone, and
// the clear error a plugin list gets when it cannot be used (a clash of names, a malformed
// declaration, an implementation missing), so that no plugin can shadow another's step and no
// name reaches an object's inherited properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginError, StepRegistry } from '../../../src/pipeline/steps/registry.ts';
import { builtins } from '../../../src/plugins/index.ts';
import type { PipelinePlugin } from '../../../src/pipeline/plugin.ts';
import type { StepDecl } from '../../../src/core/steps.ts';
import type { StepContext } from '../../../src/pipeline/steps/types.ts';

const step = (name: string, more: Partial<StepDecl> = {}): StepDecl => ({ name, doc: name, params: [], block: 'none', needsNode: false, ...more });
const plugin = (name: string, more: Partial<PipelinePlugin> = {}): PipelinePlugin => ({ name, doc: name, runtime: async () => ({}), ...more });
const refused = (plugins: PipelinePlugin[], message: RegExp) => assert.throws(() => new StepRegistry(plugins), (e: Error) => e instanceof PluginError && message.test(e.message));

test("Kiln's plugin list: every step and symbol sorted, steps apart from symbols, the plugins' agent types and globals", () => {
  const r = new StepRegistry(builtins);
  const names = r.steps().map((s) => s.name);
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));
  for (const n of ['echo', 'sh', 'withDockerContainer', 'podTemplate', 'kubernetesApply', 'usernamePassword', 'containerTemplate']) assert.ok(r.step(n), n);
  assert.ok(!r.stepNames().includes('usernamePassword'), 'a symbol is not a step');
  assert.ok(r.stepNames().includes('sh'));
  assert.deepEqual(r.agentTypeNames(), ['any', 'docker', 'dockerfile', 'kubernetes', 'label', 'node', 'none']);
  assert.ok(r.isGlobal('docker') && r.isGlobalObject('docker'));
  assert.ok(r.isGlobal('POD_LABEL') && !r.isGlobalObject('POD_LABEL'));
  assert.equal(r.step('constructor'), undefined);
  assert.equal(r.agentType('toString'), undefined);
});

test('a plugin list that cannot be used is refused, naming the plugin and what is wrong', () => {
  refused([plugin('a', { steps: [step('deploy')] }), plugin('b', { steps: [step('deploy')] })], /plugin 'b': step "deploy" is declared by plugin 'a' too/);
  refused([...builtins, plugin('mine', { steps: [step('sh')] })], /plugin 'mine': step "sh" is declared by plugin 'core' too/);
  refused([plugin('a'), plugin('a')], /two plugins are named 'a'/);
  refused([plugin('My Plugin')], /a plugin's name must be/);
  refused([plugin('a', { steps: [step('two words')] })], /step "two words": a step's name must be a Groovy identifier/);
  refused([plugin('a', { agentTypes: [{ name: 'pod', doc: '', options: [{ name: '__proto__', type: 'value', doc: '' }] }] })], /option "__proto__" is not an identifier/);
  refused([plugin('a', { steps: [step('x', { positional: 'y' })] })], /its positional parameter 'y' is not one of its parameters/);
  refused([plugin('a', { steps: [step('x', { params: [{ name: 'p', type: 'string', doc: '' }, { name: 'p', type: 'string', doc: '' }] })] })], /parameter "p" is not an identifier or is declared twice/);
  refused([{ name: 'a', doc: 'a', steps: [step('x')] }], /step "x": the plugin has no runtime to run it/);
  refused([plugin('a', { agentTypes: [{ name: 'label', doc: '', options: [] }] })], /agent type "label" is built in/);
  refused([plugin('a', { agentTypes: [{ name: 'pod', doc: '', options: [], short: { form: 'value', option: 'image' } }] })], /short form's option 'image' is not one of its options/);
  refused([plugin('a', { agentTypes: [{ name: 'pod', doc: '', options: [{ name: 'retain', type: 'symbol', doc: '' }] }] })], /option 'retain' is a symbol without values/);
  refused([plugin('a', { globals: [{ name: 'env', kind: 'object', doc: '' }] })], /global "env" is the engine's own/);
  refused([{ name: 'a', doc: 'a', globals: [{ name: 'thing', kind: 'object', doc: '' }] }], /global "thing": the plugin has no runtime to make it/);
});

test('an implementation is loaded on first use; a declared step its runtime lacks fails with the reason', async () => {
  let loads = 0;
  const r = new StepRegistry([plugin('a', {
    steps: [step('hi'), step('constructor'), step('missing'), step('desc', { kind: 'symbol', params: [{ name: 'v', type: 'string', doc: '' }] })],
    runtime: async () => { loads++; return { steps: { hi: async () => 'hello' } }; },
  })]);
  assert.equal(loads, 0);
  const ctx = {} as StepContext;
  assert.equal(await (await r.implementation('hi'))(ctx, { values: {}, body: null }), 'hello');
  assert.equal(loads, 1);
  // Names are looked up as own properties: Object.prototype.constructor is no implementation.
  await assert.rejects(r.implementation('constructor'), /plugin 'a' declares the step 'constructor' but its runtime does not implement it/);
  await assert.rejects(r.implementation('missing'), /plugin 'a' declares the step 'missing' but its runtime does not implement it/);
  // A symbol describes its arguments; it needs no implementation.
  const d = await (await r.implementation('desc'))(ctx, { values: { v: 'x' }, body: null });
  assert.deepEqual(d, new Map([['$symbol', 'desc'], ['v', 'x']]));
  assert.equal(loads, 1);
});

test("a 'class' step is reached only by its class (step([$class: ...])): by simple name or its full name, never as a step", () => {
  const r = new StepRegistry([plugin('gh', { steps: [step('GitHubCommitStatusSetter', { kind: 'class', jenkinsClass: 'org.jenkinsci.plugins.github.status.GitHubCommitStatusSetter' })] })]);
  assert.equal(r.step('GitHubCommitStatusSetter'), undefined);
  assert.ok(!r.stepNames().includes('GitHubCommitStatusSetter'));
  assert.equal(r.buildStepClass('GitHubCommitStatusSetter')?.name, 'GitHubCommitStatusSetter');
  assert.equal(r.buildStepClass('org.jenkinsci.plugins.github.status.GitHubCommitStatusSetter')?.name, 'GitHubCommitStatusSetter');
  assert.equal(r.buildStepClass('com.example.GitHubCommitStatusSetter'), undefined, 'another package is another class');
  assert.equal(r.buildStepClass('constructor'), undefined);
});
