// The coverage plugin: code coverage as Jenkins' Coverage plugin (`recordCoverage`) and the
// older JaCoCo (`jacoco`) and Cobertura (`cobertura`) plugins have it, declared as data that
// validation and `kiln lint` read. What runs is runtime.ts (parsers.ts reads JaCoCo and
// Cobertura XML and PIT's mutations.xml), loaded when a build first uses one of these. Results are kept through the
// host's BuildServices.buildTools.coverage (the controller: the store, served at
// .../builds/N/coverage and shown on the build page; kiln run: coverage.json).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const n = (name: string, doc: string): StepParam => ({ name, type: 'number', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

const jacocoMetrics = ['Instruction', 'Branch', 'Complexity', 'Line', 'Method', 'Class'];

const steps: StepDecl[] = [
  {
    name: 'recordCoverage',
    doc: "Parse JaCoCo or Cobertura XML reports (and PIT's mutations.xml), record the coverage per metric and apply quality gates: recordCoverage(tools: [[parser: 'JACOCO']], qualityGates: [[metric: 'LINE', threshold: 80.0, criticality: 'UNSTABLE']]).",
    jenkinsPlugin: 'Coverage',
    differs: "Parsers JACOCO, COBERTURA and PIT only; quality gate baselines PROJECT, PROJECT_DELTA, MODIFIED_LINES (LINE, BRANCH, FILE, PACKAGE, MODULE, as the plugin), MODIFIED_FILES (every metric), MODIFIED_LINES_DELTA, MODIFIED_FILES_DELTA against the newest earlier build with a result of the same id (its commit, git diff), no INDIRECT; gates on COMPLEXITY, COMPLEXITY_MAXIMUM (PROJECT only), COMPLEXITY_DENSITY and LOC from JaCoCo's counters and Cobertura's complexity attributes (a class' COMPLEXITY is its methods' sum); MUTATION and TEST_STRENGTH from PIT (its lines are not added to LINE; no per-line mutations, so their MODIFIED_LINES gates are inactive); several reports' counts are summed; no source code is kept, no trend chart or checks.",
    params: [
      a('tools', "the reports: [[parser: 'JACOCO' | 'COBERTURA' | 'PIT', pattern: '**/jacoco.xml']] (PIT's default: '**/mutations.xml')"),
      a('qualityGates', "[[metric: 'LINE' (or COMPLEXITY, COMPLEXITY_DENSITY, COMPLEXITY_MAXIMUM, LOC: missed above the threshold), threshold: 80.0, baseline: 'PROJECT' | 'PROJECT_DELTA' | 'MODIFIED_LINES' | 'MODIFIED_FILES' | 'MODIFIED_LINES_DELTA' | 'MODIFIED_FILES_DELTA', criticality: 'UNSTABLE' | 'FAILURE' | 'NOTE' | 'ERROR']] (or unstable: true|false); a delta's threshold may be negative"),
      s('id', "id of the result (default 'coverage')"),
      s('name', "name of the result (default 'Code Coverage')"),
      b('enabledForFailure', 'record even when the build has failed'),
      b('failOnError', 'fail the build when a report could not be read'),
      b('skipPublishingChecks', 'accepted (no checks)'), s('checksName', 'accepted (no checks)'), s('checksAnnotationScope', 'accepted (no checks)'),
      s('sourceCodeRetention', "accepted: Kiln keeps no source code (NEVER)"), s('sourceCodeEncoding', 'accepted (no source code is read)'),
      a('sourceDirectories', 'accepted (no source code is read)'),
      b('ignoreParsingErrors', 'report problems as lines but do not count them as errors'),
      b('skipSymbolicLinks', 'accepted (links out of the workspace are never followed)'),
      s('scm', 'accepted for compatibility'), b('failBuildIfCoverageDecreasedInChangeRequest', 'accepted (no change-request delta)'),
    ],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'jacoco',
    doc: "JaCoCo plugin: record the coverage of JaCoCo's XML report and change the build status below the minimums: jacoco(minimumLineCoverage: '80', changeBuildStatus: true).",
    jenkinsPlugin: 'JaCoCo',
    differs: "Kiln reads JaCoCo's XML report (xmlReportPattern, default '**/jacoco.xml, **/jacocoTestReport.xml'), not the .exec files and class directories: run jacoco:report / jacocoTestReport first. execPattern, classPattern and sourcePattern are accepted and not read.",
    params: [
      s('xmlReportPattern', "Kiln: Ant pattern of JaCoCo XML reports (default '**/jacoco.xml, **/jacocoTestReport.xml')"),
      s('execPattern', "accepted: Kiln reads the XML report, not .exec files (default '**/**.exec')"),
      s('classPattern', 'accepted: Kiln reads the XML report'), s('sourcePattern', 'accepted: Kiln reads the XML report'),
      s('inclusionPattern', 'accepted'), s('exclusionPattern', 'accepted'), s('sourceInclusionPattern', 'accepted'), s('sourceExclusionPattern', 'accepted'),
      b('skipCopyOfSrcFiles', 'accepted (no source files are copied)'),
      b('changeBuildStatus', 'below a minimum: FAILURE; below a maximum: UNSTABLE (default false: only recorded)'),
      b('runAlways', 'record even when the build has failed'),
      ...jacocoMetrics.flatMap((m) => [s(`minimum${m}Coverage`, `${m.toLowerCase()} coverage (%) below which the build fails`), s(`maximum${m}Coverage`, `${m.toLowerCase()} coverage (%) below which the build is unstable`)]),
      s('deltaBranchCoverage', 'accepted (no delta)'), s('deltaClassCoverage', 'accepted'), s('deltaComplexityCoverage', 'accepted'),
      s('deltaInstructionCoverage', 'accepted'), s('deltaLineCoverage', 'accepted'), s('deltaMethodCoverage', 'accepted'),
      b('buildOverBuild', 'accepted (no delta)'),
    ],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'cobertura',
    doc: "Cobertura plugin: record the coverage of Cobertura XML reports, with targets 'healthy, unhealthy, unstable': cobertura(coberturaReportFile: '**/coverage.xml', lineCoverageTargets: '80, 0, 70').",
    jenkinsPlugin: 'Cobertura',
    differs: 'No health report or source display; targets take the third (unstable) and second (unhealthy, with failUnhealthy) numbers.',
    params: [
      s('coberturaReportFile', "Ant pattern of Cobertura XML reports (default '**/coverage.xml')"),
      b('onlyStable', 'record only when the build is SUCCESS'),
      b('failNoReports', 'fail when no report is found (default true)'),
      b('failUnhealthy', 'FAILURE below a target\'s unhealthy value'),
      b('failUnstable', 'FAILURE instead of UNSTABLE below a target\'s unstable value'),
      b('autoUpdateHealth', 'accepted'), b('autoUpdateStability', 'accepted'), b('zoomCoverageChart', 'accepted'),
      n('maxNumberOfBuilds', 'accepted'), s('sourceEncoding', 'accepted'), b('enableNewApi', 'accepted'),
      ...['lineCoverageTargets', 'conditionalCoverageTargets', 'methodCoverageTargets', 'classCoverageTargets', 'fileCoverageTargets', 'packageCoverageTargets']
        .map((t) => s(t, "'healthy, unhealthy, unstable' percentages")),
    ],
    block: 'none',
    needsNode: true,
  },
];

