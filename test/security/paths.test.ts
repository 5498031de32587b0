// Path traversal: whatever names an agent, a Jenkinsfile or a URL gives, the controller reads and
// writes only inside its build directories, and a workspace only inside itself.
//   - BuildFiles (src/controller/files.ts): artifact and stash names from agents, stash names
//     from Jenkinsfiles, a tampered stash manifest.
//   - A hostile agent (fake-agent.ts, the real protocol) listing '../' names to archiveArtifacts
//     and stash on a real controller.
//   - The artifact download and console routes with '..', '%2e%2e', encoded slashes,
//     backslashes, NUL and odd build numbers, sent as raw request lines (fetch would clean them).
//   - Symbolic links in a workspace: archiveArtifacts, and writes (unstash) through links.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BuildFiles, inside } from '../../src/controller/files.ts';
import { relPathProblem } from '../../src/pipeline/steps/files.ts';
import { LocalBackend } from '../../src/exec/local-workspace.ts';
import { run as unstash } from '../../src/pipeline/steps/unstash.ts';
import type { StepArgs, StepContext, StashFile } from '../../src/pipeline/steps/types.ts';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, rawApi, finishedBuild, consoleText, testConfig, ADMIN_AUTH } from '../helpers/controller.ts';
import { runPipeline } from '../pipeline/engine/harness.ts';
import { connectFakeAgent, type FakeAgent } from './fake-agent.ts';

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

const HOSTILE = [
  '../escape.txt', '../../escape.txt', 'a/../../escape.txt', '../../../../../../../../tmp/kiln-escape.txt',
  '/etc/kiln-escape.txt', '/tmp/kiln-escape.txt', 'a/\0/b', 'x\0', '', '.', '..', 'a/./b', 'a//b', './a', 'a/',
  '..\\..\\escape.txt', '\\escape.txt', 'a\\..\\..\\escape.txt', 'C:\\escape.txt', 'x'.repeat(5000),
];

