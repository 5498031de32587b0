// sshPublisher against a real OpenSSH server (test/backends/sshd.ts): files of the workspace sent
// over SFTP under the server's remote directory (removePrefix, remoteDirectory, flatten,
// cleanRemote), execCommand run there (its exit status making the build UNSTABLE, or FAILURE
// with failOnError), the plugin's console lines; and what is refused: a remoteDirectory leaving
// the remote root, sourceFiles outside the workspace, a host key other than the pinned one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync, readFileSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { PipelineRun } from '../../../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../../../src/core/nodes.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import { StepFailure } from '../../../src/core/errors.ts';
import type { SshServer } from '../../../src/core/ssh-publish.ts';
import { startSshd, type TestSshd } from '../../backends/sshd.ts';
import { tempDir } from '../../helpers/tmp.ts';

let sshd: TestSshd;
let remoteRoot: string;

before(async () => {
  sshd = await startSshd();
  remoteRoot = path.join(tempDir('sftp-root'), 'srv');
  mkdirSync(remoteRoot, { recursive: true });
});
after(async () => { await sshd?.stop(); });

const server = (over: Partial<SshServer> = {}): SshServer => ({
  name: 'web', hostname: '127.0.0.1', port: sshd.port, username: sshd.user, remoteDirectory: remoteRoot,
  credentialsId: 'deploy-key', hostKeyFingerprint: sshd.hostFingerprint, timeoutMs: 10_000, ...over,
});

async function run(source: string, servers: SshServer[]): Promise<{ result: string; console: string; workspace: string; startedAt: number }> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(`invalid test Jenkinsfile: ${JSON.stringify(loaded.diagnostics)}`);
  const root = tempDir('sshpub');
  const workspace = path.join(root, 'ws');
  const backend = new LocalBackend({ root: path.join(root, 'nodes') });
  const nodes: NodeProvider = {
    async allocate(_req, build) {
      const ws = await backend.allocate({ build, path: workspace });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const chunks: Buffer[] = [];
  const r = new PipelineRun({
    registry, model: loaded.model, file: 'Jenkinsfile', build: { job: 'pub', number: 1, id: 'pub#1' }, nodes,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential: async (id) => {
        if (id === 'deploy-key') return { id, type: 'sshKey', username: sshd.user, privateKey: sshd.clientKey };
        if (id === 'wrong-key') return { id, type: 'sshKey', username: sshd.user, privateKey: sshd.otherKey };
        throw new StepFailure(`no credential '${id}'`);
      },
      triggerJob: async (job) => { throw new StepFailure(`cannot trigger ${job}`); },
      sshServers: { servers: async () => servers, configureHint: 'configure it in PUT /api/v1/settings/publish-over-ssh' },
    },
    listener: { output: (d) => { chunks.push(d); } },
  });
  const state = await r.run();
  await backend.close();
  return { result: state.result ?? '', console: Buffer.concat(chunks).toString('utf8'), workspace, startedAt: state.startedAt };
}

const files = `sh 'mkdir -p dist/sub && echo alpha > dist/a.txt && echo beta > dist/sub/b.txt && echo skip > dist/skip.log'`;

test('files go over SFTP under the remote directory without the removed prefix, and the command runs after them', async () => {
  const { result, console } = await run(`node {
  ${files}
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', verbose: true, transfers: [
    sshTransfer(sourceFiles: 'dist/**/*.txt', excludes: '**/*.log', removePrefix: 'dist', remoteDirectory: 'app/v1',
                execCommand: 'cd ${remoteRoot}/app/v1 && cat a.txt sub/b.txt && echo "ran as $(id -un)"')
  ])])
}`, [server()]);
  assert.equal(result, 'SUCCESS', console);
  assert.equal(readFileSync(path.join(remoteRoot, 'app/v1/a.txt'), 'utf8'), 'alpha\n');
  assert.equal(readFileSync(path.join(remoteRoot, 'app/v1/sub/b.txt'), 'utf8'), 'beta\n');
  assert.equal(existsSync(path.join(remoteRoot, 'app/v1/skip.log')), false);
  assert.match(console, /^SSH: Connecting from host \[.+\]$/m);
  assert.match(console, /^SSH: Connecting with configuration \[web\] \.\.\.$/m);
  assert.match(console, /^SSH: EXEC: STDOUT\/STDERR from command \[cd .*\] \.\.\.\nalpha\nbeta\nran as \S+$/m);
  assert.match(console, /^SSH: EXEC: completed after \d+ ms$/m);
  assert.match(console, /^SSH: Disconnecting configuration \[web\] \.\.\.$/m);
  assert.match(console, /^SSH: Transferred 2 file\(s\)$/m);
});

