// New job / configure job: name, description, and the Jenkinsfile inline (an editor validated
// as you type through POST /api/v1/lint) or from a git repository.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api, jobPath } from '../api.ts';
import { ErrorBox, Field, Loading, useAction } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { JenkinsfileEditor } from '../editor.tsx';
import { useResource } from '../hooks.ts';
import { Link, navigate, urls } from '../router.tsx';
import type { AnswerOf, Credential, Job } from '../types.ts';
import { useTitle } from '../title.ts';

const SAMPLE = `pipeline {
    agent any
    stages {
        stage('Build') {
            steps {
                sh 'echo Hello from Kiln'
            }
        }
    }
}
`;

export function JobEditPage({ name }: { name?: string }) {
  useTitle(name ? `Configure ${name}` : 'New job');
  const existing = useResource((s) => (name ? api.get<Job>(jobPath(name), s) : Promise.resolve(null)), [name ?? '']);
  if (name && existing.error) return <section><h1>Configure {name}</h1><ErrorBox error={existing.error} /></section>;
  if (name && !existing.data) return <Loading what={`job ${name}`} />;
  return <JobForm key={name ?? ''} job={existing.data ?? null} />;
}

function JobForm({ job }: { job: Job | null }) {
  const [name, setName] = useState(job?.name ?? '');
  const [description, setDescription] = useState(job?.description ?? '');
  const [kind, setKind] = useState<'inline' | 'git'>(job?.definition.kind ?? 'inline');
  const [script, setScript] = useState(job?.definition.kind === 'inline' ? job.definition.script : SAMPLE);
  const git0 = job?.definition.kind === 'git' ? job.definition : null;
  const [url, setUrl] = useState(git0?.url ?? '');
  const [branch, setBranch] = useState(git0?.branch ?? 'main');
  const [path, setPath] = useState(git0?.path ?? 'Jenkinsfile');
  const [credentialsId, setCred] = useState(git0?.credentialsId ?? '');
  const [creds, setCreds] = useState<Credential[]>([]);
  const [run, busy, error] = useAction();
  useEffect(() => { api.get<AnswerOf<'listCredentials'>>('/credentials').then((r) => setCreds(r.credentials), () => {}); }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const body = {
        name, description,
        ...(kind === 'inline' ? { script } : { git: { url, branch, path, credentialsId: credentialsId || null } }),
      };
      const saved = job ? await api.put<Job>(jobPath(job.name), body) : await api.post<Job>('/jobs', body);
      navigate(urls.job(saved.name));
    });
  };
  const NAME_FORM = "Letters, digits, '.', '_', '-' and spaces, starting with a letter, digit or '_'; '/' between folder names";
  const fe = fieldErrors(error, ['name', 'description', 'git.url', 'git.branch', 'git.path', 'git.credentialsId'], { pattern: { name: NAME_FORM }, conflict: 'name' });
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb"><Link to="/">Dashboard</Link> › {job ? <><Link to={urls.job(job.name)}>{job.name}</Link> › <span>Configure</span></> : <span>New job</span>}</nav>
      <h1>{job ? `Configure ${job.name}` : 'New pipeline job'}</h1>
      <Form onSubmit={submit} errors={fe} error={error} className="job-form" aria-label={job ? `Configure ${job.name}` : 'New job'}>
        <Field label="Name" name="name" hint="Letters, digits, '.', '_', '-', spaces; '/' makes folders (team/app).">
          {(id) => <input id={id} name="name" required maxLength={1100} title={NAME_FORM} value={name} onChange={(e) => setName(e.target.value)} autoFocus={!job} />}
        </Field>
        <Field label="Description" name="description">{(id) => <input id={id} name="description" value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <fieldset>
          <legend>Pipeline definition</legend>
          <label className="inline"><input type="radio" name="kind" checked={kind === 'inline'} onChange={() => setKind('inline')} /> Pipeline script (inline Jenkinsfile)</label>
          <label className="inline"><input type="radio" name="kind" checked={kind === 'git'} onChange={() => setKind('git')} /> Pipeline script from SCM (git)</label>
        </fieldset>
        {kind === 'inline' ? (
          <JenkinsfileEditor value={script} onChange={setScript} job={name.trim() || undefined} />
        ) : (
          <div className="card">
            <Field label="Repository URL" name="git.url" hint="https://, ssh://, git@host:path, file:// or an absolute path">{(id) => <input id={id} name="url" required value={url} onChange={(e) => setUrl(e.target.value)} />}</Field>
            <Field label="Branch" name="git.branch">{(id) => <input id={id} name="branch" value={branch} onChange={(e) => setBranch(e.target.value)} />}</Field>
            <Field label="Script path" name="git.path">{(id) => <input id={id} name="path" value={path} onChange={(e) => setPath(e.target.value)} />}</Field>
            <Field label="Credentials" name="git.credentialsId">{(id) => (
              <select id={id} value={credentialsId} onChange={(e) => setCred(e.target.value)}>
                <option value="">- none -</option>
                {creds.filter((c) => c.type === 'usernamePassword' || c.type === 'sshKey').map((c) => <option key={c.id} value={c.id}>{c.id}{c.username ? ` (${c.username})` : ''}</option>)}
              </select>
            )}</Field>
          </div>
        )}
        <p className="muted small">Parameters come from the Jenkinsfile's <code>parameters {'{ }'}</code> section; they appear on the job after its first build.
          {job && job.parameters.length > 0 ? <> Current: {job.parameters.map((p) => <code key={p.name}>{p.name}</code>)}</> : null}</p>
        <ErrorBox error={fe.rest instanceof ApiError && fe.rest.code === 'invalid-jenkinsfile' ? new Error(fe.rest.message) : fe.rest} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : job ? 'Save' : 'Create job'}</button>
          <Link className="button" to={job ? urls.job(job.name) : '/'}>Cancel</Link>
        </div>
      </Form>
    </section>
  );
}
