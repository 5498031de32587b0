// Integer, Long and BigInteger (integers.ts): the arithmetic and literals as Groovy has them,
// checked on the functions directly (the runnable corpus g15-integer-types shows them in a build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerLiteral, integerOp, LongValue, longOf } from '../../../src/pipeline/script/integers.ts';
import { arithmetic, castTo, groovyCompare, groovyEquals } from '../../../src/pipeline/script/groovy-ops.ts';
import { sprintf, toGroovyString } from '../../../src/pipeline/script/format.ts';
import { javaClassOf } from '../../../src/pipeline/script/java-classes.ts';

const show = (v: Parameters<typeof toGroovyString>[0]): string => `${toGroovyString(v)} ${javaClassOf(v)}`;

test('a literal is the narrowest of Integer, Long and BigInteger, or what its suffix says', () => {
  assert.equal(show(integerLiteral('2147483647')), '2147483647 java.lang.Integer');
  assert.equal(show(integerLiteral('2147483648')), '2147483648 java.lang.Long');
  assert.equal(show(integerLiteral('9223372036854775807')), '9223372036854775807 java.lang.Long');
  assert.equal(show(integerLiteral('9223372036854775808')), '9223372036854775808 java.math.BigInteger');
  assert.equal(show(integerLiteral('5L')), '5 java.lang.Long');
  assert.equal(show(integerLiteral('5g')), '5 java.math.BigInteger');
  assert.equal(show(integerLiteral('0xFFFFFFFFFFFFFFFFL')), '-1 java.lang.Long', 'a hex literal with L wraps to 64 bits');
  assert.equal(show(integerLiteral('1_000_000L')), '1000000 java.lang.Long');
});

test('Integer arithmetic wraps at 32 bits, Long at 64; BigInteger does not', () => {
  assert.equal(arithmetic('+', 2147483647, 1, null), -2147483648);
  assert.equal(arithmetic('*', 65536, 65536, null), 0);
  assert.equal(arithmetic('-', -2147483648, 1, null), 2147483647);
  assert.equal(show(arithmetic('+', new LongValue(9223372036854775807n, false), 1, null)), '-9223372036854775808 java.lang.Long');
  assert.equal(show(arithmetic('+', new LongValue(9223372036854775807n, true), 1, null)), '9223372036854775808 java.math.BigInteger');
  assert.equal(show(arithmetic('*', 3000000000, 3000000000, null)), '9000000000000000000 java.lang.Long');
  assert.equal(show(arithmetic('+', 9007199254740992, 1, null)), '9007199254740993 java.lang.Long', 'exact beyond 2^53');
  assert.equal(show(arithmetic('+', new LongValue(1n, false), 1, null)), '2 java.lang.Long', 'Long + Integer is a Long');
  assert.equal(show(arithmetic('/', new LongValue(7n, false), 2, null)), '3.5 java.math.BigDecimal');
  assert.equal(show(arithmetic('+', new LongValue(1n, false), 0.5, null)), '1.5 java.lang.Double');
  assert.equal(show(integerOp('%', new LongValue(-7n, true), 3, null)!), '2 java.math.BigInteger', 'BigInteger.mod is never negative');
  assert.equal(arithmetic('%', -7, 3, null), -1);
  assert.throws(() => arithmetic('%', new LongValue(1n, false), 0, null), /\/ by zero/);
});

test('** gives the narrowest type that holds the result; shifts follow the left side', () => {
  assert.equal(arithmetic('**', 2, 30, null), 1073741824);
  // DefaultGroovyMethods.power(Integer, Integer): an Integer if it fits, else a BigInteger (Groovy 2.4.21 says so), never a Long
  assert.equal(show(arithmetic('**', 2, 31, null)), '2147483648 java.math.BigInteger');
  assert.equal(show(arithmetic('*', arithmetic('**', 2, 62, null), 2, null)), '9223372036854775808 java.math.BigInteger');
  assert.equal(show(arithmetic('**', 2, 100, null)), '1267650600228229401496703205376 java.math.BigInteger');
  assert.equal(arithmetic('**', 2, -1, null), 0.5);
  assert.equal(arithmetic('<<', 1, 31, null), -2147483648);
  assert.equal(show(arithmetic('<<', new LongValue(1n, false), 63, null)), '-9223372036854775808 java.lang.Long');
  assert.throws(() => arithmetic('**', 3, 1_000_000, null), /too large|more than/);
});

test('Longs compare and equal by value with other numbers; casts narrow as Java does', () => {
  assert.equal(groovyEquals(new LongValue(5n, false), 5), true);
  assert.equal(groovyEquals(longOf(9223372036854775807n), longOf(9223372036854775806n)), false);
  assert.equal(groovyCompare(new LongValue(9223372036854775807n, false), 2147483647, null), 1);
  assert.equal(castTo(3000000000, 'int', null), -1294967296);
  assert.equal(show(castTo(5, 'long', null)), '5 java.lang.Long');
  assert.equal(show(castTo('12345678901234567890', 'BigInteger', null)), '12345678901234567890 java.math.BigInteger');
  assert.equal(castTo(new LongValue(4294967297n, false), 'Integer', null), 1);
});

test('String.format / sprintf print Longs and BigIntegers exactly, hex as Java', () => {
  assert.equal(sprintf('%d|%,d|%x', [new LongValue(9223372036854775807n, false), longOf(-1234567890123n), new LongValue(-1n, false)], null), '9223372036854775807|-1,234,567,890,123|ffffffffffffffff');
  assert.equal(sprintf('%x %x %d', [-1, -4294967296, new LongValue(123456789012345678901234567890n, true)], null), 'ffffffff ffffffff00000000 123456789012345678901234567890');
});
