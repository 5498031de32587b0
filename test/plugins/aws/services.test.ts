// snsPublish, awsIdentity, ecrLogin and withAWS(role:) of Pipeline: AWS Steps through `kiln run`
// (the real CLI) inside withAWS, against SNS, STS and ECR in this process (api-server.ts) that speak their
// Query and JSON APIs over real HTTP and verify the SigV4 signature of every request: what the
// topic receives, the console lines, what the steps return, AWS's errors in the SDK's words,
// and a hostile ECR answer that tries to put a command into ecrLogin's string.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startAwsApi, type ApiServer } from './api-server.ts';

const ID = 'AKIAKILNTEST0002';
const SECRET = 'sns/secret+Key0123456789abcdefABCDEF';
const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:builds`;
const CREDS = {
  'aws-keys': { type: 'usernamePassword', username: ID, password: SECRET },
  'aws-wrong': { type: 'usernamePassword', username: ID, password: 'not-the-secret' },
};

const servers: ApiServer[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });
async function aws(): Promise<ApiServer> {
  const s = await startAwsApi({ [ID]: SECRET }, ACCOUNT);
  s.topics.add(TOPIC);
  servers.push(s);
  return s;
}
function project(jenkinsfile: string): string {
  const dir = tempDir('aws-api');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return dir;
}
const run = (jenkinsfile: string, env: Record<string, string> = {}) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: project(jenkinsfile), env });
const inAws = (server: ApiServer, body: string, cred = 'aws-keys') => `node { withAWS(credentials: '${cred}', region: 'eu-west-1', endpointUrl: '${server.url}') {\n${body}\n} }`;

test('snsPublish publishes subject, message and String message attributes to the topic, prints and returns the MessageId', async () => {
  const srv = await aws();
  const r = await run(inAws(srv, `
  def id = snsPublish(topicArn: '${TOPIC}', subject: 'Build #1 done', message: 'all green & fine', messageAttributes: ['k1': 'v1', 'env': 'prod'])
  echo "id=\${id}"
  snsPublish(topicArn: '${TOPIC}', message: 'no subject')`));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(srv.published, [
    { topicArn: TOPIC, subject: 'Build #1 done', message: 'all green & fine', attributes: { k1: { type: 'String', value: 'v1' }, env: { type: 'String', value: 'prod' } } },
    { topicArn: TOPIC, subject: null, message: 'no subject', attributes: {} },
  ]);
  assert.match(r.stdout, new RegExp(`^Publishing notification Build #1 done to ${TOPIC} $`, 'm'));
  assert.match(r.stdout, /^Message published as 94f20ce6-13c5-43a0-9a9e-ca52d816e901 $/m);
  assert.match(r.stdout, /^id=94f20ce6-13c5-43a0-9a9e-ca52d816e901$/m);
  assert.deepEqual(srv.services, ['sns', 'sns']);
  assert.doesNotMatch(r.stdout + r.stderr, /secret\+Key0123/);
});

test("snsPublish: SNS's errors in the SDK's words, a wrong secret, bad arguments at their step, no withAWS", async () => {
  const srv = await aws();
  const cases: [string, RegExp][] = [
    [inAws(srv, `snsPublish(topicArn: 'arn:aws:sns:eu-west-1:${ACCOUNT}:gone', message: 'x')`), /Topic does not exist \(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: rid-NotFound\)/],
    [inAws(srv, `snsPublish(topicArn: '${TOPIC}', message: 'x')`, 'aws-wrong'), /The request signature we calculated does not match the signature you provided.*\(Service: AmazonSNS; Status Code: 403; Error Code: SignatureDoesNotMatch/],
    [inAws(srv, `snsPublish(topicArn: 'http://169.254.169.254/', message: 'x')`), /snsPublish: topicArn 'http:\/\/169\.254\.169\.254\/' is not the ARN of an SNS topic/],
    [inAws(srv, `snsPublish(topicArn: '${TOPIC}', message: '')`), /snsPublish: message must not be null or empty/],
    [`node { snsPublish(topicArn: '${TOPIC}', message: 'x') }`, /snsPublish: Unable to load AWS credentials from any provider in the chain/],
  ];
  for (const [jf, want] of cases) {
    const r = await run(jf);
    assert.equal(r.code, 1, jf + r.stdout);
    assert.match(r.stdout + r.stderr, want, jf);
  }
  assert.deepEqual(srv.published, []);
  const lint = await run(inAws(srv, `snsPublish(topicArn: '${TOPIC}', message: 'x', messageAttributes: 'k=v')`));
  assert.equal(lint.code, 2, lint.stdout);
  assert.match(lint.stderr + lint.stdout, /Expecting "interface java.util.Map" for parameter "messageAttributes" but got "k=v"/);
});

test('awsIdentity prints the identity of the keys and returns account, user and arn', async () => {
  const srv = await aws();
  const r = await run(inAws(srv, `def id = awsIdentity()\necho "account=\${id.account} user=\${id.user} arn=\${id.arn}"`));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^Current AWS identity: ${ACCOUNT} - AIDAKILNUSER - arn:aws:iam::${ACCOUNT}:user/ci $`, 'm'));
  assert.match(r.stdout, new RegExp(`^account=${ACCOUNT} user=AIDAKILNUSER arn=arn:aws:iam::${ACCOUNT}:user/ci$`, 'm'));
  assert.deepEqual(srv.services, ['sts']);
});

test("ecrLogin returns the plugin's docker login command (with '-e none' when email: true); errors in the SDK's words", async () => {
  const srv = await aws();
  const r = await run(inAws(srv, `echo "[\${ecrLogin()}]"\necho "[\${ecrLogin(email: true)}]"`));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^\\[docker login -u AWS -p ecrTokenABC\\+/=  https://${ACCOUNT}\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com\\]$`, 'm'));
  assert.match(r.stdout, new RegExp(`^\\[docker login -u AWS -p ecrTokenABC\\+/= -e none https://${ACCOUNT}\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com\\]$`, 'm'));
  assert.deepEqual(srv.services, ['ecr', 'ecr']);
  const wrong = await run(inAws(srv, 'ecrLogin()', 'aws-wrong'));
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /\(Service: AmazonECR; Status Code: 403; Error Code: SignatureDoesNotMatch; Request ID: rid-SignatureDoesNotMatch\)/);
});

