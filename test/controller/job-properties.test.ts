// properties([...]) (workflow-multibranch's JobPropertyStep) on a real controller (in this
// process, embedded store, its own executors), and the declarative options/triggers that take
// the same path: what a user sees of the job after a build set them. Parameters appear in
// GET job after build #1 (not in #1 itself), the cron timer is armed and fires, a
// disableConcurrentBuilds() holds the next build in the queue, rateLimitBuilds delays it with
// Branch API's reason, an upstream trigger builds the job when its upstream ends well enough, and
// a property left out of a later properties call is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { nextFire } from '../../src/util/cron.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, consoleUntil, finishedBuild, jsonApi, rawApi, testConfig, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);
const finished = (job: string, n: number) => finishedBuild(c.url, job, n);
/** A build something else starts (an upstream trigger): once it exists, its end. */
const triggered = async (job: string, n: number) => {
  await until(async () => (await raw('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`)).status === 200, `${job} #${n} to be triggered`);
  return finished(job, n);
};

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('job-props'), 'home'), port: '0', executors: '3' }));
});
after(async () => { await c?.close(); });

test('scripted properties([...]): parameters show in GET job after build #1, cron is armed and fires, the discarder applies; a later call without them removes them', async () => {
  const spec = 'H H 1 1 *';
  const first = `properties([
  buildDiscarder(logRotator(numToKeepStr: '2')),
  disableConcurrentBuilds(),
  parameters([string(name: 'GREETING', defaultValue: 'hello', description: 'what to say'), booleanParam(name: 'LOUD', defaultValue: true),
              choice(name: 'ENV', choices: ['dev', 'prod']), [$class: 'TextParameterDefinition', name: 'NOTES', defaultValue: 'n']]),
  pipelineTriggers([cron('${spec}')]),
  durabilityHint('PERFORMANCE_OPTIMIZED'),
  [$class: 'RebuildSettings', autoRebuild: false, rebuildDisabled: false],
])
node { echo "greeting=\${params.GREETING}" }`;
  await api('POST', '/api/v1/jobs', { name: 'props', script: first });
  assert.deepEqual((await api('GET', '/api/v1/jobs/props')).parameters, [], 'no build has run: no parameters yet');
  const b1 = await api('POST', '/api/v1/jobs/props/builds', {});
  assert.equal((await finished('props', b1.number)).result, 'SUCCESS');
  const log1 = await consoleText(c.url, 'props', 1);
  assert.match(log1, /^greeting=null$/m, 'the run that sets the parameters has none (as Jenkins)');
  assert.match(log1, /^properties: durabilityHint has no effect in Kiln/m);
  assert.match(log1, /^properties: RebuildSettings has no effect in Kiln/m);

  const job = await api('GET', '/api/v1/jobs/props');
  assert.deepEqual(job.parameters.map((p: { type: string; name: string; defaultValue: unknown; description: string }) => [p.type, p.name, p.defaultValue, p.description]), [
    ['string', 'GREETING', 'hello', 'what to say'], ['booleanParam', 'LOUD', true, ''], ['choice', 'ENV', 'dev', ''], ['text', 'NOTES', 'n', ''],
  ]);
  // Build #2 gets the defaults, and a choice outside the list is refused.
  assert.equal((await raw('POST', '/api/v1/jobs/props/builds', { params: { ENV: 'qa' } })).status, 400);
  await c.triggers.settled();
  const row = c.triggers.nextFires().find((r) => r.job === 'props');
  assert.ok(row, JSON.stringify(c.triggers.nextFires()));
  assert.equal(row.at, nextFire(spec, 'props', new Date())!.getTime());
  const fired = await c.triggers.fire('props');
  const n = fired[0]!.build!.number;
  const b2 = await finished('props', n);
  assert.equal(b2.result, 'SUCCESS');
  assert.deepEqual(b2.causes, [{ type: 'timer', description: 'Started by timer' }]);
  assert.match(await consoleText(c.url, 'props', n), /^greeting=hello$/m);
  const o = (await c.store.jobs.get('props'))!.options;
  assert.deepEqual(o.disableConcurrentBuilds, { abortPrevious: false });
  assert.deepEqual(o.buildDiscarder, { numToKeep: 2, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null });

  // The next Jenkinsfile sets only a parameter: the triggers, the discarder and the concurrency limit go.
  await api('PUT', '/api/v1/jobs/props', { script: `properties([parameters([string(name: 'ONLY')])])\nnode { echo "only=\${params.ONLY}" }` });
  const b3 = await api('POST', '/api/v1/jobs/props/builds', {});
  assert.equal((await finished('props', b3.number)).result, 'SUCCESS');
  await c.triggers.settled();
  assert.equal(c.triggers.nextFires().find((r) => r.job === 'props'), undefined, 'the cron trigger is gone');
  const after3 = (await c.store.jobs.get('props'))!;
  assert.deepEqual([after3.options.disableConcurrentBuilds, after3.options.buildDiscarder, after3.triggers], [null, null, []]);
  assert.deepEqual((await api('GET', '/api/v1/jobs/props')).parameters.map((p: { name: string }) => p.name), ['ONLY']);
  // The discarder (keep 2) was removed before #3 ended: #1 is still there.
  const builds = await api('GET', '/api/v1/jobs/props/builds');
  assert.deepEqual(builds.builds.map((b: { number: number }) => b.number), [3, 2, 1]);
});

