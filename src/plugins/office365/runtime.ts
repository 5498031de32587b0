// What `office365ConnectorSend` does (declared in index.ts), as the Office 365 Connector plugin's
// Office365ConnectorWebhookNotifier, CardBuilder, FactsBuilder and HttpWorker do it:
//   the URL: webhookUrl, else the secret text credentialsId; the build's ${VARIABLES} expanded.
//   With a message: summary "JOB: Build #N Status", one section {activityTitle "Message from JOB,
//   Build #N", activitySubtitle: message, facts: Status (the step's status, else "Running"), then
//   factDefinitions}, themeColor: color (default 3479BF). Without one: status 'started' gives the
//   started card ("JOB: Build #N Started", Status "Build Started"), else the completed card from
//   the build's result and the previous build's ("Success" / "Back to Normal" / "Failed" /
//   "Repeated Failure" / "Unstable" / "Aborted"; the theme colour the result's).
//   A "View Build" action opens BUILD_URL when known. adaptiveCards: the same as an Adaptive Card
//   in a {type: "message", attachments: [...]} envelope. JOB is the job's full name ('a » b').
//   POST application/json; an answer other than 200 prints "[Office365connector] Posting data to
//   the webhook may have failed. Webhook responded with status code - 400" and "Message from
//   webhook - <body>", and is tried again, 3 tries in all, as HttpWorker does (a 429's
//   Retry-After, up to 10 s, is waited first). It never fails the build.
//
// Security: the URL carries the webhook's token: it is never printed (the plugin prints it; Kiln
// says "the webhook"); it may not reach the Kiln server's own network unless allowed.
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isList, isMap, toJson, type Value } from '../../pipeline/script/values.ts';
import type { BuildCompletedEvent, BuildEvent } from '../../pipeline/plugin.ts';
import { PLUGIN_PROPERTIES_KEY, type PluginProperties } from '../../pipeline/steps/job-properties.ts';
import { WebhookFailure, postWebhook, reachGuard, shortBody } from '../../util/webhook-post.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v).trim());
export const expand = (t: string, env: Readonly<Record<string, string>>) =>
  t.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (w, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? w);

interface Fact { name: string; value: string }
export interface CardModel { summary: string; title: string; subtitle: string; facts: Fact[]; color: string; buildUrl: string }

const RESULT_COLORS: Record<string, string> = { SUCCESS: '#0000FF', UNSTABLE: '#FFFF00', FAILURE: '#FF0000', ABORTED: '#CCCCCC', NOT_BUILT: '#CCCCCC' };

/** The completed card's status fact and summary word, as CardBuilder computes them. */
export function completedStatus(result: string, previous: string | null, repeated: boolean): { status: string; summary: string } {
  const prev = previous ?? 'SUCCESS';
  if (result === 'SUCCESS') return prev === 'FAILURE' || prev === 'UNSTABLE' ? { status: 'Back to Normal', summary: 'Back to Normal' } : { status: 'Build Success', summary: 'Success' };
  if (result === 'FAILURE') return repeated ? { status: 'Repeated Failure', summary: 'Repeated Failure' } : { status: 'Build Failed', summary: 'Failed' };
  if (result === 'ABORTED') return { status: 'Build Aborted', summary: 'Aborted' };
  if (result === 'UNSTABLE') return { status: 'Build Unstable', summary: 'Unstable' };
  return { status: result, summary: result };
}

export function messageCard(c: CardModel): Record<string, unknown> {
  const card: Record<string, unknown> = {
    '@type': 'MessageCard', '@context': 'https://schema.org/extensions',
    summary: c.summary, themeColor: c.color,
    sections: [{ markdown: true, activityTitle: c.title, activitySubtitle: c.subtitle, facts: c.facts }],
  };
  if (c.buildUrl) card.potentialAction = [{ '@type': 'OpenUri', name: 'View Build', targets: [{ os: 'default', uri: c.buildUrl }] }];
  return card;
}

export function adaptiveCard(c: CardModel): Record<string, unknown> {
  const body: unknown[] = [
    { type: 'TextBlock', text: c.summary, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: c.title, weight: 'Bolder', wrap: true },
  ];
  if (c.subtitle) body.push({ type: 'TextBlock', text: c.subtitle, wrap: true });
  if (c.facts.length) body.push({ type: 'FactSet', facts: c.facts.map((f) => ({ title: f.name, value: f.value })) });
  const content: Record<string, unknown> = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, msteams: { width: 'Full' } };
  if (c.buildUrl) content.actions = [{ type: 'Action.OpenUrl', title: 'View Build', url: c.buildUrl }];
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content }] };
}

