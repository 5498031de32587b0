// The hello plugin (./index.ts) in a real controller: started in process with Kiln's plugin list
// plus this one, and nothing else changed. A job whose Jenkinsfile uses `agent { hello { ... } }`
// and `greet` runs through the HTTP API and succeeds on the node the plugin's provisioner made
// (the controller has no executor and no agent of its own). A plugin list in which two
// provisioners claim one agent type does not start, saying which plugins and which type.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import net from 'node:net';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { builtins } from '../../../src/plugins/index.ts';
import { ProvisionerRouter } from '../../../src/plugins/router.ts';
import type { PipelinePlugin } from '../../../src/pipeline/plugin.ts';
import type { Provisioner } from '../../../src/core/plugin.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { consoleText, finishedBuild, jsonApi, testConfig } from '../../helpers/controller.ts';
import { helloPlugin } from './index.ts';

let c: ControllerHandle | undefined;
after(async () => { await c?.close(); });

test("a controller with the hello plugin runs agent { hello } on its provisioner's node and the greet step", async () => {
  const lines: string[] = [];
  c = await startController(testConfig({ home: path.join(tempDir('hello-controller'), 'home'), port: '0', executors: '0' }), {
    plugins: [...builtins, helloPlugin],
    log: (line) => { lines.push(line); },
  });
  const api = jsonApi(() => c!.url);
  await api('POST', '/api/v1/jobs', {
    name: 'hello-job',
    script: `pipeline {
  agent { hello { greeting "hi \${'there'}"; times 2 } }
  stages {
    stage('Greet') {
      steps {
        greet 'world'
        script { echo "greet returned: \${greet(name: 'kiln', shout: true)}" }
        sh 'echo "on $NODE_NAME"'
      }
    }
  }
}`,
  });
  const b = await api('POST', '/api/v1/jobs/hello-job/builds', {});
  const done = await finishedBuild(c.url, 'hello-job', b.number);
  const log = await consoleText(c.url, 'hello-job', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /hello provisioner \(controller\): hi there hi there\n/);
  assert.match(log, /Running on hello-node in /);
  assert.match(log, /\nHello, world!\n/);
  assert.match(log, /greet returned: HELLO, KILN!\n/);
  assert.match(log, /\non hello-node\n/);
  // The provisioner's own log line reached the controller's log.
  assert.ok(lines.some((l) => l === `hello: made a node for hello-job #${b.number}`), lines.join('\n'));
});

/** A plugin whose provisioner also serves `type`, which another plugin's provisioner serves. */
function claiming(name: string, type: string): PipelinePlugin {
  const provisioner: Provisioner = { serves: [type], open: () => null };
  return { name, doc: `claims ${type}`, provisioner: async () => provisioner };
}

test('two plugins whose provisioners claim one agent type are refused, naming both and the type', async () => {
  await assert.rejects(
    ProvisionerRouter.compose([...builtins, helloPlugin, claiming('hello-again', 'hello')], { allocate: () => Promise.reject(new Error('unused')) }, { kind: 'local', log: () => () => {} }),
    { name: 'PluginError', message: "agent type 'hello' is claimed by the provisioners of two plugins, 'hello' and 'hello-again': one provisioner serves a type (another may only offer to take its requests: `offers`)" },
  );
  // A controller with such a list does not start, and holds no port.
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
  await assert.rejects(
    startController(testConfig({ home: path.join(tempDir('hello-clash'), 'home'), port: String(port) }), { plugins: [...builtins, claiming('my-docker', 'docker')] }),
    { name: 'PluginError', message: /^agent type 'docker' is claimed by the provisioners of two plugins, 'docker' and 'my-docker'/ },
  );
  await new Promise<void>((resolve, reject) => { const s = net.createServer().once('error', reject).listen(port, '127.0.0.1', () => s.close(() => resolve())); });
});
