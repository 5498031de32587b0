// The Compress Build Log plugin's job property `compressBuildLog()` (BuildLogCompressor), declared
// as data: in `options { compressBuildLog() }` or `properties([compressBuildLog()])` it marks the
// build (its plugin job properties: steps/job-properties.ts PLUGIN_PROPERTIES), and the
// controller keeps that build's console gzip-compressed once it has finished
// (controller/log-gzip.ts, LogStore.compress): the console API, the UI and the download read it
// by byte range as before. Nothing runs in the build, so the plugin has no runtime.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const compressBuildLogPlugin: PipelinePlugin = {
  name: 'compress-buildlog',
  doc: "Compress Build Log: compressBuildLog() keeps a finished build's console gzip-compressed on the controller",
  steps: [
    {
      name: 'compressBuildLog',
      kind: 'symbol',
      jenkinsPlugin: 'Compress Build Log',
      jenkinsClass: 'org.jenkinsci.plugins.compressbuildlog.BuildLogCompressor',
      differs: "a job property for the build that sets it (options, or properties([...]) in that build), not kept on the job; compressed in 1 MiB gzip members so that the console reads any byte range without inflating the whole log; `kiln run` keeps its console plain",
      doc: "Keep the finished build's console gzip-compressed on the controller: options { compressBuildLog() } or properties([compressBuildLog()]). The console, its byte ranges and the download read it as before.",
      params: [],
      block: 'none',
      needsNode: false,
    },
  ],
};
