// What `zulipSend` does (declared in index.ts), as the Zulip plugin's ZulipSendStep and Zulip do:
//   stream  = the step's, else the host's default;   topic = the step's, else the host's, else
//   the job's name (its full path 'a » b' with fullJobPathAsDefaultTopic); the build's
//   environment expanded in all three (${NAME}, $NAME; unknown names stay as written);
//   POST {url}/api/v1/messages, Basic auth email:apiKey, form-encoded type=stream, to, topic,
//   content. Zulip answers {"result":"success","id":N} or {"result":"error","msg":...}.
// As in Jenkins a refused or failed message does not fail the build; Jenkins writes it to its own
// log, Kiln prints it on the console ("zulipSend: Zulip refused the message: <msg>"); so with
// Zulip not configured on the host ("zulipSend: Zulip is not configured: ...").
//
// Security: the API key comes from a secret text credential (masked in the console) and goes
// only to the URL an administrator configured; no step parameter names a URL.
import type { ZulipSettings } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf } from '../../util/http-client.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const TIMEOUT_MS = 30_000;

/** `${NAME}` / `$NAME` replaced by the environment's value, as EnvVars.expand does; others stay. */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b)!];
    return v === undefined ? whole : v;
  });
}

/** The plugin's default topic: the job's display name, or its full path joined by ' » '. */
export function defaultTopic(jobName: string, fullPath: boolean): string {
  const parts = jobName.split('/').filter(Boolean);
  return fullPath ? parts.join(' » ') : (parts.at(-1) ?? jobName);
}

const zulipSend: StepRun = async (ctx, args) => {
  const v = args.values;
  const services = ctx.build.services.httpServices;
  const host: ZulipSettings | null = services ? ((await services.settings()).zulip ?? null) : null;
  if (!host) {
    ctx.log(`zulipSend: Zulip is not configured: the message is not sent (${services?.configureHint ?? 'this host has no HTTP service settings'})`);
    return null;
  }
  const stream = expandVars(str(v.stream) || host.stream, ctx.env);
  const topic = expandVars(str(v.topic) || host.topic || defaultTopic(ctx.build.jobName, host.fullJobPathAsDefaultTopic), ctx.env);
  const content = expandVars(str(v.message), ctx.env);
  const say = (why: string): null => {
    ctx.log(`zulipSend: Zulip refused the message: ${why}`);
    return null;
  };
  let key: string;
  try {
    const c = await ctx.build.services.credential(host.apiKeyCredentialId);
    if (c.type !== 'secretText' || !c.secret) return say(`the credential '${host.apiKeyCredentialId}' is a ${c.type}: the API key must be a secret text`);
    key = c.secret;
  } catch (e) {
    return say((e as Error).message);
  }
  const body = new URLSearchParams({ type: 'stream', to: stream, topic, content }).toString();
  const endpoint = host.url.replace(/\/?$/, '/') + 'api/v1/messages';
  try {
    const a = await httpCall({
      method: 'POST', url: endpoint, body, timeoutMs: TIMEOUT_MS, signal: ctx.signal, maxBytes: 1024 * 1024,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${host.email}:${key}`).toString('base64')}`, 'User-Agent': 'ZulipJenkins (Kiln)' },
    });
    const j = jsonOf(a) as { result?: string; msg?: string } | null;
    if (a.status !== 200 || j?.result !== 'success') return say(`HTTP ${a.status}${j?.msg ? `: ${j.msg}` : ''}`);
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    return say((e as Error).message.split(key).join('****'));
  }
  return null;
};

const runtime: PluginRuntime = { steps: { zulipSend } };
export default runtime;
