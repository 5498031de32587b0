// The build-name-setter plugin: the Build Name and Description Setter plugin's pipeline steps,
// declared as data (runtime.ts runs them):
//   buildName 'v${BUILD_NUMBER}'          the build's display name (currentBuild.displayName)
//   buildDescription 'from ${GIT_BRANCH}' the build's description (currentBuild.description)
// Each expands the build's environment variables in its template (`${NAME}`, `$NAME`) as the
// plugin's TokenMacro.expandAll does, prints "New run name is '...'" / "New run description is
// '...'" as the plugin prints it, and sets the build's name or description in the build's state,
// as `currentBuild.displayName = ...` does (currentBuild and the next build's previousBuild read
// it; the web page does not show it yet). Both are SimpleBuildSteps in Jenkins, run through
// `step`: they need a node.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Build Name and Description Setter';

export const buildNameSetterPlugin: PipelinePlugin = {
  name: 'build-name-setter',
  doc: 'buildName and buildDescription (Build Name and Description Setter)',
  steps: [
    {
      name: 'buildName',
      doc: "Set the build's display name, environment variables expanded: buildName \"v${BUILD_NUMBER}\" or buildName 'v${BUILD_NUMBER}'.",
      params: [{ name: 'nameTemplate', type: 'string', required: true, doc: 'the name; ${NAME} and $NAME are the build\'s environment variables' }],
      positional: 'nameTemplate',
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.pipeline.BuildNameStep',
    },
    {
      name: 'buildDescription',
      doc: "Set the build's description, environment variables expanded: buildDescription 'from ${GIT_BRANCH}'.",
      params: [{ name: 'descriptionTemplate', type: 'string', required: true, doc: 'the description; ${NAME} and $NAME are the build\'s environment variables; empty: left as it is' }],
      positional: 'descriptionTemplate',
      block: 'none',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
      jenkinsClass: 'org.jenkinsci.plugins.pipeline.BuildDescriptionStep',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
