// String.format / sprintf's date and time conversions (%tY, %TB, %tF, ...) as java.util.Formatter
// has them, for a Date and a Long of milliseconds, in the JVM's default zone (here the process's:
// this file sets it) and Locale.US; bad input fails with Formatter's exceptions. Each expected
// text is what Groovy 2.4.21 on Java 17 printed for the same snippet (`groovy` on this machine,
// -Duser.timezone=UTC, then America/New_York).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './fake-host.ts';

process.env.TZ = 'UTC';

async function outcome(src: string): Promise<string> {
  try {
    const r = await run(`def d = new Date(1700000000123L)\nprintln(${src})`);
    return r.log.join('\n');
  } catch (e) {
    const err = e as Error & { javaClass?: string };
    return `${err.javaClass ?? '?'}: ${err.message}`;
  }
}

test('every date/time suffix of a Date', async () => {
  const cases: [string, string][] = [
    ["String.format('%tH|%tI|%tk|%tl|%tM|%tS|%tL|%tN|%tp|%Tp|%tz|%tZ|%ts|%tQ', d, d, d, d, d, d, d, d, d, d, d, d, d, d)",
      '22|10|22|10|13|20|123|123000000|pm|PM|+0000|UTC|1700000000|1700000000123'],
    ["String.format('%tB|%Tb|%th|%tA|%ta|%tC|%tY|%ty|%tj|%tm|%td|%te', d, d, d, d, d, d, d, d, d, d, d, d)",
      'November|NOV|Nov|Tuesday|Tue|20|2023|23|318|11|14|14'],
    ["String.format('%tR|%tT|%tr|%tD|%tF|%tc|%Tc', d, d, d, d, d, d, d)",
      '22:13|22:13:20|10:13:20 PM|11/14/23|2023-11-14|Tue Nov 14 22:13:20 UTC 2023|TUE NOV 14 22:13:20 UTC 2023'],
    ["String.format('%1$tY-%1$tm-%1$td %<tH', d)", '2023-11-14 22'],
    ["sprintf('%tF %<tT', d)", '2023-11-14 22:13:20'],
    ["String.format('%10tY|%-10tY|', d, d)", '      2023|2023      |'],
    ["String.format('%TB %Ta', d, d)", 'NOVEMBER TUE'],
    ["String.format('%tl %tI %tp', new Date(1700000000123L - 13 * 3600000L), new Date(1700000000123L - 13 * 3600000L), new Date(1700000000123L - 13 * 3600000L))", '9 09 am'],
    ["String.format('%te|%tj|%tk', new Date(1704153600000L), new Date(1704153600000L), new Date(1704153600000L))", '2|002|0'],
  ];
  for (const [src, want] of cases) assert.equal(await outcome(src), want, src);
});

test('a Long is milliseconds since the epoch; null prints null', async () => {
  assert.equal(await outcome("String.format('%tY', 1700000000123L)"), '2023');
  assert.equal(await outcome("String.format('%tF', 0L)"), '1970-01-01');
  assert.equal(await outcome("String.format('%tY', 3000000000)"), '1970');
  assert.equal(await outcome("String.format('%tY', null)"), 'null');
});

test('what Formatter refuses, with its exceptions', async () => {
  const cases: [string, string][] = [
    ["String.format('%tY', 5)", 'java.util.IllegalFormatConversionException: Y != java.lang.Integer'],
    ["String.format('%tY', 'x')", 'java.util.IllegalFormatConversionException: Y != java.lang.String'],
    ["String.format('%tY', 1.5d)", 'java.util.IllegalFormatConversionException: Y != java.lang.Double'],
    ["String.format('%tq', d)", "java.util.UnknownFormatConversionException: Conversion = 'tq'"],
    ["String.format('%t', d)", "java.util.UnknownFormatConversionException: Conversion = 't'"],
    ["String.format('%#tY', d)", 'java.util.FormatFlagsConversionMismatchException: Conversion = Y, Flags = #'],
    ["String.format('%+tY', d)", 'java.util.FormatFlagsConversionMismatchException: Conversion = Y, Flags = +'],
    ["String.format('%.2tY', d)", 'java.util.IllegalFormatPrecisionException: 2'],
    ["String.format('%-tY', d)", 'java.util.MissingFormatWidthException: %-tY'],
  ];
  for (const [src, want] of cases) assert.equal(await outcome(src), want, src);
});

test('the default zone decides the fields, its abbreviation and offset', async () => {
  process.env.TZ = 'America/New_York';
  try {
    assert.equal(await outcome("String.format('%tc|%tz|%tZ|%tF %<tT|%tp', d, d, d, d, d)"), 'Tue Nov 14 17:13:20 EST 2023|-0500|EST|2023-11-14 17:13:20|pm');
    assert.equal(await outcome("String.format('%tc', new Date(1690000000000L))"), 'Sat Jul 22 00:26:40 EDT 2023');
  } finally {
    process.env.TZ = 'UTC';
  }
});
