// What nexusPublisher does (declared in index.ts), as the Nexus Platform plugin's
// PackageUploaderUtil / ComponentUploaderNxrm3 with the NXRM 3 client:
//   - the server: the HTTP services settings' `nexus` entry with that id; none: "Nexus
//     Configuration <id> not found." and "Failing build due to missing Nexus Configuration".
//   - every asset's file is checked first ("<filePath> does not exist", "Failing build due to
//     missing expected files for Nexus Repository Manager Publisher"), so nothing is uploaded
//     from an incomplete set. ${VARS} in coordinates, extensions, classifiers and paths are
//     expanded from the build's environment, as the plugin's envVars.expand.
//   - a tagName: GET /service/rest/v1/tags/<name>, created (POST /service/rest/v1/tags) on 404.
//   - each package: "Uploading Maven asset with groupId: g artifactId: a version: v To repository:
//     r", then one POST /service/rest/v1/components?repository=<r> of multipart/form-data:
//     maven2.groupId, maven2.artifactId, maven2.version, maven2.packaging (when given) and, per
//     asset n (from 1), maven2.asset<n> (the file, streamed from the workspace),
//     maven2.asset<n>.extension and maven2.asset<n>.classifier (when given); tag when given.
//     Basic authentication from the server's username/password credential. An answer that is not
//     2xx: "Upload of maven component with GAV [g:a:v] failed", "Failing build due to failure to
//     upload file to Nexus Repository Manager Publisher", the build FAILURE and the step fails
//     with the server's status and message. All done: "Successfully Uploaded Maven Assets".
//   - the server's URL is the administrator's: it is reached wherever it is (no private-network
//     guard, unlike a URL a build chooses); the credential's password never reaches the console.
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall } from '../../util/http-client.ts';
import { expandEnv } from '../../pipeline/steps/report-patterns.ts';
import type { FileReader } from '../../core/workspace.ts';

const STEP = 'nexusPublisher';
const TIMEOUT_MS = 30 * 60 * 1000;
const MAX_FILE = 512 * 1024 * 1024;

const text = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

interface Asset { classifier: string; extension: string; filePath: string; absolute: string; size: number }
interface Pkg { groupId: string; artifactId: string; version: string; packaging: string; assets: Asset[] }

function mapOf(v: Value | undefined, what: string): GMap {
  if (!isMap(v)) throw new StepFailure(`${STEP}: ${what} must be a map`);
  return v as GMap;
}

function onlyKeys(m: GMap, what: string, keys: string[]): void {
  for (const k of m.keys()) if (k !== '$class' && k !== '$symbol' && !keys.includes(k)) throw new StepFailure(`${STEP}: ${what}: unknown parameter '${k}' (${keys.join(', ')})`);
}

/** A form field's value: one line, no NUL (it goes in a multipart part). */
function field(what: string, v: string, required: boolean): string {
  const t = v.trim();
  if (required && !t) throw new StepFailure(`${STEP}: ${what} is required`);
  if (/[\0\r\n]/.test(t)) throw new StepFailure(`${STEP}: ${what} must be one line`);
  return t;
}

