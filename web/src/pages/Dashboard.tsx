// Jobs with their last result, duration and the trend of recent builds; a filter; the queue
// (with why each item waits) and the executors of every agent.
import { useMemo, useState } from 'react';
import { api, jobPath } from '../api.ts';
import { Badge, BuildBadge, ErrorBox, Loading } from '../components.tsx';
import { ago, duration, statusOf } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, urls } from '../router.tsx';
import { can, useSession } from '../session.ts';
import type { AnswerOf } from '../types.ts';
import { useTitle } from '../title.ts';

const TREND = 10;

export function Dashboard() {
  useTitle('Dashboard');
  const { me } = useSession();
  const jobs = useResource((s) => api.get<AnswerOf<'listJobs'>>('/jobs', s).then((r) => r.jobs), []);
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('all');
  useLive(['build', 'job'], () => jobs.reload());
  const now = useNow(1000);
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (jobs.data ?? []).filter((j) =>
      (!q || j.name.toLowerCase().includes(q) || j.description.toLowerCase().includes(q)) &&
      (status === 'all' || statusOf(j.lastBuild) === status));
  }, [jobs.data, filter, status]);
  return (
    <div className="dashboard">
      <section className="jobs" aria-labelledby="jobs-h">
        <div className="section-head">
          <h1 id="jobs-h">Jobs</h1>
          {can(me, 'developer') ? <Link className="button primary" to="/new-job">New job</Link> : null}
        </div>
        <div className="filters" role="search">
          <label className="inline">Search <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name or description" aria-label="Search jobs" /></label>
          <label className="inline">Last result{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by last result">
              <option value="all">any</option><option value="success">success</option><option value="failure">failed</option>
              <option value="unstable">unstable</option><option value="aborted">aborted</option><option value="running">running</option>
              <option value="paused">waiting for input</option><option value="none">never built</option>
            </select>
          </label>
        </div>
        <ErrorBox error={jobs.error} />
        {!jobs.data ? <Loading what="jobs" /> : jobs.data.length === 0 ? (
          <p className="empty">No jobs yet. {can(me, 'developer') ? <Link to="/new-job">Create the first one</Link> : null}</p>
        ) : (
          <table className="list">
            <thead><tr><th scope="col">Job</th><th scope="col">Last build</th><th scope="col">Duration</th><th scope="col" className="hide-narrow">Trend</th><th scope="col" className="hide-narrow">Started</th></tr></thead>
            <tbody>
              {shown.map((j) => (
                <tr key={j.name} data-job={j.name}>
                  <td><Link to={urls.job(j.name)}>{j.name}</Link>{j.disabled ? <span className="tag">disabled</span> : null}{j.description ? <div className="muted small">{j.description}</div> : null}</td>
                  <td>{j.lastBuild ? <Link to={urls.build(j.name, j.lastBuild.number)}><span className="sr-only">{j.name} </span><BuildBadge build={j.lastBuild} /> #{j.lastBuild.number}</Link> : <Badge state="none" />}</td>
                  <td>{j.lastBuild?.startedAt ? duration((j.lastBuild.endedAt ?? now) - j.lastBuild.startedAt) : '—'}</td>
                  <td className="hide-narrow"><Trend job={j.name} last={j.lastBuild ? `${j.lastBuild.number}:${j.lastBuild.status}` : ''} /></td>
                  <td className="hide-narrow">{ago(j.lastBuild?.startedAt, now)}</td>
                </tr>
              ))}
              {shown.length === 0 ? <tr><td colSpan={5} className="empty">No job matches.</td></tr> : null}
            </tbody>
          </table>
        )}
      </section>
      <aside className="side">
        <QueuePanel />
        <ExecutorsPanel />
      </aside>
    </div>
  );
}

/** The last builds of a job as small bars: height is duration, colour and title the result. */
function Trend({ job, last }: { job: string; last: string }) {
  const r = useResource((s) => api.get<AnswerOf<'listBuilds'>>(`${jobPath(job)}/builds?limit=${TREND}`, s).then((x) => x.builds), [job, last]);
  const builds = [...(r.data ?? [])].reverse();
  if (builds.length === 0) return <span className="muted">—</span>;
  const max = Math.max(1, ...builds.map((b) => b.durationMs ?? 0));
  return (
    <span className="trend" role="img" aria-label={`last ${builds.length} builds: ${builds.map((b) => `#${b.number} ${statusOf(b)}`).join(', ')}`}>
      {builds.map((b) => (
        <span key={b.number} className={`bar st-${statusOf(b)}`} style={{ height: `${Math.max(15, Math.round(((b.durationMs ?? 0) / max) * 100))}%` }} title={`#${b.number} ${statusOf(b)} ${duration(b.durationMs)}`} />
      ))}
    </span>
  );
}

export function QueuePanel() {
  const { me } = useSession();
  const q = useResource((s) => api.get<AnswerOf<'getQueue'>>('/queue', s).then((r) => r.items), []);
  useLive(['queue', 'build', 'agent'], () => q.reload());
  const now = useNow(1000);
  const [err, setErr] = useState<unknown>(null);
  return (
    <section className="panel" aria-labelledby="queue-h">
      <h2 id="queue-h">Build queue {q.data ? <span className="count">{q.data.length}</span> : null}</h2>
      <ErrorBox error={q.error ?? err} />
      {!q.data ? <Loading what="the queue" /> : q.data.length === 0 ? <p className="muted">Nothing is waiting.</p> : (
        <ul className="queue">
          {q.data.map((i) => (
            <li key={i.id}>
              <div>{i.number !== null ? <Link to={urls.build(i.job, i.number)}>{i.job} #{i.number}</Link> : i.job}{i.label ? <span className="tag">{i.label}</span> : null} <span className="muted small">{ago(i.since, now)}</span></div>
              <div className="why">{i.why}</div>
              {can(me, 'developer') ? <button className="small" onClick={() => { api.del(`/queue/${encodeURIComponent(i.id)}`).then(() => q.reload(), setErr); }} aria-label={`Cancel queue item ${i.job}`}>Cancel</button> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ExecutorsPanel() {
  const a = useResource((s) => api.get<AnswerOf<'listAgents'>>('/agents', s).then((r) => r.agents), []);
  useLive(['agent', 'build', 'queue'], () => a.reload());
  return (
    <section className="panel" aria-labelledby="exec-h">
      <h2 id="exec-h">Executors</h2>
      <ErrorBox error={a.error} />
      {!a.data ? <Loading what="agents" /> : a.data.length === 0 ? <p className="muted">No agents. <Link to="/agents">Add one</Link> to run builds.</p> : (
        <ul className="executors">
          {a.data.map((ag) => (
            <li key={ag.name}>
              <Link to={urls.agent(ag.name)}>{ag.name}</Link> <span className={`dot ${ag.online ? 'on' : 'off'}`}>{ag.online ? 'online' : 'offline'}</span>
              <div className="muted small">{ag.busyExecutors} of {ag.executors} executor(s) busy{ag.labels.length ? ` · ${ag.labels.join(' ')}` : ''}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
