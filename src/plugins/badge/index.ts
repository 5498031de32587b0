// The badge plugin: the Badge plugin's steps that mark a build with badges, declared as data
// (runtime.ts runs them). The build keeps its badges (BuildControl.updateBadges) and its page
// and API (BuildDetail.badges) show them:
//   addBadge icon:, text:, link:, id:, cssClass:, style: (color: deprecated)
//   addInfoBadge / addWarningBadge / addErrorBadge 'text'   a badge with that icon
//   addHtmlBadge 'html'   deprecated in the plugin; shown as escaped text (Jenkins' default markup)
//   addShortText 'text', color:, background:, border:, borderColor:, link:   deprecated too
//   removeBadges id:   / removeHtmlBadges id:   all (of that id)
// createSummary / removeSummaries are not provided (they stay unknown steps).
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Badge';
const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const common = [s('id', 'an id to remove it by later (removeBadges id:)'), s('cssClass', 'CSS classes (kept; the Kiln page does not apply them)'), s('style', 'CSS style (kept; the Kiln page does not apply it)'), s('link', 'where the badge links to (http(s) or a path)')];
const kinded = (name: string, what: string, cls: string) => ({
  name,
  doc: `Add a ${what} badge to the build: ${name} '...' (text:, id:, link:).`,
  params: [s('text', `the ${what} text`, true), ...common],
  positional: 'text',
  block: 'none' as const,
  needsNode: false,
  jenkinsPlugin: PLUGIN,
  jenkinsClass: `com.jenkinsci.plugins.badge.dsl.${cls}`,
  differs: 'returns null (Jenkins returns the badge action, which a script could change later)',
});

export const badgePlugin: PipelinePlugin = {
  name: 'badge',
  doc: 'Badge: addBadge, addInfoBadge, addWarningBadge, addErrorBadge, addHtmlBadge, addShortText, removeBadges, removeHtmlBadges',
  steps: [
    {
      name: 'addBadge',
      doc: "Add a badge to the build: addBadge icon: 'symbol-star', text: 'release', link: 'https://...'.",
      params: [s('icon', 'the icon'), s('text', "the badge's text (its tooltip in Jenkins)"), ...common, s('color', 'deprecated: a colour, turned into style as the plugin does')],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.AddBadgeStep',
      differs: 'returns null (Jenkins returns the badge action); the page shows a known icon name as a sign, others as a plain badge',
    },
    kinded('addInfoBadge', 'info', 'AddInfoBadgeStep'),
    kinded('addWarningBadge', 'warning', 'AddWarningBadgeStep'),
    kinded('addErrorBadge', 'error', 'AddErrorBadgeStep'),
    {
      name: 'addHtmlBadge',
      doc: "Add an HTML badge (deprecated in the plugin): addHtmlBadge html: '<b>v1.2</b>'; shown escaped, as Jenkins' default markup formatter shows it.",
      params: [s('html', 'the HTML', true), s('id', 'an id to remove it by later')],
      positional: 'html',
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.AddHtmlBadgeStep',
      differs: 'the HTML is shown as text, never rendered (Jenkins renders it only with a markup formatter that allows HTML)',
    },
    {
      name: 'addShortText',
      doc: "Add a short text badge (deprecated in the plugin): addShortText text: 'v1.2', color: 'white', background: 'green'.",
      params: [s('text', 'the text', true), s('color', 'text colour'), s('background', 'background colour'), { name: 'border', type: 'integer', doc: 'border width (px)' }, s('borderColor', 'border colour'), s('link', 'where it links to')],
      positional: 'text',
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.AddShortTextStep',
    },
    {
      name: 'removeBadges',
      doc: "Remove the build's badges (HTML ones too), or only those of an id: removeBadges id: 'x'.",
      params: [s('id', 'only the badges of this id')],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.RemoveBadgesStep',
    },
    {
      name: 'removeHtmlBadges',
      doc: "Remove the build's HTML badges, or only those of an id: removeHtmlBadges id: 'x'.",
      params: [s('id', 'only the HTML badges of this id')],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.RemoveHtmlBadgesStep',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
