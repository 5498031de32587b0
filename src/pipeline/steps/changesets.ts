// A checkout's change set (issue 17): what the Git plugin records on a build for each checkout
// (GitSCM.computeChangeLog → GitChangeSetList, one per checkout; workflow-job keeps them as the
// build's changeSets) and its BuildData (the last commit built of each branch, per repository),
// which the next build's changelog starts from. Plain data: the engine keeps them in the build's
// state (persisted with the build), the controller's Changes API and mail recipients read them,
// `currentBuild.changeSets` and `when { changeset / changelog }` use them.
//
// The changelog is `git log --raw --no-abbrev -M --no-merges FROM..TO` (the plugin's
// `git whatchanged --no-abbrev -M`: merges and their files are not listed), newest first, at
// most MAX_CHANGELOG commits (the plugin's default maxChangelog, 1024). A rename is a delete
// of the old path and an add of the new one, a copy an add, as GitChangeSet reads them. The
// author is the committer unless authorInChangelog() is on, as in the plugin. Kiln keeps at most
// 1000 files per commit and 20,000 characters of a message (the state is saved as the build runs).
/** One checkout's changelog (the Git plugin's GitChangeSetList): the commits after `from` up to `to`. */
export interface ChangeSetRecord {
  kind: 'git';
  /** The checkout's remote URLs, as configured. */
  remotes: string[];
  /** The built branch (origin/main), or 'detached'. */
  branch: string;
  /** The previous build's commit of that branch; null for a first build's changelog (firstBuildChangelog). */
  from: string | null;
  to: string;
  /** Newest first (git log order). */
  entries: ChangeEntryRecord[];
  /** More commits than the changelog keeps (1024) were left out. */
  truncated?: boolean;
}

/** A commit of a change set (GitChangeSet). */
export interface ChangeEntryRecord {
  commitId: string;
  parentCommit: string | null;
  /** The committer, or the author with authorInChangelog() (the Git plugin's default is the committer). */
  author: string;
  authorEmail: string;
  /** ms since the epoch, of the same person's date. */
  timestamp: number;
  /** The message's first line (getMsg). */
  msg: string;
  /** The whole message (getComment). */
  comment: string;
  files: { editType: 'add' | 'edit' | 'delete'; path: string }[];
}

/** The Git plugin's BuildData: the last commit built of each branch of a set of remotes. */
export interface GitBuildDataRecord {
  remotes: string[];
  /** Branch name (origin/main) to the commit and the build that built it. */
  branches: Record<string, { sha: string; build: number }>;
}

/** A checkout as a step reports it to the build (BuildControl.recordCheckout; journaled for a resumed build). */
export interface CheckoutRecord {
  remotes: string[];
  branches: string[];
  sha: string;
  /** null with `changelog: false` (the build data is still updated). */
  changeSet: ChangeSetRecord | null;
}

export const MAX_CHANGELOG = 1024;
const MAX_COMMENT = 20_000;
/** Files kept per commit (a vendoring commit may touch a hundred thousand): the build's state stays small. */
const MAX_FILES = 1000;
/** git log's format: a record separator, then the fields separated by NUL; the raw file lines follow the message. */
export const CHANGELOG_FORMAT = '%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x00';

const RAW = /^:\d{6} \d{6} [0-9a-f]+ [0-9a-f]+ ([ACDMRTUX])\d*\t(.*)$/;

/** Reads `git log --raw --format=CHANGELOG_FORMAT` output into entries. */
export function parseChangelog(out: string, authorInChangelog: boolean): ChangeEntryRecord[] {
  const entries: ChangeEntryRecord[] = [];
  for (const rec of out.split('\x1e')) {
    if (!rec.trim()) continue;
    const parts = rec.split('\0');
    if (parts.length < 10) continue;
    const [commitId, parents, an, ae, at, cn, ce, ct, body] = parts as [string, string, string, string, string, string, string, string, string];
    const rest = parts.slice(9).join('\0');
    const files: ChangeEntryRecord['files'] = [];
    for (const line of rest.split('\n')) {
      if (files.length >= MAX_FILES) break;
      const m = RAW.exec(line);
      if (!m) continue;
      const mode = m[1]!;
      const p = m[2]!;
      if (mode === 'R' || mode === 'C') {
        const [from, to] = p.split('\t') as [string, string | undefined];
        if (mode === 'R') files.push({ editType: 'delete', path: from });
        files.push({ editType: 'add', path: to ?? from });
      } else files.push({ editType: mode === 'A' ? 'add' : mode === 'D' ? 'delete' : 'edit', path: p });
    }
    const comment = body.replace(/\s+$/, '');
    entries.push({
      commitId: commitId.trim(), parentCommit: parents.split(' ')[0] || null,
      author: authorInChangelog ? an : cn, authorEmail: authorInChangelog ? ae : ce,
      timestamp: Number(authorInChangelog ? at : ct) * 1000,
      msg: comment.split('\n')[0] ?? '', comment: comment.length > MAX_COMMENT ? `${comment.slice(0, MAX_COMMENT)}…` : comment,
      files,
    });
  }
  return entries;
}

/** BuildData.isRelevantBuildData: a record that has seen one of the remotes. */
function relevant(data: readonly GitBuildDataRecord[], remotes: readonly string[]): GitBuildDataRecord | undefined {
  return data.find((d) => d.remotes.some((r) => remotes.includes(r)));
}

/** The commit the previous builds last built of a branch of these remotes (BuildData.getLastBuildOfBranch); null: none. */
export function lastBuiltOf(data: readonly GitBuildDataRecord[], remotes: readonly string[], branch: string): string | null {
  const d = relevant(data, remotes);
  return d && Object.hasOwn(d.branches, branch) ? d.branches[branch]!.sha : null;
}

/** Records a checkout in the build data (a copy of the previous build's, as the plugin's copyBuildData). */
export function recordBuilt(data: GitBuildDataRecord[], c: { remotes: readonly string[]; branches: readonly string[]; sha: string }, build: number): void {
  let d = relevant(data, c.remotes);
  if (!d) data.push(d = { remotes: [], branches: {} });
  for (const r of c.remotes) if (!d.remotes.includes(r)) d.remotes.push(r);
  for (const b of c.branches) d.branches[b] = { sha: c.sha, build };
}

/** The people of a build's change sets, each once (by e-mail, else name), in order: email-ext's developers. */
export function changeSetAuthors(sets: readonly ChangeSetRecord[]): { name: string; email: string | null }[] {
  const seen = new Set<string>();
  const out: { name: string; email: string | null }[] = [];
  for (const s of sets) for (const e of s.entries) {
    const key = (e.authorEmail || e.author).toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push({ name: e.author || e.authorEmail, email: /^[^\s@]+@[^\s@]+$/.test(e.authorEmail) ? e.authorEmail : null });
  }
  return out;
}
