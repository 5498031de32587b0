// What the SonarQube steps do (declared in index.ts):
// withSonarQubeEnv('name') {}: "Injecting SonarQube environment variables using the
//   configuration: name", then the block gets SONAR_HOST_URL, SONAR_CONFIG_NAME,
//   SONAR_AUTH_TOKEN (masked), SONAR_MAVEN_GOAL, SONAR_EXTRA_PROPS and SONARQUBE_SCANNER_PARAMS
//   (the JSON of sonar.host.url and sonar.token that the scanners read). The server used is
//   remembered for waitForQualityGate.
// waitForQualityGate(abortPipeline:): the analysis is the ceTaskId of the first report-task.txt
//   in the workspace (.scannerwork/, target/sonar/, build/sonar/), as the scanners write it; it
//   polls GET {server}/api/ce/task?id=.. until the task ends, then GET
//   /api/qualitygates/project_status?analysisId=.., printing "Checking status of SonarQube task
//   'X' on server 'name'", "SonarQube task 'X' status is 'PENDING'", "SonarQube task 'X'
//   completed. Quality gate is 'OK'". It returns the gate (status, and getStatus()); with
//   abortPipeline a gate other than OK fails the step: "Pipeline aborted due to quality gate
//   failure: ERROR". A failed or cancelled task fails the step.
// Security: the token goes to the configured server's URL only: the serverUrl a report file
//   names (the build wrote it) picks among the configured servers, never adds one.
import { StepFailure } from '../../core/errors.ts';
import type { SonarServer } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { HostObject, Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf } from '../../util/http-client.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const REPORTS = ['.scannerwork/report-task.txt', 'target/sonar/report-task.txt', 'build/sonar/report-task.txt'];
/** How long between two polls of the task. */
const POLL_MS = 1000;

interface Used { server: SonarServer; token: string }

async function servers(ctx: StepContext): Promise<SonarServer[]> {
  return (await ctx.build.services.httpServices?.settings())?.sonar ?? [];
}

async function tokenOf(ctx: StepContext, id: string, step: string): Promise<string> {
  if (!id) return '';
  const c = await ctx.build.services.credential(id);
  if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`${step}: the credential '${id}' is a ${c.type}: SonarQube needs a secret text token`);
  return c.secret;
}

const withSonarQubeEnv: StepRun = async (ctx, args) => {
  const list = await servers(ctx);
  const name = str(args.values.installationName).trim();
  const hint = ctx.build.services.httpServices?.configureHint ?? 'this host has no SonarQube servers';
  let server: SonarServer | undefined;
  if (name) server = list.find((s) => s.name === name);
  else if (list.length === 1) server = list[0];
  if (!server) {
    if (!name && list.length > 1) throw new StepFailure(`withSonarQubeEnv: ${list.length} SonarQube servers are configured (${list.map((s) => s.name).join(', ')}): name the one to use`);
    throw new StepFailure(`SonarQube installation defined in this job (${name}) does not match any configured installation. Number of installations that can be configured: ${list.length}. (${hint})`);
  }
  ctx.log(`Injecting SonarQube environment variables using the configuration: ${server.name}`);
  const token = await tokenOf(ctx, str(args.values.credentialsId).trim() || server.credentialsId, 'withSonarQubeEnv');
  const env: Record<string, string | null> = {
    SONAR_HOST_URL: server.url,
    SONAR_CONFIG_NAME: server.name,
    SONAR_MAVEN_GOAL: 'sonar:sonar',
    SONAR_EXTRA_PROPS: '',
    SONAR_AUTH_TOKEN: token || null,
  };
  if (args.values.envOnly !== true) {
    env.SONARQUBE_SCANNER_PARAMS = JSON.stringify({ 'sonar.host.url': server.url, ...(token ? { 'sonar.token': token, 'sonar.login': token } : {}) });
  }
  ctx.build.scope.state<{ last: Used | null }>('sonar.used', () => ({ last: null })).last = { server, token };
  return ctx.runBody(args.body!, { env, secrets: token ? [token] : [] });
};

function parseReport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([\w.]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/\\:/g, ':');
  }
  return out;
}

