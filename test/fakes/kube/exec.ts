// pods/exec over WebSocket, as kubectl (1.30+: v5.channel.k8s.io first) and
// @kubernetes/client-node speak it: binary frames whose first byte is the channel (0 stdin,
// 1 stdout, 2 stderr, 3 the final Status, 4 resize; v5: 255 closes a channel), ending with
// the kubelet's Status (Success, or NonZeroExitCode with the code as a cause). The runner runs
// the command (PodRunner.exec). SPDY is not served: kubectl uses it only when WebSocket fails.
import type http from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, errors } from './objects.ts';

export interface ExecRequest {
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface ExecProcess {
  stdin: Writable | null;
  stdout: Readable;
  stderr: Readable;
  /** The exit code. */
  done: Promise<number>;
  kill(): void;
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

/** Answers an upgrade that cannot go ahead with the Status the API server would send. */
export function refuseUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export function parseExec(url: URL): ExecRequest & { containerGiven: boolean } {
  const q = url.searchParams;
  const command = q.getAll('command');
  if (command.length === 0) throw errors.badRequest('you must specify at least 1 command');
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  if (!flag('stdin') && !flag('stdout') && !flag('stderr')) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return { container: q.get('container') ?? '', containerGiven: q.has('container'), command, stdin: flag('stdin'), tty: flag('tty') };
}

/** Completes the upgrade and pumps the process's streams through the channels. */
export function serveExec(req: http.IncomingMessage, socket: Duplex, head: Buffer, command: string[], start: () => ExecProcess): void {
  if (!PROTOCOLS.some((p) => String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).includes(p))) {
    refuseUpgrade(socket, errors.badRequest(`the fake API server speaks ${PROTOCOLS.join(' and ')} for exec (no SPDY, no base64 channels)`));
    return;
  }
  let proc: ExecProcess;
  try {
    proc = start();
  } catch (e) {
    refuseUpgrade(socket, e instanceof ApiError ? e : errors.internal((e as Error).message));
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const send = (channel: number, data: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    proc.stdout.on('data', (c: Buffer) => send(1, c));
    proc.stderr.on('data', (c: Buffer) => send(2, c));
    ws.on('message', (m: Buffer, isBinary: boolean) => {
      const b = isBinary ? m : Buffer.from(m);
      if (b.length === 0) return;
      if (b[0] === 0) proc.stdin?.write(b.subarray(1));
      else if (b[0] === 255 && b[1] === 0) proc.stdin?.end();
    });
    ws.on('close', () => proc.kill());
    const ended = (s: Readable) => new Promise<void>((r) => (s.readableEnded ? r() : s.once('end', r).once('close', r)));
    void proc.done.then(async (code) => {
      await Promise.all([ended(proc.stdout), ended(proc.stderr)]);
      const status = code === 0
        ? { metadata: {}, status: 'Success' }
        : {
          metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
          message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
          details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
        };
      send(3, Buffer.from(JSON.stringify(status)));
      ws.close(1000);
    });
  });
}
