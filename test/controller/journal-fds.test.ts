// A finished build leaves no descriptor open on its folder: the console's last writes (after the
// journal's end line) once reopened the journal through the closing-lines hook and never closed
// it again — one descriptor per build, and a builds folder that could not be remounted read-only.
// Real controller in this process; its open descriptors read from /proc/self/fd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { jobController } from '../helpers/job-controller.ts';

const c = jobController('journal-fds', 2);

/** This process's open descriptors on build folders' files (journal, console, index). */
function buildFiles(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/\/builds\/[^/]+\/\d+\//.test(target)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

test('after builds with parallel branches end, no file of their folders is held open', async () => {
  for (let i = 0; i < 3; i++) {
    const b = await c.run('branches', `pipeline {
  agent any
  stages {
    stage('P') {
      parallel {
        stage('a') { steps { echo 'in a' } }
        stage('b') { steps { echo 'in b' } }
      }
    }
  }
}`);
    assert.equal(b.result, 'SUCCESS', b.log);
  }
  assert.deepEqual(buildFiles(), []);
});
