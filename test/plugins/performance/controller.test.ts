// perfReport in a real controller (store, build files, HTTP API): the reports kept beside the
// build and served at GET .../builds/N/performance with the newest earlier build's reports; the
// relative mode comparing with the previous successful build as the store has it (a failed
// build in between is passed over); the route's refusals (no such build, not logged in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobController } from '../../helpers/job-controller.ts';

const c = jobController('perf-controller');
const { api, raw, run } = c;

/** A pipeline writing a JMeter CSV results file of `home` samples of `ms` each, then perfReport with `args`. */
const pipeline = (ms: number, args: string, after = '') => `node {
  writeFile file: 'perf/r.csv', text: "timeStamp,elapsed,label,responseCode,success\\n1,${ms},home,200,true\\n2,${ms},home,200,true\\n3,40,api,500,false\\n"
  perfReport ${args}
  ${after}
}`;

test('the reports of each build, the previous one beside them, and the relative mode against the previous successful build', async () => {
  const one = await run('perf', pipeline(100, "'perf/*.csv'"));
  assert.equal(one.result, 'SUCCESS', one.log);
  assert.match(one.log, /Performance: File r\.csv reported 33\.33333333333333% of errors \[SUCCESS\]\. Build status is: SUCCESS\n/);
  const first = await api('GET', `/api/v1/jobs/perf/builds/${one.number}/performance`);
  assert.equal(first.previous, null);
  assert.deepEqual(first.reports.map((r: any) => [r.file, r.path, r.parser, r.samples, r.errors, r.average, r.result]), [['r.csv', 'perf/r.csv', 'JMeterCSV', 3, 1, 80, 'SUCCESS']]);
  // A failed build in between: not the previous successful one.
  const two = await run('perf', pipeline(500, "sourceDataFiles: 'perf/*.csv', errorFailedThreshold: 10"));
  assert.equal(two.result, 'FAILURE', two.log);
  const three = await run('perf', pipeline(130, "sourceDataFiles: 'perf/*.csv', modeOfThreshold: true, compareBuildPrevious: true, relativeUnstableThresholdPositive: 20"));
  assert.equal(three.result, 'UNSTABLE', three.log);
  assert.match(three.log, new RegExp(`Comparison build no\\. - ${one.number} and ${three.number} using Average response time`));
  assert.match(three.log, /The label "home" made the build unstable/);
  const got = await api('GET', `/api/v1/jobs/perf/builds/${three.number}/performance`);
  assert.equal(got.comparedWith, one.number);
  assert.equal(got.previous.build, two.number); // the trend: the newest earlier build with reports
  assert.deepEqual(got.reports[0].uris.map((u: any) => [u.uri, u.average]), [['api', 40], ['home', 130]]);
  assert.equal(got.reports[0].result, 'UNSTABLE');
});

test('GET .../performance: a build without reports answers none; no such build 404; not logged in 401', async () => {
  const plain = await run('perf-none', "node { echo 'no perf' }");
  assert.deepEqual(await api('GET', `/api/v1/jobs/perf-none/builds/${plain.number}/performance`), { reports: [], comparedWith: null, previous: null });
  assert.equal((await raw('GET', '/api/v1/jobs/perf-none/builds/99/performance')).status, 404);
  assert.equal((await raw('GET', '/api/v1/jobs/nope/builds/1/performance')).status, 404);
  assert.equal((await raw('GET', `/api/v1/jobs/perf-none/builds/${plain.number}/performance`, undefined, { authorization: '' })).status, 401);
});
