// What `discordSend` does (declared in index.ts), as the Discord Notifier plugin's
// DiscordPipelineStep and EmbedUtil do it:
//   "Sending notification to Discord." then POST <webhookURL> application/json
//   {content: notes, username, avatar_url, embeds: [{title, url: link, description, color,
//   footer: {text}, image: {url}, thumbnail: {url}, author: {name, icon_url}, fields: [Build,
//   Status]}]}. The colour: by `result` (SUCCESS 1681177 green, UNSTABLE 16776970 yellow, FAILURE
//   11278871 red, ABORTED / NOT_BUILT 13487565 grey), else by successful/unstable. showChangeset
//   adds a Changes field (the build's change sets, a line per commit), enableArtifactsList an
//   Artifacts field (a link per archived file, to Kiln's artifact route). Over-long
//   parts are cut to Discord's limits (content 2000, title 256, description 4096, footer 2048)
//   with the plugin's line "Warning: 'title' field has more than 256 characters (300). It will be
//   truncated." Discord answers 204 (or 200); 4xx bodies are JSON {message, code}, 429 carries
//   retry_after. As in Jenkins an error never fails the build: Kiln prints
//   "Discord: HTTP 400: <message>" (Jenkins a stack trace).
//
// Security: the webhook URL is a secret (it carries the token): never printed; errors name only
// "the webhook" (util/webhook-post.ts); it may not reach the Kiln server's own network unless
// an administrator allowed the host.
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { WebhookFailure, postWebhook, reachGuard, shortBody } from '../../util/webhook-post.ts';
import type { ChangeSetRecord } from '../../pipeline/steps/changesets.ts';

const str = (v: Value | undefined): string | null => {
  if (v === undefined || v === null) return null;
  const t = String(v).trim();
  return t ? t : null;
};

export const DISCORD_COLORS = { green: 1681177, yellow: 16776970, red: 11278871, grey: 13487565 } as const;
const AVATAR = 'https://get.jenkins.io/art/jenkins-logo/1024x1024/headshot.png';

/** The embed's colour as the plugin chooses it. */
export function discordColor(result: string | null, successful: boolean, unstable: boolean): number {
  if (result === null) {
    if (successful && unstable) return DISCORD_COLORS.yellow;
    if (successful) return DISCORD_COLORS.green;
    if (!unstable) return DISCORD_COLORS.red;
    return DISCORD_COLORS.yellow;
  }
  switch (result.toUpperCase()) {
    case 'SUCCESS': return DISCORD_COLORS.green;
    case 'UNSTABLE': return DISCORD_COLORS.yellow;
    case 'FAILURE': return DISCORD_COLORS.red;
    case 'ABORTED': case 'NOT_BUILT': return DISCORD_COLORS.grey;
    default: return DISCORD_COLORS.yellow;
  }
}

/** An embed field's most characters (Discord's limit, the plugin's MAX_EMBED_FIELD_LENGTH). */
const FIELD_MAX = 1024;

/** Markdown's emphasis and code characters in a commit message, escaped. */
const escapeMarkdown = (t: string) => t.replace(/[\\*_~`|>]/g, (c) => `\\${c}`);

/**
 * The Changes field as the plugin writes it: a line per commit, "- `abc123` *message - author*"
 * (the commit linked when scmWebUrl is a template with %s), dropped from the end until the
 * field fits; "*No changes.*" without any.
 */
export function changesField(sets: readonly ChangeSetRecord[], scmWebUrl: string | null): string {
  const lines: string[] = [];
  const template = scmWebUrl !== null && /%s/.test(scmWebUrl) && !/%(?!s|%)/.test(scmWebUrl) ? scmWebUrl : null;
  for (const set of sets) {
    for (const e of set.entries) {
      const id = e.commitId.slice(0, 6);
      const msg = escapeMarkdown(e.msg.trim().split('\n')[0] ?? '');
      lines.push(template ? `- [\`${id}\`](${template.replace(/%%/g, '%').replace('%s', e.commitId)}) *${msg} - ${e.author}*` : `- \`${id}\` *${msg} - ${e.author}*`);
    }
  }
  if (lines.length === 0) return '*No changes.*';
  while (lines.length > 1 && lines.reduce((n, l) => n + l.length + 1, 0) > FIELD_MAX) lines.pop();
  return lines.join('\n').slice(0, FIELD_MAX);
}

