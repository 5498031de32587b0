// Prometheus metrics (text exposition format 0.0.4): queue length, executors, agents, builds
// and their durations, the controller's memory. Computed when scraped; nothing is sampled on
// a timer.
import type { AgentHub } from '../backends/remote/hub.ts';
import type { BuildManager } from './builds.ts';
import type { Scheduler } from './scheduler.ts';
import type { Store } from '../store/types.ts';

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export async function metricsText(o: { scheduler: Scheduler<null>; hub: AgentHub; builds: BuildManager; store: Store; startedAt: number }): Promise<string> {
  const s = o.scheduler.stats();
  const agents = await o.store.agents.list();
  const online = agents.filter((a) => o.hub.isOnline(a.name)).length;
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number, labels = '') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labels} ${value}`);
  };
  gauge('kiln_queue_length', 'Executor requests waiting in the queue (including quiet periods).', s.waiting + s.quiet + o.builds.waitingBuilds().length);
  gauge('kiln_executors_busy', 'Executors running a build.', s.busyExecutors);
  gauge('kiln_executors_idle', 'Executors free on online nodes.', s.idleExecutors);
  lines.push('# HELP kiln_agents Agents defined, by connection state.', '# TYPE kiln_agents gauge',
    `kiln_agents{state="online"} ${online}`, `kiln_agents{state="offline"} ${agents.length - online}`);
  gauge('kiln_builds_running', 'Builds running now.', o.builds.live.size);
  const d = o.builds.durations.map((ms) => ms / 1000);
  lines.push('# HELP kiln_build_duration_seconds Duration of finished builds (since this controller started).', '# TYPE kiln_build_duration_seconds histogram');
  for (const b of BUCKETS) lines.push(`kiln_build_duration_seconds_bucket{le="${b}"} ${d.filter((x) => x <= b).length}`);
  lines.push(`kiln_build_duration_seconds_bucket{le="+Inf"} ${d.length}`, `kiln_build_duration_seconds_sum ${d.reduce((a, x) => a + x, 0)}`, `kiln_build_duration_seconds_count ${d.length}`);
  gauge('process_resident_memory_bytes', 'Resident memory of the controller process.', process.memoryUsage.rss());
  gauge('kiln_uptime_seconds', 'Seconds since the controller started.', Math.round((Date.now() - o.startedAt) / 1000));
  return `${lines.join('\n')}\n`;
}
