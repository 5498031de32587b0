// Lockable resources for `kiln run` (the controller keeps them in its store, core/locks.ts): so
// that `lock(label: 'x', quantity: N)` runs on this machine as on the controller, the run's
// LockManager (pipeline/engine/locks.ts) chooses among the resources given
//   in the --config FILE (YAML or JSON), beside its libraries:
//       lockableResources:
//         - name: printer-a
//           labels: [printers, colour]    # or "printers colour", as Jenkins' configuration as code
//           description: the one by the door
//   or with --lockable-resource NAME[=LABEL,LABEL...] (repeatable; replaces the file's of that name).
// Names and labels as the controller takes them (lockableProblem); every problem names the file or
// the option, the entry and the field. Resources named only in the Jenkinsfile (lock('db')) need
// nothing here, as on the controller.
import fsp from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { lockableProblem, type LockableResource } from '../core/locks.ts';

const FIELDS = ['name', 'labels', 'description'];

/** The `lockableResources:` section of a config file; [] when it has none. */
export function parseLockableConfig(text: string, file: string): LockableResource[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) return [];
  const list = (data as Record<string, unknown>)['lockableResources'];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${file}: lockableResources: expected a list of { name, labels, description }`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const at = `${file}: lockableResources[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at}: expected { name, labels, description }`);
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!FIELDS.includes(k)) throw new Error(`${at}: unknown field '${k}' (a lockable resource has ${FIELDS.join(', ')})`);
    const labelsRaw = r['labels'] ?? [];
    const labels = typeof labelsRaw === 'string' ? labelsRaw.split(/\s+/).filter((l) => l !== '') : labelsRaw;
    const res = { name: r['name'], labels, description: r['description'] ?? '' };
    const problem = lockableProblem(res);
    if (problem) throw new Error(`${at}: ${problem}`);
    const name = res.name as string;
    if (seen.has(name)) throw new Error(`${at}.name: lockable resource '${name}' is defined twice`);
    seen.add(name);
    return { name, labels: [...new Set(labels as string[])], description: res.description as string };
  });
}

/** --lockable-resource NAME[=LABEL,LABEL...] (labels separated by commas or spaces). */
export function parseLockableOption(spec: string): LockableResource {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  const labels = eq < 0 ? [] : spec.slice(eq + 1).split(/[,\s]+/).filter((l) => l !== '');
  const problem = lockableProblem({ name, labels, description: '' });
  if (problem) throw new Error(`--lockable-resource ${spec}: ${problem}`);
  return { name, labels: [...new Set(labels)], description: '' };
}

/** The run's resources: the config file's, then the options' (an option replaces the file's resource of its name). */
export async function localLockableResources(o: { config?: string | undefined; options?: readonly string[] | undefined }): Promise<LockableResource[]> {
  const byName = new Map<string, LockableResource>();
  if (o.config !== undefined) {
    let text: string;
    try {
      text = await fsp.readFile(o.config, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${o.config}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    for (const r of parseLockableConfig(text, o.config)) byName.set(r.name, r);
  }
  for (const spec of o.options ?? []) {
    const r = parseLockableOption(spec);
    byName.set(r.name, r);
  }
  return [...byName.values()];
}
