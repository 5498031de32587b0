// recordCoverage on PIT's mutations.xml (coverage-plugin's PIT parser) and on Cobertura's
// `complexity` attributes, under `kiln run`. PIT needs Maven, a JVM project and the network here,
// so its report is written by hand in the documented format (a <mutation detected= status=> per
// mutant, as pitest's XMLReportListener writes it); the Cobertura report likewise follows
// coverage-04.dtd with complexity on classes and methods (Cobertura's own reports give them; the
// tools on this machine write 0). The tests assert the totals on the console and in
// .kiln/runs/N/coverage.json, gates on MUTATION / TEST_STRENGTH / COMPLEXITY with the plugin's
// lines, and bad reports refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { JACOCO_XML } from './fixtures.ts';
import { emptyTotals, parsePit } from '../../../src/plugins/coverage/parsers.ts';

const mutation = (detected: boolean, status: string, method: string, desc: string, line: number, mutator: string) =>
  `<mutation detected='${detected}' status='${status}' numberOfTestsRun='2'><sourceFile>Rules.java</sourceFile><mutatedClass>com.example.Rules</mutatedClass>`
  + `<mutatedMethod>${method}</mutatedMethod><methodDescription>${desc}</methodDescription><lineNumber>${line}</lineNumber>`
  + `<mutator>org.pitest.mutationtest.engine.gregor.mutators.${mutator}</mutator><indexes><index>3</index></indexes><blocks><block>0</block></blocks>`
  + `<killingTest>${detected ? 'com.example.RulesTest.grades(com.example.RulesTest)' : ''}</killingTest><description>a mutant</description></mutation>`;

/** 5 mutants: 2 killed, 1 timed out (detected), 1 survived, 1 without coverage: MUTATION 3/5, TEST_STRENGTH 3/4. */
const MUTATIONS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<mutations partial="false">
${mutation(true, 'KILLED', 'grade', '(I)Ljava/lang/String;', 5, 'ConditionalsBoundaryMutator')}
${mutation(true, 'KILLED', 'grade', '(I)Ljava/lang/String;', 7, 'NegateConditionalsMutator')}
${mutation(false, 'SURVIVED', 'grade', '(I)Ljava/lang/String;', 9, 'ConditionalsBoundaryMutator')}
${mutation(true, 'TIMED_OUT', 'grade', '(I)Ljava/lang/String;', 11, 'MathMutator')}
${mutation(false, 'NO_COVERAGE', 'unused', '()V', 14, 'VoidMethodCallMutator')}
</mutations>
`;

/** Rules: grade (4, hit) and unused (1, missed) = 5; Legacy: no method values, its own 2.6 → 3. */
const COBERTURA_COMPLEXITY = `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage line-rate="0.75" branch-rate="0.5" lines-covered="3" lines-valid="4" branches-covered="1" branches-valid="2" complexity="3.1" version="2.1.1" timestamp="1700000000000">
  <sources><source>src/main/java</source></sources>
  <packages>
    <package name="com.example" line-rate="0.75" branch-rate="0.5" complexity="3.1">
      <classes>
        <class name="com.example.Rules" filename="com/example/Rules.java" line-rate="0.67" branch-rate="0.5" complexity="2.5">
          <methods>
            <method name="grade" signature="(I)Ljava/lang/String;" line-rate="1.0" branch-rate="0.5" complexity="4">
              <lines><line number="5" hits="3" branch="true" condition-coverage="50% (1/2)"/><line number="6" hits="3" branch="false"/></lines>
            </method>
            <method name="unused" signature="()V" line-rate="0.0" branch-rate="1.0" complexity="1">
              <lines><line number="14" hits="0" branch="false"/></lines>
            </method>
          </methods>
          <lines><line number="5" hits="3" branch="true" condition-coverage="50% (1/2)"/><line number="6" hits="3" branch="false"/><line number="14" hits="0" branch="false"/></lines>
        </class>
        <class name="com.example.Legacy" filename="com/example/Legacy.java" line-rate="1.0" branch-rate="1.0" complexity="2.6">
          <methods/>
          <lines><line number="1" hits="1" branch="false"/></lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
