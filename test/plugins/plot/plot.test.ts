// The plot step end to end with `kiln run` on files a real tool writes (node's test runner's JUnit
// reporter; sizes from stat and wc through sh): the three series kinds, the plugin's console
// lines, the job's plot kept across runs in .kiln/plots/<csvFileName>.json, numBuilds pruning;
// kiln lint on the shapes real Jenkinsfiles use; hostile input: a series file leaving the
// workspace, a csvFileName with a path, a symlink out of the workspace, a file over the size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const NODE = process.execPath;

const TESTS = `import { test } from 'node:test';
test('adds', () => {});
test('divides', () => { if (process.env.FAIL === '1') throw new Error('expected 2'); });
test('later', { skip: true }, () => {});
`;

const jenkinsfile = (fail: string) => `pipeline {
  agent any
  stages {
    stage('test') {
      steps {
        writeFile file: 'app.test.mjs', text: '''${TESTS}'''
        sh 'mkdir -p reports && env -u NODE_TEST_CONTEXT FAIL=${fail} ${NODE} --test --test-reporter=junit --test-reporter-destination=reports/junit.xml app.test.mjs || true'
        sh 'mkdir -p stats && printf "junit bytes,tests\\\\n" > stats/size.csv && printf "%s,3\\\\n" $(stat -c %s reports/junit.xml) >> stats/size.csv'
        sh 'echo "YVALUE=$(wc -l < reports/junit.xml)" > stats/lines.properties && echo "URL=http://ci.example/lines" >> stats/lines.properties'
      }
    }
  }
  post {
    always {
      plot csvFileName: 'plot-junit.csv', group: 'Tests', title: 'JUnit', style: 'line', numBuilds: '2', yaxis: 'count',
           csvSeries: [[file: 'stats/size.csv', inclusionFlag: 'OFF', exclusionValues: '', displayTableFlag: true, url: '']],
           propertiesSeries: [[file: 'stats/lines.properties', label: 'lines']],
           xmlSeries: [[file: 'reports/*.xml', xpath: 'count(//testcase[failure])', nodeType: 'NUMBER', url: ''],
                       [file: 'reports/junit.xml', xpath: "//testcase[@name='divides']", nodeType: 'NODE', url: 'http://ci.example/%name%/%build%']]
      plot csvFileName: 'plot-missing.csv', group: 'Tests', title: 'Missing', propertiesSeries: [[file: 'nothing/*.properties', label: 'none']]
    }
  }
}`;

interface Kept { config: { title: string; group: string; numBuilds: string; displayTable: boolean }; points: { build: number; label: string; value: string; url: string }[] }

test('plot: CSV, properties and XML series read from files a real test run wrote; the plot kept across runs, numBuilds back', async () => {
  const dir = tempDir('plot-run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile('0'));
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const one = await runKiln(['run'], { cwd: dir });
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /Saving plot series data from: stats\/size\.csv\n/);
  assert.match(one.stdout, /Saving plot series data from: stats\/lines\.properties\n/);
  assert.match(one.stdout, /Saving plot series data from: reports\/junit\.xml\n/);
  assert.match(one.stdout, /No plot data file found: nothing\/\*\.properties\n/);
  const read = () => JSON.parse(readFileSync(path.join(dir, '.kiln', 'plots', 'plot-junit.csv.json'), 'utf8')) as Kept;
  let kept = read();
  assert.equal(kept.config.title, 'JUnit');
  assert.equal(kept.config.displayTable, true);
  const of = (k: Kept, build: number) => k.points.filter((p) => p.build === build).map((p) => [p.label, p.value]);
  const size = readFileSync(path.join(dir, '.kiln', 'workspace', '1', 'reports', 'junit.xml')).length;
  const lines = readFileSync(path.join(dir, '.kiln', 'workspace', '1', 'reports', 'junit.xml'), 'utf8').split('\n').length - 1;
  // CSV cells, then the XML series (failures counted; the testcase by its name attribute with its time attribute), then properties
  const first = of(kept, 1);
  assert.deepEqual(first.slice(0, 3), [['junit bytes', String(size)], ['tests', '3'], ['', '0.0']]);
  assert.equal(first[3]![0], 'divides');
  assert.ok(Number(first[3]![1]) > 0 && first[3]![1]!.includes('.'), String(first[3]));
  assert.deepEqual(first[4], ['lines', String(lines)]);
  assert.equal(first.length, 5);
  assert.equal(kept.points.find((p) => p.label === 'divides')!.url, 'http://ci.example/divides/1');

  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile('1'));
  const two = await runKiln(['run'], { cwd: dir });
  assert.equal(two.code, 0, two.stdout + two.stderr);
  kept = read();
  assert.deepEqual(of(kept, 2)[2], ['', '1.0']); // one failure now
  assert.deepEqual([...new Set(kept.points.map((p) => p.build))], [1, 2]);
  const three = await runKiln(['run'], { cwd: dir });
  assert.equal(three.code, 0, three.stdout + three.stderr);
  assert.deepEqual([...new Set(read().points.map((p) => p.build))], [2, 3], 'numBuilds: 2 keeps the last two builds');
});

