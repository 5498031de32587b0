// Agents' definitions (name, labels, executors, how they are launched). Whether an agent is
// connected is live state in the controller, not here.
import { isConstraint, rJson, rNum, rStr, rStrOrNull, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type AgentCreate, type AgentLauncher, type AgentRecord, type AgentRepo, type AgentUpdate } from './types.ts';
import { checkAgentName, checkInt, checkLabels, checkLauncher, checkString, checkStringOrNull, toJson } from './validate.ts';

const COLUMNS = 'name, labels, executors, description, launcher, workdir, created_at, updated_at';

function rowToAgent(r: Row): AgentRecord {
  return {
    name: rStr(r, 'name'),
    labels: rJson<string[]>(r, 'labels'),
    executors: rNum(r, 'executors'),
    description: rStr(r, 'description'),
    launcher: rJson<AgentLauncher>(r, 'launcher'),
    workdir: rStrOrNull(r, 'workdir'),
    createdAt: rNum(r, 'created_at'),
    updatedAt: rNum(r, 'updated_at'),
  };
}

function notFound(name: string): StoreError {
  return new StoreError('not-found', `no agent named '${name}'`);
}

export function agentRepo(ctx: RepoContext): AgentRepo {
  const { db } = ctx;
  const get = async (name: string): Promise<AgentRecord | null> => {
    const row = await db.one(`SELECT ${COLUMNS} FROM agents WHERE name = $1`, [checkAgentName(name)]);
    return row ? rowToAgent(row) : null;
  };
  return {
    async create(input) {
      const i: AgentCreate = input;
      const now = ctx.now();
      const agent: AgentRecord = {
        name: checkAgentName(i.name),
        labels: checkLabels(i.labels ?? []),
        executors: checkInt(i.executors ?? 1, 'executors', 0, 1000),
        description: checkString(i.description ?? '', 'description', { max: 100_000 }),
        launcher: checkLauncher(i.launcher ?? { type: 'inbound' }),
        workdir: checkStringOrNull(i.workdir, 'workdir', { nonEmpty: true, max: 4096 }),
        createdAt: now,
        updatedAt: now,
      };
      try {
        await db.run(`INSERT INTO agents (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
          agent.name, toJson(agent.labels, 'labels'), agent.executors, agent.description,
          toJson(agent.launcher, 'launcher'), agent.workdir, now, now]);
      } catch (e) {
        if (isConstraint(e, 'unique')) throw new StoreError('conflict', `an agent named '${agent.name}' already exists`);
        throw e;
      }
      return agent;
    },
    async update(name, patch) {
      const p: AgentUpdate = patch;
      checkAgentName(name);
      // Check everything before touching the row.
      const labels = p.labels !== undefined ? checkLabels(p.labels) : undefined;
      const executors = p.executors !== undefined ? checkInt(p.executors, 'executors', 0, 1000) : undefined;
      const description = p.description !== undefined ? checkString(p.description, 'description', { max: 100_000 }) : undefined;
      const launcher = p.launcher !== undefined ? checkLauncher(p.launcher) : undefined;
      const workdir = p.workdir !== undefined ? checkStringOrNull(p.workdir, 'workdir', { nonEmpty: true, max: 4096 }) : undefined;
      return db.tx(async (tx) => {
        const row = await tx.one(`SELECT ${COLUMNS} FROM agents WHERE name = $1`, [name]);
        if (!row) throw notFound(name);
        const cur = rowToAgent(row);
        const next: AgentRecord = {
          ...cur,
          labels: labels ?? cur.labels,
          executors: executors ?? cur.executors,
          description: description ?? cur.description,
          launcher: launcher ?? cur.launcher,
          workdir: workdir !== undefined ? workdir : cur.workdir,
          updatedAt: Math.max(ctx.now(), cur.updatedAt),
        };
        await tx.run('UPDATE agents SET labels = $2, executors = $3, description = $4, launcher = $5, workdir = $6, updated_at = $7 WHERE name = $1', [
          name, toJson(next.labels, 'labels'), next.executors, next.description, toJson(next.launcher, 'launcher'), next.workdir, next.updatedAt]);
        return next;
      });
    },
    async delete(name) {
      return (await db.run('DELETE FROM agents WHERE name = $1', [checkAgentName(name)])) > 0;
    },
    get,
    async list() {
      const rows = await db.all(`SELECT ${COLUMNS} FROM agents`);
      return rows.map(rowToAgent).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
