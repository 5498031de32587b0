// API tokens of a user (own profile: /me/tokens; admins: /users/:name/tokens). A new token's
// value is shown once, right after it is made.
import { useState, type FormEvent } from 'react';
import { api } from './api.ts';
import { CopyButton, ErrorBox, Field, Loading, useAction, useDialog } from './components.tsx';
import { Form, fieldErrors } from './forms.tsx';
import { ago, when } from './format.ts';
import { useResource } from './hooks.ts';
import type { AnswerOf, NewToken, Token } from './types.ts';

export function Tokens({ base }: { base: string }) {
  const list = useResource((s) => api.get<AnswerOf<'listMyTokens'>>(base, s).then((r) => r.tokens), [base]);
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [fresh, setFresh] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const t = await api.post<NewToken>(base, { name: name || 'token', ...(days ? { expiresInDays: Number(days) } : {}) });
      setFresh(t.token);
      setName('');
      list.reload();
    });
  };
  const revoke = (t: Token) => run(async () => {
    if (!(await dlg.confirm(`Revoke token ${t.name}? Whatever uses it stops working.`, 'Revoke'))) return;
    await api.del(`${base}/${encodeURIComponent(t.id)}`);
    list.reload();
  });
  const fe = fieldErrors(error, ['name', 'expiresInDays']);
  return (
    <div>
      <ErrorBox error={list.error ?? fe.rest} />
      {fresh ? (
        <div className="card notice" role="status">
          <strong>New token</strong> (copy it now: it is not shown again):
          <div className="command"><pre aria-label="New API token">{fresh}</pre><CopyButton text={fresh} /></div>
          <button className="small" onClick={() => setFresh(null)}>Done</button>
        </div>
      ) : null}
      {!list.data ? <Loading what="tokens" /> : list.data.length === 0 ? <p className="muted">No API tokens.</p> : (
        <table className="list">
          <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>{list.data.map((t) => (
            <tr key={t.id}><td>{t.name}</td><td>{when(t.createdAt)}</td><td>{t.lastUsedAt ? ago(t.lastUsedAt) : 'never'}</td><td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
              <td><button className="small danger" disabled={busy} onClick={() => void revoke(t)} aria-label={`Revoke token ${t.name}`}>Revoke</button></td></tr>
          ))}</tbody>
        </table>
      )}
      <Form className="inline-form" onSubmit={create} errors={fe} error={error} aria-label="Generate an API token">
        <Field label="Token name" name="name">{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-script" />}</Field>
        <Field label="Expires in days (optional)" name="expiresInDays">{(id) => <input id={id} type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />}</Field>
        <button type="submit" disabled={busy}>Generate token</button>
      </Form>
      {dlg.dialog}
    </div>
  );
}
