// The SSH plugin's launcher type `ssh`: agents whose record says `launcher { type: 'ssh', host,
// port, credentialsId, hostKey, ... }` are launched by the controller over SSH (manager.ts keeps
// each running, launcher.ts logs in and starts `kiln agent --stdio`). Before each launch the
// record is read again through the host: the SSH key credential (an sshKey credential with a
// username: anything else is refused with the reason, in the agent's launch log), the host key
// policy (a SHA256 fingerprint, known_hosts lines, or trust on first connect with the pinned
// fingerprint, saved into the record through the host), the work directory, labels, executors.
import type { LauncherType } from '../../core/plugin.ts';
import { SshAgents } from './manager.ts';
import type { HostKeyPolicy } from './launcher.ts';

/** The `ssh` launcher of an agent record, as the store checks it (store/types.ts AgentLauncher). */
interface SshLauncher {
  type: 'ssh';
  host: string;
  port: number;
  credentialsId: string;
  hostKey?: string | null;
  pinnedHostKey?: string | null;
  command?: string | null;
  install?: 'sftp' | null;
  path?: string | null;
  launchTimeoutSeconds?: number;
}

export const sshLauncher: LauncherType = {
  type: 'ssh',
  open(host) {
    return new SshAgents({
      settings: async (name) => {
        const rec = await host.agent(name);
        if (!rec || rec.launcher.type !== 'ssh') return null;
        const l = rec.launcher as unknown as SshLauncher;
        const cred = await host.credential(l.credentialsId, name);
        if (cred.type !== 'sshKey' || !cred.privateKey || !cred.username) {
          throw new Error(`credential '${l.credentialsId}' is a ${cred.type} credential; an SSH agent needs an SSH key with a username`);
        }
        const hostKey: HostKeyPolicy = !l.hostKey ? { type: 'tofu', pinned: l.pinnedHostKey ?? null }
          : /^SHA256:\S+$/.test(l.hostKey.trim()) ? { type: 'fingerprint', fingerprint: l.hostKey.trim() }
            : { type: 'knownHosts', content: l.hostKey };
        return {
          name, host: l.host, port: l.port, username: cred.username, privateKey: cred.privateKey, passphrase: cred.passphrase ?? null,
          hostKey,
          onPin: async (fp: string) => {
            const cur = await host.agent(name);
            if (cur?.launcher.type === 'ssh') await host.updateLauncher(name, { pinnedHostKey: fp });
          },
          workdir: rec.workdir ?? 'kiln-agent',
          ...(l.command ? { command: l.command } : {}),
          ...(l.install ? { install: l.install } : {}),
          ...(l.path ? { path: l.path } : {}),
          labels: [...rec.labels], executors: rec.executors,
          timeoutMs: (l.launchTimeoutSeconds ?? 60) * 1000,
        };
      },
      attach: (name, input, output, address) => { host.attach(name, input, output, address); },
      log: host.log,
    });
  },
};

export default [sshLauncher];
