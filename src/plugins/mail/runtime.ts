// The mail plugin's runtime: what `emailext`, `emailextrecipients` and `mail` do (declared in
// index.ts). Loaded the first time a build sends mail.
//
// emailext (email-ext's EmailExtStep → ExtendedEmailPublisher.sendMail):
//   tokens expanded (tokens.ts) → recipients: the `to` list (commas or spaces; 'cc:' / 'bcc:'
//   prefixes; a bare name gets the default suffix) and each recipient provider's people (the
//   host's MailBuildFacts) → "Sending email to: a@b c@d" → the host sends. As in email-ext, a
//   message that cannot be sent (the server refuses, a wrong password) is an "ERROR: ..." line
//   in the console and the build goes on with its result unchanged; no recipients at all is
//   "An attempt to send an e-mail to empty list of recipients, ignored.".
// Mailer (the Mailer plugin's publisher, step([$class: 'Mailer', ...]): MailSender's decisions);
// mail (Mailer's MailStep): subject and body required, at least one of to/cc/bcc; any failure
//   fails the step.
// Both: no SMTP server on the host fails the step, saying what to configure; a line break in a
//   subject or an address (header injection) fails it; presendScript / postsendScript /
//   saveOutput are refused (they run Groovy against Jenkins' internals / write files).
import { zipSync } from 'fflate';
import { StepFailure } from '../../core/errors.ts';
import type { MailAttachment, MailBuildFacts, MailDefaults, MailPerson, MailServices } from '../../core/mail.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { MailError, checkAddress, checkHeader } from '../../util/smtp.ts';
import { buildStatus, expandTokens, type TokenContext } from './tokens.ts';

/** The recipient providers (declared as symbols in index.ts), by their email-ext class names for `[$class: '...']`. */
const RECIPIENT_PROVIDERS: Readonly<Record<string, { className: string }>> = {
  developers: { className: 'DevelopersRecipientProvider' },
  requestor: { className: 'RequesterRecipientProvider' },
  buildUser: { className: 'BuildUserRecipientProvider' },
  culprits: { className: 'CulpritsRecipientProvider' },
  brokenBuildSuspects: { className: 'FirstFailingBuildSuspectsRecipientProvider' },
  brokenTestsSuspects: { className: 'FailingTestSuspectsRecipientProvider' },
  upstreamDevelopers: { className: 'UpstreamComitterRecipientProvider' },
};

/** email-ext's defaults when the host sets none. */
export const DEFAULT_SUBJECT = '$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS!';
export const DEFAULT_CONTENT = '$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS:\n\nCheck console output at $BUILD_URL to view the results.';
/** The most recipients one message may have. */
const MAX_RECIPIENTS = 1000;
/** The most a message's attachments may weigh together. */
const MAX_ATTACHMENTS = 25 * 1024 * 1024;

const str = (a: StepArgs, n: string): string => {
  const v = a.values[n];
  return v === undefined || v === null ? '' : String(v);
};
const bool = (a: StepArgs, n: string, dflt: boolean): boolean => (typeof a.values[n] === 'boolean' ? a.values[n] as boolean : dflt);

function services(ctx: StepContext, step: string): MailServices {
  const m = ctx.build.services.mail;
  if (!m) throw new StepFailure(`${step}: this host cannot send e-mail`);
  return m;
}

async function defaultsOrFail(m: MailServices, step: string): Promise<MailDefaults> {
  const d = await m.defaults();
  if (!d) throw new StepFailure(`${step}: no e-mail was sent: ${m.notConfigured}`);
  return d;
}

/** A header-like value with a line break fails the step (header injection). */
function guard(step: string, what: string, v: string): string {
  try {
    // A recipient list may be long (it is split into addresses); one header value may not.
    return checkHeader(`${step}: ${what}`, v, ['to', 'cc', 'bcc'].includes(what) ? 200_000 : 2000);
  } catch (e) {
    throw new StepFailure((e as Error).message);
  }
}

