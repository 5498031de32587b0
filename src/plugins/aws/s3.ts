// What the S3 steps of Pipeline: AWS Steps do (declared in index.ts), as the plugin's
// S3*Step classes do them, through s3-client.ts from the Kiln process (the controller, or
// `kiln run`), the workspace's files streamed to and from the node that holds them:
//   s3Upload           file: (a file, or a directory tree), includePathPattern:+workingDir:
//                      (+excludePathPattern:), or text: → PUT (multipart from 16 MiB), with
//                      metadatas, tags, acl, cacheControl, contentType (else from the file's
//                      extension), contentEncoding, contentDisposition, sseAlgorithm, kmsId,
//                      redirectLocation; returns "s3://bucket/path"
//   s3Download         one object to file:, or every object under a prefix ('' or ending in '/')
//                      into the directory file: (each at <file>/<key>, as the SDK's
//                      downloadDirectory); an existing target fails unless force:
//   s3Delete           one object, or (path ending in '/') every object under it
//   s3FindFiles        keys matching path/glob (Java's glob: *, **, ?, {a,b}, [..]) → FileWrappers
//   s3DoesObjectExist  HEAD → true / false
//   s3Copy             CopyObject (x-amz-copy-source), metadata replaced when given
//   s3PresignURL       a URL signed in its query, for durationInSeconds (60), httpMethod (GET)
// Console lines are the plugin's ("Uploading file:/ws/a.txt to s3://b/p ", "Finished: upload of
// s3://b/p", "Upload complete", "Downloading s3://b/p to file:/ws/x ", "Search complete", ...);
// a missing bucket fails as its Preconditions do ("Bucket must not be null or empty").
//
// Credentials, region and endpoint are what the enclosing withAWS exports (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL),
// as the plugin's AWSClientFactory reads its EnvVars; with none, the step fails as the SDK's
// credential chain does. The controller's own network is refused as for httpRequest.
// Attacker's view: a key of a downloaded prefix that would land outside the target ('../x',
// '/etc/x') fails the step before anything is written; workingDir and file stay in the
// workspace; the secret is never printed, and a presigned URL carries only the key id.
import path from 'node:path';
import { StepFailure } from '../../core/errors.ts';
import type { Workspace } from '../../core/workspace.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, type HostObject, type Value } from '../../pipeline/script/values.ts';
import { privateAddress } from '../../util/http-client.ts';
import { openFile, writeChunks } from '../../util/files-stream.ts';
import { checkBucket, copy, del, exists, getStream, list, presign, putStream, type S3Config } from './s3-client.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const given = (v: Value | undefined): boolean => v !== undefined && v !== null;

export const CANNED_ACLS: Readonly<Record<string, string>> = {
  Private: 'private', PublicRead: 'public-read', PublicReadWrite: 'public-read-write', AuthenticatedRead: 'authenticated-read',
  AwsExecRead: 'aws-exec-read', BucketOwnerRead: 'bucket-owner-read', BucketOwnerFullControl: 'bucket-owner-full-control', LogDeliveryWrite: 'log-delivery-write',
};

/** The Content-Type the SDK guesses from a file's extension (its Mimetype table, the common part). */
const MIME: Readonly<Record<string, string>> = {
  txt: 'text/plain', html: 'text/html', htm: 'text/html', css: 'text/css', js: 'application/javascript', mjs: 'application/javascript',
  json: 'application/json', xml: 'application/xml', csv: 'text/csv', svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg',
  jpeg: 'image/jpeg', gif: 'image/gif', ico: 'image/x-icon', webp: 'image/webp', pdf: 'application/pdf', zip: 'application/zip',
  gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar', jar: 'application/java-archive', war: 'application/java-archive',
  wasm: 'application/wasm', md: 'text/markdown', yaml: 'application/x-yaml', yml: 'application/x-yaml',
};
const mimeOf = (file: string): string => MIME[path.extname(file).slice(1).toLowerCase()] ?? 'application/octet-stream';

