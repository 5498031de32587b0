// The plot step in a real controller (store, build files, HTTP API): the job's plots kept by
// csvFileName across builds and served at GET /api/v1/jobs/:job/plots by group and title, each
// series' points per build, numBuilds back from the newest build, non-numeric values left out;
// two plots of one job; the route's refusals (no such job, not logged in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobController } from '../../helpers/job-controller.ts';

const c = jobController('plot-controller');
const { api, raw, run } = c;

const pipeline = (n: number) => `node {
  writeFile file: 'out/timings.csv', text: "compile,test,note\\n${10 + n},${20 * n},fast\\n"
  writeFile file: 'out/size.properties', text: "YVALUE=${1000 + n}\\nURL=javascript:alert(1)\\n"
  writeFile file: 'out/metrics.xml', text: "<metrics><metric name='heap'>${n * 100}</metric></metrics>"
  plot csvFileName: 'plot-timings.csv', group: 'Build', title: 'Timings', yaxis: 'seconds', numBuilds: '3', style: 'stackedArea',
       csvSeries: [[file: 'out/timings.csv', inclusionFlag: 'EXCLUDE_BY_STRING', exclusionValues: 'note', url: 'http://ci.example/%name%']]
  plot csvFileName: 'plot-size.csv', group: 'Artifacts', title: 'Size', yaxisMinimum: '0', logarithmic: true,
       propertiesSeries: [[file: 'out/size.properties', label: 'jar']], xmlSeries: [[file: 'out/metrics.xml', xpath: '//metric', nodeType: 'NODESET']]
}`;

test("the job's plots across builds, by group and title, numBuilds back; a link other than http(s) dropped", async () => {
  const numbers: number[] = [];
  for (let n = 1; n <= 4; n++) {
    const b = await run('plots', pipeline(n));
    assert.equal(b.result, 'SUCCESS', b.log);
    assert.match(b.log, /Saving plot series data from: out\/timings\.csv\n/);
    numbers.push(b.number);
  }
  const { plots } = await api('GET', '/api/v1/jobs/plots/plots');
  assert.deepEqual(plots.map((p: any) => [p.group, p.title, p.csvFileName]), [['Artifacts', 'Size', 'plot-size.csv'], ['Build', 'Timings', 'plot-timings.csv']]);
  const [size, timings] = plots;
  assert.deepEqual(timings.builds.map((b: any) => b.number), numbers.slice(1), 'numBuilds: 3');
  assert.equal(timings.style, 'stackedArea');
  assert.equal(timings.yaxis, 'seconds');
  assert.deepEqual(timings.series.map((s: any) => [s.label, s.points.map((p: any) => p.value)]), [['compile', [12, 13, 14]], ['test', [40, 60, 80]]]);
  assert.equal(timings.series[0].points[0].url, 'http://ci.example/compile');
  assert.deepEqual(size.builds.map((b: any) => b.number), numbers);
  assert.deepEqual(size.series.map((s: any) => [s.label, s.points.map((p: any) => p.value)]), [['heap', [100, 200, 300, 400]], ['jar', [1001, 1002, 1003, 1004]]]);
  assert.equal(size.series[1].points[0].url, '', 'javascript: is not a link');
  assert.equal(size.yaxisMinimum, 0);
  assert.equal(size.yaxisMaximum, null);
  assert.equal(size.logarithmic, true);
});

test('GET .../plots: a job without plots answers none; no such job 404; not logged in 401', async () => {
  await run('no-plots', "node { echo 'nothing' }");
  assert.deepEqual(await api('GET', '/api/v1/jobs/no-plots/plots'), { plots: [] });
  assert.equal((await raw('GET', '/api/v1/jobs/nope/plots')).status, 404);
  assert.equal((await raw('GET', '/api/v1/jobs/plots/plots', undefined, { authorization: '' })).status, 401);
});
