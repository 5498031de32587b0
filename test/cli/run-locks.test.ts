// `kiln run` knows lockable resources: those of --config FILE's lockableResources: and of
// --lockable-resource NAME=LABELS, so lock(label:, quantity:) chooses among them as on the
// controller (two parallel branches get two different printers; quantity 0 takes them all); a
// label nothing has fails the step saying so; a bad definition is a usage error (exit 2) naming
// the file, the entry and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tmp.ts';
import { runKiln } from '../helpers/kiln.ts';

const jenkinsfile = `pipeline {
  agent any
  stages {
    stage('print') {
      parallel {
        stage('one') { steps { lock(label: 'printers', quantity: 1, variable: 'P') { echo "one got $P" } } }
        stage('two') { steps { lock(label: 'printers', quantity: 1, variable: 'P') { echo "two got $P" } } }
      }
    }
    stage('all') { steps { lock(label: 'printers', variable: 'ALL') { echo "all: $ALL" } } }
    stage('gpu') { steps { lock(label: 'cuda', variable: 'G') { echo "gpu: $G" } } }
  }
}
`;

test('lock(label:) chooses among the resources of --config and --lockable-resource', async () => {
  const dir = tempDir('run-locks');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  const config = path.join(dir, '..', `config-${path.basename(dir)}.yaml`);
  writeFileSync(config, 'lockableResources:\n  - name: printer-a\n    labels: [printers, colour]\n  - name: printer-b\n    labels: "printers mono"\n    description: by the door\n');
  const r = await runKiln(['run', '--config', config, '--lockable-resource', 'gpu-1=cuda'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const one = /one got (printer-[ab])/.exec(r.stdout)?.[1];
  const two = /two got (printer-[ab])/.exec(r.stdout)?.[1];
  assert.ok(one && two, r.stdout);
  assert.match(r.stdout, /Trying to acquire lock on \[Label: printers, Quantity: 1\]/);
  assert.match(r.stdout, /^all: printer-a,printer-b$/m);
  assert.match(r.stdout, /^gpu: gpu-1$/m);
  assert.match(r.stdout, /Lock released on resource \[Label: printers, Quantity: 1\][\s\S]*Lock released on resource \[Label: printers, Quantity: 1\]/);
});

test('without resources a label fails the step saying so; a bad definition is a usage error', async () => {
  const dir = tempDir('run-locks-none');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  const none = await runKiln(['run'], { cwd: dir });
  assert.equal(none.code, 1, none.stdout + none.stderr);
  assert.match(none.stdout, /lock: the label 'printers' does not exist: no lockable resource configured for kiln run \(--config FILE lockableResources:, --lockable-resource\) has it/);
  const config = path.join(dir, '..', `bad-${path.basename(dir)}.yaml`);
  writeFileSync(config, 'lockableResources:\n  - name: printer-a\n    labels: [has space]\n');
  const bad = await runKiln(['run', '--config', config], { cwd: dir });
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /lockableResources\[0\]: label 'has space': 1 to 100 letters/);
  writeFileSync(config, 'lockableResources:\n  - name: printer-a\n    owner: me\n');
  assert.match((await runKiln(['run', '--config', config], { cwd: dir })).stderr, /lockableResources\[0\]: unknown field 'owner'/);
  const opt = await runKiln(['run', '--lockable-resource', '../x=a'], { cwd: dir });
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /--lockable-resource \.\.\/x=a: name '\.\.\/x'/);
});
