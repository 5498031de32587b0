// Property tests: random mutations of the valid corpus never make validation throw; the
// result is always a model or diagnostics, never both an error and a model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { parse } from '../../../src/pipeline/syntax/parser.ts';
import { validate } from '../../../src/pipeline/model/validate.ts';

const dir = fileURLToPath(new URL('../../fixtures/jenkinsfiles/valid/', import.meta.url));
const corpus = readdirSync(dir).filter((f) => f.endsWith('.groovy')).sort().map((f) => readFileSync(dir + f, 'utf8'));

/** Snippets that make plausible Jenkinsfile mistakes when dropped anywhere. */
const SNIPPETS = [
  '{', '}', '(', ')', "'", '"', '"""', "'''", '\n', ';', ',', ':', '=', '.', '$', '${', '//', '/*', '*/',
  'stage', "stage('X')", 'steps', 'steps {', 'agent', 'agent any', 'agent none', 'parallel {', 'matrix {', 'post {',
  'always {', 'when {', 'not {', 'environment {', 'options {', 'script {', 'def x = 1', 'if (true) {', 'sh', "sh 'x'",
  'node {', 'container(', 'yaml', 'failFast true', 'axis {', 'values', 'name', 'input {', 'message', 'credentials(',
  'timeout(time: 1)', 'retry(', 'tools {', 'triggers {', "cron('')", 'parameters {', 'string(', 'pipeline {', '@Library',
  'import x.y', 'class C {}', 'null', 'true', '42', '-1', '[', ']', '[:]', '->', 'it', 'env.X', 'kind: Pod', '\t',
];

type Mutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'dupLine'; line: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 6 })) }),
  fc.record({ kind: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
);

function apply(src: string, m: Mutation): string {
  switch (m.kind) {
    case 'delete': { const at = m.at % (src.length + 1); return src.slice(0, at) + src.slice(at + m.len); }
    case 'insert': { const at = m.at % (src.length + 1); return src.slice(0, at) + m.text + src.slice(at); }
    default: {
      const lines = src.split('\n');
      const n = lines.length;
      if (m.kind === 'dupLine') { const i = m.line % n; lines.splice(i, 0, lines[i]!); }
      else if (m.kind === 'dropLine') lines.splice(m.line % n, 1);
      else { const a = m.a % n; const b = m.b % n; const t = lines[a]!; lines[a] = lines[b]!; lines[b] = t; }
      return lines.join('\n');
    }
  }
}

function checkResult(src: string): void {
  const r = loadPipeline(src, registry);
  const hasError = r.diagnostics.some((d) => d.severity === 'error');
  assert.equal(r.model === null, hasError, 'model is null exactly when there is an error');
  const lines = src.split('\n').length + 1;
  for (const d of r.diagnostics) {
    assert.ok(d.message.length > 0);
    assert.ok(d.loc.start.line >= 1 && d.loc.start.line <= lines, `line ${d.loc.start.line} within the file`);
    assert.ok(d.loc.start.col >= 1);
  }
}

test('mutated corpus files never make validation throw', () => {
  fc.assert(
    fc.property(fc.nat({ max: corpus.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
      checkResult(ms.reduce(apply, corpus[i]!));
    }),
    { numRuns: 600 },
  );
});

test('validation of any tree the parser accepts never throws (without the parse-error short-cut)', () => {
  fc.assert(
    fc.property(fc.nat({ max: corpus.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
      const src = ms.reduce(apply, corpus[i]!);
      const p = parse(src);
      if (!p.ast) return;
      const v = validate(p.ast, src, registry);
      assert.equal(v.model === null, v.diagnostics.some((d) => d.severity === 'error'));
    }),
    { numRuns: 600 },
  );
});

test('whitespace changes (blank lines, tabs) keep the result consistent', () => {
  for (const src of corpus) checkResult(src.replace(/\n/g, '\n\n').replace(/ {4}/g, '\t'));
});
