// What nexusArtifactUploader does (declared in index.ts), as the Nexus Artifact Uploader
// plugin's step and its Maven resolver deploy:
//   - the repository's base URL: <protocol>://<nexusUrl>/repository/<repository> (nexus3) or
//     .../content/repositories/<repository> (nexus2); a scheme left in nexusUrl is dropped, as
//     the plugin's NexusUrlBuilder does. An empty nexusUrl prints "Url of the Nexus is empty.
//     Please enter Nexus Url." and uploads nothing (the step's value is then an empty list).
//   - each artifact: "Uploading artifact <file> started...." and its coordinates, then PUT of
//     <group/as/dirs>/<artifactId>/<version>/<artifactId>-<version>[-<classifier>].<type> and of
//     its .sha1 and .md5 ("Uploading: URL" / "Uploaded: URL (N B)"); the file streamed from the
//     workspace (an agent's too) and hashed as it is sent; Basic authentication from
//     the username/password credential. A SNAPSHOT version: the version directory's
//     maven-metadata.xml is read (404: none yet), the files are named with this deploy's
//     timestamp and the next build number, and the metadata (with its checksums) is written
//     back after the files, as Maven deploys a snapshot.
//   - failures: a missing file ("<name> file doesn't exist"), an answer that is not 2xx
//     ("Failed to deploy artifacts: Could not transfer artifact g:a:type[:classifier]:v from/to
//     <repo> (<base URL>): Failed to transfer file <url> with status code <N>"), a network error:
//     the step fails, as the plugin's IOException does.
//   - coordinates are checked before anything is sent: a group id, artifact id, version,
//     classifier or type with '/', '..', spaces or control characters would leave the
//     repository's path and is refused. The credential's password never reaches the console.
import { createHash } from 'node:crypto';
import path from 'node:path/posix';
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, privateAddress, type HttpAnswer } from '../../util/http-client.ts';
import type { FileReader } from '../../core/workspace.ts';

const STEP = 'nexusArtifactUploader';
/** The most a workspace that cannot stream a file (a test's) hands over whole. */
const MAX_FILE = 512 * 1024 * 1024;
const TIMEOUT_MS = 10 * 60 * 1000;

const text = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

/** The repository's base URL (NexusUrlBuilder.repositoryBaseUrl). */
export function repositoryBaseUrl(protocol: string, nexusUrl: string, nexusVersion: string, repository: string): string {
  const host = nexusUrl.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const repo = repository.trim().replace(/^\/+|\/+$/g, '');
  const scheme = protocol.trim() || 'http';
  return `${scheme}://${host}${nexusVersion.trim().toLowerCase() === 'nexus3' ? '/repository/' : '/content/repositories/'}${repo}`;
}

/** A Maven coordinate part: what may go in a repository path without leaving it. */
function coordinate(what: string, v: string, optional = false): string {
  const t = v.trim();
  if (t === '' && optional) return '';
  if (t === '') throw new StepFailure(`${STEP}: ${what} must not be empty`);
  if (!/^[A-Za-z0-9_.+~-]+$/.test(t) || t === '.' || t.includes('..')) {
    throw new StepFailure(`${STEP}: ${what} '${t}' is not a Maven coordinate (letters, digits, '.', '-', '_', '+', '~'; no '/', '..' or spaces)`);
  }
  return t;
}

interface Upload { artifactId: string; classifier: string; type: string; file: string; absolute: string; name: string }