/** Builds the client from withAWS's environment, or fails as the SDK would without it. */
export async function client(ctx: StepContext, step: string, v: Record<string, Value>, env: Readonly<Record<string, string>> = ctx.env): Promise<S3Config> {
  const id = env.AWS_ACCESS_KEY_ID ?? '';
  const secret = env.AWS_SECRET_ACCESS_KEY ?? '';
  if (!id || !secret) throw new StepFailure(`${step}: Unable to load AWS credentials from any provider in the chain: Kiln takes the keys withAWS exports (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); call it inside withAWS(credentials: '<a username/password credential>') { ... }`);
  let endpoint: URL | null = null;
  const ep = (env.AWS_ENDPOINT_URL ?? '').trim();
  if (ep) {
    try {
      endpoint = new URL(ep);
    } catch {
      throw new StepFailure(`${step}: endpointUrl '${ep}' is not a URL`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new StepFailure(`${step}: endpointUrl '${ep}': only http and https`);
    if (endpoint.username || endpoint.password || endpoint.search) throw new StepFailure(`${step}: endpointUrl '${endpoint.origin}' must not carry a user, a password or a query`);
  }
  const region = (env.AWS_REGION || env.AWS_DEFAULT_REGION || '').trim() || (endpoint ? 'us-east-1' : '');
  if (!region) throw new StepFailure(`${step}: Unable to find a region via the region provider chain. Must provide an explicit region in the builder or setup environment to supply a region. (withAWS(region: 'eu-west-1') { ... })`);
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw new StepFailure(`${step}: region '${region}' is not an AWS region name`);
  const settings = (await ctx.build.services.httpServices?.settings())?.httpRequest ?? { allowedHosts: [], allowPrivate: false };
  const allowed = (host: string) => settings.allowedHosts.some((a) => {
    const x = a.trim().toLowerCase();
    return x.startsWith('*.') ? host.toLowerCase().endsWith(x.slice(1)) : host.toLowerCase() === x;
  });
  const guard = settings.allowPrivate ? undefined : (address: string, host: string) =>
    privateAddress(address) && !allowed(host)
      ? `${step}: ${host} is ${address}, an address of the Kiln server's own network: builds may not reach it unless an administrator allows the host (Settings → HTTP request: allowed hosts)`
      : null;
  return {
    keys: { accessKeyId: id, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
    region, endpoint, pathStyle: v.pathStyleAccessEnabled === true || endpoint !== null, signal: ctx.signal, ...(guard ? { guard } : {}),
  };
}

function bucketOf(step: string, v: Value | undefined, label = 'Bucket'): string {
  const b = str(v);
  if (!b) throw new StepFailure(`${step}: ${label} must not be null or empty`);
  const bad = checkBucket(b);
  if (bad) throw new StepFailure(`${step}: ${bad}`);
  return b;
}

/** `rel` under the workspace (or the current directory), refused when it leaves the workspace. */
function inWorkspace(ctx: StepContext, step: string, what: string, rel: string, base?: string): string {
  const ws = ctx.workspace();
  const abs = base ? path.resolve(base, rel) : ctx.resolvePath(rel);
  const r = path.relative(ws.root, abs);
  if (r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r)) throw new StepFailure(`${step}: ${what} '${rel}' leaves the workspace`);
  return abs;
}

/** 'k:v' entries (the part before the first ':' is the name); others are skipped, as the plugin does. */
function metadataHeaders(step: string, v: Value | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!given(v)) return out;
  const items = isList(v!) ? v! : [v!];
  for (const m of items.map(str)) {
    const i = m.indexOf(':');
    if (i < 0) continue;
    const name = m.slice(0, i).trim().toLowerCase();
    const value = m.slice(i + 1);
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new StepFailure(`${step}: metadatas: '${m.slice(0, i)}' is not a metadata name`);
    if (/[\r\n\0]/.test(value)) throw new StepFailure(`${step}: metadatas: the value of '${name}' holds a line break`);
    out[`x-amz-meta-${name}`] = value;
  }
  return out;
}

/** The headers of S3UploadOptions: metadata, tags, ACL, caching, type, encryption, redirect. */
function uploadHeaders(step: string, v: Record<string, Value>): Record<string, string> {
  const h = metadataHeaders(step, v.metadatas);
  const tags = str(v.tags);
  if (tags) {
    // "[tag1:value1, tag2:value2]", as the plugin splits it.
    const inner = tags.replace(/^\[/, '').replace(/\]$/, '');
    const pairs = inner.split(', ').filter(Boolean).map((p) => {
      const [k, val] = p.split(':');
      if (k === undefined || val === undefined) throw new StepFailure(`${step}: tags '${tags}': '${p}' is not tag:value (write tags: '[tag1:value1, tag2:value2]')`);
      return `${encodeURIComponent(k)}=${encodeURIComponent(val)}`;
    });
    h['x-amz-tagging'] = pairs.join('&');
  }
  const acl = str(v.acl);
  if (acl) {
    const a = CANNED_ACLS[acl];
    if (!a) throw new StepFailure(`${step}: acl '${acl}' is not one of ${Object.keys(CANNED_ACLS).join(', ')}`);
    h['x-amz-acl'] = a;
  }
  const plain: [string, string][] = [['cacheControl', 'cache-control'], ['contentEncoding', 'content-encoding'], ['contentType', 'content-type'],
    ['contentDisposition', 'content-disposition'], ['redirectLocation', 'x-amz-website-redirect-location']];
  for (const [p, name] of plain) {
    const val = str(v[p]);
    if (!val) continue;
    if (/[\r\n\0]/.test(val)) throw new StepFailure(`${step}: ${p} holds a line break`);
    h[name] = val;
  }
  const kms = str(v.kmsId);
  const sse = str(v.sseAlgorithm);
  if (sse) h['x-amz-server-side-encryption'] = sse;
  if (kms) {
    h['x-amz-server-side-encryption'] = sse || 'aws:kms';
    h['x-amz-server-side-encryption-aws-kms-key-id'] = kms;
  }
  for (const val of Object.values(h)) if (/[\r\n\0]/.test(val)) throw new StepFailure(`${step}: a header value holds a line break`);
  return h;
}

const trimSlash = (p: string): string => p.replace(/\/+$/, '');

async function putFile(c: S3Config, ws: Workspace, abs: string, bucket: string, key: string, headers: Record<string, string>): Promise<void> {
  const r = await openFile(ws, abs);
  try {
    await putStream(c, bucket, key, { 'content-type': mimeOf(abs), ...headers }, r.size, r.chunks());
  } finally {
    await r.close();
  }
}

const s3Upload: StepRun = async (ctx, args) => {
  const step = 's3Upload';
  const v = args.values;
  const bucket = bucketOf(step, v.bucket);
  const file = given(v.file) ? str(v.file) : null;
  const text = given(v.text) ? str(v.text) : null;
  const include = given(v.includePathPattern) ? str(v.includePathPattern) : null;
  if (text === null && file === null && include === null) throw new StepFailure(`${step}: At least one argument of Text, File or IncludePathPattern must be included`);
  if (include !== null && file !== null) throw new StepFailure(`${step}: File and IncludePathPattern cannot be used together`);
  if (text !== null && file !== null) throw new StepFailure(`${step}: Text and File cannot be used together`);
  if (include !== null && text !== null) throw new StepFailure(`${step}: IncludePathPattern and Text cannot be used together`);
  const p = str(v.path);
  const verbose = v.verbose !== false;
  const headers = uploadHeaders(step, v);
  const kms = str(v.kmsId);
  const c = await client(ctx, step, v);
  const url = `s3://${bucket}/${p}`;

  if (text !== null) {
    ctx.log(`Uploading text string to ${url} `);
    if (!p) throw new StepFailure(`${step}: text: needs path: the key to write the text to`);
    if (kms) ctx.log(`Using KMS: ${kms}`);
    const data = Buffer.from(text, 'utf8');
    await putStream(c, bucket, p, { 'content-type': 'text/plain; charset=UTF-8', ...headers }, data.length, (async function* () { yield data; })());
    if (verbose) ctx.log(`Finished: upload of text to ${url}`);
    ctx.log('Upload complete');
    return url;
  }
  const ws = ctx.workspace();
  const wd = str(v.workingDir).trim();
  const dir = wd ? inWorkspace(ctx, step, 'workingDir', wd) : ctx.resolvePath('.');
  if (file !== null) {
    const abs = inWorkspace(ctx, step, 'file', file, dir);
    const st = await ws.stat(abs);
    // java.io.File.toURI(): a directory's URI ends in '/'.
    ctx.log(`Uploading file:${abs}${st?.type === 'dir' ? '/' : ''} to ${url} `);
    if (!st || (st.type !== 'file' && st.type !== 'dir')) {
      ctx.log('Upload failed due to missing source file');
      throw new StepFailure(`${step}: java.io.FileNotFoundException: file:${abs}`);
    }
    if (kms) ctx.log(`Using KMS: ${kms}`);
    if (st.type === 'file') {
      const key = p === '' || p.endsWith('/') ? p + path.basename(abs) : p;
      await putFile(c, ws, abs, bucket, key, headers);
      if (verbose) ctx.log(`Finished: upload of s3://${bucket}/${key}`);
    } else {
      const prefix = trimSlash(p);
      for (const rel of await ws.glob(abs, '**', undefined, { defaultExcludes: false })) {
        await putFile(c, ws, path.join(abs, rel), bucket, prefix ? `${prefix}/${rel}` : rel, headers);
      }
      if (verbose) ctx.log(`Finished: upload to ${url}`);
    }
    ctx.log('Upload complete');
    return url;
  }
  const exclude = str(v.excludePathPattern).trim();
  const st = await ws.stat(dir);
  const found = st?.type === 'dir' ? await ws.glob(dir, include!, exclude || undefined) : [];
  if (found.length === 0) {
    ctx.log('Nothing to upload');
    return null;
  }
  ctx.log(`Uploading ${include} to ${url} `);
  if (kms) ctx.log(`Using KMS: ${kms}`);
  const prefix = trimSlash(p) ? `${trimSlash(p)}/` : '';
  const failed: string[] = [];
  for (const rel of found) {
    const key = prefix + rel;
    try {
      await putFile(c, ws, path.join(dir, rel), bucket, key, headers);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      ctx.log(`Failed: ${key} - ${(e as Error).message}`);
      failed.push(key);
    }
  }
  if (failed.length) throw new StepFailure(`${step}: Upload to ${url} failed for ${failed.length} file(s); see the log above`);
  if (verbose) ctx.log(`Finished: upload to ${url}`);
  ctx.log('Upload complete');
  return url;
};

/** Where `key` of a prefix download goes under `dir`, or null when it would leave it. */
export function downloadPath(dir: string, key: string): string | null {
  if (key.startsWith('/') || key.includes('\\') || key.includes('\0')) return null;
  if (key.split('/').some((s) => s === '..')) return null;
  const abs = path.resolve(dir, key);
  const r = path.relative(dir, abs);
  if (!r || r.startsWith('..') || path.isAbsolute(r)) return null;
  return abs;
}

const s3Download: StepRun = async (ctx, args) => {
  const step = 's3Download';
  const v = args.values;
  const bucket = bucketOf(step, v.bucket);
  const file = str(v.file);
  if (!file) throw new StepFailure(`${step}: file is required: where in the workspace to write`);
  const p = str(v.path);
  const ws = ctx.workspace();
  const target = inWorkspace(ctx, step, 'file', file);
  if (path.relative(ws.root, target) === '') throw new StepFailure(`${step}: file '${file}' is the workspace itself: name a file or a directory in it`);
  const c = await client(ctx, step, v);
  // The plugin prints "%n " after this line: the next line starts with a space.
  ctx.log(`Downloading s3://${bucket}/${p} to file:${target} `);
  if (await ws.stat(target)) {
    if (v.force !== true) {
      ctx.log(' Download failed due to existing target file; set force=true to overwrite target file');
      throw new StepFailure(`${step}: Target exists: file:${target}`);
    }
    await ws.remove(target);
  }
  if (p === '' || p.endsWith('/')) {
    const keys: string[] = [];
    await list(c, bucket, p, '', (page) => {
      for (const o of page.objects) keys.push(o.key);
    });
    const files: [string, string][] = [];
    for (const key of keys) {
      if (key.endsWith('/')) continue; // a folder marker of the console
      const abs = downloadPath(target, key);
      if (!abs) throw new StepFailure(`${step}: the key '${key}' of s3://${bucket}/${p} would be written outside ${file} ('..' or an absolute path): nothing was downloaded`);
      files.push([key, abs]);
    }
    await ws.mkdir(target);
    for (const [key, abs] of files) {
      const g = await getStream(c, bucket, key);
      await writeChunks(ws, abs, g.chunks);
    }
    ctx.log(` Finished: Downloading from ${bucket}/${p}`);
  } else {
    const g = await getStream(c, bucket, p);
    await writeChunks(ws, target, g.chunks);
    ctx.log(` Finished: Downloading from ${bucket}/${p}`);
  }
  ctx.log('Download complete');
  return null;
};

const s3Delete: StepRun = async (ctx, args) => {
  const step = 's3Delete';
  const v = args.values;
  const bucket = bucketOf(step, v.bucket);
  const p = str(v.path);
  if (!p) throw new StepFailure(`${step}: path is empty: give the key to delete, or a prefix ending in '/' to delete everything under it`);
  const c = await client(ctx, step, v);
  ctx.log(`Deleting s3://${bucket}/${p}`);
  if (!p.endsWith('/')) {
    if (await exists(c, bucket, p)) {
      ctx.log(`Deleting object at s3://${bucket}/${p}`);
      await del(c, bucket, p);
    }
  } else {
    const keys: string[] = [];
    if (await exists(c, bucket, p)) keys.push(p);
    await list(c, bucket, p, '', (page) => {
      for (const o of page.objects) if (o.key !== p) keys.push(o.key);
    });
    for (const k of keys) {
      ctx.log(`Deleting object at s3://${bucket}/${k}`);
      await del(c, bucket, k);
    }
  }
  ctx.log('Delete complete');
  return null;
};

/** Java's glob (FileSystem.getPathMatcher("glob:...")) as a RegExp: * and ? within a name, ** across, {a,b}, [..]. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  let inGroup = false;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '{' && !inGroup) { re += '(?:'; inGroup = true; }
    else if (ch === '}' && inGroup) { re += ')'; inGroup = false; }
    else if (ch === ',' && inGroup) re += '|';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `(?![/])[${body}]`;
        i = end;
      }
    } else if (ch === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`.replace(/^\\([A-Za-z0-9])$/, '$1');
    else re += ch.replace(/[.+^$()|\]\\/]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${re}$`, 's');
}

/** A key as java.nio's Paths.get sees it: no empty names, no trailing '/'. */
const normalKey = (k: string): string => k.split('/').filter(Boolean).join('/');

function s3FileWrapper(f: { name: string; path: string; directory: boolean; length: number; lastModified: number }): HostObject {
  const props: Record<string, Value> = { ...f };
  const getters: Record<string, string> = { getName: 'name', getPath: 'path', isDirectory: 'directory', getLength: 'length', getLastModified: 'lastModified' };
  return {
    kind: 'host',
    typeName: 'de.taimos.pipeline.aws.FileWrapper',
    getProperty: (n) => (n in props ? props[n] : undefined),
    invokeMethod: (n, a) => {
      if (a.positional.length === 0 && n in getters) return Promise.resolve(props[getters[n]!]!);
      if (n === 'toString' && a.positional.length === 0) return Promise.resolve(f.path);
      return undefined;
    },
    toString: () => f.path,
  };
}

const s3FindFiles: StepRun = async (ctx, args) => {
  const step = 's3FindFiles';
  const v = args.values;
  const bucket = bucketOf(step, v.bucket);
  const p = str(v.path);
  const glob = str(v.glob);
  const onlyFiles = v.onlyFiles === true;
  const c = await client(ctx, step, v);
  ctx.log(`Searching s3://${bucket}/${p} for glob:'${glob}' ${onlyFiles ? '(only files)' : ''}`);
  const matcher = globRegExp((p ? p + (p.endsWith('/') ? '' : '/') : '') + (glob || '*'));
  const depth = p ? normalKey(p).split('/').filter(Boolean).length : 0;
  const rel = (k: string) => normalKey(k).split('/').slice(depth).join('/');
  const out: HostObject[] = [];
  const folders = [p];
  let listed = 0;
  while (folders.length) {
    const folder = folders.shift()!;
    const prefix = folder && !folder.endsWith('/') ? `${folder}/` : folder;
    await list(c, bucket, prefix, '/', (page) => {
      listed += page.objects.length + page.prefixes.length;
      if (listed > 1_000_000) throw new StepFailure(`${step}: more than 1000000 keys under s3://${bucket}/${p}: narrow path:`);
      for (const o of page.objects) {
        if (o.key.endsWith('/')) continue;
        const k = normalKey(o.key);
        if (k && matcher.test(k)) out.push(s3FileWrapper({ name: k.slice(k.lastIndexOf('/') + 1), path: rel(o.key), directory: false, length: o.size, lastModified: o.lastModified }));
      }
      for (const pre of page.prefixes) {
        if (pre === prefix) continue; // a listing must go deeper, never in place
        folders.push(pre);
        const k = normalKey(pre);
        if (!onlyFiles && k && matcher.test(k)) out.push(s3FileWrapper({ name: k.slice(k.lastIndexOf('/') + 1), path: rel(pre), directory: true, length: 0, lastModified: 0 }));
      }
    });
  }
  ctx.log('Search complete');
  return out;
};

const s3DoesObjectExist: StepRun = async (ctx, args) => {
  const step = 's3DoesObjectExist';
  const v = args.values;
  const bucket = bucketOf(step, v.bucket);
  const p = str(v.path);
  if (!p) throw new StepFailure(`${step}: Path must not be null or empty`);
  const c = await client(ctx, step, v);
  ctx.log(`Searching s3://${bucket} for object:'${p}'`);
  const r = await exists(c, bucket, p);
  ctx.log('Search complete');
  return r;
};

const s3Copy: StepRun = async (ctx, args) => {
  const step = 's3Copy';
  const v = args.values;
  const fromBucket = bucketOf(step, v.fromBucket, 'From bucket');
  const fromPath = str(v.fromPath);
  if (!fromPath) throw new StepFailure(`${step}: From path must not be null or empty`);
  const toBucket = bucketOf(step, v.toBucket, 'To bucket');
  const toPath = str(v.toPath);
  if (!toPath) throw new StepFailure(`${step}: To path must not be null or empty`);
  const meta = metadataHeaders(step, v.metadatas);
  const h = uploadHeaders(step, { acl: v.acl ?? null, cacheControl: v.cacheControl ?? null, contentType: v.contentType ?? null, contentDisposition: v.contentDisposition ?? null, sseAlgorithm: v.sseAlgorithm ?? null, kmsId: v.kmsId ?? null });
  const replace = Object.keys(meta).length > 0 || ['cacheControl', 'contentType', 'contentDisposition', 'sseAlgorithm'].some((k) => str(v[k]) !== '');
  const c = await client(ctx, step, v);
  ctx.log(`Copying s3://${fromBucket}/${fromPath} to s3://${toBucket}/${toPath}`);
  if (str(v.kmsId)) ctx.log(`Using KMS: ${str(v.kmsId)}`);
  await copy(c, { bucket: fromBucket, key: fromPath }, { bucket: toBucket, key: toPath }, { ...h, ...meta, ...(replace ? { 'x-amz-metadata-directive': 'REPLACE' } : {}) });
  ctx.log(`Finished: Copying object from ${fromBucket}/${fromPath} to ${toBucket}/${toPath}`);
  ctx.log('Copy complete');
  return `s3://${toBucket}/${toPath}`;
};

export const PRESIGN_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'] as const;

const s3PresignURL: StepRun = async (ctx, args) => {
  const step = 's3PresignURL';
  const v = args.values;
  const bucket = bucketOf(step, v.bucket);
  const key = str(v.key);
  if (!key) throw new StepFailure(`${step}: Key must not be null or empty`);
  const method = str(v.httpMethod) || 'GET';
  if (!(PRESIGN_METHODS as readonly string[]).includes(method)) throw new StepFailure(`${step}: httpMethod '${method}' is not one of ${PRESIGN_METHODS.join(', ')}`);
  const seconds = given(v.durationInSeconds) ? Number(v.durationInSeconds) : 60;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 604800) throw new StepFailure(`${step}: durationInSeconds must be a whole number of seconds from 1 to 604800 (7 days, S3's limit for a presigned URL)`);
  const c = await client(ctx, step, v);
  return presign(c, bucket, key, method, seconds);
};

export const s3Steps: Readonly<Record<string, StepRun>> = { s3Upload, s3Download, s3Delete, s3FindFiles, s3DoesObjectExist, s3Copy, s3PresignURL };
