// kiln lint on Jenkinsfiles that define classes: imports, classes and @Field at the top of a
// declarative file are valid; a bare call in a class is checked against the class's methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';

function lint(src: string): string[] {
  return loadPipeline(src, registry).diagnostics.map((d) => `${d.loc.start.line}:${d.loc.start.col} ${d.severity} ${d.message}`);
}

test('a declarative Jenkinsfile with imports, @Field and classes at the top level is valid', () => {
  const src = "import groovy.transform.Field\nimport java.util.regex.Matcher\n@Field def x = 1\nclass U { def s; U(s) { this.s = s }; def hi() { s.echo 'x'; helper() }; def helper() { def c = { 1 }; c() } }\n" +
    "enum E { A, B }\npipeline { agent any; stages { stage('a') { steps { script { new U(this).hi(); echo \"${E.A}\" } } } } }";
  assert.deepEqual(lint(src), []);
  assert.ok(loadPipeline(src, registry).model);
});

test('a step called bare in a class is a warning; an unknown method an error, unless a library superclass may have it', () => {
  assert.deepEqual(lint("class U { def hi() { sh 'x' } }\nnode { new U().hi() }"),
    ['1:22 warning U.sh(): a class cannot call the step "sh" directly (Jenkins fails with "No signature of method: U.sh()"); call it through the script object passed to the class, e.g. steps.sh(...)']);
  assert.deepEqual(lint("class U { def hi() { nope() } }\nnode { new U().hi() }"),
    ['1:22 error Unknown method "nope" in class U: it is not a method of U, and a class cannot call steps or script functions directly']);
  assert.deepEqual(lint("class A { def base() {} }\nclass U extends A { def hi() { base() } }\nnode { new U().hi() }"), []);
  // what every object, every enum and every property has, called bare on `this`
  assert.deepEqual(lint("enum C { A, B\n String low() { name().toLowerCase() + ordinal() + compareTo(A) } }\nnode { echo C.B.low() }"), []);
  assert.deepEqual(lint("class P { String n; boolean ok\n def d() { getN() + isOk() + getClass().simpleName + hashCode() }\n def s() { setN('x') } }\nnode { new P().d() }"), []);
  assert.deepEqual(lint("class P { def d() { name() } }\nnode { new P().d() }"),
    ['1:21 error Unknown method "name" in class P: it is not a method of P, and a class cannot call steps or script functions directly']);
  assert.deepEqual(lint("class U extends com.acme.Base { def hi() { fromLibrary() } }\nnode { new U().hi() }"), []);
});
