// What compressBuildLog costs: a console of --mb MiB of build-like lines written through the
// LogStore, compressed (controller/log-gzip.ts: 1 MiB gzip members), then read the way the console
// reads it: 64 KiB ranges at random offsets (each a cold block: an inflate of 1 MiB), the same
// ranges again (cached blocks), a whole sequential read, and the line index (newlines) - each
// against the plain log of the same bytes.
//
//   node bench/compress-log.ts [--mb 200] [--reads 200]
//
// Prints a table, then one JSON line {"bench":"compress-log",...}.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LogStore } from '../src/controller/logstore.ts';

const { values: opts } = parseArgs({ options: { mb: { type: 'string', default: '200' }, reads: { type: 'string', default: '200' } } });
const MB = Number(opts.mb);
const READS = Number(opts.reads);
const root = mkdtempSync(path.join(tmpdir(), 'kiln-bench-gz-'));
const ms = (t0: number) => performance.now() - t0;

async function drain(it: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const c of it) n += c.length;
  return n;
}

try {
  const plain = new LogStore(path.join(root, 'plain'));
  const gz = new LogStore(path.join(root, 'gz'));
  const a = { job: 'big', number: 1 };
  let line = 0;
  const chunk = (): Buffer => {
    const out: string[] = [];
    for (let i = 0; i < 2000; i++, line++) out.push(`[INFO] ${line} Compiling module-${line % 97}/src/main/java/com/acme/Service${line % 31}.java ... ok`);
    return Buffer.from(`${out.join('\n')}\n`);
  };
  let size = 0;
  while (size < MB * 1024 * 1024) {
    const c = chunk();
    await Promise.all([plain.append(a, c), gz.append(a, c)]);
    size += c.length;
  }
  await Promise.all([plain.finish(a), gz.finish(a)]);
  let t = performance.now();
  await gz.compress(a);
  const compressMs = ms(t);
  const gzBytes = statSync(`${gz.logPath(a)}.gz`).size;
  const offsets = Array.from({ length: READS }, (_, i) => Math.floor(((i * 7919) % READS) / READS * (size - 65536)));
  const ranges = async (s: LogStore) => {
    const t0 = performance.now();
    for (const o of offsets) await drain(s.read(a, o, o + 65536));
    return ms(t0) / READS;
  };
  const plainRange = await ranges(plain);
  const gzCold = await ranges(gz);
  t = performance.now();
  for (const o of offsets.slice(-6)) await drain(gz.read(a, o, o + 65536)); // the last blocks read (at most 12): still cached
  const gzWarm = ms(t) / 6;
  t = performance.now();
  await drain(plain.read(a));
  const plainWhole = ms(t);
  t = performance.now();
  await drain(gz.read(a));
  const gzWhole = ms(t);
  t = performance.now();
  await new LogStore(plain.home).newlines(a);
  const plainLines = ms(t);
  t = performance.now();
  await new LogStore(gz.home).newlines(a);
  const gzLines = ms(t);
  const rows: [string, string, string][] = [
    ['size', `${(size / 1048576).toFixed(0)} MiB`, `${(gzBytes / 1048576).toFixed(1)} MiB (${((gzBytes / size) * 100).toFixed(1)} %)`],
    ['compress (once, after the end)', '', `${compressMs.toFixed(0)} ms`],
    ['64 KiB range at a random offset', `${plainRange.toFixed(2)} ms`, `${gzCold.toFixed(2)} ms (cold block)`],
    ['64 KiB range, block cached', '', `${gzWarm.toFixed(2)} ms`],
    ['whole console, sequential', `${plainWhole.toFixed(0)} ms`, `${gzWhole.toFixed(0)} ms`],
    ['line index (newlines), first ask', `${plainLines.toFixed(0)} ms`, `${gzLines.toFixed(0)} ms`],
  ];
  console.log(`${'figure'.padEnd(36)}${'plain'.padEnd(16)}compressed`);
  for (const [k, p, g] of rows) console.log(`${k.padEnd(36)}${p.padEnd(16)}${g}`);
  console.log(JSON.stringify({ bench: 'compress-log', cpus: cpus().length, load: loadavg()[0], mb: MB, gzMb: gzBytes / 1048576, compressMs, rangeMs: { plain: plainRange, cold: gzCold, warm: gzWarm }, wholeMs: { plain: plainWhole, gz: gzWhole }, newlinesMs: { plain: plainLines, gz: gzLines } }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
