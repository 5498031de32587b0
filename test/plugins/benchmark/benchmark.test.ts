// The Benchmark plugin's `benchmark` step under `kiln run`: JSON result files in the layouts of
// the plugin's default schema (groups / tests / results) and simplest schema (one result), and a
// custom schema; thresholds given in the files, absolute and relative to the earlier runs'
// values (kept in .kiln/runs/N/benchmark.json, which is what the history reads); the console
// lines, the build result, and what is kept. The result files are the pipeline's own (written
// by the test into the project, as a benchmark program would).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

function defaultResults(latency: number, ok: boolean): string {
  return JSON.stringify({
    groups: [{
      name: 'http', description: 'HTTP server',
      parameters: [{ name: 'threads', value: 8, unit: '' }],
      tests: [{
        name: 'get', description: 'GET /',
        parameters: [{ name: 'payload', value: '1 KiB', unit: 'B' }],
        results: [
          { name: 'latency', description: 'p50', unit: 'ms', dblValue: latency, thresholds: [{ method: 'absolute', minimum: 0, maximum: 50 }, { method: 'percentage', percentage: 10 }] },
          { name: 'requests', unit: 'req', intValue: 1000 },
          { name: 'crashed', boolValue: !ok },
        ],
      }],
    }],
  });
}

function setup(jenkinsfile: string): string {
  const dir = tempDir('benchmark-run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

const kept = (dir: string, n: number) => JSON.parse(readFileSync(path.join(dir, `.kiln/runs/${n}/benchmark.json`), 'utf8'));

test('defaultSchema: results with their groups and parameters are kept; a later run out of the percentage from the previous one fails the build', async () => {
  const dir = setup(`node { benchmark(inputLocation: 'bench/*.json', schemaSelection: 'defaultSchema', truncateStrings: true) }\n`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.join(dir, 'bench'));
  writeFileSync(path.join(dir, 'bench', 'http.json'), defaultResults(20, true));
  const r1 = await runKiln(['run'], { cwd: dir });
  assert.equal(r1.code, 0, r1.stdout + r1.stderr);
  assert.match(r1.stdout, /Benchmark plugin - Collection of results started\.\nBenchmark plugin - 3 results read from 1 file\.\nBenchmark plugin - Collection of results completed\.\n/);
  const k1 = kept(dir, 1);
  assert.equal(k1.schema, 'defaultSchema');
  assert.deepEqual(k1.files, ['bench/http.json']);
  assert.deepEqual(k1.results.map((r: { group: string; name: string; type: string; value: unknown; unit: string; failed: boolean }) => [r.group, r.name, r.type, r.value, r.unit, r.failed]), [
    ['http / get', 'latency', 'double', 20, 'ms', false],
    ['http / get', 'requests', 'integer', 1000, 'req', false],
    ['http / get', 'crashed', 'boolean', false, '', false],
  ]);
  assert.deepEqual(k1.results[0].parameters, [{ name: 'threads', value: 8, unit: '' }, { name: 'payload', value: '1 KiB', unit: 'B' }]);
  assert.deepEqual(k1.results[0].thresholds, ['absolute [0, 50]', 'percentage 10% from the previous build']);

  // 23 is 15% above 20: out of the 10% from the previous build; still under the absolute maximum.
  writeFileSync(path.join(dir, 'bench', 'http.json'), defaultResults(23, true));
  const r2 = await runKiln(['run'], { cwd: dir });
  assert.equal(r2.code, 1, r2.stdout + r2.stderr);
  assert.match(r2.stdout, /Benchmark plugin - 3 results read from 1 file, 1 failed\.\nBenchmark plugin - http \/ get \/ latency: The value '23\.0' is out of the percentage of '10\.0%' from the previous value '20\.0'\.\nBenchmark plugin - Collection of results completed but a test failure was detected\.\n/);
  assert.match(r2.stdout, /Finished: FAILURE/);
  assert.equal(kept(dir, 2).results[0].failed, true);

  // A crash (the schema's failure value true) and a value above the absolute maximum.
  writeFileSync(path.join(dir, 'bench', 'http.json'), defaultResults(60, false));
  const r3 = await runKiln(['run'], { cwd: dir });
  assert.match(r3.stdout, /http \/ get \/ latency: The value '60\.0' is above the maximum of '50\.0'\./);
  assert.match(r3.stdout, /http \/ get \/ crashed: The value 'true' is a failure value of the schema\./);
  assert.match(r3.stdout, /Finished: FAILURE/);
});

test('simplestSchema with an absolute threshold; customSchema from a workspace file; unreadable input fails the build saying why', async () => {
  const dir = setup(`node {
  writeFile file: 'one.json', text: '{"name": "startup", "description": "cold start", "value": 13.5, "unit": "s", "parameters": [{"name": "jvm", "value": "17"}], "thresholds": [{"method": "absolute", "minimum": 14, "maximum": 15}]}'
  benchmark(inputLocation: 'one.json', schemaSelection: 'simplestSchema')
  echo "after simplest: \${currentBuild.currentResult}"
  writeFile file: 'schema.json', text: '{"type": "object", "properties": {"suite": {"type": "name"}, "cases": {"type": "array", "items": {"type": "result", "properties": {"title": {"type": "name"}, "ms": {"type": "double"}}}}}}'
  writeFile file: 'custom.json', text: '{"suite": "parser", "cases": [{"title": "small", "ms": 1.5}, {"title": "large", "ms": 120}]}'
  writeFile file: 'all.list', text: 'custom.json\\n'
  benchmark(inputLocation: 'all.list', schemaSelection: 'customSchema', altInputSchemaLocation: 'schema.json')
  writeFile file: 'bad.json', text: '{"name": '
  benchmark(inputLocation: 'custom.json', schemaSelection: 'customSchema', altInputSchemaLocation: 'schema.json', thresholds: [[$class: 'AbsoluteThreshold', testGroup: 'parser', testName: 'large', maximum: 100], [$class: 'DeltaThreshold', testGroup: '', testName: 'small', delta: 1]])
  benchmark(inputLocation: 'custom.json', schemaSelection: 'customSchema', altInputSchemaLocation: 'schema.json', thresholds: [[$class: 'AbsoluteThreshold', testName: 'small']])
  benchmark(inputLocation: 'bad.json', schemaSelection: 'simplestSchema')
  benchmark(inputLocation: 'r.xml', schemaSelection: 'defaultSchema')
  benchmark(inputLocation: 'one.json', schemaSelection: 'fancySchema')
  echo 'went on'
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /Benchmark plugin - startup: The value '13\.5' is below the minimum of '14\.0'\.\nBenchmark plugin - Collection of results completed but a test failure was detected\.\n/);
  assert.match(r.stdout, /after simplest: FAILURE\n/);
  assert.match(r.stdout, /Benchmark plugin - 2 results read from 1 file\.\n/);
  assert.match(r.stdout, /Benchmark plugin - parser \/ large: The value '120\.0' is above the maximum of '100\.0'\.\n/);
  assert.match(r.stdout, /Absolute threshold is missing both minimum and maximum\.\nBenchmark plugin - Error detected during the post-build operations\.\n/);
  assert.match(r.stdout, /Result file 'bad\.json' is not valid JSON: [^\n]+\nBenchmark plugin - Error detected during the post-build operations\.\n/);
  assert.match(r.stdout, /No XML file detected at 'r\.xml'\.\nBenchmark plugin - Error detected during the post-build operations\.\n/);
  assert.match(r.stdout, /The selected schema does not exist\. \('fancySchema': use defaultSchema, simplestSchema or customSchema\)/);
  assert.match(r.stdout, /went on\n/);
  const k = kept(dir, 1);
  assert.deepEqual(k.results.map((x: { group: string; name: string; value: unknown }) => [x.group, x.name, x.value]), [['', 'startup', 13.5], ['parser', 'small', 1.5], ['parser', 'large', 120], ['parser', 'small', 1.5], ['parser', 'large', 120]]);
  assert.deepEqual(k.files, ['one.json', 'custom.json', 'custom.json']);
  assert.deepEqual(k.results[3].thresholds, ['delta 1 from the previous build']);
  assert.deepEqual(k.results[0].parameters, [{ name: 'jvm', value: '17', unit: '' }]);
});

test("the plugin's XML schemas: a location naming .xml reads the XML form of defaultSchema and simplestSchema; a custom XML schema and a DOCTYPE are refused", async () => {
  const group = (latency: string) => `<?xml version="1.0"?>
<group name="http">
  <description>HTTP server</description>
  <parameter name="threads"><value>8</value><unit></unit></parameter>
  <test name="get">
    <description>GET /</description>
    <parameters><parameter name="payload"><value>1 KiB</value><unit>B</unit></parameter></parameters>
    <result name="latency"><description>p50</description><dblValue>${latency}</dblValue><unit>ms</unit>
      <threshold method="absolute"><minimum>0</minimum><maximum>50</maximum></threshold>
      <thresholds><threshold method="percentage"><percentage>10</percentage></threshold></thresholds>
    </result>
    <result name="requests"><intValue>1000</intValue><unit>req</unit></result>
    <result name="crashed"><boolValue>false</boolValue></result>
  </test>
</group>`;
  const dir = setup(`node {
  benchmark(inputLocation: 'bench/*.xml', schemaSelection: 'defaultSchema')
  benchmark(inputLocation: 'one.xml', schemaSelection: 'simplestSchema')
  benchmark(inputLocation: 'one.xml', schemaSelection: 'customSchema', altInputSchema: '<xs:schema/>')
  benchmark(inputLocation: 'evil.xml', schemaSelection: 'simplestSchema')
  benchmark(inputLocation: 'bad.xml', schemaSelection: 'defaultSchema')
}
`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.join(dir, 'bench'));
  writeFileSync(path.join(dir, 'bench', 'http.xml'), group('20'));
  writeFileSync(path.join(dir, 'bench', 'http.json'), '{"not": "read"}');
  writeFileSync(path.join(dir, 'one.xml'), `<?xml version="1.0" encoding="UTF-8"?>
<result><name>startup</name><description>cold start</description><value>13.5</value><unit>s</unit>
  <parameter><name>jvm</name><value>17</value></parameter>
  <threshold><method>absolute</method><minimum>14</minimum><maximum>15</maximum></threshold>
</result>`);
  writeFileSync(path.join(dir, 'evil.xml'), '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><result><name>&x;</name><value>1</value></result>');
  writeFileSync(path.join(dir, 'bad.xml'), '<group name="x"><test name="t"><result name="r"><intValue>1.5</intValue></result></test></group>');
  const r1 = await runKiln(['run'], { cwd: dir });
  assert.match(r1.stdout, /Benchmark plugin - 3 results read from 1 file\.\nBenchmark plugin - Collection of results completed\.\n/);
  assert.match(r1.stdout, /Benchmark plugin - startup: The value '13\.5' is below the minimum of '14\.0'\./);
  assert.match(r1.stdout, /a custom XML schema is not supported \('one\.xml'\)/);
  assert.match(r1.stdout, /Result file 'evil\.xml': a DOCTYPE declaration is not allowed/);
  assert.doesNotMatch(r1.stdout, /root:/);
  assert.match(r1.stdout, /Result file 'bad\.xml' test 't' result 'r': <intValue> '1\.5' is not an integer/);
  const k1 = kept(dir, 1);
  assert.deepEqual(k1.files, ['bench/http.xml', 'one.xml']);
  assert.deepEqual(k1.results.map((r: { group: string; name: string; type: string; value: unknown; unit: string }) => [r.group, r.name, r.type, r.value, r.unit]), [
    ['http / get', 'latency', 'double', 20, 'ms'],
    ['http / get', 'requests', 'integer', 1000, 'req'],
    ['http / get', 'crashed', 'boolean', false, ''],
    ['', 'startup', 'double', 13.5, 's'],
  ]);
  assert.deepEqual(k1.results[0].parameters, [{ name: 'threads', value: '8', unit: '' }, { name: 'payload', value: '1 KiB', unit: 'B' }]);
  assert.deepEqual(k1.results[0].thresholds, ['absolute [0, 50]', 'percentage 10% from the previous build']);

  // The percentage threshold against the previous run, as for JSON.
  writeFileSync(path.join(dir, 'bench', 'http.xml'), group('23'));
  const r2 = await runKiln(['run'], { cwd: dir });
  assert.match(r2.stdout, /Benchmark plugin - http \/ get \/ latency: The value '23\.0' is out of the percentage of '10\.0%' from the previous value '20\.0'\./);
});

test('lint: benchmark takes the plugin\'s parameters and refuses others; inputLocation may not leave the workspace', async () => {
  const dir = setup(`pipeline {
  agent any
  stages {
    stage('a') {
      steps {
        benchmark(inputLocation: 'b.json', schemaSelection: 'simplestSchema', truncateStrings: false, altInputSchema: '', altInputSchemaLocation: '')
        benchmark(inputLocation: 'b.json', thresholds: [[$class: 'AbsoluteThreshold', testGroup: 'http.get', testName: 'latency', maximum: 40]])
        benchmark(inputLocation: 'b.json', treshold: 3)
      }
    }
  }
}
`);
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(lint.code, 1, lint.stdout + lint.stderr);
  const lines = (lint.stdout + lint.stderr).split('\n').filter((x) => /^Jenkinsfile:/.test(x));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^Jenkinsfile:8:\d+: Invalid parameter "treshold"/);
  const d2 = setup(`node { benchmark(inputLocation: '../../etc/*.json') }\n`);
  const r = await runKiln(['run'], { cwd: d2 });
  assert.match(r.stdout, /benchmark: inputLocation '\.\.\/\.\.\/etc\/\*\.json' leaves the workspace/);
});