`;

function project(files: Record<string, string>, jenkinsfile: string): string {
  const dir = tempDir('coverage-pit');
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {\n${jenkinsfile}\n}\n`);
  return dir;
}

const kept = (dir: string) => JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/coverage.json'), 'utf8'));

test('PIT: mutations.xml beside JaCoCo gives MUTATION and TEST_STRENGTH; a MUTATION gate missed makes the build UNSTABLE, TEST_STRENGTH passes', async () => {
  const dir = project({ 'target/site/jacoco/jacoco.xml': JACOCO_XML, 'target/pit-reports/mutations.xml': MUTATIONS_XML }, `
def r = recordCoverage(tools: [[parser: 'JACOCO'], [parser: 'PIT']],
  qualityGates: [[metric: 'MUTATION', threshold: 70.0, criticality: 'UNSTABLE'], [metric: 'TEST_STRENGTH', threshold: 70.0, criticality: 'FAILURE']])
echo "mutation=\${r.mutation} strength=\${r.test_strength} line=\${r.line}"
`);
  const r = await runKiln(['run'], { cwd: dir });
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 3, out);
  assert.match(r.stdout, /\[Coverage\] Using parser 'PIT'\n\[Coverage\] Searching for all files in '.*' that match the pattern '\*\*\/mutations\.xml'\n\[Coverage\] -> found 1 file\n\[Coverage\] Successfully parsed file '.*target\/pit-reports\/mutations\.xml'\n/, out);
  assert.match(r.stdout, /\[Coverage\] -> .*Line: 75\.00%.*, Mutation: 60\.00%, Test Strength: 75\.00%\n/, out);
  assert.match(r.stdout, new RegExp([
    String.raw`\[Coverage\] -> Some quality gates have been missed: overall result is UNSTABLE`,
    String.raw`\[Coverage\] -> Details for each quality gate:`,
    String.raw`\[Coverage\]    - \[Overall project - Mutation Coverage\]: ≪Unstable≫ - \(Actual value: 60\.00%, Quality gate: 70\.00\)`,
    String.raw`\[Coverage\]    - \[Overall project - Test Strength\]: ≪Success≫ - \(Actual value: 75\.00%, Quality gate: 70\.00\)`,
  ].join('\n')), out);
  // PIT's lines do not count twice: LINE is JaCoCo's 3/4
  assert.match(r.stdout, /mutation=60 strength=75 line=75\n/, out);
  const k = kept(dir);
  assert.deepEqual(k[0].metrics.filter((m: { metric: string }) => ['MUTATION', 'TEST_STRENGTH', 'LINE'].includes(m.metric)),
    [{ metric: 'LINE', covered: 3, missed: 1 }, { metric: 'MUTATION', covered: 3, missed: 2 }, { metric: 'TEST_STRENGTH', covered: 3, missed: 1 }]);
  assert.deepEqual(k[0].parsers, ['JACOCO', 'PIT']);
});

test('PIT: per file, class and method; statuses as coverage-model reads them', () => {
  const t = emptyTotals();
  parsePit(MUTATIONS_XML, 'mutations.xml', t);
  assert.deepEqual(Object.fromEntries(t.fileMetrics.get('com/example/Rules.java')!), { MUTATION: { covered: 3, missed: 2 }, TEST_STRENGTH: { covered: 3, missed: 1 } });
  assert.deepEqual(Object.fromEntries(t.mutations.get('com.example.Rules#grade(I)Ljava/lang/String;')!), { MUTATION: { covered: 3, missed: 1 }, TEST_STRENGTH: { covered: 3, missed: 1 } });
  assert.deepEqual(Object.fromEntries(t.mutations.get('com.example.Rules#unused()V')!), { MUTATION: { covered: 0, missed: 1 } });
  assert.deepEqual(Object.fromEntries(t.mutations.get('com.example.Rules')!), { MUTATION: { covered: 3, missed: 2 }, TEST_STRENGTH: { covered: 3, missed: 1 } });
  // lines 5, 7, 9, 11 have a mutant the tests reach; 14 none
  assert.deepEqual([...t.lines.get('com/example/Rules.java')!].sort((a, b) => a[0] - b[0]), [[5, true], [7, true], [9, true], [11, true], [14, false]]);
  assert.equal(t.metrics.has('LINE'), false);
});