// The Cobertura plugin's publisher reached as step([$class: 'CoberturaPublisher', ...]): the same
// class and parameters as `cobertura` (its @Symbol), the same implementation.
const coberturaDecl = steps.find((d) => d.name === 'cobertura')!;
steps.push({
  ...coberturaDecl,
  name: 'CoberturaPublisher',
  kind: 'class',
  doc: "Cobertura plugin's publisher as step([$class: 'CoberturaPublisher', coberturaReportFile: 'coverage.xml', lineCoverageTargets: '80, 0, 70']): the same as cobertura(...).",
  jenkinsClass: 'hudson.plugins.cobertura.CoberturaPublisher',
});

// The JaCoCo plugin's publisher reached as step([$class: 'JacocoPublisher', ...]): the class behind
// `jacoco` (its @Symbol), the same parameters and implementation.
const jacocoDecl = steps.find((d) => d.name === 'jacoco')!;
steps.push({
  ...jacocoDecl,
  name: 'JacocoPublisher',
  kind: 'class',
  doc: "JaCoCo plugin's publisher as step([$class: 'JacocoPublisher', execPattern: 'target/*.exec', minimumLineCoverage: '80']): the same as jacoco(...).",
  jenkinsClass: 'hudson.plugins.jacoco.JacocoPublisher',
});

