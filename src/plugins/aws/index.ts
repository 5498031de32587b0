// The Pipeline: AWS Steps plugin's `withAWS`, its S3 steps, snsPublish, awsIdentity and ecrLogin,
// declared as data; runtime.ts exports the keys of a credential and the region to the block,
// s3.ts runs the S3 steps with them (SigV4 of our own, sigv4.ts; S3's REST API, s3-client.ts),
// services.ts the others (SNS, STS, ECR APIs, api-client.ts). role: is assumed with STS AssumeRole (runtime.ts).
// See docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const refused = (name: string): StepParam => ({ name, type: 'any', doc: 'refused: Kiln assumes roles with role: only (no MFA, SAML, federated users, agent credentials)' });

const P = 'Pipeline: AWS Steps';
const ACLS = ['Private', 'PublicRead', 'PublicReadWrite', 'AuthenticatedRead', 'AwsExecRead', 'BucketOwnerRead', 'BucketOwnerFullControl', 'LogDeliveryWrite'] as const;
/** What every S3 step of the plugin takes (AbstractS3Step). */
const s3Common: StepParam[] = [
  { name: 'pathStyleAccessEnabled', type: 'boolean', doc: 'address the bucket in the path (<endpoint>/<bucket>/<key>); always so when withAWS has an endpointUrl' },
  { name: 'payloadSigningEnabled', type: 'boolean', doc: 'accepted for compatibility: Kiln always signs the payload of what it sends' },
];
const objectOptions: StepParam[] = [
  { name: 'metadatas', type: 'string-or-list', doc: "user metadata, 'name:value' each (x-amz-meta-name)" },
  { name: 'acl', type: 'string', values: ACLS, doc: 'a canned ACL' },
  { name: 'cacheControl', type: 'string', doc: 'the Cache-Control header of the object' },
  { name: 'contentType', type: 'string', doc: "the Content-Type (default: from the file's extension)" },
  { name: 'contentDisposition', type: 'string', doc: 'the Content-Disposition header of the object' },
  { name: 'sseAlgorithm', type: 'string', doc: "server-side encryption: 'AES256' or 'aws:kms'" },
  { name: 'kmsId', type: 'string', doc: 'the KMS key to encrypt with (aws:kms)' },
];

