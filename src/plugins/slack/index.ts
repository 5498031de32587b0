// The Slack Notification plugin's `slackSend`, declared as data; what it does is runtime.ts,
// loaded the first time a build sends to Slack. The workspace, token credential and bot/webhook
// choice come from the host's settings (core/http-services.ts); see docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

export const slackPlugin: PipelinePlugin = {
  name: 'slack',
  doc: 'Slack Notification: slackSend through the Web API (bot token) or an incoming webhook configured on the host',
  steps: [
    {
      name: 'slackSend',
      jenkinsPlugin: 'Slack Notification',
      differs: 'Kiln prints Slack\'s reason before "Slack notification failed"; notifyCommitters does not map authors to Slack users; token: is refused (use tokenCredentialId); the host\'s token goes only to the host\'s baseUrl',
      doc: "Send a Slack message: def r = slackSend(channel: '#ci', color: 'good', message: 'Built'); slackSend(channel: r.threadId, message: 'in the thread').",
      params: [
        s('message', 'the text (Slack mrkdwn)'),
        s('channel', "channels separated by commas or spaces ('#ci', '@user', 'C123'); 'C123:1503435956.000247' replies in that thread (default: the host's channel)"),
        s('color', "'good', 'warning', 'danger' or a hex colour: the message is then an attachment with that colour bar"),
        s('tokenCredentialId', 'a secret text credential: the bot token (botUser) or the webhook token (default: the host\'s)'),
        b('botUser', "the token is a bot user's: post with chat.postMessage (default: the host's choice)"),
        s('teamDomain', 'the workspace (default: the host\'s)'),
        s('baseUrl', "the API base (bot) or the webhook base, e.g. 'https://hooks.slack.com/services/' (default: the host's)"),
        { name: 'attachments', type: 'any', doc: 'Slack attachments (a list of maps, or JSON text)' },
        { name: 'blocks', type: 'any', doc: 'Slack blocks (a list of maps, or JSON text)' },
        b('notifyCommitters', 'accepted; Kiln does not map commit authors to Slack users (see docs/notifications.md)'),
        b('failOnError', 'fail the step when the message cannot be sent (default false: an ERROR line, the build goes on)'),
        s('timestamp', "update the message with this ts (chat.update) instead of posting a new one (bot user only)"),
        b('replyBroadcast', 'a thread reply is also sent to the channel'),
        s('iconEmoji', "the bot's icon (':rocket:')"),
        s('username', "the bot's name"),
        b('sendAsText', 'send the message as text, not as a coloured attachment'),
        s('token', 'refused: a token in the Jenkinsfile would be in clear; use tokenCredentialId'),
      ],
      positional: 'message',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
