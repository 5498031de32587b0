// recordCoverage's quality gate baselines beyond PROJECT, under `kiln run` in a real git
// repository: the first run has no reference (its delta and modified-code gates are inactive);
// the second compares with it: the project's coverage against the reference run's
// (PROJECT_DELTA), and the lines changed since the reference's commit, found with git diff and
// matched to the report's paths by suffix (MODIFIED_LINES, MODIFIED_FILES, *_DELTA); every metric
// the coverage plugin has for each (LINE, BRANCH, FILE of modified lines; all the files' metrics
// of modified files), from the Cobertura XML gcovr writes for a real C program and the XML
// JaCoCo (Debian's libjacoco-java, driven by test/fixtures/coverage/Cover.java) writes for a real
// Java program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

/** coverage.py's Cobertura layout for app/calc.py with these lines' hits. */
function cobertura(hits: number[]): string {
  const lines = hits.map((h, i) => `<line number="${i + 1}" hits="${h}"/>`).join('');
  return `<?xml version="1.0" ?><coverage version="7.4"><sources><source>src</source></sources><packages><package name="app"><classes>`
    + `<class name="calc.py" filename="app/calc.py"><methods/><lines>${lines}</lines></class></classes></package></packages></coverage>`;
}

const JENKINSFILE = `pipeline {
  agent any
  stages {
    stage('cov') {
      steps {
        recordCoverage(tools: [[parser: 'COBERTURA', pattern: 'coverage.xml']], qualityGates: [
          [metric: 'LINE', baseline: 'MODIFIED_LINES', threshold: 60.0, criticality: 'UNSTABLE'],
          [metric: 'LINE', baseline: 'MODIFIED_FILES', threshold: 60.0, criticality: 'UNSTABLE'],
          [metric: 'LINE', baseline: 'PROJECT_DELTA', threshold: -10.0, criticality: 'FAILURE'],
          [metric: 'LINE', baseline: 'MODIFIED_LINES_DELTA', threshold: 0.0, criticality: 'NOTE'],
        ])
      }
    }
  }
}
`;

