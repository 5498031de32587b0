// Validation rules that the corpus does not pin down one by one: the model's shape for the
// engine, positions inside strings, free Groovy name resolution, warnings, robustness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { isPluginAgent, type DeclarativePipeline } from '../../../src/pipeline/model/types.ts';
import { checkCron } from '../../../src/pipeline/model/cron.ts';

/** `LINE:COL: message` lines (warnings marked). */
function lint(src: string): string[] {
  return loadPipeline(src, registry).diagnostics.map((d) => formatDiagnostic('J', d).slice(2));
}

function model(src: string): DeclarativePipeline {
  const r = loadPipeline(src, registry);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic('J', d)), []);
  assert.ok(r.model && r.model.kind === 'declarative');
  return r.model;
}

const wrap = (stageBody: string, top = 'agent any') => `pipeline {\n${top}\nstages {\nstage('S') {\n${stageBody}\n}\n}\n}\n`;

test('the model keeps steps as statements and values as expressions, for the engine', () => {
  const m = model(wrap(`agent { docker { image "maven:\${V}" } }\nsteps {\n sh 'a'\n script { def x = 1 }\n}`));
  const st = m.stages[0]!;
  assert.equal(st.body.kind, 'steps');
  if (st.body.kind !== 'steps') return;
  assert.deepEqual(st.body.steps.map((s) => s.type), ['ExprStmt', 'ExprStmt']);
  const image = st.agent && isPluginAgent(st.agent) ? st.agent.options.image : null;
  assert.ok(st.agent?.type === 'docker' && typeof image === 'object' && image?.type === 'GString');
  assert.equal(st.nameLoc.start.line, 4);
});

test('model is null exactly when there is an error; warnings keep it', () => {
  const warn = loadPipeline("stage('x') { sh 'make' }", registry);
  assert.ok(warn.model);
  assert.deepEqual(warn.diagnostics.map((d) => [d.severity, d.message]), [['warning', 'The "sh" step needs a node and will fail here: wrap it in node { ... }']]);
  const bad = loadPipeline(wrap("steps { shh 'x' }"), registry);
  assert.equal(bad.model, null);
  // An empty steps block is an error, as in Jenkins.
  const empty = loadPipeline(wrap('steps { }'), registry);
  assert.equal(empty.model, null);
  assert.deepEqual(empty.diagnostics.map((d) => [d.severity, d.message]), [['error', 'No steps specified for branch']]);
});

test('syntax errors stop before validation and keep the parser\'s message', () => {
  const r = loadPipeline("pipeline {\n  agent any\n  stages { stage('x') { steps { sh 'oops } } }\n}\n", registry);
  assert.equal(r.model, null);
  assert.ok(r.diagnostics.length >= 1);
  assert.ok(r.diagnostics.every((d) => d.severity === 'error'));
});

test('errors inside an inline pod YAML are placed at their line in the Jenkinsfile, escapes included', () => {
  const src = [
    'pipeline {',
    '  agent {',
    '    kubernetes {',
    '      yaml "apiVersion: v1\\nkind: Pod\\nspec:\\n  containers:\\n  - name: a\\n    image: x\\n  - name: a\\n    image: y\\n"',
    '    }',
    '  }',
    "  stages { stage('x') { steps { echo 'hi' } } }",
    '}',
  ].join('\n');
  // The duplicate name is the 7th YAML line, all on line 4 of the file: after 6 escaped newlines.
  const out = lint(src);
  assert.equal(out.length, 1);
  const col = src.split('\n')[3]!.indexOf('- name: a\\n    image: y') + 1 + '- name: '.length;
  assert.equal(out[0], `4:${col}: Pod YAML: duplicate container name "a"`);
});

test('a YAML error in a triple-quoted pod is reported on its own Jenkinsfile line', () => {
  const src = `pipeline {
  agent {
    kubernetes {
      yaml '''
apiVersion: v1
kind: Pod
spec:
  containers: [
'''
    }
  }
  stages { stage('x') { steps { echo 'hi' } } }
}
`;
  const out = lint(src);
  assert.equal(out.length, 1);
  assert.match(out[0]!, /^(8|9):\d+: Invalid pod YAML: /);
});

