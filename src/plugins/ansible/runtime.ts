// What the ansible plugin's steps do (declared in index.ts), as the Ansible plugin's
// AnsiblePlaybookInvocation / AnsibleAdHocCommandInvocation / AnsibleVaultInvocation:
//   - the executable: ansible-playbook / ansible / ansible-vault in the installation's directory
//     (a tool of type ansible: KILN_TOOL_<NAME>), or on the node's PATH without one.
//   - the command line, in the plugin's order: [sshpass -e] exe, the playbook (or host pattern,
//     -m module, -a args), -i inventory, -l limit, -t tags, --skip-tags=..., --start-at-task=...,
//     -b --become-user U, -s -U U, -f forks, --private-key FILE -u USER (or -u USER -k),
//     --vault-password-file FILE, -e key=value per extra variable (a value holding whitespace is
//     single-quoted, as Jenkins' Util.singleQuote), then extras split on spaces (quotes group).
//     ${VAR}/$VAR in the values are expanded from the build's environment, as the plugin's
//     envVars.expand; an option whose value expands to nothing is left out with the plugin's
//     "[WARNING] parameter X is empty. Omitting option '-l'.".
//   - the key, the askpass script of a key's passphrase, the vault password files and an inline
//     inventory are temporary files in the workspace's @tmp area (0400 / 0500 / 0700), removed
//     after the run whatever happened.
//   - environment: PYTHONUNBUFFERED=1, ANSIBLE_FORCE_COLOR=true (colorized),
//     ANSIBLE_HOST_KEY_CHECKING=False (disableHostKeyChecking).
//   - the command is printed first as Jenkins' launcher does (`[ws] $ ansible-playbook ...`, an
//     argument with a space in quotes),
//     hidden extra variables and the encrypt_string content as ********, and it runs as an argv
//     (no shell: values with shell characters reach ansible as they are). A non-zero exit fails
//     the step: "Ansible playbook execution failed" (ad-hoc: "Ansible Ad-Hoc command execution
//     failed", vault: "Ansible vault command execution failed").
// The credentials' secrets and the hidden values are masked in ansible's output too.
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import type { Workspace } from '../../core/workspace.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { secretsOf, type Credential } from '../../core/credentials.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { resolveTool } from '../../pipeline/steps/tool.ts';
import { bool, num, str } from '../../pipeline/steps/args.ts';
import { expandEnv } from '../../pipeline/steps/report-patterns.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import { splitQuoted } from '../../util/tokenize.ts';

const MASKED = '********';

/** One argument of the command line; a masked one prints as ********. */
interface Arg { value: string; masked?: boolean }

/** Jenkins' Util.fixEmptyAndTrim. */
function opt(args: StepArgs, name: string): string | undefined {
  return str(args, name)?.trim() || undefined;
}

/** The command as Jenkins' Launcher.printCommandLine prints it: an argument with a space in quotes (single ones when it holds a double quote), a masked one as ********. */
export function printable(argv: readonly Arg[]): string {
  return argv.map((a) => {
    if (a.masked) return MASKED;
    if (!a.value.includes(' ')) return a.value;
    return a.value.includes('"') ? `'${a.value}'` : `"${a.value}"`;
  }).join(' ');
}

/** An extra variable of `extraVars`: a value, or [value:, hidden:]. */
export interface ExtraVar { key: string; value: string; hidden: boolean }

export function extraVarsOf(step: string, v: Value | undefined): ExtraVar[] {
  if (v === undefined || v === null) return [];
  if (!isMap(v)) throw new StepFailure(`${step}: extraVars must be a map: extraVars: [key: 'value', secret: [value: 'x', hidden: true]]`);
  const out: ExtraVar[] = [];
  for (const [key, o] of v) {
    if (isMap(o)) {
      const value = o.get('value');
      if (value === undefined || value === null) throw new StepFailure(`${step}: extraVars.${key}: a map value needs value: [value: 'x', hidden: true]`);
      const hidden = o.get('hidden');
      out.push({ key, value: String(value), hidden: hidden === true || hidden === 'true' });
    } else {
      out.push({ key, value: o === null ? 'null' : String(o), hidden: false });
    }
  }
  return out;
}

