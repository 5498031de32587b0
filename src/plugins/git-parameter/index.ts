// The git-parameter plugin: the Git Parameter plugin's `gitParameter`, declared as data. It is a
// build parameter (a symbol): in `properties([parameters([gitParameter(...)])])` it defines one
// (steps/job-properties.ts reads it; `parameters { gitParameter(...) }` is read by
// model/parameters.ts), and in `build(job:, parameters: [gitParameter(name:, value:)])` it gives
// one a value. Its options are checked by pipeline/model/git-parameter.ts; the build form's list
// of the repository's branches or tags comes from the controller (controller/git-parameter.ts).
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { GIT_PARAMETER_SELECTED, GIT_PARAMETER_SORT_MODES, GIT_PARAMETER_TYPES } from '../../pipeline/model/git-parameter.ts';

const s = (name: string, doc: string, values?: readonly string[]): StepParam => ({ name, type: 'string', doc, ...(values ? { values } : {}) });

export const gitParameterPlugin: PipelinePlugin = {
  name: 'git-parameter',
  doc: "Git Parameter: gitParameter, a build parameter whose form lists the job's repository's branches, tags, revisions or pull requests",
  steps: [
    {
      name: 'gitParameter',
      kind: 'symbol',
      jenkinsPlugin: 'Git Parameter',
      jenkinsClass: 'net.uaznia.lukanus.hudson.plugins.gitparameter.GitParameterDefinition',
      doc: "A build parameter listing the repository's refs: gitParameter(name: 'BRANCH', type: 'PT_BRANCH', defaultValue: 'main', branchFilter: 'origin/(.*)'); in build(parameters: [...]) gitParameter(name: 'BRANCH', value: 'feature/x').",
      differs: "a build started without it gets defaultValue; the form lists the refs of the job's own repository (its Jenkinsfile's) by git ls-remote on the controller",
      params: [
        s('name', 'the parameter name'),
        s('type', 'what is listed (default PT_BRANCH)', GIT_PARAMETER_TYPES),
        s('defaultValue', 'the value of a build started without the form'),
        s('value', 'the value (build step parameters)'),
        s('description', 'help text'),
        s('branchFilter', "a Java regex the branches must match whole (default '.*'); its group 1, when it has one, is what is listed"),
        s('tagFilter', "a glob the tags must match (default '*')"),
        s('sortMode', 'the order of the list (default NONE)', GIT_PARAMETER_SORT_MODES),
        s('selectedValue', 'which item the form selects (default NONE)', GIT_PARAMETER_SELECTED),
        s('branch', 'PT_REVISION: the branch whose commits are listed'),
        s('useRepository', 'a regex picking one of several repositories (Kiln lists the job\'s own)'),
        { name: 'quickFilterEnabled', type: 'boolean', doc: 'accepted (a filter box in Jenkins\' form)' },
        { name: 'listSize', type: 'string', doc: 'accepted (the height of the list)' },
        { name: 'requiredParameter', type: 'boolean', doc: 'a build from the form must choose a value' },
      ],
      block: 'none',
      needsNode: false,
    },
  ],
};
