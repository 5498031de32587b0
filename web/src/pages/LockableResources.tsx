// Two Manage pages for what builds lock and publish to (issue 17):
//   - Lockable resources (GET /api/v1/lockable-resources, any logged-in user; PUT/DELETE
//     /api/v1/lockable-resources/:name, admins; src/controller/lockable-resources.ts): what
//     `lock('name')` and `lock(label: 'x')` choose among, with the build holding each now (a link
//     to it) and the builds waiting for it in the order they will get it (links), reloaded on
//     build events; resources named only in Jenkinsfiles are listed while in use. Everyone sees the
//     list (who holds what); admins add, edit (labels and description: the name is the key) and
//     remove configured ones, a removal asked in the page's own dialog.
//   - SSH servers (GET|PUT /api/v1/settings/publish-over-ssh, admins; ssh-publishers.ts): the
//     servers sshPublisher's configName names. The PUT replaces the whole list, so the page sends
//     every server as the form shows it. The credential is picked from the global credentials and
//     shown "set"/"missing", never a secret; the host-key fingerprint is required because Kiln
//     pins host keys (it never trusts a key on first use). The route makes it admin-only (App.tsx).
// Errors sit beside their field (forms.tsx): the browser's checks, and the API's `field: why`.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, fieldErrors, problemOf } from '../forms.tsx';
import { Link, urls } from '../router.tsx';
import { useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { can, useSession } from '../session.ts';
import type { AnswerOf } from '../types.ts';
import { useTitle } from '../title.ts';
import { CredentialField } from './Settings.tsx';

type Resource = AnswerOf<'listLockableResources'>['resources'][number];

/** 'job #N' (the API's heldBy) as a link to that build; anything else as text. */
function Holder({ by }: { by: string | null }) {
  if (!by) return <span className="muted">free</span>;
  const m = /^(.+) #(\d+)$/.exec(by);
  return m ? <Link to={urls.build(m[1]!, Number(m[2]))}>{by}</Link> : <span>{by}</span>;
}

const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,199}';
const NAME_TITLE = "1 to 200 letters, digits, '.', '_' or '-', starting with a letter or digit";

