// The Git Parameter plugin's gitParameter as a build parameter: its options read and checked the
// same way from `parameters { gitParameter(...) }` (model/parameters.ts, at lint) and from
// `properties([parameters([gitParameter(...)])])` (steps/job-properties.ts, at run).
//   gitParameter(name: 'BRANCH', type: 'PT_BRANCH', defaultValue: 'main', branchFilter: 'origin/(.*)',
//                tagFilter: 'v*', sortMode: 'DESCENDING_SMART', selectedValue: 'DEFAULT')
// A build started without the parameter (timer, SCM, API) gets defaultValue, as the plugin's
// default value; the build form lists the repository's refs (controller/git-parameter.ts).
import type { GitParameterOptions } from './types.ts';
import { patternError } from '../script/regex-translate.ts';

export const GIT_PARAMETER_TYPES = ['PT_BRANCH', 'PT_TAG', 'PT_BRANCH_TAG', 'PT_REVISION', 'PT_PULL_REQUEST'] as const;
export const GIT_PARAMETER_SORT_MODES = ['NONE', 'ASCENDING_SMART', 'DESCENDING_SMART', 'ASCENDING', 'DESCENDING'] as const;
export const GIT_PARAMETER_SELECTED = ['NONE', 'TOP', 'DEFAULT'] as const;
/** gitParameter's parameters besides name, defaultValue and description (all strings but the booleans). */
export const GIT_PARAMETER_OPTIONS = ['type', 'branchFilter', 'tagFilter', 'sortMode', 'selectedValue', 'branch', 'useRepository'] as const;
export const GIT_PARAMETER_ACCEPTED = ['quickFilterEnabled', 'listSize', 'requiredParameter'] as const;

/**
 * The options from the given strings (undefined: the plugin's default), or the first problem:
 * a value that is not one of the plugin's, a branch filter that is not a Java regex.
 */
export function gitParameterOptions(get: (key: typeof GIT_PARAMETER_OPTIONS[number]) => string | undefined): GitParameterOptions | { problem: string; key: string } {
  const o: GitParameterOptions = {
    type: get('type')?.trim() || 'PT_BRANCH',
    branchFilter: get('branchFilter')?.trim() || '.*',
    tagFilter: get('tagFilter')?.trim() || '*',
    sortMode: get('sortMode')?.trim() || 'NONE',
    selectedValue: get('selectedValue')?.trim() || 'NONE',
    branch: get('branch')?.trim() ?? '',
    useRepository: get('useRepository')?.trim() ?? '',
  };
  if (!(GIT_PARAMETER_TYPES as readonly string[]).includes(o.type)) return { key: 'type', problem: `type '${o.type}' is not one of ${GIT_PARAMETER_TYPES.join(', ')}` };
  if (!(GIT_PARAMETER_SORT_MODES as readonly string[]).includes(o.sortMode)) return { key: 'sortMode', problem: `sortMode '${o.sortMode}' is not one of ${GIT_PARAMETER_SORT_MODES.join(', ')}` };
  if (!(GIT_PARAMETER_SELECTED as readonly string[]).includes(o.selectedValue)) return { key: 'selectedValue', problem: `selectedValue '${o.selectedValue}' is not one of ${GIT_PARAMETER_SELECTED.join(', ')}` };
  for (const key of ['branchFilter', 'useRepository'] as const) {
    const why = o[key] ? patternError(o[key]) : null;
    if (why !== null) return { key, problem: `${key} is not a regular expression: ${why}` };
  }
  return o;
}
