// Static analysis results (recordIssues) on both stores: one per result id of a build, a second
// with the same id refused, removed with the build; the reference search lists a job's finished
// builds newest first with their result of one id, reading the issues only when asked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, freshStore, rejectsWith } from './helpers.ts';
import type { Store } from '../../src/store/index.ts';
import type { IssuesRecord } from '../../src/core/issues.ts';

const def = { kind: 'inline', script: 'pipeline {}' } as const;

function record(id: string, messages: string[], gate: IssuesRecord['qualityGate'] = 'PASSED'): IssuesRecord {
  return {
    id, name: id.toUpperCase(), tools: [{ id, name: id }], reference: null, qualityGate: gate, gates: [], errors: [],
    issues: messages.map((m, i) => ({ file: 'src/ä.js', line: i + 1, lineEnd: i + 1, column: 0, severity: 'NORMAL', category: 'c', type: 't', message: m, tool: id, fingerprint: `f${m}`, state: 'outstanding' })),
    fixed: [],
  };
}

async function build(s: Store, job: string, result: 'SUCCESS' | 'FAILURE' | null): Promise<string> {
  const b = await s.builds.create(job);
  if (result) {
    await s.builds.update(b.id, { status: 'running', startedAt: 1 });
    await s.builds.update(b.id, { status: 'finished', result, endedAt: 2 });
  }
  return b.id;
}

for (const kind of KINDS) {
  describe(`issue results (${kind})`, () => {
    it('keeps one result per id of a build, refuses a second, lists them in order, and loses them with the build', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'j', definition: def });
      const b = await build(s, 'j', null);
      await s.issues.add(b, record('checkstyle', ['one', 'two 🚀']));
      await s.issues.add(b, record('java', []));
      await rejectsWith(s.issues.add(b, record('checkstyle', [])), 'conflict', /already has an issues result with id checkstyle/);
      await rejectsWith(s.issues.add(b, { ...record('x', ['m']), qualityGate: 'MAYBE' as never }), 'invalid', /quality gate status 'MAYBE'/);
      await rejectsWith(s.issues.add('nope', record('x', [])), 'not-found', /no build with id nope/);
      const list = await s.issues.list(b);
      assert.deepEqual(list.map((r) => [r.id, r.issues.map((i) => i.message)]), [['checkstyle', ['one', 'two 🚀']], ['java', []]]);
      await s.builds.delete(b);
      assert.deepEqual(await s.issues.list(b), []);
    });

    it('history: finished builds of a job, newest first, before a number, each with its result of one id', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'app', definition: def });
      const b1 = await build(s, 'app', 'SUCCESS');
      await s.issues.add(b1, record('checkstyle', ['old']));
      const b2 = await build(s, 'app', 'FAILURE');
      await s.issues.add(b2, record('checkstyle', ['bad'], 'FAILED'));
      await build(s, 'app', 'SUCCESS'); // #3 without a result of that id
      await build(s, 'app', null); // #4 still running: not a candidate
      const h = await s.issues.history('app', 4, 'checkstyle', 10);
      assert.deepEqual(h.map((e) => [e.number, e.result, e.record?.qualityGate ?? null]), [[3, 'SUCCESS', null], [2, 'FAILURE', 'FAILED'], [1, 'SUCCESS', 'PASSED']]);
      assert.deepEqual((await h[2]!.record!.issues()).map((i) => i.message), ['old']);
      assert.deepEqual((await s.issues.history('app', null, 'checkstyle', 1)).map((e) => e.number), [3]);
      assert.deepEqual(await s.issues.history('other', null, 'checkstyle', 5), []);
    });
  });
}
