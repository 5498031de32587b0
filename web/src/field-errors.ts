// Which field an API error is about, and what it says in words (forms.tsx shows it under that
// field). The API's 400 answers name the field as data: `error.field` (a dotted path, `git.url`,
// `parameters.0.name`) or `error.fields: [{ field, message }]` (api.ts reads them into
// ApiError.fields); that is what places a message. Its words are then made plain by the same
// readers as below (Ajv's `must be string` becomes `Text is expected here`, a `field: ` prefix is
// dropped). Only an error without that data (an older server, another error) falls back to
// reading the field from the message's wording, which names it:
//   - our services' checks: `field: why` (`password: use at least 12 characters`, `git.url: ...`,
//     `sonar[0].url: ...`, `variables.NAME: ...`; a YAML field may add `line 3, column 5`);
//   - Fastify's schema errors: `body/git/url must be string`, `body must have required property
//     'name'` (Ajv's words, turned into plain ones here);
//   - a build's parameters: `parameter 'X' must be one of ...`, `job 'j' has no parameter 'X' ...`;
//   - the store's checks: `launcher.host must not be empty`, `invalid job name '...': ...`,
//     `invalid label "...": ...`;
//   - a 409 "a job named 'x' already exists": the form says which field (its name) it is about.
// Pure functions, no DOM: test/e2e/field-errors.test.ts runs them in Node.
import { ApiError } from './api.ts';

export interface FieldErrors {
  /** The message for a field the form names (its API name), or null. */
  of: (field: string) => string | null;
  /** The error when it names no field of the form (show it in the form's ErrorBox), else null. */
  rest: unknown;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Fastify's (Ajv's) schema messages in words; `pattern` is the field's own description of its form. */
function plainSchemaMessage(m: string, pattern: string | undefined): string {
  let x: RegExpExecArray | null;
  if (/^must have required property/.test(m)) return 'Required';
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

export interface Problem {
  field: string;
  message: string;
}

/** A form's field or an API's in one spelling, to compare: `sonar[0].url` and `sonar.0.url` are the same. */
const dotted = (f: string) => f.replace(/\[(\d+)\]/g, '.$1');

/** The last part of a field that is a name (`parameters.0.name` -> `name`, `sonar.0` -> `sonar`). */
const lastName = (f: string) => dotted(f).split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? f;

/** The field(s) an API error is about and what each says in words: from its data, else from its wording; [] when it names none. */
export function problemsOf(error: unknown, pattern: Readonly<Record<string, string>> = {}): Problem[] {
  if (!(error instanceof Error)) return [];
  if (error instanceof ApiError && error.fields.length > 0) {
    return error.fields.map(({ field, message }) => {
      const own = pattern[field] ?? pattern[lastName(field)];
      // The message may start with the field it names (`git.url: ...`, `parameters[2].name must ...`): drop it.
      for (const spelt of new Set([field, field.replace(/\.(\d+)(?=\.|$)/g, '[$1]')])) {
        if (message.startsWith(`${spelt}: `)) return { field, message: cap(message.slice(spelt.length + 2)) };
        if (message.startsWith(`${spelt} must `)) return { field, message: plainSchemaMessage(message.slice(spelt.length + 1), own) };
      }
      if (/^must /.test(message)) return { field, message: plainSchemaMessage(message, own) };
      return { field, message: fromWords(message, pattern)?.message ?? cap(message) };
    });
  }
  const p = fromWords(error.message, pattern);
  return p ? [p] : [];
}

/** An API error's field and message in words (its first, when it names several); null when it names none. */
export function problemOf(error: unknown, pattern: Readonly<Record<string, string>> = {}): Problem | null {
  return problemsOf(error, pattern)[0] ?? null;
}

/** The field a message names in its wording (the fallback for errors without `field`), and the message in words. */
function fromWords(msg: string, pattern: Readonly<Record<string, string>>): Problem | null {
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
  // The store's checks: `launcher.host must not be empty`, `invalid job name 'a:b': contains ':' ...`,
  // `invalid label "a b": a label is one word ...`.
  if ((m = /^([A-Za-z][\w]*(?:\.[\w-]+)*) (must .+|is longer than .+)$/s.exec(msg))) return { field: m[1]!, message: cap(m[2]!) };
  if ((m = /^invalid (?:job|agent|folder) name '.*?': (.+)$/s.exec(msg))) return { field: 'name', message: cap(m[1]!) };
  if ((m = /^invalid label (.+)$/s.exec(msg))) return { field: 'labels', message: `Label ${m[1]!}` };
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
  const problems = problemsOf(error, o.pattern);
  if (problems.length === 0) return { of: () => null, rest: error ?? null };
  const shown = new Map<string, string>();
  let unplaced = false;
  for (const p of problems) {
    const name = fields.find((f) => dotted(f) === dotted(p.field)) ?? fields.find((f) => f === lastName(p.field)) ?? null;
    if (name === null) unplaced = true;
    else if (!shown.has(name)) shown.set(name, p.message);
  }
  // What names no field of the form stays whole in the form's ErrorBox: nothing is lost.
  return { of: (f) => shown.get(f) ?? null, rest: unplaced ? error : null };
}