const quote = (s: string) => s.replace(/["\\\r\n]/g, (c) => (c === '"' ? '%22' : c === '\\' ? '\\\\' : ''));

/** A multipart/form-data body of text fields and streamed files, with its exact length. */
function multipart(parts: ({ name: string; value: string } | { name: string; fileName: string; size: number; open: () => Promise<FileReader | Buffer> })[]) {
  const boundary = `----KilnNexusPublisher${randomBytes(12).toString('hex')}`;
  const heads = parts.map((p) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(p.name)}"${'fileName' in p ? `; filename="${quote(p.fileName)}"\r\nContent-Type: application/octet-stream` : ''}\r\n\r\n`, 'utf8'));
  const tail = Buffer.from(`--${boundary}--\r\n`, 'utf8');
  const length = parts.reduce((n, p, i) => n + heads[i]!.length + ('fileName' in p ? p.size : Buffer.byteLength(p.value, 'utf8')) + 2, 0) + tail.length;
  async function* chunks(): AsyncIterable<Buffer> {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      yield heads[i]!;
      if ('fileName' in p) {
        const f = await p.open();
        if (Buffer.isBuffer(f)) yield f;
        else {
          try { for await (const c of f.chunks()) yield c; } finally { await f.close(); }
        }
      } else yield Buffer.from(p.value, 'utf8');
      yield Buffer.from('\r\n');
    }
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, chunks };
}

/** What the server said: its JSON message(s) or the first line of its text. */
function serverSays(body: Buffer): string {
  const t = body.toString('utf8').trim();
  try {
    const j = JSON.parse(t) as unknown;
    if (Array.isArray(j)) return j.map((x) => (x && typeof x === 'object' && 'message' in x ? String((x as { message: unknown }).message) : JSON.stringify(x))).join('; ');
    if (j && typeof j === 'object' && 'message' in j) return String((j as { message: unknown }).message);
  } catch { /* not JSON */ }
  return t.split('\n')[0]!.slice(0, 300);
}

function packagesOf(ctx: StepContext, v: Value | undefined): Pkg[] {
  if (!isList(v) || v.length === 0) throw new StepFailure(`${STEP}: packages must be a non-empty list: [[$class: 'MavenPackage', mavenAssetList: [...], mavenCoordinate: [...]]]`);
  return v.map((item, i) => {
    const m = mapOf(item, `packages[${i}]`);
    const cls = text(m.get('$class') ?? m.get('$symbol')).trim();
    if (cls && cls !== 'MavenPackage' && cls !== 'mavenPackage' && cls !== 'org.sonatype.nexus.ci.nxrm.MavenPackage') throw new StepFailure(`${STEP}: packages[${i}]: ${cls} is not a package type Kiln knows (MavenPackage)`);
    onlyKeys(m, `packages[${i}]`, ['mavenAssetList', 'mavenCoordinate']);
    const c = mapOf(m.get('mavenCoordinate'), `packages[${i}].mavenCoordinate`);
    onlyKeys(c, `packages[${i}].mavenCoordinate`, ['groupId', 'artifactId', 'version', 'packaging']);
    const get = (k: string, req: boolean) => field(`packages[${i}].mavenCoordinate.${k}`, expandEnv(ctx, text(c.get(k))), req);
    const list = m.get('mavenAssetList');
    if (!isList(list) || list.length === 0) throw new StepFailure(`${STEP}: packages[${i}].mavenAssetList must be a non-empty list of [classifier:, extension:, filePath:]`);
    const assets = list.map((a, j): Asset => {
      const am = mapOf(a, `packages[${i}].mavenAssetList[${j}]`);
      onlyKeys(am, `packages[${i}].mavenAssetList[${j}]`, ['classifier', 'extension', 'filePath']);
      const at = `packages[${i}].mavenAssetList[${j}]`;
      return {
        classifier: field(`${at}.classifier`, expandEnv(ctx, text(am.get('classifier'))), false),
        extension: field(`${at}.extension`, expandEnv(ctx, text(am.get('extension'))), false),
        filePath: field(`${at}.filePath`, expandEnv(ctx, text(am.get('filePath'))), true),
        absolute: '', size: 0,
      };
    });
    return { groupId: get('groupId', true), artifactId: get('artifactId', true), version: get('version', true), packaging: get('packaging', false), assets };
  });
}

const nexusPublisher: StepRun = async (ctx, args) => {
  const v = args.values;
  const instanceId = text(v.nexusInstanceId).trim();
  const repository = text(v.nexusRepositoryId).trim();
  if (!instanceId) throw new StepFailure(`${STEP}: nexusInstanceId is required: the id of a Nexus server configured on the controller`);
  if (!repository) throw new StepFailure(`${STEP}: nexusRepositoryId is required`);
  const tagName = expandEnv(ctx, text(v.tagName)).trim();
  const packages = packagesOf(ctx, v.packages);
  const fail = (lines: string[], message: string): never => {
    for (const l of lines) ctx.log(l);
    ctx.build.setResult('FAILURE');
    throw new StepFailure(message);
  };
  const server = (await ctx.build.services.httpServices?.settings())?.nexus?.find((s) => s.id === instanceId);
  if (!server) fail([`Nexus Configuration ${instanceId} not found.`, 'Failing build due to missing Nexus Configuration'], `Nexus Configuration ${instanceId} not found.`);
  const base = server!.url.replace(/\/+$/, '');
  let auth: string | undefined;
  if (server!.credentialsId) {
    const c = await ctx.build.services.credential(server!.credentialsId);
    if (c.type !== 'usernamePassword') fail(['Error creating RepositoryManagerClient', 'Failing build due to error creating RepositoryManagerClient'], `${STEP}: the credential '${server!.credentialsId}' is a ${c.type}: Nexus needs a username with password`);
    auth = `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
  }

  // Every file first: nothing is uploaded from an incomplete set.
  const ws = ctx.workspace();
  for (const p of packages) {
    for (const a of p.assets) {
      let absolute: string;
      try { absolute = ctx.resolvePath(a.filePath); } catch { absolute = ''; }
      const st = absolute ? await ws.stat(absolute).catch(() => null) : null;
      if (!st || (st.type !== 'file' && st.type !== 'symlink')) {
        fail([`${a.filePath} does not exist`, 'Failing build due to missing expected files for Nexus Repository Manager Publisher'], `${a.filePath} does not exist`);
      }
      if (!ws.openRead && st!.size > MAX_FILE) throw new StepFailure(`${STEP}: ${a.filePath} is larger than Kiln uploads from this workspace (${MAX_FILE} bytes)`);
      a.absolute = absolute;
      a.size = st!.size;
    }
  }

  const call = async (method: string, url: string, extra: { headers?: Record<string, string>; body?: string; stream?: ReturnType<typeof multipart> } = {}) => {
    const headers: Record<string, string> = { 'User-Agent': 'Kiln (Nexus Platform)', Accept: 'application/json', ...(auth ? { Authorization: auth } : {}), ...extra.headers };
    if (extra.stream) headers['Content-Type'] = extra.stream.contentType;
    try {
      return await httpCall({
        method, url, headers, timeoutMs: TIMEOUT_MS, signal: ctx.signal, maxBytes: 1024 * 1024,
        ...(extra.body !== undefined ? { body: extra.body } : {}),
        ...(extra.stream ? { bodyStream: { length: extra.stream.length, chunks: extra.stream.chunks } } : {}),
      });
    } catch (e) {
      if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
      return e instanceof Error ? e : new Error(String(e));
    }
  };

  if (tagName) {
    if (/[\0-\x1f/]/.test(tagName)) throw new StepFailure(`${STEP}: tagName '${tagName}' is not a tag name`);
    const tagUrl = `${base}/service/rest/v1/tags/${encodeURIComponent(tagName)}`;
    const got = await call('GET', tagUrl);
    const problem = (a: Awaited<ReturnType<typeof call>>) => (a instanceof Error ? a.message : `status ${a.status}: ${serverSays(a.body)}`);
    if (got instanceof Error || (got.status !== 404 && (got.status < 200 || got.status >= 300))) {
      fail(['Failing build due to failure to create tag'], `${STEP}: reading tag '${tagName}' from ${base} failed: ${problem(got)}`);
    } else if (got.status === 404) {
      const made = await call('POST', `${base}/service/rest/v1/tags`, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: tagName, attributes: {} }) });
      if (made instanceof Error || made.status < 200 || made.status >= 300) fail(['Failing build due to failure to create tag'], `${STEP}: creating tag '${tagName}' on ${base} failed: ${problem(made)}`);
    }
  }

  for (const p of packages) {
    ctx.log(`Uploading Maven asset with groupId: ${p.groupId} artifactId: ${p.artifactId} version: ${p.version} To repository: ${repository}`);
    const parts: Parameters<typeof multipart>[0] = [
      { name: 'maven2.groupId', value: p.groupId }, { name: 'maven2.artifactId', value: p.artifactId }, { name: 'maven2.version', value: p.version },
      ...(p.packaging ? [{ name: 'maven2.packaging', value: p.packaging }] : []),
    ];
    p.assets.forEach((a, i) => {
      const n = i + 1;
      parts.push({ name: `maven2.asset${n}`, fileName: path.basename(a.absolute), size: a.size, open: async () => (ws.openRead ? ws.openRead(a.absolute) : ws.readFile(a.absolute)) });
      if (a.extension) parts.push({ name: `maven2.asset${n}.extension`, value: a.extension });
      if (a.classifier) parts.push({ name: `maven2.asset${n}.classifier`, value: a.classifier });
    });
    if (tagName) parts.push({ name: 'tag', value: tagName });
    const answer = await call('POST', `${base}/service/rest/v1/components?repository=${encodeURIComponent(repository)}`, { stream: multipart(parts) });
    if (answer instanceof Error || answer.status < 200 || answer.status >= 300) {
      const why = answer instanceof Error ? answer.message : `Upload component failed, status ${answer.status}${answer.statusText ? ` (${answer.statusText})` : ''}${answer.body.length ? `: ${serverSays(answer.body)}` : ''}`;
      const msg = `Upload of maven component with GAV [${p.groupId}:${p.artifactId}:${p.version}] failed`;
      fail([msg, 'Failing build due to failure to upload file to Nexus Repository Manager Publisher'], `${msg}: ${why}`);
    }
  }
  ctx.log('Successfully Uploaded Maven Assets');
  return null;
};

const runtime: PluginRuntime = { steps: { nexusPublisher } };
export default runtime;
