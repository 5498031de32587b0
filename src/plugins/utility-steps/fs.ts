// findFiles, sha1 / sha256 / md5, touch (pipeline-utility-steps' fs package), on the files of
// the workspace through its interface (files.ts says how what it lacks is asked on the node).
//   findFiles()                          the current directory's entries, directories included
//   findFiles(glob: '**/*.jar', excludes: '**/test/**')   files matching, Ant patterns, sorted
//   sha256 'app.jar' / sha1 file: ... / md5 ...             the hex digest of a file, streamed
//   touch file: 'stamp', timestamp: 0                      creates it if missing, sets its time
//   verifySha256 file: 'app.jar', hash: '...' (verifySha1, verifyMd5)   fails on a mismatch
//   prependToFile file: 'CHANGES', content: 'v2\n'         creates it if missing
import { createHash } from 'node:crypto';
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { num, reqStr, str } from '../../pipeline/steps/args.ts';
import { openFile } from '../../util/files-stream.ts';
import { MAX_ENTRIES, MAX_FILE_BYTES, factsOf, fileWrapper, mb, nodeCommand, wsPath } from './files.ts';

export const findFiles: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const glob = str(args, 'glob');
  const excludes = str(args, 'excludes');
  let rels: string[];
  if (glob === undefined || glob.trim() === '') {
    if (!ws.isUnix) throw new StepFailure('findFiles: without glob, Kiln lists a directory with find on Unix nodes only; give a glob');
    if (!(await ws.stat(base))) return [];
    const out = await nodeCommand(ctx, 'findFiles', ['find', '.', '-mindepth', '1', '-maxdepth', '1'], base);
    rels = out.split('\n').filter((l) => l.startsWith('./')).map((l) => l.slice(2)).sort();
  } else {
    if (!(await ws.stat(base))) return [];
    rels = await ws.glob(base, glob, excludes);
  }
  if (rels.length > MAX_ENTRIES) throw new StepFailure(`findFiles: ${rels.length} files match '${glob ?? '*'}' (Kiln returns at most ${MAX_ENTRIES}); narrow the glob`);
  return (await factsOf(ctx, 'findFiles', ws, base, rels)).map(fileWrapper);
};

async function digest(ctx: Parameters<StepRun>[0], step: string, file: string, algorithm: string, missing: (abs: string) => string): Promise<string> {
  const ws = ctx.workspace();
  const abs = wsPath(ctx, step, file);
  const st = await ws.stat(abs);
  if (!st) throw new StepFailure(missing(abs));
  if (st.type === 'dir') throw new StepFailure(`${step}: ${abs} is a directory.`);
  const h = createHash(algorithm);
  const reader = await openFile(ws, abs);
  for await (const chunk of reader.chunks()) h.update(chunk);
  return h.digest('hex');
}

function verifyStep(step: string, algorithm: string, javaName: string): StepRun {
  return async (ctx, args) => {
    const file = reqStr(args, 'file', step);
    const expected = reqStr(args, 'hash', step);
    const actual = await digest(ctx, step, file, algorithm, () => `File not found: ${file}`);
    if (actual.toLowerCase() !== expected.trim().toLowerCase()) throw new StepFailure(`${javaName} hash mismatch: expected: '${expected}', actual: '${actual}'`);
    return null;
  };
}

export const verifySha1 = verifyStep('verifySha1', 'sha1', 'SHA-1');
export const verifySha256 = verifyStep('verifySha256', 'sha256', 'SHA-256');
export const verifyMd5 = verifyStep('verifyMd5', 'md5', 'MD5');

export const prependToFile: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const file = reqStr(args, 'file', 'prependToFile');
  const content = reqStr(args, 'content', 'prependToFile');
  const abs = wsPath(ctx, 'prependToFile', file);
  const st = await ws.stat(abs);
  if (st?.type === 'dir') throw new StepFailure(`prependToFile: ${abs} is a directory.`);
  if (st && st.size > MAX_FILE_BYTES) throw new StepFailure(`prependToFile: ${abs} is too large: ${mb(st.size)} (Kiln rewrites at most ${mb(MAX_FILE_BYTES)} in the controller's memory)`);
  const old = st ? await ws.readFile(abs) : Buffer.alloc(0);
  await ws.writeFile(abs, Buffer.concat([Buffer.from(content, 'utf8'), old]));
  return wrapperOf(ctx, 'prependToFile', abs);
};

/** The FileWrapper of `abs`, its path relative to the current directory (or the workspace when outside it). */
async function wrapperOf(ctx: Parameters<StepRun>[0], step: string, abs: string) {
  const ws = ctx.workspace();
  const cwd = ctx.cwd ?? ws.root;
  const base = abs.startsWith(`${cwd}/`) ? cwd : ws.root;
  const [facts] = await factsOf(ctx, step, ws, base, [abs.slice(base.length + 1)]);
  return fileWrapper(facts!);
}

function hashStep(step: string, algorithm: string): StepRun {
  return async (ctx, args) => digest(ctx, step, reqStr(args, 'file', step), algorithm, (abs) => `${step}: ${abs} does not exist.`);
}

export const sha1 = hashStep('sha1', 'sha1');
export const sha256 = hashStep('sha256', 'sha256');
export const md5 = hashStep('md5', 'md5');

export const touch: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const file = reqStr(args, 'file', 'touch');
  const abs = wsPath(ctx, 'touch', file);
  const timestamp = num(args, 'timestamp');
  if (timestamp !== undefined && !Number.isFinite(timestamp)) throw new StepFailure(`touch: timestamp must be milliseconds since the epoch, got ${String(args.values.timestamp)}`);
  const st = await ws.stat(abs);
  if (st?.type === 'dir') throw new StepFailure(`touch: ${abs} is a directory.`);
  if (!st) await ws.writeFile(abs, '');
  if (ws.isUnix) {
    // an absolute path: never read as an option; -c: never creates (writeFile did, inside the workspace)
    const when = timestamp === undefined ? [] : ['-d', `@${timestamp / 1000}`];
    await nodeCommand(ctx, 'touch', ['touch', '-c', '-m', ...when, abs]);
  }
  return wrapperOf(ctx, 'touch', abs);
};
