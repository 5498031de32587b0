// The nvm wrapper plugin's `nvm` step under `kiln run`, against a local HTTP server standing in
// for both places the step downloads from: nvmInstallURL and the Node.js mirror
// (nvmNodeJsOrgMirror). The real nvm and nodejs.org are not reachable from these machines, so
// the install script and the nvm.sh it installs are our own small ones, written for this test:
// they do what nvm's do that the step relies on (install.sh honours NVM_DIR and NODE_VERSION;
// nvm.sh's `nvm install` resolves a partial version from the mirror's index.tab, downloads
// <mirror>/vX/node-vX-linux-x64.tar.gz, unpacks it under $NVM_DIR/versions/node, and `nvm use`
// puts its bin first on PATH with NVM_BIN / NVM_INC), printing nvm's lines. The mirror serves a
// real Node.js tarball made from this machine's node binary, so `node --version` in the block
// runs the node that nvm installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const VERSION = process.version; // e.g. v24.3.0
const MAJOR = VERSION.slice(1).split('.')[0]!;
let server: Server;
let base = '';
const requests: string[] = [];
let tarball: Buffer;

const INSTALL_SH = (url: string) => `#!/usr/bin/env bash
set -e
NVM_DIR="\${NVM_DIR:-$HOME/.nvm}"
echo "=> Downloading nvm as script to '$NVM_DIR'"
mkdir -p "$NVM_DIR"
curl -fsSL -o "$NVM_DIR/nvm.sh" "${url}/nvm.sh"
echo "=> Profile not modified (PROFILE='\${NVM_PROFILE}')"
if [ -n "$NODE_VERSION" ]; then . "$NVM_DIR/nvm.sh"; nvm install "$NODE_VERSION"; fi
`;

const NVM_SH = `# A small nvm for the test: install and use only.
nvm_resolve() {
  case "$1" in
    v*.*.*) echo "$1" ;;
    *.*.*) echo "v$1" ;;
    *) curl -fsSL "$NVM_NODEJS_ORG_MIRROR/index.tab" | cut -f1 | grep "^v\${1#v}\\." | head -n1 ;;
  esac
}
nvm() {
  cmd="$1"; shift
  case "$cmd" in
    install)
      v="$(nvm_resolve "$1")"
      [ -n "$v" ] || { echo "Version '$1' not found - try \\\`nvm ls-remote\\\` to browse available versions." >&2; return 3; }
      if [ -x "$NVM_DIR/versions/node/$v/bin/node" ]; then echo "$v is already installed."; nvm use "$v"; return $?; fi
      echo "Downloading and installing node $v..."
      url="\${NVM_NODEJS_ORG_MIRROR:-https://nodejs.org/dist}/$v/node-$v-linux-x64.tar.gz"
      echo "Downloading $url..."
      mkdir -p "$NVM_DIR/versions/node/$v"
      curl -fsSL "$url" | tar -xz -C "$NVM_DIR/versions/node/$v" --strip-components=1 || { echo "Binary download from $url failed." >&2; rm -rf "$NVM_DIR/versions/node/$v"; return 1; }
      nvm use "$v" ;;
    use)
      case "$1" in
        *.*.*) v="$(nvm_resolve "$1")" ;;
        *) v="$(ls "$NVM_DIR/versions/node" 2>/dev/null | grep "^v\${1#v}\\." | sort -V | tail -n1)" ;;
      esac
      [ -x "$NVM_DIR/versions/node/$v/bin/node" ] || { echo "N/A: version \\"$1\\" is not yet installed." >&2; return 3; }
      export PATH="$NVM_DIR/versions/node/$v/bin:$PATH"
      export NVM_BIN="$NVM_DIR/versions/node/$v/bin"
      export NVM_INC="$NVM_DIR/versions/node/$v/include/node"
      export NVM_CD_FLAGS=""
      echo "Now using node $v" ;;
  esac
}
`;

