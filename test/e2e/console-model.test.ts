// The web console's data layer (web/src/logmodel.ts, sections.ts, ansi.ts) without a browser:
// line walking by byte offsets across 64 KiB block boundaries, multi-byte characters split by
// a boundary, the last line with and without a trailing newline, live appends, folded
// sections, search across chunks, ANSI colours, and sections found from [Pipeline] markers.
// The browser tests (ui.test.ts) drive the same code through the page; these pin the edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK, LogModel } from '../../web/src/logmodel.ts';
import { loadSections } from '../../web/src/sections.ts';
import { parseAnsi } from '../../web/src/ansi.ts';

/** Serves `log` as the controller's console route does (?start&end, x-log-size, x-log-complete); counts requests. */
function serve(log: Uint8Array, complete = true): { requests: () => number } {
  let n = 0;
  globalThis.fetch = (async (input: string | URL | Request) => {
    n++;
    const url = new URL(String(input), 'http://kiln.test');
    if (url.pathname.endsWith('/console/sections')) {
      return new Response(JSON.stringify({ error: { code: 'not-found', message: `no such route: GET ${url.pathname}` } }), { status: 404 });
    }
    const start = Number(url.searchParams.get('start') ?? 0);
    const end = Math.min(Number(url.searchParams.get('end') ?? log.length), log.length);
    return new Response(log.slice(start, Math.max(start, end)), { status: 200, headers: { 'x-log-size': String(log.length), 'x-log-complete': String(complete) } });
  }) as typeof fetch;
  return { requests: () => n };
}

/** Resolves `fn` as the viewer does: retry after each fetch until it has its bytes. */
async function settle<T>(m: LogModel, fn: () => T | null): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn();
    if (v !== null) return v;
    await new Promise<void>((r) => { const off = m.subscribe(() => { off(); r(); }); });
  }
  throw new Error('never settled');
}

const enc = new TextEncoder();
// Lines of varying lengths, with multi-byte characters, so that lines straddle block boundaries.
const LINES = Array.from({ length: 20_000 }, (_, i) => `line ${i + 1} ${'é€'.repeat(i % 17)}${'x'.repeat((i * 7) % 50)}`);
const TEXT = `${LINES.join('\n')}\n`;
const LOG = enc.encode(TEXT);
const STARTS: number[] = [];
{ let o = 0; for (const l of LINES) { STARTS.push(o); o += enc.encode(l).length + 1; } }

test('lines walk forward and back across block boundaries, decoding split characters', async () => {
  serve(LOG);
  const m = new LogModel('job', 1);
  await m.load(0);
  assert.equal(m.size, LOG.length);
  assert.ok(LOG.length > 10 * BLOCK, 'the fixture spans many blocks');
  let p = 0;
  for (let i = 0; i < LINES.length - 1; i++) {
    const next = await settle(m, () => m.nextLine(p));
    assert.equal(next, STARTS[i + 1], `next line after line ${i + 1}`);
    p = next;
  }
  for (let i = LINES.length - 1; i > 0; i -= 97) {
    assert.equal(await settle(m, () => m.prevLine(STARTS[i]!)), STARTS[i - 1]);
  }
  const at = STARTS.findIndex((s) => s > 5 * BLOCK);
  const lines = await settle(m, () => m.lines(STARTS[at - 1]!, 3));
  assert.deepEqual(lines.map((l) => l.text), LINES.slice(at - 1, at + 2));
  assert.equal(await settle(m, () => m.lastLineStart()), STARTS[LINES.length - 1]);
  assert.equal(await settle(m, () => m.visibleLineStart(STARTS[100]! + 5)), STARTS[100]);
});

test('the last line without a trailing newline, and live appends', async () => {
  const log = enc.encode('one\ntwo\nthr');
  serve(log, false);
  const m = new LogModel('job', 2);
  await m.load(0);
  assert.equal(await settle(m, () => m.lastLineStart()), 8);
  m.append(enc.encode('ee\nfour\n'), log.length);
  assert.equal(m.size, log.length + 8);
  assert.deepEqual((await settle(m, () => m.lines(0, 10))).map((l) => l.text), ['one', 'two', 'three', 'four']);
  assert.equal(await settle(m, () => m.lastLineStart()), 14);
});