describe('BuildFiles: names from agents and Jenkinsfiles', () => {
  let home: string;
  let files: BuildFiles;
  const JOB = 'job-id-1';
  before(() => {
    home = tempDir('paths-home');
    files = new BuildFiles(home);
  });

  test('plain relative paths are accepted; every other shape is refused with the reason', () => {
    for (const ok of ['a', 'a/b/c.txt', '.hidden', 'a/.b', '..a', 'a..', 'dir with space/f', 'a\\b', 'ünï/cödé']) {
      assert.equal(relPathProblem(ok), null, ok);
    }
    for (const bad of HOSTILE) assert.notEqual(relPathProblem(bad), null, JSON.stringify(bad).slice(0, 50));
    assert.match(relPathProblem('a/../../x')!, /'\.\.' part/);
    assert.match(relPathProblem('/etc/passwd')!, /absolute/);
    assert.match(relPathProblem('a\0b')!, /NUL/);
    assert.match(relPathProblem('a//b')!, /empty or '\.' part/);
    // inside() never gives a path out of its base, nor another name of a path inside.
    const base = path.join(home, 'base');
    for (const bad of HOSTILE) assert.equal(inside(base, bad), null, JSON.stringify(bad).slice(0, 50));
    assert.equal(inside(base, 'a/b'), path.join(base, 'a', 'b'));
  });

  test('putArtifact refuses every hostile name and writes nothing anywhere', async () => {
    for (const bad of HOSTILE) {
      await assert.rejects(files.putArtifact(JOB, 1, bad, Buffer.from('pwned'), 0o644), (err: Error) => {
        assert.match(err.message, /^refusing to archive .*: the path/);
        return true;
      }, JSON.stringify(bad).slice(0, 50));
    }
    assert.deepEqual(tree(home), []);
    assert.ok(!existsSync('/tmp/kiln-escape.txt'));
    await files.putArtifact(JOB, 1, 'dist/app.tar', Buffer.from('ok'), 0o755);
    assert.deepEqual(tree(home), [`builds/${JOB}/1/artifacts/dist/app.tar`]);
    assert.equal(files.artifactPath(JOB, 1, 'dist/../dist/app.tar'), null);
    assert.throws(() => files.dir(JOB, 0), /invalid build number 0/);
    assert.throws(() => files.dir(JOB, -1), /invalid build number/);
    assert.throws(() => files.dir(JOB, 1.5), /invalid build number/);
  });

  test("stash names '.', '..', '', '/', long ones are names, not directions: the build's log and artifacts survive", async () => {
    const dir = files.dir(JOB, 2);
    mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    writeFileSync(path.join(dir, 'log'), 'the console\n');
    writeFileSync(path.join(dir, 'artifacts', 'keep.txt'), 'keep');
    const names = ['..', '.', '', '/', '../..', '%2e%2e', 'a/../..', 'n'.repeat(5000), 'ok'];
    for (const [i, name] of names.entries()) {
      await files.putStash(JOB, 2, name, [{ path: `f${i}.txt`, mode: 0o644, data: Buffer.from(name) }]);
    }
    assert.equal(readFileSync(path.join(dir, 'log'), 'utf8'), 'the console\n');
    assert.equal(readFileSync(path.join(dir, 'artifacts', 'keep.txt'), 'utf8'), 'keep');
    for (const [i, name] of names.entries()) {
      const got = await files.getStash(JOB, 2, name);
      assert.deepEqual(got?.map((f) => [f.path, f.data.toString()]), [[`f${i}.txt`, name]], JSON.stringify(name).slice(0, 40));
    }
    // Every stash lives in its own directory below stashes/.
    assert.ok(tree(dir).every((f) => f === 'log' || f.startsWith('artifacts/') || f.startsWith('stashes/')), tree(dir).join('\n'));
  });

  test('a stash with one bad path is refused whole, before the old stash of that name is touched', async () => {
    await files.putStash(JOB, 3, 'app', [{ path: 'good.txt', mode: 0o644, data: Buffer.from('v1') }]);
    for (const bad of HOSTILE) {
      await assert.rejects(files.putStash(JOB, 3, 'app', [{ path: 'new.txt', mode: 0o644, data: Buffer.from('v2') }, { path: bad, mode: 0o644, data: Buffer.from('pwned') }]),
        /stash 'app': refusing .*: the path/);
    }
    assert.deepEqual((await files.getStash(JOB, 3, 'app'))?.map((f) => f.path), ['good.txt']);
    assert.ok(!existsSync('/tmp/kiln-escape.txt'));
  });

  test('names that clash (a file and a directory of one name) fail with a message that names them; modes lose setuid', async () => {
    await assert.rejects(files.putStash(JOB, 5, 'clash', [{ path: 'a', mode: 0o644, data: Buffer.from('1') }, { path: 'a/b', mode: 0o644, data: Buffer.from('2') }]),
      { message: `stash 'clash': cannot keep "a/b": a file of the same name is in the way of its directory` });
    await files.putArtifact(JOB, 5, 'x', Buffer.from('1'), 0o644);
    await assert.rejects(files.putArtifact(JOB, 5, 'x/y', Buffer.from('2'), 0o644), { message: 'cannot archive "x/y": a file of the same name is in the way of its directory' });
    await files.putStash(JOB, 5, 'modes', [{ path: 'tool', mode: 0o4755, data: Buffer.from('#!/bin/sh') }]);
    assert.equal((await files.getStash(JOB, 5, 'modes'))?.[0]?.mode, 0o755);
  });

  test('a tampered stash manifest cannot make getStash read outside the stash', async () => {
    await files.putStash(JOB, 4, 's', [{ path: 'a.txt', mode: 0o644, data: Buffer.from('a') }]);
    const secret = path.join(home, 'secret.key');
    writeFileSync(secret, 'controller secret');
    const stashDir = path.join(files.dir(JOB, 4), 'stashes', 's');
    writeFileSync(path.join(stashDir, 'manifest.json'), JSON.stringify([
      { path: 'a.txt', mode: 0o4755 }, { path: '../../../../../secret.key', mode: 0o644 }, { path: secret, mode: 0o644 }, { path: 42 }, null,
    ]));
    const got = await files.getStash(JOB, 4, 's');
    assert.deepEqual(got?.map((f) => [f.path, f.data.toString(), f.mode]), [['a.txt', 'a', 0o755]]);
    writeFileSync(path.join(stashDir, 'manifest.json'), '{"not": "a list"}');
    assert.equal(await files.getStash(JOB, 4, 's'), undefined);
  });
});

