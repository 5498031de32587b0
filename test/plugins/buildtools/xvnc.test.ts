// xvnc with the real Xvfb of this machine (scripts/test-prereqs.sh installs xvfb, xauth and
// x11-utils): the block gets a display that answers X clients holding the cookie (and refuses
// those without it), and the server is gone after the block, whatever its end; takeScreenshot
// saves the screen with ImageMagick's import (imagemagick, installed by the same script), archived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPipeline } from '../../pipeline/engine/harness.ts';

function need(cmd: string, pkg: string): void {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`]); } catch { throw new Error(`${cmd} is missing: install Debian's ${pkg} (scripts/test-prereqs.sh does)`); }
}

test('xvnc starts an X server for the block, with DISPLAY and a private XAUTHORITY, and stops it after', async () => {
  need('Xvfb', 'xvfb');
  need('xdpyinfo', 'x11-utils');
  need('xauth', 'xauth');
  const { state, console } = await runPipeline(`node {
  xvnc {
    sh 'echo "display=$DISPLAY"; xdpyinfo | grep -E "^(name of display|  dimensions)"'
    sh 'if XAUTHORITY=/dev/null xdpyinfo >/dev/null 2>&1; then echo no-cookie-accepted; else echo no-cookie-refused; fi'
    writeFile file: 'display.txt', text: env.DISPLAY
  }
  sh 'if xdpyinfo -display "$(cat display.txt)" >/dev/null 2>&1; then echo still-running; else echo server-gone; fi'
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Starting xvnc$/m);
  const display = /^display=(:\d+)$/m.exec(console)?.[1];
  assert.ok(display, console);
  assert.match(console, new RegExp(`^name of display:\\s+${display}$`, 'm'));
  assert.match(console, /^ {2}dimensions:\s+1024x768 pixels/m);
  assert.match(console, /^no-cookie-refused$/m);
  assert.match(console, /^server-gone$/m);
});

test('xvnc stops the server when its block fails; two blocks at once get two displays', async () => {
  need('Xvfb', 'xvfb');
  const { state, console } = await runPipeline(`node {
  parallel a: { xvnc { sh 'echo "a on $DISPLAY"; touch a.in; while [ ! -f b.in ]; do sleep 0.05; done' } },
           b: { xvnc { sh 'echo "b on $DISPLAY"; touch b.in; while [ ! -f a.in ]; do sleep 0.05; done' } }
  catchError(buildResult: 'UNSTABLE') { xvnc(useXauthority: false) { writeFile file: 'failed.txt', text: env.DISPLAY; error 'the tests failed' } }
  sh 'if xdpyinfo -display "$(cat failed.txt)" >/dev/null 2>&1; then echo still-running; else echo server-gone; fi'
}`);
  assert.equal(state.result, 'UNSTABLE', console);
  const a = /a on (:\d+)/.exec(console)?.[1];
  const b = /b on (:\d+)/.exec(console)?.[1];
  assert.ok(a && b, console);
  assert.notEqual(a, b);
  assert.match(console, /^server-gone$/m);
});

test('takeScreenshot: ImageMagick\'s import saves the screen as screenshot.jpg, archived; without ImageMagick the step fails first, saying so', async () => {
  need('Xvfb', 'xvfb');
  need('import', 'imagemagick');
  const { state, console, h } = await runPipeline(`node {
  xvnc(takeScreenshot: true) { sh 'echo "on $DISPLAY"' }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Taking screenshot\.$/m);
  assert.match(console, /^Terminating xvnc\.$/m);
  const shot = h.artifacts.get('screenshot.jpg');
  assert.ok(shot, `screenshot.jpg archived: ${[...h.artifacts.keys()].join(', ')}\n${console}`);
  assert.deepEqual([...shot.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
  const size = execFileSync('identify', ['-format', '%wx%h', 'jpeg:-'], { input: shot }).toString();
  assert.equal(size, '1024x768', 'the whole screen');

  // a node without ImageMagick: only sh on the PATH
  const bin = mkdtempSync(path.join(os.tmpdir(), 'kiln-noimagick-'));
  symlinkSync(execFileSync('sh', ['-c', 'command -v sh']).toString().trim(), path.join(bin, 'sh'));
  symlinkSync(execFileSync('sh', ['-c', 'command -v Xvfb']).toString().trim(), path.join(bin, 'Xvfb'));
  const missing = await runPipeline(`node { xvnc(takeScreenshot: true) { echo 'block ran' } }`, { baseEnv: { PATH: bin } });
  assert.equal(missing.state.result, 'FAILURE', missing.console);
  assert.match(missing.console, /xvnc: takeScreenshot needs ImageMagick's import on node '\S+', which is not installed there \(apt-get install imagemagick, or takeScreenshot: false\)/);
  assert.doesNotMatch(missing.console, /block ran|Starting xvnc/);
});
