// The HTTP services `kiln run` knows (core/http-services.ts), from the environment only: the
// credential ids name entries of --credentials, so no token is ever in a variable of its own.
//
//   KILN_SLACK_BASE_URL        Web API base (bot) or incoming-webhook base; default https://slack.com/api/ with a bot
//   KILN_SLACK_TEAM_DOMAIN     the workspace
//   KILN_SLACK_CREDENTIAL      the secret text credential holding the token
//   KILN_SLACK_BOT_USER        true: a bot token (chat.postMessage); false: a webhook (default true)
//   KILN_SLACK_CHANNEL         the default channel
//   KILN_ZULIP_URL, KILN_ZULIP_EMAIL, KILN_ZULIP_CREDENTIAL (secret text: the API key),
//   KILN_ZULIP_STREAM, KILN_ZULIP_TOPIC   Zulip (zulipSend)
//   KILN_GITHUB_API_URL        default https://api.github.com
//   KILN_GITHUB_CREDENTIAL     a token (secret text or username/password)
//   KILN_GITLAB_URL            e.g. https://gitlab.com
//   KILN_GITLAB_CREDENTIAL     a secret text token (api scope)
//   KILN_GITLAB_CONNECTIONS    named connections: name=URL=credentialId, separated by commas (gitLabConnection('name'))
//   KILN_SONAR_SERVERS         name=URL=credentialId, separated by commas: sq=https://sonar.example=sonar-token
//   KILN_OPENSHIFT_CLUSTERS    OpenShift clusters (openshift.withCluster('name')), a JSON list of
//                              {name, url, credentialsId, serverCertificateAuthority (PEM), skipTlsVerify, defaultProject}
//   KILN_ARTIFACTORY_SERVERS   id=URL=credentialId, separated by commas (Artifactory.server('id'), rtUpload(serverId: 'id'));
//                              the credential may be left empty (id=URL=) for anonymous access
//   KILN_MATTERMOST_CREDENTIAL (secret text: the incoming webhook URL), KILN_MATTERMOST_CHANNEL,
//   KILN_MATTERMOST_ICON       Mattermost (mattermostSend's defaults)
//   KILN_VAULT_URL, KILN_VAULT_CREDENTIAL, KILN_VAULT_NAMESPACE, KILN_VAULT_ENGINE_VERSION   withVault's
//                              defaults (the Vault plugin's global configuration; docs/secrets-managers.md)
//   KILN_BITBUCKET_CREDENTIAL  an OAuth consumer (username/password: key/secret) for bitbucketStatusNotify;
//   KILN_BITBUCKET_API_URL, KILN_BITBUCKET_OAUTH_URL   default Bitbucket Cloud's
//   KILN_HTTP_REQUEST_PRIVATE  false: httpRequest refuses loopback/private addresses as a controller
//                              does (default true: a run is on one's own machine)
//
// Slack, Zulip, GitHub and GitLab are configured when their credential variable is set.
import type { HttpServiceSettings, HttpServices, OpenShiftCluster, SonarServer } from '../core/http-services.ts';

/** KILN_OPENSHIFT_CLUSTERS: a JSON list of clusters; a wrong one is an error that names the field. */
function openshiftClusters(text: string): OpenShiftCluster[] {
  if (!text) return [];
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new Error('KILN_OPENSHIFT_CLUSTERS: not JSON (a list of {name, url, credentialsId, serverCertificateAuthority, skipTlsVerify, defaultProject})');
  }
  if (!Array.isArray(list)) throw new Error('KILN_OPENSHIFT_CLUSTERS: a JSON list');
  return list.map((c: Record<string, unknown>, i) => {
    const s = (k: string, required = false): string => {
      const x = c?.[k] ?? '';
      if (typeof x !== 'string' || (required && !x.trim())) throw new Error(`KILN_OPENSHIFT_CLUSTERS[${i}].${k}: ${required ? 'a non-empty string' : 'a string'}`);
      return x.trim();
    };
    return { name: s('name', true), url: s('url', true), credentialsId: s('credentialsId'), serverCertificateAuthority: s('serverCertificateAuthority'), skipTlsVerify: c.skipTlsVerify === true, defaultProject: s('defaultProject') };
  });
}

