// The build-wrappers plugin: the block steps that prepare a build tool, each as its Jenkins
// plugin has it, declared as data (runtime.ts runs them):
//   withMaven   Pipeline Maven Integration: Maven and a JDK on PATH (tool installations as
//               `tools {}` finds them: KILN_TOOL_<NAME> on the node), settings from managed
//               config files (`-s`/`-gs` through an `mvn` wrapper first on PATH), and after the
//               block the default publishers: JUnit of surefire/failsafe reports, the built
//               artifacts archived
//   withAnt     Ant: the Ant installation and a JDK on PATH, ANT_HOME/JAVA_HOME
//   nodejs      NodeJS: the installation's bin first on PATH, NODEJS_HOME, and with configId
//               a managed config file written to @tmp as npm's user config (npm_config_userconfig)
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { MAVEN_PUBLISHERS } from './decl.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });


const publisherSymbol = (name: string): StepDecl => ({
  name, doc: `withMaven option: ${name}(disabled: true) turns it off${name === 'junitPublisher' || name === 'artifactsPublisher' ? '' : ' (accepted; Kiln runs only the JUnit and artifacts publishers)'}`,
  params: [{ name: 'disabled', type: 'boolean', doc: 'turn the publisher off' }],
  anyNamed: true, block: 'none', needsNode: false, kind: 'symbol', jenkinsPlugin: 'Pipeline Maven Integration',
});

export const buildWrappersPlugin: PipelinePlugin = {
  name: 'build-wrappers',
  doc: 'withMaven (Pipeline Maven Integration), withAnt (Ant), nodejs (NodeJS)',
  steps: [
    {
      name: 'withMaven',
      doc: "Run the block with Maven ready: withMaven(maven: 'M3', jdk: 'jdk17', mavenSettingsConfig: 'settings-id') { sh 'mvn verify' }; then record the surefire reports and archive the artifacts.",
      jenkinsPlugin: 'Pipeline Maven Integration',
      differs: "No Maven spy: the publishers read the usual places after the block (JUnit: **/target/surefire-reports/*.xml and failsafe-reports; artifacts: **/target/*.jar|war|ear); only the junit and artifacts publishers run; no database of upstream/downstream dependencies.",
      params: [
        s('maven', 'the Maven installation (tools: KILN_TOOL_<NAME> on the node); default: the mvn on PATH'),
        s('jdk', 'the JDK installation; default: the node\'s'),
        s('mavenSettingsConfig', 'a managed config file (configFileProvider\'s) used as settings.xml (-s)'),
        s('mavenSettingsFilePath', 'a settings.xml in the workspace (-s)'),
        s('globalMavenSettingsConfig', 'a managed config file used as global settings (-gs)'),
        s('globalMavenSettingsFilePath', 'a global settings.xml in the workspace (-gs)'),
        s('mavenLocalRepo', 'the local repository, relative to the workspace (-Dmaven.repo.local)'),
        s('mavenOpts', 'MAVEN_OPTS for the block'),
        { name: 'options', type: 'list', doc: '[junitPublisher(disabled: true), artifactsPublisher(disabled: true), ...]' },
        s('publisherStrategy', "IMPLICIT (default: every publisher unless disabled) or EXPLICIT (only those in options)"),
        { name: 'traceability', type: 'boolean', doc: 'print the wrapper and settings in use' },
        s('tempBinDir', 'accepted for compatibility'),
      ],
      block: 'required',
      needsNode: true,
    },
    ...MAVEN_PUBLISHERS.map(publisherSymbol),
    {
      name: 'withAnt',
      doc: "Run the block with Ant and a JDK on PATH: withAnt(installation: 'ant-1.10', jdk: 'jdk17') { sh 'ant dist' }.",
      jenkinsPlugin: 'Ant',
      params: [s('installation', 'the Ant installation (KILN_TOOL_<NAME> on the node)'), s('jdk', 'the JDK installation')],
      block: 'required',
      needsNode: true,
    },
    {
      name: 'nodejs',
      doc: "Run the block with a Node.js installation on PATH: nodejs(nodeJSInstallationName: 'node20', configId: 'my-npmrc') { sh 'npm ci' }, or nodejs('node20') { ... }.",
      jenkinsPlugin: 'NodeJS',
      jenkinsClass: 'jenkins.plugins.nodejs.NodeJSBuildWrapper',
      differs: 'The installation is found as `tools {}` finds it (KILN_TOOL_<NAME> on the node); Kiln does not download Node.js. The config file is written as it is (an npmrc config\'s registry credentials are not merged in). npm\'s cache location stays npm\'s default (cacheLocationStrategy is accepted and ignored).',
      params: [
        { name: 'nodeJSInstallationName', type: 'string', required: true, doc: 'the Node.js installation (KILN_TOOL_<NAME> on the node)' },
        s('configId', 'a managed config file (configFileProvider\'s) used as npm\'s user config (npm_config_userconfig) in the block'),
        { name: 'cacheLocationStrategy', type: 'any', doc: 'accepted for compatibility (npm\'s default cache is used)' },
      ],
      positional: 'nodeJSInstallationName',
      block: 'required',
      needsNode: true,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