/** The recipient providers named in a list: `developers()`, `[$class: 'DevelopersRecipientProvider']`. */
function providerNames(step: string, v: Value | undefined): string[] {
  if (v === undefined || v === null) return [];
  const items = isList(v) ? v : [v];
  return items.map((p, i) => {
    const sym = isMap(p) ? (p.get('$symbol') ?? p.get('$class')) : p;
    const name = String(sym ?? '');
    const found = Object.entries(RECIPIENT_PROVIDERS).find(([n, d]) => n === name || d.className === name || name.endsWith(`.${d.className}`));
    if (!found) throw new StepFailure(`${step}: recipientProviders[${i}]: '${name}' is not a recipient provider Kiln has (${Object.keys(RECIPIENT_PROVIDERS).map((n) => `${n}()`).join(', ')})`);
    return found[0];
  });
}

/** The people a provider names for this build. */
async function providerPeople(name: string, facts: MailBuildFacts, result: string, say: (line: string) => void): Promise<MailPerson[]> {
  switch (name) {
    case 'developers': return facts.developers();
    case 'culprits': return facts.culprits();
    case 'requestor': { const r = await facts.requestor(); return r ? [r] : []; }
    case 'buildUser': {
      const r = await facts.buildUser();
      if (!r) say('The build was not caused by a user!');
      return r ? [r] : [];
    }
    case 'upstreamDevelopers': return facts.upstreamDevelopers();
    // Suspects only when the build is broken that way.
    case 'brokenBuildSuspects': return result === 'FAILURE' ? facts.culprits() : [];
    case 'brokenTestsSuspects': return result === 'UNSTABLE' ? facts.culprits() : [];
    default: return [];
  }
}

interface Recipients { to: string[]; cc: string[]; bcc: string[] }

function addTo(r: Recipients, kind: keyof Recipients, address: string): void {
  const lower = address.toLowerCase();
  if (![...r.to, ...r.cc, ...r.bcc].some((a) => a.toLowerCase() === lower)) r[kind].push(address);
}

/**
 * A recipient list as email-ext reads it: addresses separated by commas or spaces, 'cc:' and
 * 'bcc:' prefixes, a name without '@' completed with the default suffix (or reported and left out).
 */
function parseList(step: string, list: string, suffix: string, r: Recipients, log: (s: string) => void): void {
  guard(step, 'to', list);
  for (let item of list.split(/[,\s]+/).filter(Boolean)) {
    let kind: keyof Recipients = 'to';
    const pre = /^(cc|bcc):/i.exec(item);
    if (pre) {
      kind = pre[1]!.toLowerCase() as 'cc' | 'bcc';
      item = item.slice(pre[0].length);
      if (!item) continue;
    }
    if (!item.includes('@')) {
      if (!suffix) {
        log(`Failed to send e-mail to ${item} because no e-mail address is known, and no default e-mail domain is configured`);
        continue;
      }
      item += suffix;
    }
    try {
      addTo(r, kind, checkAddress(`${step}: recipient`, item));
    } catch (e) {
      throw new StepFailure((e as Error).message);
    }
  }
}

function addPeople(step: string, people: MailPerson[], suffix: string, r: Recipients, log: (s: string) => void): void {
  for (const p of people) {
    const address = p.email ?? (suffix && !p.name.includes('@') ? p.name + suffix : null);
    if (address === null) {
      log(`Failed to send e-mail to ${p.name} because no e-mail address is known, and no default e-mail domain is configured`);
      continue;
    }
    try {
      addTo(r, 'to', checkAddress(`${step}: address of ${p.name}`, address));
    } catch {
      log(`Failed to send e-mail to ${p.name} because '${address.replace(/[\r\n]/g, ' ')}' is not an e-mail address`);
    }
  }
}

function tokenContext(ctx: StepContext, m: MailServices, d: MailDefaults, status: string): TokenContext {
  let log: Promise<string> | null = null;
  return {
    job: ctx.build.jobName,
    number: ctx.build.number,
    status,
    env: ctx.env,
    defaults: { subject: d.defaultSubject || DEFAULT_SUBJECT, content: d.defaultContent || DEFAULT_CONTENT, recipients: d.defaultRecipients, replyTo: d.replyTo },
    causes: ctx.env.BUILD_CAUSE ?? '',
    log: () => (log ??= m.console().then((b) => b.toString('utf8'))),
  };
}

