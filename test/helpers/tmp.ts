// Temporary directories for tests, removed when the test file ends.
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
});

export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `kiln-${prefix}-`));
  made.push(d);
  return d;
}
