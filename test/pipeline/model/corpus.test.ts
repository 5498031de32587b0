// The Jenkinsfile corpus: every valid file validates with no error (and its model has the
// facts a reader sees in it); every invalid file gives exactly the `kiln lint` lines in its
// .expected file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { lintBytes } from '../../../src/cli/lint.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { isPluginAgent, type AgentSpec, type DeclarativePipeline, type PipelineModel, type Stage } from '../../../src/pipeline/model/types.ts';
import type { Expr } from '../../../src/pipeline/syntax/ast.ts';

/** A plugin agent's option as the model holds it (a literal, or null), or undefined for another agent. */
function option(a: AgentSpec, name: string): unknown {
  return isPluginAgent(a) ? a.options[name] : undefined;
}

/** A plugin agent's option written as an expression, or null. */
function expr(a: AgentSpec, name: string): Expr | null {
  const v = option(a, name);
  return typeof v === 'object' && v !== null ? (v as Expr) : null;
}

const root = fileURLToPath(new URL('../../fixtures/jenkinsfiles/', import.meta.url));
const validDir = root + 'valid/';
const invalidDir = root + 'invalid/';
const validFiles = readdirSync(validDir).filter((f) => f.endsWith('.groovy')).sort();
const invalidFiles = readdirSync(invalidDir).filter((f) => f.endsWith('.groovy')).sort();

function load(file: string): PipelineModel {
  const r = loadPipeline(readFileSync(validDir + file, 'utf8'), registry);
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(file, d));
  assert.deepEqual(errors, [], `${file} should have no errors`);
  assert.ok(r.model, `${file} should have a model`);
  return r.model;
}

function declarative(file: string): DeclarativePipeline {
  const m = load(file);
  assert.equal(m.kind, 'declarative', `${file} is declarative`);
  return m as DeclarativePipeline;
}

/** Stage names in order, nested ones as [name, kind, children]. */
function shape(stages: readonly Stage[]): unknown[] {
  return stages.map((s) => {
    switch (s.body.kind) {
      case 'steps': return s.name;
      case 'matrix': return [s.name, 'matrix', shape(s.body.matrix.stages)];
      default: return [s.name, s.body.kind, shape(s.body.stages)];
    }
  });
}

test('the corpus is big enough', () => {
  assert.ok(validFiles.length >= 25, `valid files: ${validFiles.length}`);
  assert.ok(invalidFiles.length >= 70, `invalid files: ${invalidFiles.length}`);
});

for (const file of validFiles) {
  test(`valid/${file} has no errors`, () => {
    load(file);
  });
}

for (const file of invalidFiles) {
  test(`invalid/${file} gives exactly its expected errors`, () => {
    const expected = readFileSync(invalidDir + file.replace(/\.groovy$/, '.expected'), 'utf8');
    const report = lintBytes(file, readFileSync(invalidDir + file));
    const got = report.diagnostics.map((d) => formatDiagnostic(file, d)).join('\n') + '\n';
    assert.equal(got, expected);
    assert.equal(report.valid, false);
    assert.ok(report.diagnostics.some((d) => d.severity === 'error'));
  });
}

test('several invalid files report many errors at once', () => {
  const counts = invalidFiles.map((f) => readFileSync(invalidDir + f.replace(/\.groovy$/, '.expected'), 'utf8').trim().split('\n').length);
  assert.ok(counts.filter((n) => n >= 3).length >= 10);
  assert.ok(Math.max(...counts) >= 8);
});

// ---------------------------------------------------------------------------------------------
// Key facts of valid models

test('the seed pipeline: a kubernetes agent with its inline pod, three stages of container steps', () => {
  const m = declarative('seed.groovy');
  assert.equal(m.agent.type, 'kubernetes');
  const yaml = expr(m.agent, 'yaml');
  assert.equal(yaml?.type, 'String');
  assert.match(yaml && yaml.type === 'String' ? yaml.value : '', /name: maven/);
  assert.deepEqual(shape(m.stages), ['Clone Repository', 'Build', 'Test']);
  const build = m.stages[1]!;
  assert.equal(build.body.kind, 'steps');
  if (build.body.kind !== 'steps') return;
  const stmt = build.body.steps[0]!;
  assert.equal(stmt.type, 'ExprStmt');
  assert.ok(stmt.type === 'ExprStmt' && stmt.expr.type === 'Call' && stmt.expr.callee.type === 'Ident' && stmt.expr.callee.name === 'container');
});

