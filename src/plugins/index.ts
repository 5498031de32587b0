// The plugin list: every plugin Kiln ships. The hosts (the controller, `kiln run`, `kiln lint`)
// build their step registry from it (`new StepRegistry(builtins)`) and pass that to loadPipeline
// and PipelineRun; the controller and `kiln run` compose their provisioner router from it
// (router.ts: one provisioner per agent type), and the controller its cloud types and agent
// launchers. The pipeline never imports this list. The order is the order in which the router
// offers a request to provisioners that offer to take it, and in which messages list the cloud
// types. Adding a backend is one folder beside this file (its index.ts exporting a KilnPlugin)
// and one entry here.
import type { PipelinePlugin } from '../pipeline/plugin.ts';
import { corePlugin } from '../pipeline/steps/index.ts';
import { dockerPlugin } from './docker/index.ts';
import { kubernetesPlugin } from './kubernetes/index.ts';
import { sshPlugin } from './ssh/index.ts';
import { warningsPlugin } from './warnings/index.ts';
import { mailPlugin } from './mail/index.ts';
import { sshAgentPlugin } from './ssh-agent/index.ts';
import { utilityStepsPlugin } from './utility-steps/index.ts';
import { librariesPlugin } from './libraries/index.ts';
import { slackPlugin } from './slack/index.ts';
import { checksPlugin } from './checks/index.ts';
import { httpRequestPlugin } from './http-request/index.ts';
import { sonarPlugin } from './sonar/index.ts';
import { awsPlugin } from './aws/index.ts';
import { coveragePlugin } from './coverage/index.ts';
import { htmlPublisherPlugin } from './htmlpublisher/index.ts';
import { configFilesPlugin } from './config-files/index.ts';
import { buildWrappersPlugin } from './build-wrappers/index.ts';
import { testToolsPlugin } from './test-tools/index.ts';
import { copyArtifactPlugin } from './copyartifact/index.ts';
import { publishOverSshPlugin } from './publish-over-ssh/index.ts';
import { buildNameSetterPlugin } from './build-name-setter/index.ts';
import { labelledStepsPlugin } from './labelled-steps/index.ts';
import { zulipPlugin } from './zulip/index.ts';
import { badgePlugin } from './badge/index.ts';
import { throttlePlugin } from './throttle/index.ts';
import { robotPlugin } from './robot/index.ts';
import { performancePlugin } from './performance/index.ts';
import { plotPlugin } from './plot/index.ts';
import { allurePlugin } from './allure/index.ts';
import { azureCredentialsPlugin } from './azure-credentials/index.ts';
import { xunitPlugin } from './xunit/index.ts';
import { gitParameterPlugin } from './git-parameter/index.ts';
import { openshiftPlugin } from './openshift/index.ts';
import { artifactoryPlugin } from './artifactory/index.ts';
import { dotnetPlugin } from './dotnet/index.ts';
import { nvmPlugin } from './nvm/index.ts';
import { benchmarkPlugin } from './benchmark/index.ts';
import { tapPlugin } from './tap/index.ts';
import { dependencyCheckPlugin } from './dependency-check/index.ts';
import { valgrindPlugin } from './valgrind/index.ts';
import { maskPasswordsPlugin } from './mask-passwords/index.ts';
import { deployPlugin } from './deploy/index.ts';
import { activeChoicesPlugin } from './active-choices/index.ts';
import { folderPropertiesPlugin } from './folder-properties/index.ts';
import { mattermostPlugin } from './mattermost/index.ts';
import { discordPlugin } from './discord/index.ts';
import { office365Plugin } from './office365/index.ts';
import { bitbucketPlugin } from './bitbucket/index.ts';
import { cmakePlugin } from './cmake/index.ts';
import { nexusArtifactUploaderPlugin } from './nexus-artifact-uploader/index.ts';
import { genericWebhookTriggerPlugin } from './generic-webhook-trigger/index.ts';
import { extendedChoicePlugin } from './extended-choice/index.ts';
import { vaultPlugin } from './vault/index.ts';
import { onePasswordPlugin } from './onepassword/index.ts';
import { compressBuildLogPlugin } from './compress-buildlog/index.ts';
import { ansiblePlugin } from './ansible/index.ts';
import { mstestPlugin } from './mstest/index.ts';
import { scmSkipPlugin } from './scm-skip/index.ts';
import { buildUserVarsPlugin } from './build-user-vars/index.ts';
import { gradlePlugin } from './gradle/index.ts';
import { androidSigningPlugin } from './android-signing/index.ts';
import { nexusPlatformPlugin } from './nexus-platform/index.ts';

export const builtins: readonly PipelinePlugin[] = [corePlugin, kubernetesPlugin, dockerPlugin, sshPlugin, warningsPlugin, mailPlugin, sshAgentPlugin, utilityStepsPlugin, librariesPlugin,
  slackPlugin, checksPlugin, httpRequestPlugin, sonarPlugin, awsPlugin,
  coveragePlugin, htmlPublisherPlugin, configFilesPlugin, buildWrappersPlugin, testToolsPlugin, copyArtifactPlugin, publishOverSshPlugin, buildNameSetterPlugin,
  labelledStepsPlugin, zulipPlugin, badgePlugin, throttlePlugin, robotPlugin,
  performancePlugin, plotPlugin, allurePlugin, azureCredentialsPlugin, xunitPlugin, gitParameterPlugin, openshiftPlugin, artifactoryPlugin, dotnetPlugin, nvmPlugin, benchmarkPlugin, tapPlugin, dependencyCheckPlugin, valgrindPlugin,
  maskPasswordsPlugin, deployPlugin, activeChoicesPlugin, folderPropertiesPlugin, mattermostPlugin, discordPlugin, office365Plugin, bitbucketPlugin,
  cmakePlugin, nexusArtifactUploaderPlugin, genericWebhookTriggerPlugin, extendedChoicePlugin,
  vaultPlugin, onePasswordPlugin, compressBuildLogPlugin,
  ansiblePlugin, mstestPlugin, scmSkipPlugin, buildUserVarsPlugin, gradlePlugin, androidSigningPlugin, nexusPlatformPlugin];

/** Shared libraries from git (libraries/git.ts), loaded when a host first resolves one (never by `kiln lint` without --library). */
export const gitLibraries = () => import('./libraries/git.ts');