/** Builds one invocation: its argv, environment, temporary files and the secrets to mask. */
class Invocation {
  readonly argv: Arg[] = [];
  readonly env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
  readonly secrets: string[] = [];
  readonly #files: string[] = [];
  readonly #ctx: StepContext;
  readonly #ws: Workspace;

  constructor(ctx: StepContext) {
    this.#ctx = ctx;
    this.#ws = ctx.workspace();
  }

  expand(s: string): string {
    return expandEnv(this.#ctx, s);
  }

  add(...values: string[]): void {
    for (const value of values) this.argv.push({ value });
  }

  /** The plugin's addOptionAndValue: `option value`, left out (with its warning) when the value expands to nothing. */
  option(option: string, value: string | undefined, joined = false): void {
    if (!value?.trim()) return;
    const v = this.expand(value);
    if (!v.trim()) {
      this.#ctx.log(`[WARNING] parameter ${value} is empty. Omitting option '${option}'.`);
      return;
    }
    if (joined) this.add(`${option}=${v}`);
    else this.add(option, v);
  }

  async tempFile(prefix: string, suffix: string, data: string | Buffer, mode: number): Promise<string> {
    const file = path.join(this.#ws.tmp, `${prefix}${randomBytes(8).toString('hex')}${suffix}`);
    await this.#ws.mkdir(this.#ws.tmp);
    this.#files.push(file);
    await this.#ws.writeFile(file, data, mode);
    return file;
  }

  async cleanUp(): Promise<void> {
    for (const f of this.#files) {
      await this.#ws.remove(f).catch(() => this.#ctx.log(`[WARNING] temp file ${f} not deleted`));
    }
  }
}

async function credentialOf(ctx: StepContext, id: string, types: readonly Credential['type'][], what: string): Promise<Credential> {
  let c: Credential;
  try {
    c = await ctx.build.services.credential(id);
  } catch (e) {
    throw new StepFailure(`${ctx.stepName}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!types.includes(c.type)) throw new StepFailure(`${ctx.stepName}: the credential '${id}' is a ${c.type} credential; ${what}`);
  return c;
}

/** Inventory: a path (-i path) or inline content in a temporary file. */
async function appendInventory(inv: Invocation, args: StepArgs): Promise<void> {
  const file = opt(args, 'inventory');
  const content = opt(args, 'inventoryContent');
  if (file) inv.add('-i', inv.expand(file));
  else if (content) {
    const dynamic = bool(args, 'dynamicInventory', false);
    inv.add('-i', await inv.tempFile('inventory', '.ini', inv.expand(content), dynamic ? 0o500 : 0o400));
  }
}

function appendBecome(inv: Invocation, args: StepArgs): void {
  if (bool(args, 'become', false)) {
    inv.add('-b');
    inv.option('--become-user', opt(args, 'becomeUser') ?? 'root');
  }
  if (bool(args, 'sudo', false)) {
    inv.add('-s');
    inv.option('-U', opt(args, 'sudoUser') ?? 'root');
  }
}

function appendForks(inv: Invocation, args: StepArgs): void {
  const forks = num(args, 'forks') ?? 0;
  if (forks > 0) inv.add('-f', String(Math.trunc(forks)));
}

/** The connection credential; returns the sshpass prefix a username/password one needs. */
async function appendCredentials(ctx: StepContext, inv: Invocation, args: StepArgs): Promise<Arg[]> {
  const id = opt(args, 'credentialsId');
  if (!id) return [];
  const c = await credentialOf(ctx, id, ['sshKey', 'usernamePassword'], 'credentialsId takes an SSH key or a username with password');
  inv.secrets.push(...secretsOf(c));
  if (c.type === 'sshKey') {
    const key = await inv.tempFile('ssh', '.key', (c.privateKey ?? '').endsWith('\n') ? c.privateKey! : `${c.privateKey ?? ''}\n`, 0o400);
    inv.add('--private-key', key.replaceAll('%', '%%'));
    if (c.username) inv.add('-u', c.username);
    if (c.passphrase) {
      // ssh asks the askpass program for the key's passphrase (no terminal: forced).
      const pass = await inv.tempFile('ssh', '.pass', c.passphrase, 0o400);
      inv.env.SSH_ASKPASS = await inv.tempFile('ssh', '.sh', `#!/bin/sh\ncat '${pass.replaceAll("'", "'\\''")}'\n`, 0o700);
      inv.env.SSH_ASKPASS_REQUIRE = 'force';
      if (!ctx.env.DISPLAY) inv.env.DISPLAY = ':123.456';
    }
    return [];
  }
  inv.add('-u', c.username ?? '', '-k');
  inv.env.SSHPASS = c.password ?? '';
  return [{ value: 'sshpass' }, { value: '-e' }];
}

async function vaultFile(ctx: StepContext, inv: Invocation, id: string | undefined, option: string): Promise<void> {
  if (!id) return;
  const c = await credentialOf(ctx, id, ['secretText', 'secretFile'], `${option === '--vault-password-file' ? 'vaultCredentialsId' : 'newVaultCredentialsId'} takes a secret text or a secret file`);
  inv.secrets.push(...secretsOf(c));
  const data = c.type === 'secretText' ? (c.secret ?? '') : (c.content ?? Buffer.alloc(0));
  if (c.type === 'secretFile') inv.secrets.push(...data.toString('utf8').split(/\r?\n/).filter((l) => l.trim().length >= 4));
  inv.add(option, (await inv.tempFile('vault', '.password', data, 0o400)).replaceAll('%', '%%'));
}

function appendExtraVars(inv: Invocation, vars: ExtraVar[]): void {
  for (const v of vars) {
    let value = inv.expand(v.value);
    if (/\s/.test(value)) value = `'${value}'`;
    const arg = `${inv.expand(v.key)}=${value}`;
    inv.argv.push({ value: '-e' }, { value: arg, masked: v.hidden });
    if (v.hidden) inv.secrets.push(arg, v.value, value);
  }
}

function appendExtras(inv: Invocation, args: StepArgs): void {
  const extras = opt(args, 'extras');
  if (extras) inv.add(...splitQuoted(inv.expand(extras)));
}

function executable(ctx: StepContext, args: StepArgs, command: string): string {
  const installation = opt(args, 'installation');
  if (!installation) return command;
  const home = resolveTool(ctx.env, installation, 'ansible', ctx.workspace().nodeName).replace(/\/+$/, '');
  return path.join(home, command);
}

/** Masks `secrets` in a stream's output, line by line (a secret never spans lines it is not in). */
function masking(ctx: StepContext, secrets: string[]): { write: (chunk: Buffer, stream: 'stdout' | 'stderr') => void; flush: () => void } {
  const list = [...new Set(secrets.filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
  const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const mask = (t: string): string => list.reduce((acc, s) => acc.split(s).join(MASKED), t);
  return {
    write(chunk, stream) {
      if (list.length === 0) { ctx.write(chunk, stream); return; }
      const text = pending[stream] + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      pending[stream] = text.slice(cut);
      if (cut > 0) ctx.write(Buffer.from(mask(text.slice(0, cut))), stream);
    },
    flush() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream]) ctx.write(Buffer.from(mask(pending[stream])), stream);
        pending[stream] = '';
      }
    },
  };
}

