// What changed in a build (issue 20, point 8): the build's revision (branch, commit, author) on
// its page, and the Changes tab listing the commits since the previous build's commit, from the
// job's repository (GET .../changes, src/controller/changes.ts; read on request, kept by the
// controller). Inline jobs have no repository: the tab says so. Below, the commits of each shared
// library the build loaded with includeInChangesets (or the library step's changelog) on, since
// the commit the previous build loaded of it, each list marked with the library's name.
// A build whose checkouts recorded change sets (issue 17) lists what they recorded: the checkout
// of the job's repository as the build's commits, each other checkout (repository, branch) in its
// own list after it, each commit with its files.
import { buildPath, api } from '../api.ts';
import { ErrorBox, Loading } from '../components.tsx';
import { when } from '../format.ts';
import { useResource } from '../hooks.ts';
import { Link, urls } from '../router.tsx';
import type { AnswerOf } from '../types.ts';

type Changes = AnswerOf<'getBuildChanges'>;
type Commit = Changes['commits'][number];

/** The build's changes, read once the build is known and again when its commit becomes known (null: not yet). */
export function useChanges(job: string, number: number, commit: string | null, libraries = 0) {
  return useResource((s) => (commit !== null ? api.get<Changes>(`${buildPath(job, number)}/changes`, s) : Promise.resolve(undefined)), [job, number, commit, libraries]);
}

/** "main @ 1a2b3c4 by Ann Author": on the build page's meta line. */
export function Revision({ scm, head }: { scm: { branch: string | null; commit: string | null }; head: Commit | null | undefined }) {
  if (!scm.commit) return null;
  return (
    <span className="revision">
      {' · '}{scm.branch ? <><span aria-label="Branch">{scm.branch}</span> @ </> : null}
      <code aria-label="Commit" title={scm.commit}>{scm.commit.slice(0, 7)}</code>
      {head ? <> by <span aria-label="Author">{head.author}</span></> : null}
    </span>
  );
}

export function ChangesTab({ job, changes }: { job: string; changes: ReturnType<typeof useChanges> }) {
  const c = changes.data;
  if (changes.error) return <ErrorBox error={changes.error} />;
  if (!c) return <Loading what="the changes" />;
  // The checkout of the job's own repository (checkout scm) is listed as the build's commits; other checkouts below it.
  const sets = c.changeSets ?? [];
  const own = c.scm?.url ? sets.find((s) => s.remotes.includes(c.scm!.url!)) : undefined;
  return (
    <>
      {own ? <JobChanges job={job} c={{ ...c, commits: own.commits, truncated: own.truncated }} /> : c.scm || sets.length === 0 ? <JobChanges job={job} c={c} /> : null}
      {sets.filter((s) => s !== own).map((s, i) => <CheckoutChangeList key={i} set={s} />)}
      {c.libraries.map((l) => <LibraryChangeList key={l.name} lib={l} />)}
    </>
  );
}

type CheckoutSet = NonNullable<Changes['changeSets']>[number];

/** One checkout's change set: its repository and branch, the commits since the previous build's, each with its files. */
function CheckoutChangeList({ set }: { set: CheckoutSet }) {
  const title = <h3 className="checkout-changes-title"><code>{set.remotes.join(', ')}</code> {set.branch} (<code title={set.to}>{set.to.slice(0, 7)}</code>)</h3>;
  const since = set.from ? <> since <code title={set.from}>{set.from.slice(0, 7)}</code></> : null;
  const body = set.commits.length === 0
    ? <p className="muted">No changes{since}.</p>
    : <><p>{set.commits.length}{set.truncated ? '+' : ''} commit{set.commits.length === 1 ? '' : 's'}{since}:</p><CommitList commits={set.commits} label={`Commits of ${set.remotes.join(', ')}`} /></>;
  return <section className="changes checkout-changes" aria-label={`Changes of ${set.remotes.join(', ')}`}>{title}{body}</section>;
}

function CommitList({ commits, label }: { commits: (Commit & { paths?: CheckoutSet['commits'][number]['paths'] })[]; label: string }) {
  return (
    <ol className="commit-list" aria-label={label}>
      {commits.map((m) => (
        <li key={m.commit} className="commit">
          <div className="commit-subject">{m.message.split('\n')[0]}</div>
          <div className="muted small"><code title={m.commit}>{m.commit.slice(0, 7)}</code> · {m.author}{m.email ? <> &lt;{m.email}&gt;</> : null} · {when(m.time)}</div>
          {m.message.includes('\n') ? <pre className="commit-body">{m.message.split('\n').slice(1).join('\n').trim()}</pre> : null}
          {m.paths && m.paths.length ? <ul className="commit-paths small" aria-label="Files">{m.paths.map((p, i) => <li key={i}><span className={`edit-${p.editType}`}>{p.editType}</span> <code>{p.path}</code></li>)}</ul> : null}
        </li>
      ))}
    </ol>
  );
}

/** One shared library's commits since the previous build's (marked with its name). */
function LibraryChangeList({ lib }: { lib: Changes['libraries'][number] }) {
  const title = <h3 className="library-changes-title">Library <code>{lib.name}@{lib.version}</code> (<code title={lib.commit}>{lib.commit.slice(0, 7)}</code>)</h3>;
  let body;
  if (lib.error) body = <p className="error-line">{lib.error}</p>;
  else if (!lib.previous) body = <p className="muted">The previous build did not load this library: nothing to compare with.</p>;
  else if (lib.commits.length === 0) body = <p className="muted">No changes since <code>{lib.previous.slice(0, 7)}</code>.</p>;
  else body = <><p>{lib.commits.length}{lib.truncated ? '+' : ''} commit{lib.commits.length === 1 ? '' : 's'} since <code>{lib.previous.slice(0, 7)}</code>:</p><CommitList commits={lib.commits} label={`Commits of library ${lib.name}`} /></>;
  return <section className="changes library-changes" aria-label={`Changes of library ${lib.name}`}>{title}{body}</section>;
}

function JobChanges({ job, c }: { job: string; c: Omit<Changes, 'commits'> & { commits: (Commit & { paths?: CheckoutSet['commits'][number]['paths'] })[] } }) {
  if (!c.scm) return <p className="muted">This build is of an inline Jenkinsfile: it has no repository, so no changes.</p>;
  if (c.error) return <p className="error-line">{c.error}</p>;
  const since = c.previous ? <>since <Link to={urls.build(job, c.previous.number)}>#{c.previous.number}</Link>{c.previous.commit ? <> (<code>{c.previous.commit.slice(0, 7)}</code>)</> : null}</> : null;
  if (!c.previous) return <p className="muted">The first build of this job: no earlier build to compare with.</p>;
  if (!c.previous.commit) return <p className="muted">The previous build (<Link to={urls.build(job, c.previous.number)}>#{c.previous.number}</Link>) recorded no commit: nothing to compare with.</p>;
  if (c.commits.length === 0) return <p className="muted">No changes {since}.</p>;
  return (
    <div className="changes">
      <p>{c.commits.length}{c.truncated ? '+' : ''} commit{c.commits.length === 1 ? '' : 's'} {since}{c.truncated ? ', the newest shown' : ''}:</p>
      <CommitList commits={c.commits} label="Commits" />
    </div>
  );
}
