// Shared libraries in real builds: a controller with a global library in a real git repository
// and a real agent process. The organisation template (`standardPipeline(...)` defining a whole
// declarative pipeline in vars/) runs end to end on the agent; the console says which library
// and commit it loaded; a class from src/ and a resource reach the build; a library that moved
// is fetched again; a build asking for a library nobody configured fails before anything runs,
// naming it. The same Jenkinsfile through `kiln lint` and `kiln run` with --library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { TEST_ADMIN_TOKEN, consoleText, finishedBuild, jsonApi, testConfig, until } from '../helpers/controller.ts';
import { gitIn, libraryRepo, type LibraryRepo } from '../helpers/git-servers.ts';

let c: ControllerHandle;
let repo: LibraryRepo;
let agent: ChildProcess | null = null;
const api = jsonApi(() => c.url);

const TEMPLATE = `def call(Map config) {
  pipeline {
    agent { label 'linux' }
    stages {
      stage('Build') {
        steps {
          sh "echo building \${config.name} on \$NODE_NAME"
          script {
            def v = new com.acme.Version(config.version ?: '1.0')
            echo "next version \${v.bump()}"
            echo libraryResource('banner.txt').trim()
          }
        }
      }
    }
    post { always { echo "template done for \${config.name}" } }
  }
}
`;

const JENKINSFILE = "@Library('org') _\nstandardPipeline(name: 'shop', version: '2.4')\n";

before(async () => {
  repo = libraryRepo({
    'vars/standardPipeline.groovy': TEMPLATE,
    'vars/standardPipeline.txt': 'The organisation pipeline.\n',
    'src/com/acme/Version.groovy': 'package com.acme\nclass Version implements Serializable {\n  String v\n  Version(String v) { this.v = v }\n  String bump() { def p = v.tokenize(".")\n    return p[0] + "." + ((p[1] as int) + 1) }\n}\n',
    'resources/banner.txt': '== ACME ==\n',
  }, 'org');
  c = await startController(testConfig({ home: tempDir('libbuilds'), port: '0' }));
  assert.equal((await api('PUT', '/api/v1/libraries/org', { url: repo.bare, defaultVersion: 'main' })).name, 'org');
  await api('POST', '/api/v1/agents', { name: 'lib-agent', labels: ['linux'], executors: 2 });
  const info = await api('GET', '/api/v1/agents/lib-agent');
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const out: string[] = [];
  agent = spawn(kilnBin, [...args, '--workdir', tempDir('lib-agent')], { stdio: ['ignore', 'pipe', 'pipe'] });
  agent.stdout!.on('data', (d) => out.push(String(d)));
  agent.stderr!.on('data', (d) => out.push(String(d)));
  await until(async () => (await api('GET', '/api/v1/agents/lib-agent')).online, `the agent to connect (${out.join('')})`);
});

after(async () => {
  agent?.kill('SIGTERM');
  await c?.close();
});

test('the organisation template from a global library runs on an agent, with its class and resource; a moved branch is fetched again', async () => {
  await api('POST', '/api/v1/jobs', { name: 'shop', script: JENKINSFILE });
  const b1 = await api('POST', '/api/v1/jobs/shop/builds', {});
  const done = await finishedBuild(c.url, 'shop', b1.number);
  const log = await consoleText(c.url, 'shop', b1.number);
  assert.equal(done.result, 'SUCCESS', log);
  const head = gitIn(repo.work, 'rev-parse', 'HEAD').trim();
  assert.match(log, new RegExp(`Loading library org@main \\(${head.slice(0, 7)}\\)`));
  // The build page lists what was loaded.
  assert.deepEqual((await api('GET', `/api/v1/jobs/shop/builds/${b1.number}`)).libraries, [{ name: 'org', version: 'main', commit: head }]);
  assert.match(log, /building shop on lib-agent/);
  assert.match(log, /next version 2\.5/);
  assert.match(log, /== ACME ==/);
  assert.match(log, /template done for shop/);
  assert.deepEqual(done.stages.map((s: { name: string }) => s.name).filter((n: string) => !n.startsWith('Declarative')), ['Build']);

  // The branch moves: the next build loads the new commit.
  const moved = repo.commit({ 'resources/banner.txt': '== ACME 2 ==\n' }, 'new banner');
  const b2 = await api('POST', '/api/v1/jobs/shop/builds', {});
  assert.equal((await finishedBuild(c.url, 'shop', b2.number)).result, 'SUCCESS');
  const log2 = await consoleText(c.url, 'shop', b2.number);
  assert.match(log2, new RegExp(`Loading library org@main \\(${moved.slice(0, 7)}\\)`));
  assert.match(log2, /== ACME 2 ==/);
});

