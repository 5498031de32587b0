// What `httpRequest` does (declared in index.ts), as the HTTP Request plugin's
// HttpRequestExecution does it: "HttpMethod: GET", "URL: ...", the headers it adds, "Sending
// request to url: ...", "Response Code: HTTP/1.1 200 OK", the body when consoleLogResponseBody,
// then "Success: Status code 200 is in the accepted range: 100:399" or the step fails with
// "Fail: Status code 500 is not in the accepted range: 100:399". quiet prints only failures.
// It returns a ResponseContentSupplier-like object: status, content, headers (and their
// getStatus()/getContent()/getHeaders()).
//
// Where from: the Kiln process (the controller, or kiln run), as Jenkins makes it from the
// controller. On a controller, a build must not reach the controller's own network through it:
// an address that is loopback, private, link-local (cloud metadata) or unspecified is refused
// unless an administrator listed the host (settings: httpRequest allowedHosts), checked on the
// address actually connected to (util/http-client.ts addressGuard). `authentication:` sends a
// credential to the step's own URL only (never to a redirect: redirects are not followed).
import { StepFailure } from '../../core/errors.ts';
import type { HttpRequestSettings } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type HostObject, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, privateAddress, type HttpAnswer } from '../../util/http-client.ts';
import { HTTP_MODES, MIME_TYPES } from './decl.ts';

const MAX_BODY = 50 * 1024 * 1024;

/** '100:399', '200,201', '200:299,404' → a test; a bad spec fails the step. */
export function responseCodes(spec: string): (code: number) => boolean {
  const ranges = spec.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = /^(\d+)(?::(\d+))?$/.exec(p);
    if (!m) throw new StepFailure(`httpRequest: validResponseCodes '${spec}': '${p}' is not a code or a range like 100:399`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > to) throw new StepFailure(`httpRequest: validResponseCodes '${spec}': in '${p}' the first code is larger than the last`);
    return [from, to] as const;
  });
  return (code) => ranges.some(([a, b]) => code >= a && code <= b);
}

function hostAllowed(host: string, s: HttpRequestSettings): boolean {
  const h = host.toLowerCase();
  return s.allowedHosts.some((a) => {
    const x = a.trim().toLowerCase();
    return x.startsWith('*.') ? h.endsWith(x.slice(1)) : h === x;
  });
}

function responseObject(a: HttpAnswer, content: string | null): HostObject {
  const headers: GMap = new Map(Object.entries(a.headers).map(([k, v]) => [k, v as Value[]]));
  const props: Record<string, Value> = { status: a.status, content, headers };
  return {
    kind: 'host',
    typeName: 'jenkins.plugins.http_request.ResponseContentSupplier',
    getProperty: (name) => props[name],
    invokeMethod: (name) => {
      const m = /^get(Status|Content|Headers)$/.exec(name);
      return m ? Promise.resolve(props[m[1]!.toLowerCase()]!) : undefined;
    },
    toString: () => `Status: ${a.status}, Response: ${content ?? ''}`,
  };
}

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

