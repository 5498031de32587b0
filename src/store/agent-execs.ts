// Durable execs in flight on agents: which agent runs which build's script step (its key).
//
// Why: after a controller restart, an agent hands back the steps it kept running (agent/durable.ts);
// the new controller process must know which of them it may accept: only keys this table says
// are that agent's, of a build that has not finished (controller/agents/hub.ts). Memory would not
// survive the restart, hence the store.
//
// How: `record` as the exec is sent (ON CONFLICT DO NOTHING: a retried insert is harmless), `forget`
// when its result arrived, `owner` joins the build's status. A deleted build takes its rows along
// (ON DELETE CASCADE). The row is not awaited before the exec goes out (a round trip per step on
// PostgreSQL), so an agent may hand back a key with no row: the hub accepts it when its build still
// runs (`buildRunning`) and records it then.
import { rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type AgentExecRepo } from './types.ts';
import { checkAgentName, checkString } from './validate.ts';

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$/;

function checkKey(key: string): string {
  const k = checkString(key, 'exec key', { max: 160, nonEmpty: true });
  if (!KEY_RE.test(k)) throw new StoreError('invalid', `invalid exec key ${JSON.stringify(k.slice(0, 200))}`);
  return k;
}

export function agentExecRepo(ctx: RepoContext): AgentExecRepo {
  const { db } = ctx;
  return {
    async record(key, agent, buildId) {
      await db.run('INSERT INTO agent_execs (exec_key, agent, build_id, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (exec_key) DO NOTHING',
        [checkKey(key), checkAgentName(agent), checkString(buildId, 'build id'), ctx.now()]);
    },
    async forget(key) {
      await db.run('DELETE FROM agent_execs WHERE exec_key = $1', [checkKey(key)]);
    },
    async owner(key) {
      const r: Row | null = await db.one(
        'SELECT e.agent, e.build_id, b.status FROM agent_execs e LEFT JOIN builds b ON b.id = e.build_id WHERE e.exec_key = $1', [checkKey(key)]);
      if (!r) return null;
      return { agent: rStr(r, 'agent'), buildId: rStr(r, 'build_id'), running: r['status'] !== null && r['status'] !== undefined && r['status'] !== 'finished' };
    },
    async buildRunning(buildId) {
      const r: Row | null = await db.one('SELECT status FROM builds WHERE id = $1', [checkString(buildId, 'build id')]);
      return r !== null && r['status'] !== 'finished';
    },
  };
}
