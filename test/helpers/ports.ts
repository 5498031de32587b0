// A TCP port that is free now, for the test servers the tests start (sshd, git daemon, a
// registry, a controller): the system picks one by listening on port 0, and it is closed again
// before the server that will use it starts.
import net from 'node:net';

/** A TCP port free on `host` (127.0.0.1 by default; '0.0.0.0' for every interface) now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
