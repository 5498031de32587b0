// Prometheus metrics of a controller (GET /metrics, text exposition format 0.0.4), with
// prom-client, the Prometheus client library of the Node ecosystem.
//
// What: the queue, executors, agents, running builds (gauges, read from the controller's parts
// when scraped), finished builds by result and their durations (a counter and a histogram,
// updated when a build ends, so `_count`, `_sum` and the buckets only grow and `rate()` and
// `histogram_quantile()` over them are true), uptime, and prom-client's process and Node.js
// metrics: `process_*` (CPU, resident memory, open file descriptors, start time) and
// `nodejs_*` (event-loop lag and its percentiles, heap, GC durations, handles).
//
// Why a Registry per controller and not prom-client's global one: tests (and anyone embedding
// Kiln) start several controllers in one process, and metrics of the same name registered twice
// in one registry clash. The process metrics describe the process, not a controller: they are
// collected once per process in a registry of this module (not the global one either) and
// served with each controller's own.
//
// How: `ControllerMetrics` is made by compose.ts with readers of the parts; the build manager's
// `buildFinished` event calls `buildFinished`. Nothing is sampled on a timer (prom-client's
// event-loop delay monitor is Node's own histogram, read at scrape).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BuildResult } from '../core/build.ts';

/** What the gauges read when scraped. */
export interface MetricsSources {
  /** Queue items: executor requests (quiet ones too), builds waiting to start, builds waiting for a pod slot. */
  queueLength(): number;
  executors(): { busy: number; idle: number };
  /** Agents defined, and how many are connected. */
  agents(): Promise<{ online: number; total: number }>;
  buildsRunning(): number;
  startedAt: number;
}

/**
 * Buckets of kiln_build_duration_seconds: from a trivial build to half a day. CI builds of
 * hours (release builds, long test suites) are common: with an hour as the last bucket they all
 * fell in +Inf, and histogram_quantile() could not tell a 2 h build from a 10 h one.
 */
export const BUILD_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200];

let processRegistry: Registry | null = null;

/** The process and Node.js metrics, one set per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class ControllerMetrics {
  /** This controller's own metrics (without the process ones). */
  readonly registry = new Registry();
  readonly #duration: Histogram;
  readonly #finished: Counter<'result'>;

  constructor(src: MetricsSources) {
    const registers = [this.registry];
    processMetrics();
    new Gauge({
      name: 'kiln_queue_length', help: 'Items waiting in the queue: executor requests (including quiet periods), builds waiting to start, builds waiting for a pod slot.', registers,
      collect() { this.set(src.queueLength()); },
    });
    new Gauge({ name: 'kiln_executors_busy', help: 'Executors running a build.', registers, collect() { this.set(src.executors().busy); } });
    new Gauge({ name: 'kiln_executors_idle', help: 'Executors free on online nodes.', registers, collect() { this.set(src.executors().idle); } });
    new Gauge({
      name: 'kiln_agents', help: 'Agents defined, by connection state.', labelNames: ['state'] as const, registers,
      async collect() {
        const a = await src.agents();
        this.set({ state: 'online' }, a.online);
        this.set({ state: 'offline' }, a.total - a.online);
      },
    });
    new Gauge({ name: 'kiln_builds_running', help: 'Builds running now (started and not finished; those waiting to start are in kiln_queue_length).', registers, collect() { this.set(src.buildsRunning()); } });
    new Gauge({ name: 'kiln_uptime_seconds', help: 'Seconds since the controller started.', registers, collect() { this.set(Math.round((Date.now() - src.startedAt) / 1000)); } });
    this.#duration = new Histogram({
      name: 'kiln_build_duration_seconds', help: 'Duration of finished builds (since this controller started).', buckets: BUILD_DURATION_BUCKETS, registers,
    });
    this.#finished = new Counter({
      name: 'kiln_builds_finished_total', help: 'Builds finished since this controller started, by result (NOT_BUILT includes builds cancelled before they started).', labelNames: ['result'] as const, registers,
    });
  }

  /** A build ended: counted by result; its duration observed when it ran (null: it never started). */
  buildFinished(result: BuildResult, durationMs: number | null): void {
    this.#finished.inc({ result });
    if (durationMs !== null) this.#duration.observe(Math.max(0, durationMs) / 1000);
  }

  /** The exposition text: this controller's metrics, then the process's. */
  async text(): Promise<string> {
    return Registry.merge([this.registry, processMetrics()]).metrics();
  }

  /** The content type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
