// A credential as builds see it: what `credentials()`, `withCredentials` and the steps that take
// a credentialsId receive from the build's services, and which of its strings the console masks.
// Contracts only: this folder imports nothing else of src.

export interface Credential {
  id: string;
  type: 'secretText' | 'usernamePassword' | 'secretFile' | 'sshKey' | 'certificate' | 'azureServicePrincipal';
  secret?: string;
  username?: string;
  password?: string;
  fileName?: string;
  content?: Buffer;
  privateKey?: string;
  passphrase?: string;
  /** azureServicePrincipal (the Azure Credentials plugin): a service principal's ids and secret. */
  subscriptionId?: string;
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  /** Azure, AzureChinaCloud, AzureUSGovernment, AzureGermanCloud (default Azure). */
  azureEnvironmentName?: string;
}

/** The strings of a credential the engine masks in the console (the same choice as engine.ts / withCredentials.ts). */
export function secretsOf(c: Credential): string[] {
  const out: string[] = [];
  const add = (...s: (string | undefined)[]) => { for (const x of s) if (x) out.push(x); };
  switch (c.type) {
    case 'secretText': add(c.secret); break;
    case 'usernamePassword': add(c.password, `${c.username ?? ''}:${c.password ?? ''}`); break;
    case 'sshKey': add(c.passphrase, ...(c.privateKey ?? '').split('\n').filter((l) => l.length >= 16)); break;
    case 'certificate': add(c.password); break;
    case 'secretFile': break;
    // The Azure Credentials plugin's binding masks all four values (they are Secrets there).
    case 'azureServicePrincipal': add(c.clientSecret, c.subscriptionId, c.clientId, c.tenantId); break;
  }
  return out;
}
