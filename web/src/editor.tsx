// The Jenkinsfile editor: a textarea with line numbers, validated as you type by
// POST /api/v1/lint; each diagnostic is shown at its line:col, marked in the gutter, and
// selecting it moves the cursor there.
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, api } from './api.ts';
import type { AnswerOf, Diagnostic } from './types.ts';

const DEBOUNCE_MS = 300;

/** `job`: the job the Jenkinsfile is for, so that its folders' shared libraries are known to the check. */
export function JenkinsfileEditor({ value, onChange, label = 'Jenkinsfile', job }: { value: string; onChange: (v: string) => void; label?: string; job?: string }) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const [diags, setDiags] = useState<Diagnostic[] | null>(null);
  const [lintError, setLintError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    const t = setTimeout(() => {
      api.post<AnswerOf<'lint'>>('/lint', job ? { script: value, job } : { script: value }).then((r) => {
        if (!ac.signal.aborted) { setDiags(r.diagnostics); setLintError(null); }
      }, (e: unknown) => {
        if (ac.signal.aborted) return;
        setDiags(null);
        setLintError(e instanceof ApiError && e.status === 404 ? 'Checking as you type is not available on this controller (no POST /api/v1/lint); errors are shown when you save.' : (e as Error).message);
      });
    }, DEBOUNCE_MS);
    return () => { ac.abort(); clearTimeout(t); };
  }, [value, job]);
  const lines = value.split('\n').length;
  const byLine = new Map<number, Diagnostic[]>();
  for (const d of diags ?? []) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  const goTo = (d: Diagnostic) => {
    const ta = area.current;
    if (!ta) return;
    const ls = value.split('\n');
    let pos = 0;
    for (let i = 0; i < d.line - 1 && i < ls.length; i++) pos += ls[i]!.length + 1;
    pos += Math.max(0, d.col - 1);
    ta.focus();
    ta.setSelectionRange(pos, pos);
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, (d.line - 5) * lh);
  };
  const errors = (diags ?? []).filter((d) => d.severity === 'error').length;
  return (
    <div className="editor-wrap">
      <label htmlFor={id}>{label}</label>
      <div className={`editor${errors ? ' has-errors' : ''}`}>
        <div className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => {
            const d = byLine.get(i + 1);
            return <div key={i} className={d ? `ln ${d.some((x) => x.severity === 'error') ? 'err' : 'warn'}` : 'ln'} title={d?.map((x) => x.message).join('\n')}>{i + 1}</div>;
          })}
        </div>
        <textarea id={id} ref={area} name="script" spellCheck={false} autoCapitalize="off" autoCorrect="off" wrap="off" value={value}
          aria-describedby={`${id}-diag`} aria-invalid={errors > 0}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => { if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop; }}
          onKeyDown={(e) => {
            // Tab indents (4 spaces); Escape then Tab leaves the editor.
            if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && (e.currentTarget.dataset.esc !== '1')) {
              e.preventDefault();
              const ta = e.currentTarget;
              const s = ta.selectionStart;
              const next = value.slice(0, s) + '    ' + value.slice(ta.selectionEnd);
              onChange(next);
              requestAnimationFrame(() => ta.setSelectionRange(s + 4, s + 4));
            }
            e.currentTarget.dataset.esc = e.key === 'Escape' ? '1' : '';
          }} />
      </div>
      <div id={`${id}-diag`} className="diagnostics" aria-live="polite">
        {lintError ? <p className="muted small">{lintError}</p>
          : diags === null ? <p className="muted small">Checking…</p>
          : diags.length === 0 ? <p className="ok small">No problems found.</p>
          : (
            <ul>
              {diags.map((d, i) => (
                <li key={i} className={d.severity}>
                  <button type="button" className="link" onClick={() => goTo(d)}>Jenkinsfile:{d.line}:{d.col}</button>: {d.message}
                </li>
              ))}
            </ul>
          )}
        <p className="muted small">Tab indents; press Escape then Tab to leave the editor.</p>
      </div>
    </div>
  );
}
