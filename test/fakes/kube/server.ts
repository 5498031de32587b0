// The HTTP(S) face of the fake: authentication (Bearer tokens; 401/403 Status objects),
// discovery, the REST paths of every resource (namespaced and cluster-wide, legacy /watch/
// paths), watches as newline-delimited JSON events, pods/log with follow, Tables for kubectl.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { randomUUID } from 'node:crypto';
import {
  ApiError, GROUP_VERSIONS, RESOURCES, apiVersionOf, errors, findResource, isPlainObject, qualified, resourceKey, verbsOf,
  type JsonObject, type KObject, type ResourceDef,
} from './objects.ts';
import { parseFieldSelector, parseLabelSelector, type Predicate } from './selectors.ts';
import { Cluster, asList, asObj } from './cluster.ts';
import type { Change } from './store.ts';
import type { ContainerStatus, LogBuffer, PodManager } from './pods.ts';
import { tableFor } from './tables.ts';
import { decodeProtobuf } from './protobuf.ts';
import { jsonPatch, mergePatch } from './patch.ts';
import { parseExec, refuseUpgrade, serveExec } from './exec.ts';
import { instantiate } from './openshift.ts';

export interface ForbidRule {
  /** Only for this user (default: everyone). */
  user?: string;
  verb?: string;
  /** 'pods', 'pods/log', 'deployments' ... */
  resource?: string;
  namespace?: string;
}

export interface ServerOptions {
  /** token → user name. */
  tokens: Map<string, string>;
  forbid: ForbidRule[];
  version: { major: string; minor: string; gitVersion: string };
  /** How a watch from a too old resourceVersion fails: an HTTP 410 (the watch cache) or a 200 with an ERROR event (etcd). */
  expiredAs: 'http' | 'event';
  bookmarkIntervalMs: number;
  /** Server key and certificate, and the CA whose client certificates authenticate (CN = user). */
  tls: { key: string; cert: string; ca: string } | null;
  /** Every answer waits this long first; Infinity: requests are never answered (a hung server). */
  delayMs: number;
  log?: (line: string) => void;
}

interface Route {
  def: ResourceDef;
  namespace: string | null;
  name: string | null;
  subresource: string | null;
  watchPath: boolean;
}

const VERB_BY_METHOD: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

export class FakeServer {
  readonly cluster: Cluster;
  readonly pods: PodManager;
  readonly o: ServerOptions;
  readonly server: http.Server;
  readonly #sockets = new Set<import('node:net').Socket>();
  readonly #streams = new Set<http.ServerResponse>();
  readonly #watches = new Set<http.ServerResponse>();
  url = '';
  readonly #groups = new Map<string, string[]>();
  /** Every request as `METHOD path?query` (tests can assert what a client asked). */
  readonly requests: string[] = [];

