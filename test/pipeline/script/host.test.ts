// The interpreter and its host: step calls and their arguments, env / params / currentBuild,
// scripted pipelines, parallel branches, and real-world script blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost, ctxOf, parseOrThrow, run } from './fake-host.ts';
import { Interpreter, toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { StepFailure } from '../../../src/core/errors.ts';
import { parseExpression } from '../../../src/pipeline/syntax/parser.ts';
import { isClosure, type Value } from '../../../src/pipeline/script/values.ts';

test('step calls: positional, named arguments in source order, trailing closure', async () => {
  const { host } = await run("sh 'make'\nsh(script: 'make test', returnStatus: true, label: 'tests')\ndir('sub') { echo 'in sub' }");
  const [a, b, c] = host.calls;
  assert.deepEqual(a?.args.positional, ['make']);
  assert.equal(a?.args.named, null);
  assert.deepEqual([...(b?.args.named ?? new Map()).keys()], ['script', 'returnStatus', 'label']);
  assert.deepEqual(b?.args.positional, []);
  assert.equal(c?.name, 'dir');
  assert.ok(c?.args.closure && isClosure(c.args.closure));
  assert.deepEqual(host.log, ['+ make', '+ make test', 'in sub']);
  assert.deepEqual(host.calls.map((x) => x.line), [1, 2, 3, 3]);
});

test('a step result is a value: sh(returnStdout: true).trim()', async () => {
  const { value, host } = await run(
    "def v = sh(script: 'git describe --tags', returnStdout: true).trim()\necho \"version ${v}\"\nv",
    { sh: (script) => (script.startsWith('git describe') ? 'v1.4.2\n' : '') },
  );
  assert.equal(value, 'v1.4.2');
  assert.deepEqual(host.log, ['+ git describe --tags', 'version v1.4.2']);
});

test('println and print go to echo, rendered as Groovy prints', async () => {
  const { log } = await run('println "a ${[1, 2]}"\nprint([k: 1])\nprintln()\nprintln 5 / 2');
  assert.deepEqual(log, ['a [1, 2]', '[k:1]', '', '2.5']);
});

test('steps.x and this.x call the host too; a helper can take the script as an argument', async () => {
  const { log } = await run("steps.echo 'one'\nthis.echo 'two'\ndef helper(script) { script.echo 'three'; script.sh 'ls' }\nhelper(this)");
  assert.deepEqual(log, ['one', 'two', 'three', '+ ls']);
});

test('script functions win over steps of the same name', async () => {
  const { log } = await run("def echo(msg) { steps.echo('wrapped: ' + msg) }\necho 'x'");
  assert.deepEqual(log, ['wrapped: x']);
});

test('env: read, write, index, unset is null; globals resolve environment variables', async () => {
  const { value, host } = await run(`
if (env.BRANCH_NAME == 'main') { echo 'on main' }
env.DEPLOY_TARGET = 'prod'
env['OTHER'] = 5
echo "build \${env.BUILD_NUMBER} on \${BRANCH_NAME}"
[env.DEPLOY_TARGET, env.OTHER, env.NOT_SET, env['BUILD_NUMBER']]`);
  assert.deepEqual(value, ['prod', '5', null, '42']);
  assert.deepEqual(host.log, ['on main', 'build 42 on main']);
  assert.equal(host.env.values.get('DEPLOY_TARGET'), 'prod');
});

test('params and currentBuild: read, set result and description; read-only is reported', async () => {
  const { host, value } = await run(`
if (params.DEPLOY) { echo "deploying \${params.TARGET}" }
currentBuild.result = 'UNSTABLE'
currentBuild.description = "v\${currentBuild.number}"
currentBuild.result`, { params: { DEPLOY: true, TARGET: 'staging' } });
  assert.equal(value, 'UNSTABLE');
  assert.equal(host.currentBuild.values.get('description'), 'v42');
  assert.deepEqual(host.log, ['deploying staging']);
  await assert.rejects(run("params.X = 'y'"), (e: unknown) => e instanceof ScriptError && /Cannot set read-only property: X for class: ParamsVariable/.test(e.message));
  await assert.rejects(run('currentBuild.nonsense'), (e: unknown) => e instanceof ScriptError && /No such property: nonsense for class: RunWrapper/.test(e.message));
});

test('host objects that are maps in Jenkins (params, env) get the reading map methods, for-in and in', async () => {
  const opts = { params: { DEPLOY: true, TARGET: 'staging', DRY_RUN: false } };
  const { value, log } = await run(`
params.each { k, v -> echo "\${k}=\${v}" }
def on = params.findAll { k, v -> v == true }.keySet()
def names = []
for (p in params) { names << p.key }
[on, names, 'TARGET' in params, 'NOPE' in params, params.containsKey('DRY_RUN'), params.collect { it.key }.size()]`, opts);
  assert.deepEqual(log, ['DEPLOY=true', 'TARGET=staging', 'DRY_RUN=false']);
  assert.deepEqual(value, [['DEPLOY'], ['DEPLOY', 'TARGET', 'DRY_RUN'], true, false, true, 3]);
  await assert.rejects(run("params.put('X', 1)", opts), (e: unknown) => e instanceof ScriptError && /ParamsVariable\.put\(\) cannot change ParamsVariable/.test(e.message));
});

test('readJSON results are maps and lists', async () => {
  const { value, log } = await run(`
def data = readJSON(text: '{"name": "app", "deps": [{"n": "a", "v": 1}, {"n": "b", "v": 2}], "nested": {"ok": true}}')
echo "name=\${data.name} deps=\${data.deps.size()} first=\${data.deps[0].n} ok=\${data.nested.ok}"
data.deps.collect { it.n + it.v }`);
  assert.deepEqual(value, ['a1', 'b2']);
  assert.deepEqual(log, ['name=app deps=2 first=a ok=true']);
});

test('parallel with a map of closures built in a loop: each branch sees its own target', async () => {
  const { host } = await run(`
def targets = ['linux', 'mac', 'windows']
def branches = [:]
targets.each { t ->
  branches[t] = { echo "building on \${t}" }
}
parallel branches`);
  assert.deepEqual([...host.log].sort(), ['building on linux', 'building on mac', 'building on windows']);
});

test('parallel branches made with for-in also keep their own value', async () => {
  const { host } = await run(`
def branches = [:]
for (t in ['a', 'b']) {
  branches["build-\${t}"] = { sh "make \${t}" }
}
parallel branches`);
  assert.deepEqual([...host.log].sort(), ['+ make a', '+ make b']);
});

test('parallel branches running the same interpreter at once keep their locals apart', async () => {
  const { host } = await run(`
def work(name) {
  def acc = []
  for (i in 1..3) { acc << name + i; sleep 1 }
  echo acc.join(',')
}
parallel a: { work('a') }, b: { work('b') }, failFast: true`);
  assert.deepEqual([...host.log].sort(), ['a1,a2,a3', 'b1,b2,b3']);
});

test('a scripted pipeline: node, stage, functions, try/catch with error', async () => {
  const { host } = await run(`
def buildApp(String flavor) {
  sh "make \${flavor}"
  return "app-\${flavor}.tar.gz"
}
node('linux') {
  stage('Checkout') {
    echo 'checking out'
  }
  def artifacts = []
  stage('Build') {
    for (f in ['debug', 'release']) {
      artifacts << buildApp(f)
    }
  }
  stage('Test') {
    try {
      error 'tests failed'
    } catch (err) {
      echo "tests: \${err.message}"
      currentBuild.result = 'UNSTABLE'
    } finally {
      echo "artifacts: \${artifacts}"
    }
  }
}`);
  assert.deepEqual(host.log, [
    '[stage Checkout]', 'checking out', '[stage Build]', '+ make debug', '+ make release', '[stage Test]',
    'tests: tests failed', 'artifacts: [app-debug.tar.gz, app-release.tar.gz]',
  ]);
  assert.equal(host.currentBuild.values.get('result'), 'UNSTABLE');
});

test('a step failure passes through unchanged, with the call position filled in', async () => {
  let caught: unknown;
  try {
    await run("echo 'a'\n\n  error 'it broke'");
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof StepFailure);
  assert.equal(caught.message, 'it broke');
  assert.equal(caught.loc?.start.line, 3);
  assert.equal(caught.loc?.start.col, 3);
});

test('runBlock sees top-level defs and globals; its own defs stay local; it returns its value', async () => {
  const host = new FakeHost();
  const interp = new Interpreter(host);
  host.interp = interp;
  const ctx = ctxOf();
  await interp.runScript(parseOrThrow("def VERSION = '1.0'\ndef helper(x) { x * 2 }").body, ctx);
  const b1 = parseOrThrow("def local = 'l'\nshared = VERSION + '-' + helper(2)\nshared").body;
  assert.equal(await interp.runBlock(b1, ctx), '1.0-4');
  const b2 = parseOrThrow("try { local } catch (e) { 'local gone' }").body;
  assert.equal(await interp.runBlock(b2, ctx), 'local gone');
  assert.equal(await interp.runBlock(parseOrThrow('shared').body, ctx), '1.0-4');
  // when { expression { ... } }: the value of the last expression, or of return
  assert.equal(await interp.runBlock(parseOrThrow("return env.BRANCH_NAME == 'main'").body, ctx), true);
  assert.equal(await interp.runBlock(parseOrThrow("env.BRANCH_NAME ==~ /feature\\/.*/").body, ctx), false);
});

test('evaluate: agent labels and environment values with interpolation', async () => {
  const host = new FakeHost({ env: { NODE_TYPE: 'docker' } });
  const interp = new Interpreter(host);
  host.interp = interp;
  const ctx = ctxOf();
  const expr = (src: string) => {
    const r = parseExpression(src);
    assert.ok(r.ast, `parses: ${src}`);
    return r.ast;
  };
  assert.equal(await interp.evaluate(expr('"${NODE_TYPE}-builder"'), ctx), 'docker-builder');
  assert.equal(await interp.evaluate(expr('"v${env.BUILD_NUMBER}"'), ctx), 'v42');
  assert.equal(await interp.evaluate(expr("params.MISSING ?: 'default'"), ctx), 'default');
});

test('callClosure runs a closure value with arguments', async () => {
  const host = new FakeHost();
  const interp = new Interpreter(host);
  host.interp = interp;
  const ctx = ctxOf();
  const c = await interp.runScript(parseOrThrow('def base = 10\n{ a, b -> base + a * b }').body, ctx);
  assert.ok(isClosure(c));
  assert.equal(await interp.callClosure(c, [2, 3], ctx), 16);
});

test('a host object with call() is callable by name (shared-library style vars)', async () => {
  const lib: Value = {
    kind: 'host', typeName: 'Lib', toString: () => 'Lib',
    getProperty: () => undefined,
    invokeMethod: (name, args) => (name === 'call' ? Promise.resolve(`called ${toGroovyString(args.positional[0] ?? null)}`) : undefined),
  };
  assert.equal((await run('lib(2)', { globals: { lib } })).value, 'called 2');
  assert.equal((await run('lib.call(3)', { globals: { lib } })).value, 'called 3');
});

test('real-world script blocks', async () => {
  const { host, value } = await run(`
def gitCommit = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()
def shortCommit = gitCommit.take(7)
def branch = env.BRANCH_NAME ?: 'unknown'
def tag = branch == 'main' ? "latest" : branch.replaceAll('/', '-')
def image = "registry.local/app:\${tag}-\${shortCommit}"
def changed = sh(script: 'git diff --name-only HEAD~1', returnStdout: true).split('\\n').findAll { it }
def services = changed.collect { it.tokenize('/')[0] }.unique().sort()
if (services.contains('api')) {
  echo "rebuilding api as \${image}"
}
def status = sh(script: 'test -f Dockerfile', returnStatus: true)
if (status != 0) {
  currentBuild.result = 'UNSTABLE'
}
def versions = readJSON(text: '{"a": "1.2.0", "b": "1.10.1"}')
def newest = versions.collect { k, v -> [k, v.tokenize('.').collect { it as int }] }
  .sort { x, y -> x[1][0] <=> y[1][0] ?: x[1][1] <=> y[1][1] }
  .last()[0]
[image, services, newest]`, {
    sh: (script, args) => {
      if (script === 'git rev-parse HEAD') return 'abcdef1234567890\n';
      if (script.startsWith('git diff')) return 'api/main.go\nweb/index.html\napi/go.mod\n\n';
      if (args.named?.get('returnStatus') === true) return 1;
      return null;
    },
  });
  assert.deepEqual(value, ['registry.local/app:latest-abcdef1', ['api', 'web'], 'b']);
  assert.ok(host.log.includes('rebuilding api as registry.local/app:latest-abcdef1'));
  assert.equal(host.currentBuild.values.get('result'), 'UNSTABLE');
});

test('withEnv-like and retry-like patterns: closures passed to functions', async () => {
  const { log } = await run(`
def retrying(int times, Closure body) {
  def attempt = 0
  while (true) {
    attempt++
    try {
      return body(attempt)
    } catch (e) {
      if (attempt >= times) throw e
      echo "attempt \${attempt} failed: \${e.message}"
    }
  }
}
def r = retrying(3) { n -> if (n < 3) { error "flaky \${n}" }; "ok after \${n}" }
echo r`);
  assert.deepEqual(log, ['attempt 1 failed: flaky 1', 'attempt 2 failed: flaky 2', 'ok after 3']);
});

test('map of values from a step drives a loop of steps', async () => {
  const { host } = await run(`
def envs = [dev: 1, staging: 2, prod: 3]
envs.each { name, replicas ->
  if (name != 'prod' || env.BRANCH_NAME == 'main') {
    sh "kubectl scale deploy/app --replicas=\${replicas} -n \${name}"
  }
}`);
  assert.deepEqual(host.log, [
    '+ kubectl scale deploy/app --replicas=1 -n dev',
    '+ kubectl scale deploy/app --replicas=2 -n staging',
    '+ kubectl scale deploy/app --replicas=3 -n prod',
  ]);
});

test('values given to steps keep their types', async () => {
  const { host } = await run("writeFile(file: 'a.json', text: groovy.json.JsonOutput.toJson([n: 1]))\nsh(script: 'x', returnStdout: false)\ntimeout(time: 5, unit: 'MINUTES') { echo 'in' }");
  const named = host.calls.map((c) => c.args.named);
  assert.deepEqual(named[0] && Object.fromEntries(named[0]), { file: 'a.json', text: '{"n":1}' });
  assert.equal(named[1]?.get('returnStdout'), false);
  assert.equal(named[2]?.get('time'), 5);
  const v: Value | undefined = named[2]?.get('unit');
  assert.equal(v, 'MINUTES');
});