test('PIT: a report without mutations, an unknown status and another root are each an error naming the file, and the build goes on', async () => {
  const dir = project({
    'a/mutations.xml': '<?xml version="1.0" encoding="UTF-8"?>\n<mutations partial="false">\n</mutations>\n',
    'b/mutations.xml': MUTATIONS_XML.replace("status='SURVIVED'", "status='EATEN'"),
    'c/mutations.xml': '<report name="x"/>',
  }, `recordCoverage(tools: [[parser: 'PIT']], qualityGates: [[metric: 'MUTATION', threshold: 50]])\necho 'after'\n`);
  const r = await runKiln(['run'], { cwd: dir });
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 0, out);
  assert.match(r.stdout, /\[Coverage\] \[-ERROR-\] Parsing of file '.*a\/mutations\.xml' failed due to an exception: The processed file 'a\/mutations\.xml' does not contain data\.\n/, out);
  assert.match(r.stdout, /\[Coverage\] \[-ERROR-\] Parsing of file '.*b\/mutations\.xml' failed due to an exception: b\/mutations\.xml: mutation 3 has the status 'EATEN', not one of PIT's \(KILLED, SURVIVED, TIMED_OUT, NO_COVERAGE, NON_VIABLE, MEMORY_ERROR, RUN_ERROR\)\n/, out);
  assert.match(r.stdout, /c\/mutations\.xml: not a PIT mutations report \(its root element is not <mutations>\)/, out);
  assert.match(r.stdout, /\[Coverage\] The gate on MUTATION is inactive: the reports \(PIT\) do not provide MUTATION\n/, out);
  assert.match(r.stdout, /^after$/m, out);
});

test('Cobertura: the complexity of methods (a class\' own without them) gives COMPLEXITY and COMPLEXITY_MAXIMUM gates', async () => {
  const dir = project({ 'coverage.xml': COBERTURA_COMPLEXITY }, `
recordCoverage(tools: [[parser: 'COBERTURA', pattern: 'coverage.xml']],
  qualityGates: [[metric: 'COMPLEXITY', threshold: 7, criticality: 'UNSTABLE'], [metric: 'COMPLEXITY_MAXIMUM', threshold: 4], [metric: 'COMPLEXITY_DENSITY', threshold: 3]])
`);
  const r = await runKiln(['run'], { cwd: dir });
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 3, out);
  assert.match(r.stdout, new RegExp([
    String.raw`\[Coverage\] -> Some quality gates have been missed: overall result is UNSTABLE`,
    String.raw`\[Coverage\] -> Details for each quality gate:`,
    String.raw`\[Coverage\]    - \[Overall project - Cyclomatic Complexity\]: ≪Unstable≫ - \(Actual value: 8, Quality gate: 7\.00\)`,
    String.raw`\[Coverage\]    - \[Overall project - Maximum Cyclomatic Complexity\]: ≪Success≫ - \(Actual value: 4, Quality gate: 4\.00\)`,
    // 8 paths over 4 lines
    String.raw`\[Coverage\]    - \[Overall project - Complexity Density\]: ≪Success≫ - \(Actual value: 2\.00, Quality gate: 3\.00\)`,
  ].join('\n')), out);
  const k = kept(dir);
  // grade (4) and Legacy (3) are covered, unused (1) is not
  assert.deepEqual(k[0].metrics.find((m: { metric: string }) => m.metric === 'COMPLEXITY'), { metric: 'COMPLEXITY', covered: 7, missed: 1 });
});
