// The Ansible plugin's steps with the real ansible-core of the machine (scripts/test-prereqs.sh
// installs it): a playbook against localhost (connection: local) from an inline inventory, with
// extra variables (one hidden, ones with spaces and shell characters) and extras, that really
// writes files; the printed command line as the plugin prints it, hidden values masked; the same
// playbook over SSH to the test sshd (test/backends/sshd.ts) with an SSH key credential
// (--private-key from a temporary 0400 file, -u its user, removed after, never in the console),
// and an ad-hoc command with a key that has a passphrase (answered through SSH_ASKPASS);
// a vault password from a secret text credential (ansibleVault encrypts a file, a playbook reads
// it); an ad-hoc command; a failing playbook fails the step with the plugin's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSshd, type TestSshd } from '../../backends/sshd.ts';
import { runPipeline, oneStage } from '../../pipeline/engine/harness.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { Credential } from '../../../src/core/credentials.ts';

let sshd: TestSshd;
let credentials: Record<string, Credential>;
const VAULT_PASSWORD = 'vault-pass-0f9e8d7c';
const HIDDEN = 'hidden-value-5a4b3c2d';
const PASSPHRASE = 'pass-phrase-7e6d5c4b';

before(async () => {
  for (const bin of ['ansible-playbook', 'ansible', 'ansible-vault']) {
    try { execFileSync('sh', ['-c', `command -v ${bin}`]); } catch { throw new Error(`${bin} is missing: run scripts/test-prereqs.sh (it installs Debian's ansible-core)`); }
  }
  sshd = await startSshd();
  // A second authorized key, with a passphrase.
  const keyFile = path.join(tempDir('ansible-keys'), 'locked');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'kiln-ansible-locked', '-f', keyFile], { stdio: 'ignore' });
  appendFileSync(path.join(sshd.dir, 'authorized_keys'), readFileSync(`${keyFile}.pub`));
  credentials = {
    locked: { id: 'locked', type: 'sshKey', username: sshd.user, privateKey: readFileSync(keyFile, 'utf8'), passphrase: PASSPHRASE },
    key: { id: 'key', type: 'sshKey', username: sshd.user, privateKey: sshd.clientKey },
    vault: { id: 'vault', type: 'secretText', secret: VAULT_PASSWORD },
    token: { id: 'token', type: 'secretText', secret: 'not-a-key' },
  };
});

after(async () => { await sshd?.stop(); });

function workspace(files: Record<string, string>): string {
  const ws = path.join(tempDir('ansible'), 'ws');
  mkdirSync(ws, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(ws, name), text);
  return ws;
}

/** The harness' environment has LC_ALL=C; ansible insists on a UTF-8 locale (as on any node). */
const utf8 = (steps: string): string => oneStage(`withEnv(['LC_ALL=C.UTF-8']) {\n${steps}\n}`);

const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: write the variables
      copy:
        dest: "{{ out }}"
        content: "greeting={{ greeting }}\\nhostile={{ hostile }}\\nsecret={{ secret }}\\nextra={{ extra }}\\n"
    - name: tagged task
      debug: msg="tagged ran"
      tags: [later]
`;

const tmpFiles = (ws: string): string[] => (existsSync(`${ws}@tmp`) ? readdirSync(`${ws}@tmp`) : []);

test('ansiblePlaybook runs a real playbook on localhost: the command line as the plugin prints it, extra variables reach ansible as arguments, the hidden one masked', async () => {
  const ws = workspace({ 'site.yml': PLAYBOOK });
  const { state, console } = await runPipeline(utf8(`
        ansiblePlaybook(playbook: 'site.yml', inventoryContent: 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3',
          limit: 'localhost', skippedTags: 'later', forks: 2,
          extraVars: [out: "\${env.WORKSPACE}/out.txt", greeting: 'hello world', hostile: '$(touch pwned);\`id\`|x', secret: [value: '${HIDDEN}', hidden: true]],
          extras: '-e extra=a;$(id)|c -v')`), { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  const line = console.split('\n').find((l) => l.includes('$ ansible-playbook'));
  assert.ok(line, console);
  assert.match(line!, new RegExp(`^\\[${ws}\\] \\$ ansible-playbook site\\.yml -i ${ws}@tmp/inventory[0-9a-f]+\\.ini -l localhost --skip-tags=later -f 2 -e out=${ws}/out\\.txt -e "greeting='hello world'" -e "hostile='\\$\\(touch pwned\\);\`id\`\\|x'" -e \\*{8} -e extra=a;\\$\\(id\\)\\|c -v$`));
  assert.ok(!console.includes(HIDDEN), `the hidden value leaked:\n${console}`);
  assert.match(console, /PLAY RECAP/);
  assert.doesNotMatch(console, /tagged ran/, 'skippedTags skipped the tagged task');
  assert.equal(readFileSync(path.join(ws, 'out.txt'), 'utf8'), `greeting=hello world\nhostile=$(touch pwned);\`id\`|x\nsecret=${HIDDEN}\nextra=a;$(id)|c\n`);
  assert.ok(!existsSync(path.join(ws, 'pwned')), 'no shell ran the hostile value');
  assert.deepEqual(tmpFiles(ws), [], 'the inline inventory is removed');
});

