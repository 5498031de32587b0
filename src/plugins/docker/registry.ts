// Registry logins for one operation: `docker login --password-stdin` into a fresh DOCKER_CONFIG
// directory in the workspace's tmp area, removed afterwards, so credentials never land in the
// node's own ~/.docker and never outlive the pull, push or block that needed them.
import { randomBytes } from 'node:crypto';
import type { Workspace } from '../../core/workspace.ts';
import type { Credential } from '../../core/credentials.ts';
import { DockerError, docker, lastLines } from './cli.ts';

const DOCKER_HUB = /^(https?:\/\/)?(index\.docker\.io|registry-1\.docker\.io|docker\.io|hub\.docker\.com)(\/.*)?$/;

/** The registry's host[:port] from a registry URL ('https://reg.example.com:5000/' → 'reg.example.com:5000'); null for Docker Hub. */
export function registryHost(url: string | null): string | null {
  if (!url || DOCKER_HUB.test(url)) return null;
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/]+)/i.exec(url.trim());
  return m?.[1] ?? null;
}

/**
 * The image name with the registry's host in front, unless it names a registry already (its
 * first part has a '.' or ':' or is 'localhost'), as the Docker Pipeline plugin's imageName().
 */
export function qualifyImage(image: string, registryUrl: string | null): string {
  const host = registryHost(registryUrl);
  if (!host) return image;
  const first = image.split('/')[0] ?? '';
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return image;
  return `${host}/${image}`;
}

/**
 * Runs fn with the docker CLI environment it should use: logged in to the registry when a
 * credential is given (username/password), in a temporary DOCKER_CONFIG removed afterwards.
 */
export async function withRegistryLogin<T>(ws: Workspace, url: string | null, credentialsId: string | null,
  lookup: ((id: string) => Promise<Credential>) | null, env: Record<string, string>,
  fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  if (!credentialsId) return fn(env);
  if (!lookup) throw new DockerError(`registry credentials '${credentialsId}': this runner has no credentials store to take them from`);
  const cred = await lookup(credentialsId);
  if (cred.type !== 'usernamePassword' || cred.username === undefined || cred.password === undefined) {
    throw new DockerError(`registry credentials '${credentialsId}' must be a username with password (it is ${cred.type})`);
  }
  const dir = `${ws.tmp}/docker-config-${randomBytes(6).toString('hex')}`;
  await ws.mkdir(dir);
  try {
    const cliEnv = { ...env, DOCKER_CONFIG: dir };
    const host = registryHost(url);
    const r = await docker(ws, ['login', '--username', cred.username, '--password-stdin', ...(host ? [host] : [])], { env: cliEnv, stdin: cred.password });
    if (r.code !== 0) {
      throw new DockerError(`docker login to ${host ?? 'Docker Hub'} as '${cred.username}' (credentials '${credentialsId}') failed: ${lastLines(r.stderr)}`);
    }
    return await fn(cliEnv);
  } finally {
    await ws.remove(dir).catch(() => {});
  }
}
