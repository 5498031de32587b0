// A real HTTP server in the test process that answers the part of Artifactory's REST API the
// Artifactory plugin's steps use, as JFrog documents it: deploy (PUT /<repo>/<path>;props with
// X-Checksum-* headers, and the checksum deploy X-Checksum-Deploy: true answered 404 when the
// content is unknown), GET of an artifact, AQL (POST /api/search/aql: items.find with $match,
// $eq, $and, $or and @property criteria, then include, sort, offset, limit), GET /api/storage/<repo>/<path> (checksums), PUT / DELETE
// /api/storage/<repo>/<path>?properties=... (set, delete properties), PUT
// /api/build (204), POST /api/build/promote, npm's registry API under /api/npm/<repo>/ (packument,
// tarball, publish); `mirrors`: repositories read from a directory (a
// Maven remote repository's cache: ~/.m2/repository).
// A 401 carries WWW-Authenticate: Basic realm="Artifactory Realm", as Artifactory's does (Maven
// sends its credentials only after that challenge).
// `docker`: a Docker repository of Artifactory backed by a real registry (docker-registry): before
// each request its images are listed (/v2/_catalog, tags, manifests, blobs) and shown as
// Artifactory stores them, <repo>/<image>/<tag>/manifest.json and <repo>/<image>/<tag>/sha256__<hex>,
// so that GET, AQL and properties see what `docker push` put there.
// `xray`: POST /api/xray/scanBuild answered by the test's function, after a blank keep-alive line as
// Artifactory sends while Xray scans.
// Errors are Artifactory's JSON {"errors":[{"status":..,"message":..}]}: 401 on bad credentials,
// 404 on a missing repository or file. Every request is kept for the tests to read.
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Req { method: string; path: string; headers: http.IncomingHttpHeaders; body: Buffer }
export interface Stored { data: Buffer; props: Record<string, string[]>; sha1: string; md5: string; sha256: string }

export interface FakeArtifactory {
  url: string;
  requests: Req[];
  files: Map<string, Stored>;
  builds: unknown[];
  promotions: { name: string; number: string; body: unknown }[];
  close(): Promise<void>;
}

const hash = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');

