// The copyartifact plugin: `copyArtifacts(projectName:, selector:, filter:, target:, ...)` as
// Jenkins' Copy Artifact plugin has it, with its selectors (lastSuccessful(), specific('N'),
// lastCompleted(), lastStable()), declared as data; runtime.ts copies the files, which the host
// gives through BuildServices.buildTools.artifactsOf (the controller: the job's kept artifacts).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const selector = (name: string, doc: string, params: StepParam[] = [], positional?: string): StepDecl => ({
  name, doc, params, block: 'none', needsNode: false, kind: 'symbol', jenkinsPlugin: 'Copy Artifact', ...(positional ? { positional } : {}),
});

export const copyArtifactPlugin: PipelinePlugin = {
  name: 'copyartifact',
  doc: "Copy Artifact: copyArtifacts from another job's build on the controller",
  steps: [
    {
      name: 'copyArtifacts',
      doc: "Copy another job's artifacts into the workspace: copyArtifacts(projectName: 'app/main', selector: lastSuccessful(), filter: 'dist/**', target: 'upstream').",
      jenkinsPlugin: 'Copy Artifact',
      differs: "projectName is the job's full name (no relative names, no parameters filter); selectors lastSuccessful, lastStable, lastCompleted, specific; every user may read every job in Kiln, so copyArtifactPermission is not needed (and not enforced).",
      params: [
        s('projectName', "the job's full name ('team/app')", true),
        { name: 'selector', type: 'any', doc: "lastSuccessful() (default), lastStable(), lastCompleted(), specific('12')" },
        s('filter', 'Ant patterns of the artifacts to copy (default all)'),
        s('excludes', 'Ant patterns to leave out'),
        s('target', 'directory to copy into, relative to the current directory (default: the current directory)'),
        b('flatten', 'copy without the directories'),
        b('optional', 'no build or no artifact is not an error'),
        b('fingerprintArtifacts', 'print each file\'s sha256 (default true)'),
        s('resultVariableSuffix', 'accepted for compatibility'), s('parameters', 'accepted for compatibility'),
        b('includeBuildNumberInTargetPath', 'put the files under <target>/<build number>/'),
      ],
      positional: 'projectName',
      block: 'none',
      needsNode: true,
    },
    selector('lastSuccessful', 'copyArtifacts selector: the last SUCCESS or UNSTABLE build', [b('stable', 'only SUCCESS')]),
    selector('lastStable', 'copyArtifacts selector: the last SUCCESS build'),
    selector('lastCompleted', 'copyArtifacts selector: the last finished build, whatever its result'),
    selector('specific', "copyArtifacts selector: that build: specific('12') or specific(\"${params.BUILD}\")", [s('buildNumber', 'the build number', true)], 'buildNumber'),
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