test("a command's non-zero exit makes the build UNSTABLE by default and FAILURE with failOnError; flatten and cleanRemote", async () => {
  mkdirSync(path.join(remoteRoot, 'flat'), { recursive: true });
  writeFileSync(path.join(remoteRoot, 'flat', 'old.txt'), 'old');
  const unstable = await run(`node {
  ${files}
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [
    sshTransfer(sourceFiles: 'dist/**/*.txt', remoteDirectory: 'flat', flatten: true, cleanRemote: true, execCommand: 'echo hidden-unless-verbose; exit 3')
  ])])
  echo 'after the publisher'
}`, [server()]);
  assert.equal(unstable.result, 'UNSTABLE', unstable.console);
  assert.match(unstable.console, /^ERROR: Exception when publishing, exception message \[Exec exit status not zero\. Status \[3\]\]$/m);
  assert.match(unstable.console, /^after the publisher$/m);
  assert.doesNotMatch(unstable.console, /hidden-unless-verbose\n/);
  assert.equal(readFileSync(path.join(remoteRoot, 'flat', 'b.txt'), 'utf8'), 'beta\n');
  assert.equal(existsSync(path.join(remoteRoot, 'flat', 'old.txt')), false, 'cleanRemote emptied it first');
  const failing = await run(`node { sshPublisher(failOnError: true, publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'exit 1')])]) }`, [server()]);
  assert.equal(failing.result, 'FAILURE', failing.console);
  assert.match(failing.console, /Exec exit status not zero\. Status \[1\]/);
});

test('a remoteDirectory leaving the remote root and sourceFiles outside the workspace are refused before anything is sent', async () => {
  const up = await run(`node {
  ${files}
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'dist/a.txt', remoteDirectory: '../escaped')])])
}`, [server()]);
  assert.equal(up.result, 'FAILURE', up.console);
  assert.match(up.console, /remoteDirectory '\.\.\/escaped' has a '\.\.' part: it must stay inside the server's remote directory/);
  assert.equal(existsSync(path.join(remoteRoot, '..', 'escaped')), false);
  for (const pat of ['../outside.txt', '/etc/passwd']) {
    const out = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: '${pat}', remoteDirectory: 'x')])]) }`, [server()]);
    assert.equal(out.result, 'FAILURE', out.console);
    assert.match(out.console, new RegExp(`sourceFiles '${pat.replace(/[./]/g, '\\$&')}' leaves the workspace`));
  }
  const link = await run(`node {
  sh 'ln -s /etc/passwd leak.txt'
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'leak.txt', remoteDirectory: 'leak')])])
}`, [server()]);
  assert.notEqual(link.result, 'SUCCESS', link.console);
  assert.equal(existsSync(path.join(remoteRoot, 'leak', 'leak.txt')), false, 'a link leading out of the workspace is not sent');
});

test('a host key other than the pinned one, a key the server refuses, an unknown configuration: UNSTABLE with the reason', async () => {
  const other = 'SHA256:' + 'A'.repeat(43);
  const pinned = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'touch ${remoteRoot}/should-not-exist')])]) }`, [server({ hostKeyFingerprint: other })]);
  assert.equal(pinned.result, 'UNSTABLE', pinned.console);
  assert.match(pinned.console, new RegExp(`host key mismatch for 127\\.0\\.0\\.1:${sshd.port}: the configuration \\[web\\] pins ${other}, the host offered SHA256:`));
  assert.equal(existsSync(path.join(remoteRoot, 'should-not-exist')), false);
  const refused = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'true')])]) }`, [server({ credentialsId: 'wrong-key' })]);
  assert.equal(refused.result, 'UNSTABLE', refused.console);
  assert.match(refused.console, /authentication failed on 127\.0\.0\.1:\d+ for user '\S+' with credential 'wrong-key'/);
  const unknown = await run(`node { sshPublisher(continueOnError: true, publishers: [sshPublisherDesc(configName: 'nope', transfers: [sshTransfer(execCommand: 'true')]), sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'echo second')])]) }`, [server()]);
  assert.equal(unknown.result, 'UNSTABLE', unknown.console);
  assert.match(unknown.console, /no SSH server configuration \[nope\] \(configured: web\); configure it in PUT/);
  assert.match(unknown.console, /SSH: Connecting with configuration \[web\]/, 'continueOnError goes on with the next server');
});

test('sshRetry: a failed publish is tried again after the delay with the plugin\'s line, files sent stay sent; retries used up: UNSTABLE', async () => {
  const marker = path.join(tempDir('sshretry'), 'tried');
  const ok = await run(`node {
  ${files}
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', sshRetry: sshRetry(retries: 2, retryDelay: 50), transfers: [
    sshTransfer(sourceFiles: 'dist/a.txt', removePrefix: 'dist', remoteDirectory: 'retry', execCommand: 'test -e ${marker} || { touch ${marker}; exit 4; }')
  ])])
}`, [server()]);
  assert.equal(ok.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /^SSH: Caught exception \[Exec exit status not zero\. Status \[4\]\] Sleeping for \[50\]ms before trying again$/m);
  assert.equal(ok.console.match(/SSH: Caught exception/g)!.length, 1);
  assert.match(ok.console, /^SSH: Transferred 1 file\(s\)$/m, 'the file sent before the failure is not sent again');
  assert.equal(readFileSync(path.join(remoteRoot, 'retry', 'a.txt'), 'utf8'), 'alpha\n');
  const spent = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', retry: [retries: 2, retryDelay: 10], transfers: [sshTransfer(execCommand: 'exit 5')])]) }`, [server()]);
  assert.equal(spent.result, 'UNSTABLE', spent.console);
  assert.equal(spent.console.match(/SSH: Caught exception \[Exec exit status not zero\. Status \[5\]\] Sleeping for \[10\]ms/g)!.length, 2);
  assert.match(spent.console, /^ERROR: Exception when publishing, exception message \[Exec exit status not zero\. Status \[5\]\]$/m);
});