test('free Groovy: names declared anywhere in the file resolve; others are reported with a suggestion', () => {
  const src = `def helper(x) { return x }
def greet = { who -> echo "hi \${who}" }
pipeline {
  agent any
  stages {
    stage('S') {
      steps {
        script {
          def items = ['a']
          for (item in items) { greet(item) }
          items.each { x -> helper(x) }
          try { sh 'x' } catch (err) { echo "\${err}" }
          counter = 1
          println sprintf('%d', counter)
          helpr(1)
        }
      }
    }
  }
}
`;
  assert.deepEqual(lint(src), ["15:11: No such DSL method 'helpr' found among steps (did you mean 'helper'?)"]);
});

test('step calls in script blocks are checked with the run-time binding rules', () => {
  const src = wrap(`steps {
  script {
    def out = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()
    sh(scrip: 'x')
    parallel branches
    parallel([a: { echo 'a' }])
    timeout(5, { echo 'late' })
  }
}`);
  assert.deepEqual(lint(src), [
    '8:5: Missing required parameter: "script"',
    `8:8: warning: Unknown parameter "scrip" for step sh (did you mean "script"?): Jenkins ignores it and prints: WARNING: Unknown parameter(s) found for class type 'org.jenkinsci.plugins.workflow.steps.durable_task.ShellStep': scrip`,
  ]);
});

test('a parameter a step lacks: a warning in scripted code and script {}, an error in declarative steps {} (as Jenkins)', () => {
  // structs' DescribableModel runs the step and prints the names; ModelValidatorImpl refuses them
  const warning = (at: string, name: string) =>
    `${at}: warning: Unknown parameter "${name}" for step echo (did you mean "message"?): Jenkins ignores it and prints: WARNING: Unknown parameter(s) found for class type 'org.jenkinsci.plugins.workflow.steps.EchoStep': ${name}`;
  assert.deepEqual(lint("node {\n  echo message: 'x', colour: 'red'\n}\n"), [warning('2:22', 'colour')]);
  assert.deepEqual(lint(wrap("steps {\n  script { echo message: 'x', colour: 'red' }\n}")), [warning('6:31', 'colour')]);
  assert.deepEqual(lint(wrap("steps {\n  echo message: 'x', colour: 'red'\n}")), ['6:22: Invalid parameter "colour", did you mean "message"?']);
  // a symbol inside a declarative step's arguments is validated as the step is
  assert.deepEqual(lint(wrap("steps {\n  withCredentials([usernamePassword(credentialsId: 'c', usernameVariable: 'U', passwordVariable: 'P', bogus: 1)]) { echo 'x' }\n}")),
    ['6:103: Invalid parameter "bogus", did you mean "credentialsId"?']);
  // the map form `echo([message: 'x', colour: 'red'])` is the named form, as in Jenkins
  assert.deepEqual(lint("node {\n  echo([message: 'x', colour: 'red'])\n}\n"), [warning('2:23', 'colour')]);
  // what Jenkins fails at run time stays an error in scripted code: a missing required parameter, an unknown step
  assert.deepEqual(lint("node {\n  echo colour: 'red'\n  ech 'x'\n}\n"), [
    '2:3: Missing required parameter: "message"',
    `2:8: warning: Unknown parameter "colour" for step echo (did you mean "message"?): Jenkins ignores it and prints: WARNING: Unknown parameter(s) found for class type 'org.jenkinsci.plugins.workflow.steps.EchoStep': colour`,
    "3:3: No such DSL method 'ech' found among steps (did you mean 'echo'?)",
  ]);
});

test('a String for a boolean parameter: accepted as Jenkins accepts it, with a warning when it is not "true"/"false"', () => {
  const w = (at: string, v: string) => `${at}: warning: Parameter "returnStatus" of "sh" is a boolean: Jenkins reads the String "${v}" as false (only "true" is true)`;
  assert.deepEqual(lint("node {\n  sh script: 'x', returnStatus: 'yes'\n  sh script: 'x', returnStatus: 'TRUE'\n}\n"), [w('2:33', 'yes')]);
  assert.deepEqual(lint(wrap("steps {\n  sh script: 'x', returnStatus: 'yes'\n}")), [w('6:33', 'yes')]);
  // a number is no boolean for Jenkins' coercion: the run would fail
  assert.deepEqual(lint("node {\n  sh script: 'x', returnStatus: 1\n}\n"), ['2:33: Expecting "boolean" for parameter "returnStatus" but got "1" of type class java.lang.Integer instead']);
});

