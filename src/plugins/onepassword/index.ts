// The 1Password Secrets plugin's `withSecrets`, declared as data (runtime.ts reads the secrets
// from a 1Password Connect server's HTTP API and runs the block with them):
//   withSecrets(config: [connectHost: 'https://op-connect:8080', connectCredentialId: 'op-connect-token'],
//               secrets: [[envVar: 'DB_PW', secretRef: 'op://vault/item/password']]) { sh '...' }
// See docs/secrets-managers.md.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const onePasswordPlugin: PipelinePlugin = {
  name: 'onepassword',
  doc: "1Password Secrets: withSecrets(config:, secrets:) { ... } reads op:// references from a 1Password Connect server into masked variables",
  steps: [
    {
      name: 'withSecrets',
      doc: "Run the block with secrets from 1Password as variables (masked): withSecrets(config: [connectHost: 'https://op-connect:8080', connectCredentialId: 'op-token'], secrets: [[envVar: 'DB_PW', secretRef: 'op://ci/database/password']]) { sh 'deploy.sh' }.",
      params: [
        { name: 'config', type: 'map', doc: "[connectHost:, connectCredentialId: (a secret text: the Connect token), serviceAccountCredentialId:, opCLIPath:]; else OP_CONNECT_HOST and OP_CONNECT_TOKEN from the build's environment" },
        { name: 'secrets', type: 'list', doc: "[[envVar: 'NAME', secretRef: 'op://<vault>/<item>/[<section>/]<field>'], ...]; variables of the build's environment whose value is an op:// reference are read too" },
      ],
      block: 'required',
      needsNode: false,
      jenkinsPlugin: '1Password Secrets',
      jenkinsClass: 'com.onepassword.jenkins.plugins.pipeline.WithSecretsStep',
      differs: "Reads through a 1Password Connect server's REST API from the Kiln process, not the op CLI on the agent; a service account (serviceAccountCredentialId) needs the op CLI and fails the step saying so; no global or folder 1Password configuration; op:// references with ?attribute= or files are refused.",
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
