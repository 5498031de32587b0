// Parse + validate throughput: on a large generated Jenkinsfile (2,000 stages with when,
// environment, steps, script blocks and post; ~54k lines) and on the whole test corpus.
// Prints a table, then one JSON line: {"bench":"parse",...}.
//   node bench/parse.ts [--stages N] [--runs N] [--corpus-runs N]
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parse } from '../src/pipeline/syntax/parser.ts';
import { validate } from '../src/pipeline/model/validate.ts';
import { loadPipeline } from '../src/pipeline/load.ts';
import { registry } from '../test/helpers/registry.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

const STAGES = arg('--stages', 2000);
const RUNS = arg('--runs', 10);
const CORPUS_RUNS = arg('--corpus-runs', 50);

function generate(stages: number): string {
  const out: string[] = [
    'pipeline {',
    '    agent any',
    '    parameters {',
    "        booleanParam(name: 'RUN_ALL', defaultValue: true, description: 'run every stage')",
    '    }',
    '    options {',
    "        timeout(time: 2, unit: 'HOURS')",
    '        timestamps()',
    '    }',
    '    stages {',
  ];
  for (let i = 1; i <= stages; i++) {
    const id = String(i).padStart(4, '0');
    out.push(
      `        stage('Stage ${id}') {`,
      '            when {',
      '                anyOf {',
      "                    branch 'main'",
      '                    expression { return params.RUN_ALL }',
      '                }',
      '            }',
      '            environment {',
      `                STAGE_ID = 'stage-${id}'`,
      '            }',
      '            steps {',
      '                echo "running ${STAGE_ID}"',
      "                sh '''",
      `                    make build-${id}`,
      `                    make test-${id}`,
      "                '''",
      `                dir('sub/${id}') {`,
      '                    sh "./run.sh ${env.BUILD_NUMBER}"',
      '                }',
      '                script {',
      `                    def n = ${i}`,
      '                    if (n % 2 == 0) { echo "even ${n}" } else { echo "odd ${n}" }',
      '                }',
      '            }',
      '            post {',
      `                failure { echo 'stage ${id} failed' }`,
      `                always { junit testResults: 'reports/${id}/*.xml', allowEmptyResults: true }`,
      '            }',
      '        }',
    );
  }
  out.push('    }', '    post {', "        always { echo 'done' }", '    }', '}', '');
  return out.join('\n');
}

interface Stats { median: number; min: number; max: number }

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

function time(fn: () => void, runs: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const lineCount = (s: string) => s.split('\n').length;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

// --- the generated file
const big = generate(STAGES);
const bigLines = lineCount(big);
{
  const check = loadPipeline(big, registry);
  if (!check.model) throw new Error(`generated Jenkinsfile is invalid: ${check.diagnostics[0]?.message}`);
}
const parsed = parse(big);
const bigAst = parsed.ast!;
const total = stats(time(() => { loadPipeline(big, registry); }, RUNS, 2));
const parseOnly = stats(time(() => { parse(big); }, RUNS, 1));
const validateOnly = stats(time(() => { validate(bigAst, big, registry); }, RUNS, 1));

// --- the corpus
const root = fileURLToPath(new URL('../test/fixtures/jenkinsfiles/', import.meta.url));
const files: string[] = [];
for (const sub of ['valid', 'invalid']) {
  for (const f of readdirSync(root + sub).sort()) if (f.endsWith('.groovy')) files.push(readFileSync(root + sub + '/' + f, 'utf8'));
}
const corpusLines = files.reduce((n, f) => n + lineCount(f), 0);
const corpus = stats(time(() => { for (const f of files) loadPipeline(f, registry); }, CORPUS_RUNS, 3));

const rows: [string, string, string, string, string, string, string][] = [
  ['case', 'lines', 'runs', 'median ms', 'min ms', 'max ms', 'lines/s (median)'],
  [`generated: ${STAGES} stages, parse+validate`, String(bigLines), String(RUNS), String(round(total.median)), String(round(total.min)), String(round(total.max)), String(Math.round(bigLines / (total.median / 1000)))],
  ['generated: parse only', String(bigLines), String(RUNS), String(round(parseOnly.median)), String(round(parseOnly.min)), String(round(parseOnly.max)), String(Math.round(bigLines / (parseOnly.median / 1000)))],
  ['generated: validate only', String(bigLines), String(RUNS), String(round(validateOnly.median)), String(round(validateOnly.min)), String(round(validateOnly.max)), String(Math.round(bigLines / (validateOnly.median / 1000)))],
  [`corpus: ${files.length} files, parse+validate`, String(corpusLines), String(CORPUS_RUNS), String(round(corpus.median, 2)), String(round(corpus.min, 2)), String(round(corpus.max, 2)), String(Math.round(corpusLines / (corpus.median / 1000)))],
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
process.stdout.write(`bench parse (node ${process.version})\n`);
for (const r of rows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + '\n');
process.stdout.write(JSON.stringify({
  bench: 'parse',
  node: process.version,
  generated: {
    stages: STAGES, lines: bigLines, bytes: Buffer.byteLength(big), runs: RUNS,
    medianMs: round(total.median, 2), minMs: round(total.min, 2), maxMs: round(total.max, 2),
    linesPerSec: Math.round(bigLines / (total.median / 1000)),
    parseMedianMs: round(parseOnly.median, 2), validateMedianMs: round(validateOnly.median, 2),
  },
  corpus: {
    files: files.length, lines: corpusLines, runs: CORPUS_RUNS,
    medianMs: round(corpus.median, 2), minMs: round(corpus.min, 2), maxMs: round(corpus.max, 2),
    linesPerSec: Math.round(corpusLines / (corpus.median / 1000)),
  },
}) + '\n');
