// Lockable resources configured on the controller (the Lockable Resources plugin's global
// configuration): a name, labels that `lock(label: 'x', quantity: N)` chooses among, and a
// description. The store keeps them (migration 16), the HTTP API edits them (admins), and the
// build's LockManager (pipeline/engine/locks.ts) reads them when a lock step asks for a label.
// Resources named only in a Jenkinsfile (`lock('db')`) are not here: they exist while locked.
// Contracts only: imports nothing of src.

export interface LockableResource {
  name: string;
  /** Labels, each a word (letters, digits, '.', '_', '-'); order kept, duplicates removed. */
  labels: string[];
  description: string;
}

/** A resource's name (a path segment of the API): a letter or digit, then letters, digits, '.', '_', '-'. */
export const LOCKABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** A label: as a name, at most 100 characters. */
export const LOCKABLE_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const MAX_LOCKABLE_LABELS = 50;
export const MAX_LOCKABLE_DESCRIPTION = 2000;

/** What is wrong with a resource's fields, or null. */
export function lockableProblem(r: { name: unknown; labels: unknown; description: unknown }): string | null {
  if (typeof r.name !== 'string' || !LOCKABLE_NAME.test(r.name)) return `name '${String(r.name).slice(0, 60)}': 1 to 200 letters, digits, '.', '_' or '-', starting with a letter or digit`;
  if (!Array.isArray(r.labels)) return 'labels must be a list of words';
  if (r.labels.length > MAX_LOCKABLE_LABELS) return `at most ${MAX_LOCKABLE_LABELS} labels`;
  for (const l of r.labels) {
    if (typeof l !== 'string' || !LOCKABLE_LABEL.test(l)) return `label '${String(l).slice(0, 60)}': 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit`;
  }
  if (typeof r.description !== 'string') return 'description must be a string';
  if (r.description.length > MAX_LOCKABLE_DESCRIPTION) return `description is longer than ${MAX_LOCKABLE_DESCRIPTION} characters`;
  return null;
}
