// What robot / RobotPublisher do (declared in index.ts), as the Robot Framework plugin's
// RobotPublisher.perform:
//   Robot results publisher started...
//   -Parsing output xml:
//    Done!                       (or " Failed!" and the reason: the build FAILS)
//   -Copying log files to build dir:
//    Done!
//   -Assigning results to build:
//    Done!
//   -Checking thresholds:
//    Done!
//   Done publishing Robot results.
// The pass percentage is passed / (passed + failed + skipped) * 100, cut to one decimal (100 when
// there are no tests); with onlyCritical, of the critical tests only, passed / (passed + failed)
// (parseRobot says which are critical); below unstableThreshold the build FAILS, below passThreshold it is
// UNSTABLE; a build that already failed stays FAILURE. Nothing runs for an ABORTED build.
// The report and log are also kept as the build's HTML report 'Robot Framework' (keepReport),
// served sandboxed by the controller as publishHTML's are.
// Output files are Robot Framework's output.xml (a <robot> root; its <suite>s nest <suite>s and
// <test>s, each with its own <status status="PASS|FAIL|SKIP|NOT RUN">); another XML file is
// said on the console and left out.
import path from 'node:path/posix';
import { XMLParser } from 'fast-xml-parser';
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext, TestCase, TestReport } from '../../pipeline/steps/types.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { collectFiles, collectSources } from '../../pipeline/steps/collect.ts';

type XmlNode = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text',
  isArray: (name) => ['suite', 'test', 'status'].includes(name),
  processEntities: true, parseTagValue: false, parseAttributeValue: false, trimValues: false,
});

const str = (v: Value | undefined, d = ''): string => (v === undefined || v === null || String(v).trim() === '' ? d : String(v));
const num = (v: Value | undefined): number => (typeof v === 'number' ? v : v === undefined || v === null || v === '' ? 0 : Number(v));
const nodes = (v: unknown): XmlNode[] => (Array.isArray(v) ? v.filter((x): x is XmlNode => typeof x === 'object' && x !== null) : []);
const at = (n: XmlNode, a: string): string => (typeof n[`@${a}`] === 'string' ? n[`@${a}`] as string : '');

/** ms of a <status>: RF 7's elapsed="1.5" (seconds), or RF < 7's starttime/endtime ("20240101 12:00:00.000"). */
function durationOf(s: XmlNode | undefined): number {
  if (!s) return 0;
  if (at(s, 'elapsed')) return Math.round(Number(at(s, 'elapsed')) * 1000) || 0;
  const t = (x: string) => Date.parse(x.replace(/^(\d{4})(\d{2})(\d{2}) /, '$1-$2-$3T'));
  const d = t(at(s, 'endtime')) - t(at(s, 'starttime'));
  return Number.isFinite(d) && d > 0 ? d : 0;
}

/** A test of an output.xml and whether it is critical (RobotCaseResult.isCritical). */
export type RobotCase = TestCase & { critical: boolean };

/**
 * The tests of a Robot output.xml, or null when the file is not one. A test is critical unless
 * its `critical` attribute (on <test> in RF 2, on its <status> in RF 3, as the plugin's parser
 * reads both) says other than "yes"; RF 4 and later write no criticality, and the plugin since
 * then counts every test as critical, as here.
 */
export function parseRobot(xml: string): RobotCase[] | null {
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch {
    return null;
  }
  const robot = doc.robot;
  if (typeof robot !== 'object' || robot === null) return null;
  const out: RobotCase[] = [];
  const walk = (suite: XmlNode, prefix: string) => {
    const name = prefix ? `${prefix}.${at(suite, 'name')}` : at(suite, 'name');
    for (const t of nodes(suite.test)) {
      const st = nodes(t.status)[0];
      const s = st ? at(st, 'status') : 'FAIL';
      const message = st && typeof st['#text'] === 'string' && st['#text'].trim() ? st['#text'].trim() : null;
      const crit = (st ? at(st, 'critical') : '') || at(t, 'critical');
      out.push({
        critical: crit === '' || crit === 'yes',
        suite: name, className: name, name: at(t, 'name'), durationMs: durationOf(st),
        status: s === 'PASS' ? 'passed' : s === 'SKIP' || s === 'NOT RUN' ? 'skipped' : 'failed',
        message, details: null, stdout: null, stderr: null,
      });
    }
    for (const child of nodes(suite.suite)) walk(child, name);
  };
  for (const top of nodes((robot as XmlNode).suite)) walk(top, '');
  return out;
}

/** Jenkins' RobotResult.getPassPercentage: cut (not rounded) to one decimal; no tests is 100. */
export function passPercentage(passed: number, total: number): number {
  if (total === 0) return 100;
  return Math.floor((passed / total) * 100 * 10 + 1e-9) / 10;
}

const masks = (list: string) => list.split(',').map((x) => x.trim()).filter(Boolean);
const withStar = (f: string) => { const i = f.lastIndexOf('.'); return i > 0 ? `${f.slice(0, i)}*${f.slice(i)}` : `${f}*`; };

function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? whole);
}

/** The name the report and log are kept under as the build's HTML report (linked from the build page). */
export const REPORT_NAME = 'Robot Framework';

