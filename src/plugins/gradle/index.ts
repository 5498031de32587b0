// The gradle plugin: the Gradle plugin's findBuildScans step (jenkinsci/gradle-plugin's
// BuildScanPublisher) and withGradle {} block, declared as data (runtime.ts runs them).
//   def scans = findBuildScans()
//   withGradle { sh './gradlew build --scan' }   the scans the block printed are recorded after it
// It reads the build's console so far for the lines Gradle and the Develocity Maven extension
// print when they publish a build scan ("Publishing build scan..." and, within the next 1000
// lines, the scan's https://host/s/<id> URL), records each URL once on the build (a badge with
// the scan's link, on the build page and in the build's API answer) and returns the build's
// scan URLs.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const gradlePlugin: PipelinePlugin = {
  name: 'gradle',
  doc: 'Gradle: withGradle and findBuildScans, the build scan links Gradle and Maven printed in the console',
  steps: [
    {
      name: 'withGradle',
      doc: "Run the block as the Gradle plugin's withGradle {}: the build scans Gradle or Maven published in its output are recorded on the build. withGradle { sh './gradlew build --scan' }.",
      params: [],
      block: 'required',
      needsNode: true,
      jenkinsPlugin: 'Gradle',
      jenkinsClass: 'hudson.plugins.gradle.WithGradle',
      differs: 'the scans are read from the console the block printed once it ends (also when it failed), with the findBuildScans rules, so output of parallel branches printed meanwhile counts too; no Gradle console annotations',
    },
    {
      name: 'findBuildScans',
      doc: 'Find the build scans published so far (the URLs after "Publishing build scan..." in the console), record them on the build and return them: def scans = findBuildScans().',
      params: [],
      block: 'none',
      needsNode: false,
      jenkinsPlugin: 'Gradle',
      jenkinsClass: 'hudson.plugins.gradle.BuildScanPublisher',
      replayRuns: true,
      differs: "each scan is a badge of the build (icon 'gradle-build-scan', text 'Build Scan', the scan's URL as its link, id 'buildScans') rather than a Build Scans action; the scans' details are not fetched from the Develocity server",
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
