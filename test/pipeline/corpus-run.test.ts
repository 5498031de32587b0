// The runnable corpus: every `test/fixtures/jenkinsfiles/run/NAME.groovy` runs through the real
// validator and engine on this machine (engine/harness.ts), and what a user sees must be what
// `NAME.expected` says: the build's result, and its console.
//
// NAME.expected:
//   result: SUCCESS            the build's result (required, first line)
//   match: lines | exact       optional, default `lines`
//   libraries: a, b            optional: shared libraries given to the build (and to its
//                              validation), each the directory test/fixtures/libraries/NAME,
//                              loaded as NAME@main without a commit
//   ---
//   the console: with `lines`, the console's lines without the engine's [Pipeline] markers must
//   contain these lines in this order (others may come between); with `exact`, those lines must
//   be these lines and nothing else. `$WORKSPACE` stands for the build's workspace path.
// The harness runs every case as build #7 of job test-job on a local node.
//
// Each case is our own, written from what Jenkins documents or its own tests assert: the
// corpus grows with every construct the Groovy and declarative issues add.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runPipeline, userLines } from './engine/harness.ts';
import { libraryFromDir } from '../helpers/library.ts';

const dir = fileURLToPath(new URL('../fixtures/jenkinsfiles/run/', import.meta.url));
const librariesDir = fileURLToPath(new URL('../fixtures/libraries/', import.meta.url));
const cases = readdirSync(dir).filter((f) => f.endsWith('.groovy')).sort();

interface Expected { result: string; match: 'lines' | 'exact'; lines: string[]; libraries: string[] }

function expectedOf(file: string): Expected {
  const path = dir + file.replace(/\.groovy$/, '.expected');
  if (!existsSync(path)) throw new Error(`${file}: no ${file.replace(/\.groovy$/, '.expected')} beside it`);
  const text = readFileSync(path, 'utf8');
  const sep = text.indexOf('\n---\n');
  if (sep < 0) throw new Error(`${path}: no "---" line between the header and the console`);
  const header = text.slice(0, sep).split('\n');
  const fields = new Map(header.filter((l) => l.trim() !== '').map((l) => {
    const m = /^(\w+):\s*(.*)$/.exec(l);
    if (!m) throw new Error(`${path}: header line "${l}" is not "key: value"`);
    return [m[1]!, m[2]!.trim()] as const;
  }));
  const result = fields.get('result');
  if (!result) throw new Error(`${path}: no "result:" line`);
  const match = fields.get('match') ?? 'lines';
  if (match !== 'lines' && match !== 'exact') throw new Error(`${path}: match must be lines or exact, not ${match}`);
  const body = text.slice(sep + 5);
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const libraries = (fields.get('libraries') ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const l of libraries) if (!existsSync(librariesDir + l)) throw new Error(`${path}: no library directory test/fixtures/libraries/${l}`);
  return { result, match, lines, libraries };
}

test('the runnable corpus is not empty', () => {
  assert.ok(cases.length > 0, `no .groovy files in ${dir}`);
});

for (const file of cases) {
  test(`run/${file}`, async () => {
    const want = expectedOf(file);
    const source = readFileSync(dir + file, 'utf8');
    const { state, console, h } = await runPipeline(source, { libraries: want.libraries.map((l) => libraryFromDir(l, librariesDir + l)) });
    const got = userLines(console).map((l) => l.split(h.workspace).join('$WORKSPACE'));
    const shown = `\n--- console ---\n${got.join('\n')}\n---------------`;
    assert.equal(state.result, want.result, `${file}: result${shown}`);
    if (want.match === 'exact') {
      assert.deepEqual(got, want.lines, `${file}: console${shown}`);
      return;
    }
    let at = 0;
    for (const line of want.lines) {
      const found = got.indexOf(line, at);
      assert.ok(found >= 0, `${file}: expected line not found (in order): ${JSON.stringify(line)}${shown}`);
      at = found + 1;
    }
  });
}
