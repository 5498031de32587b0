// The badge plugin: the Badge plugin's steps that mark a build with badges, declared as data
// (runtime.ts runs them). The build keeps its badges (BuildControl.updateBadges) and its page
// and API (BuildDetail.badges) show them:
//   addBadge icon:, text:, link:, id:, cssClass:, style: (color: deprecated)
//   addInfoBadge / addWarningBadge / addErrorBadge 'text'   a badge with that icon
//   addHtmlBadge 'html'   deprecated in the plugin; shown as escaped text (Jenkins' default markup)
//   addShortText 'text', color:, background:, border:, borderColor:, link:   deprecated too
//   addSummary icon:, text:, link:, id:, cssClass:, style:   a summary on the build page
//   createSummary 'icon', text:, id:   deprecated: a summary the script goes on with appendText
//   removeBadges id:   / removeHtmlBadges id:   / removeSummaries id:   all (of that id)
// The add steps return the badge (runtime.ts: id, fields, setters, appendText) and run again
// when a resumed build replays (replayRuns), which is how a resumed build gets its badges back.
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
  replayRuns: true,
  differs: 'the returned badge shows its text as written (Jenkins returns it through the markup formatter)',
});

export const badgePlugin: PipelinePlugin = {
  name: 'badge',
  doc: 'Badge: addBadge, addInfoBadge, addWarningBadge, addErrorBadge, addHtmlBadge, addShortText, addSummary, createSummary, removeBadges, removeHtmlBadges, removeSummaries',
  steps: [
    {
      name: 'addBadge',
      doc: "Add a badge to the build: addBadge icon: 'symbol-star', text: 'release', link: 'https://...'.",
      params: [s('icon', 'the icon'), s('text', "the badge's text (its tooltip in Jenkins)"), ...common, s('color', 'deprecated: a colour, turned into style as the plugin does')],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.AddBadgeStep',
      replayRuns: true,
      differs: 'the page shows a known icon name as a sign, others as a plain badge; style and cssClass are kept, not applied',
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
      replayRuns: true,
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
      replayRuns: true,
    },
    {
      name: 'addSummary',
      doc: "Add a summary to the build page: def s = addSummary icon: 'symbol-information-circle', text: 'Deployed'; s.appendText(' to prod', true).",
      params: [s('icon', 'the icon'), s('text', "the summary's text"), ...common],
      block: 'none',
      needsNode: false,
      replayRuns: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.AddSummaryStep',
      differs: 'the text is shown as text: the HTML appendText builds (bold, italic, colour) shows as markup, as with Jenkins\' default (plain text) markup formatter',
    },
    {
      name: 'createSummary',
      doc: "Add a summary (deprecated in the plugin): def s = createSummary('symbol-star'); s.appendText('<b>x</b>', true).",
      params: [s('icon', 'the icon', true), s('text', 'the first text'), s('id', 'an id to remove it by later (removeSummaries id:)')],
      positional: 'icon',
      block: 'none',
      needsNode: false,
      replayRuns: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.CreateSummaryStep',
      differs: 'the text is shown as text, as with Jenkins\' default (plain text) markup formatter',
    },
    {
      name: 'removeBadges',
      doc: "Remove the build's badges (HTML ones too), or only those of an id: removeBadges id: 'x'.",
      params: [s('id', 'only the badges of this id')],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.RemoveBadgesStep',
      replayRuns: true,
    },
    {
      name: 'removeHtmlBadges',
      doc: "Remove the build's HTML badges, or only those of an id: removeHtmlBadges id: 'x'.",
      params: [s('id', 'only the HTML badges of this id')],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.RemoveHtmlBadgesStep',
      replayRuns: true,
    },
    {
      name: 'removeSummaries',
      doc: "Remove the build's summaries, or only those of an id: removeSummaries id: 'x'.",
      params: [s('id', 'only the summaries of this id')],
      block: 'none',
      needsNode: false,
      replayRuns: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.jenkinsci.plugins.badge.dsl.RemoveSummariesStep',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
