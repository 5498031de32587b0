// The controller, put together from one plugin list (src/plugins/index.ts, or the `plugins` a
// test gives): home directory and secrets, the store, the log store, the agent hub (WebSocket
// /agent), the wait list, the provisioner router (plugins/router.ts: the agents' executors as the
// host's own nodes, the plugins' provisioners for their agent types, with this controller's
// clouds, wait list and agents as their ProvisionerHost), the agent launchers, the build manager,
// and the HTTP API, on one port. `startController` resolves once it listens; `close` stops it in
// order. The parts live in their own modules; this one wires them.
//
// Agents: an agent is defined in the store (POST /api/v1/agents) with its labels and
// executors; it connects with the secret derived from its name. While connected it is a node
// of the scheduler, with the record's labels and executors: what the agent announces in its
// hello (labels, executors) is ignored and, when it differs, logged. Each `agent` directive of a running pipeline asks the wait list for an
// executor whose node's labels match; the build then runs that part on the agent through its
// RemoteBackend. The controller's own node ('built-in') has 0 executors unless configured.
// Whatever a build waits for (its quiet period, its job's running build, an executor, a pod
// slot) is an entry of the one wait list (waitlist.ts): GET /api/v1/queue lists it, cancelling
// it aborts the build the way POST .../abort does, and the store's queue_items keeps it.
//
// SSH agents (launcher { type: 'ssh' }): the controller launches them itself (the ssh plugin's
// launcher type, by the record's launcher type) when it starts and when one is created, with the agent's SSH key credential (global
// scope), and relaunches them with backoff after a drop; their launch log is at
// GET /api/v1/agents/:name/log. Trust-on-first-connect host keys are pinned in the record.
// PUT /api/v1/agents/:name changes labels and executors in place; a changed launcher or work
// directory ends the running agent and launches it again (refused while it runs builds).
//
// Credentials (credentials.ts): encrypted in the store with <home>/secrets/credentials.key,
// made on first start; a key file that exists but is unusable stops the start.
//
// The host (home.ts): the home is made 0700 and secrets/ 0700 with 0600 files before anything
// else (looser modes are tightened, with a warning). Builds on the controller's executors run
// as the controller's user with an allow-listed environment (exec/host-env.ts: never
// KILN_ADMIN_TOKEN and friends), but could still read the home: with executors > 0 the start
// log says so loudly, and admins see it on the agents page (GET /api/v1/agents `builtIn`).
//
// Disks (health.ts): the start writes, syncs and removes a file in the home and in its builds
// folder first; a home that cannot take writes (full, read-only, not permitted) stops the start
// with the reason, before anything listens. Whatever fails later in the start closes what was
// opened (the port included) and rejects, so `kiln controller` exits with the reason instead of
// answering 500 forever. Once started, a disk or store that fails degrades GET /api/v1/health
// (the log store and the build manager report to it) until its probe passes again.
//
// The log (util/log.ts): one pino logger; Fastify's is a child of it (a line per request,
// http-log.ts), the build manager's lines carry { job, build }, the hub's and the agent
// events' { agent }, the provisioners' and launchers' { provisioner: <plugin> } (pods and sweeps
// add { cloud }). The parts that take a line
// callback get `lineLog(logger)`.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ControllerConfig } from './config.ts';
import { openStore } from '../store/index.ts';
import { checkWritable, controllerExecutorsWarning, controllerKey, secureHome } from './home.ts';
import { StoreError, type AgentLauncher, type Store } from '../store/types.ts';
import { LogStore, ioErrorText } from './logstore.ts';
import { Health, writeProbe } from './health.ts';
import { AgentHub } from './agents/hub.ts';
import { BUILT_IN_NODE } from './scheduler.ts';
import { WaitList } from './waitlist.ts';
import { resumeBuilds } from './resume.ts';
import { BuildManager } from './builds.ts';
import { BuildFiles } from './files.ts';
import { buildHttp, type AgentInfo, type AgentsView, type QueueView } from './http.ts';
import type { AgentRequest, AllocatedNode, BuildRef, Backend } from '../core/nodes.ts';
import { LocalBackend } from '../exec/local-workspace.ts';
import { StepFailure, interruptionOf } from '../core/errors.ts';
import { ControllerMetrics } from './metrics.ts';
import { TriggerScheduler, syncOnJobRoutes } from './triggers.ts';
import { registerWebhooks, webhookCaller, webhookSecretOf } from './webhooks.ts';
import { githubPullOf, githubStatusOf } from './github-pr-api.ts';
import { openCredentials, type CredentialService } from './credentials.ts';
import { registerCredentialRoutes } from './credentials-http.ts';
import { MailService } from './mail.ts';
import { registerMailRoutes } from './mail-http.ts';
import { registerFingerprintRoutes } from './fingerprints.ts';
import { GlobalEnv, registerGlobalEnvRoutes } from './global-env.ts';
import { HttpServicesService } from './http-services.ts';
import { registerHttpServicesRoutes } from './http-services-http.ts';
import { ThrottleCategories, registerThrottleRoutes } from './throttle.ts';
import { registerBuildToolRoutes } from './buildtools.ts';
import { registerGitParameterRoutes } from './git-parameter.ts';
import { registerActiveChoicesRoutes } from './active-choices.ts';
import { registerLockableResourceRoutes } from './lockable-resources.ts';
import { SshPublishers, registerSshPublisherRoutes } from './ssh-publishers.ts';
import { registerAgentInstallRoutes } from './agent-install.ts';
import { ChangesService, registerChangesRoutes } from './changes.ts';
import { AuthService } from './auth/service.ts';
import { FolderAccess } from './auth/folders.ts';
import { SECURITY_HEADERS } from './auth/http.ts';
import { EventBus } from './events.ts';
import { registerWeb } from './web.ts';
import { registerCloudRoutes } from './clouds.ts';
import { ControllerLibraries, lintRetrieverAccess, loadLibraries, registerLibraryRoutes } from './libraries.ts';
import { libraryRequests } from '../pipeline/load.ts';
import { LabelExpressionError, matches, tryParseLabelExpression } from './labels.ts';
import { executorForResume } from './resume-node.ts';
import type { CloudRef, CloudType, HostNodes } from '../core/plugin.ts';
import { StepRegistry } from '../pipeline/steps/registry.ts';
import type { PipelinePlugin } from '../pipeline/plugin.ts';
import { builtins } from '../plugins/index.ts';
import { ProvisionerRouter, openLaunchers } from '../plugins/router.ts';
import { callbackLogger, lineLog, silentLogger, type LogRecord, type Logger } from '../util/log.ts';

