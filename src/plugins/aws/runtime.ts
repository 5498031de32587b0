// What `withAWS` does (declared in index.ts): the block gets AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (masked) from a username/password credential (username = access key
// id, password = secret key), AWS_DEFAULT_REGION / AWS_REGION, AWS_ENDPOINT_URL, AWS_PROFILE.
// Console as pipeline-aws prints it: "Constructing AWS Credentials", then "Setting AWS
// region eu-west-1 " (Jenkins runs the two together on one line; Kiln prints two).
// role: (with roleAccount:, roleSessionName:, externalId:, policy:, duration:) assumes the role
// with STS AssumeRole, signed with the keys above (or the enclosing withAWS's): the ARN is role:
// when it is one, else arn:<partition>:iam::<roleAccount, or the caller's account from
// GetCallerIdentity>:role/<role>; the session is roleSessionName: or "Jenkins-<job>-<build>" as
// the plugin's RoleSessionNameBuilder makes it; the block gets the temporary keys and
// AWS_SESSION_TOKEN (masked), and the console says "Requesting assume role" and "Assumed role
// <arn> with id <id> ". MFA, SAML, federated users and useNode stay refused, saying so.
// The S3 and other steps (s3.ts, services.ts) read what this exports.
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { client, s3Steps } from './s3.ts';
import { queryCall, STS } from './api-client.ts';
import { serviceSteps } from './services.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const NOT_DONE = ['iamMfaToken', 'federatedUserId', 'principalArn', 'samlAssertion', 'useNode', 'assumeRolePolicy'];

/** The plugin's RoleSessionNameBuilder: "Jenkins-<job>-<build>", at most 64 characters. */
export function roleSessionName(job: string, build: string): string {
  const clean = (x: string) => {
    let d = x;
    try { d = decodeURIComponent(x.replace(/\+/g, ' ')); } catch { /* as it is */ }
    return d.replace(/[/\\()]/g, '-').replace(/^-|[ "']|-$/g, '');
  };
  const j = clean(job);
  const b = clean(build);
  return ['Jenkins', j.slice(0, 64 - ('Jenkins'.length + b.length + 2)), b].join('-');
}

/** The partition of a region (arn:<partition>:...). */
const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

const withAWS: StepRun = async (ctx, args) => {
  const v = args.values;
  const refused = NOT_DONE.filter((p) => v[p] !== undefined && v[p] !== null && v[p] !== '' && v[p] !== false);
  if (refused.length) throw new StepFailure(`withAWS: ${refused.join(', ')}: Kiln assumes roles with role: (STS AssumeRole) only, without MFA, SAML, federated users or the agent's own credentials; give credentials: with the keys of the identity to use, or run 'aws sts ...' in the block`);
  const env: Record<string, string | null> = {};
  const secrets: string[] = [];
  const id = str(v.credentials).trim();
  if (id) {
    const c = await ctx.build.services.credential(id);
    if (c.type !== 'usernamePassword' || !c.username || !c.password) throw new StepFailure(`withAWS: the credential '${id}' is a ${c.type}${c.type === 'usernamePassword' ? ' without a username or password' : ''}: give a username/password credential whose username is the access key id and whose password is the secret access key`);
    ctx.log('Constructing AWS Credentials');
    env.AWS_ACCESS_KEY_ID = c.username;
    env.AWS_SECRET_ACCESS_KEY = c.password;
    // A session token of another identity in the environment would not match these keys.
    env.AWS_SESSION_TOKEN = null;
    secrets.push(c.password);
  }
  const region = str(v.region).trim();
  if (region) {
    if (!/^[a-z0-9-]{1,40}$/.test(region)) throw new StepFailure(`withAWS: region '${region}' is not an AWS region name`);
    ctx.log(`Setting AWS region ${region} `);
    env.AWS_DEFAULT_REGION = region;
    env.AWS_REGION = region;
  }
  if (str(v.endpointUrl)) env.AWS_ENDPOINT_URL = str(v.endpointUrl);
  if (str(v.profile)) {
    ctx.log(`Setting AWS profile ${str(v.profile)} `);
    env.AWS_PROFILE = str(v.profile);
  }
  const role = str(v.role).trim();
  if (role) {
    const now: Record<string, string> = { ...ctx.env };
    for (const [k, x] of Object.entries(env)) {
      if (x === null) delete now[k];
      else now[k] = x;
    }
    const c = await client(ctx, 'withAWS', v, { ...now, AWS_REGION: now.AWS_REGION || now.AWS_DEFAULT_REGION || 'us-east-1' });
    ctx.log('Requesting assume role');
    let arn = role;
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(role)) {
      if (!/^[\w+=,.@/-]{1,512}$/.test(role)) throw new StepFailure(`withAWS: role '${role}' is neither a role name nor a role's ARN`);
      let account = str(v.roleAccount).trim();
      if (!account) account = str((await queryCall(c, STS, 'GetCallerIdentity', '2011-06-15', [])).Account as Value);
      if (!/^\d{12}$/.test(account)) throw new StepFailure(`withAWS: roleAccount '${account}' is not an AWS account id (12 digits)`);
      arn = `arn:${partitionOf(c.region)}:iam::${account}:role/${role}`;
    }
    const params: [string, string][] = [['RoleArn', arn], ['RoleSessionName', str(v.roleSessionName).trim() || roleSessionName(ctx.env.JOB_NAME ?? '', ctx.env.BUILD_NUMBER ?? '')]];
    if (str(v.externalId)) params.push(['ExternalId', str(v.externalId)]);
    if (str(v.policy)) params.push(['Policy', str(v.policy)]);
    const duration = v.duration === undefined || v.duration === null || v.duration === '' ? 3600 : Number(v.duration);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) throw new StepFailure(`withAWS: duration must be a whole number of seconds from 900 to 43200, got ${str(v.duration)}`);
    params.push(['DurationSeconds', String(duration)]);
    const r = await queryCall(c, STS, 'AssumeRole', '2011-06-15', params);
    const cred = (r.Credentials ?? {}) as Record<string, unknown>;
    const user = (r.AssumedRoleUser ?? {}) as Record<string, unknown>;
    const keyId = str(cred.AccessKeyId as Value);
    const secret = str(cred.SecretAccessKey as Value);
    const token = str(cred.SessionToken as Value);
    if (!keyId || !secret || !token) throw new StepFailure('withAWS: STS answered AssumeRole without credentials');
    ctx.log(`Assumed role ${arn} with id ${str(user.AssumedRoleId as Value)} `);
    env.AWS_ACCESS_KEY_ID = keyId;
    env.AWS_SECRET_ACCESS_KEY = secret;
    env.AWS_SESSION_TOKEN = token;
    secrets.push(secret, token);
  }
  return ctx.runBody(args.body!, { env, secrets });
};

const runtime: PluginRuntime = { steps: { withAWS, ...s3Steps, ...serviceSteps } };
export default runtime;