test('ecrLogin: an answer that would put shell syntax into the command fails the step, nothing runs', async () => {
  const srv = await aws();
  const hostile: unknown[] = [
    { authorizationData: [{ authorizationToken: Buffer.from('AWS:tok').toString('base64'), proxyEndpoint: 'https://x.example; touch /tmp/pwned' }] },
    { authorizationData: [{ authorizationToken: Buffer.from('AWS:$(touch pwned)').toString('base64'), proxyEndpoint: 'https://x.example' }] },
    { authorizationData: [{ authorizationToken: Buffer.from('AWS`id`:tok').toString('base64'), proxyEndpoint: 'https://x.example' }] },
    { authorizationData: [] },
  ];
  for (const a of hostile) {
    srv.ecrAnswer = a;
    const r = await run(inAws(srv, "sh(ecrLogin())\necho 'ran'"));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /ecrLogin: (Got invalid|Did not get) authorizationData from AWS/);
    assert.doesNotMatch(r.stdout, /^ran$/m);
  }
});

test("an endpoint in the Kiln server's own network is refused for SNS too when builds may not reach it", async () => {
  const srv = await aws();
  const r = await run(inAws(srv, `snsPublish(topicArn: '${TOPIC}', message: 'x')`), { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /snsPublish: 127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network/);
  assert.deepEqual(srv.services, []);
});

test("withAWS(role:) assumes the role with STS and the block's steps sign with the temporary keys and their session token (masked)", async () => {
  const srv = await aws();
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/deployer`;
  srv.roles.add(roleArn);
  const r = await run(`node {
  withAWS(credentials: 'aws-keys', region: 'eu-west-1', endpointUrl: '${srv.url}') {
    withAWS(role: 'deployer', externalId: 'ext-1', duration: 900) {
      snsPublish(topicArn: '${TOPIC}', message: 'as the role')
      sh 'echo "token=$AWS_SESSION_TOKEN key=$AWS_ACCESS_KEY_ID"'
    }
  }
  withAWS(credentials: 'aws-keys', region: 'eu-west-1', endpointUrl: '${srv.url}', role: '${roleArn}', roleSessionName: 'release') { awsIdentity() }
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Requesting assume role$/m);
  assert.match(r.stdout, new RegExp(`^Assumed role ${roleArn} with id AROAKILN1:Jenkins-shop-1 $`, 'm'));
  assert.deepEqual(srv.assumed, [
    { roleArn, sessionName: 'Jenkins-shop-1', externalId: 'ext-1', duration: '900', by: ID },
    { roleArn, sessionName: 'release', externalId: null, duration: '3600', by: ID },
  ]);
  // Without roleAccount the caller's account is asked first; the SNS call is signed with the assumed keys.
  assert.deepEqual(srv.services, ['sts', 'sts', 'sns', 'sts', 'sts']);
  assert.equal(srv.published[0]!.message, 'as the role');
  assert.match(r.stdout, /^token=\*+ key=ASIAKILNASSUMED1$/m);
  assert.doesNotMatch(r.stdout, /FwoGZXIvYXdzEKILNTOKEN|assumed\/secret/);
});

test('withAWS(role:): STS refusing the role fails the step in the SDK\'s words; a bad role or duration is refused before any call', async () => {
  const srv = await aws();
  const cases: [string, RegExp][] = [
    [`withAWS(role: 'nobody', roleAccount: '${ACCOUNT}') { echo 'ran' }`, /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/nobody \(Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied/],
    [`withAWS(role: 'a role; rm -rf /', roleAccount: '${ACCOUNT}') { echo 'ran' }`, /withAWS: role 'a role; rm -rf \/' is neither a role name nor a role's ARN/],
    [`withAWS(role: 'deployer', roleAccount: '12') { echo 'ran' }`, /withAWS: roleAccount '12' is not an AWS account id/],
    [`withAWS(role: 'deployer', roleAccount: '${ACCOUNT}', duration: 60) { echo 'ran' }`, /withAWS: duration must be a whole number of seconds from 900 to 43200, got 60/],
  ];
  for (const [inner, want] of cases) {
    const r = await run(inAws(srv, inner));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, want);
    assert.doesNotMatch(r.stdout, /^ran$/m);
  }
  assert.deepEqual(srv.assumed, []);
});
