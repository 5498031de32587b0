// Agents: the list with online state, labels and executors; create and delete; an agent's page
// with the exact command that connects it and its launch log.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { CopyButton, ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, navigate, urls } from '../router.tsx';
import { can, useSession } from '../session.ts';
import type { Agent, AnswerOf, Credential } from '../types.ts';
import { useTitle } from '../title.ts';

const AGENT_NAME_FORM = "1 to 100 letters, digits, '.', '_' or '-', starting with a letter, digit or '_'";

export function AgentsPage() {
  useTitle('Agents');
  const { me } = useSession();
  const list = useResource((s) => api.get<AnswerOf<'listAgents'>>('/agents', s), []);
  const agents = { ...list, data: list.data?.agents };
  const builtIn = list.data?.builtIn;
  useLive(['agent', 'build'], () => agents.reload());
  const [name, setName] = useState('');
  const [labels, setLabels] = useState('');
  const [executors, setExecutors] = useState(2);
  const [kind, setKind] = useState<'inbound' | 'ssh'>('inbound');
  const [ssh, setSsh] = useState({ host: '', port: 22, credentialsId: '', hostKey: '', install: true, command: '', workdir: '' });
  const [keys, setKeys] = useState<Credential[]>([]);
  useEffect(() => { if (can(me, 'admin')) api.get<AnswerOf<'listCredentials'>>('/credentials').then((r) => setKeys(r.credentials.filter((c) => c.type === 'sshKey')), () => {}); }, [me]);
  const [run, busy, error] = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const launcher = kind === 'ssh' ? {
        type: 'ssh', host: ssh.host, port: ssh.port, credentialsId: ssh.credentialsId,
        ...(ssh.hostKey ? { hostKey: ssh.hostKey } : {}), ...(ssh.install ? { install: 'sftp' } : ssh.command ? { command: ssh.command } : {}),
      } : undefined;
      const a = await api.post<Agent>('/agents', {
        name, labels: labels.split(/[\s,]+/).filter(Boolean), executors,
        ...(launcher ? { launcher } : {}), ...(kind === 'ssh' && ssh.workdir ? { workdir: ssh.workdir } : {}),
      });
      navigate(urls.agent(a.name));
    });
  };
  const setS = <K extends keyof typeof ssh>(k: K, v: (typeof ssh)[K]) => setSsh({ ...ssh, [k]: v });
  const ne = fieldErrors(error, ['name', 'labels', 'executors', 'launcher.host', 'launcher.port', 'launcher.credentialsId', 'launcher.hostKey', 'launcher.command', 'workdir'], { pattern: { name: AGENT_NAME_FORM }, conflict: 'name' });
  return (
    <section>
      <h1>Agents</h1>
      {builtIn?.warning ? (
        <div className="card notice" role="alert">
          <strong>Builds run on the controller itself ({builtIn.busyExecutors} / {builtIn.executors} executors busy).</strong>
          <p>{builtIn.warning}</p>
        </div>
      ) : null}
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
        <Form className="card" onSubmit={create} errors={ne} error={error} aria-labelledby="new-agent-h">
          <h2 id="new-agent-h">New agent</h2>
          <fieldset>
            <legend>Launch method</legend>
            <label className="inline"><input type="radio" name="launch" checked={kind === 'inbound'} onChange={() => setKind('inbound')} /> Inbound: the agent dials the controller (behind a firewall or NAT too)</label>
            <label className="inline"><input type="radio" name="launch" checked={kind === 'ssh'} onChange={() => setKind('ssh')} /> SSH: the controller logs into the host and starts it</label>
          </fieldset>
          <Field label="Agent name" name="name">{(id) => <input id={id} required pattern="[A-Za-z0-9_][A-Za-z0-9._\-]{0,99}" title={AGENT_NAME_FORM} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
          <Field label="Labels" name="labels" hint="Separated by spaces, e.g. linux docker">{(id) => <input id={id} value={labels} onChange={(e) => setLabels(e.target.value)} />}</Field>
          <Field label="Executors" name="executors">{(id) => <input id={id} type="number" min={0} max={1000} value={executors} onChange={(e) => setExecutors(Number(e.target.value))} />}</Field>
          {kind === 'ssh' ? <>
            <Field label="Host" name="launcher.host">{(id) => <input id={id} required value={ssh.host} onChange={(e) => setS('host', e.target.value)} placeholder="build-1.example" />}</Field>
            <Field label="Port" name="launcher.port">{(id) => <input id={id} type="number" min={1} max={65535} value={ssh.port} onChange={(e) => setS('port', Number(e.target.value))} />}</Field>
            <Field label="SSH key credential" name="launcher.credentialsId" hint="An SSH username with private key credential; its public half in the host's authorized_keys">{(id) => (
              <select id={id} required value={ssh.credentialsId} onChange={(e) => setS('credentialsId', e.target.value)}>
                <option value="">- choose -</option>
                {keys.map((c) => <option key={c.id} value={c.id}>{c.id}{c.username ? ` (${c.username})` : ''}</option>)}
              </select>
            )}</Field>
            <Field label="Host key (optional)" name="launcher.hostKey" hint="A SHA256: fingerprint or known_hosts lines; empty = trust the first key seen, then only it">{(id) => <input id={id} value={ssh.hostKey} onChange={(e) => setS('hostKey', e.target.value)} />}</Field>
            <label className="inline"><input type="checkbox" checked={ssh.install} onChange={(e) => setS('install', e.target.checked)} /> Copy the agent to the host over SFTP (it needs Node.js 22.18+)</label>
            {!ssh.install ? <Field label="Agent command on the host" name="launcher.command" hint="Default: kiln agent">{(id) => <input id={id} value={ssh.command} onChange={(e) => setS('command', e.target.value)} />}</Field> : null}
            <Field label="Work directory on the host (optional)" name="workdir">{(id) => <input id={id} value={ssh.workdir} onChange={(e) => setS('workdir', e.target.value)} />}</Field>
          </> : null}
          <ErrorBox error={ne.rest} />
          <button type="submit" className="primary" disabled={busy}>Create agent</button>
        </Form>
      ) : null}
    </section>
  );
}

