// Shared libraries in validation (`kiln lint` and before a run): the requests a Jenkinsfile makes,
// library vars known as names, the message when a library is missing, and problems of the
// library's own code placed in its files (vars/foo.groovy:LINE:COL, library name@version).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { libraryRequests, libraryVars, loadPipeline } from '../../../src/pipeline/load.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { registry } from '../../helpers/registry.ts';
import { libraryFromDir, libraryFromFiles } from '../../helpers/library.ts';
import { tempDir } from '../../helpers/tmp.ts';
import fs from 'node:fs';
import path from 'node:path';

const lint = (src: string, libraries: Parameters<typeof libraryFromFiles>[1][] = []) => {
  const r = loadPipeline(src, registry, { libraries: libraries.map((f, i) => libraryFromFiles(i === 0 ? 'acme' : `lib${i}`, f)) });
  return { model: r.model, lines: r.diagnostics.map((d) => formatDiagnostic('Jenkinsfile', d)) };
};

test('libraryRequests: every way a Jenkinsfile asks for a library, with positions, without validating', () => {
  const src = `@Library('a') _
@Library('b@v2') import com.acme.Foo
@Library(['c', 'd@feature/x']) _
@Library(value = 'e') _
pipeline {
  agent any
  libraries { lib('f@1.0') }
  stages { stage('x') { steps { script { library 'g@main'; library(identifier: 'h') } } } }
}
undefinedStep()
`;
  const r = libraryRequests(src);
  assert.deepEqual(r.map((x) => [x.name, x.version, x.how, x.loc.start.line]), [
    ['a', null, 'annotation', 1], ['b', 'v2', 'annotation', 2], ['c', null, 'annotation', 3], ['d', 'feature/x', 'annotation', 3],
    ['e', null, 'annotation', 4], ['f', '1.0', 'annotation', 7], ['g', 'main', 'step', 8], ['h', null, 'step', 8],
  ]);
  assert.deepEqual(libraryRequests('pipeline {'), []);
});

test('lint: a library var is a known name (a call, a method, in a declarative steps block); a class import is fine', () => {
  const r = lint(`@Library('acme') import com.acme.Foo
pipeline {
  agent any
  stages { stage('x') { steps { myStep 'a'; myStep(x: 1) { echo 'b' }; script { log.info 'c'; myStep() } } } }
}`, [{ 'vars/myStep.groovy': 'def call(Map m = [:], Closure b = null) { }', 'vars/log.groovy': 'def info(m) { echo m }', 'src/com/acme/Foo.groovy': 'package com.acme\nclass Foo {}' }]);
  assert.deepEqual(r.lines, []);
  assert.ok(r.model);
});

test('lint: without the library, an unknown name says a shared library may be missing', () => {
  const r = lint(`@Library('acme') _
node { myStep() }
pipeline { agent any; stages { stage('x') { steps { otherStep() } } } }`);
  assert.deepEqual(r.lines, [
    'Jenkinsfile:2:8: myStep: unknown step or library variable (is a shared library missing? see --library)',
    'Jenkinsfile:3:53: otherStep: unknown step or library variable (is a shared library missing? see --library)',
  ]);
  // no library asked for: Jenkins' words, with a suggestion among the steps (and vars) known
  assert.deepEqual(lint('node { ech "x" }').lines, ["Jenkinsfile:1:8: No such DSL method 'ech' found among steps (did you mean 'echo'?)"]);
  assert.deepEqual(lint("@Library('acme') _\nnode { myStpe() }", [{ 'vars/myStep.groovy': 'def call() {}' }]).lines, ["Jenkinsfile:2:8: No such DSL method 'myStpe' found among steps (did you mean 'myStep'?)"]);
});

test('lint: problems in library code are placed in the library file, with the library and version', () => {
  const r = lint(`@Library('acme') _
hello()`, [{
    'vars/hello.groovy': 'def call() {\n  echo "hi"\n  sh(\n}\n',
    'vars/other.groovy': 'def call() {\n  nosuchStep()\n}\n',
    'vars/grab.groovy': "@Grab('org.apache.commons:commons-lang3:3.12.0')\nimport org.apache.commons.lang3.StringUtils\ndef call() {}\n",
    'src/com/acme/A.groovy': 'package com.acme\nclass A extends B {}\n',
    'src/com/acme/B.groovy': 'package com.acme\nclass B extends A {}\n',
    'src/com/other/A.groovy': 'package com.other\nclass A {}\n',
    'src/com/acme/G.groovy': "@Grab('x:y:1')\npackage com.acme\nclass G {}\n",
  }]);
  assert.equal(r.model, null);
  assert.deepEqual(r.lines, [
    "src/com/acme/A.groovy:2:7: Cycle detected: the type A cannot extend/implement itself or one of its own member types (library acme@main)",
    "src/com/acme/B.groovy:2:7: Cycle detected: the type B cannot extend/implement itself or one of its own member types (library acme@main)",
    "src/com/acme/G.groovy:1:1: @Grab is not supported: a shared library in Kiln cannot load Java libraries (library acme@main)",
    "src/com/other/A.groovy:2:7: class com.other.A has the same name as com.acme.A (src/com/acme/A.groovy of library acme@main): Kiln resolves library classes by their simple name, rename one (library acme@main)",
    r.lines.find((l) => l.startsWith('vars/grab.groovy'))!,
    r.lines.find((l) => l.startsWith('vars/hello.groovy'))!,
    "vars/other.groovy:2:3: No such DSL method 'nosuchStep' found among steps (library acme@main)",
  ]);
  assert.match(r.lines[4]!, /^vars\/grab\.groovy:1:1: @Grab is not supported/);
  assert.match(r.lines[5]!, /^vars\/hello\.groovy:4:1: .* \(library acme@main\)$/);
});

