// Unlock (first start: the initial admin password from the file the controller names, and the
// first admin) and login. Each field's error is under it (forms.tsx); a wrong user name or
// password is said for the form, not for one field (it does not tell which was wrong).
import { useEffect, useState, type FormEvent } from 'react';
import { api, request } from '../api.ts';
import { ErrorBox, Field, useAction } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import type { AnswerOf, Me, Session } from '../types.ts';
import { useTitle } from '../title.ts';

export function SetupPage({ onDone }: { onDone: (me: Me) => void }) {
  useTitle('Unlock');
  const [file, setFile] = useState<string | null>(null);
  const [initialPassword, setInitial] = useState('');
  const [username, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [run, busy, error, setError] = useAction();
  useEffect(() => {
    api.get<AnswerOf<'getSetup'>>('/setup').then((s) => setFile(s.passwordFile ?? null), (e: unknown) => setError(e));
  }, [setError]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) { setError(new Error('confirm: the two passwords differ')); return; }
    void run(async () => {
      const r = await request<Session>('POST', '/setup', { initialPassword: initialPassword.trim(), username, password }, { quiet401: true });
      onDone({ user: r.user, via: 'session', csrfToken: r.csrfToken });
    });
  };
  // The store calls the user name `name`; the form calls it username.
  const fe = fieldErrors(error, ['initialPassword', 'username', 'name', 'password', 'confirm']);
  return (
    <main className="center auth">
      <h1>Unlock Kiln</h1>
      <p>To prove you run this controller, copy the initial admin password from the file it wrote on its first start:</p>
      <pre className="path" aria-label="Initial admin password file">{file ?? '<KILN_HOME>/secrets/initialAdminPassword'}</pre>
      <p className="muted">For example: <code>cat {file ?? '~/.kiln/secrets/initialAdminPassword'}</code>. The file is removed once the first admin exists.</p>
      <Form onSubmit={submit} errors={fe} error={error} aria-label="Unlock Kiln">
        <Field label="Initial admin password" name="initialPassword">{(id) => <input id={id} name="initialPassword" type="password" autoComplete="off" required value={initialPassword} onChange={(e) => setInitial(e.target.value)} autoFocus />}</Field>
        <h2>Create the first admin</h2>
        <Field label="Username" name={['username', 'name']}>{(id) => <input id={id} name="username" autoComplete="username" required value={username} onChange={(e) => setUser(e.target.value)} />}</Field>
        <Field label="Password" name="password">{(id) => <input id={id} name="password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        <Field label="Confirm password" name="confirm">{(id) => <input id={id} name="confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />}</Field>
        <ErrorBox error={fe.rest} />
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Unlocking…' : 'Unlock and create admin'}</button>
      </Form>
    </main>
  );
}

export function LoginPage({ onDone, reason }: { onDone: (me: Me) => void; reason?: string | undefined }) {
  useTitle('Log in');
  const [username, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [run, busy, error] = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const r = await request<Session>('POST', '/auth/login', { username, password }, { quiet401: true });
      onDone({ user: r.user, via: 'session', csrfToken: r.csrfToken });
    });
  };
  return (
    <main className="center auth">
      <h1>Log in to Kiln</h1>
      {reason ? <p className="muted" role="status">{reason}</p> : null}
      <Form onSubmit={submit} aria-label="Log in">
        <Field label="Username">{(id) => <input id={id} name="username" autoComplete="username" required value={username} onChange={(e) => setUser(e.target.value)} autoFocus />}</Field>
        <Field label="Password">{(id) => <input id={id} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </Form>
    </main>
  );
}
