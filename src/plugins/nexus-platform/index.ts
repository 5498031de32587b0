// The nexus-platform plugin: the Nexus Platform plugin's nexusPublisher step
// (jenkinsci/nexus-platform-plugin's NexusPublisherWorkflowStep with a Nexus Repository Manager 3
// server), declared as data (runtime.ts does the upload):
//   nexusPublisher(nexusInstanceId: 'nexus3', nexusRepositoryId: 'maven-releases', tagName: 'rc-1',
//     packages: [[$class: 'MavenPackage', mavenAssetList: [[classifier: '', extension: '', filePath: 'target/app.jar']],
//                 mavenCoordinate: [artifactId: 'app', groupId: 'com.example', packaging: 'jar', version: '1.0']]])
// The server is one an administrator configured (HTTP services settings: `nexus`, an id, URL and
// username/password credential); each package is one component upload of NXRM 3's REST API
// (POST /service/rest/v1/components?repository=..., multipart maven2.* fields).
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const nexusPlatformPlugin: PipelinePlugin = {
  name: 'nexus-platform',
  doc: 'Nexus Platform: nexusPublisher, Maven components uploaded to a Nexus Repository Manager 3 server through its REST API',
  steps: [
    {
      name: 'nexusPublisher',
      doc: "Upload Maven components to a configured Nexus Repository Manager 3: nexusPublisher(nexusInstanceId: 'nexus', nexusRepositoryId: 'maven-releases', packages: [[$class: 'MavenPackage', mavenAssetList: [[classifier: '', extension: '', filePath: 'target/app.jar']], mavenCoordinate: [groupId: 'com.example', artifactId: 'app', version: '1.0', packaging: 'jar']]]).",
      params: [
        { name: 'nexusInstanceId', type: 'string', required: true, doc: 'the id of a Nexus server configured on the controller (HTTP services settings: nexus)' },
        { name: 'nexusRepositoryId', type: 'string', required: true, doc: 'the hosted Maven repository to upload to' },
        { name: 'packages', type: 'list', required: true, doc: "[[$class: 'MavenPackage', mavenAssetList: [[classifier:, extension:, filePath:]], mavenCoordinate: [groupId:, artifactId:, version:, packaging:]]]" },
        { name: 'tagName', type: 'string', doc: 'a tag (NXRM Pro) to associate the components with; created when missing' },
      ],
      block: 'none',
      needsNode: true,
      jenkinsPlugin: 'Nexus Platform',
      jenkinsClass: 'org.sonatype.nexus.ci.nxrm.NexusPublisherWorkflowStep',
      differs: 'only Nexus Repository Manager 3 servers (NXRM 2 is end-of-life); a file is streamed from the workspace; the step returns null',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