test('a function of the file may shadow nothing but may be called from steps', () => {
  const src = `def deploy(String env) { sh "./deploy.sh \${env}" }
pipeline {
  agent any
  stages { stage('D') { steps { deploy('prod') } } }
}
`;
  assert.deepEqual(lint(src), []);
});

test('agent none: steps that need a node are found inside block steps and script blocks, not inside node {}; a warning, as Jenkins compiles the file and fails only if the step runs', () => {
  const ok = wrap("steps { script { node('x') { sh 'make' } } }", 'agent none');
  assert.deepEqual(lint(ok), []);
  const bad = wrap("steps { timeout(5) { retry(2) { checkout scm } } }", 'agent none');
  assert.deepEqual(lint(bad), ['4:7: warning: Stage "S" runs steps that need a node (checkout at line 5), but the pipeline has "agent none" and this stage has no agent']);
  const matrixAgent = `pipeline {
  agent none
  stages {
    stage('M') {
      matrix {
        agent { label 'x' }
        axes { axis { name 'A'; values 'a' } }
        stages { stage('In') { steps { sh 'x' } } }
      }
    }
  }
}`;
  assert.deepEqual(lint(matrixAgent), []);
});

test('duplicate stage names within one stages block are refused; across blocks they are allowed, as in Jenkins', () => {
  const src = `pipeline {
  agent any
  stages {
    stage('Build') { steps { echo 'a' } }
    stage('Group') {
      stages {
        stage('Build') { steps { echo 'b' } }
        stage('Build') { steps { echo 'c' } }
      }
    }
  }
}`;
  assert.deepEqual(lint(src), ['8:15: Duplicate stage name: "Build"']);
});

test('a parallel branch may hold sequential stages but not parallel or matrix', () => {
  const src = `pipeline {
  agent any
  stages {
    stage('P') {
      parallel {
        stage('A') {
          stages {
            stage('A1') { steps { echo 'a' } }
            stage('A2') {
              matrix {
                axes { axis { name 'X'; values 'x' } }
                stages { stage('M') { steps { echo 'm' } } }
              }
            }
          }
        }
      }
    }
  }
}`;
  assert.deepEqual(lint(src), ['10:15: "matrix" or "parallel" cannot be nested inside another "matrix" or "parallel".']);
});

test('a stage without a name or a block, and non-stage statements in stages', () => {
  assert.deepEqual(lint(`pipeline {\n agent any\n stages {\n  stage('x')\n  def y = 1\n }\n}`), [
    '4:3: Stage does not have a block',
    '5:3: Expected a stage',
  ]);
});

test('scripted pipelines: unknown functions are errors, known steps and globals are fine', () => {
  const src = `properties([disableConcurrentBuilds(), frobnicate()])
node {
  def v = env.BUILD_NUMBER
  stage('x') { echo "\${v} \${currentBuild.number} \${params.X}" }
  docker.image('x').inside { sh 'true' }
}
`;
  assert.deepEqual(lint(src), [
    "1:40: No such DSL method 'frobnicate' found among steps",
  ]);
});

test('a file with only declarations runs nothing and says so, in a warning: Jenkins runs it and succeeds', () => {
  const says = '1:1: warning: Jenkinsfile has no pipeline { ... } block and runs no steps: the build will succeed having done nothing';
  assert.deepEqual(lint('def x = 1\ndef f() { return 2 }\n'), [says]);
  // a helper meant for `load`: its methods, then `return this`
  const helper = loadPipeline('def call(cfg) {\n  "make ${cfg.target}"\n}\n\nreturn this\n', registry);
  assert.deepEqual(helper.diagnostics.map((d) => formatDiagnostic('J', d).slice(2)), [says]);
  assert.equal(helper.model?.kind, 'scripted');
  // a declaration-only file still has its other errors checked
  assert.deepEqual(lint('def f() { shh "x" }\n'), [says, "1:11: No such DSL method 'shh' found among steps (did you mean 'sh'?)"]);
});

