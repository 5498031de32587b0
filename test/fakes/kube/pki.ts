// The fake's certificates, made with the openssl command: a CA (what clients trust: caPem), the
// server's certificate signed by it (127.0.0.1, ::1, localhost, kubernetes.default.svc and the
// listen address), and client certificates (CN = user, O = groups) for certificate auth.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Pki {
  caPem: string;
  server: { key: string; cert: string };
  /** A client certificate the server accepts as `user` (in `groups`). */
  client(user: string, groups?: string[]): { key: string; cert: string };
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`the fake kube needs the openssl command to make its certificates: openssl ${args[0]} failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makePki(dir: string, extraHosts: string[] = []): Pki {
  const f = (n: string) => path.join(dir, n);
  openssl(['req', '-x509', ...EC, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=kiln-fake-kube-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const sign = (name: string, subject: string, ext: string) => {
    fs.writeFileSync(f(`${name}.ext`), ext);
    openssl(['req', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject]);
    openssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`)]);
    return { key: fs.readFileSync(f(`${name}.key`), 'utf8'), cert: fs.readFileSync(f(`${name}.crt`), 'utf8') };
  };
  const ips = ['127.0.0.1', '::1', ...extraHosts.filter((h) => /^[\d.]+$|:/.test(h) && h !== '0.0.0.0' && h !== '::')];
  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extraHosts.filter((h) => /[a-z]/i.test(h) && !h.includes(':'))];
  const san = [...new Set(ips)].map((i) => `IP:${i}`).concat([...new Set(dns)].map((d) => `DNS:${d}`)).join(',');
  const server = sign('server', '/CN=kube-apiserver', `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  let n = 0;
  return {
    caPem: fs.readFileSync(f('ca.crt'), 'utf8'),
    server,
    client(user, groups = []) {
      const subject = `/CN=${user.replace(/[/=]/g, '_')}${groups.map((g) => `/O=${g.replace(/[/=]/g, '_')}`).join('')}`;
      return sign(`client-${++n}`, subject, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
    },
  };
}
