// The badge plugin's runtime (declared in index.ts): each step changes the build's badge list
// through BuildControl.updateBadges. As in badge-plugin 2.x, an add step returns the badge (its
// action): a script reads `.id` (a random UUID when none was given, so `removeBadges(id: b.id)`
// works; kept in the build's journal with the step call, so the id stays the same after a
// controller restart) and the other fields, and changes them later (`b.text = 'done'`, `b.setIcon(...)`); a
// summary (addSummary, or the deprecated createSummary) also takes `appendText(text[, escapeHtml
// [, bold, italic, color]])`, which builds the plugin's markup. Every text is kept as written and
// shown as text (Jenkins' default markup formatter escapes it), never as HTML.
// The steps are `replayRuns` (core/steps.ts): a resumed build rebuilds its badges by running them
// again, and its Groovy changes the objects again, in the same order.
// The deprecated steps print the plugin's own line. A build keeps at most MAX_BADGES badges and
// each text at most MAX_TEXT characters: past that the step (or the change) fails, so a looping
// script cannot bloat the build's record.
import { randomUUID } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { BuildBadge, StepContext } from '../../pipeline/steps/types.ts';
import type { CallArgs, HostObject, Value } from '../../pipeline/script/values.ts';

export const MAX_BADGES = 500;
export const MAX_TEXT = 10_000;

const opt = (v: Value | undefined): string | null => (v === undefined || v === null ? null : String(v));

const FIELDS = ['icon', 'text', 'cssClass', 'style', 'link'] as const;
type Field = (typeof FIELDS)[number];

const TYPES: Record<BuildBadge['kind'], string> = {
  badge: 'com.jenkinsci.plugins.badge.action.BadgeAction',
  html: 'com.jenkinsci.plugins.badge.action.HtmlBadgeAction',
  summary: 'com.jenkinsci.plugins.badge.action.BadgeSummaryAction',
};

function checkLength(step: string, k: string, v: string | null): void {
  if (v !== null && v.length > MAX_TEXT) throw new StepFailure(`${step}: ${k} is ${v.length} characters long (at most ${MAX_TEXT})`);
}

/** commons-lang 2's StringEscapeUtils.escapeHtml for what a script appends with escapeHtml: true. */
function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The badge as the script holds it: the object in the build's list (changed in place through
 * updateBadges, so the build page shows the change). Once removed from the build, changes to it
 * show nowhere, as with a removed action in Jenkins.
 */
function badgeObject(ctx: StepContext, b: BuildBadge): HostObject {
  const update = ctx.build.updateBadges!;
  const set = (k: Field, v: Value): void => {
    const s = opt(v);
    checkLength(`badge ${k}`, k, s);
    update((list) => {
      if (k === 'text') b.text = s ?? '';
      else b[k] = s;
      return [...list];
    });
  };
  const appendText = (a: Value[]): void => {
    if (b.kind !== 'summary') throw new StepFailure('appendText: only a summary (addSummary, createSummary) has it');
    let text = opt(a[0]) ?? 'null';
    const escape = a[1] === true;
    let start = '';
    let close = '';
    if (a.length === 5) {
      if (a[2] === true) { start += '<b>'; close += '</b>'; }
      if (a[3] === true) { start += '<i>'; close += '</i>'; }
      if (a[4] !== null && a[4] !== undefined) { start += `<font color="${escapeHtml(String(a[4]))}">`; close += '</font>'; }
    } else if (a.length !== 1 && a.length !== 2) {
      throw new StepFailure(`appendText: takes (text), (text, escapeHtml) or (text, escapeHtml, bold, italic, color), not ${a.length} arguments`);
    }
    if (escape) text = escapeHtml(text);
    set('text', b.text + start + text + close);
  };
  const get = (n: string): Value | undefined => (n === 'id' ? b.id : (FIELDS as readonly string[]).includes(n) ? b[n as Field] : undefined);
  return {
    kind: 'host',
    typeName: TYPES[b.kind],
    getProperty: (n) => get(n),
    setProperty: (n, v) => {
      if (!(FIELDS as readonly string[]).includes(n)) return false;
      set(n as Field, v);
      return true;
    },
    invokeMethod: (n: string, args: CallArgs) => {
      const a = args.positional;
      const m = /^(get|set)(Id|Icon|Text|CssClass|Style|Link)$/.exec(n);
      if (m) {
        const field = m[2]![0]!.toLowerCase() + m[2]!.slice(1);
        if (m[1] === 'get' && a.length === 0) return Promise.resolve(get(field) ?? null);
        if (m[1] === 'set' && a.length === 1 && field !== 'id') return Promise.resolve(set(field as Field, a[0]!)).then(() => null);
        return undefined;
      }
      if (n === 'appendText') return Promise.resolve().then(() => { appendText(a); return null; });
      return undefined;
    },
    toString: () => `${TYPES[b.kind]}@${b.id}`,
  };
}

