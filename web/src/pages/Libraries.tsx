// Shared libraries: the global ones, or a folder's (the folder box), listed with their repository
// and default version; an add/edit form with Jenkins' fields (name, repository URL, default
// version, load implicitly, allow default version to be overridden, include @Library changes in
// job recent changes, credentials); delete through the page's own dialog; "Test" fetches the
// library as the form says (saved or not) and shows the commit and its vars with their help.
//   GET|PUT|DELETE /api/v1/libraries/:name, POST /api/v1/libraries/:name/test
//   the same under /api/v1/folders/:folder/libraries for a folder's
// Everyone logged in sees them (credential ids only); admins change and test them.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction } from '../components.tsx';
import { Form as FieldForm, fieldErrors } from '../forms.tsx';
import { can, useSession } from '../session.ts';
import type { AnswerOf, Credential } from '../types.ts';

type Library = AnswerOf<'getLibrary'>;
type TestReport = AnswerOf<'testLibrary'>;

interface Form { name: string; url: string; defaultVersion: string; implicit: boolean; allowVersionOverride: boolean; includeInChangesets: boolean; credentialsId: string }
const EMPTY: Form = { name: '', url: '', defaultVersion: 'main', implicit: false, allowVersionOverride: true, includeInChangesets: true, credentialsId: '' };

const formOf = (l: Library): Form => ({
  name: l.name, url: l.url, defaultVersion: l.defaultVersion ?? '', implicit: l.implicit, allowVersionOverride: l.allowVersionOverride,
  includeInChangesets: l.includeInChangesets, credentialsId: l.credentialsId ?? '',
});
const bodyOf = (f: Form) => ({
  url: f.url.trim(), defaultVersion: f.defaultVersion.trim() || null, implicit: f.implicit, allowVersionOverride: f.allowVersionOverride,
  includeInChangesets: f.includeInChangesets, credentialsId: f.credentialsId || null,
});

