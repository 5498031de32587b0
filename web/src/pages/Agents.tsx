// Agents: the list with online state, labels and executors; create and delete; an agent's page
// with the exact command that connects it and its launch log.
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { CopyButton, ErrorBox, Field, Loading, useAction } from '../components.tsx';
import { useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, navigate, urls } from '../router.tsx';
import { can, useSession } from '../session.ts';
import type { Agent } from '../types.ts';

export function AgentsPage() {
  const { me } = useSession();
  const agents = useResource((s) => api.get<{ agents: Agent[] }>('/agents', s).then((r) => r.agents), []);
  useLive(['agent', 'build'], () => agents.reload());
  const [name, setName] = useState('');
  const [labels, setLabels] = useState('');
  const [executors, setExecutors] = useState(2);
  const [run, busy, error] = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const a = await api.post<Agent>('/agents', { name, labels: labels.split(/[\s,]+/).filter(Boolean), executors });
      navigate(urls.agent(a.name));
    });
  };
  return (
    <section>
      <h1>Agents</h1>
      <ErrorBox error={agents.error} />
      {!agents.data ? <Loading what="agents" /> : agents.data.length === 0 ? <p className="empty">No agents yet: builds wait until one connects.</p> : (
        <table className="list">
          <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Executors</th><th scope="col">Labels</th><th scope="col" className="hide-narrow">Launch</th></tr></thead>
          <tbody>{agents.data.map((a) => (
            <tr key={a.name}>
              <td><Link to={urls.agent(a.name)}>{a.name}</Link>{a.description ? <div className="muted small">{a.description}</div> : null}</td>
              <td><span className={`dot ${a.online ? 'on' : 'off'}`}>{a.online ? 'online' : 'offline'}</span>{a.launchError ? <div className="error-line small">{a.launchError}</div> : null}</td>
              <td>{a.busyExecutors} / {a.executors} busy</td>
              <td>{a.labels.map((l) => <span key={l} className="tag">{l}</span>)}</td>
              <td className="hide-narrow">{a.launcher}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {can(me, 'admin') ? (
        <form className="card" onSubmit={create} aria-labelledby="new-agent-h">
          <h2 id="new-agent-h">New inbound agent</h2>
          <Field label="Agent name">{(id) => <input id={id} required pattern="[A-Za-z0-9_][A-Za-z0-9._\-]{0,99}" value={name} onChange={(e) => setName(e.target.value)} />}</Field>
          <Field label="Labels" hint="Separated by spaces, e.g. linux docker">{(id) => <input id={id} value={labels} onChange={(e) => setLabels(e.target.value)} />}</Field>
          <Field label="Executors">{(id) => <input id={id} type="number" min={0} max={1000} value={executors} onChange={(e) => setExecutors(Number(e.target.value))} />}</Field>
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy}>Create agent</button>
        </form>
      ) : null}
    </section>
  );
}

export function AgentPage({ name }: { name: string }) {
  const { me } = useSession();
  const a = useResource((s) => api.get<Agent>(`/agents/${encodeURIComponent(name)}`, s), [name]);
  const log = useResource((s) => api.get<{ lines: string[] }>(`/agents/${encodeURIComponent(name)}/log`, s).then((r) => r.lines), [name]);
  useLive(['agent'], (e) => { if (e.type === 'poll' || e.data.name === name) { a.reload(); log.reload(); } });
  const [run, busy, error] = useAction();
  if (a.error) return <section><h1>Agent {name}</h1><ErrorBox error={a.error} /></section>;
  if (!a.data) return <Loading what={`agent ${name}`} />;
  const ag = a.data;
  const remove = () => run(async () => {
    if (!confirm(`Delete agent ${name}?`)) return;
    await api.del(`/agents/${encodeURIComponent(name)}`);
    navigate('/agents');
  });
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb"><Link to="/agents">Agents</Link> › <span>{name}</span></nav>
      <div className="section-head">
        <h1>Agent {name} <span className={`dot ${ag.online ? 'on' : 'off'}`}>{ag.online ? 'online' : 'offline'}</span></h1>
        {can(me, 'admin') ? <div className="actions"><button className="danger" disabled={busy} onClick={() => void remove()}>Delete</button></div> : null}
      </div>
      <ErrorBox error={error} />
      <p>{ag.busyExecutors} of {ag.executors} executor(s) busy · labels: {ag.labels.length ? ag.labels.map((l) => <span key={l} className="tag">{l}</span>) : <span className="muted">none</span>} · {ag.launcher === 'ssh' ? 'launched over SSH by the controller' : 'inbound (it dials the controller)'}</p>
      {ag.launchError ? <p className="error-line">{ag.launchError}</p> : null}
      {ag.launcher === 'inbound' ? (
        <>
          <h2>Connect this agent</h2>
          <p>Run this on the machine that should build (it needs Node.js 22.18+ and Kiln):</p>
          <div className="command"><pre aria-label="Connect command">{ag.command}</pre><CopyButton text={ag.command} /></div>
          {!can(me, 'admin') ? <p className="muted small">The secret is shown to admins only.</p> : null}
        </>
      ) : null}
      <h2>Connection log</h2>
      <ErrorBox error={log.error} />
      {log.data && log.data.length > 0 ? <pre className="agent-log">{log.data.join('\n')}</pre> : <p className="muted">{ag.launcher === 'ssh' ? 'Nothing logged yet.' : 'Inbound agents log on their own machine; the controller records when they connect (see the audit log).'}</p>}
    </section>
  );
}
