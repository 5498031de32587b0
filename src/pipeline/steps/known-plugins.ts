// Which Jenkins plugin a step name comes from: for the steps Kiln provides (so that
// `kiln lint --list-steps` and docs/steps.md group them by the plugin they stand in for) and
// for well-known steps Kiln does not provide (so that an unknown step's message says where it
// comes from: "rocketSend comes from the RocketChat Notifier plugin, which Kiln does not provide;
// a shared library can define vars/rocketSend.groovy").
//
// One table, name → the plugin's display name as the Jenkins plugin site shows it. A plugin of
// Kiln may set StepDecl.jenkinsPlugin on its own steps; this table answers for the others.
// Declaration side: data only (kiln lint loads it).
import type { StepDecl } from '../../core/steps.ts';

const P = {
  basic: 'Pipeline: Basic Steps',
  nodes: 'Pipeline: Nodes and Processes',
  groovy: 'Pipeline: Groovy',
  declarative: 'Pipeline: Declarative',
  job: 'Pipeline: Job',
  multibranch: 'Pipeline: Multibranch',
  core: 'Jenkins core',
  scmStep: 'Pipeline: SCM Step',
  utility: 'Pipeline Utility Steps',
  creds: 'Credentials Binding',
  docker: 'Docker Pipeline',
  k8s: 'Kubernetes',
  email: 'Email Extension',
  mailer: 'Mailer',
  warnings: 'Warnings',
  sshAgent: 'SSH Agent',
  coverage: 'Coverage',
} as const;

