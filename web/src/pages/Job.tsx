// A job: its definition, Build Now / Build with Parameters, and its history (paginated). For
// admins, a git job's webhook: the hook URLs and the secret to sign pushes with (the secret is
// fetched only for admins, and shown only when asked for).
import { useState, type FormEvent } from 'react';
import { api, jobPath } from '../api.ts';
import { BuildBadge, CopyButton, ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { ago, duration, statusOf } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { useLive } from '../live.ts';
import { Link, navigate, urls } from '../router.tsx';
import { can, useSession } from '../session.ts';
import type { AnswerOf, Build, Job, JobParameter, WebhookInfo } from '../types.ts';
import { useTitle } from '../title.ts';
import { Trends } from './Trends.tsx';
import { JobPlots } from './JobPlots.tsx';
import { GitParamInput } from './GitParamInput.tsx';
import { ActiveChoiceInput } from './ActiveChoiceInput.tsx';
import { ExtendedChoiceInput } from './ExtendedChoiceInput.tsx';

const PAGE = 20;

export function JobPage({ name }: { name: string }) {
  const { me } = useSession();
  const job = useResource((s) => api.get<Job>(jobPath(name), s), [name]);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const builds = useResource((s) => api.get<AnswerOf<'listBuilds'>>(`${jobPath(name)}/builds?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, s), [name, cursor]);
  useLive(['build', 'job'], (e) => {
    if (e.type === 'poll' || e.data.job === name || e.data.name === name) { job.reload(); builds.reload(); }
  });
  const [showParams, setShowParams] = useState(false);
  const [run, busy, error] = useAction();
  // Build with Parameters has its own errors, shown in its form beside the parameter.
  const [runParams, busyParams, paramsError] = useAction();
  const dlg = useDialog();
  const now = useNow(1000);
  // The tab shows the newest build's status (the history's first row on its first page).
  useTitle(name, cursor === null && builds.data?.builds[0] ? statusOf(builds.data.builds[0]) : null);
  if (job.error) return <section><h1>{name}</h1><ErrorBox error={job.error} /></section>;
  if (!job.data) return <Loading what={`job ${name}`} />;
  const j = job.data;
  const buildNow = (params?: Record<string, string | boolean>) => (params ? runParams : run)(async () => {
    const b = await api.post<Build>(`${jobPath(name)}/builds`, params ? { params } : {});
    navigate(urls.build(name, b.number));
  });
  const remove = () => run(async () => {
    if (!(await dlg.confirm(`Delete job ${name} and all its builds?`, 'Delete'))) return;
    await api.del(jobPath(name));
    navigate('/');
  });
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb"><Link to="/">Dashboard</Link> › <span>{name}</span></nav>
      <div className="section-head">
        <h1>{name} {j.disabled ? <span className="tag">disabled</span> : null}</h1>
        {can(me, 'developer') ? (
          <div className="actions">
            {j.parameters.length > 0
              ? <button className="primary" disabled={busy || j.disabled} onClick={() => setShowParams(!showParams)} aria-expanded={showParams}>Build with Parameters</button>
              : <button className="primary" disabled={busy || j.disabled} onClick={() => void buildNow()}>Build Now</button>}
            {j.parameters.length > 0 ? <button disabled={busy || j.disabled} onClick={() => void buildNow()}>Build with defaults</button> : null}
            <Link className="button" to={urls.configure(name)}>Configure</Link>
            <button className="danger" disabled={busy} onClick={() => void remove()}>Delete</button>
          </div>
        ) : null}
      </div>
      {j.description ? <p>{j.description}</p> : null}
      <p className="muted small">
        {j.definition.kind === 'inline' ? 'Inline Jenkinsfile' : <>Jenkinsfile <code>{j.definition.path}</code> from <code>{j.definition.url}</code> ({j.definition.branch})</>}
        {' · '}next build #{j.nextBuildNumber}
      </p>
      {j.definition.kind === 'inline' ? (
        <details className="card">
          <summary>Jenkinsfile</summary>
          <pre className="jenkinsfile" aria-label="Jenkinsfile">{j.definition.script}</pre>
        </details>
      ) : null}
      {j.definition.kind === 'git' && can(me, 'admin') ? <WebhookPanel name={name} /> : null}
      <ErrorBox error={error} />
      {/* Keyed by the parameters: when a build changes them, the form starts again from their defaults
          (a choice no longer offered is not sent). */}
      {showParams ? <ParamsForm key={JSON.stringify(j.parameters)} job={name} params={j.parameters} busy={busy || busyParams} error={paramsError} onSubmit={(p) => void buildNow(p)} /> : null}
      <Trends job={name} />
      <JobPlots job={name} />
      <h2>Builds</h2>
      <ErrorBox error={builds.error} />
      {!builds.data ? <Loading what="builds" /> : builds.data.builds.length === 0 ? <p className="empty">No builds yet.</p> : (
        <table className="list builds">
          <thead><tr><th scope="col">Build</th><th scope="col">Result</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col" className="hide-narrow">Cause</th></tr></thead>
          <tbody>
            {builds.data.builds.map((b) => (
              <tr key={b.number}>
                <td><Link to={urls.build(name, b.number)}>#{b.number}</Link></td>
                <td><BuildBadge build={b} /></td>
                <td>{ago(b.startedAt ?? b.queuedAt, now)}</td>
                <td>{b.startedAt ? duration((b.endedAt ?? now) - b.startedAt) : '—'}</td>
                <td className="hide-narrow muted small">{b.causes.map((c) => c.description).join('; ')}{b.scm?.commit ? <> · {b.scm.branch ? `${b.scm.branch} @ ` : ''}<code title={b.scm.commit}>{b.scm.commit.slice(0, 7)}</code></> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <span className="muted">page {cursors.length}</span>
        <button disabled={!builds.data?.next} onClick={() => builds.data?.next && setCursors([...cursors, builds.data.next])}>Older</button>
      </div>
      {dlg.dialog}
    </section>
  );
}

export function ParamsForm({ params, busy, onSubmit, submitLabel = 'Build', error = null, job }: { params: JobParameter[]; busy: boolean; onSubmit: (v: Record<string, string | boolean>) => void; submitLabel?: string; error?: unknown; job?: string }) {
  const [values, setValues] = useState<Record<string, string | boolean>>(() => Object.fromEntries(params.map((p) => [p.name, p.type === 'booleanParam' ? p.defaultValue === true : p.type === 'choice' ? (p.choices[0] ?? '') : String(p.defaultValue ?? '')])));
  const submit = (e: FormEvent) => { e.preventDefault(); onSubmit(values); };
  const set = (k: string, v: string | boolean) => setValues((cur) => ({ ...cur, [k]: v }));
  const fe = fieldErrors(error, params.map((p) => `params.${p.name}`));
  return (
    <Form className="card" onSubmit={submit} errors={fe} error={error} aria-label="Build parameters">
      {params.map((p) => {
        const t = p.type.toLowerCase();
        return (
          <Field key={p.name} label={p.name} name={`params.${p.name}`} hint={p.description || undefined}>
            {(id) => t.includes('boolean') ? <input id={id} type="checkbox" checked={values[p.name] === true} onChange={(e) => set(p.name, e.target.checked)} />
              : p.activeChoice && job ? <ActiveChoiceInput id={id} job={job} param={p} form={values} value={String(values[p.name] ?? '')} onChange={(v) => set(p.name, v)} />
              : p.extendedChoice ? <ExtendedChoiceInput id={id} param={p} value={String(values[p.name] ?? '')} onChange={(v) => set(p.name, v)} />
              : p.type === 'gitParameter' && job ? <GitParamInput id={id} job={job} name={p.name} value={String(values[p.name] ?? '')} onChange={(v) => set(p.name, v)} />
              : t.includes('choice') ? <select id={id} value={String(values[p.name] ?? '')} onChange={(e) => set(p.name, e.target.value)}>{p.choices.map((c) => <option key={c}>{c}</option>)}</select>
              : t.includes('text') ? <textarea id={id} rows={4} value={String(values[p.name] ?? '')} onChange={(e) => set(p.name, e.target.value)} />
              : <input id={id} type={t.includes('password') ? 'password' : 'text'} value={String(values[p.name] ?? '')} onChange={(e) => set(p.name, e.target.value)} />}
          </Field>
        );
      })}
      <ErrorBox error={fe.rest} />
      <button type="submit" className="primary" disabled={busy}>{submitLabel}</button>
    </Form>
  );
}

/** The job's webhook for admins: URLs per provider, the secret behind a button, what unsigned pushes do. */
function WebhookPanel({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  const [reveal, setReveal] = useState(false);
  const info = useResource((s) => (open ? api.get<WebhookInfo>(`${jobPath(name)}/webhook`, s) : Promise.resolve(undefined)), [name, open]);
  const w = info.data;
  return (
    <details className="card" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Webhook (admins)</summary>
      <ErrorBox error={info.error} />
      {!open ? null : !w ? <Loading what="the webhook" /> : (
        <>
          <p className="small">
            Pushes to <code>{w.branch}</code> of <code>{w.repository}</code> start this job. A push signed with the secret builds the
            commit it names; {w.unsigned === 'poll'
              ? 'an unsigned one only makes Kiln look at the branch, and build its tip with default parameters if it moved.'
              : 'an unsigned one is refused unless it comes with the API token of a user who may build the job.'}
          </p>
          <table className="list">
            <tbody>
              <tr><th scope="row">GitHub</th><td><code>{w.urls.github}</code> <CopyButton text={w.urls.github} /><div className="muted small">Content type application/json, Secret: the secret below</div></td></tr>
              <tr><th scope="row">GitLab</th><td><code>{w.urls.gitlab}</code> <CopyButton text={w.urls.gitlab} /><div className="muted small">Secret token: the secret below</div></td></tr>
              <tr><th scope="row">Other</th><td><code>{w.urls.generic}</code> <CopyButton text={w.urls.generic} /><div className="muted small">{'{"repository", "branch", "commit"?, "params"?}'} with X-Hub-Signature-256 (HMAC-SHA256 of the body) or X-Kiln-Token: the secret</div></td></tr>
              <tr>
                <th scope="row">Secret</th>
                <td>
                  {w.secret === null ? <span className="muted">none</span> : (
                    <>
                      <code aria-label="Webhook secret">{reveal ? w.secret : '•'.repeat(16)}</code>{' '}
                      <button type="button" className="small" onClick={() => setReveal(!reveal)}>{reveal ? 'Hide' : 'Show'}</button>{' '}
                      <CopyButton text={w.secret} />
                    </>
                  )}
                  <div className="muted small">{w.secretSource === 'configured' ? 'Configured on the controller (webhookSecret / KILN_WEBHOOK_SECRET).' : 'Made by Kiln at its first start; the same for every job.'}</div>
                </td>
              </tr>
            </tbody>
          </table>
        </>
      )}
    </details>
  );
}
