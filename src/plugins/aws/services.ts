// The Pipeline: AWS Steps plugin's steps of other services than S3 (declared in index.ts), as
// its SNSPublishStep, AWSIdentityStep and ECRLoginStep do them, through api-client.ts with the
// keys, region and endpoint withAWS exports (s3.ts `client`: same errors without them):
//   snsPublish   SNS Publish (TopicArn, Subject, Message, MessageAttributes as String values);
//                prints "Publishing notification <subject> to <arn> " and "Message published
//                as <id> "; returns the MessageId (the plugin returns nothing)
//   awsIdentity  STS GetCallerIdentity; prints "Current AWS identity: <account> - <user> -
//                <arn> "; returns [account:, user:, arn:]
//   ecrLogin     ECR GetAuthorizationToken; returns "docker login -u AWS -p <token> <endpoint>"
//                ("-e none" before the endpoint with email: true), as the plugin formats it
// Attacker's view: what an answer puts into ecrLogin's command is meant for `sh`, so the user
// name, the password and the endpoint are checked to hold no character a shell would act on
// (a hostile endpointUrl cannot make the build run commands); the values a pipeline gives go
// into a form or JSON body, encoded, never into a URL or a header.
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import { fromJson, isMap, type Value } from '../../pipeline/script/values.ts';
import { ECR, jsonCall, queryCall, SNS, STS } from './api-client.ts';
import { client } from './s3.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

const snsPublish: StepRun = async (ctx, args) => {
  const v = args.values;
  const topicArn = str(v.topicArn).trim();
  const message = str(v.message);
  if (!topicArn) throw new StepFailure('snsPublish: topicArn must not be null or empty');
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/.test(topicArn)) throw new StepFailure(`snsPublish: topicArn '${topicArn}' is not the ARN of an SNS topic (arn:aws:sns:<region>:<account>:<name>)`);
  if (!message) throw new StepFailure('snsPublish: message must not be null or empty');
  const params: [string, string][] = [['TopicArn', topicArn], ['Message', message]];
  const subject = v.subject === undefined || v.subject === null ? null : str(v.subject);
  if (subject !== null) params.push(['Subject', subject]);
  const attrs = v.messageAttributes;
  if (attrs !== undefined && attrs !== null) {
    if (!isMap(attrs)) throw new StepFailure("snsPublish: messageAttributes must be a map of names to values: messageAttributes: ['k1': 'v1']");
    let n = 0;
    for (const [name, value] of attrs) {
      n++;
      params.push([`MessageAttributes.entry.${n}.Name`, String(name)], [`MessageAttributes.entry.${n}.Value.DataType`, 'String'], [`MessageAttributes.entry.${n}.Value.StringValue`, str(value)]);
    }
  }
  const c = await client(ctx, 'snsPublish', v);
  ctx.log(`Publishing notification ${subject ?? 'null'} to ${topicArn} `);
  const r = await queryCall(c, SNS, 'Publish', '2010-03-31', params);
  const id = str(r.MessageId as Value);
  if (!id) throw new StepFailure('snsPublish: SNS answered Publish without a MessageId');
  ctx.log(`Message published as ${id} `);
  return id;
};

const awsIdentity: StepRun = async (ctx, args) => {
  const c = await client(ctx, 'awsIdentity', args.values);
  const r = await queryCall(c, STS, 'GetCallerIdentity', '2011-06-15', []);
  const account = str(r.Account as Value);
  const user = str(r.UserId as Value);
  const arn = str(r.Arn as Value);
  ctx.log(`Current AWS identity: ${account} - ${user} - ${arn} `);
  return fromJson({ account, user, arn });
};

/** What may go into a shell command unquoted. */
const SAFE_USER = /^[A-Za-z0-9._@-]{1,128}$/;
const SAFE_TOKEN = /^[A-Za-z0-9+/=._-]{1,8192}$/;
const SAFE_ENDPOINT = /^https?:\/\/[A-Za-z0-9.-]{1,253}(:\d{1,5})?\/?$/;

const ecrLogin: StepRun = async (ctx, args) => {
  const v = args.values;
  const c = await client(ctx, 'ecrLogin', v);
  const r = await jsonCall(c, ECR, 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken', {});
  const data = r.authorizationData;
  if (!Array.isArray(data) || data.length !== 1) throw new StepFailure('ecrLogin: Did not get authorizationData from AWS');
  const d = data[0] as { authorizationToken?: unknown; proxyEndpoint?: unknown } | null;
  const decoded = Buffer.from(String(d?.authorizationToken ?? ''), 'base64').toString('utf8');
  const parts = decoded.split(':');
  const endpoint = String(d?.proxyEndpoint ?? '');
  if (parts.length !== 2 || !SAFE_USER.test(parts[0]!) || !SAFE_TOKEN.test(parts[1]!)) throw new StepFailure('ecrLogin: Got invalid authorizationData from AWS');
  if (!SAFE_ENDPOINT.test(endpoint)) throw new StepFailure(`ecrLogin: Got invalid authorizationData from AWS (the proxyEndpoint '${endpoint.slice(0, 200)}' is not an http(s) URL of a host)`);
  return `docker login -u ${parts[0]} -p ${parts[1]} ${v.email === true ? '-e none' : ''} ${endpoint}`;
};

export const serviceSteps: Readonly<Record<string, StepRun>> = { snsPublish, awsIdentity, ecrLogin };
