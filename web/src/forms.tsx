// Forms: every field's error beside its field, in plain language (issue 20, point 9).
//
// Two kinds of error reach a field:
//   - the browser's own checks (required, type=email, min/max, pattern): <Form> turns off the
//     browser's bubbles (noValidate), checks the form itself on submit and gives each bad control
//     a message in words under it, and does not send the form;
//   - the API's 400 answers, whose message names the field: `field: why` (our services' checks:
//     `password: use at least 12 characters`, `git.url: ...`, `sonar[0].url: ...`), Fastify's schema
//     errors `body/git/url must be string` (translated to words), `must have required property 'x'`,
//     and a build's `parameter 'X' ...`. `fieldErrors` splits one into the field's message and
//     the rest (what names no field the form shows, for the form's ErrorBox).
// <Field> (components.tsx) shows the message under the control with aria-invalid and
// aria-describedby on it; <Form> moves focus to the first bad field after a failed submit.
//
// How a page uses it:
//   const fe = fieldErrors(error, ['name', 'git.url']);
//   <Form errors={fe} error={error} onSubmit={...}>
//     <Field label="Name" name="name">{(id) => <input id={id} required .../>}</Field>
//     <ErrorBox error={fe.rest} />
//   </Form>
import { ApiError } from './api.ts';
import { createContext, useEffect, useRef, useState, type FormEvent, type FormHTMLAttributes, type ReactNode } from 'react';

export interface FieldErrors {
  /** The message for a field the form names (its API name), or null. */
  of: (field: string) => string | null;
  /** The error when it names no field of the form (show it in the form's ErrorBox), else null. */
  rest: unknown;
}

/** What Field reads from the Form around it. */
export interface FormState {
  /** The browser check's message for a control (by its id), or the API's for the field `name`. */
  errorOf: (id: string, name: string | readonly string[] | undefined) => string | null;
}

export const FormContext = createContext<FormState | null>(null);

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Fastify's (Ajv's) schema messages in words; `pattern` is the field's own description of its form. */
function plainSchemaMessage(m: string, pattern: string | undefined): string {
  let x: RegExpExecArray | null;
  if (/^must match pattern/.test(m) || /^must match format/.test(m)) return pattern ?? 'Not in the form this field takes';
  if ((x = /^must NOT have fewer than (\d+) characters?/.exec(m))) return x[1] === '1' ? 'Required' : `At least ${x[1]} characters`;
  if ((x = /^must NOT have more than (\d+) characters?/.exec(m))) return `At most ${x[1]} characters`;
  if ((x = /^must NOT have more than (\d+) items?/.exec(m))) return `At most ${x[1]}`;
  if (/^must be integer/.test(m)) return 'A whole number';
  if (/^must be number/.test(m)) return 'A number';
  if (/^must be boolean/.test(m)) return 'Yes or no';
  if (/^must be string/.test(m)) return 'Text is expected here';
  if ((x = /^must be >=? (-?[\d.]+)/.exec(m))) return `At least ${x[1]}`;
  if ((x = /^must be <=? (-?[\d.]+)/.exec(m))) return `At most ${x[1]}`;
  if (/^must be equal to one of the allowed values/.test(m)) return 'Choose one of the offered values';
  return cap(m);
}

/** An API error's field and message in words, when its message names a field; null otherwise. */
export function problemOf(error: unknown, pattern: Readonly<Record<string, string>> = {}): { field: string; message: string } | null {
  if (!(error instanceof Error)) return null;
  const msg = error.message;
  let m: RegExpExecArray | null;
  // Fastify's schema errors: `body/git/url must be string`, `body must have required property 'name'`.
  if ((m = /^body(?:\/([\w/]+))? must have required property '([\w]+)'/.exec(msg))) {
    const field = [...(m[1] ? m[1].split('/') : []), m[2]!].join('.');
    return { field, message: 'Required' };
  }
  if ((m = /^(?:body|params|querystring)\/([\w/]+) (must .+)$/s.exec(msg))) {
    const field = m[1]!.split('/').map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '').replace(/\.\[/g, '[');
    return { field, message: plainSchemaMessage(m[2]!, pattern[field] ?? pattern[field.split('.').pop()!]) };
  }
  // A build's parameters: `parameter 'X' must be one of ...`, `job 'j' has no parameter 'X' ...`.
  if ((m = /^parameter '([^']+)' (.+)$/s.exec(msg))) return { field: `params.${m[1]}`, message: cap(m[2]!) };
  if ((m = /^job '.*' has no parameter '([^']+)' (.+)$/s.exec(msg))) return { field: `params.${m[1]}`, message: `The job no longer has this parameter ${m[2]!}: reload the page` };
  // Our services' checks: `field: why` (`a.b`, `a[0].b`, `variables.NAME`).
  // A YAML field's error may say where in it: `templates[0].yaml line 3, column 5: ...`.
  if ((m = /^([A-Za-z][\w]*(?:(?:\.[\w-]+)|(?:\[\d+\]))*)(?: (line \d+, column \d+))?: (.+)$/s.exec(msg))) {
    return { field: m[1]!, message: m[2] ? `${cap(m[2])}: ${m[3]!}` : cap(m[3]!) };
  }
  return null;
}

