// The Office 365 Connector plugin's `office365ConnectorSend` and its job property
// `office365ConnectorWebhooks` (options or properties([...])), declared as data; what they do is
// runtime.ts: the step, and the build hooks that post the property's started and completed
// cards (buildHooks: loaded when a build starts). See docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });

export const office365Plugin: PipelinePlugin = {
  name: 'office365',
  doc: 'Office 365 Connector: office365ConnectorSend posts a MessageCard (or an Adaptive Card) to a Microsoft Teams webhook; the office365ConnectorWebhooks job property posts the build\'s started and completed cards',
  buildHooks: true,
  steps: [
    {
      name: 'office365ConnectorSend',
      jenkinsPlugin: 'Office 365 Connector',
      jenkinsClass: 'jenkins.plugins.office365connector.workflow.Office365ConnectorSendStep',
      differs: "Kiln posts before the step ends (Jenkins in the background) and never prints the webhook URL in its lines; fact templates expand the build's ${VARIABLES} (not Token Macro); no Remarks/Developers facts",
      doc: "Post to Teams: office365ConnectorSend webhookUrl: env.TEAMS_HOOK, message: 'Deployed', status: 'Success', color: '00FF00', factDefinitions: [[name: 'Env', template: '${ENV_NAME}']].",
      params: [
        s('webhookUrl', 'the incoming webhook URL (a secret: take it from withCredentials, or give credentialsId)'),
        s('credentialsId', 'a secret text credential holding the webhook URL (instead of webhookUrl)'),
        s('message', "the card's text; without it the card is the build's started ('status: started') or completed card"),
        s('status', "the Status fact (default 'Running' with a message)"),
        s('color', "the card's theme colour ('00FF00', '#d00000')"),
        { name: 'factDefinitions', type: 'any', doc: "more facts: a list of [name: 'x', template: '${VAR}']" },
        { name: 'adaptiveCards', type: 'boolean', doc: 'post an Adaptive Card instead of a MessageCard (Teams workflows)' },
      ],
      positional: 'webhookUrl',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'office365ConnectorWebhooks',
      kind: 'symbol',
      jenkinsPlugin: 'Office 365 Connector',
      jenkinsClass: 'jenkins.plugins.office365connector.WebhookJobProperty',
      differs: "a job property for the build that sets it (options: from its start; properties([...]): from that call on, so no started card for that build), not kept on the job; templates of macros and facts expand the build's ${VARIABLES} (not Token Macro); timeout: is accepted, each post waits at most 30 s",
      doc: "Teams cards on the build's start and end: options { office365ConnectorWebhooks([[name: 'team', url: '${TEAMS_HOOK}', startNotification: true, notifyFailure: true, notifyBackToNormal: true]]) }. Each webhook: name, url (expanded with the build's variables), startNotification, notifySuccess, notifyFailure, notifyRepeatedFailure, notifyBackToNormal, notifyUnstable, notifyAborted, notifyNotBuilt, adaptiveCards, timeout, macros [[template:, value:]], factDefinitions [[name:, template:]].",
      params: [
        { name: 'webhooks', type: 'any', required: true, doc: 'the webhooks: a list of maps [name:, url:, startNotification:, notifySuccess:, ...]' },
      ],
      positional: 'webhooks',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
