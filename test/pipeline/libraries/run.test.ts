// Shared libraries run by the engine: vars as global variables, src/ classes, the organisation
// template (a declarative pipeline defined in a var), the library and libraryResource steps,
// and errors placed in the library's files. Libraries are in memory (test/helpers/library.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline as run0, stage, userLines, type HarnessOptions } from '../engine/harness.ts';

/** Runs a Jenkinsfile; the console without the [Pipeline] markers. */
async function runPipeline(source: string, opts: HarnessOptions = {}) {
  const r = await run0(source, opts);
  return { ...r, console: userLines(r.console).join('\n') };
}
import { fixedResolver, libraryFromFiles } from '../../helpers/library.ts';

const acme = libraryFromFiles('acme', {
  'vars/sayHello.groovy': `
def call(String name = 'world') {
  echo "Hello, \${name}."
}
`,
  'vars/log.groovy': `
def info(msg) { echo "[INFO] \${msg}" }
def warn(msg) { echo "[WARN] \${msg}" }
`,
  'vars/withBanner.groovy': `
def call(String title, Closure body) {
  echo "=== \${title} ==="
  def r = body()
  echo "=== end ==="
  return r
}
`,
  'vars/counter.groovy': `
import groovy.transform.Field
@Field int count = 0
def prefix = 'n'
def call() { count++; return "\${prefix}\${count}" }
def getDouble() { return count * 2 }
`,
  'src/com/acme/Utils.groovy': `
package com.acme
class Utils implements Serializable {
  def steps
  static final String GREETING = 'hi'
  Utils(steps) { this.steps = steps }
  def build(String what) { steps.sh "echo building \${what}" }
  static String shout(String s) { return s.toUpperCase() + '!' }
}
`,
  'src/com/acme/Base.groovy': `
package com.acme
abstract class Base implements Serializable { String kind() { return 'base' }; String describe() { return "I am " + kind() } }
`,
  'src/com/acme/Derived.groovy': `
package com.acme
interface Named { String name() }
class Derived extends Base implements Named { String kind() { return 'derived' }; String name() { return 'd' } }
`,
  'vars/useUtils.groovy': `
import com.acme.Utils
def call() { new Utils(this).build('from a var') }
`,
});

