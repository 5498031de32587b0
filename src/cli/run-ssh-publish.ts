// Publish Over SSH's servers for `kiln run` (core/ssh-publish.ts): the JSON file that
// KILN_SSH_SERVERS_FILE names, in the form the controller's PUT /api/v1/settings/publish-over-ssh
// takes ({ "servers": [ { name, hostname, port, username, remoteDirectory, credentialsId,
// hostKeyFingerprint } ] }); the credentials are --credentials entries. Read at each
// sshPublisher step; a file that cannot be used fails the step saying why.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { checkSshServer, type SshServer, type SshServers } from '../core/ssh-publish.ts';
import { StepFailure } from '../core/errors.ts';

export function localSshServers(env: Record<string, string | undefined>, cwd: string): SshServers {
  const file = env['KILN_SSH_SERVERS_FILE']?.trim() ? path.resolve(cwd, env['KILN_SSH_SERVERS_FILE'].trim()) : null;
  return {
    configureHint: 'kiln run reads SSH servers from the JSON file KILN_SSH_SERVERS_FILE names ({ "servers": [...] }, docs/publish-over-ssh.md)',
    async servers(): Promise<SshServer[]> {
      if (!file) return [];
      let doc: unknown;
      try {
        doc = JSON.parse(await fsp.readFile(file, 'utf8'));
      } catch (e) {
        throw new StepFailure(`KILN_SSH_SERVERS_FILE ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const list = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { servers?: unknown }).servers : undefined;
      if (!Array.isArray(list)) throw new StepFailure(`KILN_SSH_SERVERS_FILE ${file}: expected { "servers": [ ... ] }`);
      return list.map((s, i) => {
        const checked = checkSshServer(s, `servers[${i}]`);
        if (typeof checked === 'string') throw new StepFailure(`KILN_SSH_SERVERS_FILE ${file}: ${checked}`);
        return checked;
      });
    },
  };
}
