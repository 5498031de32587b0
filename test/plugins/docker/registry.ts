// A private Docker registry for the tests: Debian's docker-registry binary on a free 127.0.0.1
// port (dockerd treats 127.0.0.0/8 as an insecure registry, so plain HTTP works), its own
// config file and storage in a temp directory, optionally with htpasswd basic auth
// (test/fixtures/docker/htpasswd: kiln / kiln-pass). Stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp.ts';
import { freePort } from '../../helpers/ports.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const HTPASSWD = fileURLToPath(new URL('../../fixtures/docker/htpasswd', import.meta.url));
export const REGISTRY_USER = { username: 'kiln', password: 'kiln-pass' };

export interface TestRegistry {
  /** host:port */
  host: string;
  url: string;
  stop(): Promise<void>;
}

export async function startRegistry(o: { auth?: boolean } = {}): Promise<TestRegistry> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: run scripts/test-prereqs.sh as root (it installs Debian's docker-registry)`);
  const dir = tempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log: { level: error }',
    `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }`,
    `http: { addr: "${host}", secret: kiln-test-secret }`,
    ...(o.auth ? [`auth: { htpasswd: { realm: kiln-test, path: ${HTPASSWD} } }`] : []),
  ].join('\n') + '\n');
  const proc: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  // Ready when it answers /v2/ (401 with auth, 200 without).
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited at start (${proc.exitCode}): ${stderr}`);
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ok) break;
    if (i > 100) throw new Error(`docker-registry did not answer on ${host} within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    url: `http://${host}`,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
