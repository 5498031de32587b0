// The console path: secrets are masked however the output is cut into chunks, and nothing
// else changes (bytes pass through, partial lines are kept, decorations go at line starts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSink, SecretMasker } from '../../../src/pipeline/engine/output.ts';

/** Feeds `text` in the given chunk sizes and returns what the sink emitted. */
function feed(text: Buffer, cuts: number[], masker: SecretMasker, decorate: (() => Buffer | null) | null): Buffer {
  const out: Buffer[] = [];
  const sink = new LineSink((d) => out.push(d), masker, decorate ?? (() => null), decorate !== null);
  let at = 0;
  for (const n of cuts) {
    if (at >= text.length) break;
    sink.write(text.subarray(at, at + n));
    at += n;
  }
  if (at < text.length) sink.write(text.subarray(at));
  sink.flush();
  return Buffer.concat(out);
}

test('property: a secret never comes out, wherever the chunks are cut; other bytes are unchanged', () => {
  const secretArb = fc.string({ minLength: 3, maxLength: 12 }).filter((s) => !s.includes('\n') && !s.includes('*'));
  fc.assert(fc.property(secretArb, fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 40 }),
    (secret, pieces, cuts) => {
      const text = pieces.join(secret) + '\n' + secret + 'tail';
      const masker = new SecretMasker();
      masker.add(secret);
      const out = feed(Buffer.from(text), cuts, masker, null).toString();
      assert.ok(!out.includes(secret), `secret '${secret}' leaked in ${JSON.stringify(out)}`);
      assert.equal(out, masker.maskText(text));
    }), { numRuns: 500 });
});

test('property: decorations go at the start of every line and nowhere else', () => {
  fc.assert(fc.property(fc.array(fc.string({ maxLength: 15 }).filter((s) => !s.includes('\n') && !s.includes('>')), { minLength: 1, maxLength: 10 }),
    fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 30 }), (lines, cuts) => {
      const text = lines.join('\n') + '\n';
      const out = feed(Buffer.from(text), cuts, new SecretMasker(), () => Buffer.from('> ')).toString();
      assert.equal(out, lines.map((l) => `> ${l}\n`).join(''));
    }), { numRuns: 300 });
});

test('binary output passes through byte for byte', () => {
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
  const out = feed(bytes, [1, 5, 100, 3, 1000], new SecretMasker(), null);
  assert.deepEqual(out, bytes);
});

test('a longer secret containing a shorter one is masked whole', () => {
  const m = new SecretMasker();
  m.add('abc');
  m.add('xxabcxx');
  assert.equal(m.maskText('1 xxabcxx 2 abc'), '1 **** 2 ****');
});

test('a sink says whether its output ends within a line, and one that continues a line puts no prefix before its first bytes', () => {
  const out: Buffer[] = [];
  const sink = new LineSink((d) => out.push(d), new SecretMasker(), () => Buffer.from('[a] '));
  assert.equal(sink.lineOpen, false);
  sink.write(Buffer.from('one\nPassword: '));
  sink.flush();
  assert.equal(Buffer.concat(out).toString(), '[a] one\n[a] Password: ');
  assert.equal(sink.lineOpen, true);
  // A resumed exec's new sink goes on in that line (engine.ts, JournalEntry.execFrom.open).
  const rest: Buffer[] = [];
  const resumed = new LineSink((d) => rest.push(d), new SecretMasker(), () => Buffer.from('[a] '));
  resumed.continueLine();
  resumed.write(Buffer.from('ok\nnext\n'));
  assert.equal(Buffer.concat(rest).toString(), 'ok\n[a] next\n');
  assert.equal(resumed.lineOpen, false);
});
