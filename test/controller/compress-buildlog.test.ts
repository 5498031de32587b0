// options { compressBuildLog() } on a real controller (SQLite store): once the build has finished
// its console is on disk as log.gz (gzip that zcat reads whole) and no longer as log, and the
// console API answers as for any build: the whole text, byte ranges across the compressed
// blocks, the tail; a build without it keeps its plain log; properties([compressBuildLog()])
// in a scripted pipeline does the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig, adminFetch } from '../helpers/controller.ts';

let c: ControllerHandle;
let home: string;
before(async () => {
  home = tempDir('ctl-gz');
  c = await startController(testConfig({ home, port: '0', executors: '2' }), { log: () => {} });
});
after(async () => { await c?.close(); });

async function api(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await adminFetch(new URL(p.replace(/^\//, ''), c.url), {
    method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

/** Builds the job once and waits until the controller has recorded the end (after the console is compressed). */
async function buildOnce(job: string, script: string): Promise<void> {
  assert.equal((await api('POST', '/api/v1/jobs', { name: job, script })).status, 201);
  assert.equal((await api('POST', `/api/v1/jobs/${job}/builds`, { params: {} })).status, 201);
  await (await adminFetch(new URL(`api/v1/jobs/${job}/builds/1/console/stream`, c.url))).text();
  for (let i = 0; i < 400; i++) {
    if ((await api('GET', `/api/v1/jobs/${job}/builds/1`)).json?.status === 'finished') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${job} #1 never finished`);
}

/** The build's console files under the home, by name. */
function consoleFiles(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^log(\.gz|\.gzi)?$/.test(e.name)) out.set(e.name, [...(out.get(e.name) ?? []), p]);
    }
  };
  walk(path.join(home, 'builds'));
  return out;
}

test('a declarative build with compressBuildLog(): its console is kept as gzip and read by the console API as before (whole, ranges, tail)', async () => {
  await buildOnce('big', `pipeline {
  agent any
  options { compressBuildLog() }
  stages { stage('Out') { steps { sh 'seq 1 400000' } } }
}`);
  const whole = await api('GET', '/api/v1/jobs/big/builds/1/console');
  assert.equal(whole.status, 200);
  const size = Number(whole.headers.get('x-log-size'));
  assert.equal(Buffer.byteLength(whole.text), size);
  assert.ok(size > 2 * 1024 * 1024, `a console of ${size} bytes: several compressed blocks`);
  assert.match(whole.text, /^1\n2\n3\n/m);
  assert.match(whole.text, /\n399999\n400000\n/);
  const gz = consoleFiles().get('log.gz') ?? [];
  assert.equal(gz.length, 1);
  assert.equal(consoleFiles().get('log'), undefined, 'no plain log is left');
  assert.equal(zlib.gunzipSync(fs.readFileSync(gz[0]!)).toString('utf8'), whole.text, 'zcat gives the console');
  assert.ok(fs.statSync(gz[0]!).size < size / 3);
  for (const [a, b] of [[1024 * 1024 - 10, 1024 * 1024 + 10], [5, 25], [size - 100, size - 1]] as const) {
    const r = await api('GET', '/api/v1/jobs/big/builds/1/console', undefined, { range: `bytes=${a}-${b}` });
    assert.equal(r.status, 206);
    assert.equal(r.text, Buffer.from(whole.text).subarray(a, b + 1).toString('utf8'), `bytes=${a}-${b}`);
    assert.equal(r.headers.get('content-range'), `bytes ${a}-${b}/${size}`);
  }
  const tail = await api('GET', '/api/v1/jobs/big/builds/1/console', undefined, { range: 'bytes=-20' });
  assert.equal(tail.text, whole.text.slice(-20));
});

test('a build without it keeps its plain log; properties([compressBuildLog()]) in a scripted pipeline compresses it', async () => {
  const before = consoleFiles().get('log.gz')?.length ?? 0;
  await buildOnce('plain', "node { echo 'plain console' }");
  await buildOnce('scripted', "properties([compressBuildLog()])\nnode { echo 'compressed console' }");
  assert.equal((consoleFiles().get('log.gz')?.length ?? 0) - before, 1);
  assert.equal(consoleFiles().get('log')?.length, 1);
  assert.match((await api('GET', '/api/v1/jobs/scripted/builds/1/console')).text, /^compressed console$/m);
  assert.match((await api('GET', '/api/v1/jobs/plain/builds/1/console')).text, /^plain console$/m);
});