/** Well-known Jenkins steps and symbols → the plugin that provides them. */
export const JENKINS_STEP_PLUGINS: Readonly<Record<string, string>> = {
  // Jenkins' pipeline suite
  echo: P.basic, error: P.basic, sleep: P.basic, retry: P.basic, timeout: P.basic, waitUntil: P.basic, dir: P.basic,
  deleteDir: P.basic, fileExists: P.basic, isUnix: P.basic, pwd: P.basic, readFile: P.basic, writeFile: P.basic,
  withEnv: P.basic, catchError: P.basic, warnError: P.basic, unstable: P.basic, tool: P.basic, stash: P.basic,
  unstash: P.basic, archive: P.basic, unarchive: P.basic, step: P.basic, wrap: P.basic, getContext: P.basic, withContext: P.basic,
  mail: P.mailer,
  sh: P.nodes, bat: P.nodes, powershell: P.nodes, pwsh: P.nodes, node: P.nodes, ws: P.nodes,
  parallel: P.groovy,
  script: P.declarative, disableRestartFromStage: P.declarative, validateDeclarativePipeline: P.declarative,
  stage: 'Pipeline: Stage Step', input: 'Pipeline: Input Step', build: 'Pipeline: Build Step', milestone: 'Pipeline: Milestone Step',
  library: 'Pipeline: Groovy Libraries', libraryResource: 'Pipeline: Groovy Libraries',
  properties: P.multibranch, readTrusted: P.multibranch, resolveScm: 'Pipeline: Multibranch with defaults',
  disableConcurrentBuilds: P.job, durabilityHint: P.job, disableResume: P.job,
  rateLimitBuilds: 'Branch API', overrideIndexTriggers: 'Branch API',
  checkout: P.scmStep, git: 'Git',
  archiveArtifacts: P.core, buildDiscarder: P.core, logRotator: P.core, cron: P.core, pollSCM: P.core, upstream: P.core,
  parameters: P.core, pipelineTriggers: P.core, string: P.core, text: P.core, booleanParam: P.core, choice: P.core,
  password: P.core, file: P.core, run: P.core,
  credentials: 'Credentials', withCredentials: P.creds, usernamePassword: P.creds, usernameColonPassword: P.creds,
  sshUserPrivateKey: P.creds, certificate: P.creds, dockerCert: 'Docker Commons',
  junit: 'JUnit', lock: 'Lockable Resources', cleanWs: 'Workspace Cleanup', ansiColor: 'AnsiColor', timestamps: 'Timestamper',
  copyArtifactPermission: 'Copy Artifact',
  githubProjectProperty: 'GitHub', githubPush: 'GitHub', parameterizedCron: 'Parameterized Scheduler',
  // Pipeline Utility Steps
  readJSON: P.utility, writeJSON: P.utility, readYaml: P.utility, writeYaml: P.utility, readProperties: P.utility,
  readCSV: P.utility, writeCSV: P.utility, readManifest: P.utility, readMavenPom: P.utility, writeMavenPom: P.utility,
  findFiles: P.utility, touch: P.utility, zip: P.utility, unzip: P.utility, tar: P.utility, untar: P.utility,
  sha1: P.utility, sha256: P.utility, verifySha1: P.utility, verifySha256: P.utility, tee: P.utility,
  nodesByLabel: P.utility, compareVersions: P.utility, prependToFile: P.utility,
  // containers
  docker: P.docker, withDockerRegistry: P.docker, withDockerServer: P.docker, withDockerContainer: P.docker, dockerFingerprintFrom: P.docker,
  podTemplate: P.k8s, containerTemplate: P.k8s, container: P.k8s, containerLog: P.k8s, envVar: P.k8s, secretEnvVar: P.k8s,
  emptyDirVolume: P.k8s, hostPathVolume: P.k8s, secretVolume: P.k8s, configMapVolume: P.k8s, persistentVolumeClaim: P.k8s, nfsVolume: P.k8s,
  kubernetesAgent: 'Kubernetes', agent: 'Pipeline: Basic Steps', nonresumable: 'Pipeline: Basic Steps',
  withKubeConfig: 'Kubernetes CLI',
  // notifications, reports, quality
  emailext: P.email, emailextrecipients: P.email, developers: P.email, requestor: P.email, culprits: P.email,
  brokenBuildSuspects: P.email, brokenTestsSuspects: P.email, upstreamDevelopers: P.email,
  slackUploadFile: 'Slack Notification', office365ConnectorWebhooks: 'Office 365 Connector',
  rocketSend: 'RocketChat Notifier', hipchatSend: 'HipChat', telegramSend: 'Telegram Bot',
  googlechatnotification: 'Google Chat Notification',
  recordIssues: P.warnings, scanForIssues: P.warnings, publishIssues: P.warnings, discoverGitReferenceBuild: 'Git Forensics',
  discoverReferenceBuild: 'Forensics API',
   xunit: 'xUnit', nunit: 'NUnit', mstest: 'MSTest',
  perfReport: 'Performance',
  cucumber: 'Cucumber reports',
  githubBranches: 'GitHub Integration', pullRequest: 'Pipeline: GitHub',
  addGitLabMRComment: 'GitLab', gitlabBuilds: 'GitLab', gitlab: 'GitLab',
  // build tools and environments
  sshagent: 'SSH Agent', sshPublisher: 'Publish Over SSH', sshCommand: 'SSH Pipeline Steps', sshPut: 'SSH Pipeline Steps',
  sshGet: 'SSH Pipeline Steps', sshScript: 'SSH Pipeline Steps', sshRemove: 'SSH Pipeline Steps',
  cfnUpdate: 'Pipeline: AWS Steps',
  ecrLogin: 'Pipeline: AWS Steps', awsIdentity: 'Pipeline: AWS Steps', withVault: 'HashiCorp Vault', azureCLI: 'Azure CLI',
  withPythonEnv: 'Pyenv Pipeline',
  buildName: 'Build Name and Description Setter', buildDescription: 'Build Name and Description Setter',
  addBadge: 'Badge', addShortText: 'Badge', addInfoBadge: 'Badge', addWarningBadge: 'Badge', addErrorBadge: 'Badge', createSummary: 'Badge',
  jiraComment: 'JIRA', jiraIssueSelector: 'JIRA', jiraSendBuildInfo: 'Atlassian Jira Software Cloud',
  nexusPublisher: 'Nexus Platform', rtUpload: 'Artifactory', rtServer: 'Artifactory',
  rtAddInteractivePromotion: 'Artifactory',
  ansiblePlaybook: 'Ansible', ansibleVault: 'Ansible', anchore: 'Anchore Container Image Scanner',
  notifyBitbucket: 'Stash Notifier', hubotSend: 'Hubot Steps', throttle: 'Throttle Concurrent Builds',
  gerritReview: 'Gerrit Code Review', gerritComment: 'Gerrit Code Review', p4sync: 'P4', p4publish: 'P4', tm: 'Token Macro',
  jobDsl: 'Job DSL', triggerRemoteJob: 'Parameterized Remote Trigger',
  nvm: 'nvm wrapper', azureServicePrincipal: 'Azure Credentials', removeSummaries: 'Badge',
};

/** What to write instead, for unknown steps with a Kiln way to do the same. */
const HINTS: Readonly<Record<string, string>> = {
};

/** The group of Kiln's own steps, which stand in for no Jenkins plugin. */
export const KILN_OWN = 'Kiln (no Jenkins counterpart)';

/** The Jenkins plugin a step of Kiln stands in for: its own declaration's word, else the table's, else Kiln's own. */
export function jenkinsPluginOf(decl: StepDecl): string {
  return decl.jenkinsPlugin ?? (Object.hasOwn(JENKINS_STEP_PLUGINS, decl.name) ? JENKINS_STEP_PLUGINS[decl.name] : undefined) ?? KILN_OWN;
}

/**
 * For an unknown step: where it comes from in Jenkins, as a sentence to add to the "No such DSL
 * method" message, or '' when the name is not a well-known Jenkins step.
 */
export function knownPluginNote(name: string): string {
  const plugin = Object.hasOwn(JENKINS_STEP_PLUGINS, name) ? JENKINS_STEP_PLUGINS[name] : undefined;
  if (!plugin) return '';
  const hint = Object.hasOwn(HINTS, name) ? `; ${HINTS[name]}` : '';
  return `${name} comes from the ${plugin}${/plugin$|^Jenkins core$/i.test(plugin) ? '' : ' plugin'}, which Kiln does not provide; a shared library can define vars/${name}.groovy${hint}`;
}
