// xrayScan: the Artifactory plugin's Xray build scan, over Artifactory's documented API
// POST <artifactory>/api/xray/scanBuild {"buildName", "buildNumber", "context": "jenkins"} (the
// build info must be published first). Artifactory holds the connection while Xray scans (it may
// send blank lines to keep it open), then answers {"summary": {"message", "total_alerts",
// "fail_build", "more_details_url"}, "alerts": [...], "licenses": [...]} or {"errors": [...]}.
// Console as the plugin's: the summary's message (as an error line when Xray says the build
// should fail), "Xray scan details are available at: <url>", then the alerts' issues (severity,
// type, summary, the impacted artifacts). With failBuild (default true) and fail_build in the
// answer the step fails: "Violations were found by Xray: <message>". Returns an XrayScanResult
// (isFoundVulnerable(), getScanMessage(), getScanUrl(), toString() the JSON).
// A hostile answer: at most 16 MB read, text stripped of control characters and cut before it
// reaches the console, at most 200 issue lines printed.
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { HostObject, Value } from '../../pipeline/script/values.ts';
import { ArtifactoryError, call, errorText, type ArtServer } from './client.ts';
import type { BuildRec } from './state.ts';

type ServerOf = (ctx: StepContext, step: string, id: string) => Promise<ArtServer>;
type RecOf = (ctx: StepContext, args: Record<string, Value>) => BuildRec;

/** Text from the (untrusted) answer, fit for one console line. */
const clean = (v: unknown, max = 300): string => String(v ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ').slice(0, max);

interface Summary { message?: unknown; total_alerts?: unknown; fail_build?: unknown; more_details_url?: unknown }
interface Answer { summary?: Summary; alerts?: { issues?: { severity?: unknown; type?: unknown; summary?: unknown; impacted_artifacts?: { display_name?: unknown; name?: unknown }[] }[] }[]; errors?: unknown }

export class XrayScanResult implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jfrog.hudson.pipeline.common.types.XrayScanResult';
  readonly json: string;
  readonly vulnerable: boolean;
  readonly message: string;
  readonly url: string;
  constructor(json: string, vulnerable: boolean, message: string, url: string) { this.json = json; this.vulnerable = vulnerable; this.message = message; this.url = url; }
  getProperty(n: string): Value | undefined {
    if (n === 'foundVulnerable') return this.vulnerable;
    if (n === 'scanMessage') return this.message;
    if (n === 'scanUrl') return this.url;
    return undefined;
  }
  invokeMethod(n: string): Promise<Value> | undefined {
    if (n === 'isFoundVulnerable') return Promise.resolve(this.vulnerable);
    if (n === 'getScanMessage') return Promise.resolve(this.message);
    if (n === 'getScanUrl') return Promise.resolve(this.url);
    return undefined;
  }
  toString() { return this.json; }
}

export function xrayScan(serverOf: ServerOf, recOf: RecOf): StepRun {
  return async (ctx, args) => {
    const v = args.values;
    const s = await serverOf(ctx, 'xrayScan', String(v.serverId ?? '').trim());
    const rec = recOf(ctx, v);
    const failBuild = v.failBuild !== false;
    const body = { buildName: rec.name, buildNumber: rec.number, context: 'jenkins', ...(rec.project ? { project: rec.project } : {}) };
    ctx.log(`Xray scan of build ${rec.name} #${rec.number}...`);
    let text: string;
    try {
      const a = await call(s, { method: 'POST', path: '/api/xray/scanBuild', headers: { 'Content-Type': 'application/json' }, body: { kind: 'buffer', data: Buffer.from(JSON.stringify(body), 'utf8') }, signal: ctx.signal, maxBytes: 16 * 1024 * 1024 });
      if (a.status !== 200) throw new ArtifactoryError(`Xray scan failed: HTTP ${a.status} ${a.statusText}: ${clean(errorText(a), 500)}`);
      text = a.body.toString('utf8').trim();
    } catch (e) {
      if (e instanceof ArtifactoryError) throw new StepFailure(`xrayScan: ${e.message}`);
      throw e;
    }
    let j: Answer;
    try {
      j = JSON.parse(text) as Answer;
      if (!j || typeof j !== 'object') throw new Error('empty');
    } catch {
      throw new StepFailure(`xrayScan: Failed processing scan response: not JSON: ${clean(text, 200)}`);
    }
    if (j.errors !== undefined) throw new StepFailure(`xrayScan: Artifactory response: ${clean(JSON.stringify(j.errors), 500)}`);
    const sum = j.summary;
    if (!sum || typeof sum !== 'object') throw new StepFailure("xrayScan: Failed while processing the JSON result: 'summary' field is missing.");
    const vulnerable = sum.fail_build === true;
    const message = clean(sum.message, 1000);
    const url = typeof sum.more_details_url === 'string' && /^https?:\/\//.test(sum.more_details_url) ? clean(sum.more_details_url, 1000) : '';
    ctx.log(vulnerable ? `ERROR: ${message}` : message);
    if (url) ctx.log(`Xray scan details are available at: ${url}`);
    let lines = 0;
    for (const alert of Array.isArray(j.alerts) ? j.alerts : []) {
      for (const i of Array.isArray(alert?.issues) ? alert.issues : []) {
        if (++lines > 200) continue;
        const arts = Array.isArray(i?.impacted_artifacts) ? i.impacted_artifacts.map((x) => clean(x?.display_name ?? x?.name, 120)).filter(Boolean).slice(0, 5).join(', ') : '';
        ctx.log(`  ${clean(i?.severity, 20)} ${clean(i?.type, 20)}: ${clean(i?.summary, 200)}${arts ? ` (${arts})` : ''}`);
      }
    }
    if (lines > 200) ctx.log(`  ... ${lines - 200} more: see the scan details`);
    if (vulnerable && failBuild) throw new StepFailure(`Violations were found by Xray: ${message}`);
    return new XrayScanResult(JSON.stringify(j), vulnerable, message, url);
  };
}
