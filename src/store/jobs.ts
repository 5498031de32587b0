// Jobs: pipeline definitions by unique (folder/)name, with what the last build's model said
// about parameters, options and triggers, and the next build number.
import { randomUUID } from 'node:crypto';
import { isConstraint, rBool, rJson, rNum, rStr, type Db, type Row } from './db.ts';
import {
  StoreError, type BuildRef, type Job, type JobCreate, type JobDefinition, type JobOptions, type JobParameter,
  type JobRepo, type JobTrigger, type JobUpdate,
} from './types.ts';
import {
  NO_OPTIONS, checkBool, checkDefinition, checkInt, checkJobName, checkOptions, checkParameters, checkString, checkTriggers, toJson,
} from './validate.ts';

export interface RepoContext {
  db: Db;
  now: () => number;
}

export const JOB_COLUMNS = 'id, name, description, definition, parameters, options, triggers, disabled, next_build_number, created_at, updated_at';

export function rowToJob(r: Row): Job {
  return {
    id: rStr(r, 'id'),
    name: rStr(r, 'name'),
    description: rStr(r, 'description'),
    definition: rJson<JobDefinition>(r, 'definition'),
    parameters: rJson<JobParameter[]>(r, 'parameters'),
    options: { ...NO_OPTIONS, ...rJson<Partial<JobOptions>>(r, 'options') },
    triggers: rJson<JobTrigger[]>(r, 'triggers'),
    disabled: rBool(r, 'disabled'),
    nextBuildNumber: rNum(r, 'next_build_number'),
    createdAt: rNum(r, 'created_at'),
    updatedAt: rNum(r, 'updated_at'),
  };
}

export function jobNotFound(name: string): StoreError {
  return new StoreError('not-found', `no job named '${name}'`);
}

function taken(name: string): StoreError {
  return new StoreError('conflict', `a job named '${name}' already exists`);
}

/** The job's id, or 'not-found'. */
export async function jobIdOf(db: Db, name: string): Promise<string> {
  const row = await db.one('SELECT id FROM jobs WHERE name = $1', [checkJobName(name)]);
  if (!row) throw jobNotFound(name);
  return rStr(row, 'id');
}

/** Sorted by code units, the same on both databases (their collations differ). */
function byName<T extends { name: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function jobRepo(ctx: RepoContext): JobRepo {
  const { db } = ctx;

  async function getIn(q: Db, name: string): Promise<Job | null> {
    const row = await q.one(`SELECT ${JOB_COLUMNS} FROM jobs WHERE name = $1`, [checkJobName(name)]);
    return row ? rowToJob(row) : null;
  }

  return {
    async create(input) {
      const i: JobCreate = input;
      const name = checkJobName(i.name);
      const definition = checkDefinition(i.definition);
      const description = checkString(i.description ?? '', 'description', { max: 100_000 });
      const parameters = checkParameters(i.parameters ?? []);
      const options = checkOptions(i.options ?? {});
      const triggers = checkTriggers(i.triggers ?? []);
      const disabled = checkBool(i.disabled ?? false, 'disabled');
      const now = ctx.now();
      const job: Job = {
        id: randomUUID(), name, description, definition, parameters, options, triggers, disabled,
        nextBuildNumber: 1, createdAt: now, updatedAt: now,
      };
      try {
        await db.run(
          `INSERT INTO jobs (${JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [job.id, name, description, toJson(definition, 'definition'), toJson(parameters, 'parameters'),
            toJson(options, 'options'), toJson(triggers, 'triggers'), disabled, 1, now, now],
        );
      } catch (e) {
        if (isConstraint(e, 'unique')) throw taken(name);
        throw e;
      }
      return job;
    },

    async update(name, patch) {
      const p: JobUpdate = patch;
      return db.tx(async (tx) => {
        // Lock the row first (PostgreSQL), so a build number allocated meanwhile is not lost.
        await tx.run('UPDATE jobs SET updated_at = updated_at WHERE name = $1', [checkJobName(name)]);
        const cur = await getIn(tx, name);
        if (!cur) throw jobNotFound(name);
        const next: Job = {
          ...cur,
          name: p.name !== undefined ? checkJobName(p.name) : cur.name,
          description: p.description !== undefined ? checkString(p.description, 'description', { max: 100_000 }) : cur.description,
          definition: p.definition !== undefined ? checkDefinition(p.definition) : cur.definition,
          parameters: p.parameters !== undefined ? checkParameters(p.parameters) : cur.parameters,
          options: p.options !== undefined ? checkOptions(p.options, cur.options) : cur.options,
          triggers: p.triggers !== undefined ? checkTriggers(p.triggers) : cur.triggers,
          disabled: p.disabled !== undefined ? checkBool(p.disabled, 'disabled') : cur.disabled,
          updatedAt: Math.max(ctx.now(), cur.updatedAt),
        };
        if (p.nextBuildNumber !== undefined) {
          const n = checkInt(p.nextBuildNumber, 'nextBuildNumber', 1);
          const last = await tx.one('SELECT MAX(number) AS n FROM builds WHERE job_id = $1', [cur.id]);
          const max = last && last['n'] !== null ? rNum(last, 'n') : 0;
          if (n <= max) throw new StoreError('conflict', `nextBuildNumber ${n} of '${cur.name}' must be above its last build's number (${max})`);
          next.nextBuildNumber = n;
        }
        try {
          await tx.run(
            `UPDATE jobs SET name = $2, description = $3, definition = $4, parameters = $5, options = $6, triggers = $7,
               disabled = $8, next_build_number = $9, updated_at = $10 WHERE id = $1`,
            [cur.id, next.name, next.description, toJson(next.definition, 'definition'), toJson(next.parameters, 'parameters'),
              toJson(next.options, 'options'), toJson(next.triggers, 'triggers'), next.disabled, next.nextBuildNumber, next.updatedAt],
          );
        } catch (e) {
          if (isConstraint(e, 'unique')) throw taken(next.name);
          throw e;
        }
        return next;
      });
    },

    async delete(name) {
      return db.tx(async (tx) => {
        const job = await getIn(tx, name);
        if (!job) throw jobNotFound(name);
        const rows = await tx.all('SELECT id, number FROM builds WHERE job_id = $1 ORDER BY number', [job.id]);
        const builds: BuildRef[] = rows.map((r) => ({ id: rStr(r, 'id'), number: rNum(r, 'number') }));
        await tx.run('DELETE FROM jobs WHERE id = $1', [job.id]);
        return { job, builds };
      });
    },

    get: (name) => getIn(db, name),

    async getById(id) {
      const row = await db.one(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [checkString(id, 'job id')]);
      return row ? rowToJob(row) : null;
    },

    async list(opts = {}) {
      if (opts.folder !== undefined) {
        const folder = checkJobName(opts.folder);
        const prefix = `${folder}/`;
        // substr counts characters (code points) on both databases.
        const rows = await db.all(`SELECT ${JOB_COLUMNS} FROM jobs WHERE substr(name, 1, $2) = $1`, [prefix, [...prefix].length]);
        return byName(rows.map(rowToJob));
      }
      return byName((await db.all(`SELECT ${JOB_COLUMNS} FROM jobs`)).map(rowToJob));
    },
  };
}
