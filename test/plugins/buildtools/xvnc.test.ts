// xvnc with the real Xvfb of this machine (scripts/test-prereqs.sh installs xvfb, xauth and
// x11-utils): the block gets a display that answers X clients holding the cookie (and refuses
// those without it), and the server is gone after the block, whatever its end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
