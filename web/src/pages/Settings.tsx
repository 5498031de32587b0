// Two admin pages of the Manage area that had no UI (issue 20 point 9, issues 17/18):
//   - HTTP services (GET|PUT /api/v1/settings/http-services, src/controller/http-services.ts): the
//     Slack workspace, Zulip, GitHub and GitLab for checks, named GitLab connections (gitLabConnection),
//     SonarQube servers, Artifactory servers (rtServer ids), Nexus Repository Manager 3 servers (nexusPublisher), and where httpRequest may
//     reach. Tokens are never here: each service names a credential by id, chosen from the global
//     credentials; the page says "set" (the credential exists) or "not set"/"missing", never a
//     secret. The PUT replaces the whole settings: the page sends every part as the form shows it.
//   - Global environment variables (GET|PUT /api/v1/settings/global-env, global-env.ts): the
//     NAME=value pairs every build gets, as Jenkins' "Global properties > Environment variables".
//     Values are not secrets (a build prints them with `env`); a secret belongs in a credential.
//   - Manage Kiln (/manage): the admin pages in one list, as Jenkins' "Manage Jenkins" (lockable
//     resources and SSH servers are in LockableResources.tsx, throttle categories in ThrottleCategories.tsx).
// Errors sit beside their field (forms.tsx); removing a service, a server or a variable asks in
// the page's own dialog and saves at once. Routes make both pages admin-only (App.tsx).
import { useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, FormContext, fieldErrors, problemOf } from '../forms.tsx';
import { Link } from '../router.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf, Credential } from '../types.ts';
import { useTitle } from '../title.ts';

type Services = AnswerOf<'getHttpServiceSettings'>;

interface SlackForm { baseUrl: string; teamDomain: string; tokenCredentialId: string; botUser: boolean; room: string }
interface SonarForm { name: string; url: string; credentialsId: string }
interface ArtifactoryForm { id: string; url: string; credentialsId: string }
interface ZulipForm { url: string; email: string; apiKeyCredentialId: string; stream: string; topic: string; fullJobPathAsDefaultTopic: boolean }
interface ServicesForm {
  slack: SlackForm | null;
  github: { apiUrl: string; credentialsId: string } | null;
  gitlab: { url: string; credentialsId: string } | null;
  gitlabConnections: SonarForm[];
  sonar: SonarForm[];
  zulip: ZulipForm | null;
  artifactory: ArtifactoryForm[];
  nexus: ArtifactoryForm[];
  allowedHosts: string;
  allowPrivate: boolean;
  /** OpenShift clusters: kept as they are (edited through the API only). */
  openshiftClusters: NonNullable<Services['openshiftClusters']>;
  /** Mattermost and Bitbucket: kept as they are (edited through the API only; docs/notifications.md). */
  mattermost: Services['mattermost'] | null;
  bitbucket: Services['bitbucket'] | null;
  /** HashiCorp Vault: kept as it is (edited through the API only; docs/secrets-managers.md). */
  vault: Services['vault'] | null;
}

const formOf = (s: Services): ServicesForm => ({
  slack: s.slack ? { ...s.slack } : null,
  github: s.github ? { ...s.github } : null,
  gitlab: s.gitlab ? { ...s.gitlab } : null,
  gitlabConnections: (s.gitlabConnections ?? []).map((x) => ({ ...x })),
  sonar: s.sonar.map((x) => ({ ...x })),
  zulip: s.zulip ? { ...s.zulip } : null,
  artifactory: (s.artifactory ?? []).map((x) => ({ ...x })),
  nexus: (s.nexus ?? []).map((x) => ({ ...x })),
  allowedHosts: s.httpRequest.allowedHosts.join('\n'),
  allowPrivate: s.httpRequest.allowPrivate,
  openshiftClusters: s.openshiftClusters ?? [],
  mattermost: s.mattermost ?? null,
  bitbucket: s.bitbucket ?? null,
  vault: s.vault ?? null,
});

const bodyOf = (f: ServicesForm) => ({
  slack: f.slack, github: f.github, gitlab: f.gitlab, gitlabConnections: f.gitlabConnections, sonar: f.sonar, zulip: f.zulip, artifactory: f.artifactory, nexus: f.nexus,
  httpRequest: { allowedHosts: f.allowedHosts.split(/[\s,]+/).filter(Boolean), allowPrivate: f.allowPrivate },
  openshiftClusters: f.openshiftClusters,
  mattermost: f.mattermost, bitbucket: f.bitbucket, vault: f.vault,
});

