// Manage › Throttle categories (GET|PUT /api/v1/settings/throttle-categories, admins;
// src/controller/throttle.ts): the categories the throttle step names, each with how many node
// blocks inside `throttle([name]) { }` may hold their nodes at once across all builds and on one node (0: no
// limit). The PUT replaces the whole list, so the page sends every row as the form shows it;
// errors sit beside their field (forms.tsx). The route makes it admin-only (App.tsx).
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';
import { useTitle } from '../title.ts';

interface Row { name: string; maxConcurrentTotal: string; maxConcurrentPerNode: string }

const toRow = (c: { name: string; maxConcurrentTotal: number; maxConcurrentPerNode: number }): Row => ({ name: c.name, maxConcurrentTotal: String(c.maxConcurrentTotal), maxConcurrentPerNode: String(c.maxConcurrentPerNode) });

export function ThrottleCategoriesPage() {
  useTitle('Throttle categories');
  const loaded = useResource((s) => api.get<AnswerOf<'getThrottleCategories'>>('/settings/throttle-categories', s), []);
  const [rows, setRows] = useState<Row[] | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  useEffect(() => { if (loaded.data && rows === null) setRows(loaded.data.categories.map(toRow)); }, [loaded.data, rows]);
  if (!rows) return <section><h1>Throttle categories</h1><ErrorBox error={loaded.error} />{loaded.error ? null : <Loading what="the throttle categories" />}</section>;
  const put = (rs: Row[], said: string) => run(async () => {
    const r = await api.put<AnswerOf<'putThrottleCategories'>>('/settings/throttle-categories', { categories: rs.map((x) => ({ name: x.name.trim(), maxConcurrentTotal: Number(x.maxConcurrentTotal), maxConcurrentPerNode: Number(x.maxConcurrentPerNode) })) });
    setRows(r.categories.map(toRow));
    setSaved(said);
  });
  const set = (i: number, k: keyof Row, v: string) => { setRows(rows.map((x, j) => (j === i ? { ...x, [k]: v } : x))); setSaved(null); };
  const fe = fieldErrors(error, rows.flatMap((_, i) => [`categories[${i}].name`, `categories[${i}].maxConcurrentTotal`, `categories[${i}].maxConcurrentPerNode`]));
  return (
    <section>
      <h1>Throttle categories</h1>
      <p className="muted">What <code>throttle(['name']) {'{ node { ... } }'}</code> names: at most this many node blocks inside such throttle blocks hold their nodes at once, across all builds, and at most the maximum per node on one agent; the others wait in line (0: no limit).</p>
      <Form onSubmit={(e) => { e.preventDefault(); void put(rows, 'Saved.'); }} errors={fe} error={error} aria-label="Throttle categories" autoComplete="off">
        {rows.length === 0 ? <p className="empty">No throttle categories yet.</p> : null}
        {rows.map((c, i) => (
          <fieldset key={i} className="card" aria-label={`Category ${c.name || i + 1}`}>
            <Field label="Name" name={`categories[${i}].name`}>{(id) => <input id={id} required className="mono" value={c.name} onChange={(e) => set(i, 'name', e.target.value)} />}</Field>
            <Field label="Maximum at once" name={`categories[${i}].maxConcurrentTotal`} hint="Across all builds and nodes; 0: no limit">{(id) => <input id={id} type="number" required min={0} max={10000} step={1} value={c.maxConcurrentTotal} onChange={(e) => set(i, 'maxConcurrentTotal', e.target.value)} />}</Field>
            <Field label="Maximum per node" name={`categories[${i}].maxConcurrentPerNode`} hint="On one agent; 0: no limit">{(id) => <input id={id} type="number" required min={0} max={10000} step={1} value={c.maxConcurrentPerNode} onChange={(e) => set(i, 'maxConcurrentPerNode', e.target.value)} />}</Field>
            <button type="button" className="small danger" disabled={busy} onClick={() => { setRows(rows.filter((_, j) => j !== i)); setSaved(null); }}>Remove category</button>
          </fieldset>
        ))}
        <ErrorBox error={fe.rest} />
        <div className="actions">
          <button type="button" onClick={() => { setRows([...rows, { name: '', maxConcurrentTotal: '1', maxConcurrentPerNode: '0' }]); setSaved(null); }}>Add category</button>
          <button type="submit" className="primary" disabled={busy}>Save</button>
          {saved ? <span role="status" className="ok">{saved}</span> : null}
        </div>
      </Form>
    </section>
  );
}
