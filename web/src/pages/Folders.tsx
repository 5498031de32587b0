// Folder permissions (admins): for each folder with grants, a matrix of grantees (users, or
// every developer) × rights, edited in place and saved as a whole (PUT /api/v1/folders/:folder);
// a new folder is guarded by adding its first grantee. What the rights mean:
// src/controller/auth/folders.ts (and docs/architecture.md, "Who may do what"). Below them, the
// folder properties editor (FolderProperties.tsx).
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, problemOf } from '../forms.tsx';
import { when } from '../format.ts';
import { useResource } from '../hooks.ts';
import type { AnswerOf, User } from '../types.ts';
import { useTitle } from '../title.ts';
import { FolderPropertiesSection } from './FolderProperties.tsx';

const RIGHTS = ['job.create', 'job.configure', 'job.build', 'job.delete', 'credentials.use'] as const;
type Right = (typeof RIGHTS)[number];
const HINT: Record<Right, string> = {
  'job.create': 'create jobs in the folder, move jobs into it',
  'job.configure': 'change its jobs; replay with a changed script',
  'job.build': 'build, abort, replay, answer inputs, cancel queued builds',
  'job.delete': 'delete its jobs, move them out',
  'credentials.use': "the jobs this user saves may bind the folder's credentials",
};

/** A grant as edited here (a new one has no time or author yet); the API's FolderGrant fits it. */
interface Grant { grantee: string; rights: Right[]; updatedAt?: number; updatedBy?: string }
interface FolderGrants { folder: string; grants: Grant[] }

// A folder is spelled like the start of a job name (api-schemas.ts JOB_NAME).
const FOLDER = "/?[A-Za-z0-9_][A-Za-z0-9._ \\-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._ \\-]{0,99}){0,9}/?";
const FOLDER_FORM = "Folder names of letters, digits, '.', '_', '-' and spaces, separated by '/' (team or team/sub)";

const granteeLabel = (g: string) => (g === 'role:developer' ? 'every developer' : g.replace(/^user:/, ''));

export function FoldersPage() {
  useTitle('Folder permissions');
  const folders = useResource((s) => api.get<AnswerOf<'listFolders'>>('/folders', s).then((r) => r.folders), []);
  const users = useResource((s) => api.get<AnswerOf<'listUsers'>>('/users', s).then((r) => r.users.filter((u) => u.role === 'developer')), []);
  const [adding, setAdding] = useState<string[]>([]);
  const [name, setName] = useState('');
  const shown = [...(folders.data ?? []), ...adding.filter((f) => !folders.data?.some((x) => x.folder === f)).map((folder) => ({ folder, grants: [] }))];
  const add = (e: FormEvent) => {
    e.preventDefault();
    const f = name.trim().replace(/^\/+|\/+$/g, '');
    if (f) setAdding([...adding, f]);
    setName('');
  };
  return (
    <section>
      <h1>Folder permissions</h1>
      <p className="muted">
        A folder without grants is open to every developer. Once it has a grant, only the grantees (with the rights ticked, here and in
        folders above) and admins may change, build or add jobs in it and its subfolders; viewers never. A build binds the folder's
        credentials only if whoever last saved its job holds <code>credentials.use</code>.
      </p>
      <ErrorBox error={folders.error ?? users.error} />
      {!folders.data ? <Loading what="folder permissions" /> : shown.length === 0 ? <p className="empty">No folder has grants: every developer may work in every folder.</p> : null}
      {shown.map((f) => (
        <FolderCard key={f.folder} folder={f} developers={users.data ?? []} onDone={() => { setAdding(adding.filter((x) => x !== f.folder)); folders.reload(); }} />
      ))}
      <Form className="card" onSubmit={add} aria-labelledby="guard-h">
        <h2 id="guard-h">Guard a folder</h2>
        <Field label="Folder" hint="spelled like the start of job names: team, or team/sub">{(id) => <input id={id} required pattern={FOLDER} title={FOLDER_FORM} value={name} onChange={(e) => setName(e.target.value)} placeholder="team" />}</Field>
        <button type="submit">Guard folder</button>
      </Form>
      <FolderPropertiesSection />
    </section>
  );
}