export function AgentPage({ name }: { name: string }) {
  useTitle(`Agent ${name}`);
  const { me } = useSession();
  const a = useResource((s) => api.get<Agent>(`/agents/${encodeURIComponent(name)}`, s), [name]);
  const log = useResource((s) => api.get<AnswerOf<'getAgentLog'>>(`/agents/${encodeURIComponent(name)}/log`, s).then((r) => r.lines), [name]);
  useLive(['agent'], (e) => { if (e.type === 'poll' || e.data.name === name) { a.reload(); log.reload(); } });
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  const [editing, setEditing] = useState(false);
  // An SSH agent being launched: its log grows without events; read it again every few seconds.
  const launching = a.data?.launcher === 'ssh' && !a.data.online;
  useEffect(() => {
    if (!launching) return;
    const t = setInterval(() => { a.reload(); log.reload(); }, 3000);
    return () => clearInterval(t);
  }, [launching, a, log]);
  if (a.error) return <section><h1>Agent {name}</h1><ErrorBox error={a.error} /></section>;
  if (!a.data) return <Loading what={`agent ${name}`} />;
  const ag = a.data;
  const remove = () => run(async () => {
    if (!(await dlg.confirm(`Delete agent ${name}?`, 'Delete'))) return;
    await api.del(`/agents/${encodeURIComponent(name)}`);
    navigate('/agents');
  });
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb"><Link to="/agents">Agents</Link> › <span>{name}</span></nav>
      <div className="section-head">
        <h1>Agent {name} <span className={`dot ${ag.online ? 'on' : 'off'}`}>{ag.online ? 'online' : 'offline'}</span></h1>
        {can(me, 'admin') ? <div className="actions"><button disabled={busy} aria-expanded={editing} onClick={() => setEditing(!editing)}>Edit</button><button className="danger" disabled={busy} onClick={() => void remove()}>Delete</button></div> : null}
      </div>
      <ErrorBox error={error} />
      {editing ? <EditAgent agent={ag} onDone={() => { setEditing(false); a.reload(); log.reload(); }} onCancel={() => setEditing(false)} /> : null}
      <p>{ag.busyExecutors} of {ag.executors} executor(s) busy · labels: {ag.labels.length ? ag.labels.map((l) => <span key={l} className="tag">{l}</span>) : <span className="muted">none</span>} · {ag.launcher === 'ssh' ? 'launched over SSH by the controller' : 'inbound (it dials the controller)'}</p>
      {ag.launchError ? <p className="error-line">{ag.launchError}</p> : null}
      {ag.launcher === 'inbound' ? <ConnectAgent name={name} command={ag.command} admin={can(me, 'admin')} /> : null}
      <h2>Connection log</h2>
      <ErrorBox error={log.error} />
      {log.data && log.data.length > 0 ? <pre className="agent-log" tabIndex={0} aria-label="Connection log">{log.data.join('\n')}</pre> : <p className="muted">{ag.launcher === 'ssh' ? 'Nothing logged yet.' : 'An inbound agent logs on its own machine (its standard error, or its service journal); here it shows as online once it has connected.'}</p>}
      {dlg.dialog}
    </section>
  );
}

/** How to get an inbound agent running on another machine: the one-line install from the
 *  controller, the command for a machine that has Kiln, and a systemd unit (issue 20, point 6). */
