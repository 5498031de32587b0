// The Discord Notifier plugin's `discordSend`, declared as data; what it does is runtime.ts,
// loaded the first time a build sends. No host settings: the step names its webhook (a secret:
// from withCredentials); see docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

export const discordPlugin: PipelinePlugin = {
  name: 'discord',
  doc: 'Discord Notifier: discordSend posts an embed to a Discord webhook',
  steps: [
    {
      name: 'discordSend',
      jenkinsPlugin: 'Discord Notifier',
      jenkinsClass: 'nz.co.jammehcow.jenkinsdiscord.DiscordPipelineStep',
      differs: "Kiln prints Discord's error answer as one line (Jenkins prints a stack trace); the Status field is the build's current result (Jenkins needs a result set); the Artifacts field links Kiln's artifact route (/api/v1/jobs/<job>/builds/<n>/artifacts/<path>); customFile and dynamicFieldContainer are not provided; a webhook on the Kiln server's own network is refused unless allowed",
      doc: "Post a Discord embed: discordSend webhookURL: env.DISCORD_HOOK, title: env.JOB_NAME, link: env.BUILD_URL, result: currentBuild.currentResult, description: 'Deployed'.",
      params: [
        { name: 'webhookURL', type: 'string', required: true, doc: "the webhook URL (a secret: take it from withCredentials)" },
        s('title', 'the embed title (256 characters; longer is cut, with a warning)'),
        s('description', 'the embed text (4096 characters)'),
        s('link', "the title's link, and the Build and Status fields' (usually env.BUILD_URL)"),
        s('result', "the colour: 'SUCCESS' green, 'UNSTABLE' yellow, 'FAILURE' red, 'ABORTED' / 'NOT_BUILT' grey (default: from successful / unstable)"),
        s('footer', 'the footer (2048 characters)'),
        s('thumbnail', 'an image URL shown at the right'),
        s('image', 'an image URL shown below'),
        s('notes', 'the message text above the embed (2000 characters)'),
        s('customUsername', "the poster's name (default 'Jenkins')"),
        s('customAvatarUrl', "the poster's avatar URL (default Jenkins' headshot)"),
        s('scmWebUrl', "a commit link template with %s for the commit id (showChangeset)"),
        b('successful', 'without result: green when true (yellow with unstable), red when false (default false)'),
        b('unstable', 'without result: yellow'),
        b('enableArtifactsList', "an Artifacts field: a link per archived file (only the artifacts URL when they do not fit in 1024 characters)"),
        b('showChangeset', "a Changes field: a line per commit of the build's change sets (linked with scmWebUrl)"),
      ],
      positional: 'webhookURL',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
