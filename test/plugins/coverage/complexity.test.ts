// recordCoverage's quality gates on the software metrics of coverage-model (COMPLEXITY,
// COMPLEXITY_MAXIMUM, COMPLEXITY_DENSITY, LOC: smaller is better, missed above the threshold) on
// a report the real JaCoCo writes: the pipeline compiles a class with javac and runs it under
// JaCoCo's agent with Ant's jacoco tasks (the Debian packages' JaCoCo 0.8.6), then records it
// under `kiln run`. A metric the reports do not provide (MUTATION without a PIT report) leaves its gate
// inactive ("n/a"), saying so; an unknown metric is refused with the metrics there are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const JACOCO = '/usr/share/maven-repo/org/jacoco';
const ASM = '/usr/share/java';

function prerequisites(): void {
  for (const tool of ['javac', 'java', 'ant']) {
    try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }); } catch { assert.fail(`${tool} is not installed: this test compiles and runs a class under JaCoCo with it`); }
  }
  for (const jar of [`${JACOCO}/org.jacoco.ant/0.8.6`, `${JACOCO}/org.jacoco.agent/0.8.6`, `${ASM}/asm-9.4.jar`]) {
    assert.ok(existsSync(jar), `${jar} is missing: the Debian packages of JaCoCo 0.8.6 (libjacoco-java) and ASM 9.4 are needed to write a real JaCoCo report`);
  }
}

const RULES = `package com.example;

public class Rules {
  public static String grade(int score) {
    if (score >= 90) {
      return "A";
    } else if (score >= 75) {
      return "B";
    } else if (score >= 50) {
      return "C";
    }
    return "F";
  }

  public static void main(String[] args) {
    System.out.println(grade(95) + grade(80));
  }
}
`;

const BUILD_XML = `<project name="cov" xmlns:jacoco="antlib:org.jacoco.ant" default="report">
  <taskdef uri="antlib:org.jacoco.ant" resource="org/jacoco/ant/antlib.xml">
    <classpath>
      <fileset dir="${JACOCO}" includes="org.jacoco.ant/0.8.6/*.jar,org.jacoco.core/0.8.6/*.jar,org.jacoco.report/0.8.6/*.jar,org.jacoco.agent/0.8.6/*.jar"/>
      <fileset dir="${ASM}" includes="asm-9.4.jar,asm-commons-9.4.jar,asm-tree-9.4.jar,asm-analysis-9.4.jar"/>
    </classpath>
  </taskdef>
  <target name="run">
    <jacoco:coverage destfile="target/jacoco.exec"><java classname="com.example.Rules" fork="true" classpath="target/classes"/></jacoco:coverage>
  </target>
  <target name="report" depends="run">
    <mkdir dir="target/site/jacoco"/>
    <jacoco:report>
      <executiondata><file file="target/jacoco.exec"/></executiondata>
      <structure name="app"><classfiles><fileset dir="target/classes"/></classfiles><sourcefiles><fileset dir="src"/></sourcefiles></structure>
      <xml destfile="target/site/jacoco/jacoco.xml"/>
    </jacoco:report>
  </target>
</project>
`;

