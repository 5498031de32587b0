// withCredentials: binds credentials to variables for the block, masks them in the output (saying
// which variables, as Jenkins' "Masking supported pattern matches of $A or $B"; a username is
// public, as credentials' usernameSecret defaults to false), and removes any secret files when
// the block ends, however it ends.
import { randomUUID } from 'node:crypto';
import path from 'node:path/posix';
import type { StepRun } from '../plugin.ts';
import { type StepContext } from './types.ts';
import type { Credential } from '../../core/credentials.ts';
import { StepFailure } from '../../core/errors.ts';
import { list } from './args.ts';
import { isMap, type Value } from '../script/values.ts';

interface Bound {
  env: Record<string, string>;
  secrets: string[];
  files: string[];
  /** The variables whose values are masked, in binding order (Jenkins' "Masking supported pattern matches of $A or $B"); a username is public. */
  masked: string[];
}

async function secretFile(ctx: StepContext, bound: Bound, name: string, data: Buffer | string, mode = 0o600): Promise<string> {
  const ws = ctx.workspace();
  const file = `${ws.tmp}/secretFiles/${randomUUID()}/${path.basename(name) || 'secret'}`;
  await ws.writeFile(file, data, mode);
  bound.files.push(file.slice(0, file.lastIndexOf('/')));
  // Jenkins masks every value a binding sets, the file's path too (`+ cat ****`), unless it is public (a username).
  bound.secrets.push(file);
  return file;
}

/** gitUsernamePassword's askpass script: git calls it with its prompt and reads the answer. */
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$GIT_USERNAME" ;;
  Password*) printf '%s\\n' "$GIT_PASSWORD" ;;
