// SshAgents: keeps every SSH-launched agent running. For each started agent a loop launches
// it (launcher.ts), waits for the SSH connection to end, and launches it again after a delay
// that doubles from `initialMs` to `maxMs` (reset after a connection that lasted a minute).
// Each agent has a launch log (the last `logLines` lines, timestamped) that the agent's page
// shows: what was tried, what failed and why, when the next attempt comes.
//
// The hub keeps the agent's session for its grace period across a drop; the relaunched
// `kiln agent --stdio` relays to the still-running agent process (cli/agent.ts), so running
// builds go on as after a WebSocket reconnect.

import type { Readable, Writable } from 'node:stream';
import type { LogLine } from '../../util/log.ts';
import { launchSshAgent, SshLaunchError, type SshAgentConnection, type SshLaunchOptions } from './launcher.ts';

export interface SshAgentsOptions {
  /** Current launch settings of agent `name` (read again before every attempt); null = not an SSH agent any more. */
  settings: (name: string, log: (line: string) => void) => Promise<Omit<SshLaunchOptions, 'log'> | null>;
  /** Hands the agent's channel to the hub. */
  attach: (name: string, input: Readable, output: Writable, address: string) => void;
  /** Relaunch delays. Default 1 s doubling to 60 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Lines kept per launch log. Default 500. */
  logLines?: number;
  /** The controller's log. */
  /** The controller's log (the launch log of each agent is kept here, `log(name)`). */
  log?: LogLine;
}

interface Entry {
  stopped: boolean;
  conn: SshAgentConnection | null;
  wake: (() => void) | null;
  lastError: SshLaunchError | Error | null;
  done: Promise<void>;
}

export class SshAgents {
  readonly #o: SshAgentsOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #logs = new Map<string, string[]>();

  constructor(options: SshAgentsOptions) {
    this.#o = options;
  }

  /** The launch log of agent `name` (oldest first). */
  log(name: string): string[] {
    return [...(this.#logs.get(name) ?? [])];
  }

  /** The last launch error, if the last attempt failed. */
  lastError(name: string): Error | null {
    return this.#entries.get(name)?.lastError ?? null;
  }

  isRunning(name: string): boolean {
    return this.#entries.has(name);
  }

  /** The live SSH connection of agent `name`, if any. */
  connection(name: string): SshAgentConnection | null {
    return this.#entries.get(name)?.conn ?? null;
  }

  /** Starts (or keeps) the launch loop of agent `name`. */
  start(name: string): void {
    if (this.#entries.has(name)) return;
    const e: Entry = { stopped: false, conn: null, wake: null, lastError: null, done: Promise.resolve() };
    this.#entries.set(name, e);
    e.done = this.#loop(name, e);
  }

  /** Stops relaunching agent `name` and closes its SSH connection (after up to `graceMs` for the agent to exit). */
  async stop(name: string, graceMs = 2000): Promise<void> {
    const e = this.#entries.get(name);
    if (!e) return;
    this.#entries.delete(name);
    e.stopped = true;
    e.wake?.();
    const conn = e.conn;
    if (conn) {
      // An agent whose session the hub ended exits by itself; give it a moment before hanging up.
      let t: NodeJS.Timeout | undefined;
      await Promise.race([conn.closed, new Promise((r) => { t = setTimeout(r, graceMs); })]);
      clearTimeout(t);
      conn.close();
    }
    await e.done;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((n) => this.stop(n)));
  }

  #append(name: string, line: string): void {
    let l = this.#logs.get(name);
    if (!l) this.#logs.set(name, l = []);
    l.push(`${new Date().toISOString()} ${line}`);
    const max = this.#o.logLines ?? 500;
    if (l.length > max) l.splice(0, l.length - max);
  }

  async #loop(name: string, e: Entry): Promise<void> {
    const initial = this.#o.backoff?.initialMs ?? 1000;
    const max = this.#o.backoff?.maxMs ?? 60_000;
    let delay = initial;
    const log = (line: string) => this.#append(name, line);
    while (!e.stopped) {
      let settings: Omit<SshLaunchOptions, 'log'> | null;
      try {
        settings = await this.#o.settings(name, log);
      } catch (err) {
        settings = null;
        e.lastError = err as Error;
        log(`cannot launch: ${(err as Error).message}`);
      }
      if (e.stopped) break;
      if (settings) {
        const started = Date.now();
        try {
          e.conn = await launchSshAgent({ ...settings, log }, (input, output, address) => this.#o.attach(name, input, output, address));
          e.lastError = null;
          log('agent started');
          if (e.stopped) e.conn.close();
          const reason = await e.conn.closed;
          e.conn = null;
          if (e.stopped) break;
          log(`connection lost: ${reason}`);
          this.#o.log?.(`ssh agent ${name}: connection lost: ${reason}`, { level: 'warn', agent: name });
          if (Date.now() - started > 60_000) delay = initial;
        } catch (err) {
          e.conn = null;
          e.lastError = err as Error;
          const msg = err instanceof SshLaunchError ? err.message : `launch failed: ${(err as Error).message}`;
          log(msg);
          this.#o.log?.(`ssh agent ${name}: ${msg}`, { level: 'warn', agent: name });
        }
      }
      if (e.stopped) break;
      const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
      log(`next launch in ${(wait / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        e.wake = () => { clearTimeout(t); resolve(); };
      });
      e.wake = null;
      delay = Math.min(delay * 2, max);
    }
  }
}