export function LibrariesPage() {
  const { me } = useSession();
  const admin = can(me, 'admin');
  const [folder, setFolder] = useState('');
  const [shownFolder, setShownFolder] = useState('');
  const [list, setList] = useState<Library[] | null>(null);
  const [f, setF] = useState<Form | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [creds, setCreds] = useState<Credential[]>([]);
  const [result, setResult] = useState<TestReport | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  const dialog = useRef<HTMLDialogElement>(null);

  const base = (fo: string) => (fo ? `/folders/${encodeURIComponent(fo)}/libraries` : '/libraries');
  const load = (fo: string) => run(async () => {
    const r = await api.get<AnswerOf<'listLibraries'>>(base(fo));
    setList(r.libraries);
    setShownFolder(fo);
  });
  useEffect(() => {
    void load('');
    if (admin) api.get<AnswerOf<'listCredentials'>>('/credentials').then((r) => setCreds(r.credentials), () => {});
  }, []);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (deleting && !d.open) d.showModal?.();
    if (!deleting && d.open) d.close();
  }, [deleting]);

  const set = <K extends keyof Form>(k: K, v: Form[K]) => { if (f) setF({ ...f, [k]: v }); setSaved(null); };
  const edit = (l: Library | null) => { setF(l ? formOf(l) : EMPTY); setEditing(l ? l.name : null); setResult(null); setSaved(null); };
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!f) return;
    void run(async () => {
      const lib = await api.put<Library>(`${base(shownFolder)}/${encodeURIComponent(f.name.trim())}`, bodyOf(f));
      setSaved(`Saved library ${lib.name}.`);
      setEditing(lib.name);
      setList([...(list ?? []).filter((l) => l.name !== lib.name), lib].sort((a, b) => (a.name < b.name ? -1 : 1)));
    });
  };
  const test = () => run(async () => {
    if (!f) return;
    setResult(null);
    setResult(await api.post<TestReport>(`${base(shownFolder)}/${encodeURIComponent(f.name.trim() || 'unsaved')}/test`, bodyOf(f)));
  });
  const remove = (name: string) => run(async () => {
    await api.del(`${base(shownFolder)}/${encodeURIComponent(name)}`);
    setList((list ?? []).filter((l) => l.name !== name));
    if (editing === name) { setF(null); setEditing(null); }
    setDeleting(null);
  });

  const fe = fieldErrors(error, ['name', 'url', 'defaultVersion', 'credentialsId', 'version'], { pattern: { name: "Letters, digits, '.', '_' and '-'" } });
  return (
    <section>
      <h1>Libraries</h1>
      <p className="muted">Shared libraries: git repositories whose <code>vars/</code>, <code>src/</code> and <code>resources/</code> Jenkinsfiles load with <code>@Library('name')</code>. A folder's library wins over a global one of the same name.</p>
      <form className="card inline-form" onSubmit={(e) => { e.preventDefault(); void load(folder.trim()); }}>
        <Field label="Folder" hint="Empty: the global libraries; a folder path (team or team/sub): that folder's">{(id) => <input id={id} value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="(global)" />}</Field>
        <button type="submit" disabled={busy}>Show</button>
      </form>
      <h2>{shownFolder ? `Libraries of folder ${shownFolder}` : 'Global libraries'}</h2>
      {list === null ? <Loading what="libraries" /> : list.length === 0 ? <p className="muted">No libraries here yet.</p> : (
        <table className="list" aria-label="Libraries">
          <thead><tr><th>Name</th><th>Repository</th><th>Default version</th><th>Implicit</th><th>Override</th><th>Credentials</th>{admin ? <th><span className="sr-only">Actions</span></th> : null}</tr></thead>
          <tbody>
            {list.map((l) => (
              <tr key={l.name}>
                <td>{l.name}</td><td className="mono">{l.url}</td><td>{l.defaultVersion ?? <span className="muted">none</span>}</td>
                <td>{l.implicit ? 'yes' : 'no'}</td><td>{l.allowVersionOverride ? 'allowed' : 'refused'}</td><td>{l.credentialsId ?? <span className="muted">none</span>}</td>
                {admin ? (
                  <td>
                    <button className="small" onClick={() => edit(l)} aria-label={`Edit library ${l.name}`}>Edit</button>{' '}
                    <button className="small danger" onClick={() => setDeleting(l.name)} aria-label={`Delete library ${l.name}`}>Delete</button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && f === null ? <p><button className="primary" onClick={() => edit(null)}>Add library</button></p> : null}
      {admin && f !== null ? (
        <FieldForm className="card" onSubmit={save} errors={fe} error={error} aria-label="Library">
          <h2>{editing ? `Edit library ${editing}` : 'Add library'}</h2>
          <Field label="Name" name="name" hint="The name Jenkinsfiles use: @Library('name')">{(id) => <input id={id} required value={f.name} readOnly={editing !== null} onChange={(e) => set('name', e.target.value)} />}</Field>
          <Field label="Repository URL" name="url" hint="https://, ssh://, git://, git@host:path, file:// or a path on the controller; no password in it (use credentials)">{(id) => <input id={id} required className="mono" value={f.url} onChange={(e) => set('url', e.target.value)} />}</Field>
          <Field label="Default version" name={['defaultVersion', 'version']} hint="A branch, tag or commit, used when @Library names none">{(id) => <input id={id} value={f.defaultVersion} onChange={(e) => set('defaultVersion', e.target.value)} />}</Field>
          <Field label="Credentials" name="credentialsId" hint="Username/password, secret text (token) or SSH key">{(id) => (
            <select id={id} value={f.credentialsId} onChange={(e) => set('credentialsId', e.target.value)}>
              <option value="">- none -</option>
              {creds.filter((c) => c.type === 'usernamePassword' || c.type === 'secretText' || c.type === 'sshKey').map((c) => <option key={c.id} value={c.id}>{c.id} ({c.type})</option>)}
            </select>
          )}</Field>
          <label className="inline"><input type="checkbox" checked={f.implicit} onChange={(e) => set('implicit', e.target.checked)} /> Load implicitly (every build, without @Library)</label>
          <label className="inline"><input type="checkbox" checked={f.allowVersionOverride} onChange={(e) => set('allowVersionOverride', e.target.checked)} /> Allow default version to be overridden</label>
          <label className="inline"><input type="checkbox" checked={f.includeInChangesets} onChange={(e) => set('includeInChangesets', e.target.checked)} /> Include @Library changes in job recent changes</label>
          <ErrorBox error={fe.rest} />
          {result ? (
            <div className={result.ok ? 'ok card' : 'error'} role="status" aria-label="Library test result">
              <strong>{result.message}</strong>
              {result.commit ? <p className="small">Commit <code>{result.commit}</code></p> : null}
              {result.vars.length > 0 ? (
                <dl className="small">{result.vars.map((v) => <div key={v.name}><dt><code>{v.name}</code></dt><dd>{v.help ? <pre>{v.help}</pre> : <span className="muted">no help (vars/{v.name}.txt)</span>}</dd></div>)}</dl>
              ) : null}
            </div>
          ) : null}
          {saved ? <p className="ok" role="status">{saved}</p> : null}
          <div className="actions">
            <button type="button" disabled={busy || !f.url} onClick={() => void test()}>Test</button>
            <button type="submit" className="primary" disabled={busy}>Save</button>
            <button type="button" disabled={busy} onClick={() => { setF(null); setEditing(null); setResult(null); }}>Cancel</button>
          </div>
        </FieldForm>
      ) : null}
      {!admin ? <ErrorBox error={error} /> : null}
      <dialog ref={dialog} aria-label="Delete library" onCancel={() => setDeleting(null)}>
        {deleting ? (
          <form method="dialog" onSubmit={(e) => { e.preventDefault(); void remove(deleting); }}>
            <p>Delete library <strong>{deleting}</strong>{shownFolder ? ` of folder ${shownFolder}` : ''}? Jenkinsfiles that load it will fail until it is configured again.</p>
            <div className="actions">
              <button type="submit" className="danger" disabled={busy}>Delete</button>
              <button type="button" onClick={() => setDeleting(null)}>Keep it</button>
            </div>
          </form>
        ) : null}
      </dialog>
    </section>
  );
}