test('maven-basic: tools, options, environment and post', () => {
  const m = declarative('maven-basic.groovy');
  assert.equal(m.agent.type, 'any');
  assert.deepEqual(m.tools.map((t) => [t.type, t.name]), [['maven', 'maven-3.9'], ['jdk', 'temurin-17']]);
  assert.deepEqual(m.options.timeout && { time: m.options.timeout.time, unit: m.options.timeout.unit }, { time: 30, unit: 'MINUTES' });
  assert.equal(m.options.buildDiscarder?.numToKeep, 20);
  assert.equal(m.options.buildDiscarder?.artifactNumToKeep, 5);
  assert.equal(m.options.timestamps, true);
  assert.deepEqual(m.options.disableConcurrentBuilds?.abortPrevious, false);
  assert.deepEqual(m.environment.map((e) => e.name), ['MAVEN_OPTS', 'APP_VERSION']);
  assert.equal(m.environment[1]!.value.type, 'GString');
  assert.deepEqual(m.post?.blocks.map((b) => b.condition), ['success', 'failure', 'cleanup']);
  assert.deepEqual(m.stages[2]!.post?.blocks.map((b) => b.condition), ['always']);
});

test('post-all-conditions: every condition, sorted in the order Jenkins runs them', () => {
  const m = declarative('post-all-conditions.groovy');
  assert.deepEqual(m.post?.blocks.map((b) => b.condition),
    ['always', 'changed', 'fixed', 'regression', 'aborted', 'success', 'unsuccessful', 'unstable', 'failure', 'notBuilt', 'cleanup']);
  assert.deepEqual(m.stages[0]!.post?.blocks.map((b) => b.condition), ['always', 'success', 'failure']);
});

test('agent types: label, node, docker, dockerfile, kubernetes, none, any', () => {
  const none = declarative('agent-none-per-stage.groovy');
  assert.equal(none.agent.type, 'none');
  const agents = none.stages.map((s) => s.agent?.type ?? null);
  assert.deepEqual(agents, [null, 'label', 'node', 'docker', 'label', null]);
  const node = none.stages[2]!.agent;
  assert.ok(node && node.type === 'node' && !isPluginAgent(node) && node.customWorkspace?.type === 'String');

  const docker = declarative('docker-agent.groovy');
  assert.equal(docker.agent.type, 'docker');
  assert.equal(option(docker.agent, 'alwaysPull'), true);
  assert.equal(option(docker.agent, 'reuseNode'), false);
  assert.equal(expr(docker.agent, 'image')?.type, 'String');
  const frontend = docker.stages[1]!.agent;
  assert.ok(frontend && frontend.type === 'docker' && option(frontend, 'reuseNode') === true && expr(frontend, 'image')?.type === 'GString');

  const df = declarative('dockerfile-agent.groovy');
  assert.equal(df.agent.type, 'dockerfile');
  const ci = df.stages[1]!.agent;
  const filename = ci ? expr(ci, 'filename') : null;
  assert.ok(ci && ci.type === 'dockerfile' && filename?.type === 'String' && filename.value === 'Dockerfile.ci');

  const k8s = declarative('kubernetes-yaml.groovy');
  assert.equal(k8s.agent.type, 'kubernetes');
  assert.equal(option(k8s.agent, 'yamlMergeStrategy'), 'merge');
  assert.equal(option(k8s.agent, 'podRetention'), 'onFailure');
  assert.equal(option(k8s.agent, 'idleMinutes'), 5);
  assert.equal(option(k8s.agent, 'activeDeadlineSeconds'), 3600);
  assert.equal(option(k8s.agent, 'instanceCap'), 10);
  assert.equal(option(k8s.agent, 'showRawYaml'), false);
  const file = declarative('kubernetes-yamlfile.groovy');
  const lint = file.stages[1]!.agent;
  assert.ok(lint && lint.type === 'kubernetes' && option(lint, 'podRetention') === 'never' && option(lint, 'yamlMergeStrategy') === 'override');
});