async function run(ctx: StepContext, inv: Invocation, prefix: Arg[], failure: string): Promise<void> {
  const argv = [...prefix, ...inv.argv];
  const cwd = ctx.cwd ?? ctx.workspace().root;
  ctx.log(`[${cwd}] $ ${printable(argv)}`);
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...rest } = { ...ctx.env, ...inv.env };
  const env = ctx.container && prepend ? { ...rest, [PATH_PREPEND_ENV]: prepend } : rest;
  const out = masking(ctx, inv.secrets);
  const r = await ctx.workspace().exec({
    argv: argv.map((a) => a.value), cwd, env,
    ...(ctx.container ? { container: ctx.container } : {}),
    signal: ctx.signal,
    onOutput: (chunk, stream) => out.write(chunk, stream ?? 'stdout'),
  }).catch((e: unknown) => {
    out.flush();
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw new StepFailure(`${argv[0]!.value} could not be started: ${e instanceof Error ? e.message : String(e)}; install Ansible on the node or name an ansible tool installation (KILN_TOOL_<NAME>)`);
  });
  out.flush();
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  if ((r.exitCode ?? 1) !== 0) throw new StepFailure(failure);
}

/** Runs `build` (which fills the invocation), then the command; the temporary files go whatever happens. */
async function invoke(ctx: StepContext, build: (inv: Invocation) => Promise<Arg[]>, failure: string): Promise<null> {
  const inv = new Invocation(ctx);
  try {
    const prefix = await build(inv);
    await run(ctx, inv, prefix, failure);
  } finally {
    await inv.cleanUp();
  }
  return null;
}

