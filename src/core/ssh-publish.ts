// The SSH servers of the Publish Over SSH plugin (its global configuration): what an
// administrator configures on the controller (controller/ssh-publishers.ts, the settings
// document `publish-over-ssh`, GET|PUT /api/v1/settings/publish-over-ssh) and what
// `sshPublisher(publishers: [sshPublisherDesc(configName: 'x', ...)])` connects to
// (plugins/publish-over-ssh). Secrets are never here: a server names a credential (an SSH key,
// or a username with password), which the step resolves through the build's credential().
// The server's host key is pinned by its SHA256 fingerprint: the plugin trusts any host key,
// Kiln does not. Contracts only: imports nothing of src.

export interface SshServer {
  /** The configName steps use. */
  name: string;
  hostname: string;
  port: number;
  username: string;
  /** The remote root: transfers' remoteDirectory is under it (absolute, or relative to the user's home; '' = the home). */
  remoteDirectory: string;
  /** An sshKey or usernamePassword credential. */
  credentialsId: string;
  /** The host key's fingerprint, 'SHA256:...' as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** Connection timeout, ms. */
  timeoutMs: number;
}

export interface SshServers {
  servers(): Promise<SshServer[]>;
  /** Where an administrator configures them, for messages. */
  readonly configureHint: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[?[0-9A-Fa-f:.]+\]?$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** Checks one server as given (JSON); answers the server with defaults, or a problem naming the field. */
export function checkSshServer(v: unknown, where: string): SshServer | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${where}: a server must be an object`;
  const o = v as Record<string, unknown>;
  const known = ['name', 'hostname', 'port', 'username', 'remoteDirectory', 'credentialsId', 'hostKeyFingerprint', 'timeoutMs'];
  for (const k of Object.keys(o)) if (!known.includes(k)) return `${where}.${k}: not a field of a server (${known.join(', ')})`;
  const s = (k: string, re: RegExp | null, what: string, dflt?: string): string | { problem: string } => {
    const x = o[k] ?? dflt;
    if (typeof x !== 'string' || (re && !re.test(x))) return { problem: `${where}.${k}: ${what}` };
    return x;
  };
  const name = s('name', NAME, "1 to 100 letters, digits, ' ', '.', '_' or '-'");
  const hostname = s('hostname', HOST, 'a host name or IP address');
  const username = s('username', /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/, 'a user name');
  const remoteDirectory = s('remoteDirectory', /^[^\0\n]{0,1000}$/, 'a directory on the server', '');
  const credentialsId = s('credentialsId', /^[A-Za-z0-9._-]{1,200}$/, 'the id of an SSH key or username/password credential');
  const hostKeyFingerprint = s('hostKeyFingerprint', FINGERPRINT, "the host key's SHA256 fingerprint as `ssh-keygen -l -f key.pub` prints it (SHA256:...)");
  for (const x of [name, hostname, username, remoteDirectory, credentialsId, hostKeyFingerprint]) if (typeof x !== 'string') return x.problem;
  const port = o['port'] ?? 22;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `${where}.port: a port from 1 to 65535`;
  const timeoutMs = o['timeoutMs'] ?? 300_000;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 3_600_000) return `${where}.timeoutMs: from 1000 to 3600000`;
  return { name: name as string, hostname: hostname as string, port, username: username as string, remoteDirectory: remoteDirectory as string, credentialsId: credentialsId as string, hostKeyFingerprint: hostKeyFingerprint as string, timeoutMs };
}
