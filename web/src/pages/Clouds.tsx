// Clouds: Kubernetes and Docker settings (the seed's fields) with Test Connection.
// Talks to GET/PUT /api/v1/clouds/:name and POST /api/v1/clouds/:name/test (the test takes the
// form as it is, before saving). Where the controller has no such API yet, it says so.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, api } from '../api.ts';
import { ErrorBox, Field, useAction } from '../components.tsx';
import type { Credential } from '../types.ts';

type Kind = 'kubernetes' | 'docker';
interface Template { name: string; label: string; yaml: string }
interface CloudForm {
  type: Kind; name: string;
  serverUrl: string; serverCertificate: string; namespace: string; credentialsId: string; controllerUrl: string; tunnel: string; skipTlsVerify: boolean;
  engineUrl: string; tlsCa: string; tlsCert: string; tlsKey: string; defaultAgentImage: string;
  concurrencyCap: number; podTemplates: Template[];
}

const EMPTY: CloudForm = {
  type: 'kubernetes', name: 'kubernetes',
  serverUrl: '', serverCertificate: '', namespace: 'default', credentialsId: '', controllerUrl: location.origin + '/', tunnel: '', skipTlsVerify: false,
  engineUrl: 'unix:///var/run/docker.sock', tlsCa: '', tlsCert: '', tlsKey: '', defaultAgentImage: 'busybox:latest',
  concurrencyCap: 10, podTemplates: [],
};

function bodyOf(f: CloudForm): Record<string, unknown> {
  const common = { type: f.type, name: f.name, concurrencyCap: f.concurrencyCap, podTemplates: f.podTemplates.map((t) => ({ name: t.name, label: t.label || null, yaml: t.yaml })) };
  if (f.type === 'kubernetes') {
    return { ...common, serverUrl: f.serverUrl || null, serverCertificate: f.serverCertificate || null, namespace: f.namespace, credentialsId: f.credentialsId || null, controllerUrl: f.controllerUrl, tunnel: f.tunnel || null, skipTlsVerify: f.skipTlsVerify };
  }
  const tls = f.tlsCa || f.tlsCert || f.tlsKey || f.skipTlsVerify ? { ca: f.tlsCa || null, cert: f.tlsCert || null, key: f.tlsKey || null, skipVerify: f.skipTlsVerify } : null;
  return { ...common, engineUrl: f.engineUrl, tls, defaultAgentImage: f.defaultAgentImage };
}

function formOf(c: Record<string, unknown>, name: string): CloudForm {
  const s = (k: string, d = '') => (typeof c[k] === 'string' ? (c[k] as string) : d);
  const tls = (c.tls ?? {}) as Record<string, unknown>;
  const t = (k: string) => (typeof tls[k] === 'string' ? (tls[k] as string) : '');
  return {
    ...EMPTY, name, type: c.type === 'docker' || (c.engineUrl && !c.serverUrl) ? 'docker' : 'kubernetes',
    serverUrl: s('serverUrl'), serverCertificate: s('serverCertificate'), namespace: s('namespace', 'default'), credentialsId: s('credentialsId'),
    controllerUrl: s('controllerUrl', EMPTY.controllerUrl), tunnel: s('tunnel'), skipTlsVerify: c.skipTlsVerify === true || tls.skipVerify === true,
    engineUrl: s('engineUrl', EMPTY.engineUrl), tlsCa: t('ca'), tlsCert: t('cert'), tlsKey: t('key'), defaultAgentImage: s('defaultAgentImage', EMPTY.defaultAgentImage),
    concurrencyCap: typeof c.concurrencyCap === 'number' ? c.concurrencyCap : EMPTY.concurrencyCap,
    podTemplates: Array.isArray(c.podTemplates) ? (c.podTemplates as Record<string, unknown>[]).map((p) => ({ name: String(p.name ?? ''), label: String(p.label ?? ''), yaml: String(p.yaml ?? '') })) : [],
  };
}

const NOT_YET = 'Cloud settings are not available on this controller yet (the /api/v1/clouds API answers 404). The form is ready for when it is.';