const httpRequest: StepRun = async (ctx: StepContext, args) => {
  const v = args.values;
  for (const p of ['uploadFile', 'httpProxy', 'proxyAuthentication'] as const) {
    if (str(v[p]).trim()) throw new StepFailure(`httpRequest: ${p} is not supported by Kiln; remove it`);
  }
  const url = str(v.url).trim();
  if (!url) throw new StepFailure('httpRequest: url is required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StepFailure(`httpRequest: '${url}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new StepFailure(`httpRequest: '${url}': only http and https URLs`);
  const mode = (str(v.httpMode) || 'GET').toUpperCase();
  if (!(HTTP_MODES as readonly string[]).includes(mode)) throw new StepFailure(`httpRequest: httpMode '${mode}' is not one of ${HTTP_MODES.join(', ')}`);
  const contentType = MIME_TYPES[str(v.contentType) || 'NOT_SET'] ?? '';
  const acceptType = MIME_TYPES[str(v.acceptType) || 'NOT_SET'] ?? '';
  const valid = responseCodes(str(v.validResponseCodes) || '100:399');
  const validSpec = str(v.validResponseCodes) || '100:399';
  const quiet = v.quiet === true;
  const say = (line: string) => { if (!quiet) ctx.log(line); };
  const timeout = typeof v.timeout === 'number' ? v.timeout : 0;
  if (timeout < 0) throw new StepFailure('httpRequest: timeout must be 0 (none) or a number of seconds');

  const headers: Record<string, string> = {};
  const shown: string[] = [];
  // The plugin's order: Accept, Content-Type, the custom headers, the authentication.
  if (acceptType) { headers.Accept = acceptType; shown.push(`Accept: ${acceptType}`); }
  if (contentType) { headers['Content-Type'] = contentType; shown.push(`Content-Type: ${contentType}`); }
  const custom = v.customHeaders;
  if (custom !== undefined && custom !== null) {
    if (!isList(custom)) throw new StepFailure("httpRequest: customHeaders must be a list of [name: 'X', value: 'y']");
    custom.forEach((h, i) => {
      if (!isMap(h)) throw new StepFailure(`httpRequest: customHeaders[${i}] must be a map [name: 'X', value: 'y']`);
      const name = str(h.get('name')).trim();
      const value = str(h.get('value'));
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new StepFailure(`httpRequest: customHeaders[${i}]: '${name}' is not a header name`);
      if (/[\r\n\0]/.test(value)) throw new StepFailure(`httpRequest: customHeaders[${i}] (${name}): a header value cannot hold a line break`);
      headers[name] = value;
      const masked = h.get('maskValue') === true;
      shown.push(`${name}: ${masked ? '*****' : value}`);
    });
  }
  const authId = str(v.authentication).trim();
  if (authId) {
    const c = await ctx.build.services.credential(authId);
    if (c.type !== 'usernamePassword') throw new StepFailure(`httpRequest: authentication '${authId}' is a ${c.type} credential: Kiln sends a username/password credential as Basic authentication`);
    headers.Authorization = `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
    shown.push(`Using authentication: ${authId}`);
  }
  const body = v.requestBody === undefined || v.requestBody === null ? undefined : str(v.requestBody);

  const settings = (await ctx.build.services.httpServices?.settings())?.httpRequest ?? { allowedHosts: [], allowPrivate: false };
  const guard = settings.allowPrivate ? undefined : (address: string, host: string) =>
    privateAddress(address) && !hostAllowed(host, settings)
      ? `httpRequest: ${host} is ${address}, an address of the Kiln server's own network: builds may not reach it unless an administrator allows the host (Settings → HTTP request: allowed hosts)`
      : null;

  say(`HttpMethod: ${mode}`);
  say(`URL: ${url}`);
  for (const l of shown) say(l);
  say(`Sending request to url: ${url}`);
  let answer: HttpAnswer;
  try {
    answer = await httpCall({
      method: mode, url, headers, ...(body !== undefined && mode !== 'GET' && mode !== 'HEAD' ? { body } : {}),
      timeoutMs: timeout * 1000, insecure: v.ignoreSslErrors === true, signal: ctx.signal, maxBytes: MAX_BODY,
      ...(guard ? { addressGuard: guard } : {}),
    });
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    const msg = e instanceof HttpCallError ? e.message : (e as Error).message;
    throw new StepFailure(msg.startsWith('httpRequest:') ? msg : `httpRequest: ${msg}`);
  }
  say(`Response Code: HTTP/${answer.httpVersion} ${answer.status} ${answer.statusText}`.trimEnd());
  const handle = str(v.responseHandle) || 'STRING';
  const text = answer.body.toString('utf8');
  if (v.consoleLogResponseBody === true) say(`Response: \n${text}`);
  if (!valid(answer.status)) throw new StepFailure(`Fail: Status code ${answer.status} is not in the accepted range: ${validSpec}`);
  const mustContain = str(v.validResponseContent);
  if (mustContain && !text.includes(mustContain)) throw new StepFailure(`Fail: Response doesn't contain expected content '${mustContain}'`);
  say(`Success: Status code ${answer.status} is in the accepted range: ${validSpec}`);
  const out = str(v.outputFile).trim();
  if (out) {
    const ws = ctx.workspace();
    await ws.writeFile(ctx.resolvePath(out), answer.body);
    say(`Saving response to ${out}`);
  }
  return responseObject(answer, handle === 'NONE' ? null : text);
};

const runtime: PluginRuntime = { steps: { httpRequest } };
export default runtime;
