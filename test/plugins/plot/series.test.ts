// The plot step's series readers (src/plugins/plot/series.ts, xpath.ts) on files as tools write
// them: CSV with a header (quoted fields, empty cells, inclusion flags), Java .properties
// (YVALUE / URL, escapes, continuation lines), XML through the XPath subset with each nodeType;
// and hostile input: a DOCTYPE (XXE, billion laughs), an XPath outside the subset, links with
// other schemes than http(s), a CSV of more cells than kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SERIES_POINTS, csvPoints, javaDouble, parseCsv, parseXPath, propertiesPoint, scanDouble, xmlPoints } from '../../../src/plugins/plot/series.ts';
import { PlotXmlError } from '../../../src/plugins/plot/xpath.ts';
import { prune } from '../../../src/plugins/plot/runtime.ts';

test('CSV: every cell of every row a point labelled by its header; empty cells skipped; quotes and escapes as opencsv reads them', () => {
  const text = 'passed,failed,"skipped, flaky",\n12,1,,\n\n13,0,2\n';
  const r = csvPoints(text, { inclusionFlag: 'OFF', exclusionValues: null, url: 'http://ci.example/%name%/%index%/%build%', build: 7 });
  assert.deepEqual(r.points.map((p) => [p.label, p.value]), [['passed', '12'], ['failed', '1'], ['passed', '13'], ['failed', '0'], ['skipped, flaky', '2']]);
  assert.equal(r.points[4]!.url, 'http://ci.example/skipped, flaky/2/7');
  assert.deepEqual(parseCsv('a,"b ""q"" \\" c"\r\n1,2'), [['a', 'b "q" " c'], ['1', '2']]);
  // a column without a header is labelled with its index
  assert.deepEqual(csvPoints('a\n1,2\n', { inclusionFlag: 'OFF', exclusionValues: null, url: null, build: 1 }).points.map((p) => p.label), ['a', '1']);
});

test('CSV inclusion flags: by header or 0-based column, include or exclude; no exclusionValues: nothing left out', () => {
  const text = 'a,b,c\n1,2,3\n';
  const labels = (flag: 'INCLUDE_BY_STRING' | 'EXCLUDE_BY_STRING' | 'INCLUDE_BY_COLUMN' | 'EXCLUDE_BY_COLUMN', ex: string | null) =>
    csvPoints(text, { inclusionFlag: flag, exclusionValues: ex, url: null, build: 1 }).points.map((p) => p.label);
  assert.deepEqual(labels('INCLUDE_BY_STRING', 'a,c'), ['a', 'c']);
  assert.deepEqual(labels('EXCLUDE_BY_STRING', 'a,c'), ['b']);
  assert.deepEqual(labels('INCLUDE_BY_COLUMN', '1'), ['b']);
  assert.deepEqual(labels('EXCLUDE_BY_COLUMN', '0,2'), ['b']);
  assert.deepEqual(labels('INCLUDE_BY_STRING', null), ['a', 'b', 'c']);
  // a huge CSV is cut, not kept whole
  const big = `${Array.from({ length: 100 }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => '1').join(',')).join('\n')}`;
  const r = csvPoints(big, { inclusionFlag: 'OFF', exclusionValues: null, url: null, build: 1 });
  assert.equal(r.points.length, MAX_SERIES_POINTS);
  assert.equal(r.cut, true);
});

test('properties: YVALUE labelled with the series label, URL its link; separators, escapes, continuation; no YVALUE: no point', () => {
  const text = '# written by the build\n! also a comment\nYVALUE   =  4\\\n2\nURL: http://ci.example/size\\u0020report\n';
  assert.deepEqual(propertiesPoint(text, 'Size'), { value: '42', label: 'Size', url: 'http://ci.example/size report' });
  assert.deepEqual(propertiesPoint('YVALUE 3.5', 'x'), { value: '3.5', label: 'x', url: '' });
  assert.equal(propertiesPoint('VALUE=1', 'x'), null);
  // a link that would run script is dropped
  assert.equal(propertiesPoint('YVALUE=1\nURL=javascript:alert(document.cookie)', 'x')!.url, '');
  assert.equal(propertiesPoint('YVALUE=1\nURL=data:text/html,<script>', 'x')!.url, '');
  assert.equal(propertiesPoint('YVALUE=1\nURL=//evil.example/', 'x')!.url, '');
  assert.equal(propertiesPoint('YVALUE=1\nURL=/job/x/lastBuild/', 'x')!.url, '/job/x/lastBuild/');
});

// A JUnit XML file as Surefire writes it.
const SUREFIRE = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="com.example.AppTest" time="1.532" tests="3" errors="0" skipped="1" failures="1">
  <properties><property name="java.version" value="17.0.9"/></properties>
  <testcase name="adds" classname="com.example.AppTest" time="0.012"/>
  <testcase name="divides" classname="com.example.AppTest" time="1.5"><failure message="expected 2" type="java.lang.AssertionError">at App</failure></testcase>
  <testcase name="later" classname="com.example.AppTest" time="0.02"><skipped/></testcase>
