// The fingerprint step (Jenkins core's Fingerprinter) on a real controller with real files: a file
// the build made is its fingerprint's original, a file older than the build has none, a later build
// of another job that records the same bytes is a use and not the original; the `step([$class:
// 'Fingerprinter'])` form; a link leaving the workspace fails the recording as Jenkins fails on an
// unreadable file (an error line, the build FAILURE, the next steps still run); the API answers for an unknown or malformed MD5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { jobController } from '../helpers/job-controller.ts';

const c = jobController('fingerprints');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

test('fingerprint: original and uses across jobs; older files have no original; the $class form', async () => {
  const a = await c.run('maker', `node {
  writeFile file: 'dist/app.jar', text: 'app-v1'
  sh 'mkdir -p lib && printf vendor > lib/vendor.jar && touch -d 2001-02-03 lib/vendor.jar && printf skip > dist/skip.tmp'
  fingerprint targets: 'dist/*.jar, lib/*.jar', excludes: '**/*.tmp'
  echo 'after'
}`);
  assert.equal(a.result, 'SUCCESS', a.log);
  assert.match(a.log, /^Recording fingerprints\n(?:.*\n)*after$/m);
  const mine = await c.api('GET', `/api/v1/jobs/maker/builds/${a.number}/fingerprints`);
  assert.deepEqual(mine.fingerprints.map((f: any) => [f.path, f.fileName, f.md5, f.original]), [
    ['dist/app.jar', 'app.jar', md5('app-v1'), { job: 'maker', number: a.number }],
    ['lib/vendor.jar', 'vendor.jar', md5('vendor'), null],
  ]);
  // Another job makes the same bytes later: a use, the original stays.
  const b = await c.run('deployer', `node {
  writeFile file: 'app.jar', text: 'app-v1'
  step([$class: 'Fingerprinter', targets: 'app.jar'])
}`);
  assert.equal(b.result, 'SUCCESS', b.log);
  const fp = await c.api('GET', `/api/v1/fingerprints/${md5('app-v1')}`);
  assert.deepEqual([fp.fileName, fp.original, fp.uses], ['app.jar', { job: 'maker', number: a.number }, [{ job: 'deployer', number: b.number }, { job: 'maker', number: a.number }]]);
  assert.equal((await c.raw('GET', `/api/v1/fingerprints/${md5('never')}`)).status, 404);
  assert.equal((await c.raw('GET', '/api/v1/fingerprints/..%2Fetc%2Fpasswd')).status, 400);
});

test('fingerprint: a link leaving the workspace is refused (no MD5 of a file outside it), failing the recording, not the pipeline; nothing matching records nothing', async () => {
  const r = await c.run('outside', `node {
  sh 'ln -s /etc/passwd evil.bin && printf ok > fine.bin'
  fingerprint '*.bin'
  echo 'still running'
}`);
  assert.equal(r.result, 'FAILURE', r.log);
  assert.match(r.log, /^ERROR: Failed to record fingerprints: fingerprint: refusing evil\.bin: /m);
  assert.match(r.log, /\nstill running\n/);
  assert.deepEqual((await c.api('GET', `/api/v1/jobs/outside/builds/${r.number}/fingerprints`)).fingerprints, []);
  assert.equal((await c.raw('GET', `/api/v1/fingerprints/${createHash('md5').update(await import('node:fs').then((fs) => fs.readFileSync('/etc/passwd'))).digest('hex')}`)).status, 404);
  const none = await c.run('nothing', `node { fingerprint 'nothing/*.jar' }`);
  assert.equal(none.result, 'SUCCESS', none.log);
  assert.match(none.log, /^Recording fingerprints$/m);
  assert.deepEqual((await c.api('GET', `/api/v1/jobs/nothing/builds/${none.number}/fingerprints`)).fingerprints, []);
});
