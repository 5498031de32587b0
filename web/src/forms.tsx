// Forms: every field's error beside its field, in plain language (issue 20, point 9).
//
// Two kinds of error reach a field:
//   - the browser's own checks (required, type=email, min/max, pattern): <Form> turns off the
//     browser's bubbles (noValidate), checks the form itself on submit and gives each bad control
//     a message in words under it, and does not send the form;
//   - the API's 400 answers, which name the field as data (`error.field`: `git.url`,
//     `parameters.0.name`; or `error.fields`), and, for older servers, in their message's wording:
//     `field: why` (our services' checks:
//     `password: use at least 12 characters`, `git.url: ...`, `sonar[0].url: ...`), Fastify's schema
//     errors `body/git/url must be string` (translated to words), `must have required property 'x'`,
//     and a build's `parameter 'X' ...`. `fieldErrors` (field-errors.ts) splits one into the
//     field's message and the rest (what names no field the form shows, for its ErrorBox).
// <Field> (components.tsx) shows the message under the control with aria-invalid and
// aria-describedby on it; <Form> moves focus to the first bad field after a failed submit.
//
// How a page uses it:
//   const fe = fieldErrors(error, ['name', 'git.url']);
//   <Form errors={fe} error={error} onSubmit={...}>
//     <Field label="Name" name="name">{(id) => <input id={id} required .../>}</Field>
//     <ErrorBox error={fe.rest} />
//   </Form>
import { createContext, useEffect, useRef, useState, type FormEvent, type FormHTMLAttributes, type ReactNode } from 'react';
import type { FieldErrors } from './field-errors.ts';

export { fieldErrors, problemOf, type FieldErrors } from './field-errors.ts';

/** What Field reads from the Form around it. */
export interface FormState {
  /** The browser check's message for a control (by its id), or the API's for the field `name`. */
  errorOf: (id: string, name: string | readonly string[] | undefined) => string | null;
}

export const FormContext = createContext<FormState | null>(null);

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
