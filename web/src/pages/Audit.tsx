// The audit log (admins): who did what, newest first, filtered by actor or action, paged.
import { useState } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Loading } from '../components.tsx';
import { when } from '../format.ts';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';
import { useTitle } from '../title.ts';

export function AuditPage() {
  useTitle('Audit log');
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const before = pages[pages.length - 1] ?? null;
  const q = new URLSearchParams({ limit: '50' });
  if (actor.trim()) q.set('actor', actor.trim());
  if (action.trim()) q.set('action', action.trim());
  if (before) q.set('before', before);
  const r = useResource((s) => api.get<AnswerOf<'getAuditLog'>>(`/audit?${q.toString()}`, s), [q.toString()]);
  return (
    <section>
      <h1>Audit log</h1>
      <div className="filters" role="search">
        <label className="inline">Actor <input value={actor} onChange={(e) => { setActor(e.target.value); setPages([null]); }} placeholder="user name" /></label>
        <label className="inline">Action <input value={action} onChange={(e) => { setAction(e.target.value); setPages([null]); }} placeholder="e.g. login, credential.create" /></label>
      </div>
      <ErrorBox error={r.error} />
      {!r.data ? <Loading what="the audit log" /> : r.data.entries.length === 0 ? <p className="empty">Nothing recorded{actor || action ? ' that matches' : ''}.</p> : (
        <table className="list">
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">On</th><th scope="col" className="hide-narrow">Detail</th><th scope="col" className="hide-narrow">From</th></tr></thead>
          <tbody>{r.data.entries.map((e) => (
            <tr key={e.id}><td className="small">{when(e.at)}</td><td>{e.actor}</td><td><code>{e.action}</code></td><td>{e.target}</td><td className="hide-narrow small">{e.detail}</td><td className="hide-narrow small">{e.address}</td></tr>
          ))}</tbody>
        </table>
      )}
      <div className="pager">
        <button disabled={pages.length <= 1} onClick={() => setPages(pages.slice(0, -1))}>Newer</button>
        <span className="muted">page {pages.length}</span>
        <button disabled={!r.data?.next} onClick={() => r.data?.next && setPages([...pages, r.data.next])}>Older</button>
      </div>
    </section>
  );
}
