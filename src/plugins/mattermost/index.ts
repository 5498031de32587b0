// The Mattermost Notification plugin's `mattermostSend`, declared as data; what it does is
// runtime.ts, loaded the first time a build sends. The default endpoint (a secret text credential
// holding the incoming webhook's URL), channel and icon are the host's settings
// (core/http-services.ts `mattermost`; the controller's PUT /api/v1/settings/http-services,
// `kiln run`'s KILN_MATTERMOST_* variables); see docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });

export const mattermostPlugin: PipelinePlugin = {
  name: 'mattermost',
  doc: "Mattermost Notification: mattermostSend posts to a Mattermost incoming webhook (the step's or the host's)",
  steps: [
    {
      name: 'mattermostSend',
      jenkinsPlugin: 'Mattermost Notification',
      jenkinsClass: 'jenkins.plugins.mattermost.workflow.MattermostSendStep',
      differs: "Kiln prints the webhook's reason before the ERROR line (Jenkins writes it to its own log, and its line says \"Slack notification failed\"); the host's endpoint is a secret text credential; a step's own endpoint may not reach the Kiln server's network unless allowed",
      doc: "Post to Mattermost: mattermostSend color: 'good', message: 'Build ${env.BUILD_NUMBER} passed', channel: 'town-square'.",
      params: [
        { name: 'message', type: 'string', required: true, doc: 'the message (Markdown), shown as an attachment field' },
        s('text', 'text above the attachment'),
        s('color', "the attachment's colour bar: 'good', 'warning', 'danger' or '#RRGGBB'"),
        s('channel', "channels separated by ',' or ';' ('town-square', '@user', 'botname@channel'; default: the host's, else the webhook's own)"),
        s('endpoint', "the incoming webhook URL (default: the host's); a secret: take it from withCredentials, not the Jenkinsfile"),
        s('icon', "the icon URL (default: the host's)"),
        { name: 'failOnError', type: 'boolean', doc: 'fail the step when the message cannot be sent (default false: an ERROR line, the build goes on)' },
      ],
      positional: 'message',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