/**
 * Splits an API error into the message of a field the form shows and the rest. `fields` are the
 * API names the form shows: a message for `git.url` matches the field `git.url`, or failing that
 * a field named by its last part (`url`); `pattern` says in words what a field with a pattern
 * takes (shown when the schema's pattern refuses it); `conflict` is the field a 409 "already
 * exists" is about (the name).
 */
export function fieldErrors(error: unknown, fields: readonly string[], o: { pattern?: Readonly<Record<string, string>>; conflict?: string } = {}): FieldErrors {
  // "a job named 'x' already exists" (409) is about the name field the form says.
  if (o.conflict && error instanceof ApiError && error.code === 'conflict' && / already exists/.test(error.message)) {
    const text = cap(error.message);
    return { of: (f) => (f === o.conflict ? text : null), rest: null };
  }
  const p = problemOf(error, o.pattern);
  if (!p) return { of: () => null, rest: error ?? null };
  const last = p.field.split('.').pop()!.replace(/\[\d+\]$/, '');
  const name = fields.includes(p.field) ? p.field : fields.includes(last) ? last : null;
  if (!name) return { of: () => null, rest: error };
  return { of: (f) => (f === name ? p.message : null), rest: null };
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The browser's check of one control, in words. */
export function plainValidity(el: Control): string {
  const v = el.validity;
  if (v.valueMissing) return el instanceof HTMLSelectElement ? 'Choose one' : el.type === 'file' ? 'Choose a file' : el.type === 'checkbox' ? 'Tick this to go on' : 'Required';
  if (v.typeMismatch) return el.type === 'email' ? 'Not an e-mail address (like name@example.com)' : el.type === 'url' ? 'Not a URL (like https://host/path)' : 'Not in the form this field takes';
  if (v.badInput) return el.type === 'number' ? 'A number' : 'Not in the form this field takes';
  if (v.patternMismatch) return el.title || 'Not in the form this field takes';
  if (v.rangeUnderflow) return `At least ${(el as HTMLInputElement).min}`;
  if (v.rangeOverflow) return `At most ${(el as HTMLInputElement).max}`;
  if (v.stepMismatch) return 'A whole number';
  if (v.tooShort) return `At least ${(el as HTMLInputElement).minLength} characters`;
  if (v.tooLong) return `At most ${(el as HTMLInputElement).maxLength} characters`;
  return el.validationMessage;
}

const isControl = (el: Element): el is Control => el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement;

/**
 * A form whose fields show their errors beside them: the browser's checks on submit (the form is
 * not sent while one fails), and `errors` (fieldErrors of the API's answer) when `error` arrives;
 * focus goes to the first bad field either way.
 */
export function Form(props: Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit'> & { errors?: FieldErrors; error?: unknown; onSubmit: (e: FormEvent<HTMLFormElement>) => void; children: ReactNode }) {
  const { errors, error, onSubmit, children, ...rest } = props;
  const ref = useRef<HTMLFormElement>(null);
  const [client, setClient] = useState<Record<string, string>>({});
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const bad: Record<string, string> = {};
    let first: Control | null = null;
    for (const el of Array.from(ref.current?.elements ?? [])) {
      if (!isControl(el) || !el.willValidate || el.checkValidity()) continue;
      if (el.id) bad[el.id] = plainValidity(el);
      first ??= el;
    }
    setClient(bad);
    if (first) { first.focus(); return; }
    onSubmit(e);
  };
  // A control changed: its browser-check message goes (it is checked again on submit).
  const input = (e: FormEvent<HTMLFormElement>) => {
    const id = (e.target as HTMLElement).id;
    if (id && client[id]) setClient(Object.fromEntries(Object.entries(client).filter(([k]) => k !== id)));
  };
  // The API named a field: focus it (Field marks it aria-invalid in its layout effect, before this).
  useEffect(() => {
    if (!error) return;
    ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);
  const state: FormState = {
    errorOf: (id, name) => client[id] ?? (errors ? (typeof name === 'string' ? [name] : name ?? []).map((n) => errors.of(n)).find((x) => x) ?? null : null),
  };
  return (
    <FormContext.Provider value={state}>
      <form ref={ref} noValidate onSubmit={submit} onInput={input} onChange={input} {...rest}>{children}</form>
    </FormContext.Provider>
  );
}