test('an empty file, or one with only comments and a shebang: a warning, as Jenkins runs it and succeeds', () => {
  // Jenkins runs an empty script and the build succeeds: a warning, and a model that runs nothing
  const says = ['1:1: warning: Jenkinsfile is empty: the build will succeed having done nothing'];
  assert.deepEqual(lint(''), says);
  assert.deepEqual(lint('#!/usr/bin/env groovy\n// nothing\n'), says);
  const r = loadPipeline('/* later */\n', registry);
  assert.equal(r.model?.kind, 'scripted');
  assert.equal(r.model?.kind === 'scripted' ? r.model.body.length : -1, 0);
});

test('a deeply nested Jenkinsfile gives an error, not a crash', () => {
  const depth = 10_000;
  const src = 'node {\n' + 'dir("a") {\n'.repeat(depth) + "sh 'x'\n" + '}\n'.repeat(depth) + '}\n';
  const r = loadPipeline(src, registry);
  assert.equal(r.model, null);
  assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
});

test('nesting that the parser accepts is validated without overflowing the stack', () => {
  const depth = 300;
  const src = wrap('steps {\n' + "dir('a') {\n".repeat(depth) + "sh 'x'\n" + '}\n'.repeat(depth) + '}');
  const r = loadPipeline(src, registry);
  assert.ok(r.model || r.diagnostics.length > 0);
});

test('cron specs: fields, ranges, H forms, aliases', () => {
  assert.deepEqual(checkCron('H/15 * * * *'), []);
  assert.deepEqual(checkCron('H(0-29)/10 H(1-5) 1,15 */2 1-5'), []);
  assert.deepEqual(checkCron('@weekly'), []);
  assert.deepEqual(checkCron('0 0 * * 7'), []);
  assert.match(checkCron('@fortnightly')[0]!.message, /unknown alias "@fortnightly"/);
  assert.match(checkCron('* * * * * *')[0]!.message, /expected 5 fields .* found 6/);
  assert.match(checkCron('0 0 * 13 *')[0]!.message, /month field "13" is out of range/);
  assert.match(checkCron('5-1 * * * *')[0]!.message, /minute field "5-1" has an empty range 5-1/);
  assert.match(checkCron('H(5-70) * * * *')[0]!.message, /out of range: 70/);
  assert.match(checkCron('*/0 * * * *')[0]!.message, /step of 0/);
  assert.deepEqual(checkCron(''), [], 'no schedule: valid, never fires (Jenkins CronTabList)');
  assert.deepEqual(checkCron('# comment\n\nH 1 * * *\n'), []);
});

test('environment values are free Groovy: credentials() is known there, unknown functions are not', () => {
  assert.deepEqual(lint(`pipeline {\n agent any\n environment {\n  A = credentials('x')\n  B = computeIt()\n }\n stages { stage('s') { steps { echo 'x' } } }\n}`), [
    "5:7: No such DSL method 'computeIt' found among steps",
  ]);
});

test('a typed or def declaration in environment is NAME = value, as Groovy makes it a binary = for Jenkins\' parser', () => {
  const m = model(`pipeline {\n agent any\n environment {\n  String SRC = './'\n  def TAG = "v-\${SRC}"\n  final KEY = credentials('k')\n  PLAIN = 'p'\n }\n stages { stage('s') { steps { echo 'x' } } }\n}`);
  assert.deepEqual(m.environment.map((e) => [e.name, e.value.type, e.credentialsId]), [['SRC', 'String', null], ['TAG', 'GString', null], ['KEY', 'Call', 'k'], ['PLAIN', 'String', null]]);
  // the value rules are the same as for NAME = value; a declaration without a value has none
  assert.deepEqual(lint(`pipeline {\n agent any\n environment {\n  String A\n  def B = ['x']\n  def (C, D) = ['c', 'd']\n  def SRC = './'\n  SRC = 'again'\n }\n stages { stage('s') { steps { echo 'x' } } }\n}`), [
    '4:3: Environment variable values must either be single quoted, double quoted, or function calls.',
    '5:11: Environment variable values must either be single quoted, double quoted, or function calls.',
    `6:3: "def (C, D) = ['c', 'd']" is not a valid environment expression. Use "key = value" pairs with valid Java/shell keys.`,
    '8:3: Duplicate environment variable name: "SRC"',
  ]);
});

