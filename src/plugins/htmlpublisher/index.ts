// The htmlpublisher plugin: `publishHTML(target: [reportDir:, reportFiles:, reportName:, ...])`
// as Jenkins' HTML Publisher plugin has it, declared as data. What runs is runtime.ts: the
// report's files are copied from the workspace into the build's files through the host's
// BuildServices.buildTools.htmlReport; the controller serves them sandboxed (a strict
// Content-Security-Policy: no script of a report runs on Kiln's origin) and the build page
// links them; kiln run keeps them under .kiln/runs/N/htmlreports/.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

/** The fields of a report target (htmlpublisher's HtmlPublisherTarget), also accepted at the top level. */
export const TARGET_FIELDS: StepParam[] = [
  s('reportDir', "the report's directory, relative to the current directory (default: the current directory)"),
  s('reportFiles', "the index page(s), comma-separated (default 'index.html')"),
  s('reportName', "the report's name, shown on the build page (default 'HTML Report')"),
  s('reportTitles', 'titles of the index pages, comma-separated (accepted; the names are shown)'),
  b('keepAll', 'keep the report of every build (default false: only the newest build keeps it)'),
  b('alwaysLinkToLastBuild', 'accepted: the API lists each build\'s reports'),
  b('allowMissing', 'a missing directory is not an error (default false: the build fails)'),
  s('includes', "Ant pattern of the files to keep (default '**/*')"),
  b('escapeUnderscores', 'accepted for compatibility'),
  b('useWrapperFileDirectly', 'accepted: Kiln serves the report itself, sandboxed'),
  s('icon', 'accepted for compatibility'),
];

export const htmlPublisherPlugin: PipelinePlugin = {
  name: 'htmlpublisher',
  doc: 'HTML Publisher: publishHTML keeps an HTML report of the build and serves it sandboxed',
  steps: [{
    name: 'publishHTML',
    doc: "Keep an HTML report of the build, linked from the build page: publishHTML(target: [reportDir: 'coverage', reportFiles: 'index.html', reportName: 'Coverage', keepAll: true]).",
    jenkinsPlugin: 'HTML Publisher',
    differs: "Served with Content-Security-Policy 'sandbox' (as Jenkins' default resource-root CSP): the report's JavaScript does not run. keepAll: false keeps the report on the newest build only (Jenkins keeps it on the job). At most 20000 files and 1 GiB per report.",
    params: [{ name: 'target', type: 'map', doc: 'the report: [reportDir:, reportFiles:, reportName:, keepAll:, allowMissing:, includes:]' }, ...TARGET_FIELDS],
    positional: 'target',
    block: 'none',
    needsNode: true,
  }],
  runtime: async () => (await import('./runtime.ts')).default,
};
