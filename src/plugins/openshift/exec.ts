// openshiftExec (the OpenShift Pipeline plugin's "OpenShift Exec", its IOpenShiftExec): runs a
// command in a pod's container through the API's pods/exec, from the Kiln process, as the
// plugin does through its REST client. The command never meets a shell: each word is a
// `command` query parameter of the exec request.
//
//   openshiftExec(pod: 'web-1', container: 'app', command: ['ls', '-l'], arguments: ['/tmp'])
//   openshiftExec(pod: 'web-1', command: 'date')         arguments: ['x'] or [[value: 'x']]
//
// The pod is looked up first (10 tries a second apart within the wait, as the plugin does); the
// exec is a WebSocket upgrade of GET .../pods/NAME/exec?command=...&stdout=true&stderr=true
// speaking v5.channel.k8s.io or v4.channel.k8s.io: binary frames whose first byte is the channel
// (1 stdout, 2 stderr, 3 the final Status). Console: the plugin's lines ("Starting "OpenShift
// Exec" with project "p".", "Connection opened for exec operation", "stdout> ...", "stderr> ...",
// "Connection closed for exec operation [1000]: ", "Exiting "OpenShift Exec" successfully.").
// Returns the plugin's ExecResult as a map: stdout, stderr, error (the Status message of a
// failed command, e.g. a non-zero exit) and failure (a transport failure). As the plugin's
// execution does, an error or failure is returned for the script to check, not thrown; only a
// timeout fails the step ("OpenShift Exec" failed). Connection, credential and address rules:
// rest.ts connect() (a cluster the host configured, or an apiURL held to httpRequest's rule).
import net from 'node:net';
import WebSocket from 'ws';
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { guardedLookup } from '../../util/http-client.ts';
import { connect, get, nsPath, pause, safeName, v, waitMs, type Api } from './rest.ts';

const DISPLAY = 'OpenShift Exec';
/** The plugin's default exec wait (GlobalConfig's exec wait, 3 minutes). */
const DEFAULT_WAIT = 180_000;
/** At most this much of each stream is kept for the result (the console gets it all). */
const KEEP = 4 * 1024 * 1024;

/** The command words: command (a string, or a list whose first item is the command) then arguments. */
function commandOf(args: StepArgs): string[] {
  const c = args.values.command;
  const words: string[] = [];
  if (typeof c === 'string' || typeof c === 'number') words.push(String(c).trim());
  else if (isList(c)) {
    if (c.length === 0) throw new StepFailure('openshiftExec: Command list cannot be empty');
    words.push(...c.map((x) => String(x)));
  } else throw new StepFailure("openshiftExec: Missing required argument: command (a string, or a list: command: ['ls', '-l'])");
  const a = args.values.arguments;
  if (a !== undefined && a !== null) {
    if (!isList(a)) throw new StepFailure("openshiftExec: Unrecognized arguments syntax: give a list (arguments: ['x'] or [[value: 'x']])");
    for (const item of a as Value[]) {
      if (isMap(item)) {
        const x = item.get('value');
        if (x === undefined || x === null) throw new StepFailure(`openshiftExec: Expected value entry in arguments map: ${JSON.stringify(Object.fromEntries(item))}`);
        words.push(String(x));
      } else words.push(String(item));
    }
  }
  if (words[0] === '') throw new StepFailure('openshiftExec: the command is empty');
  return words;
}

interface Outcome { stdout: string; stderr: string; error: string; failure: string; timedOut: boolean }

