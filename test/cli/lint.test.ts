// `kiln lint` as a user runs it: exit codes, FILE:LINE:COL lines, --json, --list-steps, stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runKiln } from '../helpers/kiln.ts';

const fixtures = fileURLToPath(new URL('../fixtures/jenkinsfiles/', import.meta.url));
const invalid = fixtures + 'invalid/';
const valid = fixtures + 'valid/';

test('a valid Jenkinsfile: exit 0 and no output', async () => {
  const r = await runKiln(['lint', 'seed.groovy'], { cwd: valid });
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('warnings are printed but do not fail', async () => {
  const r = await runKiln(['lint', 'warning-needs-node.groovy'], { cwd: valid });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'warning-needs-node.groovy:3:5: warning: The "sh" step needs a node and will fail here: wrap it in node { ... }\n');
});

test('libraries asked for by name: a pipeline that uses nothing of them is valid without them', async () => {
  const r = await runKiln(['lint', 'libraries.groovy'], { cwd: valid });
  assert.equal(r.stdout, '');
  assert.equal(r.code, 0);
});

for (const name of ['multiple-errors-everywhere', 'kubernetes-bad-yaml-indent', 'binary-data', 'syntax-unterminated-string']) {
  test(`invalid/${name}: exit 1 with exactly the expected lines`, async () => {
    const r = await runKiln(['lint', `${name}.groovy`], { cwd: invalid });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, readFileSync(invalid + name + '.expected', 'utf8'));
    assert.equal(r.stderr, '');
  });
}

test('several files: each one\'s errors under its own name, exit 1 when any is invalid', async () => {
  const r = await runKiln(['lint', '../valid/maven-basic.groovy', 'no-stages.groovy', 'duplicate-agent.groovy'], { cwd: invalid });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, readFileSync(invalid + 'no-stages.expected', 'utf8') + readFileSync(invalid + 'duplicate-agent.expected', 'utf8'));
});

test('--json: one entry per file, with positions, severities and codes', async () => {
  const r = await runKiln(['lint', '--json', '../valid/warning-needs-node.groovy', 'steps-unknown-step.groovy'], { cwd: invalid });
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { files: { file: string; valid: boolean; diagnostics: Record<string, unknown>[] }[] };
  assert.equal(out.files.length, 2);
  assert.equal(out.files[0]!.file, '../valid/warning-needs-node.groovy');
  assert.equal(out.files[0]!.valid, true);
  assert.equal(out.files[0]!.diagnostics[0]!.severity, 'warning');
  assert.equal(out.files[1]!.valid, false);
  assert.deepEqual(out.files[1]!.diagnostics[0], {
    line: 6, column: 17, endLine: 6, endColumn: 20, severity: 'error', code: 'unknown-step', message: "No such DSL method 'shh' found among steps (did you mean 'sh'?)",
  });
  assert.equal(out.files[1]!.diagnostics.length, 3);
});

test('- reads the Jenkinsfile from standard input', async () => {
  const r = await runKiln(['lint', '-'], { input: "pipeline {\n  agent any\n  stages { stage('a') { steps { ech 'x' } } }\n}\n" });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "<stdin>:3:33: No such DSL method 'ech' found among steps (did you mean 'echo'?)\n");
  const ok = await runKiln(['lint', '-'], { input: readFileSync(valid + 'seed.groovy', 'utf8') });
  assert.equal(ok.code, 0);
});

test('usage errors exit 2: no file, an unknown option, a file that cannot be read', async () => {
  const none = await runKiln(['lint']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /kiln lint: no file given/);
  assert.match(none.stderr, /usage: kiln lint FILE/);
  const opt = await runKiln(['lint', '--fast', 'x']);
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /unknown option '--fast'/);
  const missing = await runKiln(['lint', 'nope.groovy', 'seed.groovy'], { cwd: valid });
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'kiln lint: cannot read nope.groovy: no such file\n');
  const dir = await runKiln(['lint', '.'], { cwd: valid });
  assert.equal(dir.code, 2);
  assert.equal(dir.stderr, 'kiln lint: cannot read .: is a directory\n');
});

test('a file that is not UTF-8 text is reported at the first bad byte', async () => {
  const r = await runKiln(['lint', 'latin1-not-utf8.groovy'], { cwd: invalid });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'latin1-not-utf8.groovy:1:1: file is not text (binary data at byte 29)\n');
});

test('--list-steps: every step with its parameters, types and marks; --json too', async () => {
  const r = await runKiln(['lint', '--list-steps']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^sh\(script\*: String, returnStdout: boolean, returnStatus: boolean, label: String, encoding: String\)  \[needs a node\]$/m);
  assert.match(r.stdout, /^dir\(path\*: String\)  \[takes a block; needs a node\]$/m);
  assert.match(r.stdout, /^usernamePassword\(.*\)  \[argument of other steps\]$/m);
  assert.match(r.stdout, /^ {4}unit +String \(NANOSECONDS\|MICROSECONDS\|MILLISECONDS\|SECONDS\|MINUTES\|HOURS\|DAYS\) +optional/m);
  const j = await runKiln(['lint', '--list-steps', '--json']);
  assert.equal(j.code, 0);
  const out = JSON.parse(j.stdout) as { steps: { name: string; block: string; needsNode: boolean; positional: string | null; params: { name: string; type: string; required: boolean; doc: string }[] }[] };
  const sh = out.steps.find((s) => s.name === 'sh')!;
  assert.equal(sh.needsNode, true);
  assert.equal(sh.block, 'none');
  assert.equal(sh.positional, 'script');
  assert.deepEqual(sh.params[0], { name: 'script', type: 'string', required: true, doc: sh.params[0]!.doc });
  assert.ok(sh.params[0]!.doc.length > 0);
  assert.ok(out.steps.some((s) => s.name === 'withCredentials' && s.block === 'required'));
});

test('kiln help lists the lint command', async () => {
  const r = await runKiln(['--help']);
  assert.match(r.stdout, /lint +validate Jenkinsfiles: kiln lint FILE\.\.\. \[--json\] \[--list-steps\]/);
});