function project(gates: string): string {
  const dir = tempDir('coverage-complexity');
  mkdirSync(path.join(dir, 'src/com/example'), { recursive: true });
  writeFileSync(path.join(dir, 'src/com/example/Rules.java'), RULES);
  writeFileSync(path.join(dir, 'build.xml'), BUILD_XML);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline {
  agent any
  stages {
    stage('test') {
      steps {
        sh 'javac -g -d target/classes src/com/example/Rules.java && ant -q'
        recordCoverage(tools: [[parser: 'JACOCO']], qualityGates: ${gates})
      }
    }
  }
}
`);
  return dir;
}

test('complexity gates on a real JaCoCo report: missed above the threshold, with the plugin\'s lines; MUTATION inactive', async () => {
  prerequisites();
  // grade(): 4 decisions paths (complexity 4), <init> 1, main 1: 6 in all over 10 lines
  const dir = project(`[
          [metric: 'COMPLEXITY', threshold: 5, criticality: 'UNSTABLE'],
          [metric: 'CYCLOMATIC_COMPLEXITY_MAXIMUM', threshold: 4],
          [metric: 'COMPLEXITY_DENSITY', threshold: 0.5, criticality: 'FAILURE'],
          [metric: 'LOC', threshold: 100],
          [metric: 'MUTATION', threshold: 60],
        ]`);
  const r = await runKiln(['run'], { cwd: dir });
  const out = r.stdout + r.stderr;
  assert.match(r.stdout, /\[Coverage\] Successfully parsed file '.*target\/site\/jacoco\/jacoco\.xml'\n/, out);
  assert.match(r.stdout, /\[Coverage\] The gate on MUTATION is inactive: the reports \(JaCoCo\) do not provide MUTATION\n/, out);
  assert.match(r.stdout, new RegExp([
    String.raw`\[Coverage\] -> Some quality gates have been missed: overall result is FAILURE`,
    String.raw`\[Coverage\] -> Details for each quality gate:`,
    String.raw`\[Coverage\]    - \[Overall project - Cyclomatic Complexity\]: ≪Unstable≫ - \(Actual value: 6, Quality gate: 5\.00\)`,
    String.raw`\[Coverage\]    - \[Overall project - Maximum Cyclomatic Complexity\]: ≪Success≫ - \(Actual value: 4, Quality gate: 4\.00\)`,
    String.raw`\[Coverage\]    - \[Overall project - Complexity Density\]: ≪Failed≫ - \(Actual value: 0\.60, Quality gate: 0\.50\)`,
    String.raw`\[Coverage\]    - \[Overall project - Lines of Code\]: ≪Success≫ - \(Actual value: 10, Quality gate: 100\.00\)`,
    String.raw`\[Coverage\]    - \[Overall project - Mutation Coverage\]: ≪Inactive≫ - \(Actual value: n/a, Quality gate: 60\.00\)`,
  ].join('\n')), out);
  assert.match(r.stdout, /Finished: FAILURE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/coverage.json'), 'utf8'));
  assert.equal(kept[0].qualityGate, 'FAILED');
  assert.deepEqual(kept[0].gates.map((g: { metric: string; actual: number; missed: boolean; inactive?: boolean }) => [g.metric, g.actual, g.missed, g.inactive ?? false]),
    [['COMPLEXITY', 6, true, false], ['COMPLEXITY_MAXIMUM', 4, false, false], ['COMPLEXITY_DENSITY', 0.6, true, false], ['LOC', 10, false, false], ['MUTATION', 0, false, true]]);
});

test('an unknown metric is refused naming the metrics there are; a negative complexity threshold too', async () => {
  const r = await runKiln(['run'], { cwd: writeOnly(`recordCoverage(tools: [[parser: 'JACOCO']], qualityGates: [[metric: 'CYCLOMATIC', threshold: 1]])`) });
  assert.match(r.stdout, /recordCoverage: qualityGates\[0\]: No metric found for name: CYCLOMATIC \(the Coverage plugin's metrics: MODULE, PACKAGE, FILE, CLASS, METHOD, LINE, BRANCH, INSTRUCTION, COMPLEXITY, MUTATION, TEST_STRENGTH, COMPLEXITY_DENSITY, COMPLEXITY_MAXIMUM, LOC, MCDC_PAIR, /, r.stdout + r.stderr);
  const n = await runKiln(['run'], { cwd: writeOnly(`recordCoverage(tools: [[parser: 'JACOCO']], qualityGates: [[metric: 'complexity', threshold: -1]])`) });
  assert.match(n.stdout, /qualityGates\[0\]: threshold must be a number from 0 \(the largest COMPLEXITY that passes\), got '-1'/, n.stdout + n.stderr);
});

function writeOnly(step: string): string {
  const dir = tempDir('coverage-metric');
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline { agent any; stages { stage('c') { steps { ${step} } } } }\n`);
  return dir;
}