async function get(ctx: StepContext, url: string, token: string): Promise<unknown> {
  let a;
  try {
    a = await httpCall({ method: 'GET', url, headers: { Accept: 'application/json', ...(token ? { Authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}` } : {}) }, timeoutMs: 30_000, signal: ctx.signal, maxBytes: 1024 * 1024 });
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    throw new StepFailure(`waitForQualityGate: ${(e as Error).message}`);
  }
  if (a.status === 401 || a.status === 403) throw new StepFailure(`waitForQualityGate: the SonarQube server refused the token (HTTP ${a.status}): check the token credential of the server`);
  if (a.status !== 200) {
    const errs = (jsonOf(a) as { errors?: { msg?: string }[] } | null)?.errors?.map((e) => e.msg).join('; ');
    throw new StepFailure(`waitForQualityGate: ${url.replace(/\?.*/, '')} answered HTTP ${a.status}${errs ? `: ${errs}` : ''}`);
  }
  return jsonOf(a);
}

function gate(status: string): HostObject {
  return {
    kind: 'host', typeName: 'org.sonarsource.scanner.jenkins.pipeline.WaitForQualityGateStep$QualityGate',
    getProperty: (n) => (n === 'status' ? status : undefined),
    invokeMethod: (n) => (n === 'getStatus' ? Promise.resolve(status) : undefined),
    toString: () => status,
  };
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(() => { signal.removeEventListener('abort', done); resolve(); }, ms);
  const done = () => { clearTimeout(t); resolve(); };
  signal.addEventListener('abort', done, { once: true });
});

const waitForQualityGate: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  let report: Record<string, string> | null = null;
  for (const rel of REPORTS) {
    const st = await ws.stat(ctx.resolvePath(rel));
    if (st?.type === 'file' && st.size < 64 * 1024) {
      report = parseReport((await ws.readFile(ctx.resolvePath(rel))).toString('utf8'));
      break;
    }
  }
  if (!report?.ceTaskId) throw new StepFailure(`waitForQualityGate: no SonarQube analysis found: no report-task.txt with a ceTaskId in ${REPORTS.join(', ')}; run the scanner inside withSonarQubeEnv first`);
  const taskId = report.ceTaskId;
  if (!/^[\w-]{1,100}$/.test(taskId)) throw new StepFailure(`waitForQualityGate: ceTaskId '${taskId}' in report-task.txt is not a task id`);
  const list = await servers(ctx);
  const used = ctx.build.scope.state<{ last: Used | null }>('sonar.used', () => ({ last: null })).last;
  const norm = (u: string) => u.replace(/\/+$/, '');
  let server = list.find((s) => report.serverUrl && norm(s.url) === norm(report.serverUrl)) ?? used?.server ?? (list.length === 1 ? list[0] : undefined);
  if (!server) throw new StepFailure(`waitForQualityGate: the analysis was sent to '${report.serverUrl ?? '?'}', which is not a configured SonarQube server (${ctx.build.services.httpServices?.configureHint ?? 'this host has none'})`);
  if (report.serverUrl && norm(server.url) !== norm(report.serverUrl)) ctx.log(`waitForQualityGate: report-task.txt names ${report.serverUrl}; asking the configured server '${server.name}' (${server.url})`);
  const given = str(args.values.credentialsId).trim();
  const token = given ? await tokenOf(ctx, given, 'waitForQualityGate') : used && used.server.name === server.name ? used.token : await tokenOf(ctx, server.credentialsId, 'waitForQualityGate');
  server = { ...server };
  const base = norm(server.url);
  ctx.log(`Checking status of SonarQube task '${taskId}' on server '${server.name}'`);
  let lastStatus = '';
  let analysisId = '';
  for (;;) {
    const j = await get(ctx, `${base}/api/ce/task?id=${encodeURIComponent(taskId)}`, token) as { task?: { status?: string; analysisId?: string; errorMessage?: string } } | null;
    const status = j?.task?.status ?? '';
    if (!status) throw new StepFailure('waitForQualityGate: the server\'s api/ce/task answer has no task status');
    if (status !== lastStatus) ctx.log(`SonarQube task '${taskId}' status is '${status}'`);
    lastStatus = status;
    if (status === 'SUCCESS') { analysisId = j?.task?.analysisId ?? ''; break; }
    if (status === 'FAILED' || status === 'CANCELED') throw new StepFailure(`SonarQube analysis '${taskId}' ${status === 'FAILED' ? 'failed' : 'was cancelled'}${j?.task?.errorMessage ? `: ${j.task.errorMessage}` : ''}`);
    await sleep(POLL_MS, ctx.signal);
    if (ctx.signal.aborted) throw new StepFailure('waitForQualityGate: aborted');
  }
  if (!analysisId) throw new StepFailure(`waitForQualityGate: task '${taskId}' succeeded without an analysisId`);
  const q = await get(ctx, `${base}/api/qualitygates/project_status?analysisId=${encodeURIComponent(analysisId)}`, token) as { projectStatus?: { status?: string } } | null;
  const qs = q?.projectStatus?.status ?? 'NONE';
  ctx.log(`SonarQube task '${taskId}' completed. Quality gate is '${qs}'`);
  if (args.values.abortPipeline === true && qs !== 'OK') throw new StepFailure(`Pipeline aborted due to quality gate failure: ${qs}`);
  return gate(qs);
};

const runtime: PluginRuntime = { steps: { withSonarQubeEnv, waitForQualityGate } };
export default runtime;
