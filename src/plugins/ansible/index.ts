// The ansible plugin: the pipeline steps of Jenkins' Ansible plugin (jenkinsci/ansible-plugin),
// declared as data (runtime.ts runs them on the node):
//   ansiblePlaybook(playbook: 'site.yml', inventory: 'hosts.ini', credentialsId: 'ssh-key',
//                   vaultCredentialsId: 'vault', become: true, limit: 'web', tags: 'deploy',
//                   extraVars: [version: '1.2', token: [value: '...', hidden: true]], extras: '-v')
//   ansibleAdhoc(hosts: 'all', module: 'ping', moduleArguments: '...', inventory: ...)
//   ansibleVault(action: 'encrypt', input: 'secrets.yml', vaultCredentialsId: 'vault')
// Each builds the ansible command line as the plugin does and runs it as an argv on the node.
// An installation is a tool of type `ansible` (KILN_TOOL_<NAME>: the directory holding
// ansible-playbook, as the plugin's installation home); none: the executables on the node's PATH.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Ansible';
const s = (name: string, doc: string, extra: Partial<StepParam> = {}): StepParam => ({ name, type: 'string', doc, ...extra });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

const INSTALLATION = s('installation', 'an ansible tool (KILN_TOOL_<NAME>: the directory holding the ansible executables); default: the ones on the node\'s PATH');
const INVENTORY: StepParam[] = [
  s('inventory', 'the inventory file (-i), relative to the workspace'),
  s('inventoryContent', 'the inventory itself, written to a temporary file passed as -i (removed after)'),
  b('dynamicInventory', 'inventoryContent is an executable dynamic inventory script (mode 0500)'),
];
const CONNECTION: StepParam[] = [
  s('credentialsId', 'an SSH key credential (--private-key from a 0400 temporary file removed after, -u its username) or a username/password one (-u, -k through sshpass)'),
  s('vaultCredentialsId', 'a secret text or secret file credential holding the vault password (--vault-password-file, a temporary file removed after)'),
  b('become', 'run operations with become (-b)'),
  s('becomeUser', "the user to become (--become-user; default 'root')"),
  b('sudo', 'the older -s (sudo); refused by ansible-core 2.x'),
  s('sudoUser', "the older -U (sudo user; default 'root')"),
  { name: 'forks', type: 'integer', doc: 'parallel processes (-f N; 0: ansible\'s default)' },
  { name: 'extraVars', type: 'map', doc: "extra variables (-e key=value each): [key: 'value', secret: [value: 'x', hidden: true]]; a hidden value is masked in the printed command" },
  s('extras', 'more arguments, split on spaces (quotes group), $VARS expanded; they reach ansible as arguments, never through a shell'),
  b('colorized', 'colored output (ANSIBLE_FORCE_COLOR=true)'),
  b('disableHostKeyChecking', 'do not check the SSH host keys (ANSIBLE_HOST_KEY_CHECKING=False)'),
  b('hostKeyChecking', 'deprecated and ignored (the plugin ignores it too)'),
];

const playbook: StepDecl = {
  name: 'ansiblePlaybook',
  doc: "Invoke an ansible playbook: ansiblePlaybook(playbook: 'site.yml', inventory: 'hosts', credentialsId: 'ssh-key', extraVars: [v: '1'])",
  block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, positional: 'playbook',
  params: [
    s('playbook', 'the playbook file, relative to the workspace', { required: true }),
    INSTALLATION, ...INVENTORY,
    s('limit', 'further limit the hosts (-l)'),
    s('tags', 'only the tasks with these tags (-t)'),
    s('skippedTags', 'skip the tasks with these tags (--skip-tags=...)'),
    s('startAtTask', 'start at this task (--start-at-task=...)'),
    ...CONNECTION,
  ],
  differs: 'a username/password credential passes its password to sshpass in the SSHPASS environment variable (sshpass -e), not on the command line',
};

const adhoc: StepDecl = {
  name: 'ansibleAdhoc',
  doc: "Invoke an ansible ad-hoc command: ansibleAdhoc(hosts: 'all', module: 'shell', moduleArguments: 'uptime', inventory: 'hosts')",
  block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, positional: 'hosts',
  params: [
    s('hosts', 'the host pattern', { required: true }),
    s('module', 'the module (-m)'),
    s('moduleArguments', "the module's arguments (-a)"),
    INSTALLATION, ...INVENTORY, ...CONNECTION,
  ],
  differs: 'as ansiblePlaybook',
};

const vault: StepDecl = {
  name: 'ansibleVault',
  doc: "Encrypt or decrypt with ansible-vault: ansibleVault(action: 'encrypt', input: 'vars/secrets.yml', vaultCredentialsId: 'vault')",
  block: 'none', needsNode: true, jenkinsPlugin: PLUGIN,
  params: [
    s('action', "the ansible-vault action: encrypt, decrypt, rekey, encrypt_string (default 'encrypt'); the interactive create, edit and view are refused"),
    s('vaultCredentialsId', 'a secret text or secret file credential holding the vault password'),
    s('newVaultCredentialsId', 'rekey: the credential holding the new vault password'),
    s('content', 'encrypt_string: the string to encrypt (masked in the printed command)'),
    s('input', 'the file to act on, relative to the workspace'),
    s('output', 'where to write the result (--output)'),
    INSTALLATION,
  ],
};

export const ansiblePlugin: PipelinePlugin = {
  name: 'ansible',
  doc: 'The Ansible plugin: ansiblePlaybook, ansibleAdhoc and ansibleVault run ansible-playbook, ansible and ansible-vault on the node',
  steps: [playbook, adhoc, vault],
  runtime: async () => (await import('./runtime.ts')).default,
};
