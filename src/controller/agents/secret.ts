// Agent secrets and the command line that connects an agent.
//
// Why: as Jenkins' JENKINS_SECRET, an agent proves who it is with a secret derived from its
// name and a key only the controller holds, so the controller stores no per-agent secret, an
// agent's secret is worthless for another name, and rotating the key revokes them all.
//
// How: secret = hex(HMAC-SHA256(key, name)). Verification recomputes it and compares in
// constant time (no early exit that would tell an attacker how many characters were right).

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The secret of agent `name` under the controller key `key` (64 hex characters). */
export function agentSecret(key: string | Buffer, name: string): string {
  return createHmac('sha256', key).update(name, 'utf8').digest('hex');
}

/** Whether `secret` is agent `name`'s secret, in time independent of where it differs. */
export function verifyAgentSecret(key: string | Buffer, name: string, secret: string): boolean {
  const expected = Buffer.from(agentSecret(key, name), 'utf8');
  const given = Buffer.from(secret, 'utf8');
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected); // same work either way
    return false;
  }
  return timingSafeEqual(given, expected);
}

export interface AgentCommandOptions {
  /** The controller's base URL as agents reach it (http or https). */
  url: string;
  name: string;
  secret: string;
  workdir?: string;
  labels?: string[];
  executors?: number;
}

/** The exact `kiln agent ...` command that connects an agent, quoted for a POSIX shell. */
export function agentCommandLine(o: AgentCommandOptions): string {
  const args = ['kiln', 'agent', '--url', o.url, '--name', o.name, '--secret', o.secret];
  if (o.workdir !== undefined) args.push('--workdir', o.workdir);
  if (o.labels !== undefined && o.labels.length > 0) args.push('--labels', o.labels.join(','));
  if (o.executors !== undefined) args.push('--executors', String(o.executors));
  return args.map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
