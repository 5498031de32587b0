// The badge plugin's runtime (declared in index.ts): each step changes the build's badge list
// through BuildControl.updateBadges. addHtmlBadge and addShortText print the plugin's own
// deprecation line. A build keeps at most MAX_BADGES badges and each text at most MAX_TEXT
// characters: past that the step fails, so a looping script cannot bloat the build's record.
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { BuildBadge, StepContext } from '../../pipeline/steps/types.ts';
import type { Value } from '../../pipeline/script/values.ts';

export const MAX_BADGES = 500;
export const MAX_TEXT = 10_000;

const opt = (v: Value | undefined): string | null => (v === undefined || v === null ? null : String(v));

function add(ctx: StepContext, step: string, b: BuildBadge): null {
  const update = ctx.build.updateBadges;
  if (!update) throw new StepFailure(`${step}: this host keeps no badges`);
  for (const [k, v] of Object.entries(b)) if (typeof v === 'string' && v.length > MAX_TEXT) throw new StepFailure(`${step}: ${k} is ${v.length} characters long (at most ${MAX_TEXT})`);
  update((list) => {
    if (list.length >= MAX_BADGES) throw new StepFailure(`${step}: this build has ${list.length} badges already (the most Kiln keeps)`);
    return [...list, b];
  });
  return null;
}

/** The plugin's translation of a deprecated colour to a style ('jenkins-!-color-red' → a CSS variable). */
function colorStyle(color: string): string {
  if (color.startsWith('jenkins-!-color-')) return `color: var(--${color.slice('jenkins-!-color-'.length)});`;
  if (color.startsWith('jenkins-!-')) return `color: var(--${color.slice('jenkins-!-'.length)});`;
  return `color: ${color};`;
}

const common = (v: Record<string, Value>) => ({ id: opt(v.id), link: opt(v.link), style: opt(v.style), cssClass: opt(v.cssClass) });

const addBadge: StepRun = async (ctx, { values: v }) => {
  const color = opt(v.color);
  const style = color !== null ? colorStyle(color) + (opt(v.style) ?? '') : opt(v.style);
  return add(ctx, 'addBadge', { kind: 'badge', icon: opt(v.icon), text: opt(v.text) ?? '', ...common(v), style });
};

const kinded = (icon: 'info' | 'warning' | 'error'): StepRun => async (ctx, { values: v }) =>
  add(ctx, `add${icon[0]!.toUpperCase()}${icon.slice(1)}Badge`, { kind: 'badge', icon, text: opt(v.text) ?? '', ...common(v) });

const addHtmlBadge: StepRun = async (ctx, { values: v }) => {
  add(ctx, 'addHtmlBadge', { kind: 'html', icon: null, text: opt(v.html) ?? '', id: opt(v.id), link: null, style: null, cssClass: null });
  ctx.log("Step 'addHtmlBadge' is deprecated - please consider using 'addBadge' instead.");
  return null;
};

const addShortText: StepRun = async (ctx, { values: v }) => {
  const border = v.border === undefined || v.border === null ? '' : `${String(v.border)}px`;
  let style = `border: ${border} solid ${opt(v.borderColor) ?? ''};`;
  if (opt(v.background) !== null) style += `background: ${opt(v.background)};`;
  if (opt(v.color) !== null) style += colorStyle(opt(v.color)!);
  add(ctx, 'addShortText', { kind: 'badge', icon: null, text: opt(v.text) ?? '', id: null, link: opt(v.link), style, cssClass: null });
  ctx.log("Step 'addShortText' is deprecated - please consider using 'addBadge' instead.");
  return null;
};

const remover = (onlyHtml: boolean): StepRun => async (ctx, { values: v }) => {
  const id = opt(v.id);
  ctx.build.updateBadges?.((list) => list.filter((b) => !((!onlyHtml || b.kind === 'html') && (id === null || b.id === id))));
  return null;
};

const runtime: PluginRuntime = {
  steps: {
    addBadge, addInfoBadge: kinded('info'), addWarningBadge: kinded('warning'), addErrorBadge: kinded('error'),
    addHtmlBadge, addShortText, removeBadges: remover(false), removeHtmlBadges: remover(true),
  },
};
export default runtime;