describe('workspace files: unstash entries and symbolic links', () => {
  test("unstash refuses a stash holding '../' or absolute entries before writing anything", async () => {
    const root = tempDir('unstash');
    const backend = new LocalBackend({ root });
    const ws = await backend.allocate({ build: { job: 'j', number: 1, id: 'j#1' } });
    try {
      for (const bad of ['../outside.txt', '/tmp/kiln-escape.txt', 'sub/../../outside.txt', '..\\outside.txt']) {
        const stash: StashFile[] = [{ path: 'fine.txt', mode: 0o644, data: Buffer.from('fine') }, { path: bad, mode: 0o644, data: Buffer.from('pwned') }];
        const logs: string[] = [];
        const ctx = { workspace: () => ws, cwd: undefined, log: (l: string) => logs.push(l), build: { services: { stashes: { get: async () => stash } } } } as unknown as StepContext;
        await assert.rejects(unstash(ctx, { values: { name: 'evil' } } as unknown as StepArgs), (err: Error) => {
          assert.match(err.message, new RegExp(`^unstash 'evil': refusing .*: the path`));
          return true;
        });
      }
      assert.deepEqual(tree(root), []);
      assert.ok(!existsSync(path.join(root, 'outside.txt')));
    } finally {
      await backend.close();
    }
  });

  test('writes, directories and removals do not go through a symbolic link that leads out of the workspace', async () => {
    const root = tempDir('links');
    const outside = tempDir('outside');
    writeFileSync(path.join(outside, 'precious'), 'keep me');
    const backend = new LocalBackend({ root });
    const ws = await backend.allocate({ build: { job: 'j', number: 1, id: 'j#1' } });
    try {
      symlinkSync(outside, path.join(ws.root, 'out-dir'));
      symlinkSync(path.join(outside, 'precious'), path.join(ws.root, 'out-file'));
      symlinkSync(path.join(outside, 'not-yet'), path.join(ws.root, 'dangling'));
      mkdirSync(path.join(ws.root, 'real'));
      symlinkSync(path.join(ws.root, 'real'), path.join(ws.root, 'in-dir'));
      const refused = async (what: string, p: Promise<unknown>) => assert.rejects(p, (err: Error & { code?: string }) => {
        assert.equal(err.code, 'outside', `${what}: ${err.message}`);
        assert.match(err.message, /symbolic link/, what);
        return true;
      }, what);
      await refused('write into a linked dir', ws.writeFile(path.join(ws.root, 'out-dir', 'planted'), 'x'));
      await refused('write into a new dir below a linked dir', ws.writeFile(path.join(ws.root, 'out-dir', 'new', 'deeper', 'planted'), 'x'));
      await refused('write through a file link', ws.writeFile(path.join(ws.root, 'out-file'), 'overwritten'));
      await refused('write through a dangling link', ws.writeFile(path.join(ws.root, 'dangling'), 'created'));
      await refused('mkdir below a linked dir', ws.mkdir(path.join(ws.root, 'out-dir', 'made')));
      await refused('remove below a linked dir', ws.remove(path.join(ws.root, 'out-dir', 'precious')));
      assert.deepEqual(readdirSync(outside), ['precious']);
      assert.equal(readFileSync(path.join(outside, 'precious'), 'utf8'), 'keep me');
      // Links that stay inside work; removing a link removes the link, not its target.
      await ws.writeFile(path.join(ws.root, 'in-dir', 'ok.txt'), 'ok');
      assert.equal(readFileSync(path.join(ws.root, 'real', 'ok.txt'), 'utf8'), 'ok');
      await ws.remove(path.join(ws.root, 'out-dir'));
      assert.deepEqual(readdirSync(outside), ['precious']);
    } finally {
      await backend.close();
    }
  });

  test('a process swapping a directory for a link out, again and again, never gets a write, a read or a removal through it (the opened file is checked, not just the path)', async () => {
    const root = tempDir('race');
    const outside = tempDir('race-out');
    writeFileSync(path.join(outside, 'f'), 'OUTSIDE SECRET');
    const backend = new LocalBackend({ root });
    const ws = await backend.allocate({ build: { job: 'j', number: 1, id: 'j#1' } });
    const swapper = spawn('sh', ['-c', `cd '${ws.root}' && while :; do rm -rf d; ln -s '${outside}' d; rm -f d; mkdir d; echo inside > d/f; done`], { stdio: 'ignore' });
    let wrote = 0;
    let read = 0;
    try {
      const end = Date.now() + 1500;
      while (Date.now() < end) {
        await ws.writeFile(path.join(ws.root, 'd', 'f'), 'PLANTED').then(() => { wrote++; }, () => {});
        const got = await ws.readFile(path.join(ws.root, 'd', 'f')).then((b) => b.toString(), () => null);
        if (got !== null) read++;
        assert.notEqual(got, 'OUTSIDE SECRET', 'read through the swapped link');
        await ws.remove(path.join(ws.root, 'd', 'f')).catch(() => {});
        assert.ok(existsSync(path.join(outside, 'f')), 'removed through the swapped link');
      }
    } finally {
      swapper.kill('SIGKILL');
      await backend.close();
    }
    assert.equal(readFileSync(path.join(outside, 'f'), 'utf8'), 'OUTSIDE SECRET');
    assert.deepEqual(readdirSync(outside), ['f']);
    assert.ok(wrote + read > 0, 'the race never let an operation through at all');
  });

  test("archiveArtifacts: a link out of the workspace (to a file or a directory) fails the step and is not archived; a link inside is archived as its file; a link to a directory inside is skipped", async () => {
    const outside = tempDir('secret');
    writeFileSync(path.join(outside, 'id_rsa'), 'PRIVATE KEY');
    const wrap = (steps: string) => `pipeline { agent any; stages { stage('s') { steps {\n${steps}\n} } } }`;
    for (const [link, target] of [['d/key', `${outside}/id_rsa`], ['d/home', outside]]) {
      const out = await runPipeline(wrap(`sh 'mkdir -p d && echo ok > d/real.txt && ln -s ${target} ${link}'
        archiveArtifacts 'd/**'`));
      assert.equal(out.state.result, 'FAILURE');
      assert.match(out.console, new RegExp(`archiveArtifacts: refusing ${link}: .* leads to ${target}, outside the workspace .*; archive or stash the file itself`));
      assert.equal(out.h.artifacts.size, 0);
      assert.doesNotMatch(out.console, /PRIVATE KEY/);
    }
    const inDir = await runPipeline(wrap(`sh 'mkdir -p d/sub && echo ok > d/real.txt && echo deep > d/sub/x && ln -s real.txt d/alias && ln -s sub d/sublink'
      archiveArtifacts 'd/**'`));
    assert.equal(inDir.state.result, 'SUCCESS', inDir.console);
    assert.deepEqual([...inDir.h.artifacts.keys()].sort(), ['d/alias', 'd/real.txt', 'd/sub/x']);
    assert.equal(inDir.h.artifacts.get('d/alias')?.toString(), 'ok\n');
  });
});

