// Data the build-wrappers plugin's declarations (index.ts) and its runtime share.

/** pipeline-maven's publisher symbols (withMaven options: [...]); disabled: true turns one off. */
export const MAVEN_PUBLISHERS = [
  'junitPublisher', 'artifactsPublisher', 'dependenciesFingerprintPublisher', 'findbugsPublisher', 'spotbugsPublisher',
  'jacocoPublisher', 'openTasksPublisher', 'invokerPublisher', 'concordionPublisher', 'jgivenPublisher', 'mavenLinkerPublisher',
  'pipelineGraphPublisher', 'maven3Publisher',
] as const;
