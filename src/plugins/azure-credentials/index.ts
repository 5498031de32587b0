// The Azure Credentials plugin's binding, declared as data: the symbol
//   withCredentials([azureServicePrincipal(credentialsId: 'sp', clientSecretVariable: 'SECRET')]) { ... }
//   withCredentials([azureServicePrincipal('sp')]) { sh 'az login --service-principal -u "$AZURE_CLIENT_ID" ...' }
// binds an azureServicePrincipal credential (subscription id, client id, client secret, tenant
// id; created like the other kinds: POST /api/v1/credentials, admin only, never shown back) to
// four variables, AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID
// unless named, every value masked. A symbol has no runtime: withCredentials
// (pipeline/steps/withCredentials.ts) binds it, as it binds the Credentials Binding plugin's.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const v = (name: string, dflt: string): StepParam => ({ name, type: 'string', doc: `receives the ${name.replace(/Variable$/, '').replace(/([A-Z])/g, ' $1').toLowerCase()} (default ${dflt})` });

export const azureCredentialsPlugin: PipelinePlugin = {
  name: 'azure-credentials',
  doc: 'Azure Credentials: the azureServicePrincipal credential kind and its withCredentials binding',
  steps: [
    {
      name: 'azureServicePrincipal',
      kind: 'symbol',
      doc: "binds an Azure service principal credential to AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID (withCredentials)",
      params: [
        { name: 'credentialsId', type: 'string', required: true, doc: 'an azureServicePrincipal credential' },
        v('subscriptionIdVariable', 'AZURE_SUBSCRIPTION_ID'), v('clientIdVariable', 'AZURE_CLIENT_ID'),
        v('clientSecretVariable', 'AZURE_CLIENT_SECRET'), v('tenantIdVariable', 'AZURE_TENANT_ID'),
      ],
      positional: 'credentialsId',
      block: 'none',
      needsNode: false,
      jenkinsPlugin: 'Azure Credentials',
      jenkinsClass: 'com.microsoft.azure.util.AzureCredentialsBinding',
      differs: 'no certificate-based service principal, managed identity or Azure Key Vault credential kinds; no "Verify Service Principal" call to Azure',
    },
  ],
};
