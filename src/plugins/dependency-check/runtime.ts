// What dependencyCheckPublisher does (declared in index.ts), as the Dependency-Check plugin's
// DependencyCheckStepExecutor and publisher: "Collecting Dependency-Check artifact", the pattern
// (default '**/dependency-check-report.xml', ${VARS} expanded) globbed in the workspace (patterns
// leaving it refused); none: FAILURE ("Unable to find Dependency-Check reports to parse") unless
// skipNoReportFiles; each report parsed (report.ts; one that cannot be read fails the build with
// its reason); the findings by severity; RiskGate's thresholds: a failed* threshold met
// (count > 0 and count >= threshold) FAILURE, else an unstable* one UNSTABLE; the *New* ones
// against the previous build's counts (current >= previous + threshold). A result worse than
// SUCCESS is set on the build and the stage; FAILURE with stopBuild also fails the step
// ("Threshold exceeded"). The findings are kept as the build's issues result 'dependency-check'
// (BuildServices.issues: CRITICAL → ERROR, HIGH → HIGH, MEDIUM → NORMAL, others LOW, the
// severity as the category), which the next build reads for the *New* thresholds.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import type { Issue, IssueSeverity, IssuesRecord, QualityGateOutcome } from '../../core/issues.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { PATH_PREPEND_ENV, WorkspaceError } from '../../core/workspace.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { DependencyCheckReportError, SEVERITIES, parseReport, type Finding, type Severity } from './report.ts';
import { checkReportPattern, expandEnv } from '../../pipeline/steps/report-patterns.ts';
import { resolveTool } from '../../pipeline/steps/tool.ts';
import { splitQuoted } from '../../util/tokenize.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';

export const MAX_REPORT_BYTES = 128 * 1024 * 1024;
const ID = 'dependency-check';
const GATED = ['Critical', 'High', 'Medium', 'Low'] as const;
const TO_ISSUE: Readonly<Record<Severity, IssueSeverity>> = { CRITICAL: 'ERROR', HIGH: 'HIGH', MEDIUM: 'NORMAL', LOW: 'LOW', INFO: 'LOW', UNASSIGNED: 'LOW' };

type Counts = Record<Severity, number>;
const zero = (): Counts => ({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFO: 0, UNASSIGNED: 0 });

function threshold(args: StepArgs, name: string): number | null {
  const v = args.values[name];
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isInteger(n) || n < 0) throw new StepFailure(`dependencyCheckPublisher: ${name} must be a whole number of findings (0 or more), got '${String(v)}'`);
  return n;
}



function issueOf(f: Finding, report: string): Issue {
  const message = `${f.vulnerability} in ${f.dependency || f.filePath || '(unnamed dependency)'}${f.description ? `: ${f.description}` : ''}`;
  return {
    file: f.dependency || report, line: 0, lineEnd: 0, column: 0, severity: TO_ISSUE[f.severity], category: f.severity, type: f.vulnerability,
    message, tool: ID, fingerprint: `${f.dependency}|${f.vulnerability}`,
  };
}

/** The previous build's counts by severity (its kept result), or null when it kept none. */
async function previousCounts(ctx: StepContext): Promise<Counts | null> {
  const svc = ctx.build.services.issues;
  if (!svc) return null;
  const h = (await svc.history(ID, null, 1))[0];
  if (!h?.record) return null;
  const c = zero();
  for (const i of await h.record.issues()) {
    const s = (SEVERITIES as readonly string[]).includes(i.category) ? i.category as Severity : 'UNASSIGNED';
    c[s]++;
  }
  return c;
}

