// The nvm plugin's defaults (the plugin's NvmDefaults), shared by its declaration (the docs of
// its parameters) and its runtime.
export const NVM_DEFAULTS = {
  nvmInstallURL: 'https://raw.githubusercontent.com/creationix/nvm/v0.34.0/install.sh',
  nvmNodeJsOrgMirror: 'https://nodejs.org/dist',
  nvmIoJsOrgMirror: 'https://iojs.org/dist',
  nvmInstallDir: '$HOME/.nvm',
} as const;