  constructor(cluster: Cluster, pods: PodManager, o: ServerOptions) {
    this.cluster = cluster;
    this.pods = pods;
    this.o = o;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.#handle(req, res);
    this.server = o.tls
      ? https.createServer({ key: o.tls.key, cert: o.tls.cert, ca: o.tls.ca, requestCert: true, rejectUnauthorized: false }, handler)
      : http.createServer(handler);
    this.server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.server.on('secureConnection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    this.url = `${this.o.tls ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${a.port}`;
    return this.url;
  }

  /** Ends every open watch (as an API server restart or a watch timeout would): clients watch again. */
  endWatches(): void {
    for (const r of [...this.#watches]) r.end();
  }

  async close(): Promise<void> {
    for (const r of this.#streams) r.end();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }

  // -------------------------------------------------------------------------------------------

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    res.setHeader('Audit-Id', randomUUID());
    res.setHeader('Cache-Control', 'no-cache, private');
    try {
      if (this.o.delayMs === Infinity) return; // hung: the socket stays open until the client gives up or close()
      if (this.o.delayMs > 0) await new Promise((r) => setTimeout(r, this.o.delayMs));
      const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      const user = this.#authenticate(req);
      await this.#route(req, res, url, method, body, user);
    } catch (e) {
      const err = e instanceof ApiError ? e : errors.internal((e as Error).message);
      if (!(e instanceof ApiError)) this.o.log?.(`fake kube: ${method} ${url.pathname}: ${(e as Error).stack}`);
      if (res.headersSent) {
        res.end();
        return;
      }
      this.#json(res, err.code, err.toStatus());
    }
  }

  /**
   * The user a request is made as: a known token's user, the CN of a client certificate signed by
   * the fake's CA, or system:anonymous without either. A wrong token or a foreign certificate: 401.
   */
  #authenticate(req: http.IncomingMessage): string {
    const h = req.headers.authorization;
    if (!h) {
      const sock = req.socket as TLSSocket;
      if (typeof sock.getPeerCertificate !== 'function') return 'system:anonymous';
      const peer = sock.getPeerCertificate();
      if (!peer || Object.keys(peer).length === 0) return 'system:anonymous';
      if (!sock.authorized) throw errors.unauthorized();
      const cn = peer.subject?.CN;
      const o = peer.subject?.O;
      const name = Array.isArray(cn) ? cn[0]! : cn ?? 'system:anonymous';
      this.#groups.set(name, Array.isArray(o) ? o : o ? [o] : []);
      return name;
    }
    const m = /^Bearer\s+(.+)$/i.exec(h);
    const user = m ? this.o.tokens.get(m[1]!.trim()) : undefined;
    if (!user) throw errors.unauthorized();
    return user;
  }

  #authorize(user: string, verb: string, route: Route | null, pathText: string): void {
    const anonymousOk = ['/version', '/healthz', '/livez', '/readyz'].includes(pathText) || pathText.startsWith('/version');
    if (user === 'system:anonymous' && !anonymousOk) {
      throw new ApiError(403, 'Forbidden', route
        ? `${qualified(route.def)}${route.name ? ` "${route.name}"` : ''} is forbidden: User "system:anonymous" cannot ${verb} resource "${route.def.resource}${route.subresource ? `/${route.subresource}` : ''}" in API group "${route.def.group}"${route.def.namespaced && route.namespace ? ` in the namespace "${route.namespace}"` : route.def.namespaced ? ' at the cluster scope' : ' at the cluster scope'}`
        : `forbidden: User "system:anonymous" cannot get path "${pathText}"`, route ? { name: route.name ?? '', group: route.def.group, kind: route.def.resource } : undefined);
    }
    if (!route) return;
    const res = `${route.def.resource}${route.subresource ? `/${route.subresource}` : ''}`;
    if (this.isForbidden(verb, res, route.namespace, user)) {
      throw new ApiError(403, 'Forbidden',
        `${qualified(route.def)}${route.name ? ` "${route.name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${res}" in API group "${route.def.group}"${route.def.namespaced && route.namespace ? ` in the namespace "${route.namespace}"` : ' at the cluster scope'}`,
        { name: route.name ?? '', group: route.def.group, kind: route.def.resource });
    }
  }

  isForbidden(verb: string, resource: string, namespace: string | null, user: string): boolean {
    return this.o.forbid.some((r) => (r.user === undefined || r.user === user)
      && (r.verb === undefined || r.verb === verb || r.verb === '*')
      && (r.resource === undefined || r.resource === resource || r.resource === '*')
      && (r.namespace === undefined || r.namespace === namespace));
  }

  #json(res: http.ServerResponse, code: number, body: unknown): void {
    const data = Buffer.from(JSON.stringify(body));
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': String(data.length) });
    res.end(data);
  }

  // -------------------------------------------------------------------------------------------

  async #route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, body: Buffer, user: string): Promise<void> {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const discovery = this.#discovery(p);
    if (discovery !== undefined) {
      this.#authorize(user, 'get', null, p);
      if (method !== 'GET') throw errors.methodNotAllowed();
      if (discovery === null) throw errors.pathNotFound();
      if (typeof discovery === 'string') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(discovery);
        return;
      }
      this.#json(res, 200, discovery);
      return;
    }
    const route = parseRoute(p);
    if (!route) throw errors.pathNotFound();
    const q = url.searchParams;
    const watch = route.watchPath || q.get('watch') === 'true' || q.get('watch') === '1';
    let verb: string;
    if (method === 'GET') verb = watch ? 'watch' : route.name ? 'get' : 'list';
    else if (method === 'DELETE') verb = route.name ? 'delete' : 'deletecollection';
    else if (VERB_BY_METHOD[method]) verb = VERB_BY_METHOD[method]!;
    else throw errors.methodNotAllowed();
    if (route.subresource === 'exec' || route.subresource === 'attach' || route.subresource === 'portforward') verb = method === 'GET' ? 'get' : 'create';
    this.#authorize(user, verb, route, p);
    const { def } = route;
    if (def.createOnly) {
      if (verb !== 'create') throw errors.methodNotAllowed();
      this.#json(res, 201, this.#review(def, parseBody(body, req), user));
      return;
    }
    if (route.subresource && !def.subresources.includes(route.subresource)) throw errors.pathNotFound();
    if (def.namespaced && route.namespace === null && route.name !== null) throw errors.pathNotFound();
    const dryRun = q.getAll('dryRun').includes('All');
    const warnings: string[] = [];
    const decoding = { fieldValidation: q.get('fieldValidation'), warnings };
    const warn = () => {
      if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(`unknown field "${w}"`)}`));
    };

    if (route.subresource === 'log') {
      if (verb !== 'get') throw errors.methodNotAllowed();
      await this.#podLog(req, res, route, q);
      return;
    }
    if (route.subresource === 'exec' || route.subresource === 'attach') {
      throw errors.badRequest(`Upgrade request required: ${route.subresource} is served over WebSocket (v5.channel.k8s.io or v4.channel.k8s.io)`);
    }
    if (route.subresource === 'scale') {
      this.#scale(req, res, route, verb, body, dryRun);
      return;
    }
    if (route.subresource === 'instantiate') {
      if (verb !== 'create') throw errors.methodNotAllowed();
      this.#json(res, 201, instantiate(this.cluster, def, route.namespace!, route.name!, parseBody(body, req)) as unknown as JsonObject);
      return;
    }
    const sub = route.subresource === 'status' ? 'status' : null;
    switch (verb) {
      case 'watch':
        this.#watch(req, res, route, q);
        return;
      case 'list': {
        const pred = this.#predicate(def, q);
        const items = this.cluster.list(def, route.namespace).filter(pred);
        this.#respondList(req, res, def, items, q);
        return;
      }
      case 'get': {
        const o = this.cluster.get(def, route.namespace, route.name!);
        this.#respondObject(req, res, def, 200, o, sub);
        return;
      }
      case 'create': {
        if (route.name && route.subresource === 'eviction') {
          this.#evict(route);
          this.#json(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
          return;
        }
        if (route.name && route.subresource === 'binding') throw errors.badRequest('pods are bound by the fake\'s scheduler');
        if (route.name) throw errors.methodNotAllowed();
        const o = this.cluster.create(def, route.namespace, parseBody(body, req), { dryRun, ...decoding });
        warn();
        this.#respondObject(req, res, def, 201, o, null);
        return;
      }
      case 'update': {
        const o = this.cluster.update(def, route.namespace, route.name!, parseBody(body, req), { dryRun, subresource: sub, ...decoding });
        warn();
        this.#respondObject(req, res, def, 200, o, sub);
        return;
      }
      case 'patch': {
        const { object, created } = this.cluster.patch(def, route.namespace, route.name!, req.headers['content-type'] ?? 'application/json', body.toString('utf8'), {
          dryRun, subresource: sub, fieldManager: q.get('fieldManager'), force: q.get('force') === 'true', ...decoding,
        });
        warn();
        this.#respondObject(req, res, def, created ? 201 : 200, object, sub);
        return;
      }
      case 'delete': {
        const opts = deleteOptions(body, q, req);
        const { object, deleted } = this.cluster.delete(def, route.namespace, route.name!, opts);
        this.#json(res, deleted ? 200 : 202, object);
        return;
      }
      case 'deletecollection': {
        const pred = this.#predicate(def, q);
        const opts = deleteOptions(body, q, req);
        const items: KObject[] = [];
        for (const o of this.cluster.list(def, route.namespace).filter(pred)) {
          try {
            items.push(this.cluster.delete(def, o.metadata.namespace ?? null, o.metadata.name!, opts).object);
          } catch { /* gone meanwhile */ }
        }
        this.#json(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.cluster.store.rv) }, items });
        return;
      }
      default: throw errors.methodNotAllowed();
    }
  }

  #predicate(def: ResourceDef, q: URLSearchParams): Predicate {
    const l = parseLabelSelector(q.get('labelSelector'));
    const f = parseFieldSelector(q.get('fieldSelector'), def.kind);
    return (o) => l(o) && f(o);
  }

