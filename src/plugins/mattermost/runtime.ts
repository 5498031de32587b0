// What `mattermostSend` does (declared in index.ts), as the Mattermost Notification plugin's
// MattermostSendStep and StandardMattermostService do it:
//   endpoint, channel and icon: the step's, else the host's settings; color and text default ''.
//   "Mattermost Send Pipeline step configured values from global config - connector: true, icon:
//   true, channel: true, color: true" (true: the step left it to the global configuration);
//   then per channel (split on ',' and ';'; 'name@channel' posts as 'name', else 'jenkins'):
//   POST <endpoint> application/json {text, attachments: [{fallback, color, fields: [{short:
//   false, value: message}], mrkdwn_in}], channel (when given), username, icon_url}.
//   Mattermost answers 200 "ok"; anything else is a failure.
// Failure: Kiln prints the reason ("Mattermost: HTTP 403: ..."), then "ERROR: Mattermost
// notification failed. ..." and the build goes on; failOnError: true fails the step instead.
//
// Security: the endpoint is a secret (its path is the hook's key): never printed, errors name
// only "the webhook" (util/webhook-post.ts); the host's comes from a secret text credential. A
// step's own endpoint may not reach the Kiln server's network unless an administrator allowed it.
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { WebhookFailure, postWebhook, reachGuard, shortBody } from '../../util/webhook-post.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v).trim());

/** The plugin's payload for one channel entry ('name@channel', '@dm', 'channel' or ''). */
export function mattermostPayload(message: string, text: string, color: string, entry: string, icon: string): Record<string, unknown> {
  let user = 'jenkins';
  let room = entry.trim();
  const at = entry.indexOf('@');
  if (at > 0 && at < entry.length - 1) {
    user = entry.slice(0, at).trim();
    room = entry.slice(at + 1).trim();
  }
  const p: Record<string, unknown> = {
    text,
    attachments: [{ fallback: message, color, fields: [{ short: false, value: message }], mrkdwn_in: ['pretext', 'text', 'fields'] }],
  };
  if (room) p.channel = room;
  p.username = user;
  if (icon) p.icon_url = icon;
  return p;
}

const mattermostSend: StepRun = async (ctx, args) => {
  const v = args.values;
  const settings = ctx.build.services.httpServices ? await ctx.build.services.httpServices.settings() : null;
  const host = settings?.mattermost ?? null;
  const stepEndpoint = str(v.endpoint);
  const channel = str(v.channel) || host?.channel || '';
  const icon = str(v.icon) || host?.icon || '';
  const color = str(v.color);
  const text = str(v.text);
  const message = v.message === undefined || v.message === null ? '' : String(v.message);
  ctx.log(`Mattermost Send Pipeline step configured values from global config - connector: ${!stepEndpoint}, icon: ${!str(v.icon)}, channel: ${!str(v.channel)}, color: ${!color}`);

  const fail = (reason: string): null => {
    ctx.log(`Mattermost: ${reason}`);
    if (v.failOnError === true) throw new StepFailure('Mattermost notification failed. See the console above for details.');
    ctx.log('ERROR: Mattermost notification failed. See the console above for details.');
    return null;
  };

  let endpoint = stepEndpoint;
  if (!endpoint) {
    if (!host) return fail(`no endpoint: give endpoint: or have an administrator configure Mattermost (${ctx.build.services.httpServices?.configureHint ?? 'this host has no HTTP service settings'})`);
    try {
      const c = await ctx.build.services.credential(host.endpointCredentialId);
      if (c.type !== 'secretText' || !c.secret) return fail(`the credential '${host.endpointCredentialId}' is a ${c.type}: the endpoint must be a secret text holding the webhook URL`);
      endpoint = c.secret.trim();
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  const guard = stepEndpoint ? reachGuard(settings?.httpRequest) : undefined;
  let ok = true;
  for (const entry of channel.split(/[,;]+/)) {
    const payload = mattermostPayload(message, text, color, entry, icon);
    try {
      const a = await postWebhook({ url: endpoint, body: JSON.stringify(payload), contentType: 'application/json; charset=UTF-8', signal: ctx.signal, guard });
      if (a.status !== 200) {
        const j = a.json as { message?: string } | null;
        ctx.log(`Mattermost: HTTP ${a.status} for channel ${entry.trim() || '(default)'}: ${shortBody(j?.message ?? a.text) || 'no message'}`);
        ok = false;
      }
    } catch (e) {
      if (!(e instanceof WebhookFailure)) throw e;
      ctx.log(`Mattermost: ${e.message}`);
      ok = false;
    }
  }
  if (!ok) return fail('the message was not sent to every channel');
  return null;
};

const runtime: PluginRuntime = { steps: { mattermostSend } };
export default runtime;