export function LockableResourcesPage() {
  useTitle('Lockable resources');
  const { me } = useSession();
  const admin = can(me, 'admin');
  const list = useResource((s) => api.get<AnswerOf<'listLockableResources'>>('/lockable-resources', s), []);
  // Builds taking, releasing and waiting for locks change who holds and who waits.
  useLive(['build'], () => list.reload());
  // The form: a new resource (editing === null) or the one named `editing`.
  const [editing, setEditing] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [labels, setLabels] = useState('');
  const [description, setDescription] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();

  const clear = () => { setEditing(null); setName(''); setLabels(''); setDescription(''); };
  const edit = (r: Resource) => {
    setEditing(r.name); setName(r.name); setLabels(r.labels.join(' ')); setDescription(r.description); setSaved(null);
    requestAnimationFrame(() => document.querySelector<HTMLInputElement>('input[data-labels]')?.focus());
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = (editing ?? name).trim();
    void run(async () => {
      if (editing === null && list.data?.resources.some((r) => r.name === n)) throw new Error(`name: a resource named '${n}' already exists (edit it in the list)`);
      await api.put(`/lockable-resources/${encodeURIComponent(n)}`, { labels: labels.split(/[\s,]+/).filter(Boolean), description });
      clear();
      setSaved(`Saved ${n}.`);
      list.reload();
    });
  };
  const remove = async (r: Resource) => {
    const held = r.heldBy ? <> {r.heldBy} holds it now and keeps it until its lock block ends.</> : null;
    if (!(await dlg.confirm(<>Remove the lockable resource <code>{r.name}</code>? Builds that lock it by name wait for it until it is added again.{held}</>, 'Remove'))) return;
    void run(async () => {
      await api.del(`/lockable-resources/${encodeURIComponent(r.name)}`);
      if (editing === r.name) clear();
      setSaved(`Removed ${r.name}.`);
      list.reload();
    });
  };
  // The API says `body: label 'x': ...`, `body: name '...': ...`, `body: description ...`: under that field.
  const p = problemOf(error);
  const onField = p && p.field === 'body' ? (/^Label /.test(p.message) ? 'labels' : /^Name /.test(p.message) ? 'name' : /^Description /.test(p.message) ? 'description' : null) : null;
  const fe = fieldErrors(onField && p ? new Error(`${onField}: ${p.message}`) : error, ['name', 'labels', 'description'], { pattern: { name: NAME_TITLE } });
  const resources = list.data?.resources ?? null;
  return (
    <section>
      <h1>Lockable resources</h1>
      <p className="muted">What <code>lock('name')</code> and <code>lock(label: 'x', quantity: N)</code> choose among, which build holds each now, and which builds wait for it, in the order they will get it. {admin ? null : 'Only administrators change them.'}</p>
      <ErrorBox error={list.error} />
      {!resources ? (list.error ? null : <Loading what="the lockable resources" />) : resources.length === 0 ? <p className="empty">No lockable resources yet.</p> : (
        <table className="list" aria-label="Lockable resources">
          <thead><tr><th scope="col">Name</th><th scope="col">Labels</th><th scope="col">Description</th><th scope="col">Held by</th><th scope="col">Waiting</th>{admin ? <th scope="col"><span className="sr-only">Actions</span></th> : null}</tr></thead>
          <tbody>{resources.map((r) => (
            <tr key={r.name}>
              <td className="mono">{r.name}</td>
              <td>{r.labels.length ? r.labels.map((l) => <span key={l} className="tag">{l}</span>) : <span className="muted">none</span>}</td>
              <td>{r.ephemeral ? <span className="muted">named in a Jenkinsfile; listed while in use</span> : r.description}</td>
              <td><Holder by={r.heldBy} /></td>
              <td>{r.waitingBy.length ? <ol className="waiters" aria-label={`Waiting for ${r.name}`}>{r.waitingBy.map((w, i) => <li key={`${w}-${i}`}><Holder by={w} /></li>)}</ol> : <span className="muted">none</span>}</td>
              {admin ? r.ephemeral ? <td /> : <td className="row-actions">
                <button type="button" className="small" onClick={() => edit(r)} aria-label={`Edit ${r.name}`}>Edit</button>{' '}
                <button type="button" className="small danger" disabled={busy} onClick={() => void remove(r)} aria-label={`Remove ${r.name}`}>Remove</button>
              </td> : null}
            </tr>
          ))}</tbody>
        </table>
      )}
      {admin ? (
        <Form onSubmit={submit} errors={fe} error={error} aria-label={editing ? `Edit ${editing}` : 'Add a lockable resource'} className="card" autoComplete="off">
          <h2>{editing ? <>Edit <code>{editing}</code></> : 'Add a lockable resource'}</h2>
          <Field label="Name" name="name" hint="What lock('name') names; it cannot change once added.">
            {(id) => <input id={id} className="mono" required readOnly={editing !== null} pattern={NAME_PATTERN} title={NAME_TITLE} value={editing ?? name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Labels" name="labels" hint="Words separated by spaces: lock(label: 'x') chooses among the resources with that label.">
            {(id) => <input id={id} data-labels className="mono" value={labels} onChange={(e) => setLabels(e.target.value)} />}
          </Field>
          <Field label="Description" name="description">{(id) => <input id={id} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
          <ErrorBox error={fe.rest} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>{editing ? 'Save' : 'Add resource'}</button>
            {editing ? <button type="button" onClick={clear}>Cancel</button> : null}
            {saved ? <span role="status" className="ok">{saved}</span> : null}
          </div>
        </Form>
      ) : null}
      {dlg.dialog}
    </section>
  );
}

type Server = AnswerOf<'getSshPublisherSettings'>['servers'][number];
interface ServerForm { name: string; hostname: string; port: string; username: string; remoteDirectory: string; credentialsId: string; hostKeyFingerprint: string; timeoutMs: number }

const toForm = (s: Server): ServerForm => ({ ...s, port: String(s.port) });
const toBody = (s: ServerForm) => ({ ...s, name: s.name.trim(), hostname: s.hostname.trim(), username: s.username.trim(), hostKeyFingerprint: s.hostKeyFingerprint.trim(), port: Number(s.port) });
const FIELDS = ['name', 'hostname', 'port', 'username', 'remoteDirectory', 'credentialsId', 'hostKeyFingerprint', 'timeoutMs'] as const;

export function SshServersPage() {
  useTitle('SSH servers');
  const loaded = useResource((s) => api.get<AnswerOf<'getSshPublisherSettings'>>('/settings/publish-over-ssh', s), []);
  const creds = useResource((s) => api.get<AnswerOf<'listCredentials'>>('/credentials', s).then((r) => r.credentials), []);
  const [rows, setRows] = useState<ServerForm[] | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  useEffect(() => { if (loaded.data && rows === null) setRows(loaded.data.servers.map(toForm)); }, [loaded.data, rows]);
  if (!rows) return <section><h1>SSH servers</h1><ErrorBox error={loaded.error} />{loaded.error ? null : <Loading what="the SSH servers" />}</section>;

  const put = (rs: ServerForm[], said: string) => run(async () => {
    const r = await api.put<AnswerOf<'putSshPublisherSettings'>>('/settings/publish-over-ssh', { servers: rs.map(toBody) });
    setRows(r.servers.map(toForm));
    setSaved(said);
  });
  const set = (i: number, k: keyof ServerForm, v: string) => { setRows(rows.map((x, j) => (j === i ? { ...x, [k]: v } : x))); setSaved(null); };
  const remove = async (i: number) => {
    const s = rows[i]!;
    if (!s.name.trim()) { setRows(rows.filter((_, j) => j !== i)); return; }
    if (await dlg.confirm(<>Remove the SSH server <code>{s.name}</code>? sshPublisher steps that name it fail until it is configured again.</>, 'Remove')) void put(rows.filter((_, j) => j !== i), `Removed ${s.name}.`);
  };
  const fe = fieldErrors(error, rows.flatMap((_, i) => FIELDS.map((k) => `servers[${i}].${k}`)));
  const c = creds.data ?? null;
  return (
    <section>
      <h1>SSH servers</h1>
      <p className="muted">The servers <code>sshPublisher(publishers: [sshPublisherDesc(configName: 'name', ...)])</code> copies files to over SFTP and runs commands on, as Publish Over SSH's global configuration. The key or password stays in <Link to="/credentials">credentials</Link>: each server names one, and no secret is shown here.</p>
      <ErrorBox error={loaded.error ?? creds.error} />
      <Form onSubmit={(e) => { e.preventDefault(); void put(rows, 'Saved.'); }} errors={fe} error={error} aria-label="SSH servers" autoComplete="off">
        {rows.length === 0 ? <p className="empty">No SSH servers yet.</p> : null}
        {rows.map((s, i) => (
          <fieldset key={i} className="card" aria-label={`SSH server ${s.name || i + 1}`}>
            <legend>{s.name || `Server ${i + 1}`}</legend>
            <Field label="Name" name={`servers[${i}].name`} hint="What configName names">{(id) => <input id={id} required value={s.name} onChange={(e) => set(i, 'name', e.target.value)} />}</Field>
            <Field label="Host" name={`servers[${i}].hostname`} hint="A host name or IP address">{(id) => <input id={id} required className="mono" value={s.hostname} onChange={(e) => set(i, 'hostname', e.target.value)} />}</Field>
            <Field label="Port" name={`servers[${i}].port`}>{(id) => <input id={id} type="number" required min={1} max={65535} step={1} value={s.port} onChange={(e) => set(i, 'port', e.target.value)} />}</Field>
            <Field label="User" name={`servers[${i}].username`}>{(id) => <input id={id} required className="mono" value={s.username} onChange={(e) => set(i, 'username', e.target.value)} />}</Field>
            <Field label="Remote root" name={`servers[${i}].remoteDirectory`} hint="Where files go: each transfer's remoteDirectory is under it. Absolute, or relative to the user's home (empty: the home).">{(id) => <input id={id} className="mono" value={s.remoteDirectory} onChange={(e) => set(i, 'remoteDirectory', e.target.value)} />}</Field>
            <CredentialField label="Credential" name={`servers[${i}].credentialsId`} hint="An SSH key, or a username with password." value={s.credentialsId} creds={c} types={['sshKey', 'usernamePassword']} required onChange={(v) => set(i, 'credentialsId', v)} />
            <Field label="Host key fingerprint" name={`servers[${i}].hostKeyFingerprint`} hint={<>Required: Kiln pins host keys and refuses a server whose key differs, so a man in the middle cannot take the files or the credential. On the server, <code>ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub</code> prints it (SHA256:...).</>}>
              {(id) => <input id={id} required className="mono" placeholder="SHA256:..." value={s.hostKeyFingerprint} onChange={(e) => set(i, 'hostKeyFingerprint', e.target.value)} />}
            </Field>
            <button type="button" className="small danger" disabled={busy} onClick={() => void remove(i)}>Remove server</button>
          </fieldset>
        ))}
        <ErrorBox error={fe.rest} />
        <div className="actions">
          <button type="button" onClick={() => { setRows([...rows, { name: '', hostname: '', port: '22', username: '', remoteDirectory: '', credentialsId: '', hostKeyFingerprint: '', timeoutMs: 300_000 }]); setSaved(null); }}>Add SSH server</button>
          <button type="submit" className="primary" disabled={busy}>Save</button>
          {saved ? <span role="status" className="ok">{saved}</span> : null}
        </div>
      </Form>
      {dlg.dialog}
    </section>
  );
}