test('useAgentForwarding: the command sees an agent holding the configured key; without it, none', async () => {
  const pub = readFileSync(path.join(sshd.dir, 'client.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  const fwd = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', verbose: true, transfers: [sshTransfer(execCommand: 'ssh-add -L', useAgentForwarding: true)])]) }`, [server()]);
  assert.equal(fwd.result, 'SUCCESS', fwd.console);
  assert.ok(fwd.console.includes(pub), fwd.console);
  const none = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'ssh-add -L')])]) }`, [server()]);
  assert.equal(none.result, 'UNSTABLE', none.console);
  assert.match(none.console, /Exec exit status not zero\. Status \[2\]/);
});

test('keepFilePermissions, makeEmptyDirs, noDefaultExcludes, patternSeparator, remoteDirectorySDF', async () => {
  const r = await run(`node {
  sh 'mkdir -p dist/empty/deeper dist/full && echo x > dist/full/f.sh && chmod 750 dist/full/f.sh && echo y > dist/plain.txt && echo ig > dist/.gitignore'
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [
    sshTransfer(sourceFiles: 'dist/full/*;dist/plain.txt', patternSeparator: ';', removePrefix: 'dist', remoteDirectory: 'perm', keepFilePermissions: true),
    sshTransfer(sourceFiles: 'dist/**', removePrefix: 'dist', remoteDirectory: 'dirs', makeEmptyDirs: true),
    sshTransfer(sourceFiles: 'dist/.gitignore', removePrefix: 'dist', remoteDirectory: 'noexcl', noDefaultExcludes: true),
    sshTransfer(sourceFiles: 'dist/plain.txt', removePrefix: 'dist', remoteDirectory: "'dated-'yyyy/HHmmssSSS", remoteDirectorySDF: true),
  ])])
}`, [server()]);
  assert.equal(r.result, 'SUCCESS', r.console);
  assert.equal(statSync(path.join(remoteRoot, 'perm/full/f.sh')).mode & 0o777, 0o750);
  assert.equal(readFileSync(path.join(remoteRoot, 'perm/plain.txt'), 'utf8'), 'y\n');
  assert.ok(statSync(path.join(remoteRoot, 'dirs/empty/deeper')).isDirectory(), 'the empty directory is made');
  assert.equal(existsSync(path.join(remoteRoot, 'dirs/.gitignore')), false, "Ant's default excludes apply");
  assert.equal(readFileSync(path.join(remoteRoot, 'noexcl/.gitignore'), 'utf8'), 'ig\n');
  const t = new Date(r.startedAt);
  const p2 = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${p2(t.getHours())}${p2(t.getMinutes())}${p2(t.getSeconds())}${p2(t.getMilliseconds(), 3)}`;
  assert.equal(readFileSync(path.join(remoteRoot, `dated-${t.getFullYear()}/${stamp}/plain.txt`), 'utf8'), 'y\n', "formatted with the build's start time, as the plugin");
  assert.match(r.console, /^SSH: Transferred 6 \( 2 \+ 2 \+ 1 \+ 1 \) file\(s\)$/m);
  const plain = await run(`node {
  sh 'mkdir -p dist/empty2 && echo y > dist/plain.txt'
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'dist/**', removePrefix: 'dist', remoteDirectory: 'nodirs')])])
}`, [server()]);
  assert.equal(plain.result, 'SUCCESS', plain.console);
  assert.equal(existsSync(path.join(remoteRoot, 'nodirs/empty2')), false, 'no empty directories without makeEmptyDirs');
});

test('flatten with two files of one name, a date pattern Kiln cannot format, a prefix a file lacks: UNSTABLE saying why', async () => {
  const dup = await run(`node {
  sh 'mkdir -p dist/x dist/y && echo 1 > dist/x/a.txt && echo 2 > dist/y/a.txt'
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'dist/**', remoteDirectory: 'dup', flatten: true)])])
}`, [server()]);
  assert.equal(dup.result, 'UNSTABLE', dup.console);
  assert.match(dup.console, /Duplicate filename detected in flatten mode\. Filename \[a\.txt\]/);
  const sdf = await run(`node { ${files}
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'dist/a.txt', remoteDirectory: 'yyyy-zzz', remoteDirectorySDF: true)])]) }`, [server()]);
  assert.equal(sdf.result, 'UNSTABLE', sdf.console);
  assert.match(sdf.console, /Could not create a date format from \[yyyy-zzz\] exception message \[the pattern letter 'z' is not supported by Kiln/);
  const prefix = await run(`node { ${files}
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'dist/a.txt', removePrefix: 'build', remoteDirectory: 'p')])]) }`, [server()]);
  assert.equal(prefix.result, 'UNSTABLE', prefix.console);
  assert.match(prefix.console, /Failed to remove prefix from file named \[dist\/a\.txt\]\. Prefix \[build\] must be present in all file paths/);
});

test('useSftpForExec: true is refused by validation and by the run; false is accepted', async () => {
  const src = `node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'ls', useSftpForExec: true)])]) }`;
  const loaded = loadPipeline(src, registry);
  assert.ok(loaded.diagnostics.some((d) => /sshTransfer: useSftpForExec: true: running execCommand as SFTP commands .* is not supported by Kiln/.test(d.message)), JSON.stringify(loaded.diagnostics));
  const ok = loadPipeline(src.replace('useSftpForExec: true', 'useSftpForExec: false'), registry);
  assert.equal(ok.diagnostics.filter((d) => d.severity === 'error').length, 0, JSON.stringify(ok.diagnostics));
});

test('execTimeout: a command still running after it is ended, and the publish fails with the plugin\'s words', async () => {
  const r = await run(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'sleep 60', execTimeout: 300)])]) }`, [server()]);
  assert.equal(r.result, 'UNSTABLE', r.console);
  assert.match(r.console, /^ERROR: Exception when publishing, exception message \[Exec timed out or was interrupted after 300 ms\]$/m);
});

