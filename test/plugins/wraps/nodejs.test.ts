// The NodeJS plugin's `nodejs` block and `tools { nodejs }` under `kiln run`: the installation is
// a directory whose bin/ holds this machine's real node and npm (--tool node20=dir); the block's
// `npm config get registry` reads the managed npmrc given by configId (KILN_CONFIG_FILES_DIR),
// which is gone after the block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

function nodeHome(): string {
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  assert.ok(npm, 'npm must be installed on this machine for this test');
  const home = tempDir('nodejs-home');
  mkdirSync(path.join(home, 'bin'));
  symlinkSync(process.execPath, path.join(home, 'bin', 'node'));
  symlinkSync(realpathSync(npm), path.join(home, 'bin', 'npm'));
  return home;
}

function setup(jenkinsfile: string): { dir: string; home: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('nodejs-run');
  const configs = tempDir('nodejs-configs');
  writeFileSync(path.join(configs, 'my-npmrc'), 'registry=http://npm.example.test:4873/\n');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return { dir, home: nodeHome(), env: { ...process.env, KILN_CONFIG_FILES_DIR: configs } };
}

test('nodejs(nodeJSInstallationName:, configId:) puts the installation first on PATH and the managed npmrc as npm user config, removed after', async () => {
  const { dir, home, env } = setup(`node {
  nodejs(nodeJSInstallationName: 'node20', configId: 'my-npmrc') {
    sh 'echo "node at $(command -v node) home $NODEJS_HOME"; npm config get registry; echo "rc=$npm_config_userconfig"'
    writeFile file: 'rc.txt', text: env.npm_config_userconfig
  }
  sh 'test ! -e "$(cat rc.txt)" && echo npmrc-removed'
  nodejs('node20') { sh 'echo "plain: $(command -v npm)"; echo "userconfig=[$npm_config_userconfig]"' }
}
`);
  const r = await runKiln(['run', '--tool', `node20=${home}`], { cwd: dir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(r.stdout.includes(`node at ${home}/bin/node home ${home}\n`), r.stdout);
  assert.match(r.stdout, /\nhttp:\/\/npm\.example\.test:4873\/\n\+ echo rc=\S+\nrc=\S+@tmp\/nodejs[0-9a-f]+\/npmrc\n/);
  assert.match(r.stdout, /Deleting 1 temporary files\n/);
  assert.match(r.stdout, /\nnpmrc-removed\n/);
  assert.ok(r.stdout.includes(`\nplain: ${home}/bin/npm\n`), r.stdout);
  assert.match(r.stdout, /\nuserconfig=\[\]\n/);
});

test('nodejs: an unknown installation names the variable; a missing configId fails clearly; tools { nodejs } works in declarative', async () => {
  const { dir, env } = setup(`node { nodejs('node99') { echo 'never' } }\n`);
  const r = await runKiln(['run'], { cwd: dir, env });
  assert.match(r.stdout, /Tool type "nodejs" does not have an install of "node99" on node 'local': set KILN_TOOL_NODE99/);
  assert.doesNotMatch(r.stdout, /never/);
  const s2 = setup(`node { nodejs(nodeJSInstallationName: 'node20', configId: 'nope') { echo 'never' } }\n`);
  const r2 = await runKiln(['run', '--tool', `node20=${s2.home}`], { cwd: s2.dir, env: s2.env });
  assert.match(r2.stdout, /nodejs: could not find the managed config file 'nope' \(no managed config file with this id\)/);
  assert.match(r2.stdout, /Finished: FAILURE\n/);
  const s3 = setup(`pipeline {
  agent any
  tools { nodejs 'node20' }
  stages { stage('s') { steps { sh 'echo "decl: $(command -v node) $NODEJS_HOME"' } } }
}
`);
  const r3 = await runKiln(['run', '--tool', `node20=${s3.home}`], { cwd: s3.dir, env: s3.env });
  assert.equal(r3.code, 0, r3.stdout + r3.stderr);
  assert.ok(r3.stdout.includes(`decl: ${s3.home}/bin/node ${s3.home}\n`), r3.stdout);
  assert.equal(existsSync(path.join(s3.dir, 'Jenkinsfile')), true);
});
