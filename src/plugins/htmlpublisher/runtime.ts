// publishHTML (declared in index.ts), following htmlpublisher's HtmlPublisher.publishReports:
// "[htmlpublisher] Archiving HTML reports...", the report's directory (relative to the current
// directory, never leaving the workspace), a missing one an error that fails the build unless
// allowMissing, the files matching `includes` copied through BuildServices.buildTools.htmlReport
// (read in chunks; links leading out of the workspace refused by the Workspace), "Archiving at
// BUILD level <dir> to <report>".
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { collectSources } from '../../pipeline/steps/collect.ts';

const MAX_FILES = 20000;

function field(target: Map<string, Value> | null, values: Record<string, Value>, k: string): Value | undefined {
  const v = target?.get(k);
  if (v !== undefined && v !== null) return v;
  const top = values[k];
  return top === undefined || top === null ? undefined : top;
}

const publishHTML: StepRun = async (ctx, args) => {
  const t = args.values['target'];
  if (t !== undefined && t !== null && !isMap(t)) throw new StepFailure("publishHTML: target must be a map: publishHTML(target: [reportDir: 'coverage', reportFiles: 'index.html', reportName: 'Coverage'])");
  const target = t ? (t as Map<string, Value>) : null;
  const get = (k: string) => field(target, args.values, k);
  const str = (k: string, d: string) => { const v = get(k); return v === undefined || String(v) === '' ? d : String(v); };
  const bool = (k: string, d: boolean) => { const v = get(k); return v === undefined ? d : v === true || v === 'true'; };
  const reportDir = str('reportDir', '.');
  const reportName = str('reportName', 'HTML Report');
  const reportFiles = str('reportFiles', 'index.html').split(',').map((x) => x.trim()).filter(Boolean);
  const includes = str('includes', '**/*');
  const keepAll = bool('keepAll', false);
  const allowMissing = bool('allowMissing', false);
  if (reportName.length > 200 || /[\0/\\]/.test(reportName)) throw new StepFailure(`publishHTML: reportName '${reportName.slice(0, 60)}' must be at most 200 characters, without '/', '\\' or NUL`);
  for (const f of reportFiles) {
    if (relPathProblem(f) !== null) throw new StepFailure(`publishHTML: reportFiles '${f}': ${relPathProblem(f)}`);
  }
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  if (reportDir !== '.' && (reportDir.startsWith('/') || reportDir.split(/[\\/]/).includes('..'))) {
    throw new StepFailure(`publishHTML: reportDir '${reportDir}' leaves the workspace; give a directory relative to it`);
  }
  const dir = path.normalize(path.join(base, reportDir));
  ctx.log('[htmlpublisher] Archiving HTML reports...');
  const st = await ws.stat(dir);
  if (!st || st.type !== 'dir') {
    ctx.log(`ERROR: Specified HTML directory '${dir}' does not exist.`);
    if (!allowMissing) ctx.build.setResult('FAILURE', 'FAILURE');
    return null;
  }
  const sub: StepContext = Object.create(ctx, { cwd: { value: dir } }) as StepContext;
  const sources = await collectSources(sub, includes, undefined, { defaultExcludes: true, step: 'publishHTML' });
  if (sources.length > MAX_FILES) throw new StepFailure(`publishHTML: the report '${reportName}' has ${sources.length} files; Kiln keeps at most ${MAX_FILES} per report`);
  const missingIndex = reportFiles.filter((f) => !sources.some((s) => s.path === f));
  if (missingIndex.length > 0) ctx.log(`WARNING: the report's index page(s) ${missingIndex.map((f) => `'${f}'`).join(', ')} are not in '${dir}'`);
  const keep = ctx.build.services.buildTools?.htmlReport;
  if (!keep) {
    ctx.log('[htmlpublisher] This host keeps no HTML reports');
    return null;
  }
  ctx.log(`[htmlpublisher] Archiving at ${keepAll ? 'BUILD' : 'PROJECT'} level ${dir} to ${reportName}`);
  await keep({ name: reportName, files: reportFiles, keepAll, alwaysLinkToLastBuild: bool('alwaysLinkToLastBuild', false) }, sources);
  return null;
};

const runtime: PluginRuntime = { steps: { publishHTML } };
export default runtime;