test('paramPublish: only the publishers whose sshLabel matches the expression in the named variable publish, with the plugin\'s lines', async () => {
  const stage = path.join(remoteRoot, 'stage-host');
  mkdirSync(stage, { recursive: true });
  const { result, console } = await run(`node {
  withEnv(['TARGET=pro.*', 'ENV_NAME=production']) {
    sshPublisher(paramPublish: [parameterName: 'TARGET'], publishers: [
      sshPublisherDesc(configName: 'web', sshLabel: [label: '\${ENV_NAME}'], transfers: [sshTransfer(execCommand: 'echo to-web > ${remoteRoot}/param-web.txt')]),
      [configName: 'stage', label: 'stage', transfers: [[execCommand: 'echo to-stage > ${remoteRoot}/param-stage.txt']]],
    ])
  }
  sshPublisher(paramPublish: [parameterName: ''], publishers: [sshPublisherDesc(configName: 'stage', sshLabel: [label: 'stage'], transfers: [sshTransfer(execCommand: 'echo all > ${remoteRoot}/param-all.txt')])])
}`, [server(), server({ name: 'stage', remoteDirectory: stage })]);
  assert.equal(result, 'SUCCESS', console);
  assert.match(console, /^SSH: Publishing to \[web\] - Label \[production\] matches expression \[pro\.\*\]$/m);
  assert.match(console, /^SSH: Skipping \[stage\] - Label \[stage\] does not match expression \[pro\.\*\]$/m);
  assert.equal(readFileSync(path.join(remoteRoot, 'param-web.txt'), 'utf8'), 'to-web\n');
  assert.equal(existsSync(path.join(remoteRoot, 'param-stage.txt')), false, 'the skipped server got nothing');
  assert.equal(readFileSync(path.join(remoteRoot, 'param-all.txt'), 'utf8'), 'all\n', "parameterName '' publishes to all, as the snippet generator writes it");
  const missing = await run(`node { sshPublisher(paramPublish: [parameterName: 'NOPE'], publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'true')])]) }`, [server()]);
  assert.equal(missing.result, 'UNSTABLE', missing.console);
  assert.match(missing.console, /^ERROR: Exception when publishing, exception message \[Failed to find parameter named \[NOPE\]\]$/m);
  const bad = await run(`node { withEnv(['T=(a']) { sshPublisher(failOnError: true, paramPublish: [parameterName: 'T'], publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'true')])]) } }`, [server()]);
  assert.equal(bad.result, 'FAILURE', bad.console);
  assert.match(bad.console, /exception message \[Bad regular expression\. Parameter name \[T\], value \[\(a\], message \[Unclosed group near index 2\]\]/);
});

test('usePty runs the command on a pseudo-terminal of the real sshd; without it the command has none', async () => {
  const { result, console } = await run(`node {
  sshPublisher(publishers: [sshPublisherDesc(configName: 'web', verbose: true, transfers: [
    sshTransfer(execCommand: 'if test -t 0; then echo "stdin is a tty: $(tty)"; else echo no-tty; fi', usePty: true),
    sshTransfer(execCommand: 'if test -t 0; then echo "stdin is a tty"; else echo "no tty here"; fi'),
  ])])
}`, [server()]);
  assert.equal(result, 'SUCCESS', console);
  assert.match(console, /^stdin is a tty: \/dev\/pts\/\d+\r?$/m);
  assert.match(console, /^no tty here$/m);
});

test('sshCredentials in the Jenkinsfile is refused at lint and at run, without showing its value', async () => {
  const lint = loadPipeline(`pipeline { agent any; stages { stage('d') { steps {
    sshPublisher(publishers: [sshPublisherDesc(configName: 'web', sshCredentials: [username: 'u', encryptedPassphrase: '{SECRETBLOB}'], transfers: [sshTransfer(execCommand: 'true')])])
  } } } }`, registry);
  const errors = lint.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0]!, /^sshPublisherDesc: sshCredentials: a username and key \(or encrypted passphrase\) written in the Jenkinsfile cannot be used by Kiln/);
  assert.doesNotMatch(errors[0]!, /SECRETBLOB/);
  const r = await run(`node { def c = [username: 'u', key: 'SECRETKEY']; sshPublisher(publishers: [[configName: 'web', sshCredentials: c, transfers: [[execCommand: 'true']]]]) }`, [server()]);
  assert.equal(r.result, 'FAILURE', r.console);
  assert.match(r.console, /sshPublisher: publishers\[0\]\.sshCredentials: a username and key/);
  assert.doesNotMatch(r.console, /SECRETKEY/);
});
