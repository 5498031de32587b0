// The labelled-steps plugin's runtime: labelledShell is Pipeline's sh under another name (the
// plugin's LabelledShellStep is a lightly changed copy of ShellStep), so it runs sh's
// implementation with the same arguments.
import type { PluginRuntime } from '../../pipeline/plugin.ts';
import { run as sh } from '../../pipeline/steps/sh.ts';

const runtime: PluginRuntime = { steps: { labelledShell: sh } };
export default runtime;