function ConnectAgent({ name, command, admin }: { name: string; command: string; admin: boolean }) {
  const info = useResource((s) => api.get<AnswerOf<'getAgentInstall'>>(`/agents/${encodeURIComponent(name)}/install`, s), [name]);
  const d = info.data;
  return (
    <>
      <h2>Connect this agent</h2>
      <ErrorBox error={info.error} />
      {d?.warning ? <div className="card notice" role="alert"><strong>Other machines cannot reach this controller's URL.</strong><p>{d.warning}</p></div> : null}
      <p>On the machine that should build (it needs Node.js 22.18 or newer, <code>curl</code> and <code>tar</code>), this installs the agent from the controller into <code>~/kiln-agent</code> and starts it:</p>
      {d ? <div className="command"><pre aria-label="Install and run command">{d.install}</pre><CopyButton text={d.install} /></div> : <Loading what="the install command" />}
      <p>On a machine that already has Kiln:</p>
      <div className="command"><pre aria-label="Connect command">{command}</pre><CopyButton text={command} /></div>
      {!admin ? <p className="muted small">The secret is shown to admins only.</p> : null}
      {d ? (
        <details>
          <summary>Run it as a service (systemd)</summary>
          <p>The secret goes in <code>{d.environmentFile}</code>, readable by root only (<code>chmod 600</code>), not on the command line:</p>
          <div className="command"><pre aria-label="Environment file">{d.environment}</pre><CopyButton text={d.environment} /></div>
          <p>The unit (set <code>User=</code> to the user who ran the install command):</p>
          <div className="command"><pre aria-label="systemd unit">{d.service}</pre><CopyButton text={d.service} /></div>
        </details>
      ) : null}
    </>
  );
}

/** Changes an agent (PUT: only what is given). For an SSH agent, an empty host, port or key field
 *  keeps what is set (the controller does not show them back); a change relaunches it. */
function EditAgent({ agent, onDone, onCancel }: { agent: Agent; onDone: () => void; onCancel: () => void }) {
  const [labels, setLabels] = useState(agent.labels.join(' '));
  const [executors, setExecutors] = useState(agent.executors);
  const [description, setDescription] = useState(agent.description);
  const [ssh, setSsh] = useState({ host: '', port: '', credentialsId: '', workdir: '' });
  const [run, busy, error] = useAction();
  const fe = fieldErrors(error, ['labels', 'executors', 'description', 'host', 'port', 'credentialsId', 'workdir']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const launcher: Record<string, unknown> = {};
      if (ssh.host.trim()) launcher.host = ssh.host.trim();
      if (ssh.port.trim()) launcher.port = Number(ssh.port);
      if (ssh.credentialsId.trim()) launcher.credentialsId = ssh.credentialsId.trim();
      await api.put(`/agents/${encodeURIComponent(agent.name)}`, {
        labels: labels.split(/[\s,]+/).filter(Boolean), executors, description,
        ...(Object.keys(launcher).length ? { launcher } : {}), ...(ssh.workdir.trim() ? { workdir: ssh.workdir.trim() } : {}),
      });
      onDone();
    });
  };
  return (
    <Form className="card" onSubmit={submit} errors={fe} error={error} aria-label={`Edit agent ${agent.name}`}>
      <Field label="Labels" hint="Separated by spaces" error={fe.of('labels')}>{(id) => <input id={id} value={labels} onChange={(e) => setLabels(e.target.value)} />}</Field>
      <Field label="Executors" error={fe.of('executors')}>{(id) => <input id={id} type="number" min={0} max={1000} value={executors} onChange={(e) => setExecutors(Number(e.target.value))} />}</Field>
      <Field label="Description" error={fe.of('description')}>{(id) => <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
      {agent.launcher === 'ssh' ? <>
        <p className="muted small">SSH settings: leave a field empty to keep it. A change reconnects the agent (not while it runs builds).</p>
        <Field label="Host" error={fe.of('host')}>{(id) => <input id={id} value={ssh.host} onChange={(e) => setSsh({ ...ssh, host: e.target.value })} />}</Field>
        <Field label="Port" error={fe.of('port')}>{(id) => <input id={id} type="number" min={1} max={65535} value={ssh.port} onChange={(e) => setSsh({ ...ssh, port: e.target.value })} />}</Field>
        <Field label="SSH key credential id" error={fe.of('credentialsId')}>{(id) => <input id={id} value={ssh.credentialsId} onChange={(e) => setSsh({ ...ssh, credentialsId: e.target.value })} />}</Field>
        <Field label="Work directory on the host" error={fe.of('workdir')}>{(id) => <input id={id} value={ssh.workdir} onChange={(e) => setSsh({ ...ssh, workdir: e.target.value })} />}</Field>
      </> : null}
      <ErrorBox error={fe.rest} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>Save</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </Form>
  );
}
