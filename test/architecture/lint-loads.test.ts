// `kiln lint` loads no runtime: validating a Jenkinsfile that uses every plugin's agent types,
// steps and globals loads their declarations (and the kubernetes agent type's YAML check) and
// nothing that runs them: no step implementation or plugin runtime, no engine, no module of
// src/exec, src/controller, src/store or src/agent, none of the process, Docker,
// Kubernetes, SSH, HTTP or SQL libraries. Checked in a subprocess whose every resolved module is
// recorded (load-recorder.ts, Node 24 `module.registerHooks` through `--import`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const recorder = path.join(import.meta.dirname, 'load-recorder.ts');

const JENKINSFILE = `pipeline {
  agent {
    kubernetes {
      yaml '''
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: maven
    image: maven:3.9
    command: [cat]
    tty: true
'''
      defaultContainer 'maven'
    }
  }
  stages {
    stage('Build') {
      steps {
        container('maven') { sh 'mvn -B package' }
        junit 'target/surefire-reports/*.xml'
        archiveArtifacts artifacts: 'target/*.jar'
      }
    }
    stage('Image') {
      agent { docker { image 'docker:27'; args '-v /var/run/docker.sock:/var/run/docker.sock'; reuseNode true } }
      steps {
        withDockerRegistry(url: 'https://registry.example.com', credentialsId: 'reg') { sh 'docker push x' }
        withDockerContainer(image: 'alpine:3') { sh 'true' }
        script {
          docker.image('maven:3.9').inside { sh 'mvn -v' }
          podTemplate(yaml: 'kind: Pod', containers: [containerTemplate(name: 'jdk', image: 'eclipse-temurin:21')]) {
            node(POD_LABEL) { container('jdk') { sh 'java -version' } }
          }
        }
      }
    }
    stage('CI image') {
      agent { dockerfile { filename 'Dockerfile.ci'; dir 'ci' } }
      steps { sh 'make' }
    }
    stage('Deploy') {
      agent { label 'linux' }
      steps {
        withKubeConfig(credentialsId: 'kube') { sh 'kubectl get pods' }
        kubernetesApply(file: 'k8s/app.yaml', credentialsId: 'kube')
      }
    }
  }
}
`;

/** The src/ modules (repository-relative) and the other URLs a `kiln` command resolved. */
function kilnLoads(args: string[]): { status: number | null; stdout: string; stderr: string; src: string[]; other: string[] } {
  const dir = tempDir('lint-loads');
  const record = path.join(dir, 'loaded.txt');
  const r = spawnSync(process.execPath, ['--import', recorder, path.join(root, 'src/cli/main.ts'), ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, KILN_LOAD_RECORD: record }, timeout: 60_000,
  });
  const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  const prefix = `file://${root}/`;
  return {
    status: r.status, stdout: r.stdout, stderr: r.stderr,
    src: urls.filter((u) => u.startsWith(`${prefix}src/`)).map((u) => u.slice(prefix.length)),
    other: urls.filter((u) => !u.startsWith(`${prefix}src/`)),
  };
}

/** What a module on the declaration side may be: anything else of src/ loaded by lint is a breach. */
function runtimeModules(src: string[]): string[] {
  return src.filter((m) =>
    /^src\/(exec|controller|store|agent)\//.test(m)
    || m.startsWith('src/pipeline/engine/')
    || m === 'src/pipeline/script/interpreter.ts'
    // A plugin folder's declaration side is its index.ts, its agent types' check.ts, and decl.ts
    // (data its declarations and its runtime share, such as the warnings plugin's tools).
    || (/^src\/plugins\/[^/]+\//.test(m) && !/^src\/plugins\/[^/]+\/(index|check|decl)\.ts$/.test(m))
    // The core plugin's: the declarations (index.ts, job-properties.ts), the registry, the
    // argument binder, the tables of Jenkins plugins and classes (known-plugins.ts, known-classes.ts)
    // and the Git plugin's symbols (git-symbols.ts).
    || (m.startsWith('src/pipeline/steps/') && !/^src\/pipeline\/steps\/(index|registry|bind|job-properties|git-symbols|known-plugins|known-classes)\.ts$/.test(m)));
}

const LIBRARIES = ['ssh2', '@kubernetes/client-node', 'pg', 'fastify', 'ws', 'fast-xml-parser', 'prom-client'];
const BUILTINS = ['node:child_process', 'node:http', 'node:https', 'node:net', 'node:tls', 'node:worker_threads'];

function forbiddenOthers(other: string[]): string[] {
  return other.filter((u) => BUILTINS.includes(u) || LIBRARIES.some((l) => u.includes(`/node_modules/${l}/`)));
}

test('kiln lint of a Jenkinsfile using the docker and kubernetes agents, steps and globals loads only declarations', () => {
  const dir = tempDir('lint-loads-file');
  const file = path.join(dir, 'Jenkinsfile');
  writeFileSync(file, JENKINSFILE);
  const r = kilnLoads(['lint', file]);
  assert.equal(r.status, 0, `kiln lint failed:\n${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  // The recorder saw the declarations: the plugin list, each plugin's index, the pod check, the yaml parser.
  for (const m of ['src/cli/lint.ts', 'src/plugins/index.ts', 'src/plugins/docker/index.ts', 'src/plugins/kubernetes/index.ts', 'src/plugins/kubernetes/check.ts', 'src/pipeline/steps/index.ts']) {
    assert.ok(r.src.includes(m), `${m} was not loaded (the recorder or the test is wrong): ${r.src.join(', ')}`);
  }
  assert.deepEqual(runtimeModules(r.src), [], 'kiln lint loaded runtime modules');
  assert.deepEqual(forbiddenOthers(r.other), [], 'kiln lint loaded runtime libraries');
});

test('an invalid Jenkinsfile (a misspelt docker option) is reported without loading more', () => {
  const dir = tempDir('lint-loads-bad');
  const file = path.join(dir, 'Jenkinsfile');
  writeFileSync(file, "pipeline { agent { docker { imag 'maven:3.9' } }\n stages { stage('A') { steps { sh 'true' } } } }\n");
  const r = kilnLoads(['lint', file]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /Invalid config option "imag" for agent type "docker", did you mean "image"\?/);
  assert.deepEqual(runtimeModules(r.src), []);
  assert.deepEqual(forbiddenOthers(r.other), []);
});

test('kiln lint --list-steps lists every plugin step from the declarations alone', () => {
  const r = kilnLoads(['lint', '--list-steps']);
  assert.equal(r.status, 0, r.stderr);
  for (const step of ['echo(', 'withDockerContainer(', 'podTemplate(', 'kubernetesApply(']) assert.ok(r.stdout.includes(step), `${step} missing from --list-steps`);
  assert.deepEqual(runtimeModules(r.src), []);
  assert.deepEqual(forbiddenOthers(r.other), []);
});
