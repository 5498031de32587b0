// The JFrog plugin's `jf` step under `kiln run`, with a recording `jf` (a shell script standing in
// for the JFrog CLI: it writes its arguments, the JFROG_CLI_* environment and its stdin to a
// record, creates the CLI's config file on `c add`, and fails when asked). The host's Artifactory
// servers come from KILN_ARTIFACTORY_SERVERS, their credentials from a credentials file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const PASSWORD = 'jf-Pa55word-xyz';
const TOKEN = 'jf-access-token-0123456789';

function setup(jenkinsfile: string): { dir: string; bin: string; record: string } {
  const dir = tempDir('jf-run');
  const bin = tempDir('jf-bin');
  const record = path.join(tempDir('jf-record'), 'calls.txt');
  writeFileSync(path.join(bin, 'jf'), `#!/bin/sh
{
  echo "--- call"
  for a in "$@"; do echo "arg[$a]"; done
  echo "home[$JFROG_CLI_HOME_DIR] name[$JFROG_CLI_BUILD_NAME] number[$JFROG_CLI_BUILD_NUMBER]"
  case " $* " in *" --password-stdin "*) echo "stdin[$(cat)]" ;; esac
} >> "${record}"
if [ "$1" = c ] && [ "$2" = add ]; then mkdir -p "$JFROG_CLI_HOME_DIR" && touch "$JFROG_CLI_HOME_DIR/jfrog-cli.conf.v6"; exit 0; fi
if [ "$1" = fail ]; then echo "[Error] asked to fail" >&2; exit 3; fi
echo "jf says: $*"
`);
  chmodSync(path.join(bin, 'jf'), 0o755);
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({
    'art-creds': { type: 'usernamePassword', username: 'deployer', password: PASSWORD },
    'art-token': { type: 'secretText', secret: TOKEN },
  }));
  return { dir, bin, record };
}

const calls = (record: string) => readFileSync(record, 'utf8').split('--- call\n').slice(1);

test("jf with tools { jfrog }: the host's servers configured once per build, then the command; JFROG_CLI_* set; secrets masked; output returned", async () => {
  const { dir, bin, record } = setup(`pipeline {
  agent any
  tools { jfrog 'jfrog-cli' }
  stages {
    stage('s') {
      steps {
        script {
          def out = jf 'rt   ping'
          echo "got: \${out.trim()}"
        }
        jf(['rt', 'u', 'a b.zip', 'libs-release/'])
      }
    }
  }
}
`);
  const r = await runKiln(['run', '--job', 'team/app', '--credentials', 'creds.json', '--tool', `jfrog-cli=${bin}`], {
    cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: 'central=https://acme.example.test/artifactory=art-creds,edge=https://edge.example.test/artifactory/=art-token' },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(!r.stdout.includes(PASSWORD) && !r.stdout.includes(TOKEN), r.stdout);
  assert.ok(r.stdout.includes(`] $ ${bin}/jf c add central --user=deployer --password=******** --url=https://acme.example.test/ --artifactory-url=https://acme.example.test/artifactory/ --distribution-url=https://acme.example.test/distribution/ --xray-url=https://acme.example.test/xray/ --interactive=false --overwrite=true\n`), r.stdout);
  assert.ok(r.stdout.includes(`] $ ${bin}/jf c add edge --access-token=******** --url=https://edge.example.test/`), r.stdout);
  assert.match(r.stdout, /\njf says: rt ping\n[^]*got: jf says: rt ping\n/);
  assert.doesNotMatch(r.stdout, /A 'jfrog' tool was not set/);
  const c = calls(record);
  assert.equal(c.length, 4, c.join('|'));
  assert.match(c[0]!, new RegExp(`^arg\\[c\\]\\narg\\[add\\]\\narg\\[central\\]\\narg\\[--user=deployer\\]\\narg\\[--password=${PASSWORD}\\]\\n`));
  assert.match(c[1]!, new RegExp(`arg\\[--access-token=${TOKEN}\\]`));
  assert.match(c[2]!, /^arg\[rt\]\narg\[ping\]\nhome\[\S+@tmp\/jfrog\/1\/\.jfrog\] name\[team\/app\] number\[1\]\n$/);
  assert.match(c[3]!, /^arg\[rt\]\narg\[u\]\narg\[a b\.zip\]\narg\[libs-release\/\]\n/, 'a list item is one argument, and no second c add');
});

test('jf without a tool uses jf on PATH and says so; the password through stdin when JFROG_CLI_PASSWORD_STDIN_SUPPORT; a failing command fails the step', async () => {
  const { dir, bin, record } = setup(`node {
  withEnv(['JFROG_CLI_PASSWORD_STDIN_SUPPORT=true', 'JFROG_CLI_BUILD_NAME=my-build']) {
    jf 'rt ping'
    jf 'fail now'
  }
  echo 'never'
}
`);
  const r = await runKiln(['run', '--credentials', 'creds.json'], {
    cwd: dir, env: { PATH: `${bin}:${process.env.PATH}`, KILN_ARTIFACTORY_SERVERS: 'central=https://acme.example.test/artifactory=art-creds' },
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /A 'jfrog' tool was not set\. Using JFrog CLI from the system path\.\n/);
  assert.match(r.stdout, /\] \$ jf c add central --user=deployer --password-stdin --url=/);
  assert.match(r.stdout, /\[Error\] asked to fail\n/);
  assert.match(r.stdout, /Couldn't execute 'jf' command\. Running 'jf' command failed with exit code 3/);
  assert.doesNotMatch(r.stdout, /\nnever\n/);
  const c = calls(record);
  assert.match(c[0]!, new RegExp(`arg\\[--password-stdin\\][^]*stdin\\[${PASSWORD}\\]`));
  assert.doesNotMatch(c[0]!, /--password=/);
  assert.match(c[1]!, /name\[my-build\]/, 'a JFROG_CLI_BUILD_NAME the build set is kept');
});

test('jf refuses arguments that are not strings, and an empty command', async () => {
  for (const [call, msg] of [[`jf([['x']])`, /jf: args\[0\] must be a string/], [`jf '   '`, /jf: no arguments: jf 'rt ping'/]] as const) {
    const { dir } = setup(`node { ${call} }\n`);
    mkdirSync(path.join(dir, 'x'), { recursive: true });
    const r = await runKiln(['run'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '' } });
    assert.match(r.stdout, msg, r.stdout);
    assert.match(r.stdout, /Finished: FAILURE\n/);
  }
});
