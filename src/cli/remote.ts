// The commands that talk to a running controller over its REST API:
//   kiln job create|update NAME (--file JENKINSFILE | --git URL [--branch B] [--path P]) [--description D]
//   kiln job list | get NAME | delete NAME
//   kiln build JOB [-p NAME=VALUE]... [--follow]
//   kiln logs JOB[#N] [--follow]
//   kiln abort JOB#N
//   kiln agents
// Common: --url URL (or KILN_URL), --token T (or KILN_TOKEN), --json.
// The answers are typed by the API's generated types (src/api/types.ts).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AnswerOf, BodyOf, Schemas } from '../api/types.ts';
import { Client, ClientError, clientOptions, jobPath, parseBuildRef } from './client.ts';

const COMMON = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const EXIT_OF_RESULT: Record<string, number> = { SUCCESS: 0, FAILURE: 1, UNSTABLE: 3, ABORTED: 4, NOT_BUILT: 5 };


function out(json: boolean, data: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${text()}\n`);
}

async function guard(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ClientError || (err instanceof Error && err.name === 'TypeError' && /parseArgs|option/i.test(err.message))) {
      process.stderr.write(`kiln: ${err.message}\n`);
      return err instanceof ClientError && err.status === null ? 2 : 1;
    }
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kiln: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

export async function job(argv: string[]): Promise<number> {
  return guard(async () => {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { ...COMMON, file: { type: 'string', short: 'f' }, git: { type: 'string' }, branch: { type: 'string' }, path: { type: 'string' }, description: { type: 'string' } },
    });
    const [sub, name] = positionals;
    if (values.help || !sub) {
      process.stdout.write('usage: kiln job create|update NAME (--file JENKINSFILE | --git URL [--branch B] [--path P]) [--description D]\n       kiln job list | get NAME | delete NAME\n');
      return values.help ? 0 : 2;
    }
    const c = new Client(clientOptions(values));
    const definition = () => {
      if (values.file !== undefined && values.git !== undefined) throw new ClientError('give --file or --git, not both');
      if (values.file !== undefined) {
        try {
          return { script: readFileSync(values.file === '-' ? 0 : values.file, 'utf8') } satisfies BodyOf<'updateJob'>;
        } catch (err) {
          throw new ClientError(`cannot read ${values.file}: ${(err as Error).message}`);
        }
      }
      if (values.git !== undefined) return { git: { url: values.git, ...(values.branch ? { branch: values.branch } : {}), ...(values.path ? { path: values.path } : {}) } } satisfies BodyOf<'updateJob'>;
      return {};
    };
    const needName = () => {
      if (!name) throw new ClientError(`kiln job ${sub} needs a job name`);
      return name;
    };
    switch (sub) {
      case 'list': {
        const r = await c.request<AnswerOf<'listJobs'>>('GET', 'api/v1/jobs');
        out(values.json, r, () => r.jobs.length === 0 ? 'no jobs' : r.jobs.map((j) => `${j.name.padEnd(30)} ${j.lastBuild ? `#${j.lastBuild.number} ${j.lastBuild.result ?? j.lastBuild.status}` : 'never built'}${j.disabled ? ' (disabled)' : ''}`).join('\n'));
        return 0;
      }
      case 'get': {
        const r = await c.request<Schemas['Job']>('GET', jobPath(needName()));
        out(values.json, r, () => JSON.stringify(r, null, 2));
        return 0;
      }
      case 'create': {
        const def = definition();
        if (!('script' in def) && !('git' in def)) throw new ClientError('kiln job create needs --file JENKINSFILE or --git URL');
        const r = await c.request<Schemas['Job']>('POST', 'api/v1/jobs', { name: needName(), ...def, ...(values.description !== undefined ? { description: values.description } : {}) } satisfies BodyOf<'createJob'>);
        out(values.json, r, () => `created job ${r.name}`);
        return 0;
      }
      case 'update': {
        const r = await c.request<Schemas['Job']>('PUT', jobPath(needName()), { ...definition(), ...(values.description !== undefined ? { description: values.description } : {}) } satisfies BodyOf<'updateJob'>);
        out(values.json, r, () => `updated job ${r.name}`);
        return 0;
      }
      case 'delete': {
        await c.request('DELETE', jobPath(needName()));
        out(values.json, { deleted: name }, () => `deleted job ${name ?? ''}`);
        return 0;
      }
      default:
        throw new ClientError(`unknown job command '${sub}' (create, update, list, get, delete)`);
    }
  });
}

async function followConsole(c: Client, b: { job: string; number: number }): Promise<number> {
  const end = await c.follow(`${jobPath(b.job)}/builds/${b.number}/console/stream`, 0, (t) => process.stdout.write(t));
  return EXIT_OF_RESULT[end.result ?? ''] ?? 1;
}

export async function build(argv: string[]): Promise<number> {
  return guard(async () => {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, param: { type: 'string', short: 'p', multiple: true, default: [] }, follow: { type: 'boolean', short: 'f', default: false } } });
    if (values.help || positionals.length !== 1) {
      process.stdout.write('usage: kiln build JOB [-p NAME=VALUE]... [--follow]   (exit code with --follow: 0 SUCCESS, 1 FAILURE, 3 UNSTABLE, 4 ABORTED)\n');
      return values.help ? 0 : 2;
    }
    const params: Record<string, string> = {};
    for (const p of values.param) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new ClientError(`-p expects NAME=VALUE, got '${p}'`);
      params[p.slice(0, eq)] = p.slice(eq + 1);
    }
    const c = new Client(clientOptions(values));
    const b = await c.request<Schemas['Build']>('POST', `${jobPath(positionals[0]!)}/builds`, { params } satisfies BodyOf<'startBuild'>);
    if (!values.follow) {
      out(values.json, b, () => `started ${b.job} #${b.number}: ${b.url}`);
      return 0;
    }
    process.stderr.write(`started ${b.job} #${b.number}\n`);
    return followConsole(c, b);
  });
}