/** `from` as given, or the default; a bare name gets the suffix (email-ext's getFromAddress). */
function fromAddress(step: string, given: string, d: MailDefaults): string {
  let from = given.trim() || d.from;
  if (!from) throw new StepFailure(`${step}: no From address: give from: or set the default From address of the SMTP settings`);
  if (!from.includes('@') && d.defaultSuffix.includes('@')) from += d.defaultSuffix;
  try {
    return checkAddress(`${step}: from`, from);
  } catch (e) {
    throw new StepFailure((e as Error).message);
  }
}

function mimeTypeOf(step: string, v: string): string {
  const t = v.trim().toLowerCase().split(';')[0]!.trim();
  if (t === '' || t === 'text/plain' || t === 'default' || t === 'project') return 'text/plain';
  if (t === 'text/html') return 'text/html';
  throw new StepFailure(`${step}: mimeType '${v}' is not one Kiln sends: use 'text/plain' or 'text/html'`);
}

/** Workspace files matching the patterns, as attachments (email-ext's AttachmentUtils). */
async function workspaceAttachments(ctx: StepContext, patterns: string, budget: { left: number }): Promise<MailAttachment[]> {
  if (ctx.cwd === null) {
    ctx.log(`emailext: attachmentsPattern '${patterns}' needs a workspace: call emailext inside a node (or a stage with an agent); nothing attached`);
    return [];
  }
  const ws = ctx.workspace();
  const dir = ctx.resolvePath('.');
  const files = await ws.glob(dir, patterns);
  const out: MailAttachment[] = [];
  for (const rel of files) {
    const st = await ws.stat(ctx.resolvePath(rel));
    if (!st) continue;
    if (st.size > budget.left) throw new StepFailure(`emailext: attaching ${rel} (${st.size} bytes) would make the message's attachments larger than ${MAX_ATTACHMENTS / 1024 / 1024} MB`);
    const content = await ws.readFile(ctx.resolvePath(rel));
    budget.left -= content.length;
    out.push({ filename: rel.split('/').pop() ?? rel, content });
  }
  return out;
}

const emailext: StepRun = async (ctx, args) => {
  const step = 'emailext';
  for (const p of ['presendScript', 'postsendScript'] as const) {
    if (str(args, p).trim() !== '') throw new StepFailure(`emailext: ${p} is not supported by Kiln: it runs Groovy against Jenkins' internals; remove it`);
  }
  if (str(args, 'saveOutputFileName').trim() !== '') throw new StepFailure('emailext: saveOutputFileName is not supported by Kiln (it writes the message into the workspace); remove it');
  if (args.values.saveOutput === true) throw new StepFailure('emailext: saveOutput is not supported by Kiln (it writes the message into the workspace); remove it');
  const providers = providerNames(step, args.values.recipientProviders);
  const m = services(ctx, step);
  const d = await defaultsOrFail(m, step);
  const result = ctx.build.result;
  const status = buildStatus(result, await m.previousResult());
  const tc = tokenContext(ctx, m, d, status);
  const subject = guard(step, 'subject', (await expandTokens(str(args, 'subject'), tc)).trim());
  const body = await expandTokens(str(args, 'body'), tc);
  const mimeType = mimeTypeOf(step, str(args, 'mimeType'));
  const from = fromAddress(step, await expandTokens(str(args, 'from'), tc), d);
  const replyToText = (await expandTokens(str(args, 'replyTo'), tc)).trim() || d.replyTo;
  let replyTo: string | null = null;
  if (replyToText) {
    try {
      replyTo = checkAddress('emailext: replyTo', replyToText);
    } catch (e) {
      throw new StepFailure((e as Error).message);
    }
  }
  const r: Recipients = { to: [], cc: [], bcc: [] };
  parseList(step, await expandTokens(str(args, 'to'), tc), d.defaultSuffix, r, (l) => ctx.log(l));
  for (const p of providers) addPeople(step, await providerPeople(p, m, result, (l) => ctx.log(l)), d.defaultSuffix, r, (l) => ctx.log(l));

  const attachments: MailAttachment[] = [];
  const budget = { left: MAX_ATTACHMENTS };
  for (const pattern of [str(args, 'attachmentsPattern'), str(args, 'inlineAttachmentsPattern')]) {
    if (pattern.trim()) attachments.push(...await workspaceAttachments(ctx, await expandTokens(pattern, tc), budget));
  }
  if (args.values.attachLog === true) {
    const log = await m.console();
    if (args.values.compressLog === true) attachments.push({ filename: 'build.zip', content: Buffer.from(zipSync({ 'build.log': new Uint8Array(log) })), contentType: 'application/zip' });
    else attachments.push({ filename: 'build.log', content: log, contentType: 'text/plain' });
  }

  const all = [...r.to, ...r.cc, ...r.bcc];
  if (all.length > MAX_RECIPIENTS) throw new StepFailure(`emailext: ${all.length} recipients: at most ${MAX_RECIPIENTS} in one message`);
  if (all.length === 0) {
    ctx.log('An attempt to send an e-mail to empty list of recipients, ignored.');
    return null;
  }
  ctx.log(`Sending email to: ${all.join(' ')}`);
  try {
    const sent = await m.send({ from, replyTo, ...r, subject, body, mimeType, charset: 'UTF-8', attachments });
    if (sent.rejected.length) ctx.log(`Could not be sent to the following addresses: ${sent.rejected.join(' ')}`);
  } catch (e) {
    // email-ext reports and goes on: a mail that cannot be sent does not change the build's result.
    if (e instanceof MailError) ctx.log(`ERROR: ${e.message}`);
    else ctx.log(`ERROR: Unexpected error while sending email: ${(e as Error).message}`);
  }
  return null;
};