  #wantsTable(req: http.IncomingMessage): boolean {
    const accept = req.headers.accept ?? '';
    return /as=Table/.test(accept.split(',')[0] ?? '');
  }

  #respondObject(req: http.IncomingMessage, res: http.ServerResponse, def: ResourceDef, code: number, o: KObject, sub: string | null): void {
    if (sub === null && this.#wantsTable(req) && req.method === 'GET') {
      this.#json(res, code, tableFor(def, [o], String(o.metadata.resourceVersion ?? this.cluster.store.rv), includeObject(req)));
      return;
    }
    this.#json(res, code, o);
  }

  #respondList(req: http.IncomingMessage, res: http.ServerResponse, def: ResourceDef, all: KObject[], q: URLSearchParams): void {
    const rv = String(this.cluster.store.rv);
    let items = all;
    const meta: JsonObject = { resourceVersion: rv };
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    let start = 0;
    if (cont) {
      try {
        start = (JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { start: number }).start;
      } catch {
        throw errors.badRequest('continue key is not valid: illegal base64 data');
      }
    }
    if (limit > 0 || start > 0) {
      items = all.slice(start, limit > 0 ? start + limit : undefined);
      if (limit > 0 && start + limit < all.length) {
        meta.continue = Buffer.from(JSON.stringify({ start: start + limit, rv })).toString('base64');
        meta.remainingItemCount = all.length - start - limit;
      }
    }
    if (this.#wantsTable(req)) {
      const t = tableFor(def, items, rv, includeObject(req));
      if (meta.continue) (t.metadata as JsonObject).continue = meta.continue;
      this.#json(res, 200, t);
      return;
    }
    this.#json(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta, items });
  }

  // -------------------------------------------------------------------------------------------
  // watch

  #watch(req: http.IncomingMessage, res: http.ServerResponse, route: Route, q: URLSearchParams): void {
    const { def } = route;
    const store = this.cluster.store;
    const pred = this.#predicate(def, q);
    const name = route.name;
    const matches = (o: KObject | null) => o !== null && pred(o) && (name === null || o.metadata.name === name);
    const table = this.#wantsTable(req);
    const incl = includeObject(req);
    const rvParam = q.get('resourceVersion');
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const ns = def.namespaced ? route.namespace : null;
    let backlog: Change[] = [];
    let initial: KObject[] = [];
    if (rvParam && rvParam !== '0' && !sendInitial) {
      const n = Number(rvParam);
      if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid resource version: ${rvParam}`);
      const since = store.since(resourceKey(def), ns, n);
      if (since === 'expired') {
        const err = errors.gone(`too old resource version: ${n} (${store.oldestRv + 1})`);
        if (this.o.expiredAs === 'http') throw err;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.end(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
        return;
      }
      backlog = since;
    } else {
      initial = this.cluster.list(def, ns).filter((o) => matches(o));
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    this.#streams.add(res);
    this.#watches.add(res);
    let lastRv = store.rv;
    const write = (type: string, o: KObject) => {
      // Ended by endWatches()/close() before its 'close' unsubscribed it: a write now would be an
      // unhandled ERR_STREAM_WRITE_AFTER_END (a test file failed on it once).
      if (res.writableEnded) return;
      const object = table && type !== 'BOOKMARK' ? tableFor(def, [o], String(o.metadata.resourceVersion), incl) : o;
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const send = (c: Change) => {
      const now = matches(c.object);
      const before = c.prev !== null && matches(c.prev);
      lastRv = c.rv;
      if (c.type === 'ADDED') { if (now) write('ADDED', c.object); }
      else if (c.type === 'DELETED') { if (before || now) write('DELETED', c.object); }
      else if (now && before) write('MODIFIED', c.object);
      else if (now) write('ADDED', c.object);
      else if (before) write('DELETED', c.object);
    };
    const bookmark = (extra: Record<string, string> = {}) => {
      if (res.writableEnded) return;
      const kindOnly: KObject = { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(lastRv), ...(Object.keys(extra).length ? { annotations: extra } : {}) } };
      res.write(JSON.stringify({ type: 'BOOKMARK', object: kindOnly }) + '\n');
    };
    for (const o of initial) write('ADDED', o);
    if (sendInitial) bookmark({ 'k8s.io/initial-events-end': 'true' });
    for (const c of backlog) send(c);
    const unsubscribe = store.subscribe({ key: resourceKey(def), namespace: ns, send });
    const timers: NodeJS.Timeout[] = [];
    const stop = () => {
      unsubscribe();
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      this.#streams.delete(res);
      this.#watches.delete(res);
      if (!res.writableEnded) res.end();
    };
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timers.push(setTimeout(stop, timeout * 1000));
    if (bookmarks && this.o.bookmarkIntervalMs > 0) timers.push(setInterval(() => bookmark(), this.o.bookmarkIntervalMs));
    req.on('close', stop);
    res.on('close', stop);
  }

  // -------------------------------------------------------------------------------------------
  // pods/exec (WebSocket)

  #upgrade(req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`UPGRADE ${url.pathname}${url.search}`);
    try {
      const user = this.#authenticate(req);
      const route = parseRoute(url.pathname.replace(/\/+$/, ''));
      if (!route || route.def.resource !== 'pods' || route.subresource !== 'exec' || !route.name || !route.namespace) throw errors.badRequest('only pods/exec can be upgraded on the fake API server');
      this.#authorize(user, 'create', route, url.pathname);
      const r = parseExec(url);
      const pod = this.cluster.get(route.def, route.namespace, route.name);
      const spec = asObj(pod.spec);
      const names = asList(spec.containers).map((c) => String(asObj(c).name));
      if (!r.containerGiven) {
        const dflt = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
        if (dflt && names.includes(dflt)) r.container = dflt;
        else if (names.length === 1) r.container = names[0]!;
        else throw errors.badRequest(`a container name must be specified for pod ${route.name}, choose one of: [${names.join(' ')}]`);
      }
      if (!names.includes(r.container) && !asList(spec.initContainers).some((c) => asObj(c).name === r.container)) throw errors.badRequest(`container ${r.container} is not valid for pod ${route.name}`);
      const phase = String(asObj(pod.status).phase);
      if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
      const h = this.pods.handles.get(pod.metadata.uid!);
      const runner = this.pods.runner;
      if (!h || !runner.exec) throw errors.badRequest('exec is not supported by this pod runner');
      serveExec(req, socket, head, r.command, () => runner.exec!(h, r));
    } catch (e) {
      refuseUpgrade(socket, e instanceof ApiError ? e : errors.internal((e as Error).message));
    }
  }

  // -------------------------------------------------------------------------------------------
  // pods/log

  async #podLog(req: http.IncomingMessage, res: http.ServerResponse, route: Route, q: URLSearchParams): Promise<void> {
    const pod = this.cluster.get(route.def, route.namespace, route.name!);
    const spec = asObj(pod.spec);
    const containers = asList(spec.containers).map((c) => String(asObj(c).name));
    const inits = asList(spec.initContainers).map((c) => String(asObj(c).name));
    let container = q.get('container');
    if (!container) {
      const dflt = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
      if (dflt && containers.includes(dflt)) container = dflt;
      else if (containers.length === 1) container = containers[0]!;
      else throw errors.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`);
    }
    if (!containers.includes(container) && !inits.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    if (!spec.nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const status = asObj(pod.status);
    const cs = [...asList(status.containerStatuses), ...asList(status.initContainerStatuses)].map((c) => c as ContainerStatus).find((c) => c.name === container);
    const handle = this.pods.handles.get(pod.metadata.uid!);
    const previous = q.get('previous') === 'true';
    const entry = handle?.logs.get(container);
    const buf: LogBuffer | null | undefined = previous ? entry?.previous : entry?.current;
    if (previous && !buf) throw errors.badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
    if (!buf) {
      const waiting = cs && 'waiting' in cs.state ? cs.state.waiting.reason : 'ContainerCreating';
      const why = waiting === 'ErrImagePull' ? 'trying and failing to pull image' : waiting === 'ImagePullBackOff' ? 'image can\'t be pulled' : waiting;
      throw errors.badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}`);
    }
    const follow = q.get('follow') === 'true' && !previous;
    const timestamps = q.get('timestamps') === 'true';
    const tail = q.has('tailLines') ? Number(q.get('tailLines')) : -1;
    let limit = q.has('limitBytes') ? Number(q.get('limitBytes')) : Infinity;
    const since = q.get('sinceTime') ? Date.parse(q.get('sinceTime')!) : q.get('sinceSeconds') ? Date.now() - Number(q.get('sinceSeconds')) * 1000 : 0;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let sent = tail >= 0 ? Math.max(0, buf.lines.length - tail) : 0;
    const flush = (): boolean => {
      if (res.writableEnded) return false; // ended by close() before its 'close' came
      while (sent < buf.lines.length) {
        const l = buf.lines[sent++]!;
        if (l.time.getTime() < since) continue;
        let data = timestamps ? Buffer.concat([Buffer.from(`${l.time.toISOString().replace(/Z$/, '000000Z')} `), l.data]) : l.data;
        if (data.length > limit) data = data.subarray(0, limit);
        limit -= data.length;
        res.write(data);
        if (limit <= 0) return false;
      }
      return true;
    };
    if (!flush() || !follow || buf.ended) {
      res.end();
      return;
    }
    this.#streams.add(res);
    await new Promise<void>((resolve) => {
      const off = buf.onChange(() => {
        if (!flush() || buf.ended) done();
      });
      const done = () => {
        off();
        this.#streams.delete(res);
        if (!res.writableEnded) res.end();
        resolve();
      };
      req.on('close', done);
      res.on('close', done);
    });
  }

  // -------------------------------------------------------------------------------------------

  /** The scale subresource (autoscaling/v1 Scale) of deployments and replicasets: `kubectl scale`. */
  #scale(req: http.IncomingMessage, res: http.ServerResponse, route: Route, verb: string, body: Buffer, dryRun: boolean): void {
    const { def } = route;
    const toScale = (o: KObject) => ({
      kind: 'Scale', apiVersion: 'autoscaling/v1',
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
      spec: { replicas: Number(asObj(o.spec).replicas ?? 1) },
      status: { replicas: Number(asObj(o.status).replicas ?? 0), selector: Object.entries(asObj(asObj(asObj(o.spec).selector).matchLabels)).map(([k, v]) => `${k}=${String(v)}`).join(',') },
    });
    const current = this.cluster.get(def, route.namespace, route.name!);
    if (verb === 'get') {
      this.#json(res, 200, toScale(current));
      return;
    }
    if (verb !== 'update' && verb !== 'patch') throw errors.methodNotAllowed();
    let wanted: unknown;
    if (verb === 'update') wanted = asObj(parseBody(body, req)).spec;
    else {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const text = body.toString('utf8');
      const scale = toScale(current);
      wanted = asObj(type === 'application/json-patch+json' ? jsonPatch(scale, JSON.parse(text)) : mergePatch(scale, JSON.parse(text))).spec;
    }
    const replicas = asObj(wanted).replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, route.name!, [{ field: 'spec.replicas', type: 'Invalid value', value: replicas, detail: 'must be greater than or equal to 0' }]);
    }
    const updated = this.cluster.patch(def, route.namespace, route.name!, 'application/merge-patch+json', JSON.stringify({ spec: { replicas } }), { dryRun });
    this.#json(res, 200, toScale(updated.object));
  }

  /** The Eviction API (kubectl drain): a graceful delete (there are no PodDisruptionBudgets to honour). */
  #evict(route: Route): void {
    this.cluster.delete(route.def, route.namespace, route.name!, {});
  }

  #review(def: ResourceDef, body: unknown, user: string): JsonObject {
    if (def.kind === 'SelfSubjectReview') {
      const groups = user === 'system:anonymous' ? ['system:unauthenticated'] : [...(this.#groups.get(user) ?? []), 'system:authenticated'];
      return { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { creationTimestamp: null }, status: { userInfo: { username: user, groups } } };
    }
    const spec = asObj(asObj(body).spec);
    const ra = asObj(spec.resourceAttributes);
    const resource = `${String(ra.resource ?? '')}${ra.subresource ? `/${String(ra.subresource)}` : ''}`;
    const allowed = user !== 'system:anonymous' && !this.isForbidden(String(ra.verb ?? ''), resource, typeof ra.namespace === 'string' && ra.namespace ? ra.namespace : null, user);
    return {
      kind: def.kind, apiVersion: apiVersionOf(def), metadata: { creationTimestamp: null },
      spec: JSON.parse(JSON.stringify(spec)) as JsonObject,
      status: allowed ? { allowed: true, reason: 'allowed by the fake API server' } : { allowed: false, ...(user !== 'system:anonymous' ? {} : { reason: 'anonymous' }) },
    };
  }

  // -------------------------------------------------------------------------------------------
  // discovery: undefined = not a discovery path, null = 404

  #discovery(p: string): JsonObject | string | null | undefined {
    const host = this.url.replace(/^https?:\/\//, '');
    switch (p) {
      case '/version': return { ...this.o.version, gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64' };
      case '/healthz': case '/livez': case '/readyz': return 'ok';
      case '/api': return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
      case '/apis': return {
        kind: 'APIGroupList', apiVersion: 'v1',
        groups: GROUP_VERSIONS.map((g) => groupDoc(g.group, g.version)),
      };
      case '/api/v1': return resourceList('', 'v1');
      case '/openapi/v3': return {
        paths: Object.fromEntries(['api/v1', ...GROUP_VERSIONS.map((g) => `apis/${g.group}/${g.version}`)]
          .map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${Buffer.from(gv).toString('hex').slice(0, 16)}` }])),
      };
      case '/openapi/v2': case '/swagger.json': case '/swagger-2.0.0.pb-v1': return null;
      default: break;
    }
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
    if (m) {
      const g = GROUP_VERSIONS.find((x) => x.group === m[1]);
      if (!g) return null;
      if (!m[2]) return { ...groupDoc(g.group, g.version), kind: 'APIGroup', apiVersion: 'v1' };
      if (m[2] !== g.version) return null;
      return resourceList(g.group, g.version);
    }
    const v3 = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(p);
    if (v3) return openApiV3(v3[2] ?? '', v3[1] ?? v3[3]!);
    if (p.startsWith('/openapi/')) return null;
    return undefined;
  }
}