test('libraries: a var called with arguments, default arguments and a trailing closure; a var with several methods', async () => {
  const { state, console } = await runPipeline(`@Library('acme') _
sayHello()
sayHello 'Kiln'
log.info 'one'
log.warn('two')
def r = withBanner('T') { echo 'inside'; 42 }
echo "r=\${r}"
`, { libraries: [acme] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Loading library acme@main \(3f2a1c9\)$/m);
  assert.match(console, /^Hello, world\.$/m);
  assert.match(console, /^Hello, Kiln\.$/m);
  assert.match(console, /^\[INFO\] one$/m);
  assert.match(console, /^\[WARN\] two$/m);
  assert.match(console, /=== T ===\ninside\n=== end ===\nr=42/);
});

test('libraries: a var keeps its fields between calls; a getter is a property', async () => {
  const { state, console } = await runPipeline(`@Library('acme') _
echo counter()
echo counter()
echo "double=\${counter.double} count=\${counter.count}"
`, { libraries: [acme] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^n1\nn2\ndouble=4 count=2$/m);
});

test('libraries: src classes: imports, a constructor taking the script, steps inside, static members, inheritance and interfaces', async () => {
  const { state, console } = await runPipeline(`@Library('acme') import com.acme.Utils
import com.acme.Derived
node {
  new Utils(this).build('x')
  echo Utils.shout('hey') + ' ' + Utils.GREETING
  def d = new Derived()
  echo d.describe() + ' ' + d.name() + ' ' + (d instanceof com.acme.Base)
  useUtils()
}
`, { libraries: [acme] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^building x$/m);
  assert.match(console, /^HEY! hi$/m);
  assert.match(console, /^I am derived d true$/m);
  assert.match(console, /^building from a var$/m);
});

const template = libraryFromFiles('org', {
  'vars/standardPipeline.groovy': `
def call(Map config) {
  def greeting = "Building \${config.name}"
  pipeline {
    agent any
    environment { APP = "\${config.name}" }
    stages {
      stage('Build') {
        steps {
          echo greeting
          sh 'echo app=$APP'
          script { helper(config.name) }
        }
      }
      stage('Deploy') {
        when { expression { config.deploy == true } }
        steps { echo "deploying \${config.name}" }
      }
    }
    post { always { echo "done \${config.name}" } }
  }
}
def helper(n) { echo "helper for \${n}" }
`,
});

test('libraries: the organisation template: a declarative pipeline defined in a var runs as the build\'s pipeline', async () => {
  const { state, console } = await runPipeline(`@Library('org') _
standardPipeline(name: 'shop', deploy: false)
`, { libraries: [template] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Building shop$/m);
  assert.match(console, /^app=shop$/m);
  assert.match(console, /^helper for shop$/m);
  assert.match(console, /^done shop$/m);
  assert.doesNotMatch(console, /deploying/);
  assert.equal(stage(state, 'Build').status, 'success');
  assert.equal(stage(state, 'Deploy').status, 'skipped-when');
  // a stage written in the library has no line in the Jenkinsfile
  assert.equal(stage(state, 'Build').line, null);
});

test('libraries: a second declarative pipeline in one build is refused, as Jenkins', async () => {
  const { state, console } = await runPipeline(`@Library('org') _
standardPipeline(name: 'a')
standardPipeline(name: 'b')
`, { libraries: [template] });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /^done a$/m);
  assert.match(console, /java\.lang\.IllegalStateException: Only one pipeline \{ \.\.\. \} block can be executed in a single run\./);
  assert.doesNotMatch(console, /Building b/);
});

test('libraries: the library step loads at run time; classes through the returned object; its vars callable after', async () => {
  const resolver = fixedResolver([acme]);
  const told: string[] = [];
  const { state, console } = await runPipeline(`
node {
  def lib = library('acme@main')
  lib.com.acme.Utils.new(this).build('dyn')
  echo lib.com.acme.Utils.shout('x')
  log.info 'after the step'
}
`, { libraryResolver: resolver, listener: { library: (l) => told.push(`${l.name}@${l.version}`) } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Loading library acme@main \(3f2a1c9\)$/m);
  assert.deepEqual(told, ['acme@main']);
  assert.match(console, /^building dyn$/m);
  assert.match(console, /^X!$/m);
  assert.match(console, /^\[INFO\] after the step$/m);
  assert.deepEqual(resolver.asked, [{ name: 'acme', version: 'main', how: 'step' }]);
});

test('libraries: the library step: an unknown library, and no resolver, are clear errors', async () => {
  let r = await runPipeline(`library 'nope@v1'`, { libraryResolver: fixedResolver([acme]) });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /library: No library named nope is configured \(Jenkinsfile:1:1\)/);
  r = await runPipeline(`library 'acme'`);
  assert.match(r.console, /library: cannot load acme: no shared libraries are configured here/);
});

test('libraries: libraryResource reads the loaded libraries\' resources, as text or Base64; a missing one names the path', async () => {
  const res = libraryFromFiles('res', {
    'vars/noop.groovy': 'def call() {}',
    'resources/com/acme/hello.txt': 'héllo\n',
    'resources/bin.dat': new Uint8Array([0, 1, 2, 255]),
  });
  const { state, console } = await runPipeline(`@Library('res') _
echo libraryResource('com/acme/hello.txt').trim()
echo libraryResource(resource: 'bin.dat', encoding: 'Base64')
libraryResource 'com/acme/missing.txt'
`, { libraries: [res] });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /^héllo$/m);
  assert.match(console, /^AAEC\/w==$/m);
  assert.match(console, /No such library resource com\/acme\/missing\.txt could be found\. Libraries searched: res@main\. \(Jenkinsfile:4:1\)/);
  for (const bad of ['../vars/noop.groovy', '/etc/passwd', 'a/../../b']) {
    const r = await runPipeline(`@Library('res') _\nlibraryResource '${bad}'`, { libraries: [res] });
    assert.equal(r.state.result, 'FAILURE');
    assert.match(r.console, /is not a path under the library's resources\/ directory/);
  }
});

test('libraries: a run-time error in library code is placed in its file, with the library and version', async () => {
  const lib = libraryFromFiles('acme', {
    'vars/boom.groovy': 'def call(x) {\n  echo "before"\n  def m = null\n  m.size()\n}\n',
    'vars/failStep.groovy': "def call() {\n  error 'deliberate'\n}\n",
    'src/com/acme/Bad.groovy': 'package com.acme\nclass Bad {\n  static def go() {\n    return 1 / 0\n  }\n}\n',
  }, { version: 'v1.2' });
  let r = await runPipeline(`@Library('acme@v1.2') _\nboom(1)`, { libraries: [lib] });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /Cannot invoke method size\(\) on null object \(vars\/boom\.groovy:4:\d+ of library acme@v1\.2\)/);
  r = await runPipeline(`@Library('acme@v1.2') _\nfailStep()`, { libraries: [lib] });
  assert.match(r.console, /ERROR: deliberate \(vars\/failStep\.groovy:2:3 of library acme@v1\.2\)/);
  r = await runPipeline(`@Library('acme@v1.2') import com.acme.Bad\nBad.go()`, { libraries: [lib] });
  assert.match(r.console, /\(src\/com\/acme\/Bad\.groovy:4:\d+ of library acme@v1\.2\)/);
});

test('libraries: library code runs in the same sandbox as the Jenkinsfile: no files, processes or Java reflection', async () => {
  const lib = libraryFromFiles('evil', {
    'vars/readSecret.groovy': "def call() {\n  return new File('/etc/passwd').text\n}\n",
    'vars/runIt.groovy': "def call() {\n  return 'id'.execute().text\n}\n",
    'vars/reflect.groovy': "def call() {\n  return Class.forName('java.lang.Runtime')\n}\n",
  });
  for (const [call, file] of [['readSecret()', 'readSecret'], ['runIt()', 'runIt'], ['reflect()', 'reflect']] as const) {
    const r = await runPipeline(`@Library('evil') _\necho ${call}`, { libraries: [lib] });
    assert.equal(r.state.result, 'FAILURE', r.console);
    assert.doesNotMatch(r.console, /root:/);
    assert.match(r.console, new RegExp(`\\(vars/${file}\\.groovy:2:\\d+ of library evil@main\\)`), r.console);
  }
});

test('libraries: a library with errors is refused when the build loads it, naming the file and position', async () => {
  const bad = libraryFromFiles('bad', { 'vars/x.groovy': 'def call() {\n  sh(\n}\n' });
  const resolver = fixedResolver([bad]);
  const r = await runPipeline(`node { library 'bad' }`, { libraryResolver: resolver });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /Library bad@main has an error:\nvars\/x\.groovy:3:1: .* \(library bad@main\)/);
});

test('libraries: a var calling another var, steps inside a var get the caller\'s context (node, dir, env)', async () => {
  const lib = libraryFromFiles('ctx', {
    'vars/inner.groovy': "def call() { sh 'echo dir=$(basename $PWD) x=$X' }",
    'vars/outer.groovy': 'def call() { inner() }',
  });
  const r = await runPipeline(`@Library('ctx') _
node { dir('sub') { withEnv(['X=42']) { outer() } } }`, { libraries: [lib] });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /^dir=sub x=42$/m);
});