test('when-conditions: every condition type, with its comparator and options', () => {
  const m = declarative('when-conditions.groovy');
  const types = new Set<string>();
  const walk = (cs: readonly { type: string }[]) => {
    for (const c of cs) {
      types.add(c.type);
      if ('conditions' in c) walk(c.conditions as { type: string }[]);
      if ('condition' in c) walk([c.condition as { type: string }]);
    }
  };
  for (const s of m.stages) if (s.when) walk(s.when.conditions);
  assert.deepEqual([...types].sort(), ['allOf', 'anyOf', 'branch', 'buildingTag', 'changeRequest', 'changelog', 'changeset', 'environment', 'equals', 'expression', 'not', 'tag', 'triggeredBy']);
  const release = m.stages[1]!.when!.conditions[0]!;
  assert.ok(release.type === 'branch' && release.comparator === 'REGEXP');
  const e2e = m.stages.find((s) => s.name === 'E2E')!;
  assert.equal(e2e.when?.beforeAgent, true);
  const anyOf = m.stages.find((s) => s.name === 'Any of')!;
  assert.deepEqual([anyOf.when?.beforeInput, anyOf.when?.beforeOptions], [true, true]);
  const expr = e2e.when!.conditions[0]!;
  assert.ok(expr.type === 'expression' && expr.body.length === 1 && expr.body[0]!.type === 'Return');
});

test('options-all: pipeline options, ignored ones, and stage options', () => {
  const m = declarative('options-all.groovy');
  const o = m.options;
  assert.deepEqual([o.timeout?.time, o.timeout?.unit, o.timeout?.activity], [1, 'HOURS', true]);
  assert.equal(o.retry?.count, 2);
  assert.equal(o.skipDefaultCheckout, true);
  assert.equal(o.skipStagesAfterUnstable, true);
  assert.equal(o.parallelsAlwaysFailFast, true);
  assert.equal(o.disableConcurrentBuilds?.abortPrevious, true);
  assert.equal(o.quietPeriod, 30);
  assert.deepEqual(o.buildDiscarder && [o.buildDiscarder.numToKeep, o.buildDiscarder.daysToKeep, o.buildDiscarder.artifactNumToKeep, o.buildDiscarder.artifactDaysToKeep], [10, 30, 3, 7]);
  assert.equal(o.checkoutToSubdirectory, 'src');
  assert.equal(o.preserveStashes, 5);
  assert.equal(o.newContainerPerStage, true);
  assert.equal(o.disableResume, true);
  assert.equal(o.ansiColor, 'xterm');
  assert.deepEqual(o.ignored.map((i) => i.name), ['durabilityHint', 'overrideIndexTriggers']);
  const so = m.stages[0]!.options;
  assert.deepEqual([so.retry?.count, so.timeout?.time, so.timeout?.unit, so.timestamps, so.skipDefaultCheckout, so.ansiColor], [3, 5, 'MINUTES', true, true, 'xterm']);
});

test('parameters-all: every parameter type with defaults and choices', () => {
  const m = declarative('parameters-all.groovy');
  assert.deepEqual(m.parameters.map((p) => p.type), ['string', 'text', 'booleanParam', 'choice', 'choice', 'password', 'file', 'credentials', 'run']);
  assert.equal(m.parameters[0]!.defaultValue, '1.0.0');
  assert.equal(m.parameters[0]!.trim, true);
  assert.equal(m.parameters[2]!.defaultValue, true);
  assert.deepEqual(m.parameters[3]!.choices, ['dev', 'staging', 'prod']);
  assert.equal(m.parameters[3]!.defaultValue, 'dev');
  assert.deepEqual(m.parameters[4]!.choices, ['eu-west-1', 'us-east-1']);
});

test('triggers: cron with H and a time zone, pollSCM, upstream threshold, githubPush', () => {
  const m = declarative('triggers.groovy');
  assert.deepEqual(m.triggers.map((t) => t.type), ['cron', 'pollSCM', 'upstream', 'githubPush']);
  assert.match(m.triggers[0]!.spec, /H 2 \* \* 1-5/);
  assert.equal(m.triggers[2]!.spec, 'lib-a,lib-b');
  assert.equal(m.triggers[2]!.threshold, 'SUCCESS');
  const a = declarative('triggers-aliases.groovy');
  assert.deepEqual(a.triggers.map((t) => [t.type, t.threshold]), [['cron', null], ['upstream', 'UNSTABLE'], ['parameterizedCron', null]]);
});

test('matrix: axes, excludes with values and notValues, matrix directives and stages', () => {
  const m = declarative('matrix.groovy');
  const st = m.stages[0]!;
  assert.equal(st.failFast, true);
  assert.equal(st.body.kind, 'matrix');
  if (st.body.kind !== 'matrix') return;
  const mx = st.body.matrix;
  assert.deepEqual(mx.axes.map((a) => [a.name, a.values]), [['PLATFORM', ['linux', 'windows', 'mac']], ['BROWSER', ['firefox', 'chrome', 'safari', 'edge']]]);
  assert.deepEqual(mx.excludes.map((e) => e.axes.map((a) => [a.name, a.values, a.not])), [
    [['PLATFORM', ['linux'], false], ['BROWSER', ['safari'], false]],
    [['PLATFORM', ['windows'], true], ['BROWSER', ['edge'], false]],
  ]);
  assert.equal(mx.agent?.type, 'label');
  assert.ok(mx.when);
  assert.deepEqual(mx.environment.map((e) => e.name), ['BUILD_TARGET']);
  assert.equal(mx.options.timeout?.time, 20);
  assert.deepEqual(shape(mx.stages), ['Build', 'Test']);
  assert.deepEqual(mx.post?.blocks.map((b) => b.condition), ['always']);
});