/** A credential picker that says whether the secret behind it is there, never the secret. */
export function CredentialField({ label, name, hint, value, creds, types, onChange, required = false }: {
  label: string; name: string; hint: ReactNode; value: string; creds: Credential[] | null; types: Credential['type'][]; onChange: (v: string) => void; required?: boolean;
}) {
  const usable = (creds ?? []).filter((c) => types.includes(c.type) && !c.folder);
  const known = value && creds ? creds.some((c) => c.id === value && !c.folder) : true;
  const state = !value ? 'not set' : known ? 'set' : 'missing: no global credential has this id';
  return (
    <Field label={label} name={name} hint={<>{hint} <span className={`secret-state ${!value || known ? '' : 'st-failure-text'}`} data-secret-state={state}>Secret: {state}.</span></>}>
      {(id) => (
        <select id={id} required={required} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">- choose a credential -</option>
          {usable.map((c) => <option key={c.id} value={c.id}>{c.id}{c.description ? ` (${c.description})` : ''}</option>)}
          {value && !known ? <option value={value}>{value} (missing)</option> : null}
        </select>
      )}
    </Field>
  );
}

export function HttpServicesPage() {
  useTitle('HTTP services');
  const settings = useResource((s) => api.get<Services>('/settings/http-services', s), []);
  const creds = useResource((s) => api.get<AnswerOf<'listCredentials'>>('/credentials', s).then((r) => r.credentials), []);
  const [f, setF] = useState<ServicesForm | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  useEffect(() => { if (settings.data && f === null) setF(formOf(settings.data)); }, [settings.data, f]);
  if (!f) return <section><h1>HTTP services</h1><ErrorBox error={settings.error} />{settings.error ? null : <Loading what="the HTTP services" />}</section>;

  const change = (g: ServicesForm) => { setF(g); setSaved(null); };
  const put = (g: ServicesForm, said: string) => run(async () => {
    const r = await api.put<Services>('/settings/http-services', bodyOf(g));
    setF(formOf(r));
    setSaved(said);
  });
  const submit = (e: FormEvent) => { e.preventDefault(); void put(f, 'Saved.'); };
  // Removing asks first, then saves the rest as it is in the form.
  const remove = async (what: string, g: ServicesForm) => {
    if (await dlg.confirm(<>Remove {what}? Builds that use it fail until it is configured again.</>, 'Remove')) void put(g, `Removed ${what}.`);
  };
  const sonarNames = f.sonar.flatMap((_, i) => ['name', 'url', 'credentialsId'].map((k) => `sonar[${i}].${k}`));
  const artNames = f.artifactory.flatMap((_, i) => ['id', 'url', 'credentialsId'].map((k) => `artifactory[${i}].${k}`));
  const nexusNames = f.nexus.flatMap((_, i) => ['id', 'url', 'credentialsId'].map((k) => `nexus[${i}].${k}`));
  const glNames = f.gitlabConnections.flatMap((_, i) => ['name', 'url', 'credentialsId'].map((k) => `gitlabConnections[${i}].${k}`));
  const fe = fieldErrors(error, [
    'slack', 'slack.baseUrl', 'slack.teamDomain', 'slack.tokenCredentialId', 'slack.botUser', 'slack.room',
    'github', 'github.apiUrl', 'github.credentialsId', 'gitlab', 'gitlab.url', 'gitlab.credentialsId', 'gitlabConnections', ...glNames,
    'sonar', ...sonarNames, 'artifactory', ...artNames, 'nexus', ...nexusNames, 'httpRequest.allowedHosts', 'httpRequest.allowPrivate',
    'zulip', 'zulip.url', 'zulip.email', 'zulip.apiKeyCredentialId', 'zulip.stream', 'zulip.topic',
  ]);
  const c = creds.data ?? null;
  const sl = f.slack;
  const gh = f.github;
  const gl = f.gitlab;
  const zu = f.zulip;
  return (
    <section>
      <h1>HTTP services</h1>
      <p className="muted">The services builds talk to: <code>slackSend</code>, <code>zulipSend</code>, GitHub and GitLab checks and commit statuses, <code>withSonarQubeEnv</code> and <code>waitForQualityGate</code>, the Artifactory steps' servers, and where <code>httpRequest</code> may reach on the controller's network. Tokens stay in <Link to="/credentials">credentials</Link>: each service names one, and no secret is shown here. (<code>withAWS</code> needs nothing here: each step names its credential.)</p>
      <ErrorBox error={settings.error ?? creds.error} />
      <Form onSubmit={submit} errors={fe} error={error} aria-label="HTTP services" autoComplete="off">
        <fieldset className="card">
          <legend>Slack</legend>
          {!sl ? (
            <p><span className="muted">Not configured.</span> <button type="button" className="small" onClick={() => change({ ...f, slack: { baseUrl: 'https://slack.com/api/', teamDomain: '', tokenCredentialId: '', botUser: true, room: '' } })}>Configure Slack</button></p>
          ) : <>
            <div className="field">
              <label className="inline"><input type="checkbox" checked={sl.botUser} onChange={(e) => change({ ...f, slack: { ...sl, botUser: e.target.checked } })} /> The token is a bot user's (Slack's Web API); unticked: an incoming webhook</label>
            </div>
            <Field label="Slack base URL" name="slack.baseUrl" hint="https://slack.com/api/ for a bot token; an incoming webhook's base URL otherwise">{(id) => <input id={id} value={sl.baseUrl} onChange={(e) => change({ ...f, slack: { ...sl, baseUrl: e.target.value } })} />}</Field>
            <Field label="Team subdomain" name="slack.teamDomain" hint="The workspace, e.g. myteam for myteam.slack.com (optional)">{(id) => <input id={id} value={sl.teamDomain} onChange={(e) => change({ ...f, slack: { ...sl, teamDomain: e.target.value } })} />}</Field>
            <CredentialField label="Slack token credential" name="slack.tokenCredentialId" hint="A secret text holding the bot token (for an incoming webhook: the rest of its path, T000/B000/XXXX)." value={sl.tokenCredentialId} creds={c} types={['secretText']} required onChange={(v) => change({ ...f, slack: { ...sl, tokenCredentialId: v } })} />
            <Field label="Default channel" name="slack.room" hint="Where slackSend posts when it names no channel, e.g. #builds">{(id) => <input id={id} value={sl.room} onChange={(e) => change({ ...f, slack: { ...sl, room: e.target.value } })} />}</Field>
            <button type="button" className="small danger" disabled={busy} onClick={() => void remove('the Slack settings', { ...f, slack: null })}>Remove Slack</button>
          </>}
        </fieldset>
        <fieldset className="card">
          <legend>GitHub</legend>
          {!gh ? (
            <p><span className="muted">Not configured.</span> <button type="button" className="small" onClick={() => change({ ...f, github: { apiUrl: 'https://api.github.com', credentialsId: '' } })}>Configure GitHub</button></p>
          ) : <>
            <Field label="GitHub API URL" name="github.apiUrl" hint="https://api.github.com, or a GitHub Enterprise https://ghe.example/api/v3">{(id) => <input id={id} value={gh.apiUrl} onChange={(e) => change({ ...f, github: { ...gh, apiUrl: e.target.value } })} />}</Field>
            <CredentialField label="GitHub credential" name="github.credentialsId" hint="A token (secret text, or username with password) allowed to write checks and statuses." value={gh.credentialsId} creds={c} types={['secretText', 'usernamePassword']} required onChange={(v) => change({ ...f, github: { ...gh, credentialsId: v } })} />
            <button type="button" className="small danger" disabled={busy} onClick={() => void remove('the GitHub settings', { ...f, github: null })}>Remove GitHub</button>
          </>}
        </fieldset>
        <fieldset className="card">
          <legend>GitLab</legend>
          {!gl ? (
            <p><span className="muted">Not configured.</span> <button type="button" className="small" onClick={() => change({ ...f, gitlab: { url: 'https://gitlab.com', credentialsId: '' } })}>Configure GitLab</button></p>
          ) : <>
            <Field label="GitLab URL" name="gitlab.url" hint="https://gitlab.com or your own (the API is under /api/v4)">{(id) => <input id={id} required value={gl.url} onChange={(e) => change({ ...f, gitlab: { ...gl, url: e.target.value } })} />}</Field>
            <CredentialField label="GitLab credential" name="gitlab.credentialsId" hint="A secret text holding an access token with the api scope." value={gl.credentialsId} creds={c} types={['secretText', 'usernamePassword']} required onChange={(v) => change({ ...f, gitlab: { ...gl, credentialsId: v } })} />
            <button type="button" className="small danger" disabled={busy} onClick={() => void remove('the GitLab settings', { ...f, gitlab: null })}>Remove GitLab</button>
          </>}
        </fieldset>
        <fieldset className="card">
          <legend>GitLab connections</legend>
          <p className="muted">Named connections a pipeline picks with <code>gitLabConnection('name')</code> (in <code>options</code> or <code>properties</code>); without one, the GitLab above, or the only connection here.</p>
          {f.gitlabConnections.length === 0 ? <p className="muted">None.</p> : null}
          {f.gitlabConnections.map((g, i) => {
            const set = (k: keyof SonarForm, v: string) => change({ ...f, gitlabConnections: f.gitlabConnections.map((x, j) => (j === i ? { ...x, [k]: v } : x)) });
            return (
              <div key={i} className="template" role="group" aria-label={`GitLab connection ${g.name || i + 1}`}>
                <Field label="Connection name" name={`gitlabConnections[${i}].name`} hint="What gitLabConnection('name') names">{(id) => <input id={id} required value={g.name} onChange={(e) => set('name', e.target.value)} />}</Field>
                <Field label="GitLab URL" name={`gitlabConnections[${i}].url`} hint="The API is under /api/v4">{(id) => <input id={id} required value={g.url} onChange={(e) => set('url', e.target.value)} placeholder="https://gitlab.example" />}</Field>
                <CredentialField label="API token credential" name={`gitlabConnections[${i}].credentialsId`} hint="A secret text holding an access token with the api scope." value={g.credentialsId} creds={c} types={['secretText']} required onChange={(v) => set('credentialsId', v)} />
                <button type="button" className="small danger" disabled={busy} onClick={() => void remove(`the GitLab connection ${g.name || i + 1}`, { ...f, gitlabConnections: f.gitlabConnections.filter((_, j) => j !== i) })}>Remove connection</button>
              </div>
            );
          })}
          <button type="button" className="small" onClick={() => change({ ...f, gitlabConnections: [...f.gitlabConnections, { name: '', url: '', credentialsId: '' }] })}>Add GitLab connection</button>
        </fieldset>
        <fieldset className="card">
          <legend>Zulip</legend>
          {!zu ? (
            <p><span className="muted">Not configured.</span> <button type="button" className="small" onClick={() => change({ ...f, zulip: { url: '', email: '', apiKeyCredentialId: '', stream: '', topic: '', fullJobPathAsDefaultTopic: false } })}>Configure Zulip</button></p>
          ) : <>
            <Field label="Zulip URL" name="zulip.url" hint="The organization, e.g. https://acme.zulipchat.com (the API is under /api/v1)">{(id) => <input id={id} required value={zu.url} onChange={(e) => change({ ...f, zulip: { ...zu, url: e.target.value } })} />}</Field>
            <Field label="Bot e-mail" name="zulip.email" hint="The bot's e-mail address zulipSend posts as">{(id) => <input id={id} required value={zu.email} onChange={(e) => change({ ...f, zulip: { ...zu, email: e.target.value } })} />}</Field>
            <CredentialField label="Zulip API key credential" name="zulip.apiKeyCredentialId" hint="A secret text holding the bot's API key." value={zu.apiKeyCredentialId} creds={c} types={['secretText']} required onChange={(v) => change({ ...f, zulip: { ...zu, apiKeyCredentialId: v } })} />
            <Field label="Default stream" name="zulip.stream" hint="Where zulipSend posts when it names no stream">{(id) => <input id={id} value={zu.stream} onChange={(e) => change({ ...f, zulip: { ...zu, stream: e.target.value } })} />}</Field>
            <Field label="Default topic" name="zulip.topic" hint="Empty: the job's name">{(id) => <input id={id} value={zu.topic} onChange={(e) => change({ ...f, zulip: { ...zu, topic: e.target.value } })} />}</Field>
            <div className="field">
              <label className="inline"><input type="checkbox" checked={zu.fullJobPathAsDefaultTopic} onChange={(e) => change({ ...f, zulip: { ...zu, fullJobPathAsDefaultTopic: e.target.checked } })} /> The default topic is the job's full path (folder » job)</label>
            </div>
            <button type="button" className="small danger" disabled={busy} onClick={() => void remove('the Zulip settings', { ...f, zulip: null })}>Remove Zulip</button>
          </>}
        </fieldset>
        <fieldset className="card">
          <legend>SonarQube servers</legend>
          {f.sonar.length === 0 ? <p className="muted">None.</p> : null}
          {f.sonar.map((s, i) => {
            const set = (k: keyof SonarForm, v: string) => change({ ...f, sonar: f.sonar.map((x, j) => (j === i ? { ...x, [k]: v } : x)) });
            return (
              <div key={i} className="template" role="group" aria-label={`SonarQube server ${s.name || i + 1}`}>
                <Field label="Server name" name={`sonar[${i}].name`} hint="What withSonarQubeEnv('name') names">{(id) => <input id={id} required value={s.name} onChange={(e) => set('name', e.target.value)} />}</Field>
                <Field label="Server URL" name={`sonar[${i}].url`}>{(id) => <input id={id} required value={s.url} onChange={(e) => set('url', e.target.value)} placeholder="https://sonar.example" />}</Field>
                <CredentialField label="Server authentication token" name={`sonar[${i}].credentialsId`} hint="A secret text (optional for a server that needs none)." value={s.credentialsId} creds={c} types={['secretText']} onChange={(v) => set('credentialsId', v)} />
                <button type="button" className="small danger" disabled={busy} onClick={() => void remove(`the SonarQube server ${s.name || i + 1}`, { ...f, sonar: f.sonar.filter((_, j) => j !== i) })}>Remove server</button>
              </div>
            );
          })}
          <button type="button" className="small" onClick={() => change({ ...f, sonar: [...f.sonar, { name: '', url: '', credentialsId: '' }] })}>Add SonarQube server</button>
        </fieldset>
        <fieldset className="card">
          <legend>Artifactory servers</legend>
          {f.artifactory.length === 0 ? <p className="muted">None.</p> : null}
          {f.artifactory.map((s, i) => {
            const set = (k: keyof ArtifactoryForm, v: string) => change({ ...f, artifactory: f.artifactory.map((x, j) => (j === i ? { ...x, [k]: v } : x)) });
            return (
              <div key={i} className="template" role="group" aria-label={`Artifactory server ${s.id || i + 1}`}>
                <Field label="Server ID" name={`artifactory[${i}].id`} hint="What rtUpload(serverId: 'id') and Artifactory.server('id') name">{(id) => <input id={id} required value={s.id} onChange={(e) => set('id', e.target.value)} />}</Field>
                <Field label="Artifactory URL" name={`artifactory[${i}].url`}>{(id) => <input id={id} required value={s.url} onChange={(e) => set('url', e.target.value)} placeholder="https://acme.jfrog.io/artifactory" />}</Field>
                <CredentialField label="Credentials" name={`artifactory[${i}].credentialsId`} hint="A username with password, or a secret text access token (optional for anonymous access)." value={s.credentialsId} creds={c} types={['usernamePassword', 'secretText']} onChange={(v) => set('credentialsId', v)} />
                <button type="button" className="small danger" disabled={busy} onClick={() => void remove(`the Artifactory server ${s.id || i + 1}`, { ...f, artifactory: f.artifactory.filter((_, j) => j !== i) })}>Remove server</button>
              </div>
            );
          })}
          <button type="button" className="small" onClick={() => change({ ...f, artifactory: [...f.artifactory, { id: '', url: '', credentialsId: '' }] })}>Add Artifactory server</button>
        </fieldset>
        <fieldset className="card">
          <legend>Nexus Repository Manager 3 servers</legend>
          {f.nexus.length === 0 ? <p className="muted">None.</p> : null}
          {f.nexus.map((s, i) => {
            const set = (k: keyof ArtifactoryForm, v: string) => change({ ...f, nexus: f.nexus.map((x, j) => (j === i ? { ...x, [k]: v } : x)) });
            return (
              <div key={i} className="template" role="group" aria-label={`Nexus server ${s.id || i + 1}`}>
                <Field label="Server ID" name={`nexus[${i}].id`} hint="What nexusPublisher(nexusInstanceId: 'id') names">{(id) => <input id={id} required value={s.id} onChange={(e) => set('id', e.target.value)} />}</Field>
                <Field label="Server URL" name={`nexus[${i}].url`}>{(id) => <input id={id} required value={s.url} onChange={(e) => set('url', e.target.value)} placeholder="https://nexus.example" />}</Field>
                <CredentialField label="Credentials" name={`nexus[${i}].credentialsId`} hint="A username with password (optional for anonymous access)." value={s.credentialsId} creds={c} types={['usernamePassword']} onChange={(v) => set('credentialsId', v)} />
                <button type="button" className="small danger" disabled={busy} onClick={() => void remove(`the Nexus server ${s.id || i + 1}`, { ...f, nexus: f.nexus.filter((_, j) => j !== i) })}>Remove server</button>
              </div>
            );
          })}
          <button type="button" className="small" onClick={() => change({ ...f, nexus: [...f.nexus, { id: '', url: '', credentialsId: '' }] })}>Add Nexus server</button>
        </fieldset>
        <fieldset className="card">
          <legend>httpRequest</legend>
          <Field label="Hosts httpRequest may reach on the controller's network" name="httpRequest.allowedHosts" hint="One per line: ci.internal, *.corp.example, 10.0.0.5. Public addresses are always allowed.">{(id) => <textarea id={id} rows={3} className="mono" value={f.allowedHosts} onChange={(e) => change({ ...f, allowedHosts: e.target.value })} />}</Field>
          <div className="field">
            <label className="inline"><input type="checkbox" checked={f.allowPrivate} onChange={(e) => change({ ...f, allowPrivate: e.target.checked })} /> Allow every private and loopback address (builds could reach the controller's own services)</label>
          </div>
        </fieldset>
        <ErrorBox error={fe.rest} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>Save</button>
          {saved ? <span role="status" className="ok">{saved}</span> : null}
        </div>
      </Form>
      {dlg.dialog}
    </section>
  );
}