export const awsPlugin: PipelinePlugin = {
  name: 'aws',
  doc: 'Pipeline: AWS Steps: withAWS exports an access key credential and a region to its block; the S3 steps, snsPublish, awsIdentity and ecrLogin use them',
  steps: [
    {
      name: 'withAWS',
      jenkinsPlugin: 'Pipeline: AWS Steps',
      differs: 'keys from a username/password credential; role: is assumed from the Kiln process (STS AssumeRole); iamMfaToken, SAML, federatedUserId, useNode and assumeRolePolicy are refused',
      doc: "Run a block with AWS keys and region: withAWS(credentials: 'aws-keys', region: 'eu-west-1') { sh 'aws s3 ls' }; withAWS(role: 'deployer', roleAccount: '123456789012') assumes a role.",
      params: [
        { name: 'credentials', type: 'string', doc: 'a username/password credential: the access key id and the secret access key' },
        { name: 'region', type: 'string', doc: 'exported as AWS_DEFAULT_REGION and AWS_REGION' },
        { name: 'endpointUrl', type: 'string', doc: 'exported as AWS_ENDPOINT_URL' },
        { name: 'profile', type: 'string', doc: 'exported as AWS_PROFILE (no keys are exported then unless credentials: is given)' },
        { name: 'role', type: 'string', doc: "a role to assume (STS AssumeRole): its name (with roleAccount:, or the caller's account) or its ARN" },
        { name: 'roleAccount', type: 'string', doc: "the account of role: (default: the caller's, from GetCallerIdentity)" },
        { name: 'roleSessionName', type: 'string', doc: "the session's name (default 'Jenkins-<job>-<build>')" },
        { name: 'externalId', type: 'string', doc: 'the external id the role asks for' },
        { name: 'policy', type: 'string', doc: "an inline session policy (JSON) that narrows the role's rights" },
        { name: 'duration', type: 'integer', doc: 'how long the temporary keys last, in seconds (default 3600; 900 to 43200)' },
        refused('iamMfaToken'), refused('federatedUserId'), refused('principalArn'), refused('samlAssertion'),
        refused('useNode'), refused('assumeRolePolicy'),
      ],
      block: 'required',
      needsNode: false,
    },
    {
      name: 's3Upload', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3UploadStep',
      doc: "Upload a file, a directory, files matching a pattern or a text to S3: s3Upload(file: 'app.zip', bucket: 'b', path: 'releases/')",
      differs: 'from the Kiln process (not the agent), files streamed from the workspace; multipart from 16 MiB',
      params: [
        { name: 'bucket', type: 'string', required: true, doc: 'the bucket' },
        { name: 'file', type: 'string', doc: "a file (key: path, or path + its name when path ends in '/') or a directory (its tree under path)" },
        { name: 'text', type: 'string', doc: 'upload this text as the object path' },
        { name: 'path', type: 'string', doc: "the key, or the prefix ending in '/' (default: the bucket's root)" },
        { name: 'includePathPattern', type: 'string', doc: "Ant pattern of files under workingDir ('**/*.html'), each at path/<relative path>" },
        { name: 'excludePathPattern', type: 'string', doc: 'Ant pattern of files left out' },
        { name: 'workingDir', type: 'string', doc: 'the directory file: and includePathPattern are relative to' },
        ...objectOptions,
        { name: 'contentEncoding', type: 'string', doc: 'the Content-Encoding header of the object' },
        { name: 'tags', type: 'string', doc: "object tags, written '[tag1:value1, tag2:value2]'" },
        { name: 'redirectLocation', type: 'string', doc: "the object's website redirect (x-amz-website-redirect-location)" },
        { name: 'verbose', type: 'boolean', doc: "print the 'Finished: upload' lines (default true)" },
        ...s3Common,
      ],
      block: 'none', needsNode: true,
    },
    {
      name: 's3Download', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3DownloadStep',
      doc: "Download an object, or every object under a prefix, into the workspace: s3Download(file: 'app.zip', bucket: 'b', path: 'releases/app.zip')",
      differs: "from the Kiln process, streamed into the workspace; a key of a prefix that would leave the target ('..', '/') fails the step before anything is written",
      params: [
        { name: 'file', type: 'string', required: true, doc: "the file to write, or the directory a prefix's objects go into (each at <file>/<key>)" },
        { name: 'bucket', type: 'string', required: true, doc: 'the bucket' },
        { name: 'path', type: 'string', doc: "the key, or a prefix ending in '/' ('' : the whole bucket)" },
        { name: 'force', type: 'boolean', doc: 'replace an existing target (default false: the step fails)' },
        { name: 'disableParallelDownloads', type: 'boolean', doc: 'accepted for compatibility: Kiln downloads one object at a time' },
        ...s3Common,
      ],
      block: 'none', needsNode: true,
    },
    {
      name: 's3Delete', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3DeleteStep',
      doc: "Delete an object, or every object under a prefix ending in '/': s3Delete(bucket: 'b', path: 'tmp/')",
      differs: 'an empty path is refused',
      params: [
        { name: 'bucket', type: 'string', required: true, doc: 'the bucket' },
        { name: 'path', type: 'string', required: true, doc: "the key, or a prefix ending in '/'" },
        ...s3Common,
      ],
      block: 'none', needsNode: false,
    },
    {
      name: 's3FindFiles', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3FindFilesStep',
      doc: "Keys matching a glob under a path, as FileWrappers (name, path, directory, length, lastModified): s3FindFiles(bucket: 'b', path: 'releases/', glob: '**/*.zip')",
      params: [
        { name: 'bucket', type: 'string', required: true, doc: 'the bucket' },
        { name: 'path', type: 'string', doc: "where to search (default: the bucket's root)" },
        { name: 'glob', type: 'string', doc: "a glob of keys under path (default '*': one level)" },
        { name: 'onlyFiles', type: 'boolean', doc: 'leave out folders (common prefixes)' },
        ...s3Common,
      ],
      block: 'none', needsNode: false,
    },
    {
      name: 's3DoesObjectExist', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3DoesObjectExistStep',
      doc: "Whether an object exists: if (s3DoesObjectExist(bucket: 'b', path: 'releases/app.zip')) { ... }",
      params: [
        { name: 'bucket', type: 'string', required: true, doc: 'the bucket' },
        { name: 'path', type: 'string', required: true, doc: 'the key' },
        ...s3Common,
      ],
      block: 'none', needsNode: false,
    },
    {
      name: 's3Copy', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3CopyStep',
      doc: "Copy an object within S3: s3Copy(fromBucket: 'a', fromPath: 'x.zip', toBucket: 'b', toPath: 'y.zip')",
      differs: 'one CopyObject request: objects over 5 GB are refused by S3',
      params: [
        { name: 'fromBucket', type: 'string', required: true, doc: 'the source bucket' },
        { name: 'fromPath', type: 'string', required: true, doc: 'the source key' },
        { name: 'toBucket', type: 'string', required: true, doc: 'the target bucket' },
        { name: 'toPath', type: 'string', required: true, doc: 'the target key' },
        ...objectOptions,
        ...s3Common,
      ],
      block: 'none', needsNode: false,
    },
    {
      name: 's3PresignURL', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.S3PresignUrlStep',
      doc: "A URL that gives access to one object for a while: def url = s3PresignURL(bucket: 'b', key: 'app.zip', durationInSeconds: 3600)",
      params: [
        { name: 'bucket', type: 'string', required: true, doc: 'the bucket' },
        { name: 'key', type: 'string', required: true, doc: 'the key' },
        { name: 'durationInSeconds', type: 'integer', doc: 'how long the URL is valid (default 60, at most 604800)' },
        { name: 'httpMethod', type: 'string', values: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'], doc: 'the method the URL is for (default GET)' },
        ...s3Common,
      ],
      block: 'none', needsNode: false,
    },
    {
      name: 'snsPublish', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.SNSPublishStep',
      doc: "Publish a message to an SNS topic: snsPublish(topicArn: 'arn:aws:sns:eu-west-1:123456789012:builds', subject: 'Build done', message: 'ok', messageAttributes: ['k1': 'v1'])",
      differs: 'from the Kiln process; returns the MessageId (the plugin returns nothing)',
      params: [
        { name: 'topicArn', type: 'string', required: true, doc: 'the ARN of the topic' },
        { name: 'subject', type: 'string', doc: 'the subject (e-mail subscriptions)' },
        { name: 'message', type: 'string', required: true, doc: 'the message' },
        { name: 'messageAttributes', type: 'map', doc: 'message attributes, each a String attribute: [name: value]' },
      ],
      block: 'none', needsNode: false,
    },
    {
      name: 'awsIdentity', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.AWSIdentityStep',
      doc: "Print and return the AWS identity of withAWS's keys (STS GetCallerIdentity): def id = awsIdentity(); echo id.account",
      params: [],
      block: 'none', needsNode: false,
    },
    {
      name: 'ecrLogin', jenkinsPlugin: P, jenkinsClass: 'de.taimos.pipeline.aws.ECRLoginStep',
      doc: "The 'docker login' command for the account's ECR registry (GetAuthorizationToken): sh(ecrLogin())",
      differs: 'registryIds: is not taken (the default registry of the keys); the command holds the token as the plugin returns it: it is not masked',
      params: [
        { name: 'email', type: 'boolean', doc: "add '-e none' (the docker clients that still want an e-mail)" },
      ],
      block: 'none', needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
