// The throttle plugin: Throttle Concurrent Builds' pipeline step, declared as data (runtime.ts
// runs it):
//   throttle(['db-tests']) { node { ... } }
// Every node block inside (scripted `node`, a stage's `agent`) takes a slot of each category
// before it asks for its node and gives it back with the node; a category configured with
// maxConcurrentTotal N (the host's settings, core/throttle.ts) lets N such blocks hold nodes at
// once across all builds; the others wait, with Jenkins' queue line. With maxConcurrentPerNode M,
// a block is not given an agent that already runs M blocks of the category. As in Jenkins, steps that run
// on a node allocated outside the throttle block are not throttled.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const throttlePlugin: PipelinePlugin = {
  name: 'throttle',
  doc: 'Throttle Concurrent Builds: throttle([categories]) { node { } } limits how many node blocks of a category run at once',
  steps: [
    {
      name: 'throttle',
      doc: "Limit the node blocks inside to the categories' maximum: throttle(['db-tests']) { node { ... } }.",
      params: [{ name: 'categories', type: 'list', required: true, doc: 'the throttle categories (configured on the controller: Settings, PUT /api/v1/settings/throttle-categories)' }],
      positional: 'categories',
      block: 'required',
      needsNode: false,
      jenkinsPlugin: 'Throttle Concurrent Builds',
      jenkinsClass: 'hudson.plugins.throttleconcurrents.pipeline.ThrottleStep',
      differs: 'maxConcurrentPerNode applies to agents and the built-in node (a Docker or Kubernetes agent is a new node per block); label-specific maxima are not offered',
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