function FolderCard({ folder, developers, onDone }: { folder: FolderGrants; developers: User[]; onDone: () => void }) {
  const [grants, setGrants] = useState<Grant[]>(folder.grants);
  const [who, setWho] = useState('');
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  const path = `/folders/${encodeURIComponent(folder.folder)}`;
  const dirty = JSON.stringify(grants.map((g) => [g.grantee, g.rights])) !== JSON.stringify(folder.grants.map((g) => [g.grantee, g.rights]));
  const toggle = (i: number, r: Right) => setGrants(grants.map((g, j) => (j !== i ? g : { ...g, rights: g.rights.includes(r) ? g.rights.filter((x) => x !== r) : RIGHTS.filter((x) => x === r || g.rights.includes(x)) })));
  const save = () => run(async () => { await api.put(path, { grants: grants.map((g) => ({ grantee: g.grantee, rights: g.rights })) }); onDone(); });
  const removeAll = () => run(async () => {
    if (!(await dlg.confirm(`Remove every grant on ${folder.folder}? Every developer may then work in it.`, 'Remove grants'))) return;
    if (folder.grants.length > 0) await api.del(path);
    onDone();
  });
  // An error about one grant (`grants[1].grantee: ...`) shows in its row.
  const problem = problemOf(error);
  const badRow = problem ? /^grants\[(\d+)\]/.exec(problem.field) : null;
  const rowError = (i: number) => (badRow && Number(badRow[1]) === i ? problem!.message : null);
  const candidates = ['role:developer', ...developers.map((u) => `user:${u.name}`)].filter((g) => !grants.some((x) => x.grantee === g));
  return (
    <div className="card">
      <h2><code>{folder.folder}/</code></h2>
      <table className="list">
        <thead><tr><th scope="col">Grantee</th>{RIGHTS.map((r) => <th key={r} scope="col" title={HINT[r]}>{r}</th>)}<th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>{grants.map((g, i) => (
          <tr key={g.grantee}>
            <td><strong>{granteeLabel(g.grantee)}</strong>{g.updatedBy ? <div className="muted small">by {g.updatedBy}, {when(g.updatedAt)}</div> : null}
              {rowError(i) ? <div className="field-error" role="alert">{rowError(i)}</div> : null}</td>
            {RIGHTS.map((r) => (
              <td key={r}><input type="checkbox" aria-label={`${r} for ${granteeLabel(g.grantee)} on ${folder.folder}`} checked={g.rights.includes(r)} disabled={busy} onChange={() => toggle(i, r)} /></td>
            ))}
            <td className="row-actions"><button className="small danger" disabled={busy} onClick={() => setGrants(grants.filter((_, j) => j !== i))} aria-label={`Remove ${granteeLabel(g.grantee)} from ${folder.folder}`}>Remove</button></td>
          </tr>
        ))}</tbody>
      </table>
      <div className="row-actions">
        <label className="inline small">Add
          <select value={who} onChange={(e) => setWho(e.target.value)} aria-label={`Add a grantee to ${folder.folder}`}>
            <option value="">a developer…</option>
            {candidates.map((g) => <option key={g} value={g}>{granteeLabel(g)}</option>)}
          </select>
        </label>
        <button className="small" disabled={!who || busy} onClick={() => { setGrants([...grants, { grantee: who, rights: [] }]); setWho(''); }}>Add</button>
        <button className="primary small" disabled={!dirty || busy} onClick={() => void save()}>Save</button>
        <button className="small danger" disabled={busy} onClick={() => void removeAll()}>Remove all grants</button>
      </div>
      <ErrorBox error={badRow ? null : error} />
      {dlg.dialog}
    </div>
  );
}
