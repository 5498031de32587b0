// Temporary directories for tests, removed when the test file ends, with the `<dir>@tmp` scratch
// directory a workspace rooted at one of them gets beside it (core/workspace.ts).
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];
after(() => {
  for (const d of made) for (const x of [d, `${d}@tmp`]) rmSync(x, { recursive: true, force: true, maxRetries: 3 });
});

export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `kiln-${prefix}-`));
  made.push(d);
  return d;
}
