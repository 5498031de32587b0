// The folder-properties plugin: Jenkins' Folder Properties plugin. `withFolderProperties { }`
// (also `options { withFolderProperties() }`, and the older `wrap([$class:
// 'ParentFolderBuildWrapper']) { }`) runs its block with the properties of the job's folders in
// its environment, the nearest folder's value winning for a key set on several. The properties
// are kept by the host (controller: PUT /api/v1/folders/:folder/properties; `kiln run` has no
// folders, so the block gets none). Declared as data; runtime.ts runs it. docs/folder-properties.md.
import type { StepDecl } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Folder Properties';
const DIFFERS = "Properties are set through the API (PUT /api/v1/folders/:folder/properties, admins) or the folder's page; keys must be environment variable names and values at most 8192 characters. There is no global \"apply to every build\" switch.";

const wrapperClass: StepDecl = {
  name: 'ParentFolderBuildWrapper',
  kind: 'class',
  doc: "Run the block with the job's folder properties in its environment (the wrapper form: wrap([$class: 'ParentFolderBuildWrapper']) { ... }).",
  params: [],
  block: 'required',
  needsNode: false,
  jenkinsPlugin: PLUGIN,
  jenkinsClass: 'com.mig82.folders.wrappers.ParentFolderBuildWrapper',
  differs: DIFFERS,
};

export const folderPropertiesPlugin: PipelinePlugin = {
  name: 'folder-properties',
  doc: "Folder Properties: withFolderProperties { ... } exports the job's folders' properties to the block's environment",
  steps: [
    {
      name: 'withFolderProperties',
      doc: "Run the block with the properties of the job's folders as environment variables (the nearest folder wins): withFolderProperties { echo env.REGISTRY }.",
      params: [],
      block: 'required',
      needsNode: false,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'com.mig82.folders.step.FolderPropertiesStep',
      differs: DIFFERS,
    },
    wrapperClass,
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
