// Fuzzing the Jenkinsfile path (src/pipeline/load.ts: lexer, parser, validator) with a fixed
// seed and a bounded count: mutations of the corpus in test/fixtures/jenkinsfiles (character
// flips, truncation, splices of other files' slices, line shuffles), deep nesting of every
// bracket kind, huge strings and files, random bytes. For every input: no exception, an answer
// within a time bound (a worker thread runs the loader, so a hang is detected and stopped),
// a model exactly when there is no error, and diagnostics whose line:col lie in the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Rng, show } from './fuzz.ts';

// Fixed for the suite; KILN_FUZZ_SEED / KILN_FUZZ_COUNT explore further by hand.
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 0x6b696c6e); // 'kiln'
const MUTANTS = Number(process.env.KILN_FUZZ_COUNT ?? 1500);
/** An input that takes longer than this counts as a hang. */
const HANG_MS = 5000;

const corpusDir = path.join(import.meta.dirname, '..', 'fixtures', 'jenkinsfiles');
const corpus = ['valid', 'invalid'].flatMap((d) => readdirSync(path.join(corpusDir, d)).filter((f) => f.endsWith('.groovy')).map((f) => readFileSync(path.join(corpusDir, d, f), 'utf8')));

interface Answer {
  id: number;
  ms: number;
  error?: string;
  model?: boolean;
  diagnostics?: { severity: string; code: string; message: string; start: { line: number; col: number; offset: number }; end: { line: number; col: number; offset: number } }[];
}

/** Sends inputs to the loader in a worker, one at a time, each with a time limit. */
class Loader {
  #worker: Worker;
  #id = 0;
  constructor() {
    this.#worker = this.#start();
  }
  #start(): Worker {
    return new Worker(new URL('./fuzz-jenkinsfile.worker.ts', import.meta.url));
  }
  load(source: string, bytes = false): Promise<Answer> {
    const id = ++this.#id;
    return new Promise<Answer>((resolve, reject) => {
      const onMessage = (a: Answer) => {
        if (a.id !== id) return;
        clearTimeout(timer);
        this.#worker.off('message', onMessage);
        resolve(a);
      };
      const timer = setTimeout(() => {
        this.#worker.off('message', onMessage);
        void this.#worker.terminate();
        this.#worker = this.#start();
        reject(new Error(`loadPipeline did not answer within ${HANG_MS} ms (a hang) for ${show(source)}`));
      }, HANG_MS);
      this.#worker.on('message', onMessage);
      this.#worker.postMessage({ id, source, bytes });
    });
  }
  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

const SPECIAL = ['{', '}', '(', ')', '[', ']', "'", '"', "'''", '"""', '/', '$/', '/$', '${', '\\', '\n', '\r\n', '\r', '\t', ' ', ';', ',', '.', ':', '=', '==', '->', '?', '?.', '*.', '!', '&&', '||', '//', '/*', '*/', '@', '#!', '0x', '1e', '-', '+', '\0', '\u2028', '\uFEFF', '𝔘', 'é', '\uD800', 'pipeline', 'stages', 'stage', 'steps', 'agent', 'any', 'none', 'script', 'when', 'post', 'parallel', 'matrix', 'sh', 'def', 'if', 'else', 'for', 'while', 'try', 'catch', 'return', 'null', 'true'];

function mutate(r: Rng, src: string): string {
  let s = src;
  const rounds = 1 + r.int(4);
  for (let k = 0; k < rounds; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(8)) {
      case 0: // replace a character
        s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at + 1);
        break;
      case 1: // insert a token
        s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at);
        break;
      case 2: // delete a span
        s = s.slice(0, at) + s.slice(at + 1 + r.int(40));
        break;
      case 3: // truncate
        s = s.slice(0, at);
        break;
      case 4: { // splice a slice of another file
        const other = r.pick(corpus);
        const from = r.int(other.length);
        s = s.slice(0, at) + other.slice(from, from + 1 + r.int(200)) + s.slice(at);
        break;
      }
      case 5: { // swap or duplicate lines
        const lines = s.split('\n');
        const i = r.int(lines.length);
        const j = r.int(lines.length);
        if (r.chance(0.5)) [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        else lines.splice(i, 0, lines[j]!);
        s = lines.join('\n');
        break;
      }
      case 6: // a random code point
        s = s.slice(0, at) + String.fromCodePoint(r.int(0x110000 - 0x800) + (r.chance(0.5) ? 0 : 0x800)).replace(/[\uD800-\uDFFF]/g, '?') + s.slice(at);
        break;
      default: // a flipped bit
        if (s.length > 0) {
          const i = r.int(s.length);
          s = s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << r.int(7))) + s.slice(i + 1);
        }
    }
  }
  return s;
}

