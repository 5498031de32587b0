// Users (admin): list, create, change role, disable, reset password, delete, unlock a login
// locked by failed logins; each user's tokens.
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { when } from '../format.ts';
import { useResource } from '../hooks.ts';
import { Tokens } from '../tokens.tsx';
import type { AnswerOf, Role } from '../types.ts';
import { useTitle } from '../title.ts';

const ROLES: Role[] = ['viewer', 'developer', 'admin'];

export function UsersPage() {
  useTitle('Users');
  const users = useResource((s) => api.get<AnswerOf<'listUsers'>>('/users', s).then((r) => r.users), []);
  const [open, setOpen] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  const update = (name: string, body: Record<string, unknown>) => run(async () => { await api.put(`/users/${encodeURIComponent(name)}`, body); users.reload(); });
  const remove = (name: string) => run(async () => {
    if (!(await dlg.confirm(`Delete user ${name}?`, 'Delete'))) return;
    await api.del(`/users/${encodeURIComponent(name)}`);
    users.reload();
  });
  const unlock = (name: string) => run(async () => { await api.post(`/users/${encodeURIComponent(name)}/unlock`); users.reload(); });
  const setEmail = async (name: string, current: string | null) => {
    const email = await dlg.ask(<>The e-mail address of <strong>{name}</strong> (empty: none).</>, 'Save', { label: 'E-mail address', type: 'email', value: current ?? '' });
    if (email !== null) void update(name, { email: email.trim() || null });
  };
  const reset = async (name: string) => {
    const password = await dlg.ask(<>A new password for <strong>{name}</strong>: their sessions end, their API tokens keep working.</>, 'Set password', { label: 'New password', type: 'password', required: true });
    if (password) void update(name, { password });
  };
  return (
    <section>
      <h1>Users</h1>
      <ErrorBox error={users.error ?? error} />
      {!users.data ? <Loading what="users" /> : (
        <table className="list">
          <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">State</th><th scope="col" className="hide-narrow">Created</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>{users.data.map((u) => (
            <tr key={u.name}>
              <td><strong>{u.name}</strong>{u.fullName ? <div className="muted small">{u.fullName}</div> : null}{u.email ? <div className="muted small">{u.email}</div> : null}</td>
              <td><select aria-label={`Role of ${u.name}`} value={u.role} disabled={busy} onChange={(e) => void update(u.name, { role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></td>
              <td>
                <label className="inline small"><input type="checkbox" checked={u.disabled} disabled={busy} onChange={(e) => void update(u.name, { disabled: e.target.checked })} /> disabled</label>
                {u.login?.lockedUntil ? (
                  <div className="small">
                    <span className="st-failure-text">Login locked until {when(u.login.lockedUntil)}</span> ({u.login.failures} failed logins){' '}
                    <button className="small" disabled={busy} onClick={() => void unlock(u.name)} aria-label={`Unlock the login of ${u.name}`}>Unlock</button>
                  </div>
                ) : u.login && u.login.failures > 0 ? <div className="muted small">{u.login.failures} failed login(s)</div> : null}
              </td>
              <td className="hide-narrow">{when(u.createdAt)}</td>
              <td className="row-actions">
                <button className="small" onClick={() => reset(u.name)}>Set password</button>
                <button className="small" onClick={() => setEmail(u.name, u.email)} aria-label={`Set e-mail of ${u.name}`}>Set e-mail</button>
                <button className="small" aria-expanded={open === u.name} onClick={() => setOpen(open === u.name ? null : u.name)}>Tokens</button>
                <button className="small danger" disabled={busy} onClick={() => void remove(u.name)} aria-label={`Delete user ${u.name}`}>Delete</button>
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {open ? <div className="card"><h2>Tokens of {open}</h2><Tokens base={`/users/${encodeURIComponent(open)}/tokens`} /></div> : null}
      <NewUser onDone={() => users.reload()} />
      {dlg.dialog}
    </section>
  );
}

function NewUser({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [fullName, setFull] = useState('');
  const [email, setMail] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const [password, setPassword] = useState('');
  const [run, busy, error] = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => { await api.post('/users', { name, fullName, role, password, email: email.trim() || null }); setName(''); setFull(''); setMail(''); setPassword(''); onDone(); });
  };
  const fe = fieldErrors(error, ['name', 'fullName', 'email', 'role', 'password'], { conflict: 'name' });
  return (
    <Form className="card" onSubmit={submit} errors={fe} error={error} aria-labelledby="new-user-h" autoComplete="off">
      <h2 id="new-user-h">New user</h2>
      <Field label="Username" error={fe.of('name')}>{(id) => <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />}</Field>
      <Field label="Full name" error={fe.of('fullName')}>{(id) => <input id={id} value={fullName} onChange={(e) => setFull(e.target.value)} />}</Field>
      <Field label="E-mail" error={fe.of('email')} hint="Where emailext's requestor() and developers() mail to this user goes">{(id) => <input id={id} type="email" value={email} onChange={(e) => setMail(e.target.value)} />}</Field>
      <Field label="Role" error={fe.of('role')}>{(id) => <select id={id} value={role} onChange={(e) => setRole(e.target.value as Role)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>}</Field>
      <Field label="Password" error={fe.of('password')}>{(id) => <input id={id} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
      <ErrorBox error={fe.rest} />
      <button type="submit" className="primary" disabled={busy}>Create user</button>
    </Form>
  );
}
