// Folder properties (admins; the Folder Properties plugin): a folder's key/value pairs, which
// its jobs' withFolderProperties { } blocks get as environment variables (the nearest folder
// wins). Shown on the Folders page: open a folder by name, edit its pairs in place, save them as
// a whole (PUT /api/v1/folders/:folder/properties) or remove them all; the folders above it are
// shown read-only. Keys are environment variable names; values are no secrets (use credentials).
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, problemOf } from '../forms.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf } from '../types.ts';

interface Pair { key: string; value: string }
const KEY = '[A-Za-z_][A-Za-z0-9_]{0,127}';

export function FolderPropertiesSection() {
  const [name, setName] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f = name.trim().replace(/^\/+|\/+$/g, '');
    setOpen(f || null);
  };
  return (
    <section aria-labelledby="fprops-h">
      <h2 id="fprops-h">Folder properties</h2>
      <p className="muted">
        Key/value pairs a folder's jobs get as environment variables inside <code>withFolderProperties {'{ }'}</code> (or{' '}
        <code>options {'{ withFolderProperties() }'}</code>); a subfolder's value wins over its parent's. They are not secrets: use credentials for those.
      </p>
      <Form className="card" onSubmit={submit} aria-labelledby="fprops-open-h">
        <h3 id="fprops-open-h">Edit a folder's properties</h3>
        <Field label="Properties of folder" hint="team, or team/sub">{(id) => <input id={id} required value={name} onChange={(e) => setName(e.target.value)} placeholder="team" />}</Field>
        <button type="submit">Open properties</button>
      </Form>
      {open ? <PropertiesCard key={open} folder={open} /> : null}
    </section>
  );
}

function PropertiesCard({ folder }: { folder: string }) {
  const path = `/folders/${encodeURIComponent(folder)}/properties`;
  const got = useResource((s) => api.get<AnswerOf<'getFolderProperties'>>(path, s), [path]);
  const [pairs, setPairs] = useState<Pair[] | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  if (got.error) return <ErrorBox error={got.error} />;
  if (!got.data) return <Loading what={`the properties of ${folder}`} />;
  const saved = got.data.properties.map((p) => ({ key: p.key, value: p.value }));
  const shown = pairs ?? saved;
  const dirty = JSON.stringify(shown) !== JSON.stringify(saved);
  const edit = (i: number, p: Partial<Pair>) => setPairs(shown.map((x, j) => (j === i ? { ...x, ...p } : x)));
  const store = () => run(async () => { await api.put(path, { properties: shown }); setPairs(null); got.reload(); });
  const removeAll = () => run(async () => {
    if (!(await dlg.confirm(`Remove every property of ${folder}?`, 'Remove properties'))) return;
    if (saved.length > 0) await api.del(path);
    setPairs(null);
    got.reload();
  });
  const problem = problemOf(error);
  const bad = problem ? /^properties\[(\d+)\]/.exec(problem.field) : null;
  const rowError = (i: number) => (bad && Number(bad[1]) === i ? problem!.message : null);
  return (
    <div className="card">
      <h3><code>{folder}/</code></h3>
      {got.data.inherited.map((x) => (
        <p key={x.folder} className="muted small">From <code>{x.folder}/</code>: {x.properties.map((p) => p.key).join(', ')}</p>
      ))}
      {shown.length === 0 ? <p className="empty">No properties on this folder.</p> : (
        <table className="list">
          <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>{shown.map((p, i) => (
            <tr key={i}>
              <td><input aria-label={`Key ${i + 1} of ${folder}`} required pattern={KEY} title="An environment variable name: letters, digits and _, not starting with a digit" value={p.key} disabled={busy} onChange={(e) => edit(i, { key: e.target.value })} />
                {rowError(i) ? <div className="field-error" role="alert">{rowError(i)}</div> : null}</td>
              <td><input aria-label={`Value ${i + 1} of ${folder}`} maxLength={8192} value={p.value} disabled={busy} onChange={(e) => edit(i, { value: e.target.value })} /></td>
              <td className="row-actions"><button className="small danger" disabled={busy} onClick={() => setPairs(shown.filter((_, j) => j !== i))} aria-label={`Remove property ${i + 1} of ${folder}`}>Remove</button></td>
            </tr>
          ))}</tbody>
        </table>
      )}
      <div className="row-actions">
        <button className="small" disabled={busy} onClick={() => setPairs([...shown, { key: '', value: '' }])}>Add property</button>
        <button className="primary small" disabled={!dirty || busy} onClick={() => void store()}>Save properties</button>
        <button className="small danger" disabled={busy} onClick={() => void removeAll()}>Remove all properties</button>
      </div>
      <ErrorBox error={bad ? null : error} />
      {dlg.dialog}
    </div>
  );
}
