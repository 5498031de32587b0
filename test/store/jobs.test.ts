import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshStore, rejectsWith } from './helpers.ts';
import type { JobParameter, JobTrigger } from '../../src/store/index.ts';

const script = "pipeline { agent any; stages { stage('a') { steps { echo 'hi' } } } }";

for (const kind of KINDS) {
  describe(`jobs (${kind})`, () => {
    it('creates a job and reads it back exactly, by name and by id', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      const params: JobParameter[] = [
        { type: 'string', name: 'GREETING', defaultValue: 'héllo "world" 🚀', description: 'what to say', choices: [], trim: true },
        { type: 'booleanParam', name: 'DEPLOY', defaultValue: false, description: '', choices: [], trim: false },
        { type: 'choice', name: 'ENV', defaultValue: 'dev', description: '', choices: ['dev', 'prod'], trim: false },
        {
          type: 'gitParameter', name: 'BRANCH', defaultValue: 'main', description: '', choices: [], trim: false,
          git: { type: 'PT_BRANCH', branchFilter: 'origin/(.*)', tagFilter: '*', sortMode: 'DESCENDING_SMART', selectedValue: 'DEFAULT', branch: '', useRepository: '' },
        },
      ];
      const triggers: JobTrigger[] = [{ type: 'cron', spec: 'H/15 * * * *', threshold: null }];
      const job = await s.jobs.create({
        name: 'team/app/build',
        description: 'Builds the app',
        definition: { kind: 'inline', script },
        parameters: params,
        options: { quietPeriod: 5, disableConcurrentBuilds: { abortPrevious: true } },
        triggers,
      });
      assert.equal(job.name, 'team/app/build');
      assert.equal(job.nextBuildNumber, 1);
      assert.equal(job.createdAt, clock.t);
      assert.equal(job.disabled, false);
      assert.deepEqual(job.options, { quietPeriod: 5, disableConcurrentBuilds: { abortPrevious: true }, buildDiscarder: null, rateLimit: null });
      assert.deepEqual(await s.jobs.get('team/app/build'), job);
      assert.deepEqual(await s.jobs.getById(job.id), job);
      assert.equal(await s.jobs.get('team/app/nope'), null);
      assert.equal(await s.jobs.getById('nope'), null);
    });

    it('keeps a git definition, with defaults for branch and path', async () => {
      const s = await freshStore(kind);
      const j = await s.jobs.create({
        name: 'from-git',
        definition: { kind: 'git', url: 'https://example.com/r.git', branch: 'main', path: 'ci/Jenkinsfile', credentialsId: 'gh' },
      });
      assert.deepEqual((await s.jobs.get('from-git'))!.definition,
        { kind: 'git', url: 'https://example.com/r.git', branch: 'main', path: 'ci/Jenkinsfile', credentialsId: 'gh' });
      const j2 = await s.jobs.create({ name: 'from-git-2', definition: { kind: 'git', url: '/srv/repo' } as never });
      assert.deepEqual(j2.definition, { kind: 'git', url: '/srv/repo', branch: 'main', path: 'Jenkinsfile', credentialsId: null });
      assert.notEqual(j.id, j2.id);
    });

    it('refuses a duplicate name with a conflict', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'dup', definition: { kind: 'inline', script } });
      await rejectsWith(s.jobs.create({ name: 'dup', definition: { kind: 'inline', script } }), 'conflict', /a job named 'dup' already exists/);
    });

    it('refuses bad names and definitions with clear messages', async () => {
      const s = await freshStore(kind);
      const def = { kind: 'inline', script } as const;
      await rejectsWith(s.jobs.create({ name: '', definition: def }), 'invalid', /job name is required/);
      await rejectsWith(s.jobs.create({ name: 'a//b', definition: def }), 'invalid', /empty part/);
      await rejectsWith(s.jobs.create({ name: '/a', definition: def }), 'invalid', /empty part/);
      await rejectsWith(s.jobs.create({ name: 'a/../b', definition: def }), 'invalid', /'\.\.' is not allowed/);
      await rejectsWith(s.jobs.create({ name: 'what?', definition: def }), 'invalid', /contains '\?'/);
      await rejectsWith(s.jobs.create({ name: 'tab\there', definition: def }), 'invalid', /control character \(0x09\)/);
      await rejectsWith(s.jobs.create({ name: ' padded', definition: def }), 'invalid', /spaces at the start or end/);
      await rejectsWith(s.jobs.create({ name: 'x'.repeat(256), definition: def }), 'invalid', /longer than 255/);
      await rejectsWith(s.jobs.create({ name: 'ok', definition: { kind: 'svn' } as never }), 'invalid', /definition.kind must be 'inline' or 'git'/);
      await rejectsWith(s.jobs.create({ name: 'ok', definition: { kind: 'git', url: '' } as never }), 'invalid', /definition.url must not be empty/);
      await rejectsWith(s.jobs.create({ name: 'ok', definition: def, options: { quietPeriod: -1 } }), 'invalid', /options.quietPeriod must be a whole number/);
      await rejectsWith(s.jobs.create({ name: 'ok', definition: def, parameters: [{ type: 'nope' }] as never }), 'invalid', /parameters\[0\].type/);
      await rejectsWith(s.jobs.create({ name: 'ok', definition: def, parameters: [{ type: 'gitParameter', name: 'B', defaultValue: '', description: '', choices: [], trim: false, git: { type: 'PT_BRANCH', sortMode: 'RANDOM' } }] as never }), 'invalid', /parameters\[0\].git: sortMode 'RANDOM' is not one of/);
      assert.deepEqual(await s.jobs.list(), []);
      // Spaces inside and unicode are fine, as in Jenkins.
      await s.jobs.create({ name: 'My Job (ünï)', definition: def });
      assert.ok(await s.jobs.get('My Job (ünï)'));
    });

    it('lists by name, and by folder at any depth', async () => {
      const s = await freshStore(kind);
      for (const name of ['b', 'a/x', 'a/y/z', 'A', 'ab', 'a']) await s.jobs.create({ name, definition: { kind: 'inline', script } });
      assert.deepEqual((await s.jobs.list()).map((j) => j.name), ['A', 'a', 'a/x', 'a/y/z', 'ab', 'b']);
      assert.deepEqual((await s.jobs.list({ folder: 'a' })).map((j) => j.name), ['a/x', 'a/y/z']);
      assert.deepEqual((await s.jobs.list({ folder: 'a/y' })).map((j) => j.name), ['a/y/z']);
      assert.deepEqual(await s.jobs.list({ folder: 'zz' }), []);
    });

    it('updates fields, merges options, renames (builds follow), and keeps the rest', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      const j = await s.jobs.create({ name: 'old', definition: { kind: 'inline', script }, options: { quietPeriod: 3 } });
      const b = await s.builds.create('old');
      clock.advance(1000);
      const u = await s.jobs.update('old', {
        name: 'folder/new',
        description: 'd',
        options: { buildDiscarder: { numToKeep: 5, daysToKeep: null, artifactNumToKeep: -1 as never, artifactDaysToKeep: null } },
        disabled: true,
      });
      assert.equal(u.id, j.id);
      assert.equal(u.name, 'folder/new');
      assert.equal(u.updatedAt, clock.t);
      assert.equal(u.createdAt, j.createdAt);
      assert.deepEqual(u.options, { quietPeriod: 3, disableConcurrentBuilds: null, buildDiscarder: { numToKeep: 5, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null }, rateLimit: null });
      assert.equal(u.nextBuildNumber, 2, 'the counter is not reset by an update');
      assert.deepEqual(await s.jobs.get('folder/new'), u);
      assert.equal(await s.jobs.get('old'), null);
      assert.equal((await s.builds.get(b.id))!.job, 'folder/new');
      // rateLimitBuilds' throttle is kept as given; a bad one is refused naming the field.
      const r = await s.jobs.update('folder/new', { options: { rateLimit: { count: 3, durationName: 'minute', userBoost: true } } });
      assert.deepEqual(r.options.rateLimit, { count: 3, durationName: 'minute', userBoost: true });
      assert.deepEqual((await s.jobs.get('folder/new'))!.options.rateLimit, { count: 3, durationName: 'minute', userBoost: true });
      await rejectsWith(s.jobs.update('folder/new', { options: { rateLimit: { count: 3, durationName: 'fortnight' as never, userBoost: true } } }), 'invalid', /options\.rateLimit\.durationName must be one of second, minute/);
      await s.jobs.update('folder/new', { options: { rateLimit: null } });
      await rejectsWith(s.jobs.update('old', { description: 'x' }), 'not-found', /no job named 'old'/);
      await s.jobs.create({ name: 'other', definition: { kind: 'inline', script } });
      await rejectsWith(s.jobs.update('other', { name: 'folder/new' }), 'conflict', /already exists/);
    });

    it('raises the next build number, never onto an existing build', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'n', definition: { kind: 'inline', script } });
      await s.builds.create('n');
      await s.builds.create('n');
      await rejectsWith(s.jobs.update('n', { nextBuildNumber: 2 }), 'conflict', /must be above its last build's number \(2\)/);
      await rejectsWith(s.jobs.update('n', { nextBuildNumber: 0 }), 'invalid');
      assert.equal((await s.jobs.update('n', { nextBuildNumber: 100 })).nextBuildNumber, 100);
      assert.equal((await s.builds.create('n')).number, 100);
    });

    it('deletes a job with its builds, artifacts, reports and queue items', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'gone', definition: { kind: 'inline', script } });
      await s.jobs.create({ name: 'stays', definition: { kind: 'inline', script } });
      const b1 = await s.builds.create('gone');
      const b2 = await s.builds.create('gone', { enqueue: { label: 'linux' } });
      const other = await s.builds.create('stays', { enqueue: {} });
      await s.artifacts.add(b1.id, [{ path: 'a.txt', size: 1, sha256: 'a'.repeat(64), mode: 0o644 }]);
      await s.tests.add(b1.id, { total: 0, failed: 0, errors: 0, skipped: 0, passed: 0, cases: [] });
      const r = await s.jobs.delete('gone');
      assert.equal(r.job.name, 'gone');
      assert.deepEqual(r.builds, [{ id: b1.id, number: 1 }, { id: b2.id, number: 2 }]);
      assert.equal(await s.jobs.get('gone'), null);
      assert.equal(await s.builds.get(b1.id), null);
      assert.deepEqual(await s.artifacts.list(b1.id), []);
      assert.equal(await s.tests.get(b1.id), null);
      assert.deepEqual((await s.queue.list()).map((q) => q.buildId), [other.id]);
      await rejectsWith(s.jobs.delete('gone'), 'not-found');
    });
  });
}
