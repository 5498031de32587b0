// The generic-webhook-trigger plugin: the Generic Webhook Trigger plugin's `GenericTrigger`,
// declared as data. It is a trigger (a symbol): in `properties([pipelineTriggers([GenericTrigger(...)])])`
// steps/job-properties.ts reads it, `triggers { GenericTrigger(...) }` is read by
// model/triggers.ts; both check its options with model/generic-trigger.ts. The controller's
// POST /generic-webhook-trigger/invoke (controller/generic-trigger.ts) starts the jobs it names.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const l = (name: string, doc: string): StepParam => ({ name, type: 'list', doc });

export const genericWebhookTriggerPlugin: PipelinePlugin = {
  name: 'generic-webhook-trigger',
  doc: 'Generic Webhook Trigger: GenericTrigger, builds started by POST /generic-webhook-trigger/invoke?token=... with variables from the request',
  steps: [
    {
      name: 'GenericTrigger',
      kind: 'symbol',
      jenkinsPlugin: 'Generic Webhook Trigger',
      jenkinsClass: 'org.jenkinsci.plugins.gwt.GenericTrigger',
      doc: "A webhook trigger: GenericTrigger(genericVariables: [[key: 'REF', value: '$.ref']], token: 'my-job-token', regexpFilterText: '$REF', regexpFilterExpression: 'refs/heads/main'), in triggers { } or pipelineTriggers([...]).",
      differs: 'JSONPath without filters or scripts and an XPath subset (paths, //, *, [n], @attr, text()); a body printed by printPostContent is cut at 128 Ki characters; without a token only an authenticated user who may build the job starts it',
      params: [
        l('genericVariables', "variables from the body: [[key: 'REF', value: '$.ref', expressionType: 'JSONPath' (or 'XPath'), regexpFilter: '', defaultValue: '']]"),
        l('genericRequestVariables', "variables from query parameters: [[key: 'ref', regexpFilter: '']]"),
        l('genericHeaderVariables', "variables from headers: [[key: 'X-GitHub-Event', regexpFilter: '']] (the variable: x_github_event)"),
        s('regexpFilterText', 'the text the filter looks at, with $VARIABLES'),
        s('regexpFilterExpression', 'a Java regex the rendered text must match whole for the job to start'),
        s('causeString', "the build's cause, with $VARIABLES (default 'Generic Cause')"),
        s('token', 'the token a request gives (?token=, a token header, Authorization: Bearer, X-Gitlab-Token); kept as its SHA-256'),
        s('tokenCredentialId', 'a secret text credential holding the token (global, or of a folder the job is in)'),
        b('printContributedVariables', "print the resolved variables at the build's start (Contributing variables:)"),
        b('printPostContent', "print the request's body at the build's start"),
        b('silentResponse', 'leave the job out of the answer'),
        b('shouldNotFlatten', 'a JSON object or list is one variable (its JSON), not flattened into key_field'),
        b('overrideQuietPeriod', 'accepted (Kiln has no quiet period)'),
      ],
      block: 'none',
      needsNode: false,
    },
  ],
};