const dependencyCheckPublisher: StepRun = async (ctx, args) => {
  const log = (l: string) => ctx.log(`[DependencyCheck] ${l}`);
  const gates = {
    total: Object.fromEntries(['unstable', 'failed'].flatMap((k) => GATED.map((s) => [`${k}Total${s}`, threshold(args, `${k}Total${s}`)]))) as Record<string, number | null>,
    fresh: Object.fromEntries(['unstable', 'failed'].flatMap((k) => GATED.map((s) => [`${k}New${s}`, threshold(args, `${k}New${s}`)]))) as Record<string, number | null>,
  };
  log('Collecting Dependency-Check artifact');
  const pattern = expandEnv(ctx, str(args, 'pattern') || '**/dependency-check-report.xml');
  checkReportPattern('dependencyCheckPublisher', pattern, 'pattern is an Ant pattern', '**/dependency-check-report.xml');
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  let files: string[];
  try {
    files = (await ws.glob(base, pattern)).filter((f) => relPathProblem(f) === null).sort();
  } catch (e) {
    throw new StepFailure(`dependencyCheckPublisher: ${e instanceof Error ? e.message : String(e)}`);
  }
  const stopBuild = bool(args, 'stopBuild', false);
  const finish = (result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE'): null => {
    if (result !== 'SUCCESS') ctx.build.setResult(result, result);
    if (result === 'FAILURE' && stopBuild) throw new StepFailure('Threshold exceeded');
    return null;
  };
  if (files.length === 0) {
    if (bool(args, 'skipNoReportFiles', false)) {
      log('No Dependency-Check reports found. Skipping (skipNoReportFiles)');
      return null;
    }
    log('Unable to find Dependency-Check reports to parse');
    return finish('FAILURE');
  }
  const findings: { f: Finding; report: string }[] = [];
  for (const rel of files) {
    const abs = path.join(base, rel);
    const report = path.relative(ws.root, abs);
    log(`Parsing file ${abs}`);
    try {
      const st = await ws.stat(abs);
      if (st && st.size > MAX_REPORT_BYTES) throw new DependencyCheckReportError(`${report}: the file is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB (${st.size} bytes)`);
      const bytes = await ws.readFile(abs);
      if (bytes.length > MAX_REPORT_BYTES) throw new DependencyCheckReportError(`${report}: the file is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`);
      for (const f of parseReport(bytes.toString('utf8'), report)) findings.push({ f, report });
    } catch (e) {
      if (e instanceof DependencyCheckReportError || e instanceof WorkspaceError) {
        log(`Unable to parse ${report}: ${e.message}`);
        return finish('FAILURE');
      }
      throw e;
    }
  }
  const counts = zero();
  for (const { f } of findings) counts[f.severity]++;
  log(`Findings: critical ${counts.CRITICAL}, high ${counts.HIGH}, medium ${counts.MEDIUM}, low ${counts.LOW}, unassigned ${counts.UNASSIGNED + counts.INFO}`);
  const prev = Object.values(gates.fresh).some((v) => v !== null) ? await previousCounts(ctx) : null;
  const outcomes: QualityGateOutcome[] = [];
  const check = (kind: 'Total' | 'New', level: 'failed' | 'unstable'): boolean => {
    let met = false;
    for (const s of GATED) {
      const t = (kind === 'Total' ? gates.total : gates.fresh)[`${level}${kind}${s}`] ?? null;
      if (t === null || (kind === 'New' && !prev)) continue;
      const sev = s.toUpperCase() as Severity;
      const actual = counts[sev];
      const limit = kind === 'Total' ? t : prev![sev] + t;
      const missed = actual > 0 && actual >= limit;
      outcomes.push({ type: `${level}${kind}${s}`.toUpperCase(), name: `${kind === 'Total' ? 'Total' : 'New'} ${s.toLowerCase()} findings (${level})`, threshold: t, actual: kind === 'Total' ? actual : actual - prev![sev], criticality: level === 'failed' ? 'FAILURE' : 'UNSTABLE', missed });
      met ||= missed;
    }
    return met;
  };
  let result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' = 'SUCCESS';
  if (check('Total', 'failed')) result = 'FAILURE';
  else if (check('Total', 'unstable')) result = 'UNSTABLE';
  if (result !== 'FAILURE') {
    if (check('New', 'failed')) result = 'FAILURE';
    else if (check('New', 'unstable')) result = 'UNSTABLE';
  }
  if (Object.values(gates.fresh).some((v) => v !== null) && !prev) log('No previous build with Dependency-Check results: the thresholds on new findings are not applied');
  const svc = ctx.build.services.issues;
  if (svc) {
    const r: IssuesRecord = {
      id: ID, name: 'Dependency-Check', tools: [{ id: ID, name: 'Dependency-Check' }],
      issues: findings.map(({ f, report }) => ({ ...issueOf(f, report), state: 'outstanding' as const })), fixed: [], reference: null,
      qualityGate: outcomes.length === 0 ? 'INACTIVE' : result === 'FAILURE' ? 'FAILED' : result === 'UNSTABLE' ? 'WARNING' : 'PASSED',
      gates: outcomes, errors: [],
    };
    await svc.record(r);
  } else log('This host keeps no analysis results; the findings are only in this log');
  if (result !== 'SUCCESS') log(`Threshold exceeded: the build is ${result}`);
  return finish(result);
};

