// Restart from Stage (Jenkins' "Restart from Stage" of a declarative build): a button on a
// finished build's page that opens the page's own dialog listing the top-level stages the
// controller offers (GET .../restart), or why the build cannot be restarted; choosing one starts
// the new build (POST .../restart { stage }) and goes to its page. The new build's page says
// which build and stage it restarted from (RestartedFrom).
import { useEffect, useId, useRef, useState } from 'react';
import { api, buildPath } from '../api.ts';
import { ErrorBox, useAction } from '../components.tsx';
import { Link, navigate, urls } from '../router.tsx';
import type { AnswerOf, Build, BuildDetail } from '../types.ts';

export function RestartStageButton({ job, number, disabled }: { job: string; number: number; disabled: boolean }) {
  const [info, setInfo] = useState<AnswerOf<'getRestartStages'> | null>(null);
  const [open, setOpen] = useState(false);
  const [stage, setStage] = useState('');
  const [run, busy, error] = useAction();
  const ref = useRef<HTMLDialogElement>(null);
  const selectId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  const show = () => run(async () => {
    const i = await api.get<AnswerOf<'getRestartStages'>>(`${buildPath(job, number)}/restart`);
    setInfo(i);
    setStage(i.stages[0] ?? '');
    setOpen(true);
  });
  const restart = () => run(async () => {
    const r = await api.post<Build>(`${buildPath(job, number)}/restart`, { stage });
    setOpen(false);
    navigate(urls.build(job, r.number));
  });
  return (
    <>
      <button disabled={disabled || busy} onClick={() => void show()}>Restart from Stage</button>
      <dialog ref={ref} className="page-dialog" aria-label="Restart from Stage" onCancel={(e) => { e.preventDefault(); setOpen(false); }}>
        {open && info ? (
          <form method="dialog" onSubmit={(e) => { e.preventDefault(); void restart(); }}>
            <h2>Restart #{number} from a stage</h2>
            {info.refused !== null ? <p role="alert">{info.refused}</p> : (
              <>
                <p>A new build runs the pipeline #{number} ran, with its parameters; the stages before the one chosen are skipped.</p>
                <div className="field">
                  <label htmlFor={selectId}>Stage</label>
                  <select id={selectId} value={stage} onChange={(e) => setStage(e.target.value)} autoFocus>
                    {info.stages.map((s) => <option key={s} value={s}>{s}</option>)}
                  </select>
                </div>
              </>
            )}
            <ErrorBox error={error} />
            <div className="actions">
              {info.refused === null ? <button type="submit" className="primary" disabled={busy || stage === ''}>Run</button> : null}
              <button type="button" onClick={() => setOpen(false)}>Cancel</button>
            </div>
          </form>
        ) : null}
      </dialog>
      {!open ? <ErrorBox error={error} /> : null}
    </>
  );
}

/** On a restarted build's page: the build and stage it restarted from. */
export function RestartedFrom({ job, build }: { job: string; build: BuildDetail }) {
  const r = build.restartedFrom;
  if (!r) return null;
  return <p className="meta small restarted-from">Restarted from <Link to={urls.build(job, r.number)}>#{r.number}</Link> at stage <strong>{r.stage}</strong></p>;
}
