// Real small file systems for tests of full and unwritable disks: a tmpfs of a given size
// (writes past it fail with a real ENOSPC), a filler that takes every free byte and gives them
// back, and chattr +i (EPERM even for root). Needs root, as the test machine's runner is; each
// mount is unmounted (lazily, in case a child still holds a file) when the test file ends.
import { after } from 'node:test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp.ts';

const mounted = new Set<string>();
const immutable = new Set<string>();
after(() => {
  for (const p of immutable) {
    try { execFileSync('chattr', ['-i', p]); } catch { /* already gone */ }
  }
  immutable.clear();
  for (const d of [...mounted].reverse()) {
    try { execFileSync('umount', ['-l', d]); } catch { /* already unmounted */ }
  }
  mounted.clear();
});

export interface SmallDisk {
  /** The mount point. */
  dir: string;
  /** Fills every free byte with `<dir>/.filler` (until ENOSPC). */
  fill(): void;
  /** Removes the filler: the space is back. */
  free(): void;
  /** Remounts read-only (nothing may be open for writing) or read-write again. */
  readOnly(on: boolean): void;
  /** Unmounts it (lazily: a process still holding a file there does not stop it). */
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. '2m') at a fresh directory (or `at`). */
export function smallDisk(size: string, at?: string): SmallDisk {
  const dir = at ?? tempDir('tmpfs');
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounted.add(dir);
  const filler = path.join(dir, '.filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024, 0x78);
      try {
        for (;;) fs.writeSync(fd, block);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        // the last partial block: fill to the last byte
        for (let n = 32 * 1024; n >= 1; n >>= 1) {
          try { for (;;) fs.writeSync(fd, block, 0, n); } catch { /* next smaller size */ }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    readOnly(on) {
      execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir]);
    },
    unmount() {
      for (const p of [...immutable]) {
        if (p.startsWith(dir + path.sep)) setImmutable(p, false);
      }
      if (mounted.delete(dir)) execFileSync('umount', ['-l', dir]);
    },
  };
}

/** chattr +i / -i: nothing can be created in (or written to) `p`, not even by root. */
export function setImmutable(p: string, on: boolean): void {
  execFileSync('chattr', [on ? '+i' : '-i', p]);
  if (on) immutable.add(p);
  else immutable.delete(p);
}
