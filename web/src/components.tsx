import { useContext, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { FormContext } from './forms.tsx';
import { ApiError } from './api.ts';
import { statusOf } from './format.ts';

const LABELS: Record<string, string> = {
  success: 'Success', failure: 'Failed', unstable: 'Unstable', aborted: 'Aborted', not_built: 'Not built',
  running: 'Running', paused: 'Waiting for input', queued: 'Queued', pending: 'Pending', none: 'Never built',
  'skipped-when': 'Skipped', 'skipped-failure': 'Skipped', 'skipped-restart': 'Skipped for restart', unknown: 'Unknown',
};

/** A build's or stage's state as a coloured badge with words (never colour alone). */
export function Badge({ state, compact = false }: { state: string; compact?: boolean }) {
  const s = state.toLowerCase();
  return <span className={`badge st-${s}${compact ? ' compact' : ''}`} title={LABELS[s] ?? s}>{compact ? '' : (LABELS[s] ?? s)}</span>;
}

export function BuildBadge({ build }: { build: { status: string; result: string | null } | null | undefined }) {
  return <Badge state={statusOf(build)} />;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : null;
  // The message says what is wrong in words; the API's code (invalid, conflict...) adds nothing for a person.
  void code;
  return <div className="error" role="alert"><pre>{msg}</pre></div>;
}

/**
 * A labelled control with its hint and its error under it. The error is `error`, or what the
 * <Form> around it says for this control (the browser's check) or for the API field `name` (or any of
 * several: a file field answers for fileName and contentBase64); the
 * control gets aria-invalid and aria-describedby (error and hint) while there is one.
 */
export function Field(props: { label: string; hint?: ReactNode; error?: string | null; name?: string | readonly string[]; children: (id: string) => ReactNode }) {
  const id = useId();
  const form = useContext(FormContext);
  const error = props.error ?? form?.errorOf(id, props.name) ?? null;
  const hasHint = props.hint !== undefined && props.hint !== null;
  // The control is the child's element with this id (children set it): mark it here, so every
  // Field's control is marked the same way without each page spreading props.
  useLayoutEffect(() => {
    const el = document.getElementById(id);
    if (!el) return;
    const described = [error ? `${id}-error` : '', hasHint ? `${id}-hint` : ''].filter(Boolean).join(' ');
    if (error) el.setAttribute('aria-invalid', 'true'); else el.removeAttribute('aria-invalid');
    if (described) el.setAttribute('aria-describedby', described); else el.removeAttribute('aria-describedby');
  });
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id)}
      {error ? <div className="field-error" id={`${id}-error`}>{error}</div> : null}
      {hasHint ? <div className="hint" id={`${id}-hint`}>{props.hint}</div> : null}
    </div>
  );
}

export { fieldErrors } from './forms.tsx';

export function Loading({ what }: { what: string }) {
  return <p className="muted" aria-live="polite">Loading {what}…</p>;
}

/** Runs an async action, disabling the button while it runs and showing its error. */
export function useAction(): [(fn: () => Promise<void>) => Promise<void>, boolean, unknown, (e: unknown) => void] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try { await fn(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return [run, busy, error, setError];
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button type="button" className="small" onClick={() => {
      void navigator.clipboard?.writeText(text).then(() => { setDone(true); setTimeout(() => setDone(false), 1500); });
    }}>{done ? 'Copied' : label}</button>
  );
}

interface Asking { message: ReactNode; action: string; danger: boolean; input?: { label: string; type: 'text' | 'password' | 'email'; value: string; required: boolean }; resolve: (v: string | null) => void }

/**
 * The page's own dialog (<dialog>, modal, Escape cancels) in place of the browser's confirm()
 * and prompt(): `confirm(message, action)` resolves true when the action button is pressed;
 * `ask(message, action, input)` resolves the text typed, or null when cancelled. Render `dialog`.
 */
export function useDialog(): { confirm: (message: ReactNode, action: string) => Promise<boolean>; ask: (message: ReactNode, action: string, input: { label: string; type?: 'text' | 'password' | 'email'; value?: string; required?: boolean }) => Promise<string | null>; dialog: ReactNode } {
  const [asking, setAsking] = useState<Asking | null>(null);
  const [value, setValue] = useState('');
  const ref = useRef<HTMLDialogElement>(null);
  const inputId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (asking && !d.open) d.showModal();
    if (!asking && d.open) d.close();
  }, [asking]);
  const done = (v: string | null) => { asking?.resolve(v); setAsking(null); };
  const open = (a: Omit<Asking, 'resolve'>) => new Promise<string | null>((resolve) => { setValue(a.input?.value ?? ''); setAsking({ ...a, resolve }); });
  const dialog = (
    <dialog ref={ref} className="page-dialog" aria-label={asking?.action ?? 'Confirm'} onCancel={(e) => { e.preventDefault(); done(null); }}>
      {asking ? (
        <form method="dialog" onSubmit={(e) => { e.preventDefault(); done(asking.input ? value : ''); }}>
          <p>{asking.message}</p>
          {asking.input ? (
            <div className="field">
              <label htmlFor={inputId}>{asking.input.label}</label>
              <input id={inputId} type={asking.input.type} autoFocus required={asking.input.required} value={value} onChange={(e) => setValue(e.target.value)} autoComplete={asking.input.type === 'password' ? 'new-password' : 'off'} />
            </div>
          ) : null}
          <div className="actions">
            <button type="submit" className={asking.danger ? 'danger' : 'primary'}>{asking.action}</button>
            <button type="button" onClick={() => done(null)}>Cancel</button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
  return {
    confirm: async (message, action) => (await open({ message, action, danger: true })) !== null,
    ask: (message, action, input) => open({ message, action, danger: false, input: { label: input.label, type: input.type ?? 'text', value: input.value ?? '', required: input.required ?? false } }),
    dialog,
  };
}

/** What someone without the role sees on a page that needs it. */
export function NeedsRole({ title, role }: { title: string; role: 'admin' | 'developer' }) {
  return (
    <section>
      <h1>{title}</h1>
      <p className="card notice" role="note">{role === 'admin' ? 'This page is for administrators only.' : 'This page is for developers and administrators only.'} Your account does not have that role: ask an administrator if you need it.</p>
    </section>
  );
}