const emailextrecipients: StepRun = async (ctx, args) => {
  const step = 'emailextrecipients';
  const providers = providerNames(step, args.values.recipientProviders);
  if (providers.length === 0) throw new StepFailure('emailextrecipients: You must provide at least one recipient provider');
  const m = services(ctx, step);
  const d = await m.defaults();
  const r: Recipients = { to: [], cc: [], bcc: [] };
  for (const p of providers) addPeople(step, await providerPeople(p, m, ctx.build.result, (l) => ctx.log(l)), d?.defaultSuffix ?? '', r, (l) => ctx.log(l));
  return r.to.join(' ');
};

const mail: StepRun = async (ctx, args) => {
  const step = 'mail';
  const subject = str(args, 'subject');
  const body = str(args, 'body');
  if (!subject || !body) throw new StepFailure("Email not sent. All mandatory properties must be supplied ('subject', 'body').");
  guard(step, 'subject', subject);
  const m = services(ctx, step);
  const d = await defaultsOrFail(m, step);
  const r: Recipients = { to: [], cc: [], bcc: [] };
  const add = (kind: keyof Recipients, list: string) => {
    guard(step, kind, list);
    for (let a of list.split(/[,\s]+/).filter(Boolean)) {
      if (!a.includes('@') && d.defaultSuffix) a += d.defaultSuffix;
      try {
        addTo(r, kind, checkAddress(`mail: ${kind}`, a));
      } catch (e) {
        throw new StepFailure((e as Error).message);
      }
    }
  };
  add('to', str(args, 'to'));
  add('cc', str(args, 'cc'));
  add('bcc', str(args, 'bcc'));
  if (r.to.length + r.cc.length + r.bcc.length === 0) throw new StepFailure("Email not sent. No recipients of any kind specified ('to', 'cc', 'bcc').");
  if (r.to.length + r.cc.length + r.bcc.length > MAX_RECIPIENTS) throw new StepFailure(`mail: ${r.to.length + r.cc.length + r.bcc.length} recipients: at most ${MAX_RECIPIENTS} in one message`);
  const from = fromAddress(step, str(args, 'from'), d);
  let replyTo: string | null = null;
  const rt = str(args, 'replyTo').trim() || d.replyTo;
  if (rt) {
    try {
      replyTo = checkAddress('mail: replyTo', rt);
    } catch (e) {
      throw new StepFailure((e as Error).message);
    }
  }
  try {
    await m.send({ from, replyTo, ...r, subject, body, mimeType: mimeTypeOf(step, str(args, 'mimeType')), charset: str(args, 'charset') || 'UTF-8', attachments: [] });
  } catch (e) {
    throw new StepFailure(`mail: ${(e as Error).message}`, { cause: e });
  }
  return null;
};

