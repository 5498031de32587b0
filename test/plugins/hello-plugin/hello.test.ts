// A plugin from outside src/ (./index.ts) added to Kiln's own plugin list: its step and its agent
// type are validated like Kiln's own (a misspelt option gets Jenkins' message, the type's own
// check runs), and a build runs its step and reaches its provisioner, with no change to any file
// of Kiln. Its runtime is loaded only when the build runs, never by validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { StepRegistry } from '../../../src/pipeline/steps/registry.ts';
import { builtins } from '../../../src/plugins/index.ts';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { PipelineRun } from '../../../src/pipeline/engine/engine.ts';
import { ProvisionerRouter } from '../../../src/plugins/router.ts';
import type { AgentRequest, NodeProvider } from '../../../src/core/nodes.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import { StepFailure } from '../../../src/core/errors.ts';
import type { PipelinePlugin } from '../../../src/pipeline/plugin.ts';
import { helloPlugin } from './index.ts';

const JENKINSFILE = `pipeline {
  agent none
  stages {
    stage('Greet') {
      agent { hello { greeting "hi \${'there'}"; times 2 } }
      steps {
        greet 'world'
        script {
          def said = greet(name: 'kiln', shout: true)
          echo "greet returned: \${said}"
        }
        sh 'echo "on $NODE_NAME"'
      }
    }
  }
}
`;

/** The hello plugin, counting how often its runtime is loaded. */
function counted(): { plugin: PipelinePlugin; loads: () => number } {
  let n = 0;
  return {
    plugin: { ...helloPlugin, runtime: () => { n++; return helloPlugin.runtime!(); } },
    loads: () => n,
  };
}

const lint = (source: string, registry: StepRegistry) => loadPipeline(source, registry).diagnostics.map((d) => formatDiagnostic('Jenkinsfile', d));

test('a plugin of its own adds a step and an agent type that validation knows, without loading its runtime', () => {
  const { plugin, loads } = counted();
  const registry = new StepRegistry([...builtins, plugin]);
  assert.deepEqual(lint(JENKINSFILE, registry), []);
  assert.equal(registry.step('greet')?.positional, 'name');
  assert.ok(registry.agentTypeNames().includes('hello'));
  assert.equal(loads(), 0, 'validation loaded the plugin runtime');

  // Without the plugin the same file is wrong, in the usual words.
  const without = lint(JENKINSFILE, new StepRegistry(builtins));
  assert.ok(without.some((l) => /Invalid agent type "hello" specified\. Must be one of \[any, docker, dockerfile, kubernetes, label, node, none\]/.test(l)), without.join('\n'));
  assert.ok(without.some((l) => /No such DSL method 'greet' found among steps/.test(l)), without.join('\n'));
});

test("the plugin's agent type: unknown options, missing ones and its own check are errors with their place", () => {
  const registry = new StepRegistry([...builtins, helloPlugin]);
  const wrap = (agent: string) => `pipeline {\n  agent { ${agent} }\n  stages { stage('A') { steps { greet 'x' } } }\n}\n`;
  assert.deepEqual(lint(wrap("hello { greting 'hi' }"), registry), [
    'Jenkinsfile:2:11: Missing required parameter: "greeting"',
    'Jenkinsfile:2:19: Invalid config option "greting" for agent type "hello", did you mean "greeting"?',
  ]);
  assert.deepEqual(lint(wrap("hello { greeting 'hi'; times 0 }"), registry), ['Jenkinsfile:2:34: hello: times must be at least 1, got 0']);
  assert.deepEqual(lint(wrap("hello { greeting 'hi'; times 'many' }"), registry), ['Jenkinsfile:2:40: Expected an integer for times, got "many" of type String']);
  assert.deepEqual(lint(wrap("hello 'hi'"), registry), []);
  assert.deepEqual(lint(wrap('hello'), registry), ['Jenkinsfile:2:11: No argument for agent key "hello"']);
  // The step's declaration binds like any step's (a misspelt name is one error, as in Jenkins).
  assert.deepEqual(lint("pipeline { agent any; stages { stage('A') { steps { greet(nam: 'x') } } } }", registry).map((l) => l.replace(/^Jenkinsfile:\d+:\d+: /, '')), [
    'Invalid parameter "nam", did you mean "name"?',
  ]);
});

test("a build runs the plugin's step and gets its node from the plugin's provisioner", async () => {
  const { plugin, loads } = counted();
  const plugins = [...builtins, plugin];
  const registry = new StepRegistry(plugins);
  const loaded = loadPipeline(JENKINSFILE, registry);
  assert.ok(loaded.model, loaded.diagnostics.map((d) => d.message).join('\n'));

  // The host's own nodes: this machine, recording what it is asked for.
  const root = tempDir('hello-plugin');
  const backend = new LocalBackend({ root: path.join(root, 'nodes'), nodeName: 'greeter', labels: ['local'] });
  const asked: AgentRequest[] = [];
  const base: NodeProvider = {
    async allocate(req, build) {
      asked.push(req);
      if (req.type !== 'any' && req.type !== 'label') throw new StepFailure(`agent ${req.type} reached the host's own nodes`);
      const ws = await backend.allocate({ build, path: path.join(root, 'ws') });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const nodes = await ProvisionerRouter.compose(plugins, base, { kind: 'local', log: () => () => {} });
  const chunks: Buffer[] = [];
  const run = new PipelineRun({
    model: loaded.model, registry, file: 'Jenkinsfile', nodes,
    build: { job: 'hello', number: 1, id: 'hello#1' },
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential: async (id) => { throw new StepFailure(`no credential '${id}'`); },
      triggerJob: async (job) => { throw new StepFailure(`cannot trigger ${job} here`); },
    },
    listener: { output: (d) => { chunks.push(d); } },
  });
  const state = await run.run().finally(() => backend.close());
  const console = Buffer.concat(chunks).toString('utf8');
  assert.equal(state.result, 'SUCCESS', console);
  // The agent type reached the provisioner, evaluated (GString) and completed by the plugin's runtime.
  assert.match(console, /hello provisioner \(local\): hi there hi there\n/);
  assert.deepEqual(asked.map((r) => r.type), ['any']);
  assert.match(console, /Running on greeter in /);
  // The step ran, and returned its value to the script.
  assert.match(console, /\[Pipeline\] greet\nHello, world!\n/);
  assert.match(console, /greet returned: HELLO, KILN!\n/);
  assert.match(console, /on greeter\n/);
  assert.equal(loads(), 1);
});

test("a plugin's cloud type whose name the store could not keep ('__proto__', capitals, too long) is refused when the router is made, naming the plugin", async () => {
  for (const name of ['__proto__', 'My Cloud', 'x'.repeat(41), '']) {
    const bad = {
      name: 'bad-clouds', doc: 'a cloud type with a bad name',
      provisioner: async () => ({
        serves: [],
        cloudTypes: [{ name, doc: '', check: () => ({ error: 'never' }), cap: () => 0, test: async () => ({ ok: false, message: '', version: null, permissions: [] }) }],
        open: () => null,
      }),
    };
    await assert.rejects(ProvisionerRouter.check([...builtins, bad]), (e: Error) => {
      assert.equal(e.name, 'PluginError');
      assert.match(e.message, /^plugin 'bad-clouds': cloud type ".*" must be 1 to 40 lowercase letters, digits or '-', starting with a letter$/);
      return true;
    });
  }
});
