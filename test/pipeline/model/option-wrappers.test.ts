// Block steps as `options {}` in the model: kept in the order written together with timeout,
// retry and timestamps (the engine wraps in that order), their arguments checked as a step
// call's, and what Jenkins refuses refused with its message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import type { DeclarativePipeline } from '../../../src/pipeline/model/types.ts';

function lint(src: string): string[] {
  return loadPipeline(src, registry).diagnostics.map((d) => formatDiagnostic('J', d).slice(2));
}

function model(src: string): DeclarativePipeline {
  const r = loadPipeline(src, registry);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic('J', d)), []);
  assert.ok(r.model && r.model.kind === 'declarative');
  return r.model;
}

const pipe = (top: string, stage = '') => `pipeline {
agent any
options {
${top}
}
stages {
stage('S') {
${stage}
steps { echo 'x' }
}
}
}
`;

test('wrappers keep the written order with timeout/retry/timestamps, at the pipeline and on a stage', () => {
  const m = model(pipe(
    "retry(2)\nwithCredentials([string(credentialsId: 'c', variable: 'T')])\ntimeout(5)\nlock('r')",
    "options { withEnv(['A=1']); timestamps() }",
  ));
  assert.deepEqual(m.options.wrappers.map((w) => [w.name, w.builtin]), [['retry', true], ['withCredentials', false], ['timeout', true], ['lock', false]]);
  const lock = m.options.wrappers[3]!;
  assert.equal(lock.positional.length, 1);
  assert.equal(lock.loc.start.line, 7);
  assert.deepEqual(m.stages[0]!.options.wrappers.map((w) => w.name), ['withEnv', 'timestamps']);
  assert.equal(m.options.timeout?.time, 5);
  assert.equal(m.options.retry?.count, 2);
});

test('a wrapper\'s arguments are checked as the step\'s, expressions allowed', () => {
  assert.ok(lint(pipe("lock(resourc: 'r')")).some((l) => l.includes('Invalid parameter "resourc", did you mean "resource"?')));
  assert.deepEqual(lint(`def n = 'x'\n${pipe('withEnv(["N=${n}"])')}`), []);
  assert.ok(lint(pipe("withEnv([undefinedThing()])")).some((l) => l.includes('undefinedThing')));
});

test('a step without a block, a step needing a node, node/stage and a block written in options are refused', () => {
  const out = lint(pipe("sh 'make'\ndir('x')\nnode('l')\nwithEnv(['A=1']) { echo 'x' }"));
  assert.match(out[0]!, /^4:1: Invalid option type "sh"\. Valid option types: \[ansiColor, buildDiscarder, catchError, .*withCredentials, withEnv(, \w+)*\]$/);
  assert.match(out[1]!, /^5:1: Invalid option type "dir"\./);
  assert.match(out[2]!, /^6:1: Invalid option type "node"\./);
  assert.equal(out[3], '7:18: Options definitions cannot have blocks');
  assert.equal(out.length, 4);
});

test('cron(\'\') and pollSCM(\'\') are no schedule, as in Jenkins; a bad spec is still an error', () => {
  const t = (body: string) => `pipeline {\nagent any\ntriggers {\n${body}\n}\nstages { stage('S') { steps { echo 'x' } } }\n}\n`;
  assert.deepEqual(lint(t("cron('')\npollSCM(' ')")), []);
  assert.equal(lint(t("cron('H H * *')")).length, 1);
});