</testsuite>`;

const xml = (text: string, xpath: string, type: 'NODESET' | 'NODE' | 'STRING' | 'NUMBER' | 'BOOLEAN') =>
  xmlPoints(text, parseXPath(xpath), type, { label: '', url: 'http://ci.example/%name%?b=%build%', build: 3 }).map((p) => [p.label, p.value]);

test('XML: NUMBER, STRING and BOOLEAN give one point written as Java writes doubles; NODE the first node (its name attribute or name, its time attribute or text)', () => {
  assert.deepEqual(xml(SUREFIRE, 'count(//testcase)', 'NUMBER'), [['', '3.0']]);
  assert.deepEqual(xml(SUREFIRE, 'sum(/testsuite/testcase/@time)', 'NUMBER'), [['', '1.532']]);
  assert.deepEqual(xml(SUREFIRE, '/testsuite/@failures', 'STRING'), [['', '1.0']]);
  assert.deepEqual(xml(SUREFIRE, "count(//testcase[failure])", 'NUMBER'), [['', '1.0']]);
  assert.deepEqual(xml(SUREFIRE, '//testcase[skipped]', 'BOOLEAN'), [['', '1']]);
  assert.deepEqual(xml(SUREFIRE, "//testcase[@name='nope']", 'BOOLEAN'), [['', '0']]);
  assert.deepEqual(xml(SUREFIRE, "//testcase[@name='divides']", 'NODE'), [['divides', '1.5']]);
  assert.deepEqual(xml(SUREFIRE, '/testsuite/testcase[last()]', 'NODE'), [['later', '0.02']]);
  // Not every node's text is a number ('divides' holds its failure's text): the plugin's fallback
  // groups by parent; 'later' is empty and stands for its attributes: the last text, the last number.
  assert.deepEqual(xml(SUREFIRE, "//testcase[@time > 0.015]", 'NODESET'), [['com.example.AppTest', '0.02']]);
  assert.deepEqual(xml(SUREFIRE, "//testcase[@time > 0.015]/@time", 'NODESET'), [['time', '1.5'], ['time', '0.02']]);
  assert.equal(javaDouble(1e7), '1.0E7');
  assert.equal(javaDouble(0.0001), '1.0E-4');
  assert.equal(javaDouble(-2), '-2.0');
  assert.equal(scanDouble('1,234.5 ms'), 1234.5);
  assert.equal(scanDouble('ms 12'), null);
});

test('XML NODESET: numeric nodes each a point; otherwise grouped by parent, the last text the label and the last number the value (attributes of empty nodes too)', () => {
  const metrics = '<metrics><metric name="heap">512</metric><metric name="threads">31</metric><uptime>7</uptime></metrics>';
  assert.deepEqual(xml(metrics, '/metrics/*', 'NODESET'), [['heap', '512.0'], ['threads', '31.0'], ['uptime', '7.0']]);
  const rows = '<report><row><name>parse</name><ms>12</ms></row><row><name>render</name><ms>40.5</ms></row></report>';
  assert.deepEqual(xml(rows, '//row/*', 'NODESET'), [['parse', '12.0'], ['render', '40.5']]);
  const attrs = '<r><m key="a" v="1"/><m key="b" v="2"/></r>';
  assert.deepEqual(xml(attrs, '//m', 'NODESET'), [['a', '1.0'], ['b', '2.0']]);
  const url = xmlPoints(metrics, parseXPath('//metric'), 'NODESET', { label: '', url: 'http://ci.example/%name%?b=%build%', build: 3 });
  assert.equal(url[0]!.url, 'http://ci.example/heap?b=3');
});

test('XML hostile input: a DOCTYPE (external entity, billion laughs) refused before parsing; malformed XML said; an XPath outside the subset refused with where', () => {
  const xxe = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r><v>&x;</v></r>';
  assert.throws(() => xml(xxe, '//v', 'STRING'), (e: unknown) => e instanceof PlotXmlError && /DOCTYPE: Kiln reads no DTD and expands no entity/.test(e.message));
  const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><r>&lol2;</r>';
  assert.throws(() => xml(laughs, '/r', 'STRING'), /DOCTYPE/);
  assert.throws(() => xml('<r><v>1</r>', '/r', 'STRING'), /not well-formed XML/);
  assert.throws(() => parseXPath("document('http://169.254.169.254/')//x"), /outside the subset Kiln reads/);
  assert.throws(() => parseXPath('//a | //b'), /outside the subset Kiln reads \('\| \/\/b' not understood/);
  assert.throws(() => parseXPath("//a[contains(@n, 'x')]"), /outside the subset/);
  assert.throws(() => parseXPath(''), /empty/);
  // NODESET wants nodes
  assert.throws(() => xml(SUREFIRE, 'count(//testcase)', 'NODESET'), /NODESET needs an XPath that selects nodes/);
});

test('prune: points older than numBuilds back from the current build go, and (without keepRecords) those of deleted builds', () => {
  const p = (build: number) => ({ value: '1', label: 'a', build, time: 0, url: '' });
  const all = [1, 2, 3, 4, 5].map(p);
  assert.deepEqual(prune(all, { current: 5, numBuilds: '3', keepRecords: true, builds: new Set([1, 2, 3, 4, 5]) }).map((x) => x.build), [3, 4, 5]);
  assert.deepEqual(prune(all, { current: 5, numBuilds: '', keepRecords: false, builds: new Set([1, 3, 5]) }).map((x) => x.build), [1, 3, 5]);
  assert.deepEqual(prune(all, { current: 5, numBuilds: '', keepRecords: true, builds: new Set([1, 3, 5]) }).map((x) => x.build), [1, 2, 3, 4, 5]);
});
