// E-mail settings (admins): the SMTP server builds' `emailext` / `mail` go through, with AUTH
// from a username/password credential (the password never comes back: the settings name the
// credential), the defaults email-ext reads ($DEFAULT_SUBJECT, $DEFAULT_CONTENT, the default
// e-mail suffix), and "Send test e-mail", whose outcome is shown in plain words.
// API: GET/PUT /api/v1/settings/mail, POST /api/v1/settings/mail/test (src/controller/mail.ts).
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { useResource } from '../hooks.ts';
import type { AnswerOf, BodyOf } from '../types.ts';

type Settings = AnswerOf<'getMailSettings'>;
type Body = Required<BodyOf<'putMailSettings'>>;

const SECURITY: [Body['security'], string, number][] = [
  ['none', 'None (plain SMTP)', 25], ['starttls', 'STARTTLS (required)', 587], ['ssl', 'SSL/TLS from the start', 465],
];

export function MailPage() {
  const settings = useResource((s) => api.get<Settings>('/settings/mail', s), []);
  const creds = useResource((s) => api.get<AnswerOf<'listCredentials'>>('/credentials', s).then((r) => r.credentials.filter((c) => c.type === 'usernamePassword' && !c.folder)), []);
  const [f, setF] = useState<Body | null>(null);
  useEffect(() => {
    if (settings.data && f === null) {
      const { configured: _c, ...rest } = settings.data;
      setF(rest);
    }
  }, [settings.data, f]);
  const [save, saving, saveError] = useAction();
  const [saved, setSaved] = useState(false);
  const [test, testing, testError] = useAction();
  const [to, setTo] = useState('');
  const [outcome, setOutcome] = useState<{ sent: boolean; message: string } | null>(null);

  if (!f) return <section><h1>E-mail</h1><ErrorBox error={settings.error} />{settings.error ? null : <Loading what="the e-mail settings" />}</section>;
  const set = <K extends keyof Body>(k: K, v: Body[K]) => { setSaved(false); setF({ ...f, [k]: v }); };
  const text = (k: 'host' | 'from' | 'replyTo' | 'defaultSuffix' | 'defaultSubject' | 'defaultRecipients') => (e: { target: { value: string } }) => set(k, e.target.value);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(async () => {
      const r = await api.put<Settings>('/settings/mail', f);
      const { configured: _c, ...rest } = r;
      setF(rest);
      setSaved(true);
      settings.reload();
    });
  };
  const sendTest = (e: FormEvent) => {
    e.preventDefault();
    setOutcome(null);
    void test(async () => { setOutcome(await api.post<{ sent: boolean; message: string }>('/settings/mail/test', { to })); });
  };
  const fe = fieldErrors(saveError, ['host', 'security', 'port', 'credentialsId', 'trustCertificate', 'from', 'replyTo', 'defaultSuffix', 'defaultSubject', 'defaultContent', 'defaultRecipients']);
  const te = fieldErrors(testError, ['to']);
  return (
    <section>
      <h1>E-mail</h1>
      <p className="muted">The SMTP server that <code>emailext</code> and <code>mail</code> send through. Without one, those steps fail saying so.</p>
      <Form className="card" onSubmit={submit} errors={fe} error={saveError} aria-labelledby="smtp-h" autoComplete="off">
        <h2 id="smtp-h">Server</h2>
        <Field label="SMTP server" name="host" hint="Host name or IP address; empty: no e-mail">{(id) => <input id={id} name="smtp-host" value={f.host} onChange={text('host')} />}</Field>
        <Field label="Security" name="security">{(id) => (
          <select id={id} value={f.security} onChange={(e) => {
            const s = e.target.value as Body['security'];
            const port = SECURITY.find(([v]) => v === s)![2];
            setSaved(false);
            setF({ ...f, security: s, port: SECURITY.some(([, , p]) => p === f.port) ? port : f.port });
          }}>{SECURITY.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>
        )}</Field>
        <Field label="SMTP port" name="port">{(id) => <input id={id} type="number" min={1} max={65535} value={f.port} onChange={(e) => set('port', Number(e.target.value))} />}</Field>
        <Field label="Credentials" name="credentialsId" hint="A global username/password credential for SMTP authentication">{(id) => (
          <select id={id} value={f.credentialsId ?? ''} onChange={(e) => set('credentialsId', e.target.value || null)}>
            <option value="">No authentication</option>
            {(creds.data ?? []).map((c) => <option key={c.id} value={c.id}>{c.id}{c.username ? ` (${c.username})` : ''}</option>)}
            {f.credentialsId && creds.data && !creds.data.some((c) => c.id === f.credentialsId) ? <option value={f.credentialsId}>{f.credentialsId} (missing)</option> : null}
          </select>
        )}</Field>
        <div className="field">
          <label><input type="checkbox" checked={f.trustCertificate} onChange={(e) => set('trustCertificate', e.target.checked)} /> Trust the server's certificate without checking</label>
          <div className="hint">Only for a server you know whose certificate is self-signed: anyone between Kiln and it could read the mail and the password.</div>
        </div>
        <h2>Defaults</h2>
        <Field label="From address" name="from" hint="Jenkins' System Admin e-mail address, e.g. Kiln <ci@example.com>">{(id) => <input id={id} name="smtp-from" value={f.from} onChange={text('from')} />}</Field>
        <Field label="Reply-To address" name="replyTo">{(id) => <input id={id} value={f.replyTo} onChange={text('replyTo')} />}</Field>
        <Field label="Default user e-mail suffix" name="defaultSuffix" hint="Added to recipients without '@', e.g. @example.com">{(id) => <input id={id} value={f.defaultSuffix} onChange={text('defaultSuffix')} />}</Field>
        <Field label="Default subject ($DEFAULT_SUBJECT)" name="defaultSubject" hint="Empty: $PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS!">{(id) => <input id={id} value={f.defaultSubject} onChange={text('defaultSubject')} />}</Field>
        <Field label="Default content ($DEFAULT_CONTENT)" name="defaultContent" hint="Empty: email-ext's default, with a link to the console">{(id) => <textarea id={id} rows={4} value={f.defaultContent} onChange={(e) => set('defaultContent', e.target.value)} />}</Field>
        <Field label="Default recipients ($DEFAULT_RECIPIENTS)" name="defaultRecipients">{(id) => <input id={id} value={f.defaultRecipients} onChange={text('defaultRecipients')} />}</Field>
        <ErrorBox error={fe.rest} />
        <button type="submit" className="primary" disabled={saving}>Save</button>
        {saved ? <span role="status" className="muted"> Saved.</span> : null}
      </Form>
      <Form className="card" onSubmit={sendTest} errors={te} error={testError} aria-labelledby="test-h">
        <h2 id="test-h">Send test e-mail</h2>
        <p className="muted small">Sends a short message through the saved settings.</p>
        <Field label="Test e-mail recipient" name="to">{(id) => <input id={id} type="email" required value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
        <ErrorBox error={te.rest} />
        <button type="submit" disabled={testing || !settings.data?.configured}>Send test e-mail</button>
        {!settings.data?.configured ? <span className="muted small"> Save an SMTP server first.</span> : null}
        {outcome ? <p role="status" className={outcome.sent ? 'ok' : 'error'}>{outcome.message}</p> : null}
      </Form>
    </section>
  );
}
