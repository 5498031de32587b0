// The JFrog Artifactory plugin's pipeline steps (jfrog/jenkins-artifactory-plugin), declared as
// data: rtServer, rtUpload, rtDownload, rtBuildInfo, rtPublishBuildInfo, rtPromote, rtMaven*
// (maven.ts), rtNpm* (npm.ts), rtGradle* (gradle.ts), rtDockerPush / rtDockerPull (docker.ts),
// xrayScan (xray.ts), the JFrog plugin's `jf` (jf.ts: the JFrog CLI with the host's
// servers configured), and the
// `Artifactory` global of its scripted API (global.ts). What runs is runtime.ts, loaded the first
// time a build uses one. Servers are defined in the build (rtServer) or configured on the host
// (settings `artifactory`, core/http-services.ts). See docs/artifactory.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const n = (name: string, doc: string): StepParam => ({ name, type: 'integer', doc });
const PLUGIN = 'Artifactory';

const buildParams: StepParam[] = [
  s('buildName', "the build info to collect into (default: the job's full name, '/' as ' :: ')"),
  s('buildNumber', 'the build info to collect into (default: the build number)'),
  s('project', 'the JFrog project key of the build info'),
];
const transfer: StepParam[] = [
  s('serverId', 'the id of an rtServer step or of a server configured on the host', true),
  s('spec', 'the File Spec, JSON text: {"files": [{"pattern": "...", "target": "..."}]}'),
  s('specPath', 'a workspace file holding the File Spec'),
  b('failNoOp', 'fail the step when no file was transferred'),
  s('module', 'the build info module the files are collected into (default: the build name)'),
  ...buildParams,
];