test('replay with a changed library file runs the change once; the next build runs the library as it is', async () => {
  const job = 'shop';
  const last = (await api('GET', `/api/v1/jobs/${job}/builds?limit=1`)).builds[0].number;
  const libs = await api('GET', `/api/v1/jobs/${job}/builds/${last}/libraries`);
  assert.deepEqual(libs.libraries.map((l: { name: string }) => l.name), ['org']);
  const template = libs.libraries[0].files['vars/standardPipeline.groovy'] as string;
  assert.match(template, /template done for/);
  // Bad paths are refused before anything runs.
  const bad = await fetch(new URL(`api/v1/jobs/${job}/builds/${last}/replay`, c.url), {
    method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ libraries: { org: { '../../etc/passwd': 'x' } } }),
  });
  assert.equal(bad.status, 400);
  const r = await api('POST', `/api/v1/jobs/${job}/builds/${last}/replay`, { libraries: { org: { 'vars/standardPipeline.groovy': template.replace('template done for', 'REPLAYED template done for') } } });
  assert.equal((await finishedBuild(c.url, job, r.number)).result, 'SUCCESS');
  const log = await consoleText(c.url, job, r.number);
  assert.match(log, /Replaying library org@main with changed vars\/standardPipeline\.groovy/);
  assert.match(log, /REPLAYED template done for shop/);
  const again = await api('POST', `/api/v1/jobs/${job}/builds`, {});
  await finishedBuild(c.url, job, again.number);
  assert.doesNotMatch(await consoleText(c.url, job, again.number), /REPLAYED/);
});

test('a library nobody configured: saving the job says so; a build of a job whose library went away fails before anything runs, naming it', async () => {
  const refused = await fetch(new URL('api/v1/jobs', c.url), {
    method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'lost', script: "@Library('nowhere@v9') _\nnode { echo 'never' }\n" }),
  });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /Could not find any definition of libraries \[nowhere\]/);
  await api('PUT', '/api/v1/libraries/temp', { url: repo.bare, defaultVersion: 'main' });
  await api('POST', '/api/v1/jobs', { name: 'orphan', script: "@Library('temp') _\nnode { echo 'never' }\n" });
  await api('DELETE', '/api/v1/libraries/temp');
  const b = await api('POST', '/api/v1/jobs/orphan/builds', {});
  const done = await finishedBuild(c.url, 'orphan', b.number);
  const log = await consoleText(c.url, 'orphan', b.number);
  assert.equal(done.result, 'FAILURE');
  assert.match(log, /Could not find any definition of libraries \[temp\]/);
  assert.doesNotMatch(log, /never/);
});

test('kiln lint and kiln run with --library know and run the same template', () => {
  const dir = tempDir('lib-cli');
  fs.writeFileSync(path.join(dir, 'Jenkinsfile'), JENKINSFILE.replace("agent { label 'linux' }", 'agent any'));
  const without = spawnSync(kilnBin, ['lint', 'Jenkinsfile'], { cwd: dir, encoding: 'utf8' });
  assert.equal(without.status, 1, 'without the library, its var is unknown');
  assert.match(without.stdout, /standardPipeline.*shared library/);
  const lint = spawnSync(kilnBin, ['lint', '--library', `org=${repo.bare}@main`, 'Jenkinsfile'], { cwd: dir, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') } });
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  // kiln run: the template's agent label is served by this machine.
  const run = spawnSync(kilnBin, ['run', '--library', `org=${repo.bare}@main`, 'Jenkinsfile'], { cwd: dir, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') } });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /Loading library org@main \([0-9a-f]{7}\)/);
  assert.match(run.stdout, /building shop on /);
  assert.match(run.stdout, /== ACME/);
});
