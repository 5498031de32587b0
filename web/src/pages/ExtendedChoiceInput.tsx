// An extendedChoice's field in the build form (the Extended Choice Parameter plugin): a list
// (PT_SINGLE_SELECT, PT_MULTI_SELECT showing visibleItemCount rows), checkboxes (PT_CHECKBOX),
// radio buttons (PT_RADIO) or a text box (PT_TEXTBOX). The value is the chosen choices joined by
// the parameter's delimiter (quoted when quoteValue), as the build gets it; it starts on the
// parameter's defaults (its defaultValue, already joined by the controller).
import type { JobParameter } from '../types.ts';

type Options = NonNullable<JobParameter['extendedChoice']>;

function parts(o: Options, value: string): string[] {
  let v = value;
  if (o.quoteValue && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  return v === '' ? [] : v.split(o.delimiter);
}

function join(o: Options, chosen: string[]): string {
  const ordered = o.choices.filter((c) => chosen.includes(c));
  const v = ordered.join(o.delimiter);
  return o.quoteValue ? `"${v}"` : v;
}

export function ExtendedChoiceInput({ id, param, value, onChange }: { id: string; param: JobParameter; value: string; onChange: (v: string) => void }) {
  const o = param.extendedChoice!;
  const chosen = parts(o, value);
  if (o.type === 'PT_TEXTBOX') return <input id={id} type="text" value={value} onChange={(e) => onChange(e.target.value)} />;
  if (o.type === 'PT_SINGLE_SELECT' || o.type === 'PT_MULTI_SELECT') {
    const multi = o.type === 'PT_MULTI_SELECT';
    return (
      <select id={id} multiple={multi} size={multi ? Math.min(o.visibleItemCount, o.choices.length) : undefined}
        value={multi ? chosen : (chosen[0] ?? '')}
        onChange={(e) => onChange(join(o, multi ? Array.from(e.target.selectedOptions, (x) => x.value) : [e.target.value]))}>
        {!multi && chosen.length === 0 ? <option value="" /> : null}
        {o.choices.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    );
  }
  const radio = o.type === 'PT_RADIO';
  return (
    <div id={id} role={radio ? 'radiogroup' : 'group'}>
      {o.choices.map((c) => (
        <label key={c} style={{ display: 'block' }}>
          <input type={radio ? 'radio' : 'checkbox'} name={`${param.name}-choice`} value={c} checked={chosen.includes(c)}
            onChange={(e) => onChange(join(o, radio ? [c] : e.target.checked ? [...chosen, c] : chosen.filter((x) => x !== c)))} /> {c}
        </label>
      ))}
    </div>
  );
}
