// The allure plugin: the Allure Jenkins plugin's publisher (jenkinsci/allure-plugin,
// AllureReportPublisher, symbol `allure`), declared as data (runtime.ts runs it):
//   allure includeProperties: false, jdk: '', results: [[path: 'target/allure-results']], reportBuildPolicy: 'ALWAYS'
//   allure([commandline: 'allure-2', results: [[path: 'build/allure-results']], resultPolicy: 'FAILURE_IF_FAILED_OR_BROKEN'])
// Kiln does not run Allure's commandline (a Java program no package here ships): it counts the
// results (*-result.json: passed, failed, broken, skipped, unknown), sets the build's result from
// them as the plugin does after its report (resultPolicy, the four thresholds), keeps the
// summary (allure-summary.json) and the results directories as the build's artifacts, and says
// that the HTML report is not generated. The tool type `allure` (tools { allure 'name' }) is the
// plugin's AllureCommandlineInstallation: its bin goes on PATH, ALLURE_HOME is set.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

export const allurePlugin: PipelinePlugin = {
  name: 'allure',
  doc: "Allure: allure(results: [[path: 'allure-results']]) counts the Allure results, sets the build's result from them and keeps them (no HTML report)",
  steps: [
    {
      name: 'allure',
      doc: "Publish Allure results: allure(results: [[path: 'target/allure-results']], reportBuildPolicy: 'ALWAYS').",
      jenkinsPlugin: 'Allure',
      jenkinsClass: 'org.allurereport.jenkins.AllureReportPublisher',
      differs: "the HTML report is not generated (Allure's commandline does not run): the results are counted from *-result.json (Allure 2 format; a retried test counted once, its last result), the build's result set from them (resultPolicy, thresholds) and the summary (allure-summary.json) and the results directories kept as the build's artifacts; jdk, commandline, allureVersion, properties, includeProperties, configPath, report, reportName and singleFile are accepted and change nothing (config: its results are read)",
      params: [
        { name: 'results', type: 'any', doc: "the results directories: [[path: 'allure-results']] (relative to the workspace; Ant patterns allowed)" },
        { name: 'reportBuildPolicy', type: 'string', values: ['ALWAYS', 'UNSTABLE', 'UNSUCCESSFUL'], doc: 'ALWAYS (default); UNSTABLE: only for an unstable build; UNSUCCESSFUL: only for an unstable or failed one' },
        { name: 'resultPolicy', type: 'string', values: ['LEAVE_AS_IS', 'UNSTABLE_IF_FAILED_OR_BROKEN', 'FAILURE_IF_FAILED_OR_BROKEN'], doc: 'what failed or broken tests make the build (default UNSTABLE_IF_FAILED_OR_BROKEN)' },
        { name: 'unstableThresholdCount', type: 'integer', doc: 'failed + broken tests at or over which the build is UNSTABLE (instead of resultPolicy)' },
        { name: 'failureThresholdCount', type: 'integer', doc: 'failed + broken tests at or over which the build is FAILURE (instead of resultPolicy)' },
        { name: 'unstableThresholdPercent', type: 'integer', doc: '% of failed + broken tests at or over which the build is UNSTABLE (instead of resultPolicy)' },
        { name: 'failureThresholdPercent', type: 'integer', doc: '% of failed + broken tests at or over which the build is FAILURE (instead of resultPolicy)' },
        b('disabled', 'do nothing ("Allure report is disabled.")'),
        b('includeProperties', 'accepted (no report)'), s('jdk', 'accepted (no report)'), s('commandline', 'accepted: the Allure commandline installation (no report is generated)'),
        s('allureVersion', "accepted ('2' or '3'; no report)"), a('properties', 'accepted: [[key: , value: ]] (no report)'), a('config', 'the old nested form: [results: [[path: ]]], its results read when results is absent'),
        s('configPath', 'accepted (no report)'), s('report', "accepted: the report directory (default 'allure-report'; no report)"), s('reportName', 'accepted (no report)'), b('singleFile', 'accepted (no report)'),
      ],
      block: 'none',
      needsNode: true,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