esac
`;

function want(c: Credential, types: Credential['type'][], symbol: string): void {
  if (!types.includes(c.type)) throw new StepFailure(`withCredentials: ${symbol}(credentialsId: '${c.id}') needs a ${types.join(' or ')} credential, but '${c.id}' is a ${c.type}`);
}

async function bindOne(ctx: StepContext, b: Value, bound: Bound): Promise<void> {
  if (!isMap(b)) throw new StepFailure(`withCredentials: each binding must be like string(credentialsId: 'id', variable: 'NAME'), got ${String(b)}`);
  const symbol = String(b.get('$symbol') ?? b.get('$class') ?? '?');
  const get = (k: string): string => {
    const v = b.get(k);
    if (v === undefined || v === null || v === '') throw new StepFailure(`withCredentials: ${symbol} binding is missing ${k}`);
    return String(v);
  };
  const opt = (k: string): string | null => { const v = b.get(k); return v === undefined || v === null || v === '' ? null : String(v); };
  const c = await ctx.build.services.credential(get('credentialsId'));
  switch (symbol) {
    case 'string':
      want(c, ['secretText'], symbol);
      bound.env[get('variable')] = c.secret ?? '';
      bound.masked.push(get('variable'));
      bound.secrets.push(c.secret ?? '');
      break;
    case 'usernamePassword':
      want(c, ['usernamePassword'], symbol);
      bound.env[get('usernameVariable')] = c.username ?? '';
      bound.env[get('passwordVariable')] = c.password ?? '';
      bound.masked.push(get('passwordVariable'));
      bound.secrets.push(c.password ?? '');
      break;
    case 'usernameColonPassword':
      want(c, ['usernamePassword'], symbol);
      bound.env[get('variable')] = `${c.username ?? ''}:${c.password ?? ''}`;
      bound.masked.push(get('variable'));
      bound.secrets.push(`${c.username ?? ''}:${c.password ?? ''}`, c.password ?? '');
      break;
    case 'file':
      want(c, ['secretFile'], symbol);
      bound.env[get('variable')] = await secretFile(ctx, bound, c.fileName ?? 'secret', c.content ?? Buffer.alloc(0));
      bound.masked.push(get('variable'));
      break;
    case 'sshUserPrivateKey': {
      want(c, ['sshKey'], symbol);
      bound.env[get('keyFileVariable')] = await secretFile(ctx, bound, 'id_key', c.privateKey ?? '');
      bound.masked.push(get('keyFileVariable'));
      const pv = opt('passphraseVariable');
      if (pv) { bound.env[pv] = c.passphrase ?? ''; bound.secrets.push(c.passphrase ?? ''); bound.masked.push(pv); }
      const uv = opt('usernameVariable');
      if (uv) bound.env[uv] = c.username ?? '';
      bound.secrets.push(...(c.privateKey ?? '').split('\n').filter((l) => l.length >= 16));
      break;
    }
    case 'certificate': {
      want(c, ['certificate'], symbol);
      bound.env[get('keystoreVariable')] = await secretFile(ctx, bound, 'keystore', c.content ?? Buffer.alloc(0));
      bound.masked.push(get('keystoreVariable'));
      const pv = opt('passwordVariable');
      if (pv) { bound.env[pv] = c.password ?? ''; bound.secrets.push(c.password ?? ''); bound.masked.push(pv); }
      break;
    }
    case 'azureServicePrincipal': {
      // The Azure Credentials plugin's AzureCredentialsBinding: its four variables (default names
      // AZURE_*), every value masked, as that MultiBinding masks all it binds.
      want(c, ['azureServicePrincipal'], symbol);
      const vars: [string, string, string | undefined][] = [
        ['subscriptionIdVariable', 'AZURE_SUBSCRIPTION_ID', c.subscriptionId], ['clientIdVariable', 'AZURE_CLIENT_ID', c.clientId],
        ['clientSecretVariable', 'AZURE_CLIENT_SECRET', c.clientSecret], ['tenantIdVariable', 'AZURE_TENANT_ID', c.tenantId],
      ];
      for (const [param, dflt, value] of vars) {
        const name = opt(param)?.trim() || dflt;
        bound.env[name] = value ?? '';
        bound.masked.push(name);
        bound.secrets.push(value ?? '');
      }
      break;
    }
    case 'gitUsernamePassword':
    case 'GitUsernamePassword': {
      // The Git plugin's GitUsernamePasswordBinding: GIT_USERNAME (public, as a username is) and
      // GIT_PASSWORD, an askpass script in a temporary directory answering git's "Username for"
      // / "Password for" prompts from them (GIT_ASKPASS), and no terminal prompt. Any `git` the
      // block runs over HTTPS authenticates with the credential; the password never reaches argv.
      want(c, ['usernamePassword'], symbol);
      bound.env.GIT_USERNAME = c.username ?? '';
      bound.env.GIT_PASSWORD = c.password ?? '';
      bound.secrets.push(c.password ?? '');
      bound.env.GIT_ASKPASS = await secretFile(ctx, bound, 'askpass.sh', ASKPASS, 0o500);
      bound.env.GIT_TERMINAL_PROMPT = 'false';
      bound.masked.push('GIT_PASSWORD', 'GIT_ASKPASS');
      break;
    }
    default:
      throw new StepFailure(`withCredentials: unknown binding ${symbol}(...) (use string, usernamePassword, usernameColonPassword, file, sshUserPrivateKey, certificate, azureServicePrincipal, gitUsernamePassword)`);
  }
}

export const run: StepRun = async (ctx, args) => {
  const bound: Bound = { env: {}, secrets: [], files: [], masked: [] };
  try {
    for (const b of list(args, 'bindings') ?? []) await bindOne(ctx, b, bound);
    if (bound.masked.length > 0) ctx.log(`Masking supported pattern matches of ${bound.masked.map((v) => `$${v}`).join(' or ')}`);
    const secrets = bound.secrets.filter((s) => s.length > 0);
    return args.body ? await ctx.runBody(args.body, { env: bound.env, secrets }) : null;
  } finally {
    if (bound.files.length > 0) {
      const ws = ctx.workspace();
      for (const dir of bound.files) await ws.remove(dir).catch(() => {});
    }
  }
};
