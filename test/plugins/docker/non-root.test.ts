// A node whose agent runs as an ordinary user (uid 4321 here, with access to the docker
// socket): the container runs as that uid:gid (`-u`, as Jenkins does), so what the steps write
// in the workspace belongs to the agent's user, who can delete it afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../../helpers/tmp.ts';
import { IMAGES, assertNoLeftovers, requireDocker, runDocker, testLabel } from './harness.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import type { NodeProvider } from '../../../src/core/nodes.ts';
import type { ExecSpec, Workspace } from '../../../src/core/workspace.ts';

const label = testLabel();
const UID = 4321;
before(() => requireDocker());
after(() => assertNoLeftovers(label));

/** The node's processes run as UID (setpriv), with the docker group so its CLI reaches dockerd. */
function asUser(ws: Workspace, dockerGid: number): Workspace {
  return new Proxy(ws, {
    get(target, prop, receiver) {
      if (prop === 'exec') {
        return (spec: ExecSpec) => target.exec({ ...spec, argv: ['setpriv', `--reuid=${UID}`, `--regid=${UID}`, `--groups=${dockerGid}`, ...spec.argv], env: { ...spec.env, HOME: '/tmp' } });
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('steps in a docker agent run as the agent user; the agent deletes what they wrote', async () => {
  const dockerGid = Number(execFileSync('getent', ['group', 'docker'], { encoding: 'utf8' }).split(':')[2]);
  assert.ok(Number.isInteger(dockerGid), 'the docker group exists (docker.io creates it)');
  const root = tempDir('nonroot');
  fs.chmodSync(root, 0o755);
  const workspace = path.join(root, 'ws');
  fs.mkdirSync(workspace);
  fs.mkdirSync(`${workspace}@tmp`);
  fs.chownSync(workspace, UID, UID);
  fs.chownSync(`${workspace}@tmp`, UID, UID);
  const backend = new LocalBackend({ root: path.join(root, 'nodes') });
  const base: NodeProvider = {
    async allocate(_req, build) {
      const ws = await backend.allocate({ build, path: workspace });
      return { workspace: asUser(ws, dockerGid), release: () => ws.release() };
    },
  };
  const r = await runDocker(`
pipeline {
  agent any
  stages {
    stage('In container') {
      agent { docker { image '${IMAGES.busybox}'; reuseNode true } }
      steps { sh 'echo "uid=$(id -u) gid=$(id -g)"; mkdir -p out/deep && echo x > out/deep/file' }
    }
    stage('On the node') { steps { sh 'echo "node uid=$(id -u)"; rm -rf out && echo REMOVED' } }
  }
}`, { label, base, workspace });
  await backend.close();
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, new RegExp(`^uid=${UID} gid=${UID}$`, 'm'));
  assert.match(r.console, new RegExp(`^node uid=${UID}$`, 'm'));
  assert.match(r.console, /^REMOVED$/m);
  assert.equal(fs.existsSync(path.join(workspace, 'out')), false);
});