test('properties([disableConcurrentBuilds()]): the next build is held in the queue until the running one ends', async () => {
  const script = `properties([disableConcurrentBuilds(), parameters([string(name: 'SLEEP', defaultValue: '0')])])
node { sh 'echo "running #$BUILD_NUMBER"; sleep \${SLEEP:-0}' }`;
  await api('POST', '/api/v1/jobs', { name: 'serial-props', script });
  await api('POST', '/api/v1/jobs/serial-props/builds', {});
  assert.equal((await finished('serial-props', 1)).result, 'SUCCESS');
  await api('POST', '/api/v1/jobs/serial-props/builds', { params: { SLEEP: '600' } });
  await consoleUntil(c.url, 'serial-props', 2, 'running #2');
  await api('POST', '/api/v1/jobs/serial-props/builds', {});
  const q = (await api('GET', '/api/v1/queue')).items.find((i: { job: string }) => i.job === 'serial-props');
  assert.deepEqual([q?.number, q?.kind, q?.why], [3, 'concurrency', 'Build #2 is already in progress']);
  await api('POST', '/api/v1/jobs/serial-props/builds/2/abort');
  const [b2, b3] = await Promise.all([finished('serial-props', 2), finished('serial-props', 3)]);
  assert.deepEqual([b2.result, b3.result], ['ABORTED', 'SUCCESS']);
  assert.ok(b3.startedAt >= b2.endedAt, 'build #3 started after #2 ended');
});

test('rateLimitBuilds: the next build waits in the queue with the throttle\'s reason; without the property it would not', async () => {
  await api('POST', '/api/v1/jobs', { name: 'throttled', script: "properties([rateLimitBuilds(throttle: [count: 1, durationName: 'day', userBoost: true])])\nnode { echo 'ran' }" });
  await api('POST', '/api/v1/jobs/throttled/builds', {});
  assert.equal((await finished('throttled', 1)).result, 'SUCCESS');
  assert.deepEqual((await c.store.jobs.get('throttled'))!.options.rateLimit, { count: 1, durationName: 'day', userBoost: true });
  await api('POST', '/api/v1/jobs/throttled/builds', {});
  let q: { id: string; number: number; kind: string; why: string } | undefined;
  await until(async () => {
    q = (await api('GET', '/api/v1/queue')).items.find((i: { job: string }) => i.job === 'throttled');
    return q !== undefined;
  }, 'build #2 to be in the queue');
  assert.equal(q!.number, 2);
  assert.match(q!.why, /^Build throttle expires at \d+:\d\d:\d\d [AP]M on \w+ \d+, \d{4}$/);
  assert.equal((await api('GET', '/api/v1/jobs/throttled/builds/2')).status, 'queued');
  await api('DELETE', `/api/v1/queue/${q!.id}`);
  assert.equal((await finished('throttled', 2)).result, 'NOT_BUILT');

  // Declarative options { rateLimitBuilds(...) } take the same path.
  await api('POST', '/api/v1/jobs', { name: 'throttled-decl', script: "pipeline { agent none\n options { rateLimitBuilds(throttle: [count: 30, durationName: 'minute']) }\n stages { stage('a') { steps { echo 'x' } } } }" });
  await api('POST', '/api/v1/jobs/throttled-decl/builds', {});
  assert.equal((await finished('throttled-decl', 1)).result, 'SUCCESS');
  assert.deepEqual((await c.store.jobs.get('throttled-decl'))!.options.rateLimit, { count: 30, durationName: 'minute', userBoost: false });
});

test('upstream triggers (scripted pipelineTriggers and declarative triggers): a job is built when its upstream ends at or above the threshold, not below', async () => {
  await api('POST', '/api/v1/jobs', { name: 'team/up', script: "node { if (currentBuild.number == 2) { error 'boom' } ; echo 'up' }" });
  await api('POST', '/api/v1/jobs', {
    name: 'team/down',
    script: "properties([pipelineTriggers([upstream(upstreamProjects: 'up', threshold: hudson.model.Result.SUCCESS)])])\nnode { echo 'down' }",
  });
  await api('POST', '/api/v1/jobs', {
    name: 'other/decl-down',
    script: "pipeline { agent any\n triggers { upstream(upstreamProjects: '/team/up', threshold: hudson.model.Result.FAILURE) }\n stages { stage('a') { steps { echo 'decl' } } } }",
  });
  // Their first builds teach the controller the triggers.
  await api('POST', '/api/v1/jobs/team%2Fdown/builds', {});
  await api('POST', '/api/v1/jobs/other%2Fdecl-down/builds', {});
  assert.equal((await finished('team/down', 1)).result, 'SUCCESS');
  assert.equal((await finished('other/decl-down', 1)).result, 'SUCCESS');

  await api('POST', '/api/v1/jobs/team%2Fup/builds', {}); // #1: SUCCESS
  assert.equal((await finished('team/up', 1)).result, 'SUCCESS');
  const d2 = await triggered('team/down', 2);
  assert.deepEqual(d2.causes, [{ type: 'upstream', description: 'Started by upstream project "team/up" build number 1', upstreamJob: 'team/up', upstreamBuild: 1 }]);
  const e2 = await triggered('other/decl-down', 2);
  assert.equal(e2.causes[0].upstreamBuild, 1);

  await api('POST', '/api/v1/jobs/team%2Fup/builds', {}); // #2: FAILURE — only the FAILURE threshold fires
  assert.equal((await finished('team/up', 2)).result, 'FAILURE');
  const e3 = await triggered('other/decl-down', 3);
  assert.equal(e3.causes[0].upstreamBuild, 2);
  await api('POST', '/api/v1/jobs/team%2Fup/builds', {}); // #3: SUCCESS
  const d3 = await triggered('team/down', 3);
  assert.equal(d3.causes[0].upstreamBuild, 3, 'down was not built for the failed #2');
  assert.equal((await triggered('other/decl-down', 4)).causes[0].upstreamBuild, 3);
});
