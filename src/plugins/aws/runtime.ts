// What `withAWS` does (declared in index.ts): the block gets AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (masked) from a username/password credential (username = access key
// id, password = secret key), AWS_DEFAULT_REGION / AWS_REGION, AWS_ENDPOINT_URL, AWS_PROFILE.
// Console as pipeline-aws prints it: "Constructing AWS Credentials", then "Setting AWS
// region eu-west-1 " (Jenkins runs the two together on one line; Kiln prints two). Kiln makes no STS call, so role: and the other assume-role options fail the
// step saying so, rather than running the block with the wrong identity.
// The S3 steps (s3.ts) read what this exports.
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { s3Steps } from './s3.ts';
import { serviceSteps } from './services.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const STS = ['role', 'roleAccount', 'roleSessionName', 'externalId', 'policy', 'duration', 'iamMfaToken', 'federatedUserId', 'principalArn', 'samlAssertion', 'useNode', 'assumeRolePolicy'];

const withAWS: StepRun = async (ctx, args) => {
  const v = args.values;
  const sts = STS.filter((p) => v[p] !== undefined && v[p] !== null && v[p] !== '' && v[p] !== false);
  if (sts.length) throw new StepFailure(`withAWS: ${sts.join(', ')}: Kiln does not assume roles (no AWS STS call); give credentials: with the keys of the identity to use, or run 'aws sts assume-role' in the block`);
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
  return ctx.runBody(args.body!, { env, secrets });
};

const runtime: PluginRuntime = { steps: { withAWS, ...s3Steps, ...serviceSteps } };
export default runtime;