/** Opens the exec WebSocket and follows it to its end (or the deadline). */
function execIn(ctx: StepContext, api: Api, pod: string, container: string, command: string[], ms: number): Promise<Outcome> {
  const q = new URLSearchParams();
  for (const w of command) q.append('command', w);
  if (container) q.set('container', container);
  q.set('stdout', 'true');
  q.set('stderr', 'true');
  const url = `${api.url.replace(/^http/, 'ws')}${nsPath(api, '/api/v1', 'pods', pod)}/exec?${q.toString()}`;
  const host = new URL(api.url).hostname.replace(/^\[|\]$/g, '');
  if (api.guard && net.isIP(host)) {
    const why = api.guard(host, host);
    if (why) return Promise.resolve({ stdout: '', stderr: '', error: '', failure: why, timedOut: false });
  }
  return new Promise<Outcome>((resolve) => {
    const out: Outcome = { stdout: '', stderr: '', error: '', failure: '', timedOut: false };
    const partial = { 1: '', 2: '' } as Record<1 | 2, string>;
    const keep = (k: 'stdout' | 'stderr', s: string) => { if (out[k].length < KEEP) out[k] += s.slice(0, KEEP - out[k].length); };
    const prefix = (ch: 1 | 2) => (ch === 1 ? 'stdout> ' : 'stderr> ');
    // Each line of a stream as the plugin's listener prints it; a line split across frames waits for its end.
    const print = (ch: 1 | 2, text: string) => {
      const lines = (partial[ch] + text).split('\n');
      partial[ch] = lines.pop()!;
      for (const l of lines) ctx.log(prefix(ch) + l);
    };
    const flush = () => {
      for (const ch of [1, 2] as const) if (partial[ch] !== '') { ctx.log(prefix(ch) + partial[ch]); partial[ch] = ''; }
    };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      flush();
      resolve(out);
    };
    const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
      headers: { Authorization: `Bearer ${api.token}` },
      rejectUnauthorized: !api.insecure,
      ...(api.ca ? { ca: api.ca } : {}),
      ...(api.guard ? { lookup: guardedLookup(api.guard) } : {}),
      handshakeTimeout: Math.max(1000, Math.min(ms, 60_000)),
      maxPayload: 16 * 1024 * 1024,
    });
    const timer = setTimeout(() => { out.timedOut = true; ws.terminate(); finish(); }, Math.max(ms, 1));
    const onAbort = () => { ws.terminate(); finish(); };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ws.on('open', () => ctx.log('Connection opened for exec operation'));
    ws.on('message', (m: Buffer, isBinary: boolean) => {
      const b = isBinary ? m : Buffer.from(m);
      if (b.length === 0) return;
      const ch = b[0];
      const text = b.subarray(1).toString('utf8');
      if (ch === 1 || ch === 2) {
        keep(ch === 1 ? 'stdout' : 'stderr', text);
        print(ch, text);
      } else if (ch === 3) {
        let status: Record<string, unknown> = {};
        try { status = JSON.parse(text) as Record<string, unknown>; } catch { status = { status: 'Failure', message: text }; }
        if (status.status !== 'Success') {
          out.error = String(status.message ?? status.reason ?? 'the exec failed');
          ctx.log(`ERROR: Error during exec: ${out.error}`);
        }
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => { if (chunks.length < 64) chunks.push(c); });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let msg = body.slice(0, 500) || `HTTP ${res.statusCode}`;
        try { msg = String((JSON.parse(body) as { message?: unknown }).message ?? msg); } catch { /* not a Status */ }
        out.failure = msg;
        ctx.log(`ERROR: Failure during exec: ${msg}`);
        finish();
      });
      res.on('error', () => finish());
    });
    ws.on('error', (e) => {
      if (done) return;
      out.failure = e.message;
      ctx.log(`ERROR: Failure during exec: ${e.message}`);
      finish();
    });
    ws.on('close', (code, why) => {
      if (done) return;
      flush();
      ctx.log(`Connection closed for exec operation [${code}]: ${why.toString('utf8')}`);
      finish();
    });
  });
}

export const openshiftExec: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, DISPLAY);
  const pod = safeName(v(args, 'pod'), 'pod');
  const container = v(args, 'container');
  if (container) safeName(container, 'container');
  const command = commandOf(args);
  ctx.log(`\n\nStarting "${DISPLAY}" with project "${api.namespace}".`);
  const deadline = Date.now() + waitMs(args, DEFAULT_WAIT);
  let found = null;
  for (let tries = 10; ; tries--) {
    found = await get(ctx, api, nsPath(api, '/api/v1', 'pods', pod));
    if (found) break;
    if (tries <= 1 || Date.now() >= deadline) throw new StepFailure(`Exiting "${DISPLAY}" unsuccessfully: Unable to find pod: ${pod}`);
    await pause(1000, ctx.signal);
  }
  const r = await execIn(ctx, api, pod, container, command, Math.max(1, deadline - Date.now()));
  if (r.timedOut) {
    ctx.log(`\n\nExiting "${DISPLAY}" unsuccessfully: the command did not end in time`);
    throw new StepFailure(`"${DISPLAY}" failed`);
  }
  if (r.error || r.failure) ctx.log(`\n\nExiting "${DISPLAY}" unsuccessfully: ${r.error || r.failure}`);
  else ctx.log(`\n\nExiting "${DISPLAY}" successfully.`);
  return new Map<string, Value>([['stdout', r.stdout], ['stderr', r.stderr], ['error', r.error], ['failure', r.failure]]);
};
