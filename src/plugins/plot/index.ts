// The plot plugin: the Plot plugin's `plot` step (jenkinsci/plot-plugin, PlotBuilder), declared as
// data (runtime.ts runs it; series.ts reads the three series kinds, xpath.ts the XML ones):
//   plot csvFileName: 'plot-tests.csv', group: 'Tests', title: 'Test count', style: 'line',
//        csvSeries: [[file: 'stats.csv', inclusionFlag: 'OFF', exclusionValues: '', displayTableFlag: false, url: '']],
//        propertiesSeries: [[file: 'size.properties', label: 'Size']],
//        xmlSeries: [[file: 'metrics.xml', xpath: '//metric', nodeType: 'NODESET', url: '']]
// Each call reads this build's points from the workspace files and adds them to the job's plot
// of that csvFileName (kept per job by the host: BuildServices.buildTools.plot); the job page's
// Plots section shows the plots by group, GET /api/v1/jobs/:job/plots serves them.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

export const plotPlugin: PipelinePlugin = {
  name: 'plot',
  doc: "Plot: plot(csvFileName:, group:, title:, csvSeries:, propertiesSeries:, xmlSeries:) records values per build and shows them as charts on the job page",
  steps: [
    {
      name: 'plot',
      doc: "Record this build's values for a plot of the job: plot(csvFileName: 'plot-tests.csv', group: 'Tests', title: 'Count', propertiesSeries: [[file: 'count.properties', label: 'Tests']]).",
      params: [
        s('csvFileName', "the name the job keeps the plot's data under (a plain file name: 'plot-tests.csv'); the plot's history across builds. Absent: derived from group and title"),
        s('group', "the group the plot shows in on the job page's Plots section"),
        s('title', "the plot's title (absent: csvFileName)"),
        s('yaxis', "the y axis' label"),
        { name: 'style', type: 'string', doc: "line (default), lineSimple, line3d, area, stackedArea, bar, bar3d, stackedBar, stackedBar3d, waterfall (any other: line)" },
        a('numBuilds', "how many builds back the plot shows and keeps ('' : all)"),
        b('useDescr', "the builds' descriptions as the x axis' labels"),
        b('exclZero', 'the y axis does not have to include 0'),
        b('logarithmic', 'a logarithmic y axis'),
        b('keepRecords', "keep the points of builds that were deleted"),
        a('yaxisMinimum', "the y axis' lowest value ('' : automatic)"),
        a('yaxisMaximum', "the y axis' highest value ('' : automatic)"),
        { name: 'csvSeries', type: 'list', doc: "[[file: 'data.csv', inclusionFlag: 'OFF'|'INCLUDE_BY_STRING'|'EXCLUDE_BY_STRING'|'INCLUDE_BY_COLUMN'|'EXCLUDE_BY_COLUMN', exclusionValues: 'a,b', displayTableFlag: false, url: 'http://host/%name%/%index%/%build%']]: a point per cell, labelled by its column" },
        { name: 'propertiesSeries', type: 'list', doc: "[[file: 'data.properties', label: 'Size']]: one point, the file's YVALUE (URL: its link)" },
        { name: 'xmlSeries', type: 'list', doc: "[[file: 'data.xml', xpath: '//metric', nodeType: 'NODESET'|'NODE'|'STRING'|'NUMBER'|'BOOLEAN', url: '']]: points from an XPath (a subset of XPath 1.0, see docs/build-tools.md)" },
      ],
      block: 'none',
      needsNode: true,
      jenkinsPlugin: 'Plot',
      jenkinsClass: 'hudson.plugins.plot.PlotBuilder',
      differs: "XPath: a subset of XPath 1.0 (paths, predicates, count/sum/number/string/boolean; refused with a message otherwise) and no DOCTYPE; a missing csvFileName is derived from group and title (Jenkins starts a new file every build); the charts are drawn in the browser (no PNG/image map routes); point links other than http(s) or paths are dropped; a series file over 16 MiB or a plot over 20000 points is cut",
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
