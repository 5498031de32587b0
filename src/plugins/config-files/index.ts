// The config-files plugin: Jenkins' Config File Provider. `configFileProvider([configFile(fileId:,
// targetLocation:, variable:, replaceTokens:)]) { ... }` writes managed files (kept on the
// controller by admins: /api/v1/config-files; kiln run: the directory KILN_CONFIG_FILES_DIR) into
// the workspace for the block and removes them after it. Declared as data; runtime.ts runs it.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const configFilesPlugin: PipelinePlugin = {
  name: 'config-files',
  doc: 'Config File Provider: configFileProvider and configFile, managed files written for a block',
  steps: [
    {
      name: 'configFileProvider',
      doc: "Write managed config files for the block: configFileProvider([configFile(fileId: 'maven-settings', variable: 'MAVEN_SETTINGS')]) { sh 'mvn -s $MAVEN_SETTINGS deploy' }.",
      jenkinsPlugin: 'Config File Provider',
      differs: "Files are kept on the controller (admins: PUT /api/v1/config-files/ID; kiln run: KILN_CONFIG_FILES_DIR); credentials inside Maven settings (serverCredentialMappings) are not injected; replaceTokens replaces ${VAR} with the block's environment.",
      params: [{ name: 'managedFiles', type: 'list', doc: "[configFile(fileId: 'id', targetLocation: 'path', variable: 'VAR')]", required: true }],
      positional: 'managedFiles',
      block: 'required',
      needsNode: true,
    },
    {
      name: 'configFile',
      doc: "A managed file for configFileProvider: configFile(fileId: 'id', targetLocation: 'settings.xml', variable: 'SETTINGS', replaceTokens: false).",
      jenkinsPlugin: 'Config File Provider',
      params: [
        { name: 'fileId', type: 'string', doc: 'the managed file\'s id', required: true },
        { name: 'targetLocation', type: 'string', doc: 'where to write it, relative to the current directory (default: a temporary file in the workspace\'s @tmp)' },
        { name: 'variable', type: 'string', doc: 'an environment variable set to the file\'s absolute path in the block' },
        { name: 'replaceTokens', type: 'boolean', doc: 'replace ${VAR} tokens with the environment\'s values (default false)' },
      ],
      positional: 'fileId',
      block: 'none',
      needsNode: false,
      kind: 'symbol',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
