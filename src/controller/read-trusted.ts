// The controller's side of `readTrusted` (Pipeline: Multibranch's ReadTrustedStep) for a git
// job, Kiln's "Pipeline script from SCM": the file is read from a clone of the job's repository
// on the controller, as the Jenkinsfile is (builds.ts), never from the build's workspace.
// - A build of a trusted revision (the job's branch, or a commit its trigger pinned from the
//   job's own repository) reads the file at that commit: "Obtained <path> from git <url> (branch
//   b, commit c)".
// - A build of an untrusted revision (BuildCause.untrustedRevision: a fork's pull or merge
//   request) reads the file at the job's branch (the trusted revision) and at the fork's commit,
//   and fails with Jenkins' "‘<path>’ has been modified in an untrusted revision" when they
//   differ (or the fork removed it), so a stranger cannot change what the pipeline evaluates.
// The trusted commit is taken once per build (`state`): every readTrusted of a build reads the
// same revision, as Jenkins' SCMRevisionAction makes it. A path leaving the checkout ('..',
// absolute: refused by the step first) or a symbolic link out of it (the controller's own files)
// is refused, as for the Jenkinsfile (CVE-2022-25176).
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StepFailure } from '../core/errors.ts';

const run = promisify(execFile);

export interface TrustedRead {
  url: string;
  branch: string;
  /** The build's commit (pinned by its trigger, or the one its Jenkinsfile came from); null: the branch's head. */
  commit: string | null;
  /** The commit comes from outside the job's branches (a fork). */
  untrusted: boolean;
  /** git's environment, with the job's credential set up by the caller. */
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  say: (line: string) => void;
  /** Kept across a build's calls: the trusted commit once known. */
  state: { trusted: string | null };
  /** builds.ts checkoutFile: the file's real path inside the checkout, 'outside', 'symlink-outside' or null (given, not imported: builds.ts imports this module). */
  checkoutFile: (dir: string, rel: string) => Promise<string | 'outside' | 'symlink-outside' | null>;
}

/** The file `rel` at `commit` (null: the branch's head) of the repository: its text (null: absent) and the commit read. */
async function readAt(t: TrustedRead, commit: string | null, rel: string): Promise<{ text: string | null; commit: string }> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-trusted-'));
  const opts = { env: t.env, timeout: 120_000, signal: t.signal };
  try {
    try {
      await run('git', ['clone', '--quiet', '--depth', '1', '--branch', t.branch, '--', t.url, tmp], opts);
    } catch (err) {
      throw new StepFailure(`readTrusted: could not clone ${t.url} (branch ${t.branch}): ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    }
    const head = async () => (await run('git', ['-C', tmp, 'rev-parse', 'HEAD'], { env: t.env })).stdout.trim();
    // A commit id only (the triggers check it; never an option for git's argv, whatever the store holds).
    if (commit && !/^[0-9a-f]{4,64}$/i.test(commit)) throw new StepFailure(`readTrusted: '${commit.slice(0, 80)}' is no commit id`);
    if (commit && !(await head()).startsWith(commit.toLowerCase())) {
      try {
        await run('git', ['-C', tmp, 'fetch', '--quiet', '--depth', '1', 'origin', commit], opts);
        await run('git', ['-C', tmp, 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], { env: t.env });
      } catch (err) {
        throw new StepFailure(`readTrusted: could not fetch commit ${commit} from ${t.url}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
      }
    }
    const at = await head();
    const file = await t.checkoutFile(tmp, rel);
    if (file === 'outside') throw new StepFailure(`readTrusted: '${rel}' is not inside the repository`);
    if (file === 'symlink-outside') throw new StepFailure(`readTrusted: '${rel}' is a symbolic link that leaves the repository (in ${t.url}, commit ${at}): Kiln reads only files inside the checkout`);
    if (file === null) return { text: null, commit: at };
    const st = await fsp.stat(file);
    if (!st.isFile()) return { text: null, commit: at };
    return { text: await fsp.readFile(file, 'utf8'), commit: at };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

export async function readTrustedFile(t: TrustedRead, rel: string): Promise<string> {
  const trustedCommit = t.state.trusted ?? (t.untrusted ? null : t.commit);
  const trusted = await readAt(t, trustedCommit, rel);
  t.state.trusted ??= trusted.commit;
  if (trusted.text === null) throw new StepFailure(`${rel} not found in ${t.url} (branch ${t.branch}, commit ${trusted.commit})`);
  if (t.untrusted && t.commit) {
    const fork = await readAt(t, t.commit, rel);
    if (fork.text !== trusted.text) throw new StepFailure(`\u2018${rel}\u2019 has been modified in an untrusted revision`);
  }
  t.say(`Obtained ${rel} from git ${t.url} (branch ${t.branch}, commit ${trusted.commit})`);
  return trusted.text;
}
