// The JUnit XML reader on what real reports hold: character references in attributes and text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJUnit } from '../../../src/pipeline/steps/junit-xml.ts';

test('character references are text: a Surefire failure message written with &#10; has its line breaks', () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="S" tests="1" failures="1">' +
    '<testcase classname="a.B" name="c" time="0.1"><failure message="expected:&lt;1&gt;&#10;but was:&#x3C;2&gt; &#xE9;" type="java.lang.AssertionError">line1&#10;line2 &amp; more</failure></testcase></testsuite>';
  const [c] = parseJUnit(xml, 'TEST-a.B.xml');
  assert.equal(c?.status, 'failed');
  assert.equal(c?.message, 'expected:<1>\nbut was:<2> é');
  assert.equal(c?.details, 'line1\nline2 & more');
});
