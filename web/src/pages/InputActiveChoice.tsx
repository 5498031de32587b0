// An Active Choices parameter (activeChoice, reactiveChoice, activeChoiceHtml) in a waiting
// input's form on the build page (Build.tsx's InputBox). The choices come with the input (the
// script ran when the input was shown); when a parameter it references changes in the form, the
// script is asked again (GET .../inputs/:id/parameters/:name/choices?REF=value) and the value
// resets to the new default (':selected' entries, else the first enabled one), as the plugin's
// form does. Multi-select and checkbox types send the chosen values joined with ','. HTML from
// activeChoiceHtml is shown as text, never as markup.
import { useEffect, useRef, useState } from 'react';
import { api, buildPath } from '../api.ts';
import type { AnswerOf, PendingInput } from '../types.ts';

type Param = PendingInput['parameters'][number];
type Choices = AnswerOf<'listInputActiveChoices'>;

export function InputActiveChoice({ job, number, inputId, param, id, values, onChange }: {
  job: string; number: number; inputId: string; param: Param; id: string;
  values: Record<string, string | boolean>; onChange: (v: string) => void;
}) {
  const [c, setC] = useState<Pick<Choices, 'values' | 'labels' | 'html' | 'error'>>({ values: param.choices, labels: param.labels ?? param.choices, html: param.html ?? null, error: param.error ?? null });
  const refs = param.referencedParameters ?? [];
  const key = refs.map((r) => `${r}=${String(values[r] ?? '')}`).join('&');
  const first = useRef(key);
  useEffect(() => {
    if (refs.length === 0 || key === first.current) return;
    const ac = new AbortController();
    const q = new URLSearchParams(refs.map((r) => [r, String(values[r] ?? '')])).toString();
    api.get<Choices>(`${buildPath(job, number)}/inputs/${encodeURIComponent(inputId)}/parameters/${encodeURIComponent(param.name)}/choices?${q}`, ac.signal)
      .then((r) => {
        setC(r);
        onChange(r.html !== null ? (param.choiceType === 'ET_TEXT_BOX' ? r.html : '') : r.selected.length > 0 ? r.selected.join(',') : r.values.find((v) => !r.disabled.includes(v)) ?? '');
      })
      .catch((e: unknown) => { if (!ac.signal.aborted) setC((old) => ({ ...old, error: e instanceof Error ? e.message : String(e) })); });
    return () => ac.abort();
  }, [key]);
  const value = String(values[param.name] ?? '');
  const multi = param.choiceType === 'PT_MULTI_SELECT' || param.choiceType === 'PT_CHECKBOX';
  let field;
  if (c.html !== null) {
    field = param.choiceType === 'ET_TEXT_BOX'
      ? <input id={id} value={value} onChange={(e) => onChange(e.target.value)} />
      : <div id={id} className="input-active-html">{c.html}</div>;
  } else if (multi) {
    const chosen = value === '' ? [] : value.split(',');
    field = (
      <select id={id} multiple value={chosen} onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value).join(','))}>
        {c.values.map((v, i) => <option key={v} value={v}>{c.labels[i] ?? v}</option>)}
      </select>
    );
  } else {
    field = (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {c.values.map((v, i) => <option key={v} value={v}>{c.labels[i] ?? v}</option>)}
      </select>
    );
  }
  return <>{field}{c.error ? <div className="error small">The choices' script failed: {c.error}</div> : null}</>;
}