test('a folded section is one line: skipped forward and back, and shown by its first line', async () => {
  serve(LOG);
  const m = new LogModel('job', 3);
  await m.load(0);
  m.fold({ start: STARTS[10]!, end: STARTS[5000]!, label: 'big step' }, true);
  const lines = await settle(m, () => m.lines(STARTS[9]!, 3));
  assert.deepEqual(lines.map((l) => l.text), [LINES[9], LINES[10], LINES[5000]]);
  assert.ok(lines[1]!.folded);
  assert.equal(await settle(m, () => m.prevLine(STARTS[5000]!)), STARTS[10]);
  assert.equal(await settle(m, () => m.visibleLineStart(STARTS[2500]!)), STARTS[10]);
  m.fold({ start: STARTS[10]!, end: STARTS[5000]!, label: 'big step' }, false);
  assert.equal(await settle(m, () => m.nextLine(STARTS[10]!)), STARTS[11]);
});

test('find: case-insensitive, across chunk boundaries, byte offsets', async () => {
  serve(LOG);
  const m = new LogModel('job', 4);
  await m.load(0);
  const ac = new AbortController();
  assert.equal(await m.find('LINE 15000 ', 0, ac.signal), STARTS[14999]);
  assert.equal(await m.find('line 2 ', STARTS[5]!, ac.signal), -1);
  assert.equal(await m.find('no such text', 0, ac.signal), -1);
});

test('find: a match across the boundary of two 4 MiB reads, after multi-byte characters', async () => {
  const head = 'é'.repeat(1000);
  const pad = 'x'.repeat(64 * BLOCK - enc.encode(head).length - 3);
  const log = enc.encode(`${head}${pad}NEEDLE here\nmore\n${'y'.repeat(5 * BLOCK)}\n`);
  serve(log);
  const m = new LogModel('job', 7);
  await m.load(0);
  const at = await m.find('needle', 10, new AbortController().signal);
  assert.equal(at, 64 * BLOCK - 3);
  assert.equal(await m.find('needle', at + 1, new AbortController().signal), -1);
  assert.equal(await m.find('y\n', 64 * BLOCK + 100, new AbortController().signal), log.length - 2);
});

test('only the blocks on screen are fetched', async () => {
  const big = enc.encode(Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n'));
  const s = serve(big);
  const m = new LogModel('job', 5);
  await m.load(0);
  await settle(m, () => m.lines(0, 50));
  await settle(m, () => m.lastLineStart());
  assert.ok(s.requests() <= 4, `a few requests for the top and the end of a ${big.length}-byte log, not ${s.requests()}`);
});

test('sections are found from [Pipeline] markers when the controller has no sections route', async () => {
  const text = [
    'Started', '[Pipeline] node', 'Running on a', '[Pipeline] { (Build)', '[Pipeline] sh', '+ make', 'made',
    '[Pipeline] }', '[Pipeline] { (Checks)', '[Unit] [Pipeline] { (Unit)', '[Unit] [Pipeline] sh', '[Unit] + test', '[Unit] [Pipeline] }', '[Pipeline] }', 'Finished: SUCCESS', '',
  ].join('\n');
  const log = enc.encode(text);
  serve(log);
  const at = (line: string) => text.indexOf(`${line}\n`);
  const sections = await loadSections('job', 6, log.length);
  const find = (label: string, kind: string) => sections.find((s) => s.label === label && s.kind === kind);
  assert.deepEqual(find('Build', 'stage'), { kind: 'stage', start: at('[Pipeline] { (Build)'), end: at('[Pipeline] { (Checks)'), label: 'Build' });
  assert.deepEqual(find('sh', 'step'), { kind: 'step', start: at('[Pipeline] sh'), end: at('[Pipeline] }'), label: 'sh' });
  assert.equal(find('Unit', 'stage')?.end, text.indexOf('[Pipeline] }\nFinished'));
  assert.equal(sections.filter((s) => s.kind === 'step' && s.label === 'sh').length, 2);
});

test('ANSI: 16, 256 and true colours, bold, reset, other escapes dropped, a line on its own', () => {
  const spans = parseAnsi('\x1b[1;31mred bold\x1b[0m plain \x1b[38;5;46mgreen256\x1b[48;2;1;2;3m bg\x1b[K end\x1b[39;49m');
  assert.deepEqual(spans.map((s) => [s.text, s.fg, s.bg, s.cls]), [
    ['red bold', '#cd3131', null, 'b'], [' plain ', null, null, ''], ['green256', 'rgb(0,255,0)', null, ''],
    [' bg', 'rgb(0,255,0)', 'rgb(1,2,3)', ''], [' end', 'rgb(0,255,0)', 'rgb(1,2,3)', ''],
  ]);
  assert.deepEqual(parseAnsi('no escapes'), [{ text: 'no escapes', cls: '', fg: null, bg: null }]);
});