test('ansiblePlaybook over SSH with a key credential: --private-key and -u, host key checking off; the key file is gone after and never printed', async () => {
  const ws = workspace({ 'site.yml': PLAYBOOK, hosts: `target ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_python_interpreter=/usr/bin/python3\n` });
  const { state, console } = await runPipeline(utf8(`
        ansiblePlaybook(playbook: 'site.yml', inventory: 'hosts', credentialsId: 'key', disableHostKeyChecking: true, tags: 'untagged',
          extraVars: [out: "\${env.WORKSPACE}/ssh-out.txt", greeting: 'over ssh', hostile: 'x', secret: 's', extra: 'e'])`), { workspace: ws, credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, new RegExp(`\\$ ansible-playbook site\\.yml -i hosts -t untagged --private-key ${ws}@tmp/ssh[0-9a-f]+\\.key -u ${sshd.user} -e `));
  assert.match(console, /ok=1 +changed=1/);
  assert.match(readFileSync(path.join(ws, 'ssh-out.txt'), 'utf8'), /^greeting=over ssh\n/);
  for (const l of sshd.clientKey.split('\n').filter((x) => x.length >= 16)) assert.ok(!console.includes(l), 'a key line leaked');
  assert.deepEqual(tmpFiles(ws), [], 'the key file is removed');
});

test('ansibleAdhoc over SSH with a key that has a passphrase: ssh gets the passphrase from the askpass script; nothing of it in the console or left behind', async () => {
  const ws = workspace({ hosts: `target ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_python_interpreter=/usr/bin/python3\n` });
  const { state, console } = await runPipeline(utf8(`
        ansibleAdhoc(hosts: 'target', inventory: 'hosts', credentialsId: 'locked', disableHostKeyChecking: true, module: 'command', moduleArguments: 'echo over-ssh-with-passphrase')`), { workspace: ws, credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /target \| CHANGED \| rc=0 >>\nover-ssh-with-passphrase/);
  assert.ok(!console.includes(PASSPHRASE), 'the passphrase leaked');
  assert.deepEqual(tmpFiles(ws), [], 'the key, passphrase and askpass files are removed');
});

test('ansibleVault encrypts a file with a secret text credential and a playbook reads it with vaultCredentialsId; the password is never printed', async () => {
  const ws = workspace({
    'secrets.yml': 'db_password: s3cr3t-db\n',
    'read.yml': '- hosts: localhost\n  gather_facts: false\n  vars_files: [secrets.yml]\n  tasks:\n    - copy: { dest: "{{ playbook_dir }}/db.txt", content: "{{ db_password }}" }\n',
  });
  const { state, console } = await runPipeline(utf8(`
        ansibleVault(action: 'encrypt', input: 'secrets.yml', vaultCredentialsId: 'vault')
        sh 'head -n 1 secrets.yml'
        ansiblePlaybook(playbook: 'read.yml', inventoryContent: 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3', vaultCredentialsId: 'vault')`), { workspace: ws, credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, new RegExp(`\\$ ansible-vault encrypt --vault-password-file ${ws}@tmp/vault[0-9a-f]+\\.password secrets\\.yml\\n`));
  assert.match(console, /\$ANSIBLE_VAULT;/);
  assert.equal(readFileSync(path.join(ws, 'db.txt'), 'utf8'), 's3cr3t-db');
  assert.ok(!console.includes(VAULT_PASSWORD));
  assert.deepEqual(tmpFiles(ws), []);
});

test('ansibleAdhoc runs a module; a failing playbook fails the step with the plugin\'s message; wrong credential types and interactive vault actions are refused', async () => {
  const ws = workspace({ 'fail.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - fail: msg="boom from the playbook"\n' });
  const inv = 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3';
  let r = await runPipeline(utf8(`
        ansibleAdhoc(hosts: 'localhost', inventoryContent: '${inv}', module: 'command', moduleArguments: 'echo adhoc says hi')`), { workspace: ws });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /\$ ansible localhost -i \S+inventory[0-9a-f]+\.ini -m command -a "echo adhoc says hi"\n/);
  assert.match(r.console, /adhoc says hi/);
  r = await runPipeline(utf8(`ansiblePlaybook(playbook: 'fail.yml', inventoryContent: '${inv}')`), { workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /boom from the playbook/);
  assert.match(r.console, /Ansible playbook execution failed/);
  r = await runPipeline(utf8(`ansiblePlaybook(playbook: 'fail.yml', credentialsId: 'token')`), { workspace: ws, credentials });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /ansiblePlaybook: the credential 'token' is a secretText credential; credentialsId takes an SSH key or a username with password/);
  r = await runPipeline(utf8(`ansibleVault(action: 'edit', input: 'x.yml')`), { workspace: ws });
  assert.match(r.console, /edit: ansible-plugin does not support interactive vault actions such as create, edit, or view\./);
  assert.deepEqual(tmpFiles(ws), []);
});
