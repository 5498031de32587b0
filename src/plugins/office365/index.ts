// The Office 365 Connector plugin's `office365ConnectorSend`, declared as data; what it does is
// runtime.ts, loaded the first time a build sends. The step names its webhook (or a secret text
// credential holding it); see docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });

export const office365Plugin: PipelinePlugin = {
  name: 'office365',
  doc: 'Office 365 Connector: office365ConnectorSend posts a MessageCard (or an Adaptive Card) to a Microsoft Teams webhook',
  steps: [
    {
      name: 'office365ConnectorSend',
      jenkinsPlugin: 'Office 365 Connector',
      jenkinsClass: 'jenkins.plugins.office365connector.workflow.Office365ConnectorSendStep',
      differs: "Kiln posts before the step ends (Jenkins in the background) and never prints the webhook URL in its lines; fact templates expand the build's ${VARIABLES} (not Token Macro); no Remarks/Developers facts; the job property office365ConnectorWebhooks is not provided",
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
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