export function factDefinitions(v: Value | undefined, env: Readonly<Record<string, string>>, what = 'office365ConnectorSend'): Fact[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure(`${what}: factDefinitions must be a list of [name: '...', template: '...']`);
  const out: Fact[] = [];
  for (const x of toJson(v) as unknown[]) {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new StepFailure(`${what}: each of factDefinitions is a map [name: '...', template: '...']`);
    const m = x as Record<string, unknown>;
    const name = String(m.name ?? '').trim();
    const value = expand(String(m.template ?? ''), env).trim();
    if (name && value) out.push({ name, value });
  }
  return out;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** Where a card goes out from: a step, or a build hook (webhooks.ts). */
export interface Sender { log(line: string): void; readonly signal: AbortSignal }

export async function send(ctx: Sender, url: string, payload: unknown, guard: ReturnType<typeof reachGuard>): Promise<void> {
  const log = (line: string) => ctx.log(`[Office365connector] ${line}`);
  for (let tried = 1; tried <= 3; tried++) {
    try {
      const a = await postWebhook({ url, body: JSON.stringify(payload), contentType: 'application/json; charset=UTF-8', signal: ctx.signal, guard });
      if (a.status === 200) return;
      log(`Posting data to the webhook may have failed. Webhook responded with status code - ${a.status}`);
      log(`Message from webhook - ${shortBody(a.text)}`);
      const retryAfter = Number(a.headers['retry-after']?.[0] ?? '');
      if (a.status === 429 && tried < 3 && Number.isFinite(retryAfter) && retryAfter > 0) await sleep(Math.min(retryAfter, 10) * 1000, ctx.signal);
    } catch (e) {
      if (!(e instanceof WebhookFailure)) throw e;
      log(`Failed to post data to webhook - ${e.message}`);
      if (/not a URL|not an http/.test(e.message) || e.message.includes("Kiln server's own network")) return;
    }
    if (ctx.signal.aborted) return;
  }
}

/** What a build card says of its build. */
export interface BuildFacts { jobName: string; number: number; env: Readonly<Record<string, string>>; result: string; previous: string | null }

const jobLabel = (jobName: string) => jobName.split('/').filter(Boolean).join(' » ');

/** The started or completed card of a build, as CardBuilder makes them. */
export function buildCard(kind: 'started' | 'completed', b: BuildFacts, extra: Fact[]): CardModel {
  const job = jobLabel(b.jobName);
  const run = `#${b.number}`;
  const title = `Update from ${job}.`;
  const subtitle = `Latest status of build ${run}`;
  const buildUrl = b.env.BUILD_URL ?? '';
  if (kind === 'started') return { summary: `${job}: Build ${run} Started`, title, subtitle, facts: [{ name: 'Status', value: 'Build Started' }, ...extra], color: '3479BF', buildUrl };
  const c = completedStatus(b.result, b.previous, b.result === 'FAILURE' && b.previous === 'FAILURE');
  return { summary: `${job}: Build ${run} ${c.summary}`, title, subtitle, facts: [{ name: 'Status', value: c.status }, ...extra], color: RESULT_COLORS[b.result] ?? '3479BF', buildUrl };
}

const office365ConnectorSend: StepRun = async (ctx, args) => {
  const v = args.values;
  let url = expand(str(v.webhookUrl), ctx.env);
  const credentialsId = str(v.credentialsId);
  if (!url && credentialsId) {
    const c = await ctx.build.services.credential(credentialsId);
    if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`office365ConnectorSend: the credential '${credentialsId}' is a ${c.type}: it must be a secret text holding the webhook URL`);
    url = c.secret.trim();
  }
  if (!url) {
    ctx.log('[Office365connector] Failed to resolve webhook URL: give webhookUrl or credentialsId');
    return null;
  }
  const message = str(v.message);
  const status = str(v.status);
  const extra = factDefinitions(v.factDefinitions, ctx.env);
  const b: BuildFacts = { jobName: ctx.build.jobName, number: ctx.build.number, env: ctx.env, result: String(ctx.build.result), previous: ctx.build.previous?.result ?? null };
  let model: CardModel;
  if (message) {
    const job = jobLabel(b.jobName);
    model = { summary: `${job}: Build #${b.number} Status`, title: `Message from ${job}, Build #${b.number}`, subtitle: message, facts: [{ name: 'Status', value: status || 'Running' }, ...extra], color: str(v.color) || '3479BF', buildUrl: b.env.BUILD_URL ?? '' };
  } else {
    model = buildCard(status.toLowerCase() === 'started' ? 'started' : 'completed', b, extra);
  }
  const payload = v.adaptiveCards === true ? adaptiveCard(model) : messageCard(model);
  const settings = ctx.build.services.httpServices ? await ctx.build.services.httpServices.settings() : null;
  await send(ctx, url, payload, reachGuard(settings?.httpRequest));
  return null;
};

// ---------------------------------------------------------------------------------------------
// office365ConnectorWebhooks: the job property (WebhookJobProperty) written in options or in
// properties([...]), for the build that sets it (PLUGIN_PROPERTIES_KEY). On the build's start
// (the hook runs once its options are applied) each webhook with startNotification gets the
// started card; at its end each webhook whose notifyX matches the result (DecisionMaker:
// notifyFailure for a first failure, notifyRepeatedFailure after a failure, notifyBackToNormal
// for a success after a failure or an unstable build, ...) gets the completed card. `macros`
// gate a webhook: at least one [template:, value:] whose template, expanded with the build's
// variables, equals its value (none: always). Console as the plugin's: "[Office365connector]
// Matched status 'FAILURE' for webhook 'team'." The URL is never printed.

