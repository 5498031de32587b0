// Credentials for `kiln run`, from a JSON or YAML file the user keeps outside the repository:
//   tok:    { type: secretText, secret: "..." }
//   deploy: { type: usernamePassword, username: bot, password: "..." }
//   kube:   { type: secretFile, fileName: config, content: "..." }   (or contentBase64)
//   git:    { type: sshKey, privateKey: "-----BEGIN ...", username: git, passphrase: "..." }
//   tls:    { type: certificate, contentBase64: "...", password: "..." }
//   azure:  { type: azureServicePrincipal, subscriptionId: "<guid>", clientId: "<guid>", clientSecret: "...", tenantId: "<guid>" }
// Every problem is reported with the credential's id and the field.
import { parse as parseYaml } from 'yaml';
import type { Credential } from '../core/credentials.ts';

const TYPES: Record<Credential['type'], string[]> = {
  secretText: ['secret'],
  usernamePassword: ['username', 'password'],
  secretFile: [],
  sshKey: ['privateKey'],
  certificate: [],
  azureServicePrincipal: ['subscriptionId', 'clientId', 'clientSecret', 'tenantId'],
};

export function parseCredentialsFile(text: string, file: string): Map<string, Credential> {
  let data: unknown;
  try {
    data = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new Error(`${file}: not valid JSON or YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`${file}: expected a map of credential id → { type: ..., ... }`);
  }
  const out = new Map<string, Credential>();
  for (const [id, raw] of Object.entries(data as Record<string, unknown>)) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: credential '${id}' must be a map with a type`);
    const r = raw as Record<string, unknown>;
    const type = r.type;
    if (typeof type !== 'string' || !Object.hasOwn(TYPES, type)) {
      throw new Error(`${file}: credential '${id}' has type ${JSON.stringify(type)}; use one of ${Object.keys(TYPES).join(', ')}`);
    }
    const t = type as Credential['type'];
    for (const k of Object.keys(r)) {
      if (!['type', 'secret', 'username', 'password', 'fileName', 'content', 'contentBase64', 'privateKey', 'passphrase', 'description', 'subscriptionId', 'clientId', 'clientSecret', 'tenantId', 'azureEnvironmentName'].includes(k)) {
        throw new Error(`${file}: credential '${id}' has an unknown field '${k}'`);
      }
    }
    for (const k of TYPES[t]) {
      if (typeof r[k] !== 'string') throw new Error(`${file}: credential '${id}' (${t}) needs '${k}' as a string`);
    }
    const str = (k: string): string | undefined => (typeof r[k] === 'string' ? (r[k] as string) : r[k] === undefined ? undefined : String(r[k]));
    let content: Buffer | undefined;
    if (typeof r.contentBase64 === 'string') content = Buffer.from(r.contentBase64, 'base64');
    else if (typeof r.content === 'string') content = Buffer.from(r.content, 'utf8');
    if ((t === 'secretFile' || t === 'certificate') && !content) throw new Error(`${file}: credential '${id}' (${t}) needs 'content' or 'contentBase64'`);
    const c: Credential = { id, type: t };
    const secret = str('secret');
    if (secret !== undefined) c.secret = secret;
    const username = str('username');
    if (username !== undefined) c.username = username;
    const password = str('password');
    if (password !== undefined) c.password = password;
    const fileName = str('fileName');
    if (fileName !== undefined) {
      if (fileName.includes('/') || fileName === '..' || fileName === '.') throw new Error(`${file}: credential '${id}': fileName must be a plain file name`);
      c.fileName = fileName;
    }
    if (content) c.content = content;
    const privateKey = str('privateKey');
    if (privateKey !== undefined) c.privateKey = privateKey;
    const passphrase = str('passphrase');
    if (passphrase !== undefined) c.passphrase = passphrase;
    if (t === 'azureServicePrincipal') {
      c.subscriptionId = str('subscriptionId')!;
      c.clientId = str('clientId')!;
      c.clientSecret = str('clientSecret')!;
      c.tenantId = str('tenantId')!;
      c.azureEnvironmentName = str('azureEnvironmentName') ?? 'Azure';
    }
    out.set(id, c);
  }
  return out;
}
