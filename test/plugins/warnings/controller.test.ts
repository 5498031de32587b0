// recordIssues in a real controller (store, log store, HTTP API), with reports made during the
// build: a checkstyle XML written by the pipeline (ESLint is not installed here, so the linters'
// checkstyle format is written by hand), and the console of the real gcc and javac. Two builds
// of one job show new / fixed / outstanding issues against the previous build, in the console
// and through GET .../builds/N/issues; quality gates make a build UNSTABLE or FAILURE with
// warnings-ng's console lines; a broken report, a pattern that leaves the workspace and a link
// out of it are refused with a clear message; the issues are read with the build's permission.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { consoleText, finishedBuild, jsonApi, rawApi, testConfig } from '../../helpers/controller.ts';

let c: ControllerHandle;
before(async () => {
  for (const cmd of ['gcc', 'javac']) {
    try {
      execFileSync('which', [cmd], { stdio: 'ignore' });
    } catch {
      assert.fail(`${cmd} is not installed on this machine: these tests run it (apt-get install ${cmd === 'javac' ? 'default-jdk-headless' : 'gcc'})`);
    }
  }
  c = await startController(testConfig({ home: path.join(tempDir('warnings-controller'), 'home'), port: '0', executors: '2' }));
});
after(async () => { await c?.close(); });

const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);

async function run(job: string): Promise<{ result: string; log: string; number: number }> {
  const b = await api('POST', `/api/v1/jobs/${job}/builds`, {});
  const done = await finishedBuild(c.url, job, b.number);
  return { result: done.result, log: await consoleText(c.url, job, b.number), number: b.number };
}

