import { useId, useState, type ReactNode } from 'react';
import { ApiError } from './api.ts';
import { statusOf } from './format.ts';

const LABELS: Record<string, string> = {
  success: 'Success', failure: 'Failed', unstable: 'Unstable', aborted: 'Aborted', not_built: 'Not built',
  running: 'Running', paused: 'Waiting for input', queued: 'Queued', pending: 'Pending', none: 'Never built',
  'skipped-when': 'Skipped', 'skipped-failure': 'Skipped', unknown: 'Unknown',
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
  return <div className="error" role="alert"><pre>{msg}</pre>{code && code !== 'http' ? <small>({code})</small> : null}</div>;
}

export function Field(props: { label: string; hint?: ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children(id)}
      {props.hint ? <div className="hint">{props.hint}</div> : null}
    </div>
  );
}

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
