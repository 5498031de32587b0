// The plot step on a controller with executors for parallel branches: branches of one build
// adding to one plot at once all keep their points (the controller serializes changes to a plot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobController } from '../../helpers/job-controller.ts';

const { api, run } = jobController('plot-parallel', 4);

test('parallel branches adding to one plot all keep their points', async () => {
  const branch = (n: number) => `b${n}: { node { writeFile file: 'v${n}.properties', text: 'YVALUE=${n}'; plot csvFileName: 'plot-par.csv', title: 'P', propertiesSeries: [[file: 'v${n}.properties', label: 'v${n}']] } }`;
  const b = await run('plots-par', `parallel(${[1, 2, 3, 4].map(branch).join(', ')})`);
  assert.equal(b.result, 'SUCCESS', b.log);
  const { plots } = await api('GET', '/api/v1/jobs/plots-par/plots');
  assert.deepEqual(plots[0].series.map((s: any) => [s.label, s.points[0].value]).sort(), [['v1', 1], ['v2', 2], ['v3', 3], ['v4', 4]]);
});
