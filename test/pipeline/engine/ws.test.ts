// The ws step on the local backend: another workspace on the node (relative to its workspace
// directory), WORKSPACE and pwd() inside, `@2` when another branch holds it, and the paths it
// refuses: outside the node's workspace directory, or leading out through a symbolic link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline } from './harness.ts';

const scripted = (body: string) => `node {\n${body}\n}`;

test('ws runs its block in the named workspace of the node, with WORKSPACE and pwd() there, and back after', async () => {
  const { state, console } = await runPipeline(scripted(`
  echo "outer=\${env.WORKSPACE}"
  ws('shared-cache') {
    writeFile file: 'marker.txt', text: 'in shared'
    echo "inner=\${env.WORKSPACE} pwd=\${pwd()}"
    sh 'echo "sh-pwd=$(pwd) content=$(cat marker.txt)"'
  }
  echo "after=\${env.WORKSPACE} pwd=\${pwd()} marker=\${fileExists('marker.txt')}"
`));
  assert.equal(state.result, 'SUCCESS', console);
  const outer = /^outer=(.*)$/m.exec(console)![1]!;
  const inner = /^inner=(\S+) pwd=(\S+)$/m.exec(console)!;
  assert.match(inner[1]!, /\/nodes\/shared-cache$/);
  assert.equal(inner[2], inner[1]);
  assert.match(console, new RegExp(`^Running in ${inner[1]}$`, 'm'));
  assert.match(console, new RegExp(`^sh-pwd=${inner[1]} content=in shared$`, 'm'));
  assert.match(console, new RegExp(`^after=${outer} pwd=${outer} marker=false$`, 'm'));
});

test('two branches asking for one ws directory at once: the second gets <dir>@2', async () => {
  // Each branch holds its workspace until it sees the other's marker, so both are held together.
  const { state, console } = await runPipeline(scripted(`
  parallel a: {
    ws('together') { sh 'touch "$WORKSPACE/../a-in"; while [ ! -f "$WORKSPACE/../b-in" ]; do sleep 0.05; done; echo "a in $WORKSPACE"' }
  }, b: {
    ws('together') { sh 'touch "$WORKSPACE/../b-in"; while [ ! -f "$WORKSPACE/../a-in" ]; do sleep 0.05; done; echo "b in $WORKSPACE"' }
  }
`));
  assert.equal(state.result, 'SUCCESS', console);
  const dirs = [...console.matchAll(/^\[[ab]\] [ab] in (.*)$/gm)].map((m) => m[1]!.replace(/.*\/nodes\//, '')).sort();
  assert.deepEqual(dirs, ['together', 'together@2']);
});

for (const [what, dir] of [['an absolute system directory', '/etc'], ['a relative path climbing out', '../../x'], ['the workspace directory itself', '.']] as const) {
  test(`ws refuses ${what} (${dir}) with the reason, and runs nothing of the block`, async () => {
    const { state, console } = await runPipeline(scripted(`
  ws('${dir}') { echo 'SHOULD NOT RUN' }
`));
    assert.equal(state.result, 'FAILURE', console);
    assert.doesNotMatch(console, /SHOULD NOT RUN/);
    assert.match(console, new RegExp(`ws\\('${dir.replace(/\./g, '\\.')}'\\): workspace \\S+ is outside the node's workspace directory: workspaces on node 'local' must lie inside \\S+/nodes`));
  });
}

test('ws refuses a directory that leads out of the workspace directory through a symbolic link', async () => {
  const { state, console } = await runPipeline(scripted(`
  sh 'mkdir -p "$WORKSPACE/../nodes" && ln -s /tmp "$WORKSPACE/../nodes/escape"'
  ws('escape/sub') { echo 'SHOULD NOT RUN' }
`));
  assert.equal(state.result, 'FAILURE', console);
  assert.doesNotMatch(console, /SHOULD NOT RUN/);
  assert.match(console, /ws\('escape\/sub'\): workspace \S+\/nodes\/escape\/sub leads out through a symbolic link \(\S+\/nodes\/escape is \/tmp\)/);
});

test('ws without a directory (or a blank one) runs the block in the job\'s own workspace on the node, <job>@2 while another holds it', async () => {
  const { state, console } = await runPipeline(scripted(`
  ws { echo "bare=\${env.WORKSPACE}"; ws('  ') { echo "held=\${env.WORKSPACE}" } }
`));
  assert.equal(state.result, 'SUCCESS', console);
  const bare = /^bare=(.*)$/m.exec(console)![1]!;
  assert.match(bare, /\/nodes\/test-job$/);
  assert.match(console, new RegExp(`^held=${bare}@2$`, 'm'));
});
