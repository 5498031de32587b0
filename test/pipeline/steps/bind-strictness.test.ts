// Binding a step's run-time arguments exactly as strictly as Jenkins (structs' DescribableModel):
// a parameter the step lacks is listed for the warning line and left out of the step's values;
// a String for a boolean is read with Boolean.valueOf; what Jenkins fails on still fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindStepArgs, StepBindError } from '../../../src/pipeline/steps/bind.ts';
import { unknownParametersLine, jenkinsClassOf } from '../../../src/pipeline/steps/known-classes.ts';
import { StepRegistry } from '../../../src/pipeline/steps/registry.ts';
import { builtins } from '../../../src/plugins/index.ts';
import type { Value } from '../../../src/pipeline/script/values.ts';

const registry = new StepRegistry(builtins);
const decl = (name: string) => registry.step(name)!;
const named = (o: Record<string, Value>) => ({ positional: [], named: new Map(Object.entries(o)), closure: null });

test('a parameter the step lacks: listed (sorted) for the warning, not given to the step, the call still binds', () => {
  const b = bindStepArgs(decl('sh'), named({ script: 'true', zeta: 1, labl: 'x' }));
  assert.deepEqual(b.unknown, ['labl', 'zeta']);
  assert.deepEqual(Object.keys(b.values), ['script']);
  assert.equal(unknownParametersLine(decl('sh'), b.unknown),
    "WARNING: Unknown parameter(s) found for class type 'org.jenkinsci.plugins.workflow.steps.durable_task.ShellStep': labl,zeta");
});

test('a single map argument is the named arguments even with a key the step lacks, as Jenkins DSL takes it', () => {
  const b = bindStepArgs(decl('echo'), { positional: [new Map<string, Value>([['message', 'hi'], ['colour', 'red']])], named: null, closure: null });
  assert.deepEqual(b.values, { message: 'hi' });
  assert.deepEqual(b.unknown, ['colour']);
});

test('what Jenkins fails on still fails: a missing required parameter, a number for a boolean, a String for parallel failFast', () => {
  assert.throws(() => bindStepArgs(decl('sh'), named({ labl: 'x' })), (e: Error) => e instanceof StepBindError && /missing required parameter "script"/.test(e.message));
  assert.throws(() => bindStepArgs(decl('sh'), named({ script: 'true', returnStatus: 1 })), /expects a boolean/);
  assert.throws(() => bindStepArgs(decl('parallel'), named({ failFast: 'true' })), /expects a boolean/);
});

test('a String for a boolean parameter is read as Java Boolean.valueOf reads it', () => {
  const v = (s: string) => bindStepArgs(decl('sh'), named({ script: 'true', returnStatus: s })).values.returnStatus;
  assert.equal(v('true'), true);
  assert.equal(v('TRUE'), true);
  assert.equal(v('yes'), false);
  assert.equal(v('false'), false);
  assert.equal(v(''), false);
});

test('the class named in the warning: the Jenkins class of the step or symbol, else the step name', () => {
  assert.equal(jenkinsClassOf(decl('echo')), 'org.jenkinsci.plugins.workflow.steps.EchoStep');
  assert.equal(jenkinsClassOf(decl('usernamePassword')), 'org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding');
  // a symbol used in several places: told apart by the parameters given
  assert.equal(jenkinsClassOf(decl('string'), ['credentialsId', 'variable']), 'org.jenkinsci.plugins.credentialsbinding.impl.StringBinding');
  assert.equal(jenkinsClassOf(decl('string'), ['name', 'value']), 'hudson.model.StringParameterValue');
  assert.equal(jenkinsClassOf(decl('string'), ['name', 'defaultValue']), 'hudson.model.StringParameterDefinition');
  assert.equal(jenkinsClassOf({ name: 'myStep', doc: '', params: [], block: 'none', needsNode: false }), 'myStep');
  assert.equal(jenkinsClassOf({ name: 'myStep', doc: '', params: [], block: 'none', needsNode: false, jenkinsClass: 'com.example.MyStep' }), 'com.example.MyStep');
});
