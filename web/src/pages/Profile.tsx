import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, useAction } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { useSession } from '../session.ts';
import { Tokens } from '../tokens.tsx';
import { useTitle } from '../title.ts';

export function ProfilePage() {
  useTitle('Profile');
  const { me } = useSession();
  const [currentPassword, setCur] = useState('');
  const [newPassword, setNew] = useState('');
  const [done, setDone] = useState(false);
  const [run, busy, error] = useAction();
  const change = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    void run(async () => { await api.put('/me/password', { currentPassword, newPassword }); setCur(''); setNew(''); setDone(true); });
  };
  const fe = fieldErrors(error, ['currentPassword', 'newPassword']);
  return (
    <section>
      <h1>{me.user.name}</h1>
      <p>{me.user.fullName ? `${me.user.fullName} · ` : ''}role <strong>{me.user.role}</strong></p>
      {me.via === 'admin-token' ? <p className="muted">You are using the configured admin token: it has no password or tokens of its own.</p> : (
        <>
          <h2>API tokens</h2>
          <p className="muted">For the CLI (<code>KILN_TOKEN</code>) and scripts: <code>Authorization: Bearer &lt;token&gt;</code>.</p>
          <Tokens base="/me/tokens" />
          <h2>Change password</h2>
          <Form className="card" onSubmit={change} errors={fe} error={error} aria-label="Change password">
            <Field label="Current password" name="currentPassword">{(id) => <input id={id} type="password" autoComplete="current-password" required value={currentPassword} onChange={(e) => setCur(e.target.value)} />}</Field>
            <Field label="New password" name="newPassword">{(id) => <input id={id} type="password" autoComplete="new-password" required value={newPassword} onChange={(e) => setNew(e.target.value)} />}</Field>
            <ErrorBox error={fe.rest} />
            {done ? <p className="ok" role="status">Password changed.</p> : null}
            <button type="submit" disabled={busy}>Change password</button>
          </Form>
        </>
      )}
    </section>
  );
}
