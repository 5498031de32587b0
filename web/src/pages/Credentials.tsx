// Credentials: list (no secret ever comes back), add each type, delete.
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Field, Loading, useAction, useDialog } from '../components.tsx';
import { Form, fieldErrors } from '../forms.tsx';
import { ago } from '../format.ts';
import { useResource } from '../hooks.ts';
import { can, useSession } from '../session.ts';
import type { AnswerOf, CredentialType } from '../types.ts';
import { useTitle } from '../title.ts';

const TYPES: [CredentialType, string][] = [
  ['secretText', 'Secret text'], ['usernamePassword', 'Username with password'], ['secretFile', 'Secret file'],
  ['sshKey', 'SSH username with private key'], ['certificate', 'Certificate (PKCS#12)'], ['azureServicePrincipal', 'Azure Service Principal'],
];
const AZURE_ENVIRONMENTS = ['Azure', 'AzureChinaCloud', 'AzureUSGovernment', 'AzureGermanCloud'];

async function base64Of(file: File): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(s);
}

export function CredentialsPage() {
  useTitle('Credentials');
  const { me } = useSession();
  const list = useResource((s) => api.get<AnswerOf<'listCredentials'>>('/credentials', s).then((r) => r.credentials), []);
  const [run, busy, error] = useAction();
  const dlg = useDialog();
  const remove = (id: string) => run(async () => {
    if (!(await dlg.confirm(`Delete credential ${id}? Jobs that use it will fail until it is added again.`, 'Delete'))) return;
    await api.del(`/credentials/${encodeURIComponent(id)}`);
    list.reload();
  });
  return (
    <section>
      <h1>Credentials</h1>
      <p className="muted">Stored encrypted; bound into builds with <code>credentials('id')</code> or <code>withCredentials</code> and masked as <code>****</code> in every log. Secrets are never shown again.</p>
      <ErrorBox error={list.error ?? error} />
      {!list.data ? <Loading what="credentials" /> : list.data.length === 0 ? <p className="empty">No credentials yet.</p> : (
        <table className="list">
          <thead><tr><th scope="col">ID</th><th scope="col">Type</th><th scope="col">Details</th><th scope="col" className="hide-narrow">Used by</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>{list.data.map((c) => (
            <tr key={c.id} data-credential={c.id}>
              <td><code>{c.id}</code>{c.description ? <div className="muted small">{c.description}</div> : null}</td>
              <td>{TYPES.find(([t]) => t === c.type)?.[1] ?? c.type}</td>
              <td className="small">{c.username ? <>user <code>{c.username}</code> · </> : null}{c.fileName ? <>file <code>{c.fileName}</code> · </> : null}secret <span className="masked">****</span>{c.folder ? <> · folder {c.folder}</> : null}</td>
              <td className="hide-narrow small">{c.usedBy.length ? c.usedBy.map((u) => `${u.job} #${u.build} (${ago(u.at)})`).join(', ') : '—'}</td>
              <td>{can(me, 'admin') ? <button className="small danger" disabled={busy} onClick={() => void remove(c.id)} aria-label={`Delete credential ${c.id}`}>Delete</button> : null}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {can(me, 'admin') ? <AddCredential onDone={() => list.reload()} /> : null}
      {dlg.dialog}
    </section>
  );
}

function AddCredential({ onDone }: { onDone: () => void }) {
  const [type, setType] = useState<CredentialType>('secretText');
  const [f, setF] = useState<Record<string, string>>({});
  const [file, setFile] = useState<File | null>(null);
  const [run, busy, error] = useAction();
  const set = (k: string) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const val = (k: string) => f[k] ?? '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const body: Record<string, unknown> = { id: val('id'), type, description: val('description'), ...(val('folder') ? { folder: val('folder') } : {}) };
      if (type === 'secretText') body.secret = val('secret');
      if (type === 'usernamePassword') { body.username = val('username'); body.password = val('password'); }
      if (type === 'sshKey') { body.username = val('username'); body.privateKey = val('privateKey'); if (val('passphrase')) body.passphrase = val('passphrase'); }
      if (type === 'secretFile') {
        if (!file) throw new Error('Choose the secret file.');
        body.fileName = file.name;
        body.contentBase64 = await base64Of(file);
      }
      if (type === 'certificate') {
        if (!file) throw new Error('Choose the certificate file (PKCS#12 .p12/.pfx).');
        body.contentBase64 = await base64Of(file);
        if (val('password')) body.password = val('password');
      }
      if (type === 'azureServicePrincipal') {
        for (const k of ['subscriptionId', 'clientId', 'clientSecret', 'tenantId']) body[k] = val(k);
        if (val('azureEnvironmentName')) body.azureEnvironmentName = val('azureEnvironmentName');
      }
      await api.post('/credentials', body);
      setF({});
      setFile(null);
      onDone();
    });
  };
  const fe = fieldErrors(error, ['type', 'id', 'description', 'secret', 'username', 'password', 'privateKey', 'passphrase', 'fileName', 'content', 'contentBase64', 'folder', 'subscriptionId', 'clientId', 'clientSecret', 'tenantId', 'azureEnvironmentName'], { conflict: 'id' });
  const FILE = ['fileName', 'content', 'contentBase64'];
  return (
    <Form className="card" onSubmit={submit} errors={fe} error={error} aria-labelledby="add-cred-h" autoComplete="off">
      <h2 id="add-cred-h">Add a credential</h2>
      <Field label="Kind" name="type">{(id) => <select id={id} value={type} onChange={(e) => setType(e.target.value as CredentialType)}>{TYPES.map(([t, l]) => <option key={t} value={t}>{l}</option>)}</select>}</Field>
      <Field label="ID" name="id" hint="What pipelines name it by, e.g. deploy-token">{(id) => <input id={id} name="credential-id" required value={val('id')} onChange={set('id')} />}</Field>
      <Field label="Description" name="description">{(id) => <input id={id} value={val('description')} onChange={set('description')} />}</Field>
      {type === 'secretText' ? <Field label="Secret" name="secret">{(id) => <input id={id} type="password" autoComplete="new-password" required value={val('secret')} onChange={set('secret')} />}</Field> : null}
      {type === 'usernamePassword' || type === 'sshKey' ? <Field label="Username" name="username">{(id) => <input id={id} required value={val('username')} onChange={set('username')} />}</Field> : null}
      {type === 'usernamePassword' ? <Field label="Password" name="password">{(id) => <input id={id} type="password" autoComplete="new-password" required value={val('password')} onChange={set('password')} />}</Field> : null}
      {type === 'sshKey' ? <>
        <Field label="Private key" name="privateKey" hint="PEM / OpenSSH format">{(id) => <textarea id={id} rows={6} required className="mono" value={val('privateKey')} onChange={set('privateKey')} />}</Field>
        <Field label="Passphrase (optional)" name="passphrase">{(id) => <input id={id} type="password" autoComplete="new-password" value={val('passphrase')} onChange={set('passphrase')} />}</Field>
      </> : null}
      {type === 'secretFile' || type === 'certificate' ? <Field label={type === 'secretFile' ? 'File' : 'Certificate file'} name={FILE}>{(id) => <input id={id} type="file" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}</Field> : null}
      {type === 'certificate' ? <Field label="Password (optional)" name="password">{(id) => <input id={id} type="password" autoComplete="new-password" value={val('password')} onChange={set('password')} />}</Field> : null}
      {type === 'azureServicePrincipal' ? <>
        <Field label="Subscription ID" name="subscriptionId">{(id) => <input id={id} required className="mono" value={val('subscriptionId')} onChange={set('subscriptionId')} />}</Field>
        <Field label="Client ID" name="clientId" hint="The service principal's application id">{(id) => <input id={id} required className="mono" value={val('clientId')} onChange={set('clientId')} />}</Field>
        <Field label="Client secret" name="clientSecret">{(id) => <input id={id} type="password" autoComplete="new-password" required value={val('clientSecret')} onChange={set('clientSecret')} />}</Field>
        <Field label="Tenant ID" name="tenantId" hint="A GUID or the tenant's domain">{(id) => <input id={id} required className="mono" value={val('tenantId')} onChange={set('tenantId')} />}</Field>
        <Field label="Azure environment" name="azureEnvironmentName">{(id) => <select id={id} value={val('azureEnvironmentName') || 'Azure'} onChange={set('azureEnvironmentName')}>{AZURE_ENVIRONMENTS.map((e) => <option key={e} value={e}>{e}</option>)}</select>}</Field>
      </> : null}
      <Field label="Folder (optional)" name="folder" hint="Only jobs in this folder may use it; empty = global">{(id) => <input id={id} value={val('folder')} onChange={set('folder')} />}</Field>
      <ErrorBox error={fe.rest} />
      <button type="submit" className="primary" disabled={busy}>Add credential</button>
    </Form>
  );
}