/** The Artifacts field: a link per file, or only the build's artifacts URL when the list does not fit. */
export function artifactsField(paths: readonly string[], base: string): string {
  if (paths.length === 0) return '*No artifacts saved.*';
  const text = paths.map((p) => `- [${p.slice(p.lastIndexOf('/') + 1)}](${base}${p.split('/').map(encodeURIComponent).join('/')})`).join('\n');
  return text.length + 1 > FIELD_MAX ? base : text;
}

const discordSend: StepRun = async (ctx, args) => {
  const v = args.values;
  const cut = (field: string, value: string | null, limit: number): string | null => {
    if (value === null) return null;
    const chars = Array.from(value);
    if (chars.length <= limit) return value;
    ctx.log(`Warning: '${field}' field has more than ${limit} characters (${chars.length}). It will be truncated.`);
    return chars.slice(0, limit).join('');
  };
  ctx.log('Sending notification to Discord.');
  const link = str(v.link);
  const username = str(v.customUsername) ?? 'Jenkins';
  const avatar = str(v.customAvatarUrl) ?? AVATAR;
  const md = (text: string) => (link ? `[${text}](${link})` : text);
  const embed: Record<string, unknown> = {};
  const title = cut('title', str(v.title), 256);
  if (title !== null) embed.title = title;
  if (link) embed.url = link;
  const description = cut('description', str(v.description), 4096);
  if (description !== null) embed.description = description;
  embed.color = discordColor(str(v.result), v.successful === true, v.unstable === true);
  const footer = cut('footer', str(v.footer), 2048);
  if (footer !== null) embed.footer = { text: footer };
  if (str(v.image)) embed.image = { url: str(v.image) };
  if (str(v.thumbnail)) embed.thumbnail = { url: str(v.thumbnail) };
  embed.author = { name: username, icon_url: avatar };
  embed.fields = [
    { name: 'Build', value: md(String(ctx.build.number)), inline: true },
    { name: 'Status', value: md(String(ctx.build.result).toLowerCase()), inline: true },
  ];
  if (v.showChangeset === true) (embed.fields as unknown[]).push({ name: 'Changes', value: changesField(ctx.build.changeSets?.() ?? [], str(v.scmWebUrl)), inline: false });
  if (v.enableArtifactsList === true) {
    const base = `${ctx.env['JENKINS_URL'] ?? ''}api/v1/jobs/${encodeURIComponent(ctx.build.jobName)}/builds/${ctx.build.number}/artifacts/`;
    const paths = (await ctx.build.services.artifacts.list?.()) ?? [];
    (embed.fields as unknown[]).push({ name: 'Artifacts', value: artifactsField(paths, base), inline: false });
  }
  const payload: Record<string, unknown> = { username, avatar_url: avatar, embeds: [embed] };
  const content = cut('content', str(v.notes), 2000);
  if (content !== null) payload.content = content;
  const url = str(v.webhookURL) ?? '';
  const settings = ctx.build.services.httpServices ? await ctx.build.services.httpServices.settings() : null;
  try {
    const a = await postWebhook({ url, body: JSON.stringify(payload), contentType: 'application/json', signal: ctx.signal, guard: reachGuard(settings?.httpRequest) });
    if (a.status < 200 || a.status > 299) {
      const j = a.json as { message?: string; retry_after?: number; code?: number } | null;
      const why = j?.message ? `${j.message}${j.code !== undefined ? ` (code ${j.code})` : ''}${j.retry_after !== undefined ? `, retry after ${j.retry_after} s` : ''}` : shortBody(a.text);
      ctx.log(`Discord: HTTP ${a.status}: ${why || 'no message'}`);
    }
  } catch (e) {
    if (!(e instanceof WebhookFailure)) throw e;
    ctx.log(`Discord: ${e.message}`);
  }
  return null;
};

const runtime: PluginRuntime = { steps: { discordSend } };
export default runtime;
