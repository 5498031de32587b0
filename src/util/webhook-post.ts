// One POST to a chat or status webhook for the notification steps whose URL is a secret (a
// Mattermost, Discord or Microsoft Teams incoming webhook carries its token in its path):
// mattermostSend, discordSend, office365ConnectorSend, bitbucketStatusNotify
// (src/plugins/{mattermost,discord,office365,bitbucket}). On top of util/http-client.ts:
//   - errors never name the URL (only "the webhook"), so a token in its path cannot reach a log;
//   - `reach`: a URL the build itself gave is refused when its host resolves to the Kiln server's
//     own network (loopback, private, link-local: cloud metadata), checked at connect time, unless
//     an administrator allowed the host (HTTP services settings: httpRequest allowedHosts /
//     allowPrivate), as httpRequest does; a URL an administrator configured is not checked;
//   - a bounded answer (64 KiB kept: a hostile server cannot fill the controller's memory) and a
//     30 s timeout for the whole exchange.
import type { HttpRequestSettings } from '../core/http-services.ts';
import { KilnError } from '../core/errors.ts';
import { HttpCallError, httpCall, privateAddress } from './http-client.ts';

export interface WebhookAnswer { status: number; text: string; json: unknown; headers: Record<string, string[]> }

/** The address guard for a URL a build gave; undefined when the settings allow every address. */
export function reachGuard(reach: HttpRequestSettings | null | undefined): ((address: string, host: string) => string | null) | undefined {
  const r = reach ?? { allowedHosts: [], allowPrivate: false };
  if (r.allowPrivate) return undefined;
  const allowed = (host: string) => r.allowedHosts.some((a) => {
    const x = a.trim().toLowerCase();
    const h = host.toLowerCase();
    return x.startsWith('*.') ? h.endsWith(x.slice(1)) : h === x;
  });
  return (address, host) => (privateAddress(address) && !allowed(host)
    ? `the webhook's host is ${address}, an address of the Kiln server's own network: a build may reach it only when an administrator allows the host (HTTP services settings: httpRequest allowedHosts)`
    : null);
}

/** Checks a webhook URL without ever echoing it: '' when fine, else why not. */
export function badWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'the webhook URL is not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'the webhook URL is not an http or https URL';
  return '';
}

/** Thrown when no answer came (timeout, refused, guard, too large); its message never names the URL. */
export class WebhookFailure extends KilnError {
  constructor(message: string) { super('webhook.call', message); }
}

export async function postWebhook(o: {
  url: string;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
  guard?: ((address: string, host: string) => string | null) | undefined;
}): Promise<WebhookAnswer> {
  const bad = badWebhookUrl(o.url);
  if (bad) throw new WebhookFailure(bad);
  try {
    const a = await httpCall({
      method: 'POST', url: o.url, body: o.body, timeoutMs: 30_000, signal: o.signal, maxBytes: 64 * 1024,
      headers: { 'Content-Type': o.contentType, 'User-Agent': 'Kiln', ...o.headers },
      ...(o.guard ? { addressGuard: o.guard } : {}),
    });
    const text = a.body.toString('utf8');
    let json: unknown = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: a.status, text, json, headers: a.headers };
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    const kind = e instanceof HttpCallError ? e.kind : 'network';
    const why = kind === 'guard' ? (e as Error).message
      : kind === 'timeout' ? 'the webhook did not answer within 30 s'
        : kind === 'too-large' ? "the webhook's answer is larger than 64 KiB"
          : `the webhook could not be reached (${String((e as Error).message).replace(/https?:\/\/\S+/g, '<url>')})`;
    throw new WebhookFailure(why);
  }
}

/** An answer's text cut to one short line for the console (no URL a body might echo). */
export function shortBody(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim().replace(/https?:\/\/\S+/g, '<url>');
  return one.length > max ? `${one.slice(0, max)}...` : one;
}
