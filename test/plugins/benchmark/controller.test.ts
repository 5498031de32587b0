// The benchmark step in a real controller (store, build files, HTTP API): the results kept
// beside the build and served at GET .../builds/N/benchmark with the earlier builds' values of
// the same results; the percentage threshold compared with the previous build's value as the
// controller kept it; the route's refusals (no such build, not logged in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobController } from '../../helpers/job-controller.ts';

const c = jobController('bench-controller');
const { api, raw, run } = c;

const pipeline = (ms: number) => `node {
  writeFile file: 'bench/r.json', text: '{"groups": [{"name": "parser", "tests": [{"name": "big", "results": [{"name": "time", "unit": "ms", "dblValue": ${ms}, "thresholds": [{"method": "percentage", "percentage": 20}]}, {"name": "ok", "boolValue": false}]}]}]}'
  benchmark inputLocation: 'bench/*.json', schemaSelection: 'defaultSchema'
}`;

test('each build\'s results, the earlier builds\' values beside them, the percentage threshold against the previous build', async () => {
  const one = await run('bench', pipeline(100));
  assert.equal(one.result, 'SUCCESS', one.log);
  const first = await api('GET', `/api/v1/jobs/bench/builds/${one.number}/benchmark`);
  assert.equal(first.schema, 'defaultSchema');
  assert.deepEqual(first.files, ['bench/r.json']);
  assert.deepEqual(first.results.map((r: any) => [r.group, r.name, r.value, r.unit, r.failed]), [['parser / big', 'time', 100, 'ms', false], ['parser / big', 'ok', false, '', false]]);
  assert.deepEqual(first.history, []);
  const two = await run('bench', pipeline(110));
  assert.equal(two.result, 'SUCCESS', two.log);
  const three = await run('bench', pipeline(150));
  assert.equal(three.result, 'FAILURE', three.log);
  assert.match(three.log, /Benchmark plugin - parser \/ big \/ time: The value '150\.0' is out of the percentage of '20\.0%' from the previous value '110\.0'\./);
  const got = await api('GET', `/api/v1/jobs/bench/builds/${three.number}/benchmark`);
  assert.equal(got.results[0].failed, true);
  assert.deepEqual(got.results[0].messages, ["The value '150.0' is out of the percentage of '20.0%' from the previous value '110.0'."]);
  assert.deepEqual(got.history.map((h: any) => [h.build, h.values['parser / big / time']]), [[two.number, 110], [one.number, 100]]);
});

test('GET .../benchmark: a build without results answers none; no such build 404; not logged in 401', async () => {
  const plain = await run('bench-none', "node { echo 'no bench' }");
  assert.deepEqual(await api('GET', `/api/v1/jobs/bench-none/builds/${plain.number}/benchmark`), { schema: null, files: [], results: [], truncated: false, history: [] });
  assert.equal((await raw('GET', '/api/v1/jobs/bench-none/builds/99/benchmark')).status, 404);
  assert.equal((await raw('GET', `/api/v1/jobs/bench-none/builds/${plain.number}/benchmark`, undefined, { authorization: '' })).status, 401);
});