// ---------------------------------------------------------------------------------------------
// A real controller: a hostile agent, and the HTTP routes.

/** GET with the path exactly as written (no URL normalisation), with the admin token. */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'GET', path: rawPath, headers: { ...ADMIN_AUTH } }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a controller with a hostile agent, and its file routes', () => {
  let c: ControllerHandle;
  let home: string;
  const lines: string[] = [];
  const api = jsonApi(() => c.url);
  const raw = rawApi(() => c.url);
  let evil: FakeAgent | null = null;

  before(async () => {
    home = path.join(tempDir('paths-ctl'), 'home');
    c = await startController(testConfig({ home, port: '0', executors: '1' }), { log: (l) => lines.push(l) });
    await api('POST', '/api/v1/agents', { name: 'evil', labels: ['evil'], executors: 1 });
  });
  after(async () => {
    evil?.close();
    await c?.close();
  });

  const job = async (name: string, steps: string, label = 'evil') => {
    await api('POST', '/api/v1/jobs', { name, script: `pipeline { agent { label '${label}' }; stages { stage('s') { steps {\n${steps}\n} } } }` });
    const b = await api('POST', `/api/v1/jobs/${name}/builds`, {});
    return { build: await finishedBuild(c.url, name, b.number), console: await consoleText(c.url, name, b.number), number: b.number as number };
  };

  test("archiveArtifacts and stash on an agent that lists '../' and absolute names: the build fails naming the path; nothing is written outside", async () => {
    const names = ['../../../../../../../tmp/kiln-escape.txt', '../../../../secrets/agent.key', '/etc/kiln-escape.txt', 'ok/../../../escape', 'a\0b', 'ok//x', '..\\..\\escape'];
    let glob: string[] = [];
    evil = await connectFakeAgent(c.url, 'evil', c.hub.secret('evil'), { labels: ['evil'], answer: (req, a) => {
      if (req.type !== 'glob') return false;
      a.send({ type: 'globbed', id: req.id, files: glob });
      return true;
    } });
    const before = tree(home).filter((f) => !f.startsWith('builds/'));
    for (const [i, name] of names.entries()) {
      glob = ['fine.txt', name];
      const art = await job(`art-${i}`, `archiveArtifacts '**'`);
      assert.equal(art.build.result, 'FAILURE', art.console);
      assert.match(art.console, /archiveArtifacts: the workspace on evil listed .*, which is not a file under \/fake\/ws: the path/);
      assert.deepEqual((await api('GET', `/api/v1/jobs/art-${i}/builds/${art.number}/artifacts`)).artifacts, []);
      const st = await job(`stash-${i}`, `stash name: 'x', includes: '**'`);
      assert.equal(st.build.result, 'FAILURE', st.console);
      assert.match(st.console, /stash: the workspace on evil listed .*: the path/);
    }
    assert.ok(!existsSync('/tmp/kiln-escape.txt'));
    assert.deepEqual(tree(home).filter((f) => !f.startsWith('builds/')), before);
    // Every file under builds/ is a log, an index or an artifact of a build: nothing planted.
    for (const f of tree(path.join(home, 'builds'))) assert.match(f, /^[^/]+\/\d+\/(log|log-index|journal\.jsonl|run\.json)$/, f);
    // The agent's answers were refused, but it is a well-formed agent: it is still connected.
    assert.equal(c.hub.isOnline('evil'), true);
  });

  test('the artifact route serves archived files only: .., %2e%2e, encoded slashes, backslashes and NUL answer 404 or 400', async () => {
    const { number } = await job('arts', `writeFile file: 'dist/app.txt', text: 'the artifact'\narchiveArtifacts 'dist/**'`, 'built-in');
    assert.equal(number, 1);
    const base = '/api/v1/jobs/arts/builds/1/artifacts';
    const ok = await rawGet(c.url, `${base}/dist/app.txt`);
    assert.deepEqual([ok.status, ok.body], [200, 'the artifact']);
    const log = readFileSync(path.join(home, 'builds', readdirSync(path.join(home, 'builds')).find((d) => existsSync(path.join(home, 'builds', d, '1', 'artifacts', 'dist')))!, '1', 'log'), 'latin1');
    const key = readFileSync(path.join(home, 'secrets', 'agent.key'), 'latin1');
    const attempts = [
      '../log', 'dist/../../log', '%2e%2e/log', '%2E%2E%2Flog', 'dist%2F..%2F..%2Flog', '..%2flog', 'dist/%2e%2e/%2e%2e/log',
      '..\\log', 'dist\\..\\..\\log', '..%5clog', '%2e%2e%5c%2e%2e%5clog', '/etc/passwd', '%2Fetc%2Fpasswd', '//etc/passwd',
      '../../../../secrets/agent.key', '%2e%2e/%2e%2e/%2e%2e/%2e%2e/secrets/agent.key', 'dist/app.txt%00.jpg', 'dist/app.txt%00',
      'dist//app.txt', 'dist/./app.txt', './dist/app.txt', '%2e/dist/app.txt', 'dist/app.txt/', '', '%', '%zz', '%c0%ae%c0%ae/log',
    ];
    for (const a of attempts) {
      const r = await rawGet(c.url, `${base}/${a}`);
      assert.ok([400, 404].includes(r.status), `${a}: ${r.status} ${r.body.slice(0, 200)}`);
      assert.ok(!r.body.includes('the artifact') || r.status !== 200, a);
      if (log.length > 20) assert.ok(!r.body.includes(log.slice(0, 40)), `${a} served the log`);
      assert.ok(!r.body.includes(key.trim()), `${a} served the agent key`);
    }
  });

  // Node refuses header values outside Latin-1: the name goes as an ASCII fallback plus RFC 6266
  // filename*=UTF-8''<percent-encoded> (this answered a broken 500 before).
  test('an artifact whose name is not Latin-1 can be downloaded', async () => {
    await api('POST', '/api/v1/jobs', { name: 'names', script: "pipeline { agent { label 'built-in' }; stages { stage('s') { steps { writeFile file: '中文 ü.txt', text: 'wide'; archiveArtifacts '*.txt' } } } }" });
    const b = await api('POST', '/api/v1/jobs/names/builds', {});
    assert.equal((await finishedBuild(c.url, 'names', b.number)).result, 'SUCCESS');
    const r = await rawGet(c.url, `/api/v1/jobs/names/builds/${b.number}/artifacts/${encodeURIComponent('中文 ü.txt')}`);
    assert.deepEqual([r.status, r.body], [200, 'wide']);
    const head = await fetch(new URL(`api/v1/jobs/names/builds/${b.number}/artifacts/${encodeURIComponent('中文 ü.txt')}`, c.url), { headers: ADMIN_AUTH });
    assert.equal(head.headers.get('content-disposition'), `attachment; filename="__ _.txt"; filename*=UTF-8''${encodeURIComponent('中文 ü.txt')}`);
    await head.body?.cancel();
  });

  test('console and build routes with odd build numbers and job names: 400 or 404, never 500', async () => {
    const numbers = ['0', '-1', '1.5', '1e3', '0x1', '99999999999999999999', '9007199254740993', 'NaN', 'Infinity', '%00', '..', '%2e%2e', '1%2F..', '%201', '1%20', '+1', '01'];
    for (const n of numbers) {
      for (const tail of ['', '/console', '/console/stream', '/artifacts', '/stages', '/tests']) {
        const r = await rawGet(c.url, `/api/v1/jobs/arts/builds/${n}${tail}`);
        assert.ok(r.status < 500, `builds/${n}${tail}: ${r.status} ${r.body.slice(0, 200)}`);
        // Only spellings of build 1 (the only build) may answer 200 (the schema coerces '01', '0x1').
        if (r.status === 200) assert.equal(Number(decodeURIComponent(n).trim()), 1, `builds/${n}${tail}: 200`);
      }
    }
    for (const j of ['..', '%2e%2e', '..%2F..%2Fsecrets', '%00', 'a%2F..%2F..%2Fx', '.', '%2F', '..%5c..']) {
      const r = await rawGet(c.url, `/api/v1/jobs/${j}/builds/1/console`);
      assert.ok(r.status === 404 || r.status === 400, `jobs/${j}: ${r.status} ${r.body.slice(0, 200)}`);
    }
    const after = await raw('GET', '/api/v1/jobs/arts/builds/1/console');
    assert.equal(after.status, 200);
  });
});