test('delta and modified-code gates: inactive without a reference run, then computed against it from git', async () => {
  const dir = tempDir('coverage-baselines');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  mkdirSync(path.join(dir, 'src/app'), { recursive: true });
  writeFileSync(path.join(dir, 'src/app/calc.py'), 'a = 1\nb = 2\nc = 3\nd = 4\n');
  writeFileSync(path.join(dir, 'coverage.xml'), cobertura([1, 1, 1, 0]));
  writeFileSync(path.join(dir, 'Jenkinsfile'), JENKINSFILE);
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
  const commit = git('rev-parse', 'HEAD').toString().trim();

  const first = await runKiln(['run'], { cwd: dir });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /\[Coverage\] No reference build found: the gates on deltas and modified code are inactive\n/);
  assert.match(first.stdout, /\[Coverage\]    - \[Modified code lines - Line Coverage\]: ≪Inactive≫ - \(Actual value: n\/a, Quality gate: 60\.00\)\n/);
  assert.match(first.stdout, /\[Coverage\]    - \[Overall project \(difference to reference job\) - Line Coverage\]: ≪Inactive≫ - \(Actual value: n\/a, Quality gate: -10\.00\)\n/);
  assert.equal(JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/coverage.json'), 'utf8'))[0].commit, commit);

  // Two lines added (not committed: kiln run works on the working tree), one of them covered.
  writeFileSync(path.join(dir, 'src/app/calc.py'), 'a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\n');
  writeFileSync(path.join(dir, 'coverage.xml'), cobertura([1, 1, 1, 0, 1, 0]));
  const second = await runKiln(['run'], { cwd: dir });
  assert.equal(second.code, 3, second.stdout + second.stderr);
  assert.match(second.stdout, new RegExp(`\\[Coverage\\] Using reference build #1 \\(commit ${commit.slice(0, 12)}\\)\\n`));
  assert.match(second.stdout, /\[Coverage\] -> \d+ modified lines in \d+ files since [0-9a-f]{12}\n/);
  // lines 5 and 6: 1 of 2; the file: 4 of 6; the project: 4 of 6 against 3 of 4 before.
  assert.match(second.stdout, /\[Coverage\]    - \[Modified code lines - Line Coverage\]: ≪Unstable≫ - \(Actual value: 50\.00%, Quality gate: 60\.00\)\n/);
  assert.match(second.stdout, /\[Coverage\]    - \[Modified files - Line Coverage\]: ≪Success≫ - \(Actual value: 66\.67%, Quality gate: 60\.00\)\n/);
  assert.match(second.stdout, /\[Coverage\]    - \[Overall project \(difference to reference job\) - Line Coverage\]: ≪Success≫ - \(Actual value: -8\.33%, Quality gate: -10\.00\)\n/);
  assert.match(second.stdout, /\[Coverage\]    - \[Modified code lines \(difference to overall project\) - Line Coverage\]: ≪Note≫ - \(Actual value: -16\.67%, Quality gate: 0\.00\)\n/);
  assert.match(second.stdout, /Finished: UNSTABLE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/2/coverage.json'), 'utf8'))[0];
  assert.deepEqual(kept.reference, { build: 1, commit });
  assert.deepEqual(kept.gates.map((g: any) => [g.baseline, g.missed]), [['MODIFIED_LINES', true], ['MODIFIED_FILES', false], ['PROJECT_DELTA', false], ['MODIFIED_LINES_DELTA', true]]);
});

test('a baseline Kiln does not compute, or a bad threshold, is refused saying why', async () => {
  const dir = tempDir('coverage-baselines-bad');
  writeFileSync(path.join(dir, 'coverage.xml'), cobertura([1]));
  for (const [gate, re] of [
    ["[metric: 'LINE', baseline: 'INDIRECT', threshold: 1]", /baseline 'INDIRECT' is not one Kiln computes \(PROJECT, MODIFIED_LINES, MODIFIED_FILES, PROJECT_DELTA, MODIFIED_LINES_DELTA, MODIFIED_FILES_DELTA; INDIRECT needs/],
    ["[metric: 'LINE', baseline: 'PROJECT', threshold: -5]", /threshold must be a percentage from 0 to 100/],
  ] as const) {
    writeFileSync(path.join(dir, 'Jenkinsfile'), `node { recordCoverage(tools: [[parser: 'COBERTURA', pattern: 'coverage.xml']], qualityGates: [${gate}]) }\n`);
    const r = await runKiln(['run'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, re);
  }
});

/** gcc --coverage, run, then gcovr's Cobertura XML (with branches): the real tools' report. */
function gcovrReport(dir: string): void {
  for (const tool of ['gcc', 'gcovr']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'pipe' });
    } catch {
      throw new Error(`${tool} is missing: install Debian's ${tool} (scripts/test-prereqs.sh does) to run the coverage baseline tests`);
    }
  }
  execFileSync('sh', ['-c', 'rm -f *.gcda *.gcno && gcc --coverage -O0 -o calc calc.c util.c && ./calc && gcovr --xml --branches -r . -o coverage.xml'], { cwd: dir, stdio: 'pipe' });
}

