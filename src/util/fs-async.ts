// The promise forms of the node:fs calls the agent's path makes (agent/, exec/), without
// loading node:fs/promises: that module costs every agent process ~1 MB of resident memory
// (it loads readline's Interface, the REPL's history, the file streams and watchers with it;
// measured in docs/agents.md "The agent's memory"), and the agent runs in every build pod.
//
// How: each function is node:fs's callback form under util.promisify, the same native calls
// fs/promises makes (realpath is fs.realpath.native, as fs/promises' is), so results and errors
// (code, syscall, path) are the same; typed as fs/promises' own. Only `open` needs a FileHandle
// (file transfers): it loads node:fs/promises then, on first use. A pod's tool-container steps
// use the descriptor forms (openFd, readFd...), so an agent running them does not load it.
// node:fs and node:util are taken with process.getBuiltinModule, not an ESM import, whose
// namespace would read fs.promises (and util's lazy exports) at once.
// test/architecture/agent-loads.test.ts holds that an idle agent has not loaded fs/promises.
import type * as FsPromises from 'node:fs/promises';

const fs = process.getBuiltinModule('node:fs');
const { promisify } = process.getBuiltinModule('node:util');

export type FileHandle = FsPromises.FileHandle;

export const chmod = promisify(fs.chmod) as typeof FsPromises.chmod;
export const lstat = promisify(fs.lstat) as typeof FsPromises.lstat;
export const mkdir = promisify(fs.mkdir) as typeof FsPromises.mkdir;
export const readdir = promisify(fs.readdir) as typeof FsPromises.readdir;
export const readFile = promisify(fs.readFile) as typeof FsPromises.readFile;
export const readlink = promisify(fs.readlink) as typeof FsPromises.readlink;
export const realpath = promisify(fs.realpath.native) as typeof FsPromises.realpath;
export const rm = promisify(fs.rm) as typeof FsPromises.rm;
export const rmdir = promisify(fs.rmdir) as typeof FsPromises.rmdir;
export const stat = promisify(fs.stat) as typeof FsPromises.stat;
export const unlink = promisify(fs.unlink) as typeof FsPromises.unlink;
export const writeFile = promisify(fs.writeFile) as typeof FsPromises.writeFile;

/** Descriptor forms (no FileHandle, so no node:fs/promises): a pod's tool-container steps. */
export const openFd = promisify(fs.open) as (path: string, flags: string | number, mode?: number) => Promise<number>;
export const readFd = promisify(fs.read) as (fd: number, buffer: Buffer, offset: number, length: number, position: number | null) => Promise<{ bytesRead: number }>;
export const writeFd = promisify(fs.write) as (fd: number, data: string) => Promise<{ bytesWritten: number }>;
export const closeFd = promisify(fs.close) as (fd: number) => Promise<void>;

/** fs/promises' open (a FileHandle), which loads node:fs/promises on first use. */
export const open: typeof FsPromises.open = (...args) => process.getBuiltinModule('node:fs/promises').open(...args);