before(async () => {
  const stage = tempDir('nvm-tarball');
  const top = `node-${VERSION}-linux-x64`;
  mkdirSync(path.join(stage, top, 'bin'), { recursive: true });
  mkdirSync(path.join(stage, top, 'include', 'node'), { recursive: true });
  copyFileSync(process.execPath, path.join(stage, top, 'bin', 'node'));
  execFileSync('tar', ['-czf', path.join(stage, 'node.tar.gz'), '-C', stage, top], { env: { ...process.env, GZIP: '-1' } });
  tarball = readFileSync(path.join(stage, 'node.tar.gz'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/install.sh') { res.end(INSTALL_SH(base)); return; }
    if (req.url === '/nvm.sh') { res.end(NVM_SH); return; }
    if (req.url === '/dist/index.tab') { res.end(`version\tdate\tfiles\n${VERSION}\t2025-01-01\tlinux-x64\nv${MAJOR}.0.0\t2024-01-01\tlinux-x64\n`); return; }
    if (req.url === `/dist/${VERSION}/node-${VERSION}-linux-x64.tar.gz`) { res.setHeader('content-type', 'application/gzip'); res.end(tarball); return; }
    res.statusCode = 404;
    res.end('not found\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

after(() => { server.close(); });

function setup(jenkinsfile: string, home = tempDir('nvm-home')): { dir: string; home: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('nvm-run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return { dir, home, env: { ...process.env, HOME: home } };
}

test('nvm installs nvm from nvmInstallURL when missing, installs the version from the mirror, and the block runs that node with nvm\'s variables', async () => {
  const jf = `pipeline {
  agent any
  stages {
    stage('node') {
      steps {
        nvm(version: '${MAJOR}', nvmInstallURL: '${base}/install.sh', nvmNodeJsOrgMirror: '${base}/dist') {
          sh 'node --version; command -v node; echo "NVM_DIR=$NVM_DIR"; echo "NVM_BIN=$NVM_BIN"'
        }
        sh 'echo "after: [$NVM_BIN]"'
      }
    }
  }
}
`;
  const { dir, home, env } = setup(jf);
  requests.length = 0;
  const r = await runKiln(['run'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const bin = path.join(home, '.nvm', 'versions', 'node', VERSION, 'bin');
  assert.match(r.stdout, /\nInstalling nvm\n=> Downloading nvm as script to '/);
  assert.match(r.stdout, new RegExp(`Downloading and installing node ${VERSION}\\.\\.\\.\\nDownloading ${base}/dist/${VERSION}/node-${VERSION}-linux-x64\\.tar\\.gz\\.\\.\\.\\nNow using node ${VERSION}\\n`));
  assert.match(r.stdout, new RegExp(`\\n${VERSION.replace(/\./g, '\\.')}\\n\\+ command -v node\\n${bin}/node\\n`));
  assert.match(r.stdout, new RegExp(`NVM_DIR=${home}/\\.nvm\\n`));
  assert.match(r.stdout, new RegExp(`NVM_BIN=${bin}\\n`));
  assert.match(r.stdout, /after: \[\]\n/);
  assert.ok(requests.includes('/install.sh') && requests.includes(`/dist/${VERSION}/node-${VERSION}-linux-x64.tar.gz`), requests.join(' '));
  // The installer was not left in the workspace.
  assert.ok(!existsSync(path.join(dir, '.kiln/workspace/1/nvm-installer')));

  // A second build on the same node: nvm and the version are there; nothing is downloaded.
  const again = setup(`node { nvm('${VERSION}') { sh 'node -e "console.log(process.version)"' } }\n`, home);
  requests.length = 0;
  const r2 = await runKiln(['run'], { cwd: again.dir, env: again.env });
  assert.equal(r2.code, 0, r2.stdout + r2.stderr);
  assert.match(r2.stdout, new RegExp(`NVM is already installed\\n${VERSION}\\.?.*already installed\\.\\nNow using node ${VERSION}\\n`));
  assert.match(r2.stdout, new RegExp(`\\n${VERSION.replace(/\./g, '\\.')}\\n`));
  assert.deepEqual(requests, []);
});

test('nvmInstallDir: nvm goes there (NVM_DIR given to the install script); failures say what failed', async () => {
  const nvmDir = path.join(tempDir('nvm-dir'), 'my nvm');
  mkdirSync(nvmDir);
  const { dir, env } = setup(`node {
  nvm(version: '${VERSION}', nvmInstallDir: '${nvmDir}/', nvmInstallURL: '${base}/install.sh', nvmNodeJsOrgMirror: '${base}/dist') {
    sh 'echo "NVM_DIR=$NVM_DIR"; command -v node'
  }
  nvm(version: '3.1.4', nvmInstallDir: '${nvmDir}', nvmNodeJsOrgMirror: '${base}/dist') { echo 'never' }
}
`);
  const r = await runKiln(['run'], { cwd: dir, env });
  assert.match(r.stdout, new RegExp(`=> Downloading nvm as script to '${nvmDir}'\\n`));
  assert.match(r.stdout, new RegExp(`NVM_DIR=${nvmDir}\\n\\+ command -v node\\n${nvmDir}/versions/node/${VERSION}/bin/node\\n`));
  assert.ok(existsSync(path.join(nvmDir, 'nvm.sh')));
  assert.match(r.stdout, /Binary download from \S+\/dist\/v3\.1\.4\/node-v3\.1\.4-linux-x64\.tar\.gz failed\./);
  assert.match(r.stdout, /nvm: installing Node\.js 3\.1\.4 with nvm failed \(exit code 1\)/);
  assert.doesNotMatch(r.stdout, /never/);
  assert.match(r.stdout, /Finished: FAILURE/);

  const bad = setup(`node { nvm(version: '${MAJOR}', nvmInstallURL: '${base}/missing.sh') { echo 'never' } }\n`);
  const r2 = await runKiln(['run'], { cwd: bad.dir, env: bad.env });
  assert.match(r2.stdout, new RegExp(`Installing nvm\\n.*Failed to install NVM: could not download ${base}/missing\\.sh \\(exit code \\d+\\)`, 's'));
  const ftp = setup(`node { nvm(version: '${MAJOR}', nvmInstallURL: 'file:///etc/passwd') { echo 'never' } }\n`);
  const r3 = await runKiln(['run'], { cwd: ftp.dir, env: ftp.env });
  assert.match(r3.stdout, /nvm: nvmInstallURL 'file:\/\/\/etc\/passwd' must be an http or https URL/);
});

test('lint: nvm takes its version positionally or by name and refuses unknown parameters', async () => {
  const { dir, env } = setup(`pipeline {
  agent any
  stages {
    stage('a') {
      steps {
        nvm('20') { sh 'npm ci' }
        nvm(version: 'lts/iron', nvmIoJsOrgMirror: 'https://iojs.org/dist', nvmInstallDir: '/opt/nvm') { sh 'npm test' }
        nvm(versoin: '20') { sh 'npm ci' }
      }
    }
  }
}
`);
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir, env });
  assert.equal(lint.code, 1, lint.stdout + lint.stderr);
  const lines = (lint.stdout + lint.stderr).split('\n').filter((x) => /^Jenkinsfile:/.test(x));
  assert.ok(lines.some((l) => /^Jenkinsfile:8:\d+: Invalid parameter "versoin", did you mean "version"\?$/.test(l)), lines.join('\n'));
  assert.ok(lines.every((l) => /:8:/.test(l)), lines.join('\n'));
});