/**
 * A minimal OpenAPI v3 document of one group/version: for each kind, the PATCH operation with its
 * x-kubernetes-group-version-kind and the fieldValidation parameter. kubectl reads it to learn
 * that the server validates fields (so it skips client-side schema validation, which would need
 * the full schemas); without a strategic-merge requestBody it computes apply patches from its own
 * compiled-in types.
 */
function openApiV3(group: string, version: string): JsonObject | null {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (defs.length === 0) return null;
  const paths: JsonObject = {};
  const params = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));
  for (const d of defs) {
    const base = `/${group ? `apis/${group}` : 'api'}/${version}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.resource}`;
    const gvk = { group, version, kind: d.kind };
    const op = (verb: string) => ({ operationId: `${verb}${d.kind}`, 'x-kubernetes-action': verb, 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: { '200': { description: 'OK' } } });
    paths[base] = { post: op('post'), get: op('list') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (kiln fake)', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}

function groupDoc(group: string, version: string): JsonObject {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

function resourceList(group: string, version: string): JsonObject {
  const resources: JsonObject[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    resources.push({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r),
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.resource === 'pods' || r.resource === 'deployments' ? { categories: ['all'] } : {}),
      storageVersionHash: Buffer.from(r.resource).toString('base64').slice(0, 11),
    });
    for (const s of r.subresources) {
      const verbs = s === 'log' ? ['get'] : s === 'exec' ? ['create', 'get'] : s === 'binding' || s === 'eviction' ? ['create'] : ['get', 'patch', 'update'];
      const kind = s === 'log' || s === 'exec' ? 'PodExecOptions' : s === 'binding' ? 'Binding' : s === 'eviction' ? 'Eviction' : s === 'scale' ? 'Scale' : r.kind;
      resources.push({ name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced, kind: s === 'log' ? 'Pod' : kind, verbs, ...(s === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}) });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function parseRoute(p: string): Route | null {
  const parts = p.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '', version: string, rest: string[];
  if (parts[0] === 'api' && parts[1]) {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return null;
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | null = null;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const maybe = findResource(group, version, rest[2]!);
    if (maybe?.namespaced) {
      namespace = rest[1]!;
      rest = rest.slice(2);
    }
  }
  if (!rest[0]) return null;
  const def = findResource(group, version, rest[0]);
  if (!def) return null;
  if (rest.length > 3) return null;
  return { def, namespace, name: rest[1] ?? null, subresource: rest[2] ?? null, watchPath };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > 3 * 1024 * 1024) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(body: Buffer, req: http.IncomingMessage): unknown {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(body);
  if (type !== 'application/json' && type !== '*/*' && type !== '') throw errors.unsupportedMediaType(type);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`the body of the request was not valid JSON: ${(e as Error).message}`);
  }
}

function deleteOptions(body: Buffer, q: URLSearchParams, req: http.IncomingMessage): Parameters<Cluster['delete']>[3] {
  let b: Record<string, unknown> = {};
  if (body.length > 0 && body.toString('utf8').trim()) {
    let parsed: unknown;
    try {
      parsed = parseBody(body, req);
    } catch {
      throw errors.badRequest('the body of a DELETE must be DeleteOptions');
    }
    if (isPlainObject(parsed)) b = parsed;
  }
  const g = q.get('gracePeriodSeconds') ?? (typeof b.gracePeriodSeconds === 'number' ? String(b.gracePeriodSeconds) : null);
  const pre = asObj(b.preconditions);
  return {
    gracePeriodSeconds: g === null ? null : Number(g),
    preconditions: { ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}), ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}) },
    dryRun: q.getAll('dryRun').includes('All') || (Array.isArray(b.dryRun) && b.dryRun.includes('All')),
    propagationPolicy: q.get('propagationPolicy') ?? (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : null),
  };
}

function includeObject(req: http.IncomingMessage): 'None' | 'Metadata' | 'Object' {
  const m = /includeObject=(None|Metadata|Object)/.exec(req.url ?? '');
  return (m?.[1] as 'None' | 'Metadata' | 'Object' | undefined) ?? 'Metadata';
}

