// SNS, STS and ECR in the test process, over real HTTP, behind one endpoint (as withAWS's
// endpointUrl puts every service behind one URL): the Query API of SNS (Publish) and STS
// (GetCallerIdentity) with their XML answers and <ErrorResponse> errors, and ECR's JSON
// protocol (X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken) with its
// {"__type", "message"} errors, as AWS's API references give them.
//
// Every request's SigV4 signature is verified with the secret of its key by this file's own
// implementation (no code shared with src/plugins/aws/sigv4.ts), with the service named in the
// credential scope ('sns', 'sts', 'ecr') checked against the request's action.
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface Published { topicArn: string; subject: string | null; message: string; attributes: Record<string, { type: string; value: string }> }

export interface ApiServer {
  url: string;
  published: Published[];
  /** Topics that exist. */
  topics: Set<string>;
  /** The scopes' services of every signed request, in order. */
  services: string[];
  /** What GetAuthorizationToken answers (the test may make it hostile). */
  ecrAnswer: unknown;
  /** Roles AssumeRole may assume (ARNs), the AssumeRole calls, and the session token of each temporary key. */
  roles: Set<string>;
  assumed: { roleArn: string; sessionName: string; externalId: string | null; duration: string | null; by: string }[];
  tokens: Map<string, string>;
  close(): Promise<void>;
}

const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function queryError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEsc(message)}</Message></Error><RequestId>rid-${code}</RequestId></ErrorResponse>`);
}
function jsonError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `rid-${code}` });
  res.end(JSON.stringify({ __type: `com.amazonaws.ecr#${code}`, message }));
}

/** The scope's service, or an error [status, code, message]. */
function verify(req: http.IncomingMessage, body: Buffer, secrets: Record<string, string>): string | [number, string, string] {
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
  if (!m) return [403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'];
  const [, cred, signedHeaders, sig] = m as unknown as [string, string, string, string];
  const [keyId, day, region, service, term] = cred.split('/') as [string, string, string, string, string];
  const secret = secrets[keyId];
  if (secret === undefined) return [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'];
  const date = String(req.headers['x-amz-date'] ?? '');
  if (term !== 'aws4_request' || !date.startsWith(day)) return [400, 'IncompleteSignature', 'bad credential scope'];
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return [400, 'IncompleteSignature', 'host and x-amz-date must be signed'];
  const lines = names.map((h) => {
    const vals: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === h) vals.push(req.rawHeaders[i + 1]!.trim().replace(/ +/g, ' '));
    return `${h}:${vals.join(',')}\n`;
  }).join('');
  const [rawPath, rawQuery = ''] = (req.url ?? '/').split('?') as [string, string?];
  const creq = [req.method, rawPath, rawQuery.split('&').filter(Boolean).sort().join('&'), lines, signedHeaders, hex(body)].join('\n');
  const sts = `AWS4-HMAC-SHA256\n${date}\n${day}/${region}/${service}/aws4_request\n${hex(creq)}`;
  let k: Buffer = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  if (createHmac('sha256', k).update(sts).digest('hex') !== sig) return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'];
  return service;
}

export async function startAwsApi(secrets: Record<string, string>, account: string): Promise<ApiServer> {
  const s: ApiServer = {
    url: '', published: [], topics: new Set(), services: [], close: async () => {}, roles: new Set(), assumed: [], tokens: new Map(),
    ecrAnswer: { authorizationData: [{ authorizationToken: Buffer.from('AWS:ecrTokenABC+/=').toString('base64'), expiresAt: 1893456000, proxyEndpoint: `https://${account}.dkr.ecr.eu-west-1.amazonaws.com` }] },
  };
  let next = 1;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const v = verify(req, body, secrets);
      if (target) {
        if (Array.isArray(v)) return jsonError(res, v[0], v[1], v[2]);
        s.services.push(v);
        if (v !== 'ecr' || target !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') return jsonError(res, 400, 'UnknownOperationException', `${target} on ${v}`);
        if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return jsonError(res, 400, 'SerializationException', 'bad content type');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(JSON.stringify(s.ecrAnswer));
      }
      if (Array.isArray(v)) return queryError(res, v[0], v[1], v[2]);
      // Temporary keys are valid only with their session token.
      const keyId = String(req.headers.authorization).replace(/^.*Credential=([^/]+)\/.*$/, '$1');
      if (s.tokens.has(keyId) && req.headers['x-amz-security-token'] !== s.tokens.get(keyId)) return queryError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      s.services.push(v);
      if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return queryError(res, 400, 'InvalidAction', 'POST a form');
      const f = new URLSearchParams(body.toString('utf8'));
      const action = f.get('Action');
      if (action === 'Publish' && v === 'sns' && f.get('Version') === '2010-03-31') {
        const arn = f.get('TopicArn') ?? '';
        if (!s.topics.has(arn)) return queryError(res, 404, 'NotFound', 'Topic does not exist');
        const message = f.get('Message');
        if (!message) return queryError(res, 400, 'InvalidParameter', 'Invalid parameter: Empty message');
        const attributes: Published['attributes'] = {};
        for (let n = 1; f.has(`MessageAttributes.entry.${n}.Name`); n++) {
          attributes[f.get(`MessageAttributes.entry.${n}.Name`)!] = { type: f.get(`MessageAttributes.entry.${n}.Value.DataType`) ?? '', value: f.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '' };
        }
        s.published.push({ topicArn: arn, subject: f.get('Subject'), message, attributes });
        const id = `94f20ce6-13c5-43a0-9a9e-ca52d816e9${String(next++).padStart(2, '0')}`;
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>`);
      }
      if (action === 'AssumeRole' && v === 'sts' && f.get('Version') === '2011-06-15') {
        const arn = f.get('RoleArn') ?? '';
        if (!s.roles.has(arn)) return queryError(res, 403, 'AccessDenied', `User: arn:aws:iam::${account}:user/ci is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
        const n = s.assumed.length + 1;
        const id = `ASIAKILNASSUMED${n}`;
        const secret = `assumed/secret+${n}`;
        const token = `FwoGZXIvYXdzEKILNTOKEN${n}`;
        secrets[id] = secret;
        s.tokens.set(id, token);
        s.assumed.push({ roleArn: arn, sessionName: f.get('RoleSessionName') ?? '', externalId: f.get('ExternalId'), duration: f.get('DurationSeconds'), by: String(req.headers.authorization).replace(/^.*Credential=([^/]+)\/.*$/, '$1') });
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${xmlEsc(secret)}</SecretAccessKey><SessionToken>${token}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>${arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${f.get('RoleSessionName')}</Arn><AssumedRoleId>AROAKILN${n}:${f.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`);
      }
      if (action === 'GetCallerIdentity' && v === 'sts' && f.get('Version') === '2011-06-15') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/ci</Arn><UserId>AIDAKILNUSER</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
      }
      return queryError(res, 400, 'InvalidAction', `The action ${action} is not valid for this endpoint.`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return s;
}
