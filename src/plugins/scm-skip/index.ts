// The scm-skip plugin: Jenkins' SCM Skip plugin (jenkinsci/scmskip-plugin), declared as data
// (runtime.ts runs it):
//   scmSkip(deleteBuild: false, skipPattern: '.*\\[ci skip\\].*')
// When every commit of the build's last change set matches the pattern, the build is aborted
// (ABORTED, described "SCM Skip - build skipped"), and deleted once finished with deleteBuild.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const scmSkipPlugin: PipelinePlugin = {
  name: 'scm-skip',
  doc: 'The SCM Skip plugin: scmSkip aborts (and may delete) a build whose commits all say [ci skip]',
  steps: [
    {
      name: 'scmSkip',
      doc: "Abort the build when every commit of its last checkout's changelog matches skipPattern: scmSkip(deleteBuild: true, skipPattern: '.*\\\\[ci skip\\\\].*')",
      block: 'none', needsNode: false, jenkinsPlugin: 'SCM Skip',
      params: [
        { name: 'deleteBuild', type: 'boolean', doc: 'delete the skipped build once it has finished (default false)' },
        { name: 'skipPattern', type: 'string', doc: "a Java regular expression the whole commit message must match (MULTILINE; default '.*\\\\[ci skip\\\\].*')" },
      ],
      differs: "the next build does not take the deleted build's number again (Jenkins' updateNextBuildNumber); the skip pattern is a JavaScript regular expression with Java's common syntax",
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