test('every metric of the modified lines and files, from the Cobertura XML gcovr writes for a real C program', async () => {
  const dir = tempDir('coverage-baselines-gcovr');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, '.gitignore'), 'calc\n*.gcda\n*.gcno\n.kiln/\n');
  writeFileSync(path.join(dir, 'util.c'), 'int unused(int x) {\n  if (x) return 1;\n  return 2;\n}\n');
  writeFileSync(path.join(dir, 'calc.c'), 'int sign(int x) {\n  if (x > 0) return 1;\n  return 0;\n}\n\nint main(void) {\n  return sign(1) - 1;\n}\n');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  recordCoverage(tools: [[parser: 'COBERTURA', pattern: 'coverage.xml']], qualityGates: [
    [metric: 'LINE', baseline: 'MODIFIED_LINES', threshold: 90.0],
    [metric: 'BRANCH', baseline: 'MODIFIED_LINES', threshold: 60.0],
    [metric: 'FILE', baseline: 'MODIFIED_LINES', threshold: 100.0],
    [metric: 'METHOD', baseline: 'MODIFIED_LINES', threshold: 10.0],
    [metric: 'LINE', baseline: 'MODIFIED_FILES', threshold: 80.0],
    [metric: 'BRANCH', baseline: 'MODIFIED_FILES', threshold: 50.0],
    [metric: 'CLASS', baseline: 'MODIFIED_FILES', threshold: 100.0],
    [metric: 'BRANCH', baseline: 'PROJECT_DELTA', threshold: 5.0],
    [metric: 'CLASS', baseline: 'PROJECT_DELTA', threshold: 0.0],
    [metric: 'LINE', baseline: 'MODIFIED_LINES_DELTA', threshold: 30.0],
    [metric: 'BRANCH', baseline: 'MODIFIED_FILES_DELTA', threshold: 20.0, criticality: 'NOTE'],
  ])
}
`);
  gcovrReport(dir);
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const first = await runKiln(['run'], { cwd: dir });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  // lines 4 of 8, branches 1 of 4, classes 1 of 2
  assert.match(first.stdout, /\[Coverage\] -> .*Line: 50\.00%, Branch: 25\.00%/);

  // a function added and called: its lines 6-8 and main's changed line 12 are modified
  writeFileSync(path.join(dir, 'calc.c'), 'int sign(int x) {\n  if (x > 0) return 1;\n  return 0;\n}\n\nint twice(int x) {\n  if (x > 10) return 100;\n  return x * 2;\n}\n\nint main(void) {\n  return sign(1) + twice(1) - 3;\n}\n');
  gcovrReport(dir);
  const second = await runKiln(['run'], { cwd: dir });
  assert.equal(second.code, 3, second.stdout + second.stderr);
  const gate = (name: string, verdict: string, actual: string, threshold: string) =>
    assert.match(second.stdout, new RegExp(`\\[Coverage\\]    - \\[${name.replace(/[()]/g, '\\$&')}\\]: ≪${verdict}≫ - \\(Actual value: ${actual.replace(/[+.]/g, '\\$&')}, Quality gate: ${threshold.replace('.', '\\.')}\\)\\n`));
  gate('Modified code lines - Line Coverage', 'Success', '100.00%', '90.00');
  gate('Modified code lines - Branch Coverage', 'Unstable', '50.00%', '60.00');
  gate('Modified code lines - File Coverage', 'Success', '100.00%', '100.00');
  gate('Modified code lines - Method Coverage', 'Inactive', 'n/a', '10.00');
  assert.match(second.stdout, /The MODIFIED_LINES gate on METHOD is inactive: modified lines have values of MODULE, PACKAGE, FILE, LINE, BRANCH, LOC only/);
  gate('Modified files - Line Coverage', 'Success', '87.50%', '80.00');
  gate('Modified files - Branch Coverage', 'Success', '50.00%', '50.00');
  gate('Modified files - Class Coverage', 'Success', '100.00%', '100.00');
  gate('Overall project (difference to reference job) - Branch Coverage', 'Success', '+8.33%', '5.00');
  gate('Overall project (difference to reference job) - Class Coverage', 'Success', '+0.00%', '0.00');
  gate('Modified code lines (difference to overall project) - Line Coverage', 'Success', '+36.36%', '30.00');
  gate('Modified files (difference to overall project) - Branch Coverage', 'Note', '+16.67%', '20.00');
});

const JACOCO_JARS = ['org.jacoco.core', 'org.jacoco.report', 'asm', 'asm-commons', 'asm-tree'].map((j) => `/usr/share/java/${j}.jar`);

/** javac, then the program run under JaCoCo (test/fixtures/coverage/Cover.java), writing jacoco.xml. */
function jacocoReport(dir: string): void {
  for (const jar of JACOCO_JARS) {
    if (!existsSync(jar)) throw new Error(`${jar} is missing: install Debian's libjacoco-java (scripts/test-prereqs.sh does) to run the JaCoCo baseline test`);
  }
  const cp = JACOCO_JARS.join(':');
  const tool = path.join(dir, '..', `${path.basename(dir)}-tool`);
  if (!existsSync(path.join(tool, 'Cover.class'))) {
    execFileSync('javac', ['-d', tool, '-cp', cp, fileURLToPath(new URL('../../fixtures/coverage/Cover.java', import.meta.url))], { stdio: 'pipe' });
  }
  rmSync(path.join(dir, 'classes'), { recursive: true, force: true });
  execFileSync('sh', ['-c', 'javac --release 11 -d classes src/main/java/com/example/*.java'], { cwd: dir, stdio: 'pipe' });
  execFileSync('java', ['-cp', `${tool}:${cp}`, 'Cover', 'classes', 'com.example.Calc', 'jacoco.xml', 'src/main/java'], { cwd: dir, stdio: 'pipe' });
}

const CALC_1 = 'package com.example;\n\npublic class Calc {\n  static int sign(int x) {\n    if (x > 0) return 1;\n    return 0;\n  }\n\n  public static void main(String[] args) {\n    System.out.println(sign(1));\n  }\n}\n';
const CALC_2 = 'package com.example;\n\npublic class Calc {\n  static int sign(int x) {\n    if (x > 0) return 1;\n    return 0;\n  }\n\n  static int twice(int x) {\n    if (x > 10) return 100;\n    return x * 2;\n  }\n\n  public static void main(String[] args) {\n    System.out.println(sign(1) + twice(1));\n  }\n}\n';

