// The HashiCorp Vault plugin's `withVault`, declared as data (runtime.ts reads the secrets from
// Vault's HTTP API and runs the block with them):
//   withVault(configuration: [vaultUrl: 'https://vault:8200', vaultCredentialId: 'vault-token', engineVersion: 2],
//             vaultSecrets: [[path: 'secret/app', secretValues: [[envVar: 'DB_PW', vaultKey: 'password']]]]) { sh '...' }
//   wrap([$class: 'VaultBuildWrapper', configuration: [...], vaultSecrets: [[$class: 'VaultSecret', path: ..,
//         secretValues: [[$class: 'VaultSecretValue', envVar: .., vaultKey: ..]]]]]) { ... }
// The class form is a 'class' step with a block, which `wrap` runs (steps/wrap.ts).
// See docs/vault.md.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'HashiCorp Vault';
const FQCN = 'com.datapipe.jenkins.vault.VaultBuildWrapper';
export const VAULT_DIFFERS = "The Vault credential is a Kiln credential: a secret text is a Vault token, a username/password is an AppRole (username = role_id, password = secret_id, logged in at auth/approle/login); no AWS IAM, GCP, Kubernetes or GitHub token login. The global configuration is the controller's settings (PUT /api/v1/settings/http-services `vault`; kiln run: KILN_VAULT_URL, KILN_VAULT_CREDENTIAL, KILN_VAULT_NAMESPACE, KILN_VAULT_ENGINE_VERSION); no folder-level configuration. Requests go from the Kiln process; a link-local address (cloud metadata) is refused.";

const params: StepParam[] = [
  { name: 'configuration', type: 'map', doc: "[vaultUrl:, vaultCredentialId:, engineVersion: 1|2 (default 2), failIfNotFound: (default true), skipSslVerification:, timeout: (seconds, default 30), vaultNamespace:, prefixPath:]" },
  { name: 'vaultSecrets', type: 'list', doc: "[[path: 'secret/app', engineVersion:, secretValues: [[envVar: 'NAME', vaultKey: 'key', isRequired:]]], ...]: each value is set in the block and masked" },
];

const wrapperClass: StepDecl = {
  name: 'VaultBuildWrapper',
  kind: 'class',
  doc: "Run the block with secrets read from HashiCorp Vault (the wrapper, as wrap([$class: 'VaultBuildWrapper', configuration: [...], vaultSecrets: [...]]) { ... }).",
  params,
  block: 'required',
  needsNode: false,
  jenkinsPlugin: PLUGIN,
  jenkinsClass: FQCN,
  differs: VAULT_DIFFERS,
};

export const vaultPlugin: PipelinePlugin = {
  name: 'vault',
  doc: 'HashiCorp Vault: withVault(configuration:, vaultSecrets:) { ... } reads KV v1/v2 secrets over Vault\'s HTTP API (token or AppRole) into masked variables',
  steps: [
    {
      name: 'withVault',
      doc: "Run the block with secrets from HashiCorp Vault as variables (masked): withVault(configuration: [vaultUrl: 'https://vault:8200', vaultCredentialId: 'vault-token'], vaultSecrets: [[path: 'secret/app', secretValues: [[envVar: 'DB_PW', vaultKey: 'password']]]]) { sh 'deploy.sh' }.",
      params,
      block: 'required',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: FQCN,
      differs: VAULT_DIFFERS,
    },
    wrapperClass,
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
