// Clouds: Kubernetes and Docker settings (the seed's fields) with Test Connection.
// GET /api/v1/clouds, GET|PUT /api/v1/clouds/:name ({ type, settings }), and
// POST /api/v1/clouds/test ({ type, settings }: the form as it is, before saving) →
// { ok, message, version, permissions }. Where the controller has no such API, it says so.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, api } from '../api.ts';
import { ErrorBox, Field, useAction, useDialog } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import type { AnswerOf, Cloud, ConnectionReport, Credential } from '../types.ts';
import { useTitle } from '../title.ts';

type Kind = 'kubernetes' | 'docker';
interface Template { name: string; labels: string; yaml: string; inheritFrom: string }
interface CloudForm {
  type: Kind; name: string;
  serverUrl: string; caCertificate: string; namespace: string; credentialsId: string; inCluster: boolean; controllerUrl: string; tunnel: string; skipTlsVerify: boolean;
  podRetention: 'never' | 'onFailure' | 'always'; connectTimeoutSeconds: number; agentImage: string;
  engineUrl: string; tlsCa: string; tlsCert: string; tlsKey: string;
  concurrencyCap: number; podTemplates: Template[];
}

const EMPTY: CloudForm = {
  type: 'kubernetes', name: 'kubernetes',
  serverUrl: '', caCertificate: '', namespace: 'default', credentialsId: '', inCluster: false, controllerUrl: '', tunnel: '', skipTlsVerify: false,
  podRetention: 'never', connectTimeoutSeconds: 300, agentImage: 'kiln/agent:latest',
  engineUrl: 'unix:///var/run/docker.sock', tlsCa: '', tlsCert: '', tlsKey: '',
  concurrencyCap: 10, podTemplates: [],
};

const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** The body of PUT /api/v1/clouds/:name and POST /api/v1/clouds/test: { type, settings }. */
function bodyOf(f: CloudForm): { type: Kind; settings: Record<string, unknown> } {
  if (f.type === 'kubernetes') {
    return {
      type: f.type,
      settings: {
        serverUrl: f.serverUrl || null, caCertificate: f.caCertificate || null, skipTlsVerify: f.skipTlsVerify, namespace: f.namespace || 'default',
        credentialsId: f.credentialsId || null, inCluster: f.inCluster, controllerUrl: f.controllerUrl || null, tunnel: f.tunnel || null,
        containerCap: f.concurrencyCap, podRetention: f.podRetention, connectTimeoutSeconds: f.connectTimeoutSeconds, agentImage: f.agentImage || null,
        templates: f.podTemplates.map((t) => ({ name: t.name, labels: words(t.labels), yaml: t.yaml, inheritFrom: words(t.inheritFrom) })),
      },
    };
  }
  const tls = f.tlsCa || f.tlsCert || f.tlsKey || f.skipTlsVerify ? { ca: f.tlsCa || null, cert: f.tlsCert || null, key: f.tlsKey || null, skipVerify: f.skipTlsVerify } : null;
  return {
    type: f.type,
    settings: {
      engineUrl: f.engineUrl, tls, concurrencyCap: f.concurrencyCap, defaultAgentImage: f.agentImage,
      podTemplates: f.podTemplates.map((t) => ({ name: t.name, label: t.labels || null, yaml: t.yaml })),
    },
  };
}

function formOf(c: { name: string; type?: string; settings?: Record<string, unknown> }): CloudForm {
  const s = c.settings ?? {};
  const str = (k: string, d = '') => (typeof s[k] === 'string' ? (s[k] as string) : d);
  const num = (k: string, d: number) => (typeof s[k] === 'number' ? (s[k] as number) : d);
  const tls = (s.tls ?? {}) as Record<string, unknown>;
  const t = (k: string) => (typeof tls[k] === 'string' ? (tls[k] as string) : '');
  const list = (v: unknown) => (Array.isArray(v) ? v.join(' ') : typeof v === 'string' ? v : '');
  const rawTemplates = (Array.isArray(s.templates) ? s.templates : Array.isArray(s.podTemplates) ? s.podTemplates : []) as Record<string, unknown>[];
  const kind: Kind = c.type === 'docker' ? 'docker' : 'kubernetes';
  return {
    ...EMPTY, name: c.name, type: kind,
    serverUrl: str('serverUrl'), caCertificate: str('caCertificate'), namespace: str('namespace', 'default'), credentialsId: str('credentialsId'),
    inCluster: s.inCluster === true, controllerUrl: str('controllerUrl'), tunnel: str('tunnel'), skipTlsVerify: s.skipTlsVerify === true || tls.skipVerify === true,
    podRetention: s.podRetention === 'onFailure' || s.podRetention === 'always' ? s.podRetention : 'never',
    connectTimeoutSeconds: num('connectTimeoutSeconds', 300), agentImage: str(kind === 'docker' ? 'defaultAgentImage' : 'agentImage', EMPTY.agentImage),
    engineUrl: str('engineUrl', EMPTY.engineUrl), tlsCa: t('ca'), tlsCert: t('cert'), tlsKey: t('key'),
    concurrencyCap: num(kind === 'docker' ? 'concurrencyCap' : 'containerCap', 10),
    podTemplates: rawTemplates.map((p) => ({ name: String(p.name ?? ''), labels: list(p.labels ?? p.label), yaml: String(p.yaml ?? ''), inheritFrom: list(p.inheritFrom) })),
  };
}

