// The Pipeline: AWS Steps plugin's `withAWS`, declared as data; runtime.ts exports the keys of a
// credential and the region to its block. No STS: `role:` is refused. See docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const refused = (name: string): StepParam => ({ name, type: 'any', doc: 'refused: Kiln does not call AWS STS' });

export const awsPlugin: PipelinePlugin = {
  name: 'aws',
  doc: 'Pipeline: AWS Steps: withAWS exports an access key credential and a region to its block',
  steps: [
    {
      name: 'withAWS',
      jenkinsPlugin: 'Pipeline: AWS Steps',
      differs: 'keys from a username/password credential; no STS: role: and the other assume-role options are refused',
      doc: "Run a block with AWS keys and region: withAWS(credentials: 'aws-keys', region: 'eu-west-1') { sh 'aws s3 ls' }.",
      params: [
        { name: 'credentials', type: 'string', doc: 'a username/password credential: the access key id and the secret access key' },
        { name: 'region', type: 'string', doc: 'exported as AWS_DEFAULT_REGION and AWS_REGION' },
        { name: 'endpointUrl', type: 'string', doc: 'exported as AWS_ENDPOINT_URL' },
        { name: 'profile', type: 'string', doc: 'exported as AWS_PROFILE (no keys are exported then unless credentials: is given)' },
        refused('role'), refused('roleAccount'), refused('roleSessionName'), refused('externalId'), refused('policy'),
        refused('duration'), refused('iamMfaToken'), refused('federatedUserId'), refused('principalArn'), refused('samlAssertion'),
        refused('useNode'), refused('assumeRolePolicy'),
      ],
      block: 'required',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
