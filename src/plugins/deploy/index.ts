// The deploy plugin: the "Deploy to container" plugin's publisher, declared as data (runtime.ts
// runs it):
//   deploy adapters: [tomcat9(url: 'http://tc:8080', credentialsId: 'tc')], contextPath: 'shop', war: 'target/*.war'
//   step([$class: 'DeployPublisher', adapters: [[$class: 'Tomcat9xAdapter', url: ..., credentialsId: ...]], war: '**/*.war'])
// Each WAR matching `war` goes to each adapter's Tomcat through the manager's text API (as the
// plugin's Cargo deployer does for Tomcat 7, 8 and 9): PUT <url><path>/deploy?path=/ctx&update=true
// with Basic authentication from a username/password credential.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Deploy to container';
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });

const deployParams: StepParam[] = [
  { name: 'adapters', type: 'list', required: true, doc: "the containers: [tomcat9(url: 'http://host:8080', credentialsId: 'tc')] (tomcat7, tomcat8, tomcat9)" },
  s('war', "the WAR files, an Ant pattern relative to the workspace ('target/*.war', '**/*.war')"),
  s('contextPath', "the context path (default: the WAR's file name without .war; 'ROOT' or '/' is the root)"),
  { name: 'onFailure', type: 'boolean', doc: 'deploy even when the build has failed or is unstable (default true)' },
];

const DIFFERS = "Tomcat 7, 8 and 9 through the manager's text API only (no JBoss, GlassFish, WildFly or WebLogic adapters); the request is made from the Kiln process, and on a controller an address of its own network is refused unless the HTTP request settings allow it; the WAR is streamed from the workspace, never held whole";

const adapter = (version: string): StepDecl => ({
  name: `tomcat${version}`,
  kind: 'symbol',
  jenkinsPlugin: PLUGIN,
  jenkinsClass: `hudson.plugins.deploy.tomcat.Tomcat${version}xAdapter`,
  doc: `A Tomcat ${version}.x container for deploy: tomcat${version}(url: 'http://host:8080', credentialsId: 'tomcat-manager', path: '/manager/text').`,
  params: [
    { name: 'url', type: 'string', required: true, doc: 'the top URL of Tomcat (http://host:8080)' },
    s('credentialsId', "a username/password credential of a user with Tomcat's manager-script role"),
    s('path', "the manager's text API path (default '/manager/text')"),
    s('alternativeDeploymentContext', 'refused unless empty (Kiln deploys through the manager only)'),
  ],
  block: 'none',
  needsNode: false,
});

export const deployPlugin: PipelinePlugin = {
  name: 'deploy',
  doc: "Deploy to container: deploy / step([$class: 'DeployPublisher']) deploys WAR files to Tomcat 7, 8, 9 through the manager's text API",
  steps: [
    {
      name: 'deploy',
      doc: "Deploy WAR files to containers: deploy adapters: [tomcat9(url: 'http://tc:8080', credentialsId: 'tc')], contextPath: 'shop', war: 'target/*.war'.",
      params: deployParams,
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.deploy.DeployPublisher',
      differs: DIFFERS,
    },
    {
      name: 'DeployPublisher',
      kind: 'class',
      doc: "Deploy WAR files to containers (the publisher, as step([$class: 'DeployPublisher', adapters: [...], war: '**/*.war'])).",
      params: deployParams,
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'hudson.plugins.deploy.DeployPublisher',
      differs: DIFFERS,
    },
    adapter('7'), adapter('8'), adapter('9'),
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