test('libraries: the builder pattern (body.delegate = config, DELEGATE_FIRST) feeding a declarative template', async () => {
  const lib = libraryFromFiles('org', {
    'vars/buildApp.groovy': `def call(body) {
  def config = [:]
  body.resolveStrategy = Closure.DELEGATE_FIRST
  body.delegate = config
  body()
  pipeline {
    agent any
    stages {
      stage('Build') { steps { echo "building \${config.name} with \${config.tool}" } }
    }
  }
}`,
    'vars/opts.groovy': 'def call(Map o, Closure body) { echo "opts ${o.a}"; body() }',
  });
  const { state, console } = await runPipeline(`@Library('org') _
opts(a: 1) { echo 'in body' }
buildApp {
  name = 'shop'
  tool = 'make'
}`, { libraries: [lib] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^opts 1\nin body$/m);
  assert.match(console, /^building shop with make$/m);
  assert.equal(stage(state, 'Build').status, 'success');
});

test('libraries: library(identifier: ...) and a library already loaded by @Library', async () => {
  const resolver = fixedResolver([acme]);
  const { state, console } = await runPipeline(`@Library('acme') _
def l = library(identifier: 'acme@main')
echo l.com.acme.Utils.shout('same')
`, { libraries: [acme], libraryResolver: resolver });
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(console.match(/Loading library acme@main/g)?.length, 1);
  assert.match(console, /^Only using first definition of library acme$/m);
  assert.match(console, /^SAME!$/m);
  assert.deepEqual(resolver.asked, []);
});

test('libraries: parallel branches share a var (made once) and its fields', async () => {
  const { state, console } = await runPipeline(`@Library('acme') _
parallel a: { counter() }, b: { counter() }, c: { counter() }
echo "count=\${counter.count}"
`, { libraries: [acme] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^count=3$/m);
});

test('libraries: a Jenkinsfile class with the name of a library class is a clear error', async () => {
  const { state, console } = await runPipeline(`@Library('acme') _
class Utils { }
echo 'x'
`, { libraries: [acme] });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /Invalid duplicate class definition of class Utils \(a shared library's class com\.acme\.Utils has that name: rename one\) \(Jenkinsfile:2:7\)/);
});

test('libraries: a class sees its own file\'s imports whichever script calls it (a var here)', async () => {
  const lib = libraryFromFiles('j', {
    'src/com/a/J.groovy': 'package com.a\nimport groovy.json.JsonOutput\nclass J { static String j(m) { return JsonOutput.toJson(m) } }\n',
    'vars/v.groovy': 'import com.a.J\ndef call() { echo J.j([a: 1]) }\n',
  });
  const { state, console } = await runPipeline(`@Library('j') _\nv()\n`, { libraries: [lib] });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^\{"a":1\}$/m);
});
