// findBuildScans (declared in index.ts), as the Gradle plugin's BuildScanPublisher and
// BuildScanLogScanner: the console so far, line by line; a line containing "Publishing build
// scan...", "Publishing Build Scan..." or "Publishing build information..." opens a window of
// the next 1000 lines in which the first line that is (up to an optional "[INFO] ") an
// http(s) URL with "/s/" in its path is that scan's URL. Each URL is recorded once on the build
// (BuildControl.updateBadges: a badge linking to it, id 'buildScans', which the build page and
// API show) and the step returns the build's scan URLs, in the order found, as the plugin's
// action's getScanUrls(). Only http and https URLs are taken (the link is shown to users), and
// at most MAX_SCANS per build.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { BuildBadge } from '../../pipeline/steps/types.ts';

const PUBLISHING = /Publishing (Build Scan|build scan|build information)\.\.\./;
const URL_LINE = /^.*(?:\[INFO\] )?(https?:\/\/\S*\/s\/\S*)\s*$/;
const LINES_TO_SCAN = 1000;
export const MAX_SCANS = 100;
const MAX_LINE = 8192;
export const SCAN_BADGE_ID = 'buildScans';

/** The console's chunks from byte `from` on. */
async function* after(chunks: AsyncIterable<Buffer>, from: number): AsyncIterable<Buffer> {
  let seen = 0;
  for await (const c of chunks) {
    const start = Math.max(0, from - seen);
    seen += c.length;
    if (start < c.length) yield start === 0 ? c : c.subarray(start);
  }
}

/** The scan URLs in console text, in order, each once (BuildScanLogScanner over every line). */
export async function scanUrls(chunks: AsyncIterable<Buffer>): Promise<string[]> {
  const found: string[] = [];
  let since = Number.MAX_SAFE_INTEGER;
  const take = (raw: string) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > MAX_LINE) { if (since < LINES_TO_SCAN) since++; return; }
    if (since < LINES_TO_SCAN) {
      since++;
      const m = URL_LINE.exec(line);
      if (m) {
        since = Number.MAX_SAFE_INTEGER;
        let ok = false;
        try { ok = ['http:', 'https:'].includes(new URL(m[1]!).protocol); } catch { ok = false; }
        if (ok && !found.includes(m[1]!) && found.length < MAX_SCANS) found.push(m[1]!);
      }
    }
    if (PUBLISHING.test(line)) since = 0;
  };
  const dec = new TextDecoder('utf-8');
  let rest = '';
  for await (const c of chunks) {
    const lines = (rest + dec.decode(c, { stream: true })).split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > MAX_LINE * 8) rest = rest.slice(-MAX_LINE * 8);
    for (const l of lines) take(l);
  }
  const last = rest + dec.decode();
  if (last) take(last);
  return found;
}

/** Records `urls` on the build (each once, as a badge); the build's scan URLs after it. */
function record(ctx: Parameters<StepRun>[0], urls: string[]): string[] {
  const update = ctx.build.updateBadges;
  let all = urls;
  if (update) {
    update((list) => {
      const known = new Set(list.filter((b) => b.id === SCAN_BADGE_ID && b.link).map((b) => b.link!));
      const added: BuildBadge[] = urls.filter((u) => !known.has(u)).slice(0, Math.max(0, MAX_SCANS - known.size))
        .map((u) => ({ kind: 'badge', id: SCAN_BADGE_ID, icon: 'gradle-build-scan', text: 'Build Scan', link: u, style: null, cssClass: null }));
      const next = [...list, ...added];
      all = next.filter((b) => b.id === SCAN_BADGE_ID && b.link).map((b) => b.link!);
      return next;
    });
  }
  return all;
}

const findBuildScans: StepRun = async (ctx) => {
  const log = ctx.build.services.consoleLog;
  if (!log) {
    ctx.log('findBuildScans: this host keeps no console to read; no build scans found');
    return [];
  }
  return record(ctx, await scanUrls(log()));
};

/**
 * withGradle: the block runs; then the part of the console printed since it started (the bytes
 * after the console's length at its start) is scanned as findBuildScans scans, also when the
 * block failed, and the scans are recorded. The block's value is the step's.
 */
const withGradle: StepRun = async (ctx, args) => {
  const log = ctx.build.services.consoleLog;
  let start = 0;
  if (log) for await (const c of log()) start += c.length;
  try {
    return await ctx.runBody(args.body!);
  } finally {
    if (log) record(ctx, await scanUrls(after(log(), start)));
  }
};

const runtime: PluginRuntime = { steps: { withGradle, findBuildScans } };
export default runtime;