test('matrix: `values NAME` takes the items of a top-level list, "${...}" items filled from top-level constants', () => {
  const m = declarative('matrix-axis-values-from-variable.groovy');
  const st = m.stages[0]!;
  assert.equal(st.body.kind, 'matrix');
  if (st.body.kind !== 'matrix') return;
  const mx = st.body.matrix;
  assert.deepEqual(mx.axes.map((a) => [a.name, a.values]), [['PLATFORM', ['linux', 'windows-amd64', 'mac']], ['JDK', ['17', '21']]]);
  assert.deepEqual(mx.excludes.map((e) => e.axes.map((a) => [a.name, a.values])), [[['PLATFORM', ['windows-amd64']], ['JDK', ['17']]]]);
});

test('nested stages and parallel with failFast', () => {
  const n = declarative('nested-stages.groovy');
  assert.deepEqual(shape(n.stages), [
    ['Build', 'stages', ['Compile', 'Package']],
    ['Verify', 'parallel', ['Unit', ['Integration', 'stages', ['Start services', 'Run integration tests']]]],
    ['Outer', 'stages', [['Middle', 'stages', [['Inner parallel', 'parallel', ['Left', 'Right']]]]]],
  ]);
  const p = declarative('parallel-failfast.groovy');
  assert.equal(p.stages[0]!.failFast, true);
  assert.equal(p.options.parallelsAlwaysFailFast, true);
  assert.deepEqual(shape(p.stages), [['Tests', 'parallel', ['Linux', 'Windows', 'Docs']]]);
});

test('input: message, id, ok, submitter, submitterParameter and parameters', () => {
  const m = declarative('input.groovy');
  const input = m.stages[1]!.input!;
  assert.ok(input.message.type === 'String' && input.message.value === 'Deploy to production?');
  assert.ok(input.ok?.type === 'String' && input.ok.value === 'Deploy');
  assert.ok(input.id?.type === 'String' && input.id.value === 'deploy-prod');
  assert.ok(input.submitter?.type === 'String' && input.submitter.value === 'alice,release-managers');
  assert.equal(input.submitterParameter, 'APPROVER');
  assert.deepEqual(input.parameters.map((p) => [p.type, p.name]), [['choice', 'STRATEGY'], ['string', 'REPLICAS'], ['booleanParam', 'NOTIFY']]);
});

test('environment: credentials() ids, expressions kept as expressions', () => {
  const m = declarative('environment-credentials.groovy');
  const byName = new Map(m.environment.map((e) => [e.name, e]));
  assert.equal(byName.get('DOCKER_CREDS')?.credentialsId, 'docker-hub');
  assert.equal(byName.get('API_TOKEN')?.credentialsId, 'api-token');
  assert.equal(byName.get('REGISTRY')?.credentialsId, null);
  assert.equal(byName.get('IMAGE')?.value.type, 'GString');
  assert.equal(byName.get('FULL_NAME')?.value.type, 'Binary');
  assert.equal(byName.get('GIT_SHORT')?.value.type, 'Call');
  assert.equal(m.stages[0]!.environment[0]!.credentialsId, 'kubeconfig-staging');
});

test('prelude and libraries: functions around the pipeline, shared library references', () => {
  const m = declarative('prelude-functions.groovy');
  assert.deepEqual(m.prelude.map((s) => s.type), ['VarDecl', 'Function', 'Function']);
  const l = declarative('libraries.groovy');
  assert.deepEqual(l.libraries.map((x) => x.spec), ['pipeline-utils@v2.1', 'deploy-helpers@main']);
});

test('scripted pipelines are recognised and keep the whole file as their body', () => {
  for (const f of ['scripted-node.groovy', 'scripted-podtemplate.groovy', 'scripted-podtemplate-containers.groovy', 'scripted-try-catch.groovy']) {
    const m = load(f);
    assert.equal(m.kind, 'scripted', f);
    assert.ok(m.kind === 'scripted' && m.body.length >= 1);
  }
});
