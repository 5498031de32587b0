// What the agent says when it cannot connect, in words a person can act on.
//
// Why: "ECONNREFUSED 127.0.0.1:8080" or "Unexpected server response: 401" is what the
// libraries say; an operator wants to know whether the URL, the port, DNS or the secret is
// wrong, and whether retrying can help. Each description carries `fatal`: true when retrying
// cannot help (wrong secret, unknown agent, version mismatch, no endpoint at that URL).

import { AGENT_PATH } from '../protocol/messages.ts';

export interface Problem {
  message: string;
  /** Retrying will not help: the agent should stop and say why. */
  fatal: boolean;
}

/** The WebSocket URL of the agent endpoint for a controller base URL (http, https, ws or wss). */
export function agentEndpoint(base: string): URL {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new Error(`'${base}' is not a URL: give the controller's base URL, e.g. http://kiln.example.com:8080`);
  }
  const scheme = ({ 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' } as Record<string, string>)[u.protocol];
  if (!scheme) throw new Error(`'${base}' is not an http(s) URL: give the controller's base URL, e.g. http://kiln.example.com:8080`);
  if (u.hostname === '') throw new Error(`'${base}' has no host name`);
  const out = new URL(u.href);
  out.protocol = scheme;
  out.pathname = u.pathname.replace(/\/+$/, '') + AGENT_PATH;
  out.search = '';
  out.hash = '';
  return out;
}

/** A failure to open the connection (before any HTTP answer). */
export function describeConnectError(err: unknown, base: string, endpoint: URL): Problem {
  const e = err as NodeJS.ErrnoException & { hostname?: string };
  const code = e?.code ?? '';
  const where = `${endpoint.hostname}:${endpoint.port || (endpoint.protocol === 'wss:' ? 443 : 80)}`;
  switch (code) {
    case 'ECONNREFUSED':
      return { fatal: false, message: `cannot connect to the controller at ${base}: connection refused by ${where} (is the controller running, and is that its web port?)` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { fatal: false, message: `cannot connect to the controller at ${base}: host name '${endpoint.hostname}' not found (DNS${code === 'EAI_AGAIN' ? ', temporary failure' : ''}); check --url / KILN_URL` };
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return { fatal: false, message: `cannot connect to the controller at ${base}: ${where} is unreachable (${code}); check the URL, firewalls and network policies` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { fatal: false, message: `the connection to ${base} was reset while opening it (${code}); is a proxy in the way that does not pass WebSockets?` };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { fatal: false, message: `cannot connect to the controller at ${base}: its TLS certificate is not trusted (${code}); give the CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem` };
  }
  const text = e instanceof Error ? e.message : String(err);
  if (/handshake has timed out/i.test(text)) {
    return { fatal: false, message: `cannot connect to the controller at ${base}: no answer from ${where} within the time limit` };
  }
  return { fatal: false, message: `cannot connect to the controller at ${base}: ${text}` };
}

/** The controller (or something in front of it) answered the upgrade with an HTTP status. */
export function describeHttpRefusal(status: number, body: string, base: string, endpoint: URL, name: string): Problem {
  const said = body.trim().split('\n')[0]?.slice(0, 300) ?? '';
  const because = said ? `: ${said}` : '';
  if (status === 401) {
    return { fatal: true, message: `the controller at ${base} refused agent '${name}' (HTTP 401${because}). The secret is wrong: use the one shown on the agent's page of the controller (--secret or KILN_SECRET)` };
  }
  if (status === 403) {
    return { fatal: true, message: `the controller at ${base} refused agent '${name}' (HTTP 403${because}); create the agent on the controller first, with this exact name` };
  }
  if (status === 400 && /version/i.test(said)) {
    return { fatal: true, message: `the controller at ${base} speaks another protocol version (HTTP 400${because})` };
  }
  if (status === 404) {
    return { fatal: true, message: `no Kiln agent endpoint at ${endpoint.href} (HTTP 404); is ${base} the controller's base URL?` };
  }
  if (status === 200 || (status >= 300 && status < 400)) {
    return { fatal: true, message: `${endpoint.href} answered HTTP ${status} instead of opening a WebSocket; is ${base} the controller's base URL (and does a proxy on the way pass WebSockets)?` };
  }
  if (status >= 500) return { fatal: false, message: `the controller at ${base} is not ready (HTTP ${status}${because})` };
  return { fatal: status === 400, message: `the controller at ${base} refused the connection (HTTP ${status}${because})` };
}

/** Why an open connection closed, from its close code and reason. */
export function describeClose(code: number, reason: string, base: string): string {
  const why = reason ? `: ${reason}` : '';
  switch (code) {
    case 1000: return `the controller closed the connection${why}`;
    case 1001: return `the controller is going away${why}`;
    case 1006: return `the connection to ${base} was lost`;
    case 1009: return `a message was too big for the controller${why}`;
    default: return `the connection to ${base} closed (${code}${why})`;
  }
}