// The Code Coverage API plugin's publisher (publishCoverage) and the symbols its arguments use.
const API = 'Code Coverage API';
const adapterParams = (what: string): StepParam[] => [
  s('path', `Ant pattern of ${what} reports`),
  a('thresholds', "this adapter's thresholds: [[thresholdTarget: 'Line', unstableThreshold: 80.0, unhealthyThreshold: 90.0, failUnhealthy: false]]"),
  b('mergeToOneReport', "apply the thresholds to this adapter's reports merged into one (default: to each report)"),
];
const adapter = (name: string, what: string, cls: string): StepDecl => ({
  name, kind: 'symbol', doc: `publishCoverage adapter for ${what} reports: ${name}('**/coverage.xml')`, params: adapterParams(what),
  positional: 'path', block: 'none', needsNode: false, jenkinsPlugin: API, jenkinsClass: `io.jenkins.plugins.coverage.adapter.${cls}`,
});
steps.push(
  {
    name: 'publishCoverage',
    doc: "Code Coverage API plugin: record Cobertura or JaCoCo XML reports and apply thresholds: publishCoverage(adapters: [coberturaAdapter('coverage.xml')], globalThresholds: [[thresholdTarget: 'Line', unstableThreshold: 80.0]]).",
    jenkinsPlugin: API,
    jenkinsClass: 'io.jenkins.plugins.coverage.CoveragePublisher',
    differs: "Adapters coberturaAdapter, istanbulCoberturaAdapter and jacocoAdapter only (others are unknown symbols); thresholds on Line, Conditional, Method, Class, File, Package and Instruction, applied to each report and, with applyThresholdRecursively, to each of its packages and files (not its classes and methods); no source files are kept (sourceFileResolver accepted), no delta to a change request's target, no checks; kept as the coverage result 'coverage-api'.",
    params: [
      a('adapters', "the reports: [coberturaAdapter('**/coverage.xml'), jacocoAdapter('**/jacoco.xml'), istanbulCoberturaAdapter('coverage/cobertura-coverage.xml')]"),
      a('globalThresholds', "[[thresholdTarget: 'Line', unstableThreshold: 80.0, unhealthyThreshold: 90.0, failUnhealthy: false]]: for the targets an adapter has no threshold on"),
      b('failUnhealthy', 'FAILURE when a healthy threshold is missed'),
      b('failUnstable', 'FAILURE instead of UNSTABLE when a stable threshold is missed'),
      b('failNoReports', 'FAILURE when no report is found (default false)'),
      b('applyThresholdRecursively', 'apply the thresholds to each package and file of each report too (Kiln: not to classes and methods)'),
      a('sourceFileResolver', "accepted: sourceFiles('NEVER_STORE' | 'STORE_LAST_BUILD' | 'STORE_ALL_BUILD'); Kiln keeps no source files"),
      s('tag', 'a tag: shown in the result\'s name'),
      b('calculateDiffForChangeRequests', 'accepted (deprecated in the plugin)'),
      b('failBuildIfCoverageDecreasedInChangeRequest', 'accepted (no change-request delta)'),
      b('skipPublishingChecks', 'accepted (no checks)'),
      s('sourceCodeEncoding', 'accepted (no source code is read)'), a('sourceDirectories', 'accepted (no source code is read)'),
    ],
    block: 'none',
    needsNode: true,
  },
  adapter('coberturaAdapter', 'Cobertura XML', 'CoberturaReportAdapter'),
  adapter('istanbulCoberturaAdapter', "Istanbul's (nyc, c8) Cobertura XML", 'IstanbulCoberturaReportAdapter'),
  adapter('jacocoAdapter', 'JaCoCo XML', 'JacocoReportAdapter'),
  {
    name: 'sourceFiles', kind: 'symbol', doc: "publishCoverage's sourceFileResolver: sourceFiles('STORE_LAST_BUILD') (accepted; Kiln keeps no source files)",
    params: [{ name: 'level', type: 'string', doc: "'NEVER_STORE', 'STORE_LAST_BUILD' or 'STORE_ALL_BUILD'" }],
    positional: 'level', block: 'none', needsNode: false, jenkinsPlugin: API, jenkinsClass: 'io.jenkins.plugins.coverage.source.DefaultSourceFileResolver',
  },
);

export const coveragePlugin: PipelinePlugin = {
  name: 'coverage',
  doc: 'Code coverage: recordCoverage (Coverage), jacoco (JaCoCo), cobertura (Cobertura), publishCoverage (Code Coverage API), reading JaCoCo and Cobertura XML reports and PIT mutations.xml',
  steps,
  runtime: async () => (await import('./runtime.ts')).default,
};