export const artifactoryPlugin: PipelinePlugin = {
  name: 'artifactory',
  doc: 'JFrog Artifactory: rtServer, rtUpload / rtDownload with File Specs, build info (rtBuildInfo, rtPublishBuildInfo), rtPromote, rtMaven*, rtNpm*, rtGradle*, rtDockerPush / rtDockerPull, xrayScan, the Artifactory global',
  steps: [
    {
      name: 'jf', jenkinsPlugin: 'JFrog', jenkinsClass: 'io.jenkins.plugins.jfrog.JfStep', block: 'none', needsNode: true,
      doc: "Run the JFrog CLI with the host's Artifactory servers configured: jf 'rt ping', jf(['rt', 'u', 'target/*.jar', 'libs-release/']); returns its output.",
      differs: "The servers are the Artifactory servers of the HTTP services settings (an Artifactory URL; the platform URL is that without '/artifactory'); the CLI's configuration is not encrypted (no JFROG_CLI_ENCRYPTION_KEY); no proxy settings are passed; a published build info is not linked from the build page. The binary is not downloaded: $JFROG_BINARY_PATH/jf (tools { jfrog 'x' }) or jf on PATH.",
      params: [{ name: 'args', type: 'any', required: true, doc: "the CLI's arguments: a string split on whitespace ('rt ping') or a list of strings" }],
      positional: 'args',
    },
    {
      name: 'rtServer', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      differs: 'bypassProxy and deploymentThreads are accepted (Kiln uses no proxy and deploys one file at a time)',
      doc: "Define an Artifactory server for this build: rtServer(id: 'art', url: 'https://acme.jfrog.io/artifactory', credentialsId: 'art-creds').",
      params: [
        s('id', 'the id the other steps name as serverId', true),
        s('url', "the Artifactory URL ('https://acme.jfrog.io/artifactory')", true),
        s('credentialsId', 'a username with password (Basic) or a secret text access token (Bearer)'),
        s('username', 'a user (prefer credentialsId)'),
        s('password', 'a password (prefer credentialsId)'),
        b('bypassProxy', 'accepted; Kiln uses no proxy'),
        n('timeout', 'seconds per request (default 300)'),
        n('connectionRetry', 'retries of a request that failed on the network or with a 5xx (default 3)'),
        n('deploymentThreads', 'accepted; Kiln deploys one file at a time'),
      ],
    },
    {
      name: 'rtUpload', jenkinsPlugin: PLUGIN, block: 'none', needsNode: true, params: transfer,
      differs: "File Spec options other than false for explode, ant, includeDirs, symlinks are refused; symlinks are skipped, not followed; the artifacts are not in the build info after a controller restart",
      doc: "Upload workspace files to Artifactory with a File Spec: rtUpload(serverId: 'art', spec: '{\"files\": [{\"pattern\": \"target/*.jar\", \"target\": \"libs-release/app/\"}]}').",
    },
    {
      name: 'rtDownload', jenkinsPlugin: PLUGIN, block: 'none', needsNode: true, params: transfer,
      differs: 'a download whose SHA-1 differs from Artifactory\'s is removed and fails the step',
      doc: "Download artifacts into the workspace with a File Spec (pattern or aql): rtDownload(serverId: 'art', spec: '{\"files\": [{\"pattern\": \"libs-release/app/*.jar\", \"target\": \"deps/\"}]}').",
    },
    {
      name: 'rtBuildInfo', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      differs: 'variables whose names look like secrets (*password*, *secret*, *key*, *token*, *auth*...) are never captured',
      doc: "Set up a build info: rtBuildInfo(captureEnv: true, excludeEnvPatterns: ['*private*'], maxBuilds: 10).",
      params: [
        b('captureEnv', 'collect the environment variables into the build info'),
        { name: 'includeEnvPatterns', type: 'string-or-list', doc: "variables to capture (wildcards; default '*')" },
        { name: 'excludeEnvPatterns', type: 'string-or-list', doc: 'variables not to capture (wildcards)' },
        n('maxBuilds', 'Artifactory keeps at most this many builds of the name'),
        n('maxDays', 'Artifactory keeps builds of the name this many days'),
        { name: 'doNotDiscardBuilds', type: 'string-or-list', doc: 'build numbers Artifactory keeps anyway' },
        b('deleteBuildArtifacts', 'discarding a build deletes its artifacts (default true)'),
        b('asyncBuildRetention', 'accepted'),
        s('startDate', "the build info's start ('2026-12-07T03:35:56.000+0000'; default: when the build started)"),
        ...buildParams,
      ],
    },
    {
      name: 'rtPublishBuildInfo', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false,
      doc: "Publish the build info to Artifactory (PUT /api/build): rtPublishBuildInfo(serverId: 'art').",
      params: [s('serverId', 'the server to publish to', true), ...buildParams],
    },
    {
      name: 'rtPromote', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false,
      doc: "Promote a published build to another repository: rtPromote(serverId: 'art', targetRepo: 'libs-release', status: 'Released').",
      params: [
        s('serverId', 'the server the build was published to', true),
        s('targetRepo', 'the repository to move (or copy) the artifacts to', true),
        s('sourceRepo', 'only artifacts of this repository'),
        s('status', "the promotion's status ('Released')"),
        s('comment', "the promotion's comment"),
        b('includeDependencies', 'promote the dependencies too'),
        b('copy', 'copy instead of moving'),
        b('failFast', 'stop at the first error (default true)'),
        ...buildParams,
      ],
    },
    ...(['rtSetProps', 'rtDeleteProps'] as const).map((name) => ({
      name, jenkinsPlugin: PLUGIN, block: 'none' as const, needsNode: false,
      doc: name === 'rtSetProps'
        ? "Set properties on the artifacts a File Spec finds: rtSetProps(serverId: 'art', spec: '{\"files\": [{\"pattern\": \"libs-release/app/*.jar\"}]}', props: 'status=tested')."
        : "Delete properties of the artifacts a File Spec finds: rtDeleteProps(serverId: 'art', spec: '...', props: 'status,team').",
      params: [
        s('serverId', 'the Artifactory server', true), s('spec', 'the File Spec (pattern or aql) finding the artifacts'), s('specPath', 'a workspace file holding the File Spec'),
        s('props', name === 'rtSetProps' ? "the properties: 'k=v;k2=v3,v4'" : "the property keys: 'k,k2'", true), b('failNoOp', 'fail the step when no artifact was found'),
      ],
    })),
    {
      name: 'rtMavenResolver', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      differs: 'the resolver is a mirror of every repository to releaseRepo; snapshotRepo is not used for resolution',
      doc: "Define where rtMavenRun resolves dependencies: rtMavenResolver(id: 'resolver', serverId: 'art', releaseRepo: 'libs-release', snapshotRepo: 'libs-snapshot').",
      params: [s('id', 'the id rtMavenRun names as resolverId', true), s('serverId', 'the Artifactory server', true), s('releaseRepo', 'the repository to resolve from', true), s('snapshotRepo', 'accepted')],
    },
    {
      name: 'rtMavenDeployer', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      differs: 'includePatterns, excludePatterns, properties and threads are refused or accepted without effect (see docs/artifactory.md)',
      doc: "Define where rtMavenRun deploys the artifacts: rtMavenDeployer(id: 'deployer', serverId: 'art', releaseRepo: 'libs-release-local', snapshotRepo: 'libs-snapshot-local').",
      params: [
        s('id', 'the id rtMavenRun names as deployerId', true), s('serverId', 'the Artifactory server', true),
        s('releaseRepo', 'the repository release versions go to', true), s('snapshotRepo', 'the repository -SNAPSHOT versions go to (default: releaseRepo)'),
        b('deployArtifacts', 'deploy the artifacts (default true)'), n('threads', 'accepted; Maven deploys one file at a time'),
      ],
    },
    {
      name: 'rtMavenRun', jenkinsPlugin: PLUGIN, block: 'none', needsNode: true,
      differs: "runs the node's mvn with a generated settings.xml instead of JFrog's extractor: a deployer adds deploy:deploy with alternative deployment repositories; dependencies are not in the build info; goals and opts are split on white space (no shell)",
      doc: "Run Maven with the resolver and deployer: rtMavenRun(pom: 'pom.xml', goals: 'clean install', resolverId: 'resolver', deployerId: 'deployer').",
      params: [
        s('goals', "Maven's goals: 'clean install'", true), s('pom', 'the pom (default pom.xml)'), s('opts', 'more mvn options'),
        s('resolverId', 'an rtMavenResolver of this build'), s('deployerId', 'an rtMavenDeployer of this build'),
        s('tool', "accepted; the node's mvn runs (put the installation's bin on PATH with tool/withEnv)"), s('javaHome', 'accepted; JAVA_HOME of the environment is used'),
        { name: 'useWrapper', type: 'boolean', refused: { value: true, why: "Kiln runs the node's mvn, not the Maven wrapper" }, doc: 'refused when true' }, s('module', 'the build info module of all deployed artifacts (default: groupId:artifactId:version of each)'), ...buildParams,
      ],
    },
    {
      name: 'rtNpmResolver', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      doc: "Define the npm registry rtNpmInstall / rtNpmCi resolve from: rtNpmResolver(id: 'npm-res', serverId: 'art', repo: 'npm-remote').",
      params: [s('id', 'the id rtNpmInstall names as resolverId', true), s('serverId', 'the Artifactory server', true), s('repo', 'the npm repository', true)],
    },
    {
      name: 'rtNpmDeployer', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      differs: 'properties are not provided',
      doc: "Define the npm registry rtNpmPublish publishes to: rtNpmDeployer(id: 'npm-dep', serverId: 'art', repo: 'npm-local').",
      params: [s('id', 'the id rtNpmPublish names as deployerId', true), s('serverId', 'the Artifactory server', true), s('repo', 'the npm repository', true)],
    },
    ...(['rtNpmInstall', 'rtNpmCi'] as const).map((name) => ({
      name, jenkinsPlugin: PLUGIN, block: 'none' as const, needsNode: true,
      differs: "runs the node's npm with a generated .npmrc instead of JFrog's extractor; installed dependencies are not in the build info; args are split on white space (no shell)",
      doc: `Run npm ${name === 'rtNpmCi' ? 'ci' : 'install'} against the resolver's registry: ${name}(path: 'web', resolverId: 'npm-res').`,
      params: [s('resolverId', 'an rtNpmResolver of this build', true), s('path', 'the package directory (default: the current directory)'), s('args', 'more npm arguments'),
        s('tool', "accepted; the node's npm runs"), s('javaArgs', 'accepted'), s('module', 'accepted; installed dependencies are not collected'), ...buildParams],
    })),
    {
      name: 'rtNpmPublish', jenkinsPlugin: PLUGIN, block: 'none', needsNode: true,
      differs: "runs the node's npm publish with a generated .npmrc; the package goes into the build info as module name:version",
      doc: "Publish the package to the deployer's registry and collect it into the build info: rtNpmPublish(path: 'web', deployerId: 'npm-dep').",
      params: [s('deployerId', 'an rtNpmDeployer of this build', true), s('path', 'the package directory (default: the current directory)'), s('args', 'more npm arguments'),
        s('tool', "accepted; the node's npm runs"), s('javaArgs', 'accepted'), s('module', 'the build info module of the package (default: name:version)'), ...buildParams],
    },
    ...(['rtDockerPush', 'rtDockerPull'] as const).map((name) => ({
      name, jenkinsPlugin: PLUGIN, block: 'none' as const, needsNode: true,
      differs: name === 'rtDockerPush'
        ? "the node's docker CLI pushes (docker login with the server's username and password, only to the server's host or a subdomain; an access token cannot log in); the base image's layers are artifacts, not also dependencies; javaArgs is accepted"
        : "the node's docker CLI pulls (docker login with the server's username and password, only to the server's host or a subdomain); without sourceRepo nothing is collected; javaArgs is accepted",
      doc: name === 'rtDockerPush'
        ? "Push a Docker image to an Artifactory Docker repository and collect its layers into the build info: rtDockerPush(serverId: 'art', image: 'acme.jfrog.io/docker-local/app:1.0', targetRepo: 'docker-local', properties: 'status=stable')."
        : "Pull a Docker image from Artifactory and collect its layers as dependencies: rtDockerPull(serverId: 'art', image: 'acme.jfrog.io/docker-remote/base:1.0', sourceRepo: 'docker-remote').",
      params: [
        s('serverId', 'the Artifactory server (its credentials log in to the registry)', true),
        s('image', 'the image: [registry/]name[:tag] (tag latest by default)', true),
        name === 'rtDockerPush' ? s('targetRepo', 'the Docker repository of Artifactory the image is pushed to', true) : s('sourceRepo', 'the Docker repository of Artifactory the image comes from (its layers are collected)'),
        ...(name === 'rtDockerPush' ? [s('properties', "properties set on the image's manifest: 'k=v;k2=v3'")] : []),
        s('host', 'the Docker daemon (DOCKER_HOST: unix:///path, tcp://host:port)'), s('javaArgs', 'accepted'), ...buildParams,
      ],
    })),
    {
      name: 'rtGradleResolver', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      doc: "Define where rtGradleRun resolves dependencies and plugins: rtGradleResolver(id: 'resolver', serverId: 'art', repo: 'libs-release').",
      params: [s('id', 'the id rtGradleRun names as resolverId', true), s('serverId', 'the Artifactory server', true), s('repo', 'the repository to resolve from', true)],
    },
    {
      name: 'rtGradleDeployer', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false, replayRuns: true,
      differs: 'publications are Maven publications (maven-publish); includePatterns, excludePatterns, ivy descriptors and threads are accepted without effect',
      doc: "Define where rtGradleRun's artifactoryPublish deploys: rtGradleDeployer(id: 'deployer', serverId: 'art', repo: 'libs-release-local', publications: ['mavenJava']).",
      params: [
        s('id', 'the id rtGradleRun names as deployerId', true), s('serverId', 'the Artifactory server', true), s('repo', 'the repository artifacts go to', true),
        { name: 'publications', type: 'string-or-list', doc: 'the publications deployed (default: all, or mavenJava made from the java component)' },
        b('deployArtifacts', 'deploy the artifacts (default true)'), s('properties', "properties set on each deployed file: 'k=v;k2=v3'"),
        b('deployMavenDescriptors', 'accepted (the pom is always deployed)'), b('deployIvyDescriptors', 'accepted'), b('mavenCompatible', 'accepted'),
        { name: 'includePatterns', type: 'string-or-list', doc: 'accepted' }, { name: 'excludePatterns', type: 'string-or-list', doc: 'accepted' },
        s('ivyPattern', 'accepted'), s('artifactPattern', 'accepted'), n('threads', 'accepted'),
      ],
    },
    {
      name: 'rtGradleRun', jenkinsPlugin: PLUGIN, block: 'none', needsNode: true,
      differs: "runs the node's gradle (or ./gradlew) with Kiln's init script instead of JFrog's extractor: maven-publish publications to the deployer, an artifactoryPublish task; resolved dependencies are not in the build info; tasks and switches are split on white space (no shell)",
      doc: "Run Gradle with the resolver and deployer: rtGradleRun(useWrapper: true, rootDir: '.', tasks: 'clean artifactoryPublish', resolverId: 'resolver', deployerId: 'deployer').",
      params: [
        s('tasks', "Gradle's tasks: 'clean artifactoryPublish'", true), s('rootDir', 'the directory Gradle runs in (default: the workspace)'), s('buildFile', 'the build file: a build.gradle(.kts) gives -p <its directory>, another name -b'),
        s('switches', 'more gradle options'), b('useWrapper', 'run ./gradlew of rootDir instead of gradle'),
        s('tool', "accepted; the node's gradle runs (put the installation's bin on PATH with tool/withEnv)"), s('javaHome', 'accepted; JAVA_HOME of the environment is used'),
        s('resolverId', 'an rtGradleResolver of this build'), s('deployerId', 'an rtGradleDeployer of this build'),
        b('usesPlugin', 'accepted (Kiln never applies the JFrog Gradle plugin)'), s('module', 'the build info module of all deployed files (default: group:artifact:version)'), ...buildParams,
      ],
    },
    {
      name: 'xrayScan', jenkinsPlugin: PLUGIN, block: 'none', needsNode: false,
      doc: "Have Xray scan a published build info (POST /api/xray/scanBuild); fails the build when Xray says so: xrayScan(serverId: 'art', failBuild: true).",
      params: [s('serverId', 'the Artifactory server Xray is connected to', true), b('failBuild', 'fail the step when the scan finds violations that fail builds (default true)'), b('printTable', "accepted; the alerts' issues are always printed"), ...buildParams],
    },
  ],
  globals: [{ name: 'Artifactory', kind: 'object', doc: "the Artifactory plugin's scripted API: Artifactory.server('id'), Artifactory.newServer(url:, credentialsId:), Artifactory.newBuildInfo(), server.upload/download/publishBuildInfo/promote/xrayScan, Artifactory.docker(server:).push/pull, Artifactory.newGradleBuild()" }],
  runtime: async () => (await import('./runtime.ts')).default,
};