function artifactsOf(v: Value | undefined): { artifactId: string; classifier: string; type: string; file: string }[] {
  if (!isList(v) || v.length === 0) throw new StepFailure(`${STEP}: artifacts must be a non-empty list of maps: [[artifactId: 'app', file: 'app.jar', type: 'jar']]`);
  return v.map((item, i) => {
    if (!isMap(item)) throw new StepFailure(`${STEP}: artifacts[${i}] must be a map [artifactId:, classifier:, file:, type:]`);
    const m = item as GMap;
    for (const k of m.keys()) if (!['artifactId', 'classifier', 'file', 'type', '$class'].includes(k)) throw new StepFailure(`${STEP}: artifacts[${i}]: unknown parameter '${k}' (artifactId, classifier, file, type)`);
    const file = text(m.get('file')).trim();
    if (!file) throw new StepFailure(`${STEP}: artifacts[${i}]: File must not be empty`);
    return {
      artifactId: coordinate(`artifacts[${i}].artifactId`, text(m.get('artifactId'))),
      classifier: coordinate(`artifacts[${i}].classifier`, text(m.get('classifier')), true),
      type: coordinate(`artifacts[${i}].type`, text(m.get('type'))),
      file,
    };
  });
}

function formatSize(n: number): string {
  if (n < 1000) return `${n} B`;
  const [unit, div] = n >= 1e9 ? ['GB', 1e9] : n >= 1e6 ? ['MB', 1e6] : ['kB', 1e3];
  const x = n / div;
  return `${x >= 10 ? Math.round(x) : x.toFixed(1)} ${unit}`;
}