interface Row { key: number; name: string; value: string }

export function GlobalEnvPage() {
  useTitle('Global environment variables');
  const loaded = useResource((s) => api.get<AnswerOf<'getGlobalEnv'>>('/settings/global-env', s), []);
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const [dup, setDup] = useState<number | null>(null);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  const toRows = (v: Record<string, string>) => Object.entries(v).map(([name, value], i) => ({ key: i, name, value }));
  useEffect(() => {
    if (loaded.data && rows === null) { const r = toRows(loaded.data.variables); setRows(r); setNext(r.length); }
  }, [loaded.data, rows]);
  if (!rows) return <section><h1>Global environment variables</h1><ErrorBox error={loaded.error} />{loaded.error ? null : <Loading what="the variables" />}</section>;

  const put = (rs: Row[], said: string) => run(async () => {
    const r = await api.put<AnswerOf<'putGlobalEnv'>>('/settings/global-env', { variables: Object.fromEntries(rs.map((x) => [x.name.trim(), x.value])) });
    const fresh = toRows(r.variables);
    setRows(fresh);
    setNext(fresh.length);
    setSaved(said);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const seen = new Set<string>();
    const twice = rows.find((r) => { const n = r.name.trim(); if (seen.has(n)) return true; seen.add(n); return false; });
    setDup(twice ? twice.key : null);
    if (twice) { requestAnimationFrame(() => document.getElementById(`env-name-${twice.key}`)?.focus()); return; }
    void put(rows, 'Saved.');
  };
  const set = (key: number, k: 'name' | 'value', v: string) => { setRows(rows.map((r) => (r.key === key ? { ...r, [k]: v } : r))); setSaved(null); };
  const remove = async (r: Row) => {
    if (!r.name.trim()) { setRows(rows.filter((x) => x.key !== r.key)); return; }
    if (await dlg.confirm(<>Remove the variable <code>{r.name}</code>? Builds started from now on do not get it.</>, 'Remove')) void put(rows.filter((x) => x.key !== r.key), `Removed ${r.name}.`);
  };
  // `variables.NAME: ...`: a name's problem under the name, a value's under the value.
  const p = problemOf(error);
  const bad = p && p.field.startsWith('variables.') ? { name: p.field.slice('variables.'.length), onName: /name|KILN_/.test(p.message), message: p.message } : null;
  const rest = bad && rows.some((r) => r.name.trim() === bad.name) ? null : error;
  return (
    <section>
      <h1>Global environment variables</h1>
      <p className="muted">Every build gets these, as Jenkins' global properties: under what the build sets itself (its parameters, <code>environment {'{ }'}</code>, <code>withEnv</code>) and over the agent's own environment. They are not secret (a build prints them with <code>env</code>): put a secret in a credential.</p>
      <ErrorBox error={loaded.error} />
      <Form onSubmit={submit} error={error} aria-label="Global environment variables" autoComplete="off">
        {rows.length === 0 ? <p className="empty">No variables yet.</p> : (
          <table className="list">
            <thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>{rows.map((r) => {
              const mine = bad && bad.name === r.name.trim() ? bad : null;
              return (
                <tr key={r.key}>
                  <td><EnvField label={`Name of variable ${r.key + 1}`} id={`env-name-${r.key}`} error={dup === r.key ? 'This name is used twice' : mine?.onName ? mine.message : null}>
                    {(id, a) => <input id={id} {...a} className="mono" required pattern="[A-Za-z_][A-Za-z0-9_]*" title="Letters, digits and '_', not starting with a digit" value={r.name} onChange={(e) => set(r.key, 'name', e.target.value)} />}
                  </EnvField></td>
                  <td><EnvField label={`Value of ${r.name || `variable ${r.key + 1}`}`} id={`env-value-${r.key}`} error={mine && !mine.onName ? mine.message : null}>
                    {(id, a) => <input id={id} {...a} className="mono" value={r.value} onChange={(e) => set(r.key, 'value', e.target.value)} />}
                  </EnvField></td>
                  <td className="row-actions"><button type="button" className="small danger" disabled={busy} onClick={() => void remove(r)} aria-label={`Remove ${r.name || `variable ${r.key + 1}`}`}>Remove</button></td>
                </tr>
              );
            })}</tbody>
          </table>
        )}
        <ErrorBox error={rest} />
        <div className="actions">
          <button type="button" onClick={() => { setRows([...rows, { key: next, name: '', value: '' }]); setNext(next + 1); requestAnimationFrame(() => document.getElementById(`env-name-${next}`)?.focus()); }}>Add variable</button>
          <button type="submit" className="primary" disabled={busy}>Save</button>
          {saved ? <span role="status" className="ok">{saved}</span> : null}
        </div>
      </Form>
      {dlg.dialog}
    </section>
  );
}

/** A table cell's control with a visually hidden label (the column says it) and its error under it. */
function EnvField({ label, id, error: given, children }: { label: string; id: string; error: string | null; children: (id: string, aria: Record<string, string>) => ReactNode }) {
  const form = useContext(FormContext);
  const error = given ?? form?.errorOf(id, undefined) ?? null;
  const aria: Record<string, string> = error ? { 'aria-invalid': 'true', 'aria-describedby': `${id}-error` } : {};
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id} className="sr-only">{label}</label>
      {children(id, aria)}
      {error ? <div className="field-error" id={`${id}-error`}>{error}</div> : null}
    </div>
  );
}