test('when options must come with a condition, and be booleans', () => {
  assert.deepEqual(lint(wrap("when { beforeAgent true }\nsteps { echo 'x' }")), [
    '5:1: Expected a when condition: [allOf, anyOf, branch, buildingTag, changeRequest, changelog, changeset, environment, equals, expression, isRestartedRun, not, tag, triggeredBy]',
  ]);
  assert.deepEqual(lint(wrap("when { beforeAgent 1; branch 'x' }\nsteps { echo 'x' }")), ['5:20: Expected a boolean with beforeAgent']);
});

test('stage options reject pipeline-only ones; the pipeline accepts them', () => {
  // Jenkins' words: the option is not one of a stage's option types, which the message lists
  const errs = lint(wrap("options { skipStagesAfterUnstable() }\nsteps { echo 'x' }"));
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /^5:11: Invalid option type "skipStagesAfterUnstable"\. Valid option types: \[.*\bretry\b.*\btimeout\b.*\]$/);
  assert.doesNotMatch(errs[0]!, /skipStagesAfterUnstable\b.*skipStagesAfterUnstable/);
});

test('input parameters are checked like build parameters', () => {
  // a misspelt name is one error: Jenkins checks required parameters only when all names are valid
  assert.deepEqual(lint(wrap("input { message 'ok?'; parameters { string(nam: 'X') } }\nsteps { echo 'x' }")), [
    '5:44: Invalid parameter "nam", did you mean "name"?',
  ]);
});

test('scripted: steps that need a node outside node {} are warned about (the run fails there, unless caught)', () => {
  const src = `podTemplate(yaml: 'spec: {}') {
  stage('Checkout') { checkout scm }
  node(POD_LABEL) { container('maven') { sh 'mvn -v' } }
}
stage('Report') { junit 'x.xml' }
def later = { sh 'fine: a closure may run inside a node' }
`;
  const r = loadPipeline(src, registry);
  assert.ok(r.model);
  assert.deepEqual(r.diagnostics.map((d) => formatDiagnostic('J', d)), [
    'J:2:23: warning: The "checkout" step needs a node and will fail here: wrap it in node(POD_LABEL) { ... }',
    'J:5:19: warning: The "junit" step needs a node and will fail here: wrap it in node { ... }',
  ]);
});

test('as lenient as Jenkins: retry(0), an agent key\'s integer given as a variable (checked when the agent is), arguments before a directive\'s block', () => {
  assert.deepEqual(lint(wrap("steps { echo 'x' }", "agent any\noptions { retry(0) }")), []);
  assert.deepEqual(lint(`def n = 2\n${wrap("agent { kubernetes { instanceCap n; idleMinutes n + 1; yaml 'kind: Pod' } }\nsteps { echo 'x' }", 'agent none')}`), []);
  assert.deepEqual(lint(wrap("steps { echo 'x' }", "agent any\npost('label') { always { echo 'done' } }")), []);
  // A literal of the wrong type is still an error, and a directive without a block.
  assert.deepEqual(lint(wrap("agent { kubernetes { instanceCap 'many'; yaml 'kind: Pod' } }\nsteps { echo 'x' }", 'agent none')), ['5:34: Expected an integer for instanceCap, got "many" of type String']);
  assert.deepEqual(lint(wrap("steps { echo 'x' }", "agent any\npost('label')")), ['3:6: Expected a block for post']);
});

test('a leaf when condition: children are its one error (its arguments go unchecked then); an empty block is no children', () => {
  assert.deepEqual(lint(wrap(`when { branch(nmae: 'main') { not { tag 'v*' } } }\nsteps { echo 'x' }`)), [
    '5:29: No children when conditions are allowed for when condition "branch".',
  ]);
  // Jenkins parses `{ }` as no children and validates the arguments as usual
  const m = model(wrap(`when { branch('main') { } }\nsteps { echo 'x' }`));
  const w = m.stages[0]!.when;
  assert.ok(w);
  assert.deepEqual(w.conditions.map((c) => c.type), ['branch']);
  assert.deepEqual(lint(wrap(`when { branch(nmae: 'main') { } }\nsteps { echo 'x' }`)), ['5:15: Invalid parameter "nmae", did you mean "pattern"?']);
});
