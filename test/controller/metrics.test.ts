// GET /metrics of real controllers (two in this process, each with its own registry): the text
// is valid Prometheus exposition, the build-duration histogram counts every finished build
// (its _count and buckets only grow, also past the 1000 that the old sliding window kept),
// finished builds are counted by result, and prom-client's process_* and nodejs_eventloop_lag_*
// metrics are there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { ControllerMetrics, BUILD_DURATION_BUCKETS } from '../../src/controller/metrics.ts';
import { tempDir } from '../helpers/tmp.ts';
import { adminFetch, finishedBuild, jsonApi, testConfig } from '../helpers/controller.ts';

let a: ControllerHandle;
let b: ControllerHandle;

before(async () => {
  a = await startController(testConfig({ home: path.join(tempDir('metrics-a'), 'home'), port: '0', executors: '2' }));
  b = await startController(testConfig({ home: path.join(tempDir('metrics-b'), 'home'), port: '0', executors: '1' }));
});
after(async () => { await Promise.all([a?.close(), b?.close()]); });

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the text exposition format 0.0.4 strictly: every line is a comment or a sample; every sample's family has a TYPE. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]!), line);
        assert.ok(!types.has(meta[2]!), `TYPE of ${meta[2]} given twice`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = l.indexOf('=');
      labels[l.slice(0, eq)] = l.slice(eq + 2, -1);
    }
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes
    // "Nan" for an event-loop percentile that has no sample yet).
    const v = m[3]!;
    const value = /^\+?inf$/i.test(v) ? Infinity : /^-inf$/i.test(v) ? -Infinity : /^nan$/i.test(v) ? NaN : Number(v);
    assert.ok(/^nan$/i.test(v) || (v.trim() !== '' && !Number.isNaN(value)), `not a number: ${line}`);
    const family = [...types.keys()].find((t) => m[1] === t || (types.get(t) === 'histogram' && /^_(bucket|sum|count)$/.test(m[1]!.slice(t.length)) && m[1]!.startsWith(t)));
    assert.ok(family, `${m[1]} has no TYPE line before it`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { types, samples };
}

async function scrape(c: ControllerHandle): Promise<{ types: Map<string, string>; samples: Sample[]; contentType: string }> {
  const res = await adminFetch(new URL('metrics', c.url));
  assert.equal(res.status, 200);
  return { ...parseExposition(await res.text()), contentType: res.headers.get('content-type') ?? '' };
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

test('after N builds the histogram counts N, results are counted, process and event-loop metrics are there; another controller counts its own', async () => {
  const api = jsonApi(() => a.url);
  await api('POST', '/api/v1/jobs', { name: 'ok', script: `pipeline { agent any; stages { stage('S') { steps { echo 'hi' } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'bad', script: `pipeline { agent any; stages { stage('S') { steps { error 'no' } } } }` });
  for (let i = 1; i <= 3; i++) await finishedBuild(a.url, 'ok', (await api('POST', '/api/v1/jobs/ok/builds', {})).number);
  await finishedBuild(a.url, 'bad', (await api('POST', '/api/v1/jobs/bad/builds', {})).number);

  const m = await scrape(a);
  assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
  assert.equal(m.types.get('kiln_build_duration_seconds'), 'histogram');
  assert.equal(value(m.samples, 'kiln_build_duration_seconds_count'), 4);
  assert.equal(value(m.samples, 'kiln_build_duration_seconds_bucket', { le: '+Inf' }), 4);
  const buckets = m.samples.filter((s) => s.name === 'kiln_build_duration_seconds_bucket').map((s) => s.value);
  assert.deepEqual([...buckets].sort((x, y) => x - y), buckets, 'buckets are cumulative');
  assert.equal(value(m.samples, 'kiln_builds_finished_total', { result: 'SUCCESS' }), 3);
  assert.equal(value(m.samples, 'kiln_builds_finished_total', { result: 'FAILURE' }), 1);
  // The names /metrics always had.
  for (const name of ['kiln_queue_length', 'kiln_executors_busy', 'kiln_executors_idle', 'kiln_builds_running', 'kiln_uptime_seconds', 'process_resident_memory_bytes']) {
    assert.equal(m.types.get(name), 'gauge', name);
  }
  assert.equal(value(m.samples, 'kiln_executors_idle'), 2);
  assert.equal(value(m.samples, 'kiln_agents', { state: 'online' }), 0);
  assert.equal(value(m.samples, 'kiln_builds_running'), 0);
  // prom-client's process and Node.js metrics.
  assert.equal(m.types.get('process_cpu_seconds_total'), 'counter');
  assert.ok((value(m.samples, 'process_start_time_seconds') ?? 0) > 0);
  assert.equal(m.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
  assert.equal(m.types.get('nodejs_eventloop_lag_p99_seconds'), 'gauge');

  // The other controller in this process: its own counts, the same process metrics, no clash.
  const other = await scrape(b);
  assert.equal(value(other.samples, 'kiln_build_duration_seconds_count'), 0);
  assert.equal(value(other.samples, 'kiln_executors_idle'), 1);
  assert.equal(other.types.get('process_cpu_seconds_total'), 'counter');
  // Counters only grow: one more build, one more count.
  await finishedBuild(a.url, 'ok', (await api('POST', '/api/v1/jobs/ok/builds', {})).number);
  assert.equal(value((await scrape(a)).samples, 'kiln_build_duration_seconds_count'), 5);
});

test('the duration histogram keeps counting past 1000 builds, each in its bucket', async () => {
  const metrics = new ControllerMetrics({
    queueLength: () => 0, executors: () => ({ busy: 0, idle: 0 }), agents: async () => ({ online: 0, total: 0 }), buildsRunning: () => 0, startedAt: Date.now(),
  });
  // 1500 builds of 0.2 s and 1 of 2 h; one cancelled before it started (counted, no duration).
  for (let i = 0; i < 1500; i++) metrics.buildFinished('SUCCESS', 200);
  metrics.buildFinished('ABORTED', 2 * 3600_000);
  metrics.buildFinished('NOT_BUILT', null);
  const { samples } = parseExposition(await metrics.text());
  assert.equal(value(samples, 'kiln_build_duration_seconds_count'), 1501);
  assert.ok(Math.abs(value(samples, 'kiln_build_duration_seconds_sum')! - (1500 * 0.2 + 7200)) < 1e-6);
  assert.equal(value(samples, 'kiln_build_duration_seconds_bucket', { le: '0.1' }), 0);
  assert.equal(value(samples, 'kiln_build_duration_seconds_bucket', { le: '0.25' }), 1500);
  // Builds of hours have buckets of their own: the 2 h one is past an hour and within 2 h.
  assert.equal(value(samples, 'kiln_build_duration_seconds_bucket', { le: '3600' }), 1500);
  assert.equal(value(samples, 'kiln_build_duration_seconds_bucket', { le: '7200' }), 1501);
  assert.ok(BUILD_DURATION_BUCKETS.at(-1)! >= 12 * 3600, 'the last bucket is half a day or more');
  assert.equal(value(samples, 'kiln_build_duration_seconds_bucket', { le: '+Inf' }), 1501);
  assert.equal(value(samples, 'kiln_builds_finished_total', { result: 'NOT_BUILT' }), 1);
  assert.equal(value(samples, 'kiln_builds_finished_total', { result: 'ABORTED' }), 1);
});
