// An Active Choices parameter's field in the build form (activeChoice, reactiveChoice,
// activeChoiceHtml): the choices the controller's run of the parameter's sandboxed script gives
// (GET .../parameters/:name/choices?REF=value), asked again when a referenced parameter's value
// changes. PT_SINGLE_SELECT a list, PT_RADIO radio buttons, PT_MULTI_SELECT a multiple list,
// PT_CHECKBOX check boxes (several values joined with ',', as the plugin sends them); the
// entries the script marked ':selected' start selected (else a single list its first), ':disabled'
// ones cannot be chosen; `filterable` adds a filter box. activeChoiceHtml shows the script's
// answer as TEXT (never as HTML: a script's answer is not trusted markup), in a text box for
// ET_TEXT_BOX (its value the build's) or a list. A failed script's reason is shown.
import { useEffect, useRef, useState } from 'react';
import { api, jobPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';
import type { JobParameter } from '../types.ts';

interface Choices { kind: string; choiceType: string; values: string[]; labels: string[]; selected: string[]; disabled: string[]; html: string | null; fallback: boolean; error: string | null }

export function ActiveChoiceInput({ id, job, param, form, value, onChange }: {
  id: string; job: string; param: JobParameter; form: Record<string, string | boolean>; value: string; onChange: (v: string) => void;
}) {
  const ac = param.activeChoice!;
  const query = new URLSearchParams(ac.referencedParameters.map((r) => [r, String(form[r] ?? '')])).toString();
  const list = useResource((s) => api.get<Choices>(`${jobPath(job)}/parameters/${encodeURIComponent(param.name)}/choices${query ? `?${query}` : ''}`, s), [job, param.name, query]);
  const [filter, setFilter] = useState('');
  const touched = useRef(false);
  const d = list.data;
  const multi = ac.choiceType === 'PT_MULTI_SELECT' || ac.choiceType === 'PT_CHECKBOX';
  useEffect(() => {
    if (!d || touched.current) return;
    if (d.html !== null) { if (ac.choiceType === 'ET_TEXT_BOX') onChange(d.html); return; }
    const sel = d.selected.length > 0 ? d.selected : !multi && d.values.length > 0 ? [d.values.find((v) => !d.disabled.includes(v)) ?? ''] : [];
    onChange(multi ? sel.join(',') : sel[0] ?? '');
    // Only when the answer arrives: onChange is a new function at each render of the form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [d]);
  const change = (v: string) => { touched.current = true; onChange(v); };
  if (!d) {
    return (
      <>
        <input id={id} type="text" value={value} onChange={(e) => change(e.target.value)} aria-busy={list.loading} />
        <ErrorBox error={list.error} />
      </>
    );
  }
  const note = d.error ? <p className="muted small" role="note">{d.fallback ? 'The script failed; the fallback script gave these' : 'The script failed'}: {d.error}</p> : null;
  if (d.html !== null) {
    if (ac.choiceType === 'ET_TEXT_BOX') return <><input id={id} type="text" value={value} onChange={(e) => change(e.target.value)} />{note}</>;
    if (ac.choiceType === 'ET_ORDERED_LIST' || ac.choiceType === 'ET_UNORDERED_LIST') {
      const items = d.labels.map((l, i) => <li key={i}>{l}</li>);
      return <div id={id}>{ac.choiceType === 'ET_ORDERED_LIST' ? <ol>{items}</ol> : <ul>{items}</ul>}{note}</div>;
    }
    if (ac.choiceType === 'ET_FORMATTED_HIDDEN_HTML') return note;
    return <div id={id}><pre className="small">{d.html}</pre>{note}</div>;
  }
  const shown = d.values.map((v, i) => ({ v, label: d.labels[i] ?? v, off: d.disabled.includes(v) }))
    .filter((x) => !filter || x.label.toLowerCase().includes(filter.toLowerCase()));
  const chosen = new Set(value === '' ? [] : value.split(','));
  const toggle = (v: string, on: boolean) => {
    const next = d.values.filter((x) => (x === v ? on : chosen.has(x)));
    change(next.join(','));
  };
  const box = ac.filterable ? <input type="search" aria-label={`Filter ${param.name}`} placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} /> : null;
  let field;
  if (ac.choiceType === 'PT_RADIO' || ac.choiceType === 'PT_CHECKBOX') {
    const radio = ac.choiceType === 'PT_RADIO';
    field = (
      <div id={id} role="group" aria-label={param.name}>
        {shown.map((x) => (
          <label key={x.v} className="inline">
            <input type={radio ? 'radio' : 'checkbox'} name={`${id}-choice`} value={x.v} disabled={x.off}
              checked={radio ? value === x.v : chosen.has(x.v)} onChange={(e) => (radio ? change(x.v) : toggle(x.v, e.target.checked))} /> {x.label}
          </label>
        ))}
      </div>
    );
  } else if (multi) {
    field = (
      <select id={id} multiple value={[...chosen]} onChange={(e) => change([...e.target.selectedOptions].map((o) => o.value).join(','))}>
        {shown.map((x) => <option key={x.v} value={x.v} disabled={x.off}>{x.label}</option>)}
      </select>
    );
  } else {
    field = (
      <select id={id} value={value} onChange={(e) => change(e.target.value)}>
        {value === '' || !d.values.includes(value) ? <option value={value}>{value === '' ? '(choose)' : value}</option> : null}
        {shown.map((x) => <option key={x.v} value={x.v} disabled={x.off}>{x.label}</option>)}
      </select>
    );
  }
  return <>{box}{field}{note}</>;
}