function add(ctx: StepContext, step: string, b: BuildBadge): HostObject {
  const update = ctx.build.updateBadges;
  if (!update) throw new StepFailure(`${step}: this host keeps no badges`);
  for (const [k, v] of Object.entries(b)) if (typeof v === 'string') checkLength(step, k, v);
  update((list) => {
    if (list.length >= MAX_BADGES) throw new StepFailure(`${step}: this build has ${list.length} badges already (the most Kiln keeps)`);
    return [...list, b];
  });
  return badgeObject(ctx, b);
}

/** The plugin's translation of a deprecated colour to a style ('jenkins-!-color-red' → a CSS variable). */
function colorStyle(color: string): string {
  if (color.startsWith('jenkins-!-color-')) return `color: var(--${color.slice('jenkins-!-color-'.length)});`;
  if (color.startsWith('jenkins-!-')) return `color: var(--${color.slice('jenkins-!-'.length)});`;
  return `color: ${color};`;
}

/**
 * The id a badge gets: the one given, else a random UUID (as AbstractBadgeAction's constructor
 * does), made once and kept with the step call in the journal (StepContext.journaled), so a
 * resumed build's replay gives the badge the same id the API and the script saw before.
 */
const idOf = (ctx: StepContext, v: Record<string, Value>): string => opt(v.id) ?? newId(ctx);
const newId = (ctx: StepContext): string => (ctx.journaled ? ctx.journaled('badgeId', randomUUID) : randomUUID());

const common = (ctx: StepContext, v: Record<string, Value>) => ({ id: idOf(ctx, v), link: opt(v.link), style: opt(v.style), cssClass: opt(v.cssClass) });

const addBadge = (kind: 'badge' | 'summary', step: string): StepRun => async (ctx, { values: v }) => {
  const color = opt(v.color);
  const style = color !== null ? colorStyle(color) + (opt(v.style) ?? '') : opt(v.style);
  return add(ctx, step, { kind, icon: opt(v.icon), text: opt(v.text) ?? '', ...common(ctx, v), style });
};

const kinded = (icon: 'info' | 'warning' | 'error'): StepRun => async (ctx, { values: v }) =>
  add(ctx, `add${icon[0]!.toUpperCase()}${icon.slice(1)}Badge`, { kind: 'badge', icon, text: opt(v.text) ?? '', ...common(ctx, v) });

const addHtmlBadge: StepRun = async (ctx, { values: v }) => {
  const b = add(ctx, 'addHtmlBadge', { kind: 'html', icon: null, text: opt(v.html) ?? '', id: idOf(ctx, v), link: null, style: null, cssClass: null });
  ctx.log("Step 'addHtmlBadge' is deprecated - please consider using 'addBadge' instead.");
  return b;
};

const addShortText: StepRun = async (ctx, { values: v }) => {
  const border = v.border === undefined || v.border === null ? '' : `${String(v.border)}px`;
  let style = `border: ${border} solid ${opt(v.borderColor) ?? ''};`;
  if (opt(v.background) !== null) style += `background: ${opt(v.background)};`;
  if (opt(v.color) !== null) style += colorStyle(opt(v.color)!);
  const b = add(ctx, 'addShortText', { kind: 'badge', icon: null, text: opt(v.text) ?? '', id: newId(ctx), link: opt(v.link), style, cssClass: null });
  ctx.log("Step 'addShortText' is deprecated - please consider using 'addBadge' instead.");
  return b;
};

/** createSummary (deprecated in 2.x): a summary with that icon and id; its text appended as the plugin does (appendText, not escaped). */
const createSummary: StepRun = async (ctx, { values: v }) => {
  const text = opt(v.text);
  const b = add(ctx, 'createSummary', { kind: 'summary', icon: opt(v.icon), text: text !== null && text.trim() !== '' ? text : '', id: idOf(ctx, v), link: null, style: null, cssClass: null });
  ctx.log("Step 'createSummary' is deprecated - please consider using 'addSummary' instead.");
  return b;
};

const remover = (kinds: readonly BuildBadge['kind'][]): StepRun => async (ctx, { values: v }) => {
  const id = opt(v.id);
  ctx.build.updateBadges?.((list) => list.filter((b) => !(kinds.includes(b.kind) && (id === null || b.id === id))));
  return null;
};

const runtime: PluginRuntime = {
  steps: {
    addBadge: addBadge('badge', 'addBadge'), addInfoBadge: kinded('info'), addWarningBadge: kinded('warning'), addErrorBadge: kinded('error'),
    addHtmlBadge, addShortText, addSummary: addBadge('summary', 'addSummary'), createSummary,
    removeBadges: remover(['badge', 'html']), removeHtmlBadges: remover(['html']), removeSummaries: remover(['summary']),
  },
};
export default runtime;
