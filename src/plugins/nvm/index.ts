// The nvm plugin: the `nvm` block step of Jenkins' nvm wrapper plugin (jenkinsci/nvm-wrapper-plugin),
// declared as data (runtime.ts runs it):
//   nvm('18') { sh 'npm ci' }
//   nvm(version: '18', nvmInstallURL: '...', nvmNodeJsOrgMirror: '...', nvmIoJsOrgMirror: '...', nvmInstallDir: '...') { ... }
// It installs nvm on the node when <nvmInstallDir>/nvm.sh is missing (running the install
// script from nvmInstallURL), runs `nvm install <version>` and `nvm use <version>` with the
// mirror, and gives the block the environment variables nvm changed (PATH, NVM_DIR, NVM_BIN, ...),
// as the plugin's NvmWrapperUtil computes them by comparing `export` before and after.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { NVM_DEFAULTS } from './decl.ts';


export const nvmPlugin: PipelinePlugin = {
  name: 'nvm',
  doc: 'The nvm wrapper plugin: nvm(version) { ... } runs a block with a Node.js version nvm installed',
  steps: [
    {
      name: 'nvm',
      doc: "Run the block with a Node.js version installed by nvm: nvm('18') { sh 'npm ci' }",
      jenkinsPlugin: 'nvm wrapper',
      jenkinsClass: 'org.jenkinsci.plugins.nvm.NvmStep',
      differs: 'The install script is downloaded on the node (curl, else wget), not by the controller, into the workspace\'s @tmp directory (Jenkins leaves nvm-installer in the workspace). The install script gets the mirror too (NVM_NODEJS_ORG_MIRROR / NVM_IOJS_ORG_MIRROR), so that the Node.js version it installs comes from there. Values reach bash as arguments, never spliced into its command line. The environment is compared exactly (values with "=" or quotes are kept; Jenkins drops them).',
      params: [
        { name: 'version', type: 'string', required: true, doc: "the Node.js version (what `nvm install` takes: '18', 'v20.11.1', 'lts/iron', 'iojs-v3')" },
        { name: 'nvmInstallURL', type: 'string', doc: `the nvm install script, run when nvm is not installed; default ${NVM_DEFAULTS.nvmInstallURL}` },
        { name: 'nvmNodeJsOrgMirror', type: 'string', doc: `NVM_NODEJS_ORG_MIRROR for the install; default ${NVM_DEFAULTS.nvmNodeJsOrgMirror}` },
        { name: 'nvmIoJsOrgMirror', type: 'string', doc: `NVM_IOJS_ORG_MIRROR for an io.js version; default ${NVM_DEFAULTS.nvmIoJsOrgMirror}` },
        { name: 'nvmInstallDir', type: 'string', doc: `where nvm is (or is installed); default ${NVM_DEFAULTS.nvmInstallDir}` },
      ],
      positional: 'version',
      block: 'required',
      needsNode: true,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
