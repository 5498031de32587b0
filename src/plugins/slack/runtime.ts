// What `slackSend` does (declared in index.ts), as the Slack Notification plugin's SlackSendStep
// and StandardSlackService do it:
//   "Slack Send Pipeline step running, values are - baseUrl: ..., teamDomain: ..., channel: ..."
//   then, per channel:
//   - bot user: POST <baseUrl or https://slack.com/api/>chat.postMessage (chat.update with
//     `timestamp:`), `Authorization: Bearer <token>`, JSON; Slack answers 200 with
//     {"ok":true,"channel":"C..","ts":".."} or {"ok":false,"error":"invalid_auth"};
//   - incoming webhook: POST <baseUrl><token> (JSON); Slack answers 200 "ok" or 4xx text;
//   - neither baseUrl nor bot: POST https://<teamDomain>.slack.com/services/hooks/jenkins-ci?token=..
//   `channel: 'C123:ts'` (a result's threadId) replies in that thread.
// It returns the plugin's SlackResponse (threadId, ts, channelId) for a bot, null otherwise.
// Failure: "ERROR: Slack notification failed. See ..." and the build goes on; failOnError:
// true fails the step with that message. Kiln prints Slack's own reason on the line before.
//
// Security: the token is resolved from a credential (never printed; the console masks it); a
// step that names its own baseUrl but not its own tokenCredentialId is refused: the host's
// token goes only to the host's configured URL.
import { KilnError, StepFailure } from '../../core/errors.ts';
import type { SlackSettings } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, toJson, type HostObject, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf, privateAddress } from '../../util/http-client.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const empty = (x: string) => (x ? x : '<empty>');
const TIMEOUT_MS = 30_000;

/** Slack attachments/blocks given as a list of maps or as JSON text. */
function jsonParam(name: string, v: Value | undefined): unknown {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v);
    } catch {
      throw new StepFailure(`slackSend: ${name} is not JSON: give a list of maps or JSON text`);
    }
  }
  if (isList(v) || isMap(v)) return toJson(v);
  throw new StepFailure(`slackSend: ${name} must be a list of maps or JSON text`);
}

const COLORS: Readonly<Record<string, string>> = { good: 'good', warning: 'warning', danger: 'danger' };

function slackResponse(channelId: string, ts: string): HostObject {
  const props: Record<string, Value> = { threadId: `${channelId}:${ts}`, ts, channelId };
  return {
    kind: 'host',
    typeName: 'jenkins.plugins.slack.workflow.SlackResponse',
    getProperty: (n) => props[n],
    invokeMethod: (n) => {
      const m = /^get(ThreadId|Ts|ChannelId)$/.exec(n);
      return m ? Promise.resolve(props[m[1]![0]!.toLowerCase() + m[1]!.slice(1)]!) : undefined;
    },
    entries: () => new Map(Object.entries(props)),
    toString: () => `SlackResponse(threadId=${props.threadId})`,
  };
}

/** A Slack API call that failed (Slack's `error`, or the HTTP status). */
class SlackFailure extends KilnError {
  constructor(message: string) { super('slack.send', message); }
}

async function post(ctx: StepContext, url: string, headers: Record<string, string>, payload: unknown, guarded: boolean): Promise<{ status: number; text: string; json: unknown }> {
  try {
    const a = await httpCall({
      method: 'POST', url, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(payload),
      timeoutMs: TIMEOUT_MS, signal: ctx.signal, maxBytes: 1024 * 1024,
      ...(guarded ? { addressGuard: (addr: string, host: string) => (privateAddress(addr) ? `${host} is ${addr}, an address of the Kiln server's own network` : null) } : {}),
    });
    return { status: a.status, text: a.body.toString('utf8'), json: jsonOf(a) };
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    throw new SlackFailure((e as Error).message);
  }
}

