// Parameters of the core steps that Jenkins' plugins have and real Jenkinsfiles pass, with
// their meaning: lock's extra resources, variable and label (Lockable Resources),
// archiveArtifacts(followSymlinks:) (Jenkins core's ArtifactArchiver), junit(stdioRetention:)
// (JUnit plugin). Real pipelines, real processes (harness.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, oneStage as wrap } from './harness.ts';

test('lock(resource:, extra:, variable:) holds every resource at once and names them in the variable; a branch needing one of them waits', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('P') {
      parallel {
        stage('A') { steps { lock(resource: 'db', extra: [[resource: 'cache']], variable: 'HELD') { sh 'echo "held=$HELD first=$HELD0 second=$HELD1"; mkdir cache.lock && sleep 0.3 && rmdir cache.lock' } } }
        stage('B') { steps { sleep 0.1; lock('cache') { sh 'mkdir cache.lock && rmdir cache.lock && echo B-in' } } }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /held=db,cache first=db second=cache/);
  assert.match(console, /Trying to acquire lock on \[\{db\},\{cache\}\]/);
  assert.match(console, /Lock acquired on \[\{db\},\{cache\}\]/);
  assert.match(console, /Lock released on resource \[\{db\},\{cache\}\]/);
  assert.match(console, /B-in/);
});

test('lock(label:) with no resource of that label configured fails saying so, as a step and as an option; lock with nothing to lock fails', async () => {
  const byLabel = await runPipeline(wrap(`        lock(label: 'printers', quantity: 1) { echo 'never' }`));
  assert.equal(byLabel.state.result, 'FAILURE');
  assert.match(byLabel.console, /lock: the label 'printers' does not exist: no lockable resource configured on the controller has it/);
  assert.doesNotMatch(byLabel.console, /never/);
  const asOption = await runPipeline(`pipeline { agent any; options { lock(label: 'printers', quantity: 2, resourceSelectStrategy: 'RANDOM') } stages { stage('a') { steps { echo 'never' } } } }`);
  assert.equal(asOption.state.result, 'FAILURE');
  assert.match(asOption.console, /the label 'printers' does not exist/);
  const nothing = await runPipeline(wrap(`        lock(inversePrecedence: true) { echo 'never' }`));
  assert.equal(nothing.state.result, 'FAILURE');
  assert.match(nothing.console, /lock: Either resource label or resource name must be specified/);
  const both = await runPipeline(wrap(`        lock(resource: 'a', label: 'b') { echo 'never' }`));
  assert.equal(both.state.result, 'FAILURE');
  assert.match(both.console, /lock: Label and resource name cannot be specified simultaneously\./);
});

test('archiveArtifacts(followSymlinks: false) leaves links out; by default a link inside the workspace is archived as its target', async () => {
  const setup = `        sh 'mkdir -p out && echo real > out/real.txt && ln -s real.txt out/link.txt'`;
  const follow = await runPipeline(wrap(`${setup}\n        archiveArtifacts 'out/**'`));
  assert.equal(follow.state.result, 'SUCCESS', follow.console);
  assert.deepEqual([...follow.h.artifacts.keys()].sort(), ['out/link.txt', 'out/real.txt']);
  assert.equal(follow.h.artifacts.get('out/link.txt')?.toString(), 'real\n');
  const noFollow = await runPipeline(wrap(`${setup}\n        archiveArtifacts artifacts: 'out/**', followSymlinks: false`));
  assert.equal(noFollow.state.result, 'SUCCESS', noFollow.console);
  assert.deepEqual([...noFollow.h.artifacts.keys()], ['out/real.txt']);
});

test('junit(stdioRetention:): ALL keeps every output whole, the default cuts passing tests\' output past 4 KiB, NONE cuts failing tests\' too', async () => {
  const long = 'x'.repeat(5000);
  const xml = `<testsuite name="s"><testcase classname="C" name="ok"><system-out>${long}</system-out></testcase><testcase classname="C" name="bad"><failure message="m">t</failure><system-out>${long}</system-out></testcase></testsuite>`;
  const outs = async (extra: string) => {
    const r = await runPipeline(wrap(`        writeFile file: 'r.xml', text: '${xml}'\n        junit testResults: 'r.xml'${extra}`));
    assert.equal(r.state.result, 'UNSTABLE', r.console);
    return r.h.reports[0]!.cases.map((c) => [c.name, (c.stdout ?? '').length > 5000 - 1 && !(c.stdout ?? '').includes('[truncated]') ? 'whole' : 'cut']);
  };
  assert.deepEqual(await outs(''), [['ok', 'cut'], ['bad', 'whole']]);
  assert.deepEqual(await outs(", stdioRetention: 'ALL'"), [['ok', 'whole'], ['bad', 'whole']]);
  assert.deepEqual(await outs(", stdioRetention: 'NONE', keepProperties: true, keepTestNames: true, skipPublishingChecks: true"), [['ok', 'cut'], ['bad', 'cut']]);
});