test('two builds: new, fixed and outstanding issues against the previous build; a NEW_ERROR gate makes the second UNSTABLE', async () => {
  await api('POST', '/api/v1/jobs', {
    name: 'lint',
    script: `pipeline {
  agent any
  stages {
    stage('Analyse') {
      steps {
        script {
          def second = env.BUILD_NUMBER != '1'
          def changing = second ? '<error line="9" column="3" severity="error" message="Fresh problem" source="com.x.checks.coding.FreshCheck"/>'
                                : '<error line="5" severity="warning" message="Gone problem" source="com.x.checks.coding.GoneCheck"/>'
          writeFile file: 'target/checkstyle-result.xml', text: """<?xml version="1.0"?><checkstyle version="10">
<file name="\${env.WORKSPACE}/src/A.java"><error line="\${second ? 4 : 3}" severity="warning" message="Kept problem" source="com.x.checks.coding.KeptCheck"/>\${changing}</file></checkstyle>"""
        }
        writeFile file: 'm.c', text: 'int main(void) { int unused; return 0; }\\n'
        sh 'gcc -Wall -fdiagnostics-color=never -c m.c -o m.o'
        recordIssues tools: [checkStyle(), gcc()], qualityGates: [[threshold: 1, type: 'NEW_ERROR', unstable: true]]
      }
    }
  }
}`,
  });
  const first = await run('lint');
  assert.equal(first.result, 'SUCCESS', first.log);
  assert.match(first.log, /\[CheckStyle\] Searching for all files in '.*' that match the pattern '\*\*\/checkstyle-result\.xml'\n\[CheckStyle\] -> found 1 file\n/);
  assert.match(first.log, /\[CheckStyle\] -> found 2 issues \(skipped 0 duplicates\)\n/);
  assert.match(first.log, /\[CheckStyle\] No valid reference build found\n\[CheckStyle\] All reported issues will be considered outstanding\n/);
  assert.match(first.log, /\[GNU C Compiler \(gcc\)\] Parsing console log \(workspace: '.*'\)\n\[GNU C Compiler \(gcc\)\] -> found 1 issue \(skipped 0 duplicates\)\n/);
  assert.match(first.log, /\[CheckStyle\] -> All quality gates have been passed\n/);
  assert.match(first.log, /\[CheckStyle\] Attaching ResultAction with ID 'checkstyle' to build 'lint #1'\.\n/);

  const second = await run('lint');
  assert.equal(second.result, 'UNSTABLE', second.log);
  assert.match(second.log, /\[CheckStyle\] Quality gate successful for reference build 'lint #1', using this build as reference\n/);
  assert.match(second.log, /\[CheckStyle\] Issues delta \(vs\. reference build\): outstanding: 1, new: 1, fixed: 1\n/);
  assert.match(second.log, /\[CheckStyle\] Evaluating quality gates\n\[CheckStyle\] -> Some quality gates have been missed: overall result is UNSTABLE\n\[CheckStyle\] -> Details for each quality gate:\n\[CheckStyle\]    - \[New \(errors only\)\]: ≪Unstable≫ - \(Actual value: 1, Quality gate: 1\.00\)\n/);
  assert.match(second.log, /\[GNU C Compiler \(gcc\)\] Issues delta \(vs\. reference build\): outstanding: 1, new: 0, fixed: 0\n/);
  // The stage shows the gate's result too.
  const stages = await api('GET', `/api/v1/jobs/lint/builds/${second.number}/stages`);
  assert.equal(JSON.stringify(stages).includes('"UNSTABLE"'), true, JSON.stringify(stages));

  const issues = await api('GET', `/api/v1/jobs/lint/builds/${second.number}/issues`);
  assert.deepEqual(issues.totals, { total: 3, new: 1, fixed: 1, outstanding: 2, bySeverity: { ERROR: 1, HIGH: 0, NORMAL: 2, LOW: 0 } });
  assert.deepEqual(issues.results.map((r: any) => [r.id, r.name, r.total, r.new, r.fixed, r.qualityGate, r.reference]), [
    ['checkstyle', 'CheckStyle', 2, 1, 1, 'WARNING', { job: 'lint', number: 1 }],
    ['gcc', 'GNU C Compiler (gcc)', 1, 0, 0, 'PASSED', { job: 'lint', number: 1 }],
  ]);
  const fresh = issues.issues.find((i: any) => i.state === 'new');
  assert.deepEqual(fresh, { result: 'checkstyle', tool: 'checkstyle', file: 'src/A.java', line: 9, lineEnd: 9, column: 3, severity: 'ERROR', category: 'Coding', type: 'Fresh', message: 'Fresh problem', state: 'new' });
  const gccIssue = issues.issues.find((i: any) => i.tool === 'gcc');
  assert.equal(gccIssue.file, 'm.c');
  assert.equal(gccIssue.line, 1);
  assert.equal(gccIssue.category, '-Wunused-variable');
  const fixed = await api('GET', `/api/v1/jobs/lint/builds/${second.number}/issues?state=fixed`);
  assert.deepEqual(fixed.issues.map((i: any) => [i.message, i.state]), [['Gone problem', 'fixed']]);
  const paged = await api('GET', `/api/v1/jobs/lint/builds/${second.number}/issues?limit=1&offset=1`);
  assert.equal(paged.count, 3);
  assert.equal(paged.issues.length, 1);
  // The issues are read with the build's permission: not without logging in.
  const anon = await raw('GET', `/api/v1/jobs/lint/builds/${second.number}/issues`, undefined, { authorization: '' });
  assert.equal(anon.status, 401, anon.text);
  assert.equal((await raw('GET', '/api/v1/jobs/lint/builds/99/issues')).status, 404);
});

test('a FAILURE gate on the real javac console fails the build; a broken report is an [-ERROR-] line; aggregated results', async () => {
  await api('POST', '/api/v1/jobs', {
    name: 'gates',
    script: `pipeline {
  agent any
  stages {
    stage('Build') {
      steps {
        writeFile file: 'Old.java', text: 'public class Old { int y() { return new java.util.Date(99, 1, 1).getYear(); } }\\n'
        sh 'javac -Xlint:all -d out Old.java'
        writeFile file: 'reports/pmd.xml', text: '<pmd><file name="A.java"><violation beginline="1" priority="1"'
        recordIssues tools: [pmdParser(pattern: 'reports/pmd.xml')], qualityGates: [[threshold: 1, type: 'TOTAL', criticality: 'FAILURE']]
        recordIssues aggregatingResults: true, tools: [java(), javaDoc()], qualityGates: [[threshold: 1, type: 'TOTAL_NORMAL', criticality: 'FAILURE']]
      }
    }
  }
  post { always { echo "result: \${currentBuild.currentResult}" } }
}`,
  });
  const b = await run('gates');
  assert.equal(b.result, 'FAILURE', b.log);
  assert.match(b.log, /\[PMD\] \[-ERROR-\] Parsing of file '.*\/reports\/pmd\.xml' failed due to an exception:\n\[PMD\] \[-ERROR-\] .*reports\/pmd\.xml: not well-formed XML at line 1/);
  assert.match(b.log, /\[PMD\] -> All quality gates have been passed\n/);
  assert.match(b.log, /\[Java Compiler\] Parsing console log/);
  assert.match(b.log, /\[Static Analysis\] -> Some quality gates have been missed: overall result is FAILURE\n/);
  assert.match(b.log, /\[Static Analysis\]    - \[Total \(severity normal only\)\]: ≪Failed≫ - \(Actual value: \d+, Quality gate: 1\.00\)\n/);
  assert.match(b.log, /\[Static Analysis\] Attaching ResultAction with ID 'analysis' to build 'gates #1'\./);
  assert.match(b.log, /result: FAILURE\n/);
  const issues = await api('GET', `/api/v1/jobs/gates/builds/${b.number}/issues?result=analysis`);
  const analysis = issues.results.find((r: any) => r.id === 'analysis');
  assert.deepEqual(analysis.tools.map((t: any) => t.id), ['java', 'javadoc-warnings']);
  assert.ok(issues.issues.some((i: any) => i.tool === 'java' && i.file === 'Old.java' && i.line === 1 && i.category === 'deprecation'), JSON.stringify(issues.issues));
  const pmd = issues.results.find((r: any) => r.id === 'pmd');
  assert.equal(pmd.total, 0);
  assert.match(pmd.errors.join('\n'), /not well-formed XML/);
});