/**
 * dependencyCheck, as the plugin's DependencyCheckToolBuilder: OWASP_DC_SKIP=true in the build's
 * environment skips it; the installation's bin/dependency-check.sh runs in the workspace with
 * `--project "<job> #<n>"`, `--scan <workspace>` and `--format XML` unless additionalArguments
 * already give --project, --scan (or "-s "), --format (or "-f "), then additionalArguments
 * (tokenized as the plugin's QuotedStringTokenizer, ${VARS} replaced). Its output goes to the
 * console; an exit code other than 0 sets the build's result to FAILURE (the step itself does not
 * throw, as the builder only sets the result). Run as an argument list: no shell sees the arguments.
 */
const dependencyCheck: StepRun = async (ctx, args) => {
  const log = (l: string) => ctx.log(`[DependencyCheck] ${l}`);
  if (String(ctx.env.OWASP_DC_SKIP ?? '').toLowerCase() === 'true') {
    log('Skipping Dependency-Check analysis');
    return null;
  }
  const name = (str(args, 'odcInstallation') ?? '').trim();
  if (!name) {
    log('Dependency-Check installation was not specified. Specify odcInstallation: the name of a Dependency-Check tool installation.');
    ctx.build.setResult('FAILURE', 'FAILURE');
    return null;
  }
  const ws = ctx.workspace();
  const home = resolveTool(ctx.env, name, 'dependency-check', ws.nodeName).replace(/\/+$/, '');
  const script = `${home}/bin/dependency-check.sh`;
  // The installation is outside the workspace, where the node's own `test` looks (as the plugin's getExecutable checks the file).
  const found = await ws.exec({ argv: ['test', '-f', script], cwd: ws.root, env: {}, ...(ctx.container ? { container: ctx.container } : {}), signal: ctx.signal, onOutput: () => undefined })
    .then((x) => x.exitCode === 0, () => false);
  if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
  if (!found) {
    log(`Unable to locate the Dependency-Check wrapper script (${script})`);
    ctx.build.setResult('FAILURE', 'FAILURE');
    return null;
  }
  const extra = str(args, 'additionalArguments') ?? '';
  const argv = [script];
  if (!extra.includes('--project')) argv.push('--project', `${ctx.build.jobName.split('/').join(' » ')} #${ctx.build.number}`);
  if (!extra.includes('--scan') && !extra.includes('-s ')) argv.push('--scan', ws.root);
  if (!extra.includes('--format') && !extra.includes('-f ')) argv.push('--format', 'XML');
  for (const a of splitQuoted(extra)) if (a.trim()) argv.push(expandEnv(ctx, a));
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...env } = ctx.env;
  const r = await ws.exec({
    argv, cwd: ws.root, env: ctx.container && prepend ? { ...env, [PATH_PREPEND_ENV]: prepend } : env,
    ...(ctx.container ? { container: ctx.container } : {}), signal: ctx.signal,
    onOutput: (chunk, stream) => ctx.write(chunk, stream),
  }).catch((e: unknown) => {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw new StepFailure(`dependencyCheck: ${script} could not be started: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  if ((r.exitCode ?? 1) !== 0) ctx.build.setResult('FAILURE', 'FAILURE');
  return null;
};

const runtime: PluginRuntime = { steps: { dependencyCheck, dependencyCheckPublisher } };
export default runtime;