const MANAGE: [string, string, string][] = [
  ['/settings/http-services', 'HTTP services', 'Slack, GitHub and GitLab checks, SonarQube and Artifactory servers, and the hosts httpRequest may reach'],
  ['/settings/global-env', 'Global environment variables', 'NAME=value pairs every build gets'],
  ['/lockable-resources', 'Lockable resources', 'What lock() chooses among, and which build holds each'],
  ['/settings/throttle-categories', 'Throttle categories', 'How many throttled node blocks of each category run at once'],
  ['/settings/publish-over-ssh', 'SSH servers', 'Where sshPublisher copies files and runs commands, with pinned host keys'],
  ['/settings/mail', 'E-mail', 'The SMTP server emailext and mail send through'],
  ['/clouds', 'Clouds', 'Kubernetes and Docker: agents on demand, pod templates'],
  ['/users', 'Users', 'Accounts, roles, passwords, API tokens'],
  ['/folders', 'Folder permissions', 'Who may change, build and add jobs in a folder'],
  ['/credentials', 'Credentials', 'Secrets builds bind, stored encrypted'],
  ['/audit', 'Audit log', 'Who changed what, and from where'],
];

/** Manage Kiln: the administrators' pages, each with what it is for. */
export function ManagePage() {
  useTitle('Manage Kiln');
  return (
    <section>
      <h1>Manage Kiln</h1>
      <ul className="manage-list">
        {MANAGE.map(([to, title, what]) => <li key={to} className="card"><Link to={to}>{title}</Link><div className="muted small">{what}</div></li>)}
      </ul>
    </section>
  );
}