export function localHttpServices(env: Record<string, string | undefined>): HttpServices {
  const v = (k: string) => env[k]?.trim() ?? '';
  const settings = (): HttpServiceSettings => {
    const sonar: SonarServer[] = v('KILN_SONAR_SERVERS').split(',').map((x) => x.trim()).filter(Boolean).map((entry) => {
      const first = entry.indexOf('=');
      const last = entry.lastIndexOf('=');
      if (first < 1 || last === first) throw new Error(`KILN_SONAR_SERVERS: '${entry}' is not name=URL=credentialId`);
      return { name: entry.slice(0, first), url: entry.slice(first + 1, last), credentialsId: entry.slice(last + 1) };
    });
    const gitlabConnections = v('KILN_GITLAB_CONNECTIONS').split(',').map((x) => x.trim()).filter(Boolean).map((entry) => {
      const first = entry.indexOf('=');
      const last = entry.lastIndexOf('=');
      if (first < 1 || last === first) throw new Error(`KILN_GITLAB_CONNECTIONS: '${entry}' is not name=URL=credentialId`);
      return { name: entry.slice(0, first), url: entry.slice(first + 1, last), credentialsId: entry.slice(last + 1) };
    });
    const artifactory = v('KILN_ARTIFACTORY_SERVERS').split(',').map((x) => x.trim()).filter(Boolean).map((entry) => {
      const first = entry.indexOf('=');
      const last = entry.lastIndexOf('=');
      if (first < 1 || last === first) throw new Error(`KILN_ARTIFACTORY_SERVERS: '${entry}' is not id=URL=credentialId`);
      return { id: entry.slice(0, first), url: entry.slice(first + 1, last), credentialsId: entry.slice(last + 1) };
    });
    const nexus = v('KILN_NEXUS_SERVERS').split(',').map((x) => x.trim()).filter(Boolean).map((entry) => {
      const first = entry.indexOf('=');
      const last = entry.lastIndexOf('=');
      if (first < 1 || last === first) throw new Error(`KILN_NEXUS_SERVERS: '${entry}' is not id=URL=credentialId`);
      return { id: entry.slice(0, first), url: entry.slice(first + 1, last), credentialsId: entry.slice(last + 1) };
    });
    const bot = v('KILN_SLACK_BOT_USER') ? v('KILN_SLACK_BOT_USER') === 'true' : true;
    return {
      slack: v('KILN_SLACK_CREDENTIAL') ? { baseUrl: v('KILN_SLACK_BASE_URL') || (bot ? 'https://slack.com/api/' : ''), teamDomain: v('KILN_SLACK_TEAM_DOMAIN'), tokenCredentialId: v('KILN_SLACK_CREDENTIAL'), botUser: bot, room: v('KILN_SLACK_CHANNEL') } : null,
      github: v('KILN_GITHUB_CREDENTIAL') ? { apiUrl: v('KILN_GITHUB_API_URL') || 'https://api.github.com', credentialsId: v('KILN_GITHUB_CREDENTIAL') } : null,
      gitlab: v('KILN_GITLAB_CREDENTIAL') && v('KILN_GITLAB_URL') ? { url: v('KILN_GITLAB_URL'), credentialsId: v('KILN_GITLAB_CREDENTIAL') } : null,
      gitlabConnections,
      sonar,
      artifactory,
      nexus,
      zulip: v('KILN_ZULIP_CREDENTIAL') ? { url: v('KILN_ZULIP_URL'), email: v('KILN_ZULIP_EMAIL'), apiKeyCredentialId: v('KILN_ZULIP_CREDENTIAL'), stream: v('KILN_ZULIP_STREAM'), topic: v('KILN_ZULIP_TOPIC'), fullJobPathAsDefaultTopic: false } : null,
      mattermost: v('KILN_MATTERMOST_CREDENTIAL') ? { endpointCredentialId: v('KILN_MATTERMOST_CREDENTIAL'), channel: v('KILN_MATTERMOST_CHANNEL'), icon: v('KILN_MATTERMOST_ICON') } : null,
      vault: v('KILN_VAULT_URL') ? { url: v('KILN_VAULT_URL'), credentialsId: v('KILN_VAULT_CREDENTIAL'), engineVersion: v('KILN_VAULT_ENGINE_VERSION') === '1' ? 1 : 2, namespace: v('KILN_VAULT_NAMESPACE'), skipSslVerification: false } : null,
      bitbucket: v('KILN_BITBUCKET_CREDENTIAL') ? { credentialsId: v('KILN_BITBUCKET_CREDENTIAL'), apiUrl: v('KILN_BITBUCKET_API_URL') || 'https://api.bitbucket.org/2.0/', oauthUrl: v('KILN_BITBUCKET_OAUTH_URL') || 'https://bitbucket.org/site/oauth2/access_token' } : null,
      httpRequest: { allowedHosts: [], allowPrivate: v('KILN_HTTP_REQUEST_PRIVATE') !== 'false' },
      openshiftClusters: openshiftClusters(v('KILN_OPENSHIFT_CLUSTERS')),
    };
  };
  return {
    settings: async () => settings(),
    configureHint: 'kiln run reads KILN_SLACK_*, KILN_ZULIP_*, KILN_MATTERMOST_*, KILN_BITBUCKET_*, KILN_GITHUB_*, KILN_GITLAB_*, KILN_SONAR_SERVERS, KILN_OPENSHIFT_CLUSTERS, KILN_ARTIFACTORY_SERVERS, KILN_NEXUS_SERVERS (docs/notifications.md, docs/openshift.md, docs/artifactory.md)',
  };
}