async function resolveBuild(c: Client, ref: string): Promise<{ job: string; number: number }> {
  const r = parseBuildRef(ref);
  if (r.number !== null) return { job: r.job, number: r.number };
  const page = await c.request<AnswerOf<'listBuilds'>>('GET', `${jobPath(r.job)}/builds?limit=1`);
  const last = page.builds[0];
  if (!last) throw new ClientError(`job '${r.job}' has no builds yet`);
  return { job: r.job, number: last.number };
}

export async function logs(argv: string[]): Promise<number> {
  return guard(async () => {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, follow: { type: 'boolean', short: 'f', default: false } } });
    if (values.help || positionals.length !== 1) {
      process.stdout.write('usage: kiln logs JOB[#NUMBER] [--follow]\n');
      return values.help ? 0 : 2;
    }
    const c = new Client(clientOptions(values));
    const b = await resolveBuild(c, positionals[0]!);
    if (values.follow) return followConsole(c, b);
    const res = await c.fetch('GET', `${jobPath(b.job)}/builds/${b.number}/console`);
    if (!res.ok) throw new ClientError((await res.text()) || `HTTP ${res.status}`, res.status);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
    return 0;
  });
}

export async function abort(argv: string[]): Promise<number> {
  return guard(async () => {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: COMMON });
    if (values.help || positionals.length !== 1) {
      process.stdout.write('usage: kiln abort JOB#NUMBER\n');
      return values.help ? 0 : 2;
    }
    const c = new Client(clientOptions(values));
    const b = await resolveBuild(c, positionals[0]!);
    await c.request('POST', `${jobPath(b.job)}/builds/${b.number}/abort`);
    out(values.json, { aborted: `${b.job}#${b.number}` }, () => `aborting ${b.job} #${b.number}`);
    return 0;
  });
}

export async function agents(argv: string[]): Promise<number> {
  return guard(async () => {
    const { values } = parseArgs({ args: argv, allowPositionals: false, options: COMMON });
    if (values.help) {
      process.stdout.write('usage: kiln agents [--json]\n');
      return 0;
    }
    const c = new Client(clientOptions(values));
    const r = await c.request<AnswerOf<'listAgents'>>('GET', 'api/v1/agents');
    out(values.json, r, () => r.agents.length === 0 ? 'no agents' : r.agents.map((a) =>
      `${a.name.padEnd(24)} ${(a.online ? 'online' : 'offline').padEnd(8)} ${a.busyExecutors}/${a.executors} busy  ${a.labels.join(' ')}`).join('\n'));
    return 0;
  });
}
