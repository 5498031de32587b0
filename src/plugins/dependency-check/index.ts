// The OWASP Dependency-Check plugin's publisher, dependencyCheckPublisher: reads
// dependency-check-report.xml (or .json) reports, counts the findings by severity and applies the
// plugin's thresholds to the build's result. Declared as data here (validation and `kiln lint`
// read it); runtime.ts runs it (report.ts reads the reports), loaded when a build first uses it.
// dependencyCheck (the plugin's DependencyCheckToolBuilder) runs the Dependency-Check CLI of a
// `dependency-check` tool installation on the node with the plugin's arguments (runtime.ts).
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const n = (name: string, doc: string): StepParam => ({ name, type: 'number', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const LEVELS = ['Critical', 'High', 'Medium', 'Low'];

export const dependencyCheckPlugin: PipelinePlugin = {
  name: 'dependency-check',
  doc: 'OWASP Dependency-Check: dependencyCheck runs the CLI; dependencyCheckPublisher reads Dependency-Check reports and applies thresholds by severity',
  steps: [
    {
      name: 'dependencyCheck',
      doc: "Run the Dependency-Check CLI of a tool installation: dependencyCheck(odcInstallation: 'dc', additionalArguments: '--out build --disableAssembly').",
      jenkinsPlugin: 'OWASP Dependency-Check',
      jenkinsClass: 'org.jenkinsci.plugins.DependencyCheck.DependencyCheckToolBuilder',
      differs: 'the installation is a `dependency-check` tool (KILN_TOOL_<NAME> on the node: its bin/dependency-check.sh); no automatic download of the CLI; skipOnScmChange and skipOnUpstreamChange are accepted and not applied (OWASP_DC_SKIP=true is)',
      params: [
        { name: 'odcInstallation', type: 'string', doc: 'the name of the Dependency-Check tool installation' },
        { name: 'additionalArguments', type: 'string', doc: "more CLI arguments, quoted as in a shell, ${VARS} expanded; --project, --scan/-s, --format/-f given here replace the plugin's" },
        b('skipOnScmChange', 'accepted, not applied'),
        b('skipOnUpstreamChange', 'accepted, not applied'),
      ],
      block: 'none',
      needsNode: true,
    },
    {
      name: 'dependencyCheckPublisher',
      doc: "Publish OWASP Dependency-Check results: dependencyCheckPublisher(pattern: '**/dependency-check-report.xml', failedTotalCritical: 1, unstableTotalHigh: 5).",
      jenkinsPlugin: 'OWASP Dependency-Check',
      jenkinsClass: 'org.jenkinsci.plugins.DependencyCheck.pipeline.DependencyCheckStep',
      differs: "The findings are kept as the build's analysis result 'dependency-check' (the issues page and API: CRITICAL as ERROR, MEDIUM as NORMAL, INFO and unassigned as LOW, the severity as the category); no trend chart; JSON reports are read too; the *AnalysisExploitable switches are accepted and not applied (no exploitability data is read).",
      params: [
        { name: 'pattern', type: 'string', doc: "Ant pattern of Dependency-Check reports (default '**/dependency-check-report.xml'; ${VARS} expanded)" },
        b('stopBuild', 'a FAILURE from the thresholds also fails the step ("Threshold exceeded")'),
        b('skipNoReportFiles', 'no report found is not a failure (default false: FAILURE)'),
        ...['unstable', 'failed'].flatMap((k) => LEVELS.map((s) => n(`${k}Total${s}`, `${k === 'failed' ? 'FAILURE' : 'UNSTABLE'} when there are at least this many ${s.toLowerCase()} findings (and at least one)`))),
        ...['unstable', 'failed'].flatMap((k) => LEVELS.map((s) => n(`${k}New${s}`, `${k === 'failed' ? 'FAILURE' : 'UNSTABLE'} when there are at least this many more ${s.toLowerCase()} findings than in the previous build`))),
        b('totalThresholdAnalysisExploitable', 'accepted, not applied'), b('newThresholdAnalysisExploitable', 'accepted, not applied'),
      ],
      block: 'none',
      needsNode: true,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