export const WEBHOOKS_PROPERTY = 'office365ConnectorWebhooks';

interface Webhook {
  name: string; url: string; startNotification: boolean; adaptiveCards: boolean;
  notify: Record<'SUCCESS' | 'FAILURE' | 'REPEATED' | 'BACK' | 'UNSTABLE' | 'ABORTED' | 'NOT_BUILT', boolean>;
  macros: { template: string; value: string }[]; factDefinitions: Value;
}

const W = 'office365ConnectorWebhooks';

/** The webhooks of the property's `webhooks:` list; a bad one fails with what to fix. */
export function webhooksOf(v: Value | undefined): Webhook[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure(`${W}: webhooks must be a list of maps: office365ConnectorWebhooks([[name: 'team', url: '...', notifyFailure: true]])`);
  return v.map((w, i) => {
    if (!isMap(w)) throw new StepFailure(`${W}: webhook ${i + 1} must be a map [name: ..., url: ..., ...]`);
    const get = (k: string) => w.get(k);
    const flag = (k: string) => get(k) === true || get(k) === 'true';
    const url = str(get('url'));
    if (!url) throw new StepFailure(`${W}: webhook ${i + 1} has no url`);
    const macros = get('macros');
    if (macros !== undefined && macros !== null && !isList(macros)) throw new StepFailure(`${W}: macros must be a list of [template: '...', value: '...']`);
    return {
      name: str(get('name')) || url.replace(/^(https?:\/\/[^/]*).*$/, '$1/…'), url, startNotification: flag('startNotification'), adaptiveCards: flag('adaptiveCards'),
      notify: {
        SUCCESS: flag('notifySuccess'), FAILURE: flag('notifyFailure'), REPEATED: flag('notifyRepeatedFailure'), BACK: flag('notifyBackToNormal'),
        UNSTABLE: flag('notifyUnstable'), ABORTED: flag('notifyAborted'), NOT_BUILT: flag('notifyNotBuilt'),
      },
      macros: ((macros ?? []) as Value[]).map((m) => (isMap(m) ? { template: str(m.get('template')), value: str(m.get('value')) } : { template: '', value: '' })),
      factDefinitions: get('factDefinitions') ?? null,
    };
  });
}

function propertyWebhooks(e: BuildEvent): Webhook[] {
  const props = e.scope.state<PluginProperties>(PLUGIN_PROPERTIES_KEY, () => new Map());
  return webhooksOf(props.get(WEBHOOKS_PROPERTY)?.webhooks);
}

/** DecisionMaker.isAtLeastOneRuleMatched. */
function ruleMatched(e: BuildEvent, w: Webhook): boolean {
  if (w.macros.length === 0) return true;
  for (const m of w.macros) {
    if (expand(m.template, e.env) === m.value) {
      e.log(`[Office365connector] Matched template '${m.template}' for webhook '${w.name}'.`);
      return true;
    }
  }
  return false;
}

/** DecisionMaker.isStatusMatched (a build without a previous one counts its previous as SUCCESS). */
function statusMatched(result: string, previous: string | null, w: Webhook): boolean {
  const prev = previous ?? 'SUCCESS';
  const n = w.notify;
  return (result === 'ABORTED' && n.ABORTED) || (result === 'FAILURE' && prev !== 'FAILURE' && n.FAILURE)
    || (result === 'FAILURE' && prev === 'FAILURE' && n.REPEATED) || (result === 'NOT_BUILT' && n.NOT_BUILT)
    || (result === 'SUCCESS' && (prev === 'FAILURE' || prev === 'UNSTABLE') && n.BACK) || (result === 'SUCCESS' && n.SUCCESS)
    || (result === 'UNSTABLE' && n.UNSTABLE);
}

async function notify(e: BuildEvent, kind: 'started' | 'completed', result: string): Promise<void> {
  const hooks = propertyWebhooks(e);
  if (hooks.length === 0) return;
  const settings = e.services.httpServices ? await e.services.httpServices.settings() : null;
  const guard = reachGuard(settings?.httpRequest);
  const b: BuildFacts = { jobName: e.jobName, number: e.number, env: e.env, result, previous: e.previous?.result ?? null };
  for (const w of hooks) {
    if (!ruleMatched(e, w)) continue;
    if (kind === 'started' ? !w.startNotification : !statusMatched(result, b.previous, w)) continue;
    if (kind === 'completed') e.log(`[Office365connector] Matched status '${result}' for webhook '${w.name}'.`);
    const model = buildCard(kind, b, factDefinitions(w.factDefinitions, e.env, W));
    await send(e, expand(w.url, e.env), w.adaptiveCards ? adaptiveCard(model) : messageCard(model), guard);
  }
}

export const onBuildStarted = (e: BuildEvent): Promise<void> => notify(e, 'started', 'SUCCESS');
export const onBuildCompleted = (e: BuildCompletedEvent): Promise<void> => notify(e, 'completed', e.result);

const runtime: PluginRuntime = { steps: { office365ConnectorSend }, onBuildStarted, onBuildCompleted };
export default runtime;