const NOT_YET = 'Cloud settings are not available on this controller yet (the /api/v1/clouds API answers 404). The form is ready for when it is.';

export function CloudsPage() {
  useTitle('Clouds');
  const [names, setNames] = useState<string[]>([]);
  const [f, setF] = useState<CloudForm>(EMPTY);
  const [creds, setCreds] = useState<Credential[]>([]);
  const [unavailable, setUnavailable] = useState(false);
  const [result, setResult] = useState<ConnectionReport | null>(null);
  const [saved, setSaved] = useState(false);
  const [run, busy, error, setError] = useAction();
  const dlg = useDialog();
  useEffect(() => {
    api.get<AnswerOf<'listCredentials'>>('/credentials').then((r) => setCreds(r.credentials), () => {});
    // A saved cloud opens with its settings in the form (the first one; the buttons pick another).
    api.get<AnswerOf<'listClouds'>>('/clouds').then((r) => { setNames(r.clouds.map((c) => c.name)); if (r.clouds[0]) void loadRef.current(r.clouds[0].name); }, (e: unknown) => { if (e instanceof ApiError && e.status === 404) setUnavailable(true); });
  }, []);
  const load = (name: string) => run(async () => {
    setResult(null);
    try { setF(formOf(await api.get<Cloud>(`/clouds/${encodeURIComponent(name)}`))); setShown(name); }
    catch (e) { if (e instanceof ApiError && e.status === 404) setUnavailable(true); throw e; }
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const [shown, setShown] = useState<string | null>(null);
  const set = <K extends keyof CloudForm>(k: K, v: CloudForm[K]) => { setF({ ...f, [k]: v }); setSaved(false); };
  const handle404 = (e: unknown) => {
    if (e instanceof ApiError && e.status === 404 && /no such route/.test(e.message)) { setUnavailable(true); setError(new Error(NOT_YET)); return; }
    throw e;
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try { await api.put(`/clouds/${encodeURIComponent(f.name)}`, bodyOf(f)); setSaved(true); if (!names.includes(f.name)) setNames([...names, f.name]); }
      catch (err) { handle404(err); }
    });
  };
  const test = () => run(async () => {
    setResult(null);
    // The form as it is, saved or not.
    try { setResult(await api.post<ConnectionReport>('/clouds/test', bodyOf(f))); }
    catch (err) { handle404(err); }
  });
  const remove = () => run(async () => {
    if (!(await dlg.confirm(`Delete cloud ${f.name}? Builds waiting for its pods fail.`, 'Delete'))) return;
    await api.del(`/clouds/${encodeURIComponent(f.name)}`);
    setNames(names.filter((n) => n !== f.name));
    setF(EMPTY);
    setShown(null);
    setResult(null);
  });
  // The API's names of each field (Kubernetes' and Docker's differ for a few).
  const tplNames = f.podTemplates.flatMap((_, i) => ['name', 'labels', 'label', 'inheritFrom', 'yaml'].flatMap((k) => [`templates[${i}].${k}`, `podTemplates[${i}].${k}`]));
  const fe = fieldErrors(error, ['name', 'serverUrl', 'caCertificate', 'namespace', 'credentialsId', 'controllerUrl', 'tunnel', 'podRetention', 'connectTimeoutSeconds',
    'engineUrl', 'tls', 'tls.ca', 'tls.cert', 'tls.key', 'agentImage', 'defaultAgentImage', 'containerCap', 'concurrencyCap', 'templates', 'podTemplates', ...tplNames]);
  const tn = (i: number, ...k: string[]) => k.flatMap((x) => [`templates[${i}].${x}`, `podTemplates[${i}].${x}`]);
  const tpl = (i: number, k: keyof Template, v: string) => set('podTemplates', f.podTemplates.map((t, j) => (j === i ? { ...t, [k]: v } : t)));
  return (
    <section>
      <h1>Clouds</h1>
      <p className="muted">Where build agents come from on demand: a Kubernetes cluster (one pod per build) or a Docker engine.</p>
      {unavailable ? <div className="notice card" role="status">{NOT_YET}</div> : null}
      {names.length > 0 ? (
        <p>Configured: {names.map((n) => <button key={n} className="small" aria-pressed={shown === n} onClick={() => void load(n)} aria-label={`Edit cloud ${n}`}>{n}</button>)}{' '}
          <button className="small" onClick={() => { setF(EMPTY); setShown(null); setResult(null); setSaved(false); }}>New cloud</button></p>
      ) : null}
      <Form className="card cloud-form" onSubmit={save} errors={fe} error={error} aria-label="Cloud settings">
        <fieldset>
          <legend>Kind</legend>
          <label className="inline"><input type="radio" name="cloud-kind" checked={f.type === 'kubernetes'} onChange={() => setF({ ...f, type: 'kubernetes', name: f.name === 'docker' ? 'kubernetes' : f.name })} /> Kubernetes</label>
          <label className="inline"><input type="radio" name="cloud-kind" checked={f.type === 'docker'} onChange={() => setF({ ...f, type: 'docker', name: f.name === 'kubernetes' ? 'docker' : f.name })} /> Docker</label>
        </fieldset>
        <Field label="Cloud name" name="name">{(id) => <input id={id} required value={f.name} onChange={(e) => set('name', e.target.value)} />}</Field>
        {f.type === 'kubernetes' ? <>
          <label className="inline"><input type="checkbox" checked={f.inCluster} onChange={(e) => set('inCluster', e.target.checked)} /> Kiln runs in this cluster (use its pod's service account)</label>
          <Field label="Kubernetes URL" name="serverUrl" hint="The API server, e.g. https://10.0.0.1:6443 (may be left empty with a kubeconfig credential, or in-cluster)">{(id) => <input id={id} value={f.serverUrl} onChange={(e) => set('serverUrl', e.target.value)} />}</Field>
          <Field label="Kubernetes server certificate key" name="caCertificate" hint="The cluster's CA certificate, PEM or base64 of the PEM">{(id) => <textarea id={id} rows={4} className="mono" value={f.caCertificate} onChange={(e) => set('caCertificate', e.target.value)} />}</Field>
          <Field label="Kubernetes namespace" name="namespace">{(id) => <input id={id} value={f.namespace} onChange={(e) => set('namespace', e.target.value)} />}</Field>
          <Field label="Credentials" name="credentialsId" hint="A kubeconfig (secret file) or a service-account token (secret text)">{(id) => (
            <select id={id} value={f.credentialsId} onChange={(e) => set('credentialsId', e.target.value)}>
              <option value="">- none -</option>
              {creds.filter((c) => c.type === 'secretFile' || c.type === 'secretText').map((c) => <option key={c.id} value={c.id}>{c.id} ({c.type})</option>)}
            </select>
          )}</Field>
          <Field label="Controller URL" name="controllerUrl" hint="What agents in pods dial, e.g. http://kiln.kiln.svc:8080/; empty = the controller's agent URL">{(id) => <input id={id} value={f.controllerUrl} onChange={(e) => set('controllerUrl', e.target.value)} />}</Field>
          <Field label="Tunnel" name="tunnel" hint="Optional host:port agents dial instead, e.g. kiln-agent.kiln.svc:50000">{(id) => <input id={id} value={f.tunnel} onChange={(e) => set('tunnel', e.target.value)} />}</Field>
          <Field label="Pod retention" name="podRetention">{(id) => <select id={id} value={f.podRetention} onChange={(e) => set('podRetention', e.target.value as CloudForm['podRetention'])}><option value="never">never (delete after the build)</option><option value="onFailure">on failure</option><option value="always">always</option></select>}</Field>
          <Field label="Agent connect timeout (seconds)" name="connectTimeoutSeconds">{(id) => <input id={id} type="number" min={5} value={f.connectTimeoutSeconds} onChange={(e) => set('connectTimeoutSeconds', Number(e.target.value))} />}</Field>
        </> : <>
          <Field label="Docker engine URL" name="engineUrl" hint="unix:///var/run/docker.sock or tcp://host:2376">{(id) => <input id={id} value={f.engineUrl} onChange={(e) => set('engineUrl', e.target.value)} />}</Field>
          <Field label="CA certificate (PEM)" name={['tls.ca', 'tls']}>{(id) => <textarea id={id} rows={3} className="mono" value={f.tlsCa} onChange={(e) => set('tlsCa', e.target.value)} />}</Field>
          <Field label="Client certificate (PEM)" name="tls.cert">{(id) => <textarea id={id} rows={3} className="mono" value={f.tlsCert} onChange={(e) => set('tlsCert', e.target.value)} />}</Field>
          <Field label="Client key (PEM)" name="tls.key">{(id) => <textarea id={id} rows={3} className="mono" value={f.tlsKey} onChange={(e) => set('tlsKey', e.target.value)} />}</Field>
        </>}
        <Field label="Agent image" name={['agentImage', 'defaultAgentImage']} hint="The image of the injected agent container">{(id) => <input id={id} value={f.agentImage} onChange={(e) => set('agentImage', e.target.value)} />}</Field>
        <label className="inline"><input type="checkbox" checked={f.skipTlsVerify} onChange={(e) => set('skipTlsVerify', e.target.checked)} /> Disable TLS certificate verification (self-signed endpoints only)</label>
        <Field label="Concurrency limit" name={['containerCap', 'concurrencyCap']} hint={f.type === 'kubernetes' ? 'Pods of this cloud at once; more builds wait in the queue' : 'Pods at once; 0 = no limit'}>{(id) => <input id={id} type="number" min={f.type === 'kubernetes' ? 1 : 0} value={f.concurrencyCap} onChange={(e) => set('concurrencyCap', Number(e.target.value))} />}</Field>
        <fieldset>
          <legend>Pod templates</legend>
          {f.podTemplates.map((t, i) => (
            <div key={i} className="template">
              <Field label="Template name" name={tn(i, 'name')}>{(id) => <input id={id} value={t.name} onChange={(e) => tpl(i, 'name', e.target.value)} />}</Field>
              <Field label="Labels" name={tn(i, 'labels', 'label')} hint="Space-separated; agent { label '...' } picks the template">{(id) => <input id={id} value={t.labels} onChange={(e) => tpl(i, 'labels', e.target.value)} />}</Field>
              {f.type === 'kubernetes' ? <Field label="Inherit from" name={tn(i, 'inheritFrom')} hint="Template names, space-separated">{(id) => <input id={id} value={t.inheritFrom} onChange={(e) => tpl(i, 'inheritFrom', e.target.value)} />}</Field> : null}
              <Field label="Pod YAML" name={tn(i, 'yaml')}>{(id) => <textarea id={id} rows={8} className="mono" value={t.yaml} onChange={(e) => tpl(i, 'yaml', e.target.value)} />}</Field>
              <button type="button" className="small danger" onClick={() => set('podTemplates', f.podTemplates.filter((_, j) => j !== i))}>Remove template</button>
            </div>
          ))}
          <button type="button" className="small" onClick={() => set('podTemplates', [...f.podTemplates, { name: `template-${f.podTemplates.length + 1}`, labels: '', inheritFrom: '', yaml: 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: build\n    image: busybox\n    command: [cat]\n    tty: true\n' }])}>Add pod template</button>
        </fieldset>
        <ErrorBox error={fe.rest} />
        {result ? (
          <div className={result.ok ? 'ok card' : 'error'} role="status" aria-label="Test connection result">
            <strong>{result.message}</strong>
            {result.permissions && result.permissions.length > 0 ? (
              <ul className="small">{result.permissions.map((p, i) => <li key={i}>{p.allowed === true ? '✓' : p.allowed === false ? '✗' : '?'} {p.verb} {p.resource}{p.reason ? `: ${p.reason}` : ''}</li>)}</ul>
            ) : null}
          </div>
        ) : null}
        {saved ? <p className="ok" role="status">Saved.</p> : null}
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void test()}>Test Connection</button>
          <button type="submit" className="primary" disabled={busy}>Save</button>
          {names.includes(f.name) ? <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>Delete cloud</button> : null}
        </div>
      </Form>
      {dlg.dialog}
    </section>
  );
}