function wild(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Evaluates an items.find criteria object against one item (name, repo, path, type, @props). */
function matches(c: Record<string, unknown>, item: Record<string, unknown>, props: Record<string, string[]>): boolean {
  for (const [k, v] of Object.entries(c)) {
    if (k === '$and') { if (!(v as Record<string, unknown>[]).every((x) => matches(x, item, props))) return false; continue; }
    if (k === '$or') { if (!(v as Record<string, unknown>[]).some((x) => matches(x, item, props))) return false; continue; }
    const values = k.startsWith('@') ? props[k.slice(1)] ?? [] : [String(item[k] ?? '')];
    const test = (x: string) => {
      if (typeof v === 'string') return x === v;
      const o = v as Record<string, string>;
      if (o.$match !== undefined) return wild(o.$match).test(x);
      if (o.$eq !== undefined) return x === o.$eq;
      throw new Error(`unsupported criteria ${JSON.stringify(v)}`);
    };
    if (!values.some(test)) return false;
  }
  return true;
}

export interface DockerBacking { repo: string; registry: string; username: string; password: string }
export type XrayAnswer = (req: { buildName: string; buildNumber: string; context: string }) => { status: number; body: string };

/** Shows the registry's images in `files` as Artifactory's Docker repository stores them. */
async function syncDocker(d: DockerBacking, files: Map<string, Stored>, blobs: Map<string, Buffer>): Promise<void> {
  const auth = { Authorization: `Basic ${Buffer.from(`${d.username}:${d.password}`).toString('base64')}` };
  const get = async (p: string, accept?: string) => {
    const r = await fetch(`${d.registry}${p}`, { headers: { ...auth, ...(accept ? { Accept: accept } : {}) } });
    if (!r.ok) throw new Error(`registry ${p}: HTTP ${r.status}`);
    return Buffer.from(await r.arrayBuffer());
  };
  const { repositories } = JSON.parse((await get('/v2/_catalog')).toString()) as { repositories: string[] };
  for (const name of repositories ?? []) {
    const { tags } = JSON.parse((await get(`/v2/${name}/tags/list`)).toString()) as { tags: string[] | null };
    for (const tag of tags ?? []) {
      const manifest = await get(`/v2/${name}/manifests/${tag}`, 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json');
      const m = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: { digest: string }[] };
      const put = (key: string, data: Buffer) => {
        const old = files.get(key);
        if (old && old.data.equals(data)) return;
        files.set(key, { data, props: old?.props ?? {}, sha1: hash('sha1', data), md5: hash('md5', data), sha256: hash('sha256', data) });
      };
      put(`${d.repo}/${name}/${tag}/manifest.json`, manifest);
      for (const digest of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
        let b = blobs.get(digest);
        if (!b) { b = await get(`/v2/${name}/blobs/${digest}`); blobs.set(digest, b); }
        put(`${d.repo}/${name}/${tag}/${digest.replace(':', '__')}`, b);
      }
    }
  }
}

export async function startArtifactory(o: { user: string; password: string; token: string; repos: string[]; /** read-only repositories served from a directory (a Maven remote's cache) */ mirrors?: Record<string, string>; docker?: DockerBacking; xray?: XrayAnswer }): Promise<FakeArtifactory> {
  const blobs = new Map<string, Buffer>();
  const requests: Req[] = [];
  const files = new Map<string, Stored>();
  const builds: unknown[] = [];
  const promotions: FakeArtifactory['promotions'] = [];
  const npmPackages = new Map<string, { versions: Record<string, Record<string, unknown>>; tags: Record<string, string> }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { void handle(); });
    const handle = async () => {
      const body = Buffer.concat(chunks);
      const r: Req = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      const send = (status: number, json?: unknown, raw?: Buffer) => {
        res.writeHead(status, { 'Content-Type': json !== undefined ? 'application/json' : 'application/octet-stream', ...(status === 401 ? { 'WWW-Authenticate': 'Basic realm="Artifactory Realm"' } : {}) });
        res.end(json !== undefined ? JSON.stringify(json) : raw);
      };
      const error = (status: number, message: string) => send(status, { errors: [{ status, message }] });
      const auth = String(req.headers.authorization ?? '');
      const basic = `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`;
      if (auth !== basic && auth !== `Bearer ${o.token}`) return error(401, auth ? 'Bad credentials' : 'Authentication is required');
      const [rawPath, ...matrix] = r.path.replace(/^\/artifactory/, '').split('?')[0]!.split(';');
      const p = decodeURIComponent(rawPath!);
      if (o.docker) {
        try { await syncDocker(o.docker, files, blobs); } catch (e) { return error(500, `docker backing: ${(e as Error).message}`); }
      }
      if (r.method === 'POST' && p === '/api/xray/scanBuild' && o.xray) {
        const a = o.xray(JSON.parse(body.toString('utf8')) as { buildName: string; buildNumber: string; context: string });
        res.writeHead(a.status, { 'Content-Type': 'application/json' });
        res.write('\r\n');
        res.end(a.body);
        return;
      }
      if (r.method === 'POST' && p === '/api/search/aql') {
        const m = /^items\.find\((.*?)\)\.include\(([^)]*)\)(?:\.sort\((\{[^)]*\})\))?(?:\.offset\((\d+)\))?(?:\.limit\((\d+)\))?$/s.exec(body.toString('utf8').trim());
        if (!m) return error(400, 'Failed to parse query');
        let crit: Record<string, unknown>;
        try { crit = JSON.parse(m[1]!) as Record<string, unknown>; } catch { return error(400, 'Failed to parse query'); }
        const results = [];
        for (const [full, f] of files) {
          const [repo, ...rest] = full.split('/');
          const name = rest.pop()!;
          const item = { repo, path: rest.length ? rest.join('/') : '.', name, type: 'file', size: f.data.length, actual_sha1: f.sha1, actual_md5: f.md5, sha256: f.sha256 };
          try { if (matches(crit, item, f.props)) results.push(item); } catch (e) { return error(400, (e as Error).message); }
        }
        if (m[3]) {
          const sort = JSON.parse(m[3]) as Record<string, string[]>;
          const [dir, fields] = Object.entries(sort)[0]!;
          results.sort((x, y) => { for (const f of fields) { const c = String((x as Record<string, unknown>)[f]).localeCompare(String((y as Record<string, unknown>)[f])); if (c) return dir === '$desc' ? -c : c; } return 0; });
        }
        const page = results.slice(Number(m[4] ?? 0), m[5] ? Number(m[4] ?? 0) + Number(m[5]) : undefined);
        return send(200, { results: page, range: { start_pos: Number(m[4] ?? 0), end_pos: page.length, total: page.length } });
      }
      if (r.method === 'PUT' && p === '/api/build') {
        if (req.headers['content-type'] !== 'application/vnd.org.jfrog.artifactory+json') return error(415, 'Unsupported Media Type');
        builds.push(JSON.parse(body.toString('utf8')));
        res.writeHead(204); res.end(); return;
      }
      const pm = /^\/api\/build\/promote\/([^/]+)\/([^/]+)$/.exec(rawPath!);
      if (r.method === 'POST' && pm) {
        const name = decodeURIComponent(pm[1]!), number = decodeURIComponent(pm[2]!);
        if (!builds.some((b) => (b as { name: string }).name === name && (b as { number: string }).number === number)) return error(404, `Cannot find builds by the name '${name}' and the number '${number}'.`);
        promotions.push({ name, number, body: JSON.parse(body.toString('utf8')) });
        return send(200, { messages: [] });
      }
      const npm = /^\/api\/npm\/([^/]+)\/(.+)$/.exec(p);
      if (npm) {
        // npm's registry API on an npm repository: the packument, the tarball, a publish
        const [, nrepo, rest] = npm as unknown as [string, string, string];
        if (!o.repos.includes(nrepo)) return error(404, `Repository '${nrepo}' not found`);
        const tar = /^(.+)\/-\/([^/]+\.tgz)$/.exec(rest);
        if (r.method === 'GET' && tar) {
          const f = files.get(`${nrepo}/${tar[1]}/-/${tar[2]}`);
          return f ? send(200, undefined, f.data) : error(404, 'File not found.');
        }
        const pkgName = rest;
        if (r.method === 'PUT') {
          const doc = JSON.parse(body.toString('utf8')) as { versions: Record<string, Record<string, unknown>>; _attachments: Record<string, { data: string }>; 'dist-tags': Record<string, string> };
          for (const [file, att] of Object.entries(doc._attachments)) {
            const data = Buffer.from(att.data, 'base64');
            files.set(`${nrepo}/${pkgName}/-/${file.replace(/^@[^/]+\//, '')}`, { data, props: {}, sha1: hash('sha1', data), md5: hash('md5', data), sha256: hash('sha256', data) });
          }
          const old = npmPackages.get(`${nrepo}/${pkgName}`);
          npmPackages.set(`${nrepo}/${pkgName}`, { versions: { ...(old?.versions ?? {}), ...doc.versions }, tags: { ...(old?.tags ?? {}), ...doc['dist-tags'] } });
          return send(201, { ok: 'created new package' });
        }
        if (r.method === 'GET') {
          const pk = npmPackages.get(`${nrepo}/${pkgName}`);
          if (!pk) return error(404, 'Package not found');
          const base = `http://${req.headers.host}/artifactory/api/npm/${nrepo}/${pkgName}/-/`;
          const versions = Object.fromEntries(Object.entries(pk.versions).map(([v, m]) => {
            const file = `${pkgName.replace(/^@[^/]+\//, '')}-${v}.tgz`;
            return [v, { ...m, dist: { tarball: base + file, shasum: files.get(`${nrepo}/${pkgName}/-/${file}`)?.sha1 } }];
          }));
          return send(200, { name: pkgName, 'dist-tags': pk.tags, versions });
        }
        return error(405, 'Method Not Allowed');
      }
      const st = /^\/api\/storage\/([^/]+)\/(.+)$/.exec(p);
      if ((r.method === 'PUT' || r.method === 'DELETE') && st) {
        // properties: ?properties=k=v1,v2;k2=v3 (set) or ?properties=k,k2 (delete); '\' escapes , ; =
        const f = files.get(`${st[1]}/${st[2]}`);
        if (!f) return error(404, 'Unable to find item');
        const q = new URLSearchParams(r.path.split('?')[1] ?? '').get('properties') ?? '';
        const raw = (x: string, sep: string) => x.split(new RegExp(`(?<!\\\\)${sep}`));
        const unescape = (y: string) => y.replace(/\\(.)/g, '$1');
        if (r.method === 'PUT') {
          for (const kv of raw(q, ';')) {
            const i = kv.search(/(?<!\\)=/);
            f.props[unescape(kv.slice(0, i))] = raw(kv.slice(i + 1), ',').map(unescape);
          }
        }
        else for (const k of raw(q, ',')) delete f.props[unescape(k)];
        res.writeHead(204); res.end(); return;
      }
      if (r.method === 'GET' && st) {
        const f = files.get(`${st[1]}/${st[2]}`);
        if (!f) return error(404, 'Unable to find item');
        return send(200, { repo: st[1], path: `/${st[2]}`, size: String(f.data.length), checksums: { sha1: f.sha1, md5: f.md5, sha256: f.sha256 } });
      }
      const repo = p.split('/')[1] ?? '';
      const inRepo = p.split('/').slice(2).join('/');
      const mirror = o.mirrors?.[repo];
      if (mirror && (r.method === 'GET' || r.method === 'HEAD')) {
        const file = path.join(mirror, ...inRepo.split('/').filter((x) => x && x !== '..'));
        if (!existsSync(file) || !statSync(file).isFile()) return error(404, 'File not found.');
        return send(200, undefined, r.method === 'HEAD' ? Buffer.alloc(0) : readFileSync(file));
      }
      if (!o.repos.includes(repo)) return error(404, `Repository '${repo}' not found`);
      const key = `${repo}/${inRepo}`;
      if (r.method === 'GET') {
        const f = files.get(key);
        if (!f) return error(404, 'File not found.');
        return send(200, undefined, f.data);
      }
      if (r.method === 'PUT') {
        const props: Record<string, string[]> = {};
        for (const m of matrix) { const i = m.indexOf('='); props[decodeURIComponent(m.slice(0, i))] = m.slice(i + 1).split(',').map(decodeURIComponent); }
        let data: Buffer = body;
        if (req.headers['x-checksum-deploy'] === 'true') {
          const known = [...files.values()].find((f) => f.sha1 === req.headers['x-checksum-sha1']);
          if (!known) return error(404, `Checksum deploy failed. Couldn't find content with SHA1: ${req.headers['x-checksum-sha1']}`);
          data = known.data;
        } else if (req.headers['x-checksum-sha1'] && req.headers['x-checksum-sha1'] !== hash('sha1', body)) {
          return error(409, `Checksum policy 'client-checksums' rejected the artifact '${key}'. Checksums info: [client: ${req.headers['x-checksum-sha1']} actual: ${hash('sha1', body)}]`);
        }
        const f = { data, props, sha1: hash('sha1', data), md5: hash('md5', data), sha256: hash('sha256', data) };
        files.set(key, f);
        return send(201, { repo, path: `/${inRepo}`, downloadUri: `/${key}`, size: String(data.length), checksums: { sha1: f.sha1, md5: f.md5, sha256: f.sha256 } });
      }
      return error(405, 'Method Not Allowed');
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/artifactory`,
    requests, files, builds, promotions,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