export function CloudsPage() {
  const [names, setNames] = useState<string[]>([]);
  const [f, setF] = useState<CloudForm>(EMPTY);
  const [creds, setCreds] = useState<Credential[]>([]);
  const [unavailable, setUnavailable] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const [run, busy, error, setError] = useAction();
  useEffect(() => {
    api.get<{ credentials: Credential[] }>('/credentials').then((r) => setCreds(r.credentials), () => {});
    api.get<{ clouds: { name: string }[] }>('/clouds').then((r) => setNames(r.clouds.map((c) => c.name)), (e: unknown) => { if (e instanceof ApiError && e.status === 404) setUnavailable(true); });
  }, []);
  const load = (name: string) => run(async () => {
    setResult(null);
    try { setF(formOf(await api.get<Record<string, unknown>>(`/clouds/${encodeURIComponent(name)}`), name)); }
    catch (e) { if (e instanceof ApiError && e.status === 404) setUnavailable(true); throw e; }
  });
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
    try { setResult(await api.post<{ ok: boolean; message: string }>(`/clouds/${encodeURIComponent(f.name)}/test`, bodyOf(f))); }
    catch (err) { handle404(err); }
  });
  const tpl = (i: number, k: keyof Template, v: string) => set('podTemplates', f.podTemplates.map((t, j) => (j === i ? { ...t, [k]: v } : t)));
  return (
    <section>
      <h1>Clouds</h1>
      <p className="muted">Where build agents come from on demand: a Kubernetes cluster (one pod per build) or a Docker engine.</p>
      {unavailable ? <div className="notice card" role="status">{NOT_YET}</div> : null}
      {names.length > 0 ? (
        <p>Configured: {names.map((n) => <button key={n} className="small" onClick={() => void load(n)}>{n}</button>)}</p>
      ) : null}
      <form className="card cloud-form" onSubmit={save}>
        <fieldset>
          <legend>Kind</legend>
          <label className="inline"><input type="radio" name="cloud-kind" checked={f.type === 'kubernetes'} onChange={() => setF({ ...f, type: 'kubernetes', name: f.name === 'docker' ? 'kubernetes' : f.name })} /> Kubernetes</label>
          <label className="inline"><input type="radio" name="cloud-kind" checked={f.type === 'docker'} onChange={() => setF({ ...f, type: 'docker', name: f.name === 'kubernetes' ? 'docker' : f.name })} /> Docker</label>
        </fieldset>
        <Field label="Cloud name">{(id) => <input id={id} required value={f.name} onChange={(e) => set('name', e.target.value)} />}</Field>
        {f.type === 'kubernetes' ? <>
          <Field label="Kubernetes URL" hint="The API server, e.g. https://10.0.0.1:6443; empty = in-cluster">{(id) => <input id={id} value={f.serverUrl} onChange={(e) => set('serverUrl', e.target.value)} />}</Field>
          <Field label="Kubernetes server certificate key" hint="The cluster CA, PEM or base64">{(id) => <textarea id={id} rows={4} className="mono" value={f.serverCertificate} onChange={(e) => set('serverCertificate', e.target.value)} />}</Field>
          <Field label="Kubernetes namespace">{(id) => <input id={id} value={f.namespace} onChange={(e) => set('namespace', e.target.value)} />}</Field>
          <Field label="Credentials" hint="A kubeconfig (secret file) or a service-account token (secret text); none = in-cluster">{(id) => (
            <select id={id} value={f.credentialsId} onChange={(e) => set('credentialsId', e.target.value)}>
              <option value="">- none (in-cluster) -</option>
              {creds.filter((c) => c.type === 'secretFile' || c.type === 'secretText' || c.type === 'certificate').map((c) => <option key={c.id} value={c.id}>{c.id} ({c.type})</option>)}
            </select>
          )}</Field>
          <Field label="Controller URL" hint="What agents in pods dial, e.g. http://kiln.kiln.svc:8080/">{(id) => <input id={id} value={f.controllerUrl} onChange={(e) => set('controllerUrl', e.target.value)} />}</Field>
          <Field label="Tunnel" hint="Optional host:port for the agent connection">{(id) => <input id={id} value={f.tunnel} onChange={(e) => set('tunnel', e.target.value)} />}</Field>
        </> : <>
          <Field label="Docker engine URL" hint="unix:///var/run/docker.sock or tcp://host:2376">{(id) => <input id={id} value={f.engineUrl} onChange={(e) => set('engineUrl', e.target.value)} />}</Field>
          <Field label="CA certificate (PEM)">{(id) => <textarea id={id} rows={3} className="mono" value={f.tlsCa} onChange={(e) => set('tlsCa', e.target.value)} />}</Field>
          <Field label="Client certificate (PEM)">{(id) => <textarea id={id} rows={3} className="mono" value={f.tlsCert} onChange={(e) => set('tlsCert', e.target.value)} />}</Field>
          <Field label="Client key (PEM)">{(id) => <textarea id={id} rows={3} className="mono" value={f.tlsKey} onChange={(e) => set('tlsKey', e.target.value)} />}</Field>
          <Field label="Agent image">{(id) => <input id={id} value={f.defaultAgentImage} onChange={(e) => set('defaultAgentImage', e.target.value)} />}</Field>
        </>}
        <label className="inline"><input type="checkbox" checked={f.skipTlsVerify} onChange={(e) => set('skipTlsVerify', e.target.checked)} /> Disable TLS certificate verification (self-signed endpoints only)</label>
        <Field label="Concurrency limit" hint="Pods at once; 0 = no limit">{(id) => <input id={id} type="number" min={0} value={f.concurrencyCap} onChange={(e) => set('concurrencyCap', Number(e.target.value))} />}</Field>
        <fieldset>
          <legend>Pod templates</legend>
          {f.podTemplates.map((t, i) => (
            <div key={i} className="template">
              <Field label="Template name">{(id) => <input id={id} value={t.name} onChange={(e) => tpl(i, 'name', e.target.value)} />}</Field>
              <Field label="Labels">{(id) => <input id={id} value={t.label} onChange={(e) => tpl(i, 'label', e.target.value)} />}</Field>
              <Field label="Pod YAML">{(id) => <textarea id={id} rows={8} className="mono" value={t.yaml} onChange={(e) => tpl(i, 'yaml', e.target.value)} />}</Field>
              <button type="button" className="small danger" onClick={() => set('podTemplates', f.podTemplates.filter((_, j) => j !== i))}>Remove template</button>
            </div>
          ))}
          <button type="button" className="small" onClick={() => set('podTemplates', [...f.podTemplates, { name: `template-${f.podTemplates.length + 1}`, label: '', yaml: 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: build\n    image: busybox\n    command: [cat]\n    tty: true\n' }])}>Add pod template</button>
        </fieldset>
        <ErrorBox error={error} />
        {result ? <div className={result.ok ? 'ok card' : 'error'} role="status" aria-label="Test connection result">{result.message}</div> : null}
        {saved ? <p className="ok" role="status">Saved.</p> : null}
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void test()}>Test Connection</button>
          <button type="submit" className="primary" disabled={busy}>Save</button>
        </div>
      </form>
    </section>
  );
}