export interface ControllerHandle {
  /** The URL it listens on (with the real port when 0 was asked for). */
  url: string;
  store: Store;
  builds: BuildManager;
  hub: AgentHub;
  /** cron / parameterizedCron / pollSCM timers (triggers.ts). */
  triggers: TriggerScheduler;
  credentials: CredentialService;
  /** Shared libraries: their configuration and each build's resolver (libraries.ts). */
  libraries: ControllerLibraries;
  /**
   * An error no part of the controller owned (`kiln controller`'s last-resort unhandledRejection
   * handler): logged with its stack, and the health stays degraded until a restart, since
   * whatever it left undone (a build's result, a file) is unknown.
   */
  escaped(err: unknown): void;
  close(): Promise<void>;
}

/** Whether a node with these labels (and name) satisfies a label expression. */
function labelMatches(label: string, labels: readonly string[], name: string): boolean {
  const parsed = tryParseLabelExpression(label);
  return parsed.expr !== null && matches(parsed.expr, new Set([...labels, name]));
}

/**
 * Starts a controller. It logs to `logger` (util/log.ts; `kiln controller` gives one on
 * stderr), or hands each line's message to `log` (tests), or logs nothing. Its steps, agent
 * types, provisioners, cloud types and agent launchers come from `plugins` (default: Kiln's
 * own list, src/plugins/index.ts); a list in which two plugins claim one name is refused.
 */
