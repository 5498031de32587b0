// The labelled-steps plugin: the Labelled Steps plugin's `labelledShell`, a copy of Pipeline's
// `sh` made before `sh` had its own `label:` (LabelledShellStep is a DurableTaskStep: the script
// is its one constructor parameter; label, returnStdout, returnStatus and encoding are
// DurableTaskStep's). It runs exactly as `sh` runs (runtime.ts hands it to sh's implementation):
//   labelledShell label: 'Build', script: 'make'     prints "[Build]", then the traced script
// Declared as data; the runtime loads only when the step runs.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const labelledStepsPlugin: PipelinePlugin = {
  name: 'labelled-steps',
  doc: 'labelledShell (Labelled Steps): sh with a label',
  steps: [
    {
      name: 'labelledShell',
      doc: "Run a shell script as sh does, shown under a label: labelledShell label: 'Build', script: 'make'.",
      params: [
        { name: 'script', type: 'string', required: true, doc: 'the script' },
        { name: 'label', type: 'string', doc: 'name shown for this step in the console and stage view' },
        { name: 'returnStdout', type: 'boolean', doc: 'return standard output (not printed) instead of printing it' },
        { name: 'returnStatus', type: 'boolean', doc: 'return the exit status instead of failing on non-zero' },
        { name: 'encoding', type: 'string', doc: 'character set of the output (default UTF-8)' },
      ],
      positional: 'script',
      block: 'none',
      needsNode: true,
      reattachable: true,
      jenkinsPlugin: 'Labelled Steps',
      jenkinsClass: 'me.vickychijwani.jenkins.LabelledShellStep',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