/**
 * The report and log (with the log's .js, screenshots: the files kept) as the build's HTML report
 * (BuildServices.buildTools.htmlReport), as the plugin keeps them per build and serves them
 * through Jenkins' DirectoryBrowserSupport: the controller serves them with publishHTML's
 * sandboxing Content-Security-Policy, under which, as under Jenkins' default one, the
 * JavaScript these pages are drawn by does not run (the files can be downloaded from the
 * artifacts). A host that keeps no HTML reports (kiln run's own folder) keeps the artifacts only.
 */
async function keepReport(ctx: StepContext, outputPath: string, masksKept: string[], report: string, log: string, step: string): Promise<void> {
  const keep = ctx.build.services.buildTools?.htmlReport;
  if (!keep) return;
  const base = ctx.cwd ?? ctx.workspace().root;
  const sub: StepContext = Object.create(ctx, { cwd: { value: path.normalize(path.join(base, outputPath)) } }) as StepContext;
  const sources = await collectSources(sub, masksKept.join(','), undefined, { defaultExcludes: true, step });
  const index = [report, log].filter((f) => sources.some((s) => s.path === f));
  if (index.length === 0) return;
  await keep({ name: REPORT_NAME, files: index, keepAll: true, alwaysLinkToLastBuild: false }, sources);
}

async function publish(ctx: StepContext, v: Record<string, Value>, step: string): Promise<Value> {
  if (ctx.build.result === 'ABORTED') return null;
  const outputPath = expand(str(v.outputPath, '.'), ctx.env).replace(/\/+$/, '') || '.';
  const outputFileName = expand(str(v.outputFileName, 'output.xml'), ctx.env);
  const reportFileName = expand(str(v.reportFileName, 'report.html'), ctx.env);
  const logFileName = expand(str(v.logFileName, 'log.html'), ctx.env);
  const under = (m: string) => (outputPath === '.' ? m : path.join(outputPath, m));
  ctx.log('Robot results publisher started...');
  ctx.log('-Parsing output xml:');
  const report: TestReport = { total: 0, failed: 0, errors: 0, skipped: 0, passed: 0, cases: [] };
  const critical = { passed: 0, failed: 0 };
  try {
    const files = await collectFiles(ctx, masks(outputFileName).map(under).join(','), undefined, { defaultExcludes: true, step });
    if (files.length === 0) throw new StepFailure(`No files found in path ${outputPath} with configured filemask: ${outputFileName}`);
    let robots = 0;
    for (const f of files) {
      const cases = parseRobot(f.data.toString('utf8'));
      if (cases === null) {
        ctx.log(`${f.path} is not a Robot Framework output file: left out`);
        continue;
      }
      robots++;
      for (const { critical: isCritical, ...c } of cases) {
        report.cases.push(c);
        if (isCritical && c.status === 'passed') critical.passed++;
        else if (isCritical && c.status === 'failed') critical.failed++;
      }
    }
    if (robots === 0) throw new StepFailure(`No Robot Framework output file in path ${outputPath} with configured filemask: ${outputFileName}`);
    ctx.log(' Done!');
    ctx.log('-Copying log files to build dir:');
    const keep = [reportFileName, logFileName, `${logFileName.replace(/\.[^.]*$/, '')}.js`].map(withStar);
    if (v.disableArchiveOutput !== true) keep.push(...masks(outputFileName).map(withStar));
    keep.push(...masks(expand(str(v.otherFiles), ctx.env)));
    const kept = await collectFiles(ctx, keep.map(under).join(','), undefined, { defaultExcludes: true, step });
    const base = outputPath === '.' ? '' : `${outputPath}/`;
    for (const f of kept) await ctx.build.services.artifacts.put(`robot-plugin/${f.path.startsWith(base) ? f.path.slice(base.length) : f.path}`, f.data, f.mode);
    await keepReport(ctx, outputPath, keep, reportFileName, logFileName, step);
    ctx.log(' Done!');
  } catch (err) {
    if (!(err instanceof StepFailure)) throw err;
    ctx.log(' Failed!');
    ctx.log(err.message);
    ctx.build.setResult('FAILURE');
    return null;
  }
  ctx.log('-Assigning results to build:');
  for (const c of report.cases) {
    report.total++;
    if (c.status === 'failed') report.failed++;
    else if (c.status === 'skipped') report.skipped++;
    else report.passed++;
  }
  await ctx.build.services.tests.record(report);
  ctx.log(' Done!');
  ctx.log('-Checking thresholds:');
  if (ctx.build.result === 'FAILURE') ctx.build.setResult('FAILURE');
  else {
    // onlyCritical: RobotResult.getPassPercentage(true), critical passed / (critical passed + failed): skipped tests are not counted
    const pct = v.onlyCritical === true ? passPercentage(critical.passed, critical.passed + critical.failed) : passPercentage(report.passed, report.total);
    if (pct < num(v.unstableThreshold)) ctx.build.setResult('FAILURE');
    else if (pct < num(v.passThreshold)) ctx.build.setResult('UNSTABLE');
  }
  ctx.log(' Done!');
  ctx.log('Done publishing Robot results.');
  return null;
}

const robot: StepRun = (ctx, args) => publish(ctx, args.values, 'robot');
const RobotPublisher: StepRun = (ctx, args) => publish(ctx, args.values, 'RobotPublisher');

const runtime: PluginRuntime = { steps: { robot, RobotPublisher } };
export default runtime;