test('lint: a declarative pipeline defined in a var is validated as one, its errors in the var', () => {
  const r = lint(`@Library('acme') _
standardPipeline(name: 'x')`, [{
    'vars/standardPipeline.groovy': `def call(Map config) {
  pipeline {
    agent any
    stages { stage('b') { steps { ech 'x' } } }
  }
}`,
  }]);
  assert.deepEqual(r.lines, ["vars/standardPipeline.groovy:4:35: No such DSL method 'ech' found among steps (did you mean 'echo'?) (library acme@main)"]);
});

test('libraryVars: a library\'s vars with their help text, from a directory too', () => {
  const dir = tempDir('lib');
  fs.mkdirSync(path.join(dir, 'vars'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'vars/deploy.groovy'), 'def call() {}');
  fs.writeFileSync(path.join(dir, 'vars/deploy.txt'), 'Deploys the app.');
  fs.writeFileSync(path.join(dir, 'vars/build.groovy'), 'def call() {}');
  assert.deepEqual(libraryVars(libraryFromDir('d', dir)), [{ name: 'build', help: null }, { name: 'deploy', help: 'Deploys the app.' }]);
});

test('lint: library classes are checked as the Jenkinsfile\'s own: a bare step in a class body', () => {
  const r = lint("@Library('acme') _\nhello()", [{
    'vars/hello.groovy': 'def call() {}',
    'src/com/acme/U.groovy': "package com.acme\nclass U {\n  def steps\n  def go() {\n    sh 'make'\n    frobnicate()\n  }\n}\n",
  }]);
  assert.equal(r.model, null);
  assert.match(r.lines[0]!, /^src\/com\/acme\/U\.groovy:5:5: warning: U\.sh\(\): a class cannot call the step "sh" directly .* \(library acme@main\)$/);
  assert.match(r.lines[1]!, /^src\/com\/acme\/U\.groovy:6:5: Unknown method "frobnicate" in class U.* \(library acme@main\)$/);
});

// Jenkins' libraries test librariesDirectiveWithOutsideVarAndFunc: lib("${someVar}@master").
test('libraries {}: a lib() name with "${...}" of top-level constants is requested and its vars known; anything else is a clear error', () => {
  const src = `def libName = 'acme'
def ref = 'v0'
def ref = "v1"
pipeline {
  agent any
  libraries {
    lib("\${libName}@\${ref}")
    lib(libName)
  }
  stages { stage('x') { steps { myStep() } } }
}`;
  // the run asks for the library before it starts: the placeholders are filled in (the last `def ref` wins)
  assert.deepEqual(libraryRequests(src).map((x) => [x.name, x.version, x.loc.start.line]), [['acme', 'v1', 7], ['acme', null, 8]]);
  const ok = lint(src, [{ 'vars/myStep.groovy': 'def call() { }' }]);
  assert.deepEqual(ok.lines, []);
  assert.equal(ok.model?.kind === 'declarative' && ok.model.libraries.map((l) => l.spec).join(' '), 'acme@v1 acme');

  // a function that returns no constant, a name that is no constant (its last declaration is a call), an undeclared name
  const bad = lint(`def someFunc() { return env.LIB }
def ref2 = 'x'
def ref2 = env.REF
pipeline {
  agent any
  libraries {
    lib("\${someFunc()}")
    lib("acme@\${ref2}")
    lib(nowhere)
    lib(1)
  }
  stages { stage('x') { steps { echo 'hi' } } }
}`);
  const why = "must be made of string literals, top-level constants (def NAME = 'text') and functions without arguments that return one";
  assert.deepEqual(bad.lines.filter((l) => /lib\(/.test(l)), [
    `Jenkinsfile:7:9: Kiln loads a library before the run: lib("\${someFunc()}") ${why}`,
    `Jenkinsfile:8:9: Kiln loads a library before the run: lib("acme@\${ref2}") ${why}`,
    `Jenkinsfile:9:9: Kiln loads a library before the run: lib(nowhere) ${why}`,
    'Jenkinsfile:10:5: Expected a "lib(...)" but got lib(1)',
  ]);
  // nor is anything requested for them before the run
  assert.deepEqual(libraryRequests('def ref2 = env.REF\npipeline { libraries { lib("acme@${ref2}") } }'), []);
});
