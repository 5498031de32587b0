// The contract between the steps that talk to HTTP services (slackSend, zulipSend, mattermostSend,
// bitbucketStatusNotify, githubNotify,
// publishChecks / withChecks, updateGitlabCommitStatus / gitlabCommitStatus, withSonarQubeEnv /
// waitForQualityGate, httpRequest: src/plugins/{slack,checks,sonar,http-request}) and the host
// that knows the services an administrator configured: the controller's settings
// (controller/http-services.ts, /api/v1/settings/{slack,github,gitlab,sonarqube,http-request}),
// `kiln run`'s environment (cli/run-http-services.ts). Secrets are never here: a setting names a
// credential id, which the step resolves through the build's credential() like any other.
// Contracts only: this folder imports nothing else of src.

export interface SlackSettings {
  /** Web API base ('https://slack.com/api/') for a bot token, or an incoming-webhook base ('https://hooks.slack.com/services/'). */
  baseUrl: string;
  /** The workspace (Jenkins' teamDomain); '' when not set. */
  teamDomain: string;
  /** The credential (secret text) holding the bot token, or the webhook's path after baseUrl. */
  tokenCredentialId: string;
  /** The token is a bot user's (chat.postMessage); false: an incoming webhook. */
  botUser: boolean;
  /** The default channel when a step gives none. */
  room: string;
}

export interface GitHubSettings {
  /** 'https://api.github.com' or a GitHub Enterprise 'https://ghe.example/api/v3'. */
  apiUrl: string;
  /** A secret text (token) or username/password (user + token) credential. */
  credentialsId: string;
}

export interface GitLabSettings {
  /** 'https://gitlab.com' (the API is under /api/v4). */
  url: string;
  /** A secret text credential holding a token with the api scope. */
  credentialsId: string;
}

/**
 * A named GitLab connection (the GitLab plugin's GitLabConnection): `gitLabConnection('name')`
 * in a job's options or properties picks it for the build's GitLab steps.
 */
export interface GitLabConnection {
  /** What gitLabConnection('...') names; one line. */
  name: string;
  /** 'https://gitlab.example' (the API is under /api/v4). */
  url: string;
  /** A secret text credential holding a token with the api scope. */
  credentialsId: string;
}

export interface SonarServer {
  name: string;
  /** 'https://sonar.example'. */
  url: string;
  /** A secret text credential holding the token; '' for none. */
  credentialsId: string;
}

/** An Artifactory server (the Artifactory plugin's global configuration): rtUpload(serverId: 'id') and Artifactory.server('id'). */
export interface ArtifactoryServerSetting {
  /** What serverId names; one line. */
  id: string;
  /** 'https://acme.jfrog.io/artifactory'. */
  url: string;
  /** A username/password (Basic) or secret text access token (Bearer) credential; '' for anonymous. */
  credentialsId: string;
}

/** A Nexus Repository Manager 3 server (the Nexus Platform plugin's global configuration): nexusPublisher(nexusInstanceId: 'id'). */
export interface NexusInstanceSetting {
  /** What nexusInstanceId names; one line. */
  id: string;
  /** 'https://nexus.example' (the REST API is under /service/rest/v1/). */
  url: string;
  /** A username/password credential (Basic authentication); '' for anonymous. */
  credentialsId: string;
}

/** The Zulip plugin's global configuration (zulipSend). */
export interface ZulipSettings {
  /** The organization's URL ('https://acme.zulipchat.com'); the API is under /api/v1/. */
  url: string;
  /** The bot's e-mail address: the user half of the API's Basic auth. */
  email: string;
  /** A secret text credential holding the bot's API key. */
  apiKeyCredentialId: string;
  /** The default stream and topic when a step gives none ('' for none: the topic is then the job's name). */
  stream: string;
  topic: string;
  /** The default topic is the job's full path ('folder » job') instead of its name. */
  fullJobPathAsDefaultTopic: boolean;
}

/** The Mattermost Notification plugin's global configuration (mattermostSend). */
export interface MattermostSettings {
  /** A secret text credential holding the incoming webhook's URL (its path is the hook's key). */
  endpointCredentialId: string;
  /** The default channel(s) when a step gives none ('' for the webhook's own). */
  channel: string;
  /** The default icon URL ('' for none). */
  icon: string;
}

/** The Bitbucket Build Status Notifier plugin's global configuration (bitbucketStatusNotify). */
export interface BitbucketSettings {
  /** A username/password credential: an OAuth consumer's key and secret (the plugin's global credentials). */
  credentialsId: string;
  /** The API base ('https://api.bitbucket.org/2.0/'). */
  apiUrl: string;
  /** The OAuth token endpoint ('https://bitbucket.org/site/oauth2/access_token'). */
  oauthUrl: string;
}

/** A cluster of the OpenShift Client plugin's global configuration (openshift.withCluster('name')). */
export interface OpenShiftCluster {
  /** What withCluster('name') names ('default': withCluster() without a name). */
  name: string;
  /** The API server, 'https://api.cluster.example:6443'. */
  url: string;
  /** A secret text credential holding the token; '' for none (the pod's service account token). */
  credentialsId: string;
  /** PEM of the API server's CA; '' for the system's. */
  serverCertificateAuthority: string;
  skipTlsVerify: boolean;
  /** The project when no withProject names one; '' for none. */
  defaultProject: string;
}

/** The HashiCorp Vault plugin's global configuration: what withVault uses where its configuration gives nothing. */
export interface VaultSettings {
  /** 'https://vault.internal:8200'. */
  url: string;
  /** A secret text (a token) or username/password (an AppRole: role_id, secret_id) credential. */
  credentialsId: string;
  /** The KV secrets engine's version (1 or 2). */
  engineVersion: 1 | 2;
  /** Sent as X-Vault-Namespace; '' for none. */
  namespace: string;
  skipSslVerification: boolean;
}

export interface HttpRequestSettings {
  /**
   * Host names (or `*.suffix`) httpRequest may reach even where they resolve to a loopback,
   * private or link-local address. Everything public is always allowed.
   */
  allowedHosts: string[];
  /** Allow every address (kiln run on one's own machine). */
  allowPrivate: boolean;
}

export interface HttpServiceSettings {
  slack: SlackSettings | null;
  github: GitHubSettings | null;
  gitlab: GitLabSettings | null;
  /** Named GitLab connections (gitLabConnection('name')); absent: none. */
  gitlabConnections?: GitLabConnection[];
  sonar: SonarServer[];
  httpRequest: HttpRequestSettings;
  /** Zulip (zulipSend); absent or null: not configured. */
  zulip?: ZulipSettings | null;
  /** OpenShift clusters (openshift.withCluster('name')); absent: none. */
  openshiftClusters?: OpenShiftCluster[];
  /** Artifactory servers (the Artifactory plugin's steps); absent: none. */
  artifactory?: ArtifactoryServerSetting[];
  /** Nexus Repository Manager 3 servers (nexusPublisher); absent: none. */
  nexus?: NexusInstanceSetting[];
  /** Mattermost (mattermostSend's defaults); absent or null: not configured. */
  mattermost?: MattermostSettings | null;
  /** Bitbucket Cloud (bitbucketStatusNotify); absent or null: not configured. */
  bitbucket?: BitbucketSettings | null;
  /** HashiCorp Vault (withVault's defaults); absent or null: not configured. */
  vault?: VaultSettings | null;
}

export interface HttpServices {
  settings(): Promise<HttpServiceSettings>;
  /** Where an administrator configures them, for messages ("Settings → Notifications", "KILN_SLACK_* variables"). */
  readonly configureHint: string;
}
