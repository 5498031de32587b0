// The agent bundle as a download (util/agent-bundle.ts bundleTarball): GNU tar unpacks it to the
// same files with their modes, a path longer than ustar's fields included (a PAX header).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleTarball, type AgentBundle } from '../../src/util/agent-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

test('bundleTarball: tar xz gives back every file, its content and mode; long paths survive', async () => {
  const root = tempDir('bundle-src');
  const long = `node_modules/${'deep/'.repeat(40)}file.js`; // > 155 + 100 bytes: a PAX path
  const files: [string, string, number][] = [['bin/kiln', '#!/bin/sh\necho hi\n', 0o755], ['package.json', '{"name":"kiln"}\n', 0o644], [`src/${'a'.repeat(120)}/x.ts`, 'export {};\n', 0o644], [long, 'x'.repeat(70_000), 0o644]];
  for (const [p, body, mode] of files) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), body, { mode });
  }
  const bundle: AgentBundle = { root, hash: '0123456789abcdef', files: files.map(([p, body, mode]) => ({ path: p, mode, size: Buffer.byteLength(body), data: Buffer.from(body) })), bytes: 0 };
  const tgz = await bundleTarball(bundle);
  const out = tempDir('bundle-out');
  const r = spawnSync('tar', ['xz', '-C', out], { input: tgz });
  assert.equal(r.status, 0, r.stderr.toString());
  for (const [p, body, mode] of files) {
    assert.equal(fs.readFileSync(path.join(out, p), 'utf8'), body, p);
    assert.equal(fs.statSync(path.join(out, p)).mode & 0o777, mode, `${p} mode`);
  }
});
