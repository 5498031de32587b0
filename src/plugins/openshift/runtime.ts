// The OpenShift plugins' runtime: the openshift global (dsl.ts), its _OcAction step
// (oc-action.ts), and the OpenShift Pipeline plugin's REST steps (rest.ts) and exec step
// (exec.ts), loaded the first time a build uses one of them (never by validation).
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { OpenShiftGlobal } from './dsl.ts';
import { run as _OcAction } from './oc-action.ts';
import { restSteps } from './rest.ts';
import { openshiftExec } from './exec.ts';

const runtime: PluginRuntime = {
  steps: { _OcAction, ...restSteps, openshiftExec },
  globals: { openshift: (g) => new OpenShiftGlobal(g) },
};

export default runtime;
