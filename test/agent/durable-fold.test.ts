// A script step's shell folded into the durable exec's status recorder (agent/durable.ts
// wrapperArgv): the folded forms (the script in the recording shell itself, whose EXIT trap writes
// the status; or, when the script could take that trap away, in a subshell of it) must print,
// trace and exit exactly as `/bin/sh -e -c SCRIPT` does, and still leave the exit status on disk
// for an agent process that did not start it. Scripts that neither form can run unchanged (their
// own trap or exec, and a stray `)`, a here-document, `$$`, a backquote) run under the generic
// wrapper. Real /bin/sh, real processes, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { DurableExecs, foldable, trapSafe, wrapperArgv } from '../../src/agent/durable.ts';
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
  // Only the trap form runs these unchanged (the subshell could not).
  'cat <<EOF\nhere ( doc\nEOF\necho after',
  'echo `echo back`; set +x; test $$ -gt 1 && echo pid',
  'case x in x) echo matched;; esac',
  'echo one\necho "two\nlines"\nfalse\necho never',
  'echo a ) ; echo b',
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

test('a script step run as a durable exec prints, traces and exits as /bin/sh -e -c does, and a folded form is used', async () => {
  const wd = tempDir('durable-fold');
  // Both forms are exercised: the script's own trap, and an exec of a program, take the subshell.
  assert.deepEqual(SCRIPTS.filter((sc) => !trapSafe(stepArgv(sc)[3]!)), ['trap "echo bye" EXIT; echo x', 'exec echo replaced']);
  let i = 0;
  for (const script of SCRIPTS) {
    const argv = stepArgv(script);
    assert.equal(wrapperArgv(argv, '/x/rc')[2]!.startsWith(trapSafe(argv[3]!) ? 'trap ' : '(set -e; '), true, `folded: ${JSON.stringify(script)}`);
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
    assert.equal(wrapperArgv(argv, '/x/rc')[2]!.startsWith('trap '), true, `folded: ${JSON.stringify(script)}`);
    const plain = spawnSync(argv[0]!, argv.slice(1), { cwd: wd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    const d = await runDurable(wd, `x${i++}`, argv);
    assert.deepEqual([d.out, d.err, d.code], [plain.stdout, plain.stderr, plain.status], JSON.stringify(script));
  }
});

test('both folded forms leave the exit status for the next agent process, which did not start it, whatever the path holds', async () => {
  // A work directory whose path needs quoting for the shell.
  const wd = path.join(tempDir('durable-fold-next'), "it's $(x) `w`");
  mkdirSync(wd);
  const first = new DurableExecs(wd);
  const cases = [
    { key: 'trap-exit', script: 'echo out; exit 7', code: 7, out: '+ echo out\nout\n+ exit 7\n' },
    { key: 'trap-sete', script: 'echo out; false; echo never', code: 1, out: '+ echo out\nout\n+ false\n' },
    { key: 'subshell', script: 'trap "echo bye" EXIT; exit 5', code: 5, out: '+ trap echo bye EXIT\n+ exit 5\n+ echo bye\nbye\n' },
  ];
  for (const c of cases) first.start({ key: c.key, buildId: 'b1', build: 'job #2', argv: stepArgv(c.script), cwd: wd, env: { PATH: '/usr/bin:/bin' } });
  const rc = (key: string) => path.join(wd, '.kiln-durable', key, 'rc');
  for (const c of cases) await until(() => existsSync(rc(c.key)) && readFileSync(rc(c.key), 'utf8').endsWith('\n'), `the status file of ${c.key}`);
  const next = new DurableExecs(wd);
  next.load();
  for (const c of cases) {
    assert.deepEqual(next.get(c.key)!.handback().exit, { code: c.code, signal: null }, c.key);
    assert.equal(readFileSync(path.join(wd, '.kiln-durable', c.key, 'out'), 'utf8'), c.out, c.key);
  }
});

test('scripts the fold could change run under the generic wrapper', () => {
  // Their own trap (or an exec of a program, eval, source) rules the trap form out; then what the
  // subshell could change rules it out too.
  for (const script of ['echo a ) ; echo b', 'case x in x) echo x;; esac', 'cat <<EOF\nx\nEOF', 'echo $$', 'echo `date`', "echo 'open", 'echo "open', '(echo a', 'echo "$(echo ")")"']) {
    const own = `trap 'echo t' EXIT; ${script}`;
    assert.equal(trapSafe(own), false, JSON.stringify(own));
    assert.equal(foldable(`exec 2>&1; set -x; ${own}`), false, JSON.stringify(own));
    assert.equal(wrapperArgv(stepArgv(own), '/x/rc')[3], 'kiln-durable', JSON.stringify(own));
  }
  for (const script of ['exec make', 'eval "$x"', 'source ./env', '. ./env', 'if true; then . ./env; fi', 'v=`. ./env`', 'x && exec 2>&1 cmd', 'trap - EXIT']) {
    assert.equal(trapSafe(`exec 2>&1; set -x; ${script}`), false, JSON.stringify(script));
  }
  for (const script of ['true', 'exec >log 2>&1; echo', 'find . -exec rm {} +', 'git rebase --exec x', 'echo a.b ./c']) {
    assert.equal(trapSafe(`exec 2>&1; set -x; ${script}`), true, JSON.stringify(script));
  }
  // Another program, other flags, extra arguments: the generic wrapper too.
  assert.equal(wrapperArgv(['/usr/bin/env', 'true'], '/x/rc')[3], 'kiln-durable');
  assert.equal(wrapperArgv(['/bin/sh', '-c', 'true'], '/x/rc')[3], 'kiln-durable');
  assert.equal(wrapperArgv(['/bin/sh', '-e', '-c', 'true', 'arg0'], '/x/rc')[3], 'kiln-durable');
  // The status file's path is quoted for the shell, whatever it holds (run for real above).
  assert.match(wrapperArgv(stepArgv('trap x EXIT'), "/w/it's $(x)/rc")[2]!, /> '\/w\/it'\\''s \$\(x\)\/rc'; exit \$c$/);
});