/** The snapshot's timestamp: yyyyMMdd.HHmmss in UTC, as Maven writes it. */
function timestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}.${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The version directory's maven-metadata.xml for a snapshot deploy. */
function snapshotMetadata(groupId: string, artifactId: string, version: string, ts: string, build: number, files: { classifier: string; type: string }[]): string {
  const value = `${version.replace(/-SNAPSHOT$/i, '')}-${ts}-${build}`;
  const updated = ts.replace('.', '');
  const sv = files.map((f) => `      <snapshotVersion>\n${f.classifier ? `        <classifier>${xmlEscape(f.classifier)}</classifier>\n` : ''}        <extension>${xmlEscape(f.type)}</extension>\n        <value>${value}</value>\n        <updated>${updated}</updated>\n      </snapshotVersion>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata modelVersion="1.1.0">\n  <groupId>${xmlEscape(groupId)}</groupId>\n  <artifactId>${xmlEscape(artifactId)}</artifactId>\n  <version>${xmlEscape(version)}</version>\n  <versioning>\n    <snapshot>\n      <timestamp>${ts}</timestamp>\n      <buildNumber>${build}</buildNumber>\n    </snapshot>\n    <lastUpdated>${updated}</lastUpdated>\n    <snapshotVersions>\n${sv}    </snapshotVersions>\n  </versioning>\n</metadata>\n`;
}

const run: StepRun = async (ctx, args) => {
  const v = args.values;
  const nexusVersion = text(v.nexusVersion).trim();
  const protocol = text(v.protocol).trim();
  if (nexusVersion && !['nexus2', 'nexus3'].includes(nexusVersion.toLowerCase())) throw new StepFailure(`${STEP}: nexusVersion '${nexusVersion}' is not nexus2 or nexus3`);
  if (protocol && !['http', 'https'].includes(protocol)) throw new StepFailure(`${STEP}: protocol '${protocol}' is not http or https`);
  const nexusUrl = text(v.nexusUrl).trim();
  const repository = text(v.repository).trim();
  const groupId = coordinate('groupId', text(v.groupId));
  const version = coordinate('version', text(v.version));
  const artifacts = artifactsOf(v.artifacts);
  if (!/^[A-Za-z0-9_.-]+$/.test(repository) || repository.includes('..')) throw new StepFailure(`${STEP}: repository '${repository}' is not a repository name`);
  if (nexusUrl === '') {
    ctx.log('Url of the Nexus is empty. Please enter Nexus Url.');
    return [];
  }
  if (/[\s@?#\\]/.test(nexusUrl.replace(/^https?:\/\//i, ''))) throw new StepFailure(`${STEP}: nexusUrl '${nexusUrl}' must be a host[:port][/path] (no spaces, user, query or fragment)`);
  let auth: string | undefined;
  const credentialsId = text(v.credentialsId).trim();
  if (credentialsId) {
    const c = await ctx.build.services.credential(credentialsId);
    if (c.type !== 'usernamePassword') throw new StepFailure(`${STEP}: the credential '${credentialsId}' is a ${c.type}: Nexus needs a username with password`);
    auth = `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
  }
  const base = repositoryBaseUrl(protocol, nexusUrl, nexusVersion, repository);
  try {
    new URL(base);
  } catch {
    throw new StepFailure(`${STEP}: '${base}' is not a URL (nexusUrl '${nexusUrl}')`);
  }

  // The files first: none is sent when one is missing.
  const ws = ctx.workspace();
  const uploads: Upload[] = [];
  for (const a of artifacts) {
    const absolute = ctx.resolvePath(a.file);
    const st = await ws.stat(absolute);
    const name = path.basename(absolute);
    if (!st || (st.type !== 'file' && st.type !== 'symlink')) {
      ctx.log(`${name} file doesn't exist`);
      throw new StepFailure(`${name} file doesn't exist`);
    }
    if (!ws.openRead && st.size > MAX_FILE) throw new StepFailure(`${STEP}: ${a.file} is ${formatSize(st.size)}; Kiln uploads files of at most ${formatSize(MAX_FILE)}`);
    uploads.push({ ...a, absolute, name });
  }
  for (const u of uploads) {
    ctx.log(`Uploading artifact ${u.name} started....`);
    ctx.log(`GroupId: ${groupId}`);
    ctx.log(`ArtifactId: ${u.artifactId}`);
    ctx.log(`Classifier: ${u.classifier}`);
    ctx.log(`Type: ${u.type}`);
    ctx.log(`Version: ${version}`);
    ctx.log(`File: ${u.name}`);
    ctx.log(`Repository:${repository}`);
  }

  const settings = (await ctx.build.services.httpServices?.settings())?.httpRequest ?? { allowedHosts: [], allowPrivate: false };
  const allowed = (host: string) => settings.allowedHosts.some((a) => { const x = a.trim().toLowerCase(); const h = host.toLowerCase(); return x.startsWith('*.') ? h.endsWith(x.slice(1)) : h === x; });
  const guard = settings.allowPrivate ? undefined : (address: string, host: string) =>
    privateAddress(address) && !allowed(host) ? `${host} is ${address}, an address of the Kiln server's own network: builds may not reach it unless an administrator allows the host (Settings → HTTP request: allowed hosts)` : null;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({ 'User-Agent': 'Kiln (Nexus Artifact Uploader)', ...(auth ? { Authorization: auth } : {}), ...extra });
  const call = async (method: string, url: string, body?: Buffer | FileReader): Promise<HttpAnswer> => {
    const sent = body === undefined ? {} : Buffer.isBuffer(body) ? { body } : { bodyStream: { length: body.size, chunks: () => body.chunks() } };
    try {
      return await httpCall({ method, url, headers: headers(body ? { 'Content-Type': 'application/octet-stream' } : {}), ...sent, timeoutMs: TIMEOUT_MS, signal: ctx.signal, maxBytes: 1024 * 1024, ...(guard ? { addressGuard: guard } : {}) });
    } catch (e) {
      if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
      throw new StepFailure(`Failed to deploy artifacts: ${url}: ${(e as Error).message}`);
    }
  };
  const coords = (u: Upload) => `${groupId}:${u.artifactId}:${u.type}${u.classifier ? `:${u.classifier}` : ''}:${version}`;
  const put = async (u: Upload | null, rel: string, body: Buffer | FileReader): Promise<void> => {
    const url = `${base}/${rel}`;
    ctx.log(`Uploading: ${url}`);
    const a = await call('PUT', url, body);
    if (a.status < 200 || a.status >= 300) {
      const what = u ? `artifact ${coords(u)}` : `metadata ${groupId}:${rel.split('/').slice(-3, -1).join(':')}/maven-metadata.xml`;
      throw new StepFailure(`Failed to deploy artifacts: Could not transfer ${what} from/to ${repository} (${base}): Failed to transfer file ${url} with status code ${a.status}${a.statusText ? ` (${a.statusText})` : ''}`);
    }
    ctx.log(`Uploaded: ${url} (${formatSize(Buffer.isBuffer(body) ? body.length : body.size)})`);
  };
  /**
   * The file, then its .sha1 and .md5 (as Maven deploys). A workspace that can stream a file (an
   * agent's too) sends it in chunks as the socket takes them, hashing what is sent, so no file is
   * held whole whatever its size and the sums are those of the bytes uploaded.
   */
  const withSums = async (u: Upload | null, rel: string, body: Buffer | FileReader): Promise<void> => {
    const sha1 = createHash('sha1');
    const md5 = createHash('md5');
    if (Buffer.isBuffer(body)) {
      sha1.update(body);
      md5.update(body);
      await put(u, rel, body);
    } else {
      const hashed: FileReader = {
        size: body.size,
        close: () => body.close(),
        async *chunks() { for await (const c of body.chunks()) { sha1.update(c); md5.update(c); yield c; } },
      };
      try {
        await put(u, rel, hashed);
      } finally {
        await body.close();
      }
    }
    await put(u, `${rel}.sha1`, Buffer.from(sha1.digest('hex')));
    await put(u, `${rel}.md5`, Buffer.from(md5.digest('hex')));
  };

  const dir = `${groupId.replace(/\./g, '/')}`;
  const snapshot = /-SNAPSHOT$/i.test(version);
  const byArtifact = new Map<string, Upload[]>();
  for (const u of uploads) byArtifact.set(u.artifactId, [...(byArtifact.get(u.artifactId) ?? []), u]);
  const results: Map<string, Value>[] = [];
  const ts = timestamp(new Date());
  for (const [artifactId, group] of byArtifact) {
    const versionDir = `${dir}/${artifactId}/${version}`;
    let fileVersion = version;
    let build = 0;
    if (snapshot) {
      const metaUrl = `${base}/${versionDir}/maven-metadata.xml`;
      ctx.log(`Downloading: ${metaUrl}`);
      const m = await call('GET', metaUrl);
      if (m.status >= 200 && m.status < 300) {
        ctx.log(`Downloaded: ${metaUrl} (${formatSize(m.body.length)})`);
        const n = /<buildNumber>\s*(\d+)\s*<\/buildNumber>/.exec(m.body.toString('utf8'));
        build = n ? Number(n[1]) : 0;
      } else if (m.status !== 404) {
        throw new StepFailure(`Failed to deploy artifacts: Could not transfer metadata ${groupId}:${artifactId}:${version}/maven-metadata.xml from/to ${repository} (${base}): Failed to transfer file ${metaUrl} with status code ${m.status}`);
      }
      build += 1;
      fileVersion = `${version.replace(/-SNAPSHOT$/i, '')}-${ts}-${build}`;
    }
    for (const u of group) {
      const fileName = `${artifactId}-${fileVersion}${u.classifier ? `-${u.classifier}` : ''}.${u.type}`;
      await withSums(u, `${versionDir}/${fileName}`, ws.openRead ? await ws.openRead(u.absolute) : await ws.readFile(u.absolute));
      results.push(new Map<string, Value>([
        ['url', `${base}/${versionDir}/${fileName}`], ['groupId', groupId], ['artifactId', artifactId], ['version', version],
        ['classifier', u.classifier], ['type', u.type], ['fileName', fileName], ['repository', repository], ['verified', 'true'],
      ]));
    }
    if (snapshot) await withSums(null, `${versionDir}/maven-metadata.xml`, Buffer.from(snapshotMetadata(groupId, artifactId, version, ts, build, group), 'utf8'));
  }
  for (const u of uploads) ctx.log(`Uploading artifact ${u.name} completed.`);
  for (const r of results) ctx.log(`Artifact available at: ${String(r.get('url'))}`);
  return results;
};

const runtime: PluginRuntime = { steps: { nexusArtifactUploader: run } };
export default runtime;
