// What the utility steps share about files of the workspace: paths resolved against the current
// directory and refused when they leave the workspace, reads with a size limit and Jenkins'
// "<path> does not exist." message, the FileWrapper objects findFiles and touch return, and the
// few facts the Workspace interface does not give (a directory's entries, modification times),
// asked on the node with `find` / `stat` / `touch` through the Workspace's exec, so that they are
// right on a remote agent or in a container too.
import path from 'node:path';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Workspace } from '../../core/workspace.ts';
import { StepFailure } from '../../core/errors.ts';
import type { CallArgs, HostObject, Value } from '../../pipeline/script/values.ts';

/**
 * The most a step reads into the controller's memory at once (a zip, a tar, a pom): archives
 * are made and unpacked on the controller's thread, so a pipeline must not make it hold
 * gigabytes. A larger file gets a clear error naming the file and this limit.
 */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** The most an archive may unpack to, whatever its entries claim (zip bombs). */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;
/** The most entries an archive may have (made or unpacked). */
export const MAX_ENTRIES = 100_000;

export function mb(n: number): string {
  return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
}

/** Whether `abs` is `root` or under it. */
export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `p` resolved against the current directory; refused when it leaves the workspace. */
export function wsPath(ctx: StepContext, step: string, p: string, what = 'file'): string {
  const ws = ctx.workspace();
  const abs = ctx.resolvePath(p);
  if (!isInside(ws.root, abs)) throw new StepFailure(`${step}: ${what} '${p}' is outside the workspace ${ws.root}; give a path inside it`);
  return abs;
}

/** Reads a file of the workspace, refusing a missing file, a directory, or one over `limit` bytes before reading it. */
export async function readWsFile(ctx: StepContext, step: string, p: string, limit = MAX_FILE_BYTES): Promise<{ abs: string; data: Buffer }> {
  const ws = ctx.workspace();
  const abs = wsPath(ctx, step, p);
  const st = await ws.stat(abs);
  if (!st) throw new StepFailure(`${step}: ${abs} does not exist.`);
  if (st.type === 'dir') throw new StepFailure(`${step}: ${abs} is a directory.`);
  if (st.size > limit) throw new StepFailure(`${step}: ${abs} is too large: ${mb(st.size)} (Kiln reads at most ${mb(limit)} of it into the controller's memory)`);
  try {
    return { abs, data: await ws.readFile(abs) };
  } catch (err) {
    throw new StepFailure(`${step}: cannot read ${abs}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Text of `file` or `text` (exactly one, or `both` allowed: file then text), as AbstractFileOrTextStep. */
export async function fileOrText(ctx: StepContext, step: string, file: string | undefined, text: string | undefined, limit: number, both = false): Promise<string[]> {
  if (file === undefined && text === undefined) throw new StepFailure(`${step}: At least one of file or text needs to be provided to ${step}.`);
  if (!both && file !== undefined && text !== undefined) throw new StepFailure(`${step}: give file or text, not both`);
  const out: string[] = [];
  if (file !== undefined) out.push((await readWsFile(ctx, step, file, limit)).data.toString('utf8'));
  if (text !== undefined) {
    if (text.length > limit) throw new StepFailure(`${step}: the text is too large: ${mb(text.length)} (the limit is ${mb(limit)})`);
    out.push(text);
  }
  return out;
}

/** Runs a small command on the node of the workspace (in the step's container), returning stdout; throws with stderr. */
export async function nodeCommand(ctx: StepContext, step: string, argv: string[], cwd?: string): Promise<string> {
  const ws = ctx.workspace();
  let out = '';
  let err = '';
  const r = await ws.exec({
    argv, cwd: cwd ?? ctx.cwd ?? ws.root, env: { ...ctx.env },
    ...(ctx.container ? { container: ctx.container } : {}),
    signal: ctx.signal,
    onOutput: (c, s) => { if (s === 'stdout') out += c.toString('utf8'); else err += c.toString('utf8'); },
  });
  if (r.exitCode !== 0) throw new StepFailure(`${step}: ${argv[0]} failed on ${ws.nodeName} (exit ${r.exitCode ?? r.signal}): ${err.trim() || 'no output'}`);
  return out;
}

/** Modification times (ms since the epoch) of paths relative to `cwd`, asked with `stat` on the node; 0 where unknown. */
export async function modTimes(ctx: StepContext, step: string, cwd: string, rels: string[]): Promise<number[]> {
  const ws = ctx.workspace();
  if (rels.length === 0 || !ws.isUnix) return rels.map(() => 0);
  const out: number[] = [];
  for (let i = 0; i < rels.length; i += 200) {
    const batch = rels.slice(i, i + 200);
    const text = await nodeCommand(ctx, step, ['stat', '-c', '%Y', '--', ...batch.map((r) => `./${r}`)], cwd);
    const secs = text.split('\n').filter((l) => l !== '').map(Number);
    for (let j = 0; j < batch.length; j++) out.push(Number.isFinite(secs[j]) ? secs[j]! * 1000 : 0);
  }
  return out;
}

export interface FileFacts {
  name: string;
  path: string;
  directory: boolean;
  length: number;
  lastModified: number;
}

const FW_TYPE = 'org.jenkinsci.plugins.pipeline.utility.steps.fs.FileWrapper';

/** Jenkins' FileWrapper: name, path (relative, '/'), directory, length, lastModified; prints as its path. */
export function fileWrapper(f: FileFacts): HostObject {
  const props: Record<string, Value> = { name: f.name, path: f.path, directory: f.directory, length: f.length, lastModified: f.lastModified };
  const getters: Record<string, string> = { getName: 'name', getPath: 'path', isDirectory: 'directory', getLength: 'length', getLastModified: 'lastModified' };
  return {
    kind: 'host',
    typeName: FW_TYPE,
    getProperty: (name) => (name in props ? props[name] : undefined),
    invokeMethod: (name: string, args: CallArgs) => {
      if (args.positional.length === 0 && name in getters) return Promise.resolve(props[getters[name]!]!);
      if (name === 'toString' && args.positional.length === 0) return Promise.resolve(f.path);
      return undefined;
    },
    toString: () => f.path,
  };
}

/** Facts of files (relative to `base`, '/'-separated) as findFiles reports them. */
export async function factsOf(ctx: StepContext, step: string, ws: Workspace, base: string, rels: string[]): Promise<FileFacts[]> {
  const times = await modTimes(ctx, step, base, rels);
  const out: FileFacts[] = [];
  for (let i = 0; i < rels.length; i++) {
    const rel = rels[i]!;
    const st = await ws.stat(path.join(base, rel));
    out.push({ name: rel.slice(rel.lastIndexOf('/') + 1), path: rel, directory: st?.type === 'dir', length: st?.type === 'dir' ? 0 : (st?.size ?? 0), lastModified: times[i] ?? 0 });
  }
  return out;
}
