// The build-user-vars plugin: Jenkins' Build User Vars plugin (jenkinsci/build-user-vars-plugin),
// declared as data (runtime.ts runs it):
//   withBuildUser { echo "started by ${env.BUILD_USER} (${env.BUILD_USER_ID})" }
//   wrap([$class: 'BuildUser']) { ... }          the same, as the build wrapper (steps/wrap.ts)
// The block gets BUILD_USER, BUILD_USER_FIRST_NAME, BUILD_USER_LAST_NAME, BUILD_USER_ID,
// BUILD_USER_EMAIL and BUILD_USER_GROUPS from the build's cause, as the plugin's determinants.
import type { StepDecl } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Build User Vars';
const DIFFERS = "BUILD_USER_GROUPS is 'authenticated' and the user's Kiln role (Kiln has no groups); under `kiln run` (no users, no causes) the block gets no variables";

const step: StepDecl = {
  name: 'withBuildUser',
  doc: 'Run the block with the variables of the user who started the build: BUILD_USER, BUILD_USER_FIRST_NAME, BUILD_USER_LAST_NAME, BUILD_USER_ID, BUILD_USER_EMAIL, BUILD_USER_GROUPS',
  params: [], block: 'required', needsNode: false, jenkinsPlugin: PLUGIN, differs: DIFFERS,
};

export const buildUserVarsPlugin: PipelinePlugin = {
  name: 'build-user-vars',
  doc: "The Build User Vars plugin: withBuildUser / wrap([$class: 'BuildUser']) give a block who started the build",
  steps: [
    step,
    { ...step, name: 'BuildUser', kind: 'class', jenkinsClass: 'org.jenkinsci.plugins.builduser.BuildUser', doc: "The user who started the build, as variables of the block (the wrapper, as wrap([$class: 'BuildUser']) { ... })" },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