test('plot hostile input: a series file leaving the workspace or a csvFileName with a path fail the step; a symlink out of the workspace and a file over 16 MiB are left out', async () => {
  const run = async (script: string, prepare?: (dir: string) => void) => {
    const dir = tempDir('plot-bad');
    prepare?.(dir);
    writeFileSync(path.join(dir, 'Jenkinsfile'), script);
    return { ...(await runKiln(['run'], { cwd: dir })), dir };
  };
  const out = await run("node { plot csvFileName: 'p.csv', title: 't', propertiesSeries: [[file: '../../etc/passwd', label: 'x']] }");
  assert.equal(out.code, 1, out.stdout);
  assert.match(out.stdout, /plot: propertiesSeries\[0\]: the file '\.\.\/\.\.\/etc\/passwd' leaves the workspace/);
  const abs = await run("node { plot csvFileName: 'p.csv', title: 't', csvSeries: [[file: '/etc/passwd']] }");
  assert.equal(abs.code, 1, abs.stdout);
  assert.match(abs.stdout, /plot: csvSeries\[0\]: the file '\/etc\/passwd' leaves the workspace/);
  const name = await run("node { plot csvFileName: '../../escape.csv', title: 't', csvSeries: [[file: 'a.csv']] }");
  assert.equal(name.code, 1, name.stdout);
  assert.match(name.stdout, /plot: csvFileName '\.\.\/\.\.\/escape\.csv' is not a plain file name/);
  const key = await run("node { plot csvFileName: 'p.csv', title: 't', xmlSeries: [[file: 'a.xml', xpath: '/a', nodeType: 'NODE', label: 'x']] }");
  assert.equal(key.code, 1, key.stdout);
  assert.match(key.stdout, /plot: WARNING: Unknown parameter\(s\) found for class type 'hudson\.plugins\.plot\.XMLSeries': label/);
  const xp = await run("node { plot csvFileName: 'p.csv', title: 't', xmlSeries: [[file: 'a.xml', xpath: \"document('file:///etc/passwd')\", nodeType: 'STRING']] }");
  assert.equal(xp.code, 1, xp.stdout);
  assert.match(xp.stdout, /plot: xmlSeries\[0\]: the XPath .* is outside the subset Kiln reads/);

  const linked = await run("node { plot csvFileName: 'p.csv', title: 't', propertiesSeries: [[file: 'link.properties', label: 'x']], csvSeries: [[file: 'big.csv']], xmlSeries: [[file: 'x.xml', xpath: '//v', nodeType: 'STRING']] }", (dir) => {
    writeFileSync(path.join(dir, 'secret.txt'), 'no');
    symlinkSync('/etc/hostname', path.join(dir, 'link.properties'));
    writeFileSync(path.join(dir, 'big.csv'), 'a\n1\n');
    truncateSync(path.join(dir, 'big.csv'), 17 * 1024 * 1024);
    writeFileSync(path.join(dir, 'x.xml'), '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><v>&x;</v></r>');
  });
  assert.equal(linked.code, 0, linked.stdout);
  assert.match(linked.stdout, /plot: big\.csv is larger than 16 MiB \(17825792 bytes\): left out/);
  assert.match(linked.stdout, /plot: cannot read link\.properties: /);
  assert.match(linked.stdout, /plot: x\.xml: the file has a DOCTYPE: Kiln reads no DTD and expands no entity/);
  const kept = JSON.parse(readFileSync(path.join(linked.dir, '.kiln', 'plots', 'p.csv.json'), 'utf8')) as Kept;
  assert.deepEqual(kept.points, []);
});

test('plot: parallel branches adding to one plot both keep their points (changes to a plot are serialized)', async () => {
  const dir = tempDir('plot-par');
  const branch = (n: number) => `b${n}: { node { writeFile file: 'v${n}.properties', text: 'YVALUE=${n}'; plot csvFileName: 'plot-par.csv', title: 'P', propertiesSeries: [[file: 'v${n}.properties', label: 'v${n}']] } }`;
  writeFileSync(path.join(dir, 'Jenkinsfile'), `parallel(${[1, 2, 3, 4].map(branch).join(', ')})`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln', 'plots', 'plot-par.csv.json'), 'utf8')) as Kept;
  assert.deepEqual(kept.points.map((p) => p.label).sort(), ['v1', 'v2', 'v3', 'v4']);
});
