// The nexus-artifact-uploader plugin: the Nexus Artifact Uploader plugin's one step
// (jenkinsci/nexus-artifact-uploader-plugin), declared as data (runtime.ts does the uploads):
//   nexusArtifactUploader(nexusVersion: 'nexus3', protocol: 'http', nexusUrl: 'nexus.example:8081',
//     groupId: 'com.example', version: '1.0.0', repository: 'maven-releases', credentialsId: 'nexus',
//     artifacts: [[artifactId: 'app', classifier: '', file: 'target/app.jar', type: 'jar']])
// It deploys the workspace's files to a Nexus repository in the Maven 2 layout, as the plugin's
// Maven resolver deploy does (PUT of each file with its .sha1 and .md5; a SNAPSHOT version gets
// timestamped names and its maven-metadata.xml), under /repository/<repo> (nexus3) or
// /content/repositories/<repo> (nexus2).
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const NEXUS_VERSIONS = ['nexus2', 'nexus3'] as const;

export const nexusArtifactUploaderPlugin: PipelinePlugin = {
  name: 'nexus-artifact-uploader',
  doc: 'Nexus Artifact Uploader: nexusArtifactUploader, Maven-layout uploads of workspace files to a Nexus 2 or 3 repository',
  steps: [
    {
      name: 'nexusArtifactUploader',
      doc: "Upload files to a Nexus repository in the Maven layout: nexusArtifactUploader(nexusVersion: 'nexus3', protocol: 'https', nexusUrl: 'nexus.example', groupId: 'com.example', version: '1.0', repository: 'releases', credentialsId: 'nexus', artifacts: [[artifactId: 'app', file: 'app.jar', type: 'jar']])",
      block: 'none', needsNode: true, jenkinsPlugin: 'Nexus Artifact Uploader',
      params: [
        { name: 'nexusVersion', type: 'string', required: true, values: NEXUS_VERSIONS, doc: 'nexus3: /repository/<repository>; nexus2: /content/repositories/<repository>' },
        { name: 'protocol', type: 'string', required: true, values: ['http', 'https'], doc: 'http or https' },
        { name: 'nexusUrl', type: 'string', required: true, doc: 'the host, with port and context path if any, without the scheme: nexus.example:8081' },
        { name: 'groupId', type: 'string', required: true, doc: 'the Maven group id (dots become directories)' },
        { name: 'version', type: 'string', required: true, doc: 'the version; -SNAPSHOT gets timestamped file names and maven-metadata.xml' },
        { name: 'repository', type: 'string', required: true, doc: 'the repository name' },
        { name: 'credentialsId', type: 'string', doc: 'a username/password credential, sent as Basic authentication' },
        { name: 'artifacts', type: 'list', required: true, doc: "the files: [[artifactId: 'app', classifier: 'linux', file: 'build/app.zip', type: 'zip']]" },
        { name: 'verifyUploads', type: 'boolean', doc: 'accepted; the URLs Kiln reports are the ones it uploaded to' },
      ],
      differs: 'a file is streamed from the workspace (never held whole), its .sha1/.md5 those of the bytes sent; the step returns the uploaded artifacts as maps (url, groupId, artifactId, version, classifier, type, fileName, repository, verified), as recent versions of the plugin do',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
