// The plugin API's build hooks (PluginRuntime.onBuildStarted / onBuildCompleted, for plugins that
// declare `buildHooks`): when they run (a declarative build's start hook after its options, the
// completed hook before "Finished:"), what they see (the job, the number, the build's variables,
// its plugin job properties, the previous result, the final result), that a failing hook is
// printed and changes nothing, and that a plugin without `buildHooks` is not loaded for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepRegistry } from '../../../src/pipeline/steps/registry.ts';
import { builtins } from '../../../src/plugins/index.ts';
import type { BuildCompletedEvent, BuildEvent, PipelinePlugin } from '../../../src/pipeline/plugin.ts';
import { PLUGIN_PROPERTIES_KEY, type PluginProperties } from '../../../src/pipeline/steps/job-properties.ts';
import { runPipeline } from './harness.ts';

function spies() {
  const seen: string[] = [];
  let quietLoads = 0;
  const spy: PipelinePlugin = {
    name: 'spy', doc: 'records the build hooks', buildHooks: true,
    runtime: async () => ({
      async onBuildStarted(e: BuildEvent) {
        const props = e.scope.state<PluginProperties>(PLUGIN_PROPERTIES_KEY, () => new Map());
        seen.push(`started ${e.jobName} #${e.number} ${e.env.BUILD_URL} gitlab=${String(props.get('gitLabConnection')?.gitLabConnection ?? '-')} previous=${e.previous?.result ?? '-'}`);
        e.log('spy: the build started');
      },
      async onBuildCompleted(e: BuildCompletedEvent) {
        seen.push(`completed ${e.result} previous=${e.previous?.result ?? '-'}`);
        e.log(`spy: the build ended ${e.result}`);
      },
    }),
  };
  const broken: PipelinePlugin = {
    name: 'broken', doc: 'a hook that throws', buildHooks: true,
    runtime: async () => ({ async onBuildCompleted() { throw new Error('kaboom'); } }),
  };
  const quiet: PipelinePlugin = { name: 'quiet', doc: 'no hooks', runtime: async () => { quietLoads++; return {}; } };
  return { plugins: [spy, broken, quiet], seen, quietLoads: () => quietLoads };
}

test('a declarative build: the started hook after its options (their plugin properties known), the completed one with the final result before "Finished:"', async () => {
  const s = spies();
  const registry = new StepRegistry([...builtins, ...s.plugins]);
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  options { gitLabConnection('gl') }
  stages { stage('S') { steps { echo 'in the stage'; error 'boom' } } }
}`, { registry, previous: { number: 6, result: 'SUCCESS', durationMs: 1, startedAt: 1, description: null, displayName: null } });
  assert.equal(state.result, 'FAILURE');
  assert.deepEqual(s.seen, ['started test-job #7 http://kiln.test/job/test-job/7/ gitlab=gl previous=SUCCESS', 'completed FAILURE previous=SUCCESS']);
  const lines = console.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(/^spy: the build started$/) > at(/^Running test-job #7$/));
  assert.ok(at(/^spy: the build started$/) < at(/^in the stage$/));
  assert.ok(at(/^spy: the build ended FAILURE$/) < at(/^Finished: FAILURE$/));
  assert.ok(at(/^spy: the build ended FAILURE$/) > at(/^in the stage$/));
  // A hook that throws is printed with its plugin's name; the result is the build's own.
  assert.match(console, /^broken: kaboom$/m);
  assert.equal(s.quietLoads(), 0, 'a plugin without buildHooks was loaded for them');
});

test('a scripted build: the started hook before its first statement, once; a hook failure leaves SUCCESS alone', async () => {
  const s = spies();
  const registry = new StepRegistry([...builtins, ...s.plugins]);
  const { state, console } = await runPipeline("echo 'first'", { registry });
  assert.equal(state.result, 'SUCCESS');
  assert.deepEqual(s.seen, ['started test-job #7 http://kiln.test/job/test-job/7/ gitlab=- previous=-', 'completed SUCCESS previous=-']);
  assert.ok(console.indexOf('spy: the build started') < console.indexOf('first'));
  assert.match(console, /^broken: kaboom$/m);
  assert.match(console, /^Finished: SUCCESS$/m);
});