const ansiblePlaybook: StepRun = async (ctx, args) => {
  const playbook = opt(args, 'playbook');
  if (!playbook) throw new StepFailure('ansiblePlaybook: Path to playbook must not be empty');
  const vars = extraVarsOf('ansiblePlaybook', args.values.extraVars);
  const exe = executable(ctx, args, 'ansible-playbook');
  return invoke(ctx, async (inv) => {
    inv.add(exe, inv.expand(playbook));
    await appendInventory(inv, args);
    inv.option('-l', opt(args, 'limit'));
    inv.option('-t', opt(args, 'tags'));
    inv.option('--skip-tags', opt(args, 'skippedTags'), true);
    inv.option('--start-at-task', opt(args, 'startAtTask'), true);
    appendBecome(inv, args);
    appendForks(inv, args);
    const prefix = await appendCredentials(ctx, inv, args);
    await vaultFile(ctx, inv, opt(args, 'vaultCredentialsId'), '--vault-password-file');
    appendExtraVars(inv, vars);
    appendExtras(inv, args);
    environment(inv, args);
    return prefix;
  }, 'Ansible playbook execution failed');
};

function environment(inv: Invocation, args: StepArgs): void {
  if (bool(args, 'colorized', false)) inv.env.ANSIBLE_FORCE_COLOR = 'true';
  if (bool(args, 'disableHostKeyChecking', false)) inv.env.ANSIBLE_HOST_KEY_CHECKING = 'False';
}

const ansibleAdhoc: StepRun = async (ctx, args) => {
  const hosts = opt(args, 'hosts');
  if (!hosts) throw new StepFailure('ansibleAdhoc: Host pattern must not be empty');
  const vars = extraVarsOf('ansibleAdhoc', args.values.extraVars);
  const exe = executable(ctx, args, 'ansible');
  return invoke(ctx, async (inv) => {
    inv.add(exe, inv.expand(hosts));
    await appendInventory(inv, args);
    inv.option('-m', opt(args, 'module'));
    inv.option('-a', opt(args, 'moduleArguments'));
    appendBecome(inv, args);
    appendForks(inv, args);
    const prefix = await appendCredentials(ctx, inv, args);
    await vaultFile(ctx, inv, opt(args, 'vaultCredentialsId'), '--vault-password-file');
    appendExtraVars(inv, vars);
    appendExtras(inv, args);
    environment(inv, args);
    return prefix;
  }, 'Ansible Ad-Hoc command execution failed');
};

const ansibleVault: StepRun = async (ctx, args) => {
  const action = opt(args, 'action') ?? 'encrypt';
  if (['edit', 'create', 'view'].includes(action)) throw new StepFailure(`${action}: ansible-plugin does not support interactive vault actions such as create, edit, or view.`);
  if (!/^[a-z_]+$/.test(action)) throw new StepFailure(`ansibleVault: '${action}' is not an ansible-vault action (encrypt, decrypt, rekey, encrypt_string)`);
  const exe = executable(ctx, args, 'ansible-vault');
  return invoke(ctx, async (inv) => {
    inv.add(exe, action);
    await vaultFile(ctx, inv, opt(args, 'vaultCredentialsId'), '--vault-password-file');
    await vaultFile(ctx, inv, opt(args, 'newVaultCredentialsId'), '--new-vault-password-file');
    const output = opt(args, 'output');
    if (output) inv.add('--output', output);
    const content = str(args, 'content');
    if (content) {
      inv.argv.push({ value: content, masked: true });
      inv.secrets.push(content);
    }
    const input = opt(args, 'input');
    if (input) inv.add(input);
    return [];
  }, 'Ansible vault command execution failed');
};

const runtime: PluginRuntime = { steps: { ansiblePlaybook, ansibleAdhoc, ansibleVault } };
export default runtime;