test('instructions, methods, classes and branches of the modified code, from the XML JaCoCo writes for a real Java program', async () => {
  const dir = tempDir('coverage-baselines-jacoco');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  mkdirSync(path.join(dir, 'src/main/java/com/example'), { recursive: true });
  writeFileSync(path.join(dir, '.gitignore'), 'classes/\n.kiln/\n');
  writeFileSync(path.join(dir, 'src/main/java/com/example/Util.java'), 'package com.example;\n\npublic class Util {\n  static int unused(int x) {\n    if (x > 0) return 1;\n    return 2;\n  }\n}\n');
  writeFileSync(path.join(dir, 'src/main/java/com/example/Calc.java'), CALC_1);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  recordCoverage(tools: [[parser: 'JACOCO', pattern: 'jacoco.xml']], qualityGates: [
    [metric: 'LINE', baseline: 'MODIFIED_LINES', threshold: 100.0],
    [metric: 'BRANCH', baseline: 'MODIFIED_LINES', threshold: 50.0],
    [metric: 'INSTRUCTION', baseline: 'MODIFIED_LINES', threshold: 50.0],
    [metric: 'INSTRUCTION', baseline: 'MODIFIED_FILES', threshold: 80.0],
    [metric: 'METHOD', baseline: 'MODIFIED_FILES', threshold: 75.0],
    [metric: 'CLASS', baseline: 'MODIFIED_FILES', threshold: 100.0],
    [metric: 'INSTRUCTION', baseline: 'PROJECT_DELTA', threshold: 15.0],
    [metric: 'METHOD', baseline: 'PROJECT_DELTA', threshold: 10.0],
    [metric: 'BRANCH', baseline: 'MODIFIED_LINES_DELTA', threshold: 10.0],
    [metric: 'INSTRUCTION', baseline: 'MODIFIED_FILES_DELTA', threshold: 20.0, criticality: 'FAILURE'],
    [metric: 'METHOD', baseline: 'MODIFIED_FILES_DELTA', threshold: 25.0],
  ])
}
`);
  jacocoReport(dir);
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const first = await runKiln(['run'], { cwd: dir });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  // instructions 9 of 23, methods 2 of 5 (Util is never used)
  assert.match(first.stdout, /Instruction: 39\.13%/);

  writeFileSync(path.join(dir, 'src/main/java/com/example/Calc.java'), CALC_2);
  jacocoReport(dir);
  const second = await runKiln(['run'], { cwd: dir });
  assert.equal(second.code, 1, second.stdout + second.stderr);
  const gate = (name: string, verdict: string, actual: string, threshold: string) =>
    assert.match(second.stdout, new RegExp(`\\[Coverage\\]    - \\[${name.replace(/[()]/g, '\\$&')}\\]: ≪${verdict}≫ - \\(Actual value: ${actual.replace(/[+.]/g, '\\$&')}, Quality gate: ${threshold.replace('.', '\\.')}\\)\\n`));
  // modified lines with coverage: 10 (1 of 2 branches), 11 and 15
  gate('Modified code lines - Line Coverage', 'Success', '100.00%', '100.00');
  gate('Modified code lines - Branch Coverage', 'Success', '50.00%', '50.00');
  gate('Modified code lines - Instruction Coverage', 'Inactive', 'n/a', '50.00');
  // Calc.java: instructions 19 of 26, methods 3 of 4, its class
  gate('Modified files - Instruction Coverage', 'Unstable', '73.08%', '80.00');
  gate('Modified files - Method Coverage', 'Success', '75.00%', '75.00');
  gate('Modified files - Class Coverage', 'Success', '100.00%', '100.00');
  // the project: instructions 19 of 35 (was 9 of 23), methods 3 of 6 (was 2 of 5), branches 2 of 6
  gate('Overall project (difference to reference job) - Instruction Coverage', 'Success', '+15.16%', '15.00');
  gate('Overall project (difference to reference job) - Method Coverage', 'Success', '+10.00%', '10.00');
  gate('Modified code lines (difference to overall project) - Branch Coverage', 'Success', '+16.67%', '10.00');
  gate('Modified files (difference to overall project) - Instruction Coverage', 'Failed', '+18.79%', '20.00');
  gate('Modified files (difference to overall project) - Method Coverage', 'Success', '+25.00%', '25.00');
  assert.match(second.stdout, /Finished: FAILURE\n/);
});