test('properties([...]): what the host keeps; a property Kiln does not know, a bad cron or a bad throttle fails the build naming it', async () => {
  const kept: unknown[] = [];
  const ok = await runPipeline(`properties([[$class: 'BuildDiscarderProperty', strategy: [$class: 'LogRotator', numToKeepStr: '3', artifactNumToKeepStr: '-1']],
  [$class: 'ParametersDefinitionProperty', parameterDefinitions: [[$class: 'ChoiceParameterDefinition', name: 'E', choices: 'a\\nb'], booleanParam(name: 'B')]],
  pipelineTriggers([[$class: 'TimerTrigger', spec: '@daily'], upstream(upstreamProjects: 'lib, /team/core', threshold: 'UNSTABLE'), githubPush()]),
  disableConcurrentBuilds(abortPrevious: true), rateLimitBuilds(throttle: [count: 5, durationName: 'day', userBoost: true])])`, { jobProperties: async (p) => { kept.push(p); } });
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.deepEqual(kept, [{
    parameters: [
      { type: 'choice', name: 'E', defaultValue: 'a', description: '', choices: ['a', 'b'], trim: false },
      { type: 'booleanParam', name: 'B', defaultValue: false, description: '', choices: [], trim: false },
    ],
    triggers: [{ type: 'cron', spec: '@daily', threshold: null }, { type: 'upstream', spec: 'lib, /team/core', threshold: 'UNSTABLE' }, { type: 'githubPush', spec: '', threshold: null }],
    discarder: { numToKeep: 3, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null },
    disableConcurrentBuilds: { abortPrevious: true },
    rateLimit: { count: 5, durationName: 'day', userBoost: true },
  }]);
  for (const [src, msg] of [
    ["properties([[$class: 'ThrottleJobProperty', maxConcurrentTotal: 1]])", /properties: ThrottleJobProperty is not a job property Kiln knows/],
    ["properties([pipelineTriggers([cron('61 * * * *')])])", /^ERROR: cron: .*61/m],
    ["properties([rateLimitBuilds(throttle: [count: 0, durationName: 'hour'])])", /rateLimitBuilds: count must be a whole number from 1 to 1000, got 0/],
    ["properties([disableConcurrentBuilds(), disableConcurrentBuilds()])", /properties: disableConcurrentBuilds is given twice/],
  ] as const) {
    const r = await runPipeline(src, { jobProperties: async () => { throw new Error('must not be kept'); } });
    assert.equal(r.state.result, 'FAILURE', src);
    assert.match(r.console, msg, r.console);
  }
});

test('retry conditions: agent() takes any lost agent, kubernetesAgent() only a pod\'s (or any with handleNonKubernetes), nonresumable() none, a plain failure none', async () => {
  const { retryable } = await import('../../../src/pipeline/steps/retry.ts');
  const { AgentUnavailableError } = await import('../../../src/controller/agents/session.ts');
  const { StepFailure } = await import('../../../src/core/errors.ts');
  const lost = new StepFailure("agent 'r1' is gone", { cause: new AgentUnavailableError('r1', "agent 'r1' is gone") });
  const podErr = new AgentUnavailableError('pod-1', 'pod ns/pod-1: was deleted');
  podErr.pod = true;
  const podLost = new StepFailure('pod ns/pod-1: was deleted', { cause: podErr });
  const plain = new StepFailure('script returned exit code 1');
  const agent = [{ kind: 'agent', handleNonKubernetes: false }] as const;
  const k8s = [{ kind: 'kubernetesAgent', handleNonKubernetes: false }] as const;
  const k8sAny = [{ kind: 'kubernetesAgent', handleNonKubernetes: true }] as const;
  const nonres = [{ kind: 'nonresumable', handleNonKubernetes: false }] as const;
  assert.deepEqual([lost, podLost, plain].map((e) => retryable(e, [...agent])), [true, true, false]);
  assert.deepEqual([lost, podLost, plain].map((e) => retryable(e, [...k8s])), [false, true, false]);
  assert.deepEqual([lost, podLost, plain].map((e) => retryable(e, [...k8sAny])), [true, true, false]);
  assert.deepEqual([lost, podLost, plain].map((e) => retryable(e, [...nonres])), [false, false, false]);
  assert.deepEqual([lost, podLost, plain].map((e) => retryable(e, null)), [true, true, true]);
});
