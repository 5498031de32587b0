// The other AWS APIs the Pipeline: AWS Steps plugin calls through the SDK, over the same signed
// transport as S3 (s3-client.ts `exchange`: the controller's network refused, answers bounded,
// the build's abort honoured) with our own SigV4 (sigv4.ts):
//   query   POST / with a form body (Action=...&Version=...), answered in XML: SNS (Publish),
//           STS (GetCallerIdentity); an error is <ErrorResponse><Error><Code/><Message/></Error>
//   json    POST / with X-Amz-Target and an application/x-amz-json-1.1 body: ECR
//           (GetAuthorizationToken); an error is {"__type": "...#Code", "message": "..."}
// The host is <service>.<region>.amazonaws.com, or withAWS's endpointUrl (every service behind
// it, as AWS_ENDPOINT_URL is for the SDKs). Errors read as the SDK v1 words them: "<message>
// (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: x)".
import type http from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { StepFailure } from '../../core/errors.ts';
import { exchange, type Answer, type S3Config } from './s3-client.ts';
import { amzDate, authorization, sha256Hex } from './sigv4.ts';

export interface Service {
  /** The signing name and host prefix: 'sns', 'sts', 'api.ecr'. */
  host: string;
  signingName: string;
  /** The SDK's name of the service in its error messages. */
  sdkName: string;
}
export const SNS: Service = { host: 'sns', signingName: 'sns', sdkName: 'AmazonSNS' };
export const STS: Service = { host: 'sts', signingName: 'sts', sdkName: 'AWSSecurityTokenService' };
export const ECR: Service = { host: 'api.ecr', signingName: 'ecr', sdkName: 'AmazonECR' };

/** An answer of an AWS API that is an error, in the SDK's words. */
export class AwsApiError extends StepFailure {
  readonly status: number;
  readonly awsCode: string;
  constructor(service: Service, status: number, code: string, message: string, requestId: string) {
    super(`${message} (Service: ${service.sdkName}; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId || 'null'})`);
    this.status = status;
    this.awsCode = code;
  }
}

const ANSWER_MAX = 1024 * 1024;
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

function errorOf(service: Service, json: boolean) {
  return (status: number, headers: http.IncomingHttpHeaders, body: Buffer): Error => {
    let code = '';
    let message = '';
    let rid = String(headers['x-amzn-requestid'] ?? headers['x-amz-request-id'] ?? '');
    const text = body.toString('utf8');
    try {
      if (json) {
        const e = JSON.parse(text) as { __type?: unknown; message?: unknown; Message?: unknown };
        code = String(e.__type ?? '').replace(/^.*#/, '');
        message = String(e.message ?? e.Message ?? '');
      } else {
        const d = xml.parse(text) as { ErrorResponse?: { Error?: { Code?: string; Message?: string }; RequestId?: string } };
        code = String(d.ErrorResponse?.Error?.Code ?? '');
        message = String(d.ErrorResponse?.Error?.Message ?? '');
        if (!rid) rid = String(d.ErrorResponse?.RequestId ?? '');
      }
    } catch { /* not the service's error document */ }
    if (!code) code = status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : String(status);
    if (!message) message = `HTTP ${status}`;
    return new AwsApiError(service, status, code.slice(0, 100), message.slice(0, 500), rid.slice(0, 100));
  };
}

function endpointOf(c: S3Config, service: Service): { url: URL; host: string; path: string } {
  if (c.endpoint) {
    const path = c.endpoint.pathname.replace(/\/+$/, '') + '/';
    return { url: new URL(`${c.endpoint.protocol}//${c.endpoint.host}${path}`), host: c.endpoint.host, path };
  }
  const host = `${service.host}.${c.region}.amazonaws.com`;
  return { url: new URL(`https://${host}/`), host, path: '/' };
}

async function post(c: S3Config, service: Service, body: string, contentType: string, extra: Record<string, string>, json: boolean): Promise<Answer> {
  const t = endpointOf(c, service);
  const data = Buffer.from(body, 'utf8');
  const now = new Date();
  const payloadHash = sha256Hex(data);
  const headers: Record<string, string> = { host: t.host, 'x-amz-date': amzDate(now), 'content-type': contentType, ...extra };
  if (c.keys.sessionToken) headers['x-amz-security-token'] = c.keys.sessionToken;
  const signed = { ...headers };
  headers.authorization = authorization({ method: 'POST', path: t.path, query: [], headers: signed, payloadHash, region: c.region, service: service.signingName, date: now }, c.keys);
  headers['content-length'] = String(data.length);
  return await exchange(c, { url: t.url, method: 'POST', headers, body: data, maxBytes: ANSWER_MAX }, errorOf(service, json)) as Answer;
}

/** A Query API call (Action, Version and the parameters as a form); the answer's XML document, parsed. */
export async function queryCall(c: S3Config, service: Service, action: string, version: string, params: readonly (readonly [string, string])[]): Promise<Record<string, unknown>> {
  const form = new URLSearchParams([['Action', action], ['Version', version], ...params.map(([k, v]) => [k, v] as [string, string])]);
  const a = await post(c, service, form.toString(), 'application/x-www-form-urlencoded; charset=utf-8', {}, false);
  let doc: Record<string, unknown>;
  try {
    doc = xml.parse(a.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new StepFailure(`${service.sdkName} answered ${action} with something that is not XML`);
  }
  const res = doc[`${action}Response`] as Record<string, unknown> | undefined;
  const result = res?.[`${action}Result`];
  if (!result || typeof result !== 'object') throw new StepFailure(`${service.sdkName} answered ${action} without a ${action}Result`);
  return result as Record<string, unknown>;
}

/** A JSON protocol call (X-Amz-Target: <prefix>.<operation>); the answer's JSON document. */
export async function jsonCall(c: S3Config, service: Service, target: string, input: unknown): Promise<Record<string, unknown>> {
  const a = await post(c, service, JSON.stringify(input), 'application/x-amz-json-1.1', { 'x-amz-target': target }, true);
  try {
    const doc = JSON.parse(a.body.toString('utf8')) as unknown;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch { /* below */ }
  throw new StepFailure(`${service.sdkName} answered ${target.replace(/^.*\./, '')} with something that is not a JSON object`);
}