/** Inputs that stress limits rather than syntax. */
function extremes(): string[] {
  const wrap = (open: string, close: string, n: number, inner = '') => open.repeat(n) + inner + close.repeat(n);
  const out: string[] = [];
  for (const n of [100, 499, 500, 501, 2000, 100_000]) {
    out.push(wrap('a {', '}', n));
    out.push(wrap('(', ')', n, '1'));
    out.push(wrap('[', ']', n));
    out.push(`pipeline { agent any; stages { stage('s') { steps { script { ${wrap('if (true) {', '}', n)} } } } } }`);
    out.push(`pipeline { agent any; stages { ${wrap("stage('s') { stages {", '} }', Math.min(n, 600))} } }`);
    out.push(`def x = ${wrap('"${', '}"', Math.min(n, 3000), '1')}`);
    out.push(`def x = ${'-'.repeat(n)}1`);
    out.push(`def x = ${'!'.repeat(n)}true`);
    out.push(`def x = 1${' + 1'.repeat(n)}`);
    out.push(`x${'.y'.repeat(n)}`);
    out.push(`def f = ${wrap('{ ->', '}', Math.min(n, 3000))}`);
    out.push(wrap('a {', '', n)); // never closed
    out.push('}'.repeat(n));
  }
  const big = 'x'.repeat(5 * 1024 * 1024);
  out.push(`pipeline { agent any; stages { stage('s') { steps { sh '${big}' } } } }`);
  out.push(`pipeline { agent any; stages { stage('s') { steps { sh """${big}""" } } } }`);
  out.push(`pipeline { agent any; stages { stage('s') { steps { echo '${big}` ); // unterminated
  out.push(`def ${'a'.repeat(1024 * 1024)} = 1`);
  out.push(`pipeline { agent any; stages { stage('s') { steps {\n${"echo 'x'\n".repeat(100_000)}} } } }`);
  out.push(`pipeline { agent any; stages {\n${Array.from({ length: 3000 }, (_, i) => `stage('s${i}') { steps { echo 'x' } }`).join('\n')}\n} }`);
  out.push('x'.repeat(10 * 1024 * 1024 + 1)); // over the 10 MB limit
  out.push('\n'.repeat(1_000_000));
  out.push('/*'.repeat(100_000));
  out.push("'".repeat(100_001));
  out.push('"""' + '${'.repeat(50_000));
  out.push('$/' + '$$'.repeat(100_000));
  out.push('');
  out.push('\uFEFF');
  out.push('\0\0\0');
  return out;
}

/** Where each line starts, with the lexer's line breaks: \n, \r\n and a lone \r (a leading BOM is not a column). */
function lineStarts(text: string): number[] {
  const starts = [text.charCodeAt(0) === 0xfeff ? 1 : 0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    if (text[i] === '\n' || text[i] === '\r') starts.push(i + 1);
  }
  return starts;
}

/** Fails with `message`, keeping the whole input in a file to replay it (loadPipeline(readFileSync(file, 'utf8'))). */
function fail(source: string, message: string): never {
  const file = path.join(tmpdir(), `kiln-fuzz-failure-${process.pid}.groovy`);
  writeFileSync(file, source);
  assert.fail(`${message}\n(the whole input is in ${file})`);
}

