// A script step's shell folded into the durable exec's status recorder (agent/durable.ts
// wrapperArgv): the folded form must print, trace and exit exactly as `/bin/sh -e -c SCRIPT`
// does, and still leave its exit status on disk for an agent process that did not start it.
// Scripts that the fold could change (a stray `)`, a here-document, `$$`, a backquote) run under
// the generic wrapper. Real /bin/sh, real processes, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DurableExecs, foldable, wrapperArgv } from '../../src/agent/durable.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/controller.ts';

// What sh.ts runs for `sh 'SCRIPT'` (stderr into stdout, each command traced).
const stepArgv = (script: string) => ['/bin/sh', '-e', '-c', `exec 2>&1; set -x; ${script}`];

const SCRIPTS = [
  'true',
  'echo hi; nosuchcmd; echo never',
  'exit 3',
  'false',
  'echo "$0" $# "$-"; if false; then :; fi; echo ok',
  'trap "echo bye" EXIT; echo x',
  'echo "a\nb" # a comment (with a paren',
  'f() { return 4; }; f',
  'echo $LINENO\nnosuch',
  'x=$(echo "("); echo "$x" $((1 + 2))',
  "echo 'it''s )' \"q\\\")\"",
  'exec echo replaced',
  'set +e; false; echo "went on: $?"',
];

async function runDurable(wd: string, key: string, argv: string[]): Promise<{ out: string; err: string; code: number | null }> {
  const execs = new DurableExecs(wd);
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  let seq = 0;
  return new Promise((resolve) => {
    const e = execs.start({ key, buildId: 'b1', build: 'job #1', argv, cwd: wd, env: { PATH: '/usr/bin:/bin' } });
    e.attach({
      output: (data, stream) => { (stream === 'stdout' ? chunks : errs).push(data); return ++seq; },
      exited: (r) => { resolve({ out: Buffer.concat(chunks).toString(), err: Buffer.concat(errs).toString(), code: r.exitCode }); return ++seq; },
      forgotten: () => {},
    });
  });
}

test('a script step run as a durable exec prints, traces and exits as /bin/sh -e -c does, and the folded form is used', async () => {
  const wd = tempDir('durable-fold');
  let i = 0;
  for (const script of SCRIPTS) {
    const argv = stepArgv(script);
    assert.equal(wrapperArgv(argv, '/x/rc')[2]!.startsWith('(set -e; '), true, `folded: ${JSON.stringify(script)}`);
    const plain = spawnSync(argv[0]!, argv.slice(1), { cwd: wd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    const d = await runDurable(wd, `k${i++}`, argv);
    assert.equal(d.out, plain.stdout, `output of ${JSON.stringify(script)}`);
    assert.equal(d.code, plain.status, `exit code of ${JSON.stringify(script)}`);
  }
});

test('returnStdout\'s form (/bin/sh -xe -c, stderr apart) folds too and gives the same stdout, trace and exit code', async () => {
  const wd = tempDir('durable-fold-xe');
  let i = 0;
  for (const script of ['echo out; echo err >&2', 'printf x; exit 5', 'v=$(echo "(a)"); echo "$v"; nosuch']) {
    const argv = ['/bin/sh', '-xe', '-c', script];
    assert.equal(wrapperArgv(argv, '/x/rc')[2]!.startsWith('(set -xe; '), true, `folded: ${JSON.stringify(script)}`);
    const plain = spawnSync(argv[0]!, argv.slice(1), { cwd: wd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    const d = await runDurable(wd, `x${i++}`, argv);
    assert.deepEqual([d.out, d.err, d.code], [plain.stdout, plain.stderr, plain.status], JSON.stringify(script));
  }
});

test('the folded form leaves the exit status for the next agent process, which did not start it', async () => {
  const wd = tempDir('durable-fold-next');
  const first = new DurableExecs(wd);
  first.start({ key: 'gone', buildId: 'b1', build: 'job #2', argv: stepArgv('echo out; exit 7'), cwd: wd, env: { PATH: '/usr/bin:/bin' } });
  await until(() => existsSync(path.join(wd, '.kiln-durable', 'gone', 'rc')) && readFileSync(path.join(wd, '.kiln-durable', 'gone', 'rc'), 'utf8').endsWith('\n'), 'the status file');
  const next = new DurableExecs(wd);
  next.load();
  const h = next.get('gone')!.handback();
  assert.deepEqual(h.exit, { code: 7, signal: null });
  assert.equal(readFileSync(path.join(wd, '.kiln-durable', 'gone', 'out'), 'utf8'), '+ echo out\nout\n+ exit 7\n');
});

test('scripts the fold could change run under the generic wrapper', () => {
  for (const script of ['echo a ) ; echo b', 'case x in x) echo x;; esac', 'cat <<EOF\nx\nEOF', 'echo $$', 'echo `date`', "echo 'open", 'echo "open', '(echo a', 'echo "$(echo ")")"']) {
    assert.equal(foldable(`exec 2>&1; set -x; ${script}`), false, JSON.stringify(script));
    assert.equal(wrapperArgv(stepArgv(script), '/x/rc')[3], 'kiln-durable', JSON.stringify(script));
  }
  // Another program, other flags, extra arguments: the generic wrapper too.
  assert.equal(wrapperArgv(['/usr/bin/env', 'true'], '/x/rc')[3], 'kiln-durable');
  assert.equal(wrapperArgv(['/bin/sh', '-c', 'true'], '/x/rc')[3], 'kiln-durable');
  assert.equal(wrapperArgv(['/bin/sh', '-e', '-c', 'true', 'arg0'], '/x/rc')[3], 'kiln-durable');
  // The status file's path is quoted for the shell, whatever it holds.
  assert.match(wrapperArgv(stepArgv('true'), "/w/it's $(x)/rc")[2]!, /> '\/w\/it'\\''s \$\(x\)\/rc'; exit \$c$/);
});
