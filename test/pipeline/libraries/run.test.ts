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