export async function startController(cfg: ControllerConfig, o: { logger?: Logger; log?: (line: string, record: LogRecord) => void; plugins?: readonly PipelinePlugin[] } = {}): Promise<ControllerHandle> {
  const logger = o.logger ?? (o.log ? callbackLogger(o.log) : silentLogger());
  const plugins = o.plugins ?? builtins;
  // What Jenkinsfiles may use (steps, globals, agent types) and who provisions which agent type:
  // a list in which two plugins claim one name is refused before anything is opened.
  const registry = new StepRegistry(plugins);
  await ProvisionerRouter.check(plugins);
  const log = lineLog(logger);
  const t0 = performance.now();
  await checkWritable(cfg.home);
  await secureHome(cfg.home, log);
  const executorsWarning = controllerExecutorsWarning(cfg.executors, cfg.home);
  const key = await controllerKey(cfg.home);
  const store = await openStore({ home: cfg.home, ...(cfg.databaseUrl ? { url: cfg.databaseUrl } : {}) });
  const auth = new AuthService({ store, home: cfg.home, adminToken: cfg.adminToken, log });
  await auth.init().catch(async (err: unknown) => { await store.close(); throw err; });
  // Folder permissions (auth/folders.ts): the job routes check them, and a build binds a
  // guarded folder's credential only with its job's configurer's right.
  const folders = new FolderAccess({ store, adminTokenConfigured: cfg.adminToken !== null });
  const credentials = await openCredentials({
    home: cfg.home, store, log, audit: (e) => void auth.audit({ ...e, address: '' }),
    authorize: (id, folder, job) => folders.bindProblem(id, folder, job),
  }).catch(async (err: unknown) => { await store.close(); throw err; });
  // E-mail (mail.ts): the SMTP settings in the store, AUTH from a global credential.
  const mail = new MailService({ store, credential: (id) => credentials.resolveForMail(id), audit: (e) => auth.audit(e) });
  const globalEnv = new GlobalEnv({ store, audit: (e) => auth.audit(e) });
  const sshPublishers = new SshPublishers({ store, audit: (e) => auth.audit(e) });
  // Slack, GitHub, GitLab, SonarQube, httpRequest's reach (http-services.ts): settings in the store.
  const httpServices = new HttpServicesService({ store, audit: (e) => auth.audit(e) });
  // The throttle step's categories (throttle.ts): settings in the store, slots in memory.
  const throttle = new ThrottleCategories({ store, audit: (e) => auth.audit(e) });
  // Webhooks' secret: the configured one, or <home>/secrets/webhook.secret made now (webhooks.ts).
  const hookSecret = await webhookSecretOf(cfg.home, cfg.webhookSecret).catch(async (err: unknown) => { await store.close(); throw err; });

  // Live changes for GET /api/v1/events (events.ts).
  const events = new EventBus();
  const health = new Health({ log, onChange: () => events.publish({ type: 'health', data: {} }) });
  health.start();
  // A console that cannot be written fails its build (builds.ts); the controller's disk problem is this one.
  const logs = new LogStore(cfg.home, {
    onWriteError: (_build, err) => health.report({
      id: `disk:logs:${err.code}`, component: 'disk',
      message: `build consoles cannot be written: ${ioErrorText(err.cause)}; builds fail until it is fixed`,
      detail: err.message,
      probe: writeProbe(path.dirname(err.file)),
    }),
  });
  const files = new BuildFiles(cfg.home);
  // The one wait list (waitlist.ts): quiet periods, disableConcurrentBuilds, executors (its
  // scheduler's nodes are the agents) and the pod slots of capped clouds, Docker and Kubernetes
  // alike; kept in the store's queue_items. Cancelling an entry aborts its build as POST .../abort does.
  const waits: WaitList = new WaitList({
    builtInExecutors: cfg.executors,
    onDispatchError: (err, item) => logger.error({ err, job: item.job, build: item.build }, `dispatching queue item ${item.id} (${item.job}) failed`),
    store: store.queue,
    cancel: async (e): Promise<boolean> => (await builds.cancelWaiting(e.buildId)) || builds.abort(e.buildId),
    onChange: () => events.publish({ type: 'queue', data: {} }),
    onStoreError: (err, retry) => {
      if (!retry) { log(`queue: an entry the store refuses was not saved: ${(err as Error).message}`); return; }
      health.report({
        id: 'store:queue', component: 'store',
        message: 'the store refuses to save the build queue; Kiln retries until it can',
        detail: err instanceof Error ? err.message : String(err),
        probe: retry,
      });
    },
  });
  const scheduler = waits.executors;
  const builtIn: Backend | null = cfg.executors > 0 ? new LocalBackend({ root: path.join(cfg.home, 'workspace'), nodeName: BUILT_IN_NODE, labels: [BUILT_IN_NODE] }) : null;

  const podAgents = new Set<string>();
  // Until the builds a previous process left are resumed and the provisioners have looked at what
  // it left (pods of those builds are kept, their agents allowed: durable builds), an agent this
  // controller does not know yet waits for that instead of a refusal it would not retry.
  let startedUp!: () => void;
  const startingUp = new Promise<void>((r) => { startedUp = r; });
  /** Upgrades waiting for their pod's agent to be allowed (its pod adopted or kept), by agent name. */
  const allowWaits = new Map<string, Set<() => void>>();
  /** What each node's executors run now (agents' `running`). */
  const running = new Map<string, { job: string; number: number; executor: number; since: number }[]>();
  const hub = new AgentHub({
    key,
    graceMs: cfg.agentGraceSeconds * 1000,
    // Agents defined in the store, and the agents of pods this controller made (while they exist).
    authorize: async (name) => {
      if (podAgents.has(name) || (await store.agents.get(name)) !== null) return true;
      let t: NodeJS.Timeout | undefined;
      let allowed!: () => void;
      const waits = allowWaits.get(name) ?? new Set();
      allowWaits.set(name, waits);
      await Promise.race([startingUp, new Promise((r) => { t = setTimeout(r, 60_000); }), new Promise<void>((r) => { waits.add(allowed = r); })]).finally(() => {
        clearTimeout(t);
        waits.delete(allowed);
        if (waits.size === 0 && allowWaits.get(name) === waits) allowWaits.delete(name);
      });
      return podAgents.has(name);
    },
    podAgent: (name) => podAgents.has(name),
    log: (line, fields) => log(`agents: ${line}`, fields),
    responseHeaders: SECURITY_HEADERS,
    // NODE_LABELS in builds: the configured labels (a pod's agent has none configured: its own).
    configuredLabels: (name) => (podAgents.has(name) ? null : scheduler.nodes().find((n) => n.name === name)?.labels ?? null),
    // Durable script steps on agents: which is whose, for a hand-back after a restart
    // (KILN_DURABLE_EXECS=0 turns durable execs off: for measuring what they cost).
    ...(process.env['KILN_DURABLE_EXECS'] === '0' ? {} : { execs: store.agentExecs }),
  });
  // The agent's record is the truth about it: its labels and executors are what the scheduler
  // uses. What an agent's hello announces (its --labels / --executors, or anything a modified
  // agent claims) never widens that; a difference is logged once per session, so an operator
  // sees an agent started with stale flags or one that tries to take other builds.
  const syncNode = async (name: string, online: boolean) => {
    const rec = await store.agents.get(name);
    if (!rec) return;
    const claimed = hub.agent(name);
    if (claimed) {
      const extra = claimed.labels.filter((l) => !rec.labels.includes(l));
      if (extra.length > 0 || claimed.executors !== rec.executors) {
        log(`agent ${name} announced ${extra.length > 0 ? `labels ${extra.join(', ')} it is not configured with` : ''}${extra.length > 0 && claimed.executors !== rec.executors ? ' and ' : ''}${claimed.executors !== rec.executors ? `${claimed.executors} executor(s)` : ''}; ignored: it has the labels and executors of its configuration (labels ${rec.labels.join(', ') || '(none)'}, ${rec.executors} executor(s); change them with PUT /api/v1/agents/${name})`, { level: 'warn', agent: name });
      }
    }
    if (!scheduler.nodes().some((n) => n.name === name)) scheduler.addNode({ name, labels: rec.labels, executors: rec.executors, online });
    else {
      scheduler.setLabels(name, rec.labels);
      scheduler.setOnline(name, online);
    }
  };
  const agentChanged = (name: string, online: boolean) => events.publish({ type: 'agent', data: { name, online } });
  // Pod agents are no scheduler nodes: their pod's build holds them.
  const setOnline = (name: string, online: boolean) => { if (!podAgents.has(name) && scheduler.nodes().some((n) => n.name === name)) scheduler.setOnline(name, online); };
  hub.on('online', (a) => {
    log(`agent ${a.name} is online (${a.hostname}, ${a.os})`, { agent: a.name, address: a.address, version: a.kilnVersion });
    void syncNode(a.name, true).catch((e: unknown) => log(`agent ${a.name}: reading its record to schedule on it failed: ${(e as Error).message}`, { level: 'error', agent: a.name }));
    agentChanged(a.name, true);
  });
  hub.on('reconnected', (a) => { log(`agent ${a.name} reconnected`, { agent: a.name, address: a.address }); setOnline(a.name, true); agentChanged(a.name, true); });
  hub.on('disconnected', (a) => { log(`agent ${a.name} disconnected; waiting ${cfg.agentGraceSeconds} s for it to come back`, { agent: a.name }); setOnline(a.name, false); agentChanged(a.name, false); });
  hub.on('offline', (a, reason) => { log(`agent ${a.name} is offline: ${reason}`, { agent: a.name, reason }); setOnline(a.name, false); agentChanged(a.name, false); });
  for (const a of await store.agents.list()) scheduler.addNode({ name: a.name, labels: a.labels, executors: a.executors, online: false });

  // Agents the controller starts itself (the SSH plugin's launcher type `ssh`), by their
  // record's launcher type: launched at start and when one is created, relaunched after a drop.
  const launchers = await openLaunchers(plugins, {
    agent: async (name) => {
      const rec = await store.agents.get(name);
      return rec ? { launcher: rec.launcher, labels: rec.labels, executors: rec.executors, workdir: rec.workdir ?? null } : null;
    },
    credential: (id, agent) => credentials.resolveForAgent(id, agent),
    updateLauncher: async (name, fields) => {
      const cur = await store.agents.get(name);
      if (cur) await store.agents.update(name, { launcher: { ...cur.launcher, ...fields } as AgentLauncher });
    },
    attach: (name, input, output, address) => { hub.attachStream(name, input, output, address); },
    log: (plugin) => lineLog(logger.child({ provisioner: plugin })),
  }).catch(async (err: unknown) => { await store.close(); throw err; });
  const launcherOf = (rec: { launcher: AgentLauncher }) => launchers.get(rec.launcher.type) ?? null;

  const controllerId = createHash('sha256').update(key).update('controller-id').digest('hex').slice(0, 16);

  // The controller's own nodes: an executor of an agent (or of the built-in node) whose labels
  // match, waited for in the wait list. A label no node has may be a pod template's: the router
  // asks the provisioners first (hasLabel).
  const agentNodes: HostNodes = {
    hasLabel: (label) => scheduler.nodes().some((n) => labelMatches(label, n.labels, n.name)),
    async allocate(req: AgentRequest, build: BuildRef, signal: AbortSignal, say: (line: string) => void): Promise<AllocatedNode> {
      const label = req.label && req.label.trim() !== '' ? req.label : null;
      // A resumed block gets the node it ran on (resume-node.ts), at most the agent grace period.
      const { node, executor } = await executorForResume({
        resumeOn: req.resumeOn, label, nodes: () => scheduler.nodes(), graceMs: cfg.agentGraceSeconds * 1000, signal,
        wait: (l, sig) => waits.executor(build, l, sig, (why) => say(`Waiting for an executor: ${why}`), req.nodeClaim ?? null),
      }).catch((err: unknown) => {
        if (err instanceof LabelExpressionError) throw new StepFailure(`agent { label '${req.label ?? ''}' }: ${err.message}`, { loc: req.loc });
        throw err;
      });
      const job = { job: build.job, number: build.number, executor, since: Date.now() };
      running.set(node, [...(running.get(node) ?? []), job]);
      let released = false;
      const free = () => {
        if (!released) {
          released = true;
          running.set(node, (running.get(node) ?? []).filter((r) => r !== job));
          scheduler.release(node, executor);
        }
      };
      try {
        const backend = node === BUILT_IN_NODE && builtIn ? builtIn : hub.backend(node);
        const ws = await backend.allocate({ build, ...(req.customWorkspace ? { path: req.customWorkspace } : {}), ...(label ? { label } : {}) });
        return { workspace: ws, release: async () => { try { await ws.release(); } finally { free(); } } };
      } catch (err) {
        free();
        throw err;
      }
    },
  };

  // Every other agent (docker, dockerfile, kubernetes, a test plugin's own) and the pod templates'
  // labels: the plugins' provisioners, picked by the router (plugins/router.ts) by agent type.
  const clouds = async <S>(type: CloudType<S>): Promise<CloudRef<S>[]> => {
    const out: CloudRef<S>[] = [];
    for (const c of await store.clouds.list()) {
      if (c.type !== type.name) continue;
      const checked = type.check(c.name, c.settings);
      if ('error' in checked) log(`cloud '${c.name}' has unusable settings: ${checked.error}`, { level: 'warn', provisioner: type.name, cloud: c.name });
      else out.push({ name: c.name, settings: checked.settings });
    }
    return out;
  };
  const nodes: ProvisionerRouter = await ProvisionerRouter.compose(plugins, agentNodes, {
    kind: 'controller',
    labels: { 'kiln.controller': controllerId },
    dataDir: cfg.home,
    credential: async (build, id) => {
      const job = await store.jobs.get(build.job);
      if (!job) throw new Error(`no job '${build.job}'`);
      return credentials.resolve(id, { id: job.id, name: job.name, replayedBy: builds.live.get(build.id)?.replayedBy ?? null }, build.number);
    },
    log: (plugin) => lineLog(logger.child({ provisioner: plugin })),
    controller: {
      id: controllerId,
      clouds,
      cloudCredential: (id, cloud) => credentials.resolveForCloud(id, cloud),
      slots: waits,
      agentUrl: () => agentUrl,
      buildUrl: (b) => builds.buildUrl(b.job, b.number),
      buildRunning: (id) => builds.live.get(id)?.done ?? null,
      agents: {
        secret: (name) => hub.secret(name),
        isOnline: (name) => hub.isOnline(name),
        online: (name, signal) => new Promise<void>((resolve, reject) => {
          if (hub.isOnline(name)) return resolve();
          const on = (a: { name: string }) => { if (a.name === name) { done(); resolve(); } };
          const onAbort = () => { done(); reject(interruptionOf(signal)); };
          const done = () => { hub.off('online', on); signal.removeEventListener('abort', onAbort); };
          hub.on('online', on);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
        backend: (name) => hub.backend(name),
        endSession: (name, reason) => { hub.endSession(name, reason); },
        allow: (name) => {
          podAgents.add(name);
          for (const w of allowWaits.get(name) ?? []) w();
        },
        forget: (name) => { podAgents.delete(name); },
      },
    },
  });

  // With --port 0 the URLs are known only once listening; everything reads them through these.
  let publicUrl = cfg.publicUrl;
  let agentUrl = cfg.agentUrl;
  // --- triggers (triggers.ts): timers re-read a job when a build caches its triggers.
  const libraries = new ControllerLibraries({
    store, credentials, home: cfg.home, allowLocalRetrievers: cfg.libraryRetrieverLocal ?? false,
    pruning: { keep: cfg.libraryCacheKeep ?? 5, maxAgeDays: cfg.libraryCacheMaxAgeDays ?? null },
  });
  const builds: BuildManager = new BuildManager({ store, files, logs, nodes, logger, registry, waits, publicUrl: () => publicUrl, credentials, libraries, health, mail, globalEnv: () => globalEnv.variables(), httpServices: httpServices.forBuilds(), throttle: throttle.forBuilds(), sshServers: sshPublishers, mayTrigger: (up, down, replayedBy) => folders.triggerProblem(up, down, replayedBy), events: {
    jobSettingsChanged: (job) => void triggers.sync(job.id).catch((e: unknown) => log(`triggers: re-reading job '${job.name}' failed: ${(e as Error).message}`)),
    // b.state is a masked copy: made only when someone listens.
    buildChanged: (b) => {
      if (events.subscribers === 0) return;
      const st = b.state;
      events.publish({ type: 'build', data: { job: b.job.name, number: b.number, status: st?.status ?? 'queued', result: st?.result ?? null } });
    },
    buildFinished: (_b, result, durationMs) => metrics.buildFinished(result, durationMs),
  } });
  const metrics = new ControllerMetrics({
    queueLength: () => waits.size,
    executors: () => {
      const s = scheduler.stats();
      return { busy: s.busyExecutors, idle: s.idleExecutors };
    },
    agents: async () => {
      const all = await store.agents.list();
      return { online: all.filter((a) => hub.isOnline(a.name)).length, total: all.length };
    },
    buildsRunning: () => [...builds.live.values()].filter((b) => b.started).length,
    startedAt: Date.now(),
  });
  const triggers = new TriggerScheduler({ store, builds, log: (line) => log(line) });
  // --- end triggers

  const queue: QueueView = { list: () => waits.list(), cancel: (id) => waits.cancel(id) };

  const agentInfo = async (name: string): Promise<AgentInfo | null> => {
    const rec = await store.agents.get(name);
    if (!rec) return null;
    const n = scheduler.nodes().find((x) => x.name === name);
    return {
      name, labels: rec.labels, executors: rec.executors, busyExecutors: n?.busy ?? 0, online: hub.isOnline(name), description: rec.description,
      command: hub.commandLine(name, agentUrl, { executors: rec.executors, ...(rec.labels.length ? { labels: rec.labels } : {}) }),
      launcher: rec.launcher.type,
      ...(launcherOf(rec) ? { launchError: launcherOf(rec)!.lastError(name)?.message ?? null } : {}),
      running: [...(running.get(name) ?? [])],
    };
  };
  const agents: AgentsView = {
    list: async () => (await Promise.all((await store.agents.list()).map((a) => agentInfo(a.name)))).filter((a): a is AgentInfo => a !== null),
    get: agentInfo,
    create: async (input) => {
      const rec = await store.agents.create({
        name: input.name, labels: input.labels, executors: input.executors, description: input.description,
        ...(input.launcher !== undefined ? { launcher: input.launcher as AgentLauncher } : {}),
        ...(input.workdir !== undefined ? { workdir: input.workdir } : {}),
      });
      scheduler.addNode({ name: input.name, labels: input.labels, executors: input.executors, online: hub.isOnline(input.name) });
      launcherOf(rec)?.start(rec.name);
      return (await agentInfo(input.name))!;
    },
    update: async (name, input) => {
      const cur = await store.agents.get(name);
      if (!cur) return null;
      const launcher = input.launcher !== undefined ? mergeLauncher(cur.launcher, input.launcher) : undefined;
      const relaunch = (launcher !== undefined && JSON.stringify(launcher) !== JSON.stringify(cur.launcher))
        || (input.workdir !== undefined && input.workdir !== cur.workdir);
      const busy = scheduler.nodes().find((n) => n.name === name)?.busy ?? 0;
      if (relaunch && busy > 0) {
        throw new StoreError('conflict', `agent '${name}' is running ${busy} build(s); its launcher and work directory can change once they finish (or are aborted)`);
      }
      const rec = await store.agents.update(name, {
        ...(input.labels !== undefined ? { labels: input.labels } : {}),
        ...(input.executors !== undefined ? { executors: input.executors } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(launcher !== undefined ? { launcher: launcher as AgentLauncher } : {}),
        ...(input.workdir !== undefined ? { workdir: input.workdir } : {}),
      });
      scheduler.setExecutors(name, rec.executors);
      scheduler.setLabels(name, rec.labels);
      if (relaunch && (launcherOf(cur) || launcherOf(rec))) {
        // The running agent was started with the old settings (or dialled in): end it, launch anew.
        log(`agent ${name}: launch settings changed; relaunching`, { agent: name });
        hub.endSession(name, `agent '${name}' is relaunched: its launch settings changed`);
        await launcherOf(cur)?.stop(name);
        launcherOf(rec)?.start(name);
      }
      return (await agentInfo(name))!;
    },
    remove: async (name) => {
      if (!(await store.agents.delete(name))) return false;
      hub.endSession(name, `agent '${name}' was deleted`);
      await Promise.all([...launchers.values()].map((l) => l.stop(name)));
      scheduler.removeNode(name);
      return true;
    },
    launchLog: async (name) => {
      const rec = await store.agents.get(name);
      return rec ? launcherOf(rec)?.log(name) ?? [] : null;
    },
    builtIn: () => ({ executors: cfg.executors, busyExecutors: scheduler.nodes().find((n) => n.name === BUILT_IN_NODE)?.busy ?? 0, warning: executorsWarning }),
  };

  let ready = false;
  const app = buildHttp({
    store, builds, files, logs, queue, agents, auth, events, folders, health, logger,
    gitlabConnectionNames: async () => ((await httpServices.get()).gitlabConnections ?? []).map((x) => x.name),
    libraryContents: (script, job, who) => loadLibraries(libraries.resolverFor({ id: '', name: job ?? '' }, { retrievers: lintRetrieverAccess({ store, folders, credentials }, who, job) }), libraryRequests(script), () => {}),
    buildLibraryFiles: async (job, lib) => {
      // At the commit the build used; a library that refuses other versions gives its default one.
      const rec = await store.jobs.get(job).catch(() => null);
      const r = libraries.resolverFor({ id: rec?.id ?? '', name: job }, {
        retrievers: { problem: null, credential: (id) => credentials.resolve(id, { id: rec?.id ?? '', name: job }, 0) },
      });
      // One from the Jenkinsfile's retriever: from the repository it came from.
      const retriever = lib.fromJenkinsfile && lib.source ? { url: lib.source, credentialsId: lib.credentialsId ?? null, form: 'retriever' } : null;
      const c = await r.resolve({ name: lib.name, version: lib.commit ?? lib.version, how: 'step', retriever })
        .catch(() => r.resolve({ name: lib.name, version: lib.version, how: 'step', retriever })).catch(() => null);
      if (!c) return null;
      const files: Record<string, string> = {};
      for (const [p, text] of c.files) if (p.endsWith('.groovy')) files[p] = text;
      return files;
    },
    get publicUrl() { return publicUrl; },
    ready: async () => ready,
    metrics: () => metrics.text(),
  });
  // --- triggers: webhook routes, and job create/update/delete re-reads the schedules.
  // A configured secret refuses unsigned pushes; with the generated one they make Kiln look at the branch.
  registerWebhooks(app, {
    store, builds, log: (line) => log(line), secret: hookSecret.secret, secretSource: hookSecret.source,
    unsigned: hookSecret.source.kind === 'configured' ? 'refuse' : 'poll',
    poll: (job, cause) => triggers.pollNow(job, cause),
    caller: webhookCaller(auth, folders),
    triggerSecret: (id, job) => credentials.secretForTrigger(id, job),
    publicUrl: () => publicUrl,
    githubPull: (fullName, n) => githubPullOf(httpServices, credentials, fullName, n),
    githubStatus: (fullName, sha, body) => githubStatusOf(httpServices, credentials, fullName, sha, body),
    stopBuild: async (b, o) => (o.queued && (await builds.cancelWaiting(b.id))) || (o.running && builds.abort(b.id, o.message)),
  });
  syncOnJobRoutes(app, triggers);
  // --- end triggers
  registerCredentialRoutes(app, credentials, auth);
  registerMailRoutes(app, mail);
  registerFingerprintRoutes(app, { store });
  registerGlobalEnvRoutes(app, globalEnv);
  registerHttpServicesRoutes(app, httpServices);
  registerThrottleRoutes(app, throttle);
  registerBuildToolRoutes(app, { store, files, audit: (e) => auth.audit(e) });
  registerGitParameterRoutes(app, { store, gitAuth: (job, dir, env, n) => builds.gitAuth(job, dir, env, n) });
  registerActiveChoicesRoutes(app, { store });
  registerSshPublisherRoutes(app, sshPublishers);
  registerLockableResourceRoutes(app, { store, holder: (n) => builds.lockHolder(n), waiters: (n) => builds.lockWaiters(n), active: () => builds.lockActive(), audit: (e) => auth.audit(e) });
  registerChangesRoutes(app, new ChangesService({ store, gitAuth: (job, dir, env, n) => builds.gitAuth(job, dir, env, n), libraryHistory: (job, n, lib, from, to, max) => libraries.history(job, n, lib, from, to, max) }));
  registerAgentInstallRoutes(app, {
    agentUrl: () => agentUrl, secret: (name) => hub.secret(name),
    agent: async (name) => { const r = await store.agents.get(name); return r ? { labels: r.labels, executors: r.executors, launcher: r.launcher.type } : null; },
  });
  // A cloud saved or deleted: the waits for its pod slots follow at once (a raised cap lets
  // waiters go; a deleted cloud's waiters fail with the reason instead of making pods on it later).
  const cloudChanged = async (name: string): Promise<void> => {
    const rec = await store.clouds.get(name);
    if (!rec) {
      waits.dropCloud(name, (b) => new StepFailure(`cloud '${name}' was deleted while ${b.job} #${b.number} waited for a pod slot on it`));
      return;
    }
    const type = nodes.cloudType(rec.type);
    const checked = type?.check(rec.name, rec.settings) ?? { error: `no plugin has the cloud type '${rec.type}'` };
    if ('error' in checked) throw new Error(checked.error);
    waits.setCap(name, type!.cap(checked.settings));
  };
  registerCloudRoutes(app, {
    store, credentials, auth, types: { get: (name) => nodes.cloudType(name), names: () => nodes.cloudTypeNames() },
    changed: (name) => void cloudChanged(name).catch((e: unknown) => log(`cloud '${name}': applying its new settings to the builds waiting for its pods failed: ${(e as Error).message}`)),
  });
  registerLibraryRoutes(app, { store, libraries, auth });
  // Old library checkouts are removed (libraries.ts); never one a running build loaded.
  libraries.startPruning((name, commit) => [...builds.live.values()].some((b) => b.state?.libraries?.some((l) => l.name === name && l.commit === commit) ?? false), log);
  registerWeb(app, { publicUrl: () => publicUrl });
  const detach = hub.attach(app.server);
  const stop = async (): Promise<void> => {
    ready = false;
    startedUp();
    events.close();
    health.close();
    triggers.close(); // --- triggers
    libraries.stopPruning();
    // The queue's rows stay as they are: those of builds that had not started are for the next start.
    await waits.close();
    await builds.close('Aborted: the controller is stopping'); // left to resume at the next start (durable builds)
    await nodes.close(); // the provisioners' idle pods (idleMinutes) go with the controller
    // Agents' sockets first: an upgraded connection would keep the HTTP server open.
    await Promise.all([...[...launchers.values()].map((l) => l.close()), hub.close()]);
    detach();
    await app.close();
    await builtIn?.close();
    await logs.close();
    await store.close();
  };
  let url: string;
  try {
    await app.listen({ port: cfg.port, host: cfg.host });
    const addr = app.server.address() as AddressInfo;
    if (cfg.port === 0) {
      const fix = (u: string) => u.replace(/:0\/$/, `:${addr.port}/`);
      publicUrl = fix(publicUrl);
      agentUrl = fix(agentUrl);
    }
    url = publicUrl;

    // Builds the last controller left unfinished go on (durable builds, resume.ts): those that
    // had not started wait again (what is left of their quiet period, then their other waits),
    // running ones resume by replaying their journal; in the order they waited in (queue rows).
    await resumeBuilds(store, builds, log);
    await triggers.start(); // --- triggers: arm every job's cron / pollSCM timer
    for (const a of await store.agents.list()) launcherOf(a)?.start(a.name);
    // What a previous run of this controller left behind (pods, containers), each provisioner its
    // own, in the background: a cloud may be slow.
    void nodes.start().finally(startedUp);
  } catch (err) {
    // Started half-way: nothing may keep listening (or holding the store) for a start that failed.
    await stop().catch(() => {});
    throw err;
  }
  ready = true;
  const startMs = Math.round(performance.now() - t0);
  log(`Kiln is ready at ${url} (home ${cfg.home}, ${store.kind} store, started in ${startMs} ms)`, { url, home: cfg.home, store: store.kind, startMs });
  log(`Agents connect to ${agentUrl}agent`, { agentUrl: `${agentUrl}agent` });
  if (auth.setupNeeded) log(`Kiln is locked until set up: open ${url} and unlock it with the initial admin password in ${auth.passwordFile}`, { passwordFile: auth.passwordFile });
  if (cfg.adminToken) log('The configured admin token (adminToken / KILN_ADMIN_TOKEN) is accepted as an admin');
  if (executorsWarning) log(`WARNING: ${executorsWarning}`);
  if (hookSecret.source.kind === 'generated') {
    log(`Webhooks (/api/v1/webhooks/*) signed with the secret in ${hookSecret.source.file} (admins see it with the hook URLs on each job's page) build the commit they name; unsigned ones only make Kiln look at the branch, as pollSCM does`);
  }
  if (!url.startsWith('https:') && !/^http:\/\/(127\.|localhost[:/]|\[::1\])/.test(url)) {
    log(`WARNING: ${url} is plain HTTP on a network address: passwords and session cookies cross the network in clear; serve Kiln behind TLS and set its public URL to https://`);
  }

  return {
    url,
    store,
    builds,
    hub,
    triggers,
    credentials,
    libraries,
    escaped: (err: unknown) => {
      const text = err instanceof Error ? err.stack ?? err.message : String(err);
      log(`BUG: an error escaped its owner (please report it; the controller goes on, degraded): ${text}`);
      health.report({
        id: 'controller:escaped', component: 'controller',
        message: 'an internal error escaped its handling (a bug; see the controller\'s log); restart the controller once its builds are done',
        detail: text,
        probe: () => Promise.reject(new Error('stays until a restart')),
      });
    },
    close: stop,
  };
}

/**
 * A PUT's `launcher` against the current one: the same type (or no type) changes only the
 * fields given (null removes one, e.g. `pinnedHostKey: null` after a legitimate host key
 * change); another type replaces it. A new host or port forgets the pinned host key.
 */
export function mergeLauncher(cur: AgentLauncher, given: unknown): unknown {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) return given; // the store says why not
  const g = given as Record<string, unknown>;
  if (g['type'] !== undefined && g['type'] !== cur.type) return g;
  const merged: Record<string, unknown> = { ...cur, ...g };
  for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
  if (cur.type === 'ssh' && !('pinnedHostKey' in g) && (merged['host'] !== cur.host || (merged['port'] ?? 22) !== cur.port)) delete merged['pinnedHostKey'];
  return merged;
}
