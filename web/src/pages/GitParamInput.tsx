// A gitParameter's field in the build form (the Git Parameter plugin): the values the controller
// lists from the job's repository (GET .../parameters/:name/values), as a list to choose from,
// starting on the value the parameter selects (selectedValue) unless the user chose already.
// PT_REVISION's commits show the plugin's labels (sha, tag, date, author, message). While they
// load, or when they cannot be listed (the repository unreachable), a text box takes the value,
// with the reason shown.
import { useEffect, useRef } from 'react';
import { api, jobPath } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { useResource } from '../hooks.ts';

export function GitParamInput({ id, job, name, value, onChange }: { id: string; job: string; name: string; value: string; onChange: (v: string) => void }) {
  const list = useResource((s) => api.get<{ values: string[]; labels?: string[]; selected: string | null }>(`${jobPath(job)}/parameters/${encodeURIComponent(name)}/values`, s), [job, name]);
  const touched = useRef(false);
  const sel = list.data?.selected ?? null;
  useEffect(() => {
    if (!touched.current && sel !== null) onChange(sel);
    // Only when the list arrives: onChange is a new function at each render of the form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sel]);
  const change = (v: string) => { touched.current = true; onChange(v); };
  if (!list.data) {
    return (
      <>
        <input id={id} type="text" value={value} onChange={(e) => change(e.target.value)} aria-busy={list.loading} />
        <ErrorBox error={list.error} />
      </>
    );
  }
  const values = list.data.values.includes(value) || value === '' ? list.data.values : [value, ...list.data.values];
  // PT_REVISION: each commit shown as the plugin labels it (its SHA-1 is the value).
  const labels = new Map(list.data.labels ? list.data.values.map((v, i) => [v, list.data!.labels![i] ?? v]) : []);
  return (
    <select id={id} value={value} onChange={(e) => change(e.target.value)}>
      {value === '' ? <option value="">(choose)</option> : null}
      {values.map((v) => <option key={v} value={v}>{labels.get(v) ?? v}</option>)}
    </select>
  );
}