function check(source: string, a: Answer, what: string): void {
  if (a.error) fail(source, `${what}: loadPipeline threw ${a.error}\ninput: ${show(source)}`);
  const ds = a.diagnostics!;
  const hasError = ds.some((d) => d.severity === 'error');
  if (a.model !== !hasError) fail(source, `${what}: a model ${a.model ? 'with' : 'without'} errors: ${JSON.stringify(ds.slice(0, 3))}\ninput: ${show(source)}`);
  const starts = lineStarts(source);
  for (const d of ds) {
    if (typeof d.message !== 'string' || d.message.length === 0) fail(source, `${what}: an empty message`);
    for (const p of [d.start, d.end]) {
      const ok = Number.isInteger(p.line) && Number.isInteger(p.col) && p.line >= 1 && p.col >= 1 && p.line <= starts.length
        && Number.isInteger(p.offset) && p.offset >= 0 && p.offset <= source.length;
      if (!ok) fail(source, `${what}: diagnostic '${d.message}' at ${p.line}:${p.col} (offset ${p.offset}) is not in the text (${starts.length} lines, ${source.length} chars)\ninput: ${show(source)}`);
      // The column is within its line (+1: the position just after the last character).
      const lineLen = (p.line < starts.length ? starts[p.line]! : source.length) - starts[p.line - 1]!;
      if (p.col > lineLen + 2) fail(source, `${what}: diagnostic '${d.message}' at ${p.line}:${p.col} lies past the end of line ${p.line} (${lineLen} chars)\ninput: ${show(source)}`);
      // line:col and offset name the same place (1:1 at offset 0 is "the file", BOM or not).
      const at = starts[p.line - 1]! + p.col - 1;
      if (at !== p.offset && !(p.line === 1 && p.col === 1 && p.offset === 0)) fail(source, `${what}: diagnostic '${d.message}' at ${p.line}:${p.col} is offset ${at}, but says offset ${p.offset}\ninput: ${show(source)}`);
    }
  }
}

test(`loadPipeline survives ${MUTANTS} mutations of the corpus, deep nesting, huge inputs and random bytes (seed ${SEED})`, async () => {
  const loader = new Loader();
  const r = new Rng(SEED);
  let slowest = { ms: 0, input: '' };
  const tried = async (source: string, what: string, bytes = false) => {
    const a = await loader.load(source, bytes);
    if (a.ms > slowest.ms) slowest = { ms: a.ms, input: what };
    if (bytes && !a.error && a.diagnostics!.some((d) => d.code === 'binary')) return; // one clear error, nothing to check
    check(source, a, what);
  };
  try {
    for (const [i, src] of corpus.entries()) await tried(src, `corpus file ${i}`);
    for (let i = 0; i < MUTANTS; i++) await tried(mutate(r, r.pick(corpus)), `mutant ${i}`);
    for (const [i, src] of extremes().entries()) await tried(src, `extreme ${i}`);
    for (let i = 0; i < 200; i++) {
      const n = r.int(r.chance(0.9) ? 200 : 20_000);
      const bytes = Array.from({ length: n }, () => String.fromCharCode(r.chance(0.7) ? 32 + r.int(95) : r.int(256))).join('');
      await tried(bytes, `random bytes ${i}`, true);
    }
  } finally {
    await loader.close();
  }
  assert.ok(slowest.ms < HANG_MS, `slowest: ${slowest.input} ${slowest.ms} ms`);
});

test('found by the fuzzer: a pod YAML error after a lone CR line break points at its line and column', async () => {
  const src = "pipeline {\n  agent {\n    kubernetes {\n      yaml '''\nkind: Pod\nspec:\n  containers:\n  - name: maven\n  \r  image: maven\n    command: [\"sleep\"]\n'''\n    }\n  }\n  stages { stage('a') { steps { echo 'x' } } }\n}\n";
  const loader = new Loader();
  try {
    const a = await loader.load(src);
    check(src, a, 'pod YAML with a CR');
    assert.deepEqual(a.diagnostics!.map((d) => [d.message, d.start.line, d.start.col]), [['Invalid pod YAML: Nested mappings are not allowed in compact mappings', 10, 10]]);
  } finally {
    await loader.close();
  }
});