test('a pattern that leaves the workspace fails the step; a link out of the workspace is not read; a tool id is used once per build', async () => {
  await api('POST', '/api/v1/jobs', {
    name: 'escape',
    script: `pipeline {
  agent any
  stages {
    stage('Scan') {
      steps {
        sh 'ln -sf /etc/passwd leak.xml'
        recordIssues tool: checkStyle(pattern: 'leak.xml')
        catchError(buildResult: 'FAILURE', stageResult: 'FAILURE') {
          recordIssues tool: checkStyle(pattern: '../../../etc/*.xml', id: 'outside')
        }
        recordIssues tool: checkStyle(pattern: 'nothing/*.xml', id: 'none'), enabledForFailure: true
        recordIssues tool: checkStyle(pattern: 'leak.xml'), enabledForFailure: true
      }
    }
  }
}`,
  });
  const b = await run('escape');
  assert.equal(b.result, 'FAILURE', b.log);
  assert.match(b.log, /\[CheckStyle\] \[-ERROR-\] Skipping file 'leak\.xml': /);
  assert.doesNotMatch(b.log, /root:x:0/);
  assert.match(b.log, /recordIssues: the pattern '\.\.\/\.\.\/\.\.\/etc\/\*\.xml' leaves the workspace/);
  assert.match(b.log, /\[CheckStyle\] \[-ERROR-\] No files found for pattern 'nothing\/\*\.xml'\. Configuration error\?\n/);
  assert.match(b.log, /recordIssues: ID checkstyle is already used by another action of this build/);
});

