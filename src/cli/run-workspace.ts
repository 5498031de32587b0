// kiln run's workspace: a copy of the project directory, so that what a pipeline does to its
// workspace (`cleanWs()`, `deleteDir()`, `rm -rf build`, `git clean -fdx`) happens to the copy
// and never to the user's own checkout. `kiln run --workspace .` still runs in the directory
// itself, for who wants that knowingly.
//
// Why a copy and not a `git worktree`: a worktree holds the committed tree only, but `kiln run`
// is for trying the change one is making, uncommitted files included; a worktree would also
// register itself in the user's repository (and outlive a killed run there). A copy works in
// directories that are no git repository too.
//
// What is copied, and why:
// - In a git work tree, the files git would show: tracked ones (as they are now, local changes
//   included; deleted ones stay deleted) and untracked ones that .gitignore does not exclude
//   (`git ls-files --cached --others --exclude-standard`). That is what a CI checkout of the
//   change would hold, without node_modules, build output and other ignored bulk.
// - At the top of a repository the copy is a git repository too: `git clone --shared
//   --no-checkout` of the user's (the objects are read through alternates, never written) with
//   its index reset to HEAD, so `git status` / `git rev-parse HEAD` / `git describe` answer as in
//   the checkout; `origin` is the user's origin, as it was when kiln run worked in place.
// - Elsewhere, everything but `.kiln/` directories.
// - Never `.kiln/` (kiln run's own state) at any depth. Symbolic links are copied as links;
//   files keep their permission bits (not their times); copies are cheap clones where the file
//   system can (COPYFILE_FICLONE).
import { execFile } from 'node:child_process';
import { constants as fsc, type Stats } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProjectCopy {
  /** How the copy was made, for the user. */
  how: string;
  files: number;
}

const isKilnState = (rel: string) => rel.split('/').includes('.kiln');

async function git(args: string[], cwd: string): Promise<string | null> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout;
  } catch {
    return null;
  }
}

/** Copies the project directory `src` to `dest` (which must not exist yet), as the header says. */
export async function copyProject(src: string, dest: string): Promise<ProjectCopy> {
  const roots: Roots = { src, real: await fsp.realpath(src).catch(() => src), dest };
  const top = (await git(['rev-parse', '--show-toplevel'], src))?.trim() ?? null;
  if (top === null) {
    const files = await copyTree(src, dest, roots);
    return { how: 'all files but .kiln/', files };
  }
  const listed = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], src);
  if (listed === null) throw new Error(`git ls-files failed in ${src}; run with --workspace . to use the directory itself`);
  const atTop = await samePath(top, src);
  let how = 'tracked and untracked files, .gitignore respected';
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  if (atTop && (await git(['clone', '--quiet', '--shared', '--no-checkout', '--', src, dest], path.dirname(dest))) !== null) {
    await git(['reset', '--quiet'], dest); // index = HEAD (fails harmlessly in a repository without commits)
    const origin = (await git(['remote', 'get-url', 'origin'], src))?.trim();
    await git(origin ? ['remote', 'set-url', 'origin', origin] : ['remote', 'remove', 'origin'], dest);
    how += ', with the repository (git clone --shared)';
  } else {
    await fsp.mkdir(dest, { recursive: true });
    if (!atTop) how += ` (a subdirectory of ${top}: no .git in the copy)`;
  }
  const rels = [...new Set(listed.split('\0').filter((r) => r !== '' && !isKilnState(r)))];
  let files = 0;
  await inBatches(rels, 32, async (rel) => {
    const from = path.join(src, rel);
    const st = await fsp.lstat(from).catch(() => null);
    if (!st) return; // deleted in the checkout: deleted in the copy
    const to = path.join(dest, rel);
    await fsp.mkdir(path.dirname(to), { recursive: true });
    const n = st.isDirectory() ? await copyTree(from, to, roots) : (await copyEntry(from, to, st, roots)) ? 1 : 0; // a directory: a submodule's files, not its .git link
    files += n;
  });
  return { how, files };
}

/** The project (as named and as resolved) and its copy: where links are re-aimed (copyEntry). */
interface Roots { src: string; real: string; dest: string }

/** Copies a directory tree without `.kiln` and `.git` entries; returns the number of files. */
async function copyTree(src: string, dest: string, roots: Roots): Promise<number> {
  await fsp.mkdir(dest, { recursive: true });
  let files = 0;
  const entries = await fsp.readdir(src, { withFileTypes: true });
  await inBatches(entries, 32, async (e) => {
    // .git: outside a repository there is none; in a submodule it is a link into the parent's .git.
    if (e.name === '.kiln' || e.name === '.git') return;
    const from = path.join(src, e.name);
    const to = path.join(dest, e.name);
    const n = e.isDirectory() ? await copyTree(from, to, roots) : (await copyEntry(from, to, await fsp.lstat(from), roots)) ? 1 : 0;
    files += n;
  });
  return files;
}

/**
 * A symbolic link is copied as a link, re-aimed so that it means in the copy what it meant in
 * the project: one that leads into the project (absolute, or relative) leads to the same place
 * in the copy, never back into the user's files (a build writing through it would change them);
 * a relative one that leaves the project becomes absolute, so it still finds its target.
 */
async function copyEntry(from: string, to: string, st: Stats, roots: Roots): Promise<boolean> {
  if (st.isSymbolicLink()) {
    const target = await fsp.readlink(from);
    const abs = path.resolve(path.dirname(from), target);
    const inProject = [roots.src, roots.real].map((r) => path.relative(r, abs)).find((rel) => rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)));
    const aimed = inProject !== undefined ? path.relative(path.dirname(to), path.join(roots.dest, inProject)) || '.' : abs;
    await fsp.symlink(aimed, to);
    return true;
  }
  if (!st.isFile()) return false; // sockets, FIFOs, devices: not project files
  await fsp.copyFile(from, to, fsc.COPYFILE_FICLONE);
  await fsp.chmod(to, st.mode & 0o7777);
  return true;
}

async function samePath(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([fsp.realpath(a).catch(() => a), fsp.realpath(b).catch(() => b)]);
  return ra === rb;
}

async function inBatches<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}