/** Mailer's MAX_LOG_LINES: the failure mail's console tail. */
const MAILER_LOG_LINES = 250;

/**
 * The Mailer plugin's publisher, `step([$class: 'Mailer', recipients: 'a@b c@d',
 * notifyEveryUnstableBuild: true, sendToIndividuals: false])`, as its MailSender decides: a
 * failed build mails its link, its changes and its console's last 250 lines; an unstable one (every
 * one, or only the first after a success); a successful one after a failed or unstable one says
 * it is back to normal (stable); nothing otherwise, nor while the build has no result yet (a
 * pipeline's Run.getResult() is null until something sets it: Jenkins says so). A sending
 * failure is printed and does not fail the build, as in Jenkins.
 */
const mailer: StepRun = async (ctx, args) => {
  const step = 'Mailer';
  const result = ctx.build.runResult === undefined ? ctx.build.result : ctx.build.runResult;
  const name = `${ctx.build.jobName} #${ctx.build.number}`;
  if (result === null) {
    ctx.log(`No mail will be sent out, as '${name}' does not have a result yet. Please make sure you set a proper result in case of pipeline/build scripts.`);
    return null;
  }
  const m = services(ctx, step);
  const prev = await m.previousResult();
  let caption: string | null = null;
  if (result === 'FAILURE') caption = 'Build failed in Jenkins:';
  else if (result === 'UNSTABLE' && (bool(args, 'notifyEveryUnstableBuild', false) || prev === 'SUCCESS' || prev === null)) {
    caption = prev === 'SUCCESS' ? 'Jenkins build became unstable:' : prev === 'UNSTABLE' ? 'Jenkins build is still unstable:' : 'Jenkins build is unstable:';
  } else if (result === 'SUCCESS' && (prev === 'FAILURE' || prev === 'UNSTABLE')) {
    caption = `Jenkins build is back to ${prev === 'FAILURE' ? 'normal' : 'stable'} :`;
  }
  if (caption === null) return null;
  const d = await defaultsOrFail(m, step);
  const r: Recipients = { to: [], cc: [], bcc: [] };
  const list = str(args, 'recipients');
  guard(step, 'recipients', list);
  for (let a of list.split(/[,\s]+/).filter(Boolean)) {
    if (!a.includes('@') && d.defaultSuffix) a += d.defaultSuffix;
    try {
      addTo(r, 'to', checkAddress(`${step}: recipients`, a));
    } catch (e) {
      throw new StepFailure((e as Error).message);
    }
  }
  if (bool(args, 'sendToIndividuals', false)) addPeople(step, await m.culprits(), d.defaultSuffix, r, (l) => ctx.log(l));
  if (r.to.length === 0) {
    ctx.log('An attempt to send an e-mail to empty list of recipients, ignored.');
    return null;
  }
  const url = ctx.env['BUILD_URL'] ?? '';
  const sets = ctx.build.changeSets?.() ?? [];
  const changed = sets.some((s) => s.entries.length > 0);
  let body = `See <${changed ? `${url}changes` : url}>\n\n`;
  if (result === 'FAILURE') {
    body += 'Changes:\n\n';
    for (const s of sets) for (const e of s.entries) body += `[${e.author}] ${e.msg.endsWith('\n') ? e.msg : `${e.msg}\n`}\n`;
    body += '\n------------------------------------------\n';
    const lines = (await m.console()).toString('utf8').replace(/\0/g, ' ').split('\n');
    if (lines.at(-1) === '') lines.pop();
    body += lines.slice(-MAILER_LOG_LINES).map((l) => `${l}\n`).join('');
  }
  ctx.log(`Sending e-mails to: ${r.to.join(' ')}`);
  try {
    await m.send({ from: fromAddress(step, '', d), replyTo: d.replyTo || null, ...r, subject: `${caption} ${name}`, body, mimeType: 'text/plain', charset: 'UTF-8', attachments: [] });
  } catch (e) {
    ctx.log(`ERROR: ${(e as Error).message}`);
  }
  return null;
};

const runtime: PluginRuntime = { steps: { emailext, emailextrecipients, mail, Mailer: mailer } };
export default runtime;