const slackSend: StepRun = async (ctx, args) => {
  const v = args.values;
  if (str(v.token)) throw new StepFailure('slackSend: token: a token written in the Jenkinsfile is not accepted by Kiln; store it as a secret text credential and give tokenCredentialId');
  const services = ctx.build.services.httpServices;
  const host: SlackSettings | null = services ? (await services.settings()).slack : null;
  const baseUrlGiven = str(v.baseUrl).trim();
  const tokenIdGiven = str(v.tokenCredentialId).trim();
  if (baseUrlGiven && !tokenIdGiven && host && baseUrlGiven !== host.baseUrl) {
    throw new StepFailure(`slackSend: baseUrl '${baseUrlGiven}' is not the Slack URL the administrator configured: Kiln sends the configured token only there; give your own tokenCredentialId with your own baseUrl`);
  }
  const baseUrl = baseUrlGiven || host?.baseUrl || '';
  const teamDomain = str(v.teamDomain).trim() || host?.teamDomain || '';
  const tokenCredentialId = tokenIdGiven || host?.tokenCredentialId || '';
  const botUser = typeof v.botUser === 'boolean' ? v.botUser : (host?.botUser ?? false);
  const channels = str(v.channel).trim() || host?.room || '';
  const color = str(v.color).trim();
  const message = str(v.message);
  const timestamp = str(v.timestamp).trim();
  const failOnError = v.failOnError === true;
  ctx.log(`Slack Send Pipeline step running, values are - baseUrl: ${empty(baseUrlGiven ? baseUrl : '')}, teamDomain: ${empty(teamDomain)}, channel: ${empty(channels)}, color: ${empty(color)}, botUser: ${botUser}, tokenCredentialId: ${empty(tokenCredentialId)}, notifyCommitters: ${v.notifyCommitters === true}, iconEmoji: ${empty(str(v.iconEmoji))}, username: ${empty(str(v.username))}, timestamp: ${empty(timestamp)}`);
  const attachments = jsonParam('attachments', v.attachments);
  const blocks = jsonParam('blocks', v.blocks);

  const fail = (reason: string): null => {
    ctx.log(`Slack: ${reason}`);
    if (failOnError) throw new StepFailure('Slack notification failed. See Kiln\'s console above for details.');
    ctx.log('ERROR: Slack notification failed. See Kiln\'s console above for details.');
    return null;
  };

  if (!tokenCredentialId) return fail(`no token: give tokenCredentialId or have an administrator configure Slack (${services?.configureHint ?? 'this host has no Slack settings'})`);
  if (!botUser && !baseUrl && !teamDomain) return fail('no baseUrl (incoming webhook) nor teamDomain is configured, and botUser is false');
  if (timestamp && !botUser) return fail('timestamp (updating a message) needs a bot user token (botUser: true)');
  let token: string;
  try {
    const c = await ctx.build.services.credential(tokenCredentialId);
    if (c.type !== 'secretText' || !c.secret) return fail(`the credential '${tokenCredentialId}' is a ${c.type}: Slack needs a secret text holding the token`);
    token = c.secret;
  } catch (e) {
    return fail((e as Error).message);
  }

  const guarded = baseUrlGiven !== '' && baseUrlGiven !== host?.baseUrl;
  let last: HostObject | null = null;
  const list = channels.split(/[,\s]+/).filter(Boolean);
  if (list.length === 0) list.push('');
  for (const ch of list) {
    const [channel, threadTs] = ch.includes(':') ? [ch.slice(0, ch.indexOf(':')), ch.slice(ch.indexOf(':') + 1)] : [ch, ''];
    const payload: Record<string, unknown> = { channel, link_names: 1 };
    if (blocks !== undefined) {
      payload.blocks = blocks;
      if (message) payload.text = message;
    } else if (attachments !== undefined) {
      payload.attachments = attachments;
      if (message) payload.text = message;
    } else if (color && v.sendAsText !== true) {
      payload.attachments = [{ color: COLORS[color] ?? color, text: message, fallback: message, mrkdwn_in: ['pretext', 'text', 'fields'] }];
    } else {
      payload.text = message;
    }
    if (threadTs) payload.thread_ts = threadTs;
    if (threadTs && v.replyBroadcast === true) payload.reply_broadcast = true;
    if (str(v.iconEmoji)) payload.icon_emoji = str(v.iconEmoji);
    if (str(v.username)) payload.username = str(v.username);
    try {
      if (botUser) {
        const api = (baseUrl || 'https://slack.com/api/').replace(/\/?$/, '/');
        if (timestamp) payload.ts = timestamp;
        const r = await post(ctx, api + (timestamp ? 'chat.update' : 'chat.postMessage'), { Authorization: `Bearer ${token}` }, payload, guarded);
        const j = r.json as { ok?: boolean; error?: string; channel?: string; ts?: string } | null;
        if (r.status !== 200 || !j || j.ok !== true) return fail(`Slack answered HTTP ${r.status}${j?.error ? `: ${j.error}` : r.text ? `: ${r.text.slice(0, 200)}` : ''}`);
        last = slackResponse(j.channel ?? channel, j.ts ?? '');
      } else {
        const url = baseUrl
          ? baseUrl.replace(/\/?$/, '/') + token
          : `https://${encodeURIComponent(teamDomain)}.slack.com/services/hooks/jenkins-ci?token=${encodeURIComponent(token)}`;
        const r = await post(ctx, url, {}, payload, guarded);
        if (r.status < 200 || r.status > 299) return fail(`Slack answered HTTP ${r.status}${r.text ? `: ${r.text.slice(0, 200)}` : ''}`);
      }
    } catch (e) {
      if (e instanceof SlackFailure) return fail(e.message.split(token).join('****'));
      throw e;
    }
  }
  return last;
};

const runtime: PluginRuntime = { steps: { slackSend } };
export default runtime;