test('scanForIssues + publishIssues, filters, and the reference taken from another job (discoverGitReferenceBuild, referenceJobName)', async () => {
  const report = (msgs: string[]) => `<checkstyle><file name="src/main/A.java">${msgs.map((m, i) => `<error line="${i + 1}" severity="warning" message="${m}" source="x.checks.naming.NameCheck"/>`).join('')}</file><file name="src/test/ATest.java"><error line="1" severity="error" message="in a test" source="x.checks.coding.TestCheck"/></file></checkstyle>`;
  await api('POST', '/api/v1/jobs', {
    name: 'main-branch',
    script: `pipeline { agent any; stages { stage('a') { steps {
      writeFile file: 'cs.xml', text: '${report(['one', 'two'])}'
      script {
        def r = scanForIssues tool: checkStyle(pattern: 'cs.xml'), filters: [excludeFile('.*src/test/.*')]
        publishIssues issues: [r]
      }
    } } } }`,
  });
  const main = await run('main-branch');
  assert.equal(main.result, 'SUCCESS', main.log);
  assert.match(main.log, /\[CheckStyle\] Applying 1 filter on the set of 3 issues \(1 issues have been removed, 2 issues will be published\)\n/);

  await api('POST', '/api/v1/jobs', {
    name: 'feature',
    script: `pipeline { agent any; stages { stage('a') { steps {
      discoverGitReferenceBuild referenceJob: 'main-branch'
      writeFile file: 'cs.xml', text: '${report(['one', 'three'])}'
      recordIssues tool: checkStyle(pattern: 'cs.xml'), filters: [includeFile('src/main/.*')], qualityGates: [[threshold: 1, type: 'NEW', criticality: 'NOTE']]
      recordIssues tool: checkStyle(pattern: 'cs.xml', id: 'by-name'), referenceJobName: 'main-branch', filters: [includeCategory('Naming'), excludeMessage('thr.*')]
    } } } }`,
  });
  const feature = await run('feature');
  assert.equal(feature.result, 'SUCCESS', feature.log);
  assert.match(feature.log, /\[ReferenceFinder\] Found reference build 'main-branch #1' for target branch\n/);
  assert.match(feature.log, /\[CheckStyle\] Obtaining reference build from reference job 'main-branch'\n/);
  assert.match(feature.log, /\[CheckStyle\] Using reference build 'main-branch #1' to compute new, fixed, and outstanding issues\n\[CheckStyle\] Issues delta \(vs\. reference build\): outstanding: 1, new: 1, fixed: 1\n/);
  // A NOTE gate is reported but leaves the result alone.
  assert.match(feature.log, /\[CheckStyle\]    - \[New \(any severity\)\]: ≪Note≫ - \(Actual value: 1, Quality gate: 1\.00\)\n/);
  const issues = await api('GET', `/api/v1/jobs/feature/builds/${feature.number}/issues?result=by-name`);
  const byName = issues.results.find((r: any) => r.id === 'by-name');
  // Filtered to the naming issues other than "three": only "one". main-branch has no result of id
  // by-name, so there is no reference for it.
  assert.match(feature.log, /\[CheckStyle\] Reference build 'main-branch #1' does not contain a result action, analyzing previous builds\n/);
  assert.equal(byName.total, 1);
  assert.equal(byName.reference, null);
  assert.deepEqual(issues.issues.map((i: any) => i.message), ['one']);
});

test('taskScanner finds tags in source files; a secret the build was given is masked in the recorded issues', async () => {
  await api('POST', '/api/v1/credentials', { id: 'lint-token', type: 'secretText', secret: 's3cr3t-t0ken-value' });
  await api('POST', '/api/v1/jobs', {
    name: 'tasks',
    script: `pipeline { agent any; stages { stage('a') { steps {
      writeFile file: 'src/A.java', text: 'class A {\\n  // TODO: split this class\\n  // FIXME broken on Sundays\\n  // todo lower case is not a tag\\n}\\n'
      writeFile file: 'src/B.py', text: '# TODO python is not scanned\\n'
      recordIssues tool: taskScanner(includePattern: 'src/**/*.java', highTags: 'FIXME', normalTags: 'TODO')
      recordIssues tool: taskScanner(id: 'regex-tasks', includePattern: '**/*.py', normalTags: 'TO+DO', isRegularExpression: true, ignoreCase: true)
      withCredentials([string(credentialsId: 'lint-token', variable: 'TOKEN')]) {
        writeFile file: 'cs.xml', text: '<checkstyle><file name="a"><error line="1" severity="error" message="leaked ' + TOKEN + '" source="x.y.LeakCheck"/></file></checkstyle>'
      }
      recordIssues tool: checkStyle(pattern: 'cs.xml')
    } } } }`,
  });
  const b = await run('tasks');
  assert.equal(b.result, 'SUCCESS', b.log);
  assert.match(b.log, /\[Open Tasks Scanner\] -> found a total of 2 open tasks\n/);
  const issues = await api('GET', `/api/v1/jobs/tasks/builds/${b.number}/issues`);
  const tasks = issues.issues.filter((i: any) => i.result === 'open-tasks').map((i: any) => [i.file, i.line, i.severity, i.type, i.message]);
  assert.deepEqual(tasks, [['src/A.java', 2, 'NORMAL', 'TODO', 'split this class'], ['src/A.java', 3, 'HIGH', 'FIXME', 'broken on Sundays']]);
  assert.deepEqual(issues.issues.filter((i: any) => i.result === 'regex-tasks').map((i: any) => [i.file, i.message]), [['src/B.py', 'python is not scanned']]);
  const leaked = issues.issues.find((i: any) => i.result === 'checkstyle');
  assert.equal(leaked.message, 'leaked ****');
  assert.doesNotMatch(JSON.stringify(issues), /s3cr3t-t0ken-value/);
});
