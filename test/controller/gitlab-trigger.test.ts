// The gitlab trigger's decisions (src/controller/gitlab-trigger.ts) as the GitLab plugin's
// branch filters and merge request handler make them: Ant patterns on the target branch, whole-name
// regexes, which merge request actions and comments (noteRegex) build with which parameters, and
// the secretToken kept as its hash. The webhook end to end is webhooks-gitlab.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Job } from '../../src/store/types.ts';
import { closeRegexPool, configureRegexPool } from '../../src/pipeline/script/regex-pool.ts';
import { antPattern, branchAllowed, gitlabDecision, gitlabTokenJobs, gitlabTriggerOf, type GitLabEvent } from '../../src/controller/gitlab-trigger.ts';
import { gitlabSpecText } from '../../src/pipeline/model/triggers.ts';

const job = (params: Record<string, string | boolean>, id = 'j1'): Job => ({ id, name: id, triggers: [{ type: 'gitlab', spec: gitlabSpecText(params), threshold: null }] } as unknown as Job);
const trigger = (params: Record<string, string | boolean> = {}) => gitlabTriggerOf(job(params))!;
const mr = (o: Partial<GitLabEvent> = {}): GitLabEvent => ({
  kind: 'merge', source: 'feature/a', target: 'main', commit: 'a'.repeat(40), lastMessage: 'change', action: 'open', state: 'opened', draft: false,
  newCommits: false, description: '', fork: false, env: { gitlabMergeRequestIid: '3' }, who: 'jane', ...o,
});

/** The filter lets the branches through (a refusal is a reason: a miss, or a regex stopped). */
const allowed = async (...a: Parameters<typeof branchAllowed>) => (await branchAllowed(...a)) === true;

test('Ant patterns: * within a segment, ** across them, ? one character; the rest literal', async () => {
  const cases: [string, string, boolean][] = [
    ['feature/*', 'feature/a', true], ['feature/*', 'feature/a/b', false], ['feature/**', 'feature/a/b', true], ['feature/**', 'feature', true],
    ['**/hotfix', 'x/y/hotfix', true], ['rel-?', 'rel-1', true], ['rel-?', 'rel-10', false], ['v1.0', 'v1x0', false], ['a+b', 'a+b', true],
  ];
  for (const [p, s, want] of cases) assert.equal(antPattern(p).test(s), want, `${p} ~ ${s}`);
});

test('branch filters: NameBasedFilter on the target branch (exclusions first), RegexBasedFilter on whole names, All lets everything through', async () => {
  const named = trigger({ branchFilterType: 'NameBasedFilter', includeBranchesSpec: 'main, release/*', excludeBranchesSpec: 'release/old' });
  assert.equal(await allowed(named, 'feature/x', 'main'), true);
  assert.equal(await allowed(named, 'main', 'feature/x'), false);
  assert.equal(await allowed(named, 'x', 'release/2'), true);
  assert.equal(await allowed(named, 'x', 'release/old'), false);
  const regex = trigger({ branchFilterType: 'RegexBasedFilter', sourceBranchRegex: 'feature/.*', targetBranchRegex: 'main' });
  assert.equal(await allowed(regex, 'feature/x', 'main'), true);
  assert.equal(await allowed(regex, 'feature/x', 'main2'), false, 'a whole-name match');
  assert.equal(await allowed(regex, 'fix/x', 'main'), false);
  assert.equal(await allowed(trigger({ branchFilterName: 'RegexBasedFilter', targetBranchRegex: 'dev' }), 'a', 'main'), false, 'the older branchFilterName');
  assert.equal(await allowed(trigger(), 'anything', 'else'), true);
});

test('a hostile RegexBasedFilter cannot hang the controller: a pattern with nested repetition is stopped on a regex thread and lets nothing through, saying why; Java syntax is Java\'s', async () => {
  const evil = trigger({ branchFilterType: 'RegexBasedFilter', sourceBranchRegex: '(a+)+$' });
  // Tried inline by JavaScript's backtracking engine, this name takes longer than the test suite:
  // it runs on a regex thread, stopped at its deadline, and the refusal says so.
  const before = configureRegexPool({ timeoutMs: 300 });
  try {
    const r = await branchAllowed(evil, `${'a'.repeat(40)}!`, '');
    assert.match(String(r), /was stopped after 300 ms/);
    const d = await gitlabDecision(evil, { ...mr(), kind: 'push', source: `${'a'.repeat(40)}!`, target: `${'a'.repeat(40)}!` });
    assert.match((d as { reason: string }).reason, /branch filter does not allow branch 'a+!': the regular expression .* was stopped/);
    assert.equal(await allowed(evil, 'aaa', ''), true, 'a name it matches at once still matches');
  } finally {
    configureRegexPool(before);
    await closeRegexPool();
  }
  assert.equal(await allowed(trigger({ branchFilterType: 'RegexBasedFilter', sourceBranchRegex: '\\Qa.b\\E' }), 'a.b', ''), true, 'a Java quote');
  assert.equal(await allowed(trigger({ branchFilterType: 'RegexBasedFilter', sourceBranchRegex: '\\Qa.b\\E' }), 'axb', ''), false);
});

test('merge requests: which actions build, with the plugin\'s defaults and when asked', async () => {
  const d = trigger();
  assert.equal((await gitlabDecision(d, mr())).build, true);
  assert.equal((await gitlabDecision(d, mr({ action: 'reopen' }))).build, true);
  assert.deepEqual(await gitlabDecision(d, mr({ action: 'update' })), { build: false, reason: "its gitlab trigger does not build a merge request's 'update' without new commits" });
  assert.equal((await gitlabDecision(d, mr({ action: 'update', newCommits: true }))).build, true);
  for (const action of ['merge', 'close', 'approved']) assert.equal((await gitlabDecision(d, mr({ action, state: action === 'merge' ? 'merged' : action === 'close' ? 'closed' : 'opened' }))).build, false, action);
  const all = trigger({ triggerOnAcceptedMergeRequest: true, triggerOnClosedMergeRequest: true, triggerOnApprovedMergeRequest: true });
  for (const action of ['merge', 'close', 'approved']) assert.equal((await gitlabDecision(all, mr({ action, state: action === 'merge' ? 'merged' : action === 'close' ? 'closed' : 'opened' }))).build, true, action);
  assert.equal((await gitlabDecision(trigger({ triggerOnMergeRequest: false }), mr())).build, false);
  assert.equal((await gitlabDecision(d, mr({ draft: true }))).build, true, 'drafts build unless skipWorkInProgressMergeRequest');
  assert.equal((await gitlabDecision(trigger({ skipWorkInProgressMergeRequest: true }), mr({ draft: true }))).build, false);
  assert.equal((await gitlabDecision(d, mr({ description: 'please [ci-skip]' }))).build, false);
  assert.equal((await gitlabDecision(trigger({ ciSkip: false }), mr({ description: 'please [ci-skip]' }))).build, true);
  // A fork's request builds (as the plugin), marked so that its Jenkinsfile is the job's branch's.
  const fork = await gitlabDecision(d, mr({ fork: true, env: { gitlabMergeRequestIid: '3', gitlabSourceNamespace: 'eve' } }));
  assert.ok(fork.build && fork.fork === true && fork.description === 'Triggered by GitLab Merge Request #3: eve/feature/a => main', JSON.stringify(fork));
  const ok = await gitlabDecision(d, mr());
  assert.ok(ok.build && ok.branch === 'feature/a' && ok.description === 'Triggered by GitLab Merge Request #3: feature/a => main');
});

test("comments on a merge request: the whole comment against noteRegex (default 'Jenkins please retry a build'), the branch filter, [ci-skip] in the description; triggerOnNoteRequest: false builds none", async () => {
  const note = (text: string, o: Partial<GitLabEvent> = {}) => mr({ kind: 'note', note: text, action: '', ...o });
  const d = trigger();
  const retry = await gitlabDecision(d, note('Jenkins please retry a build'));
  assert.ok(retry.build && retry.commit === 'a'.repeat(40) && retry.description === 'Triggered by jane GitLab Merge Request #3: feature/a => main', JSON.stringify(retry));
  // Whole text, as Pattern.matches: a longer comment that contains the phrase does not build.
  assert.match((await gitlabDecision(d, note('Jenkins please retry a build, thanks')) as { reason: string }).reason, /does not match its gitlab trigger's noteRegex 'Jenkins please retry a build'/);
  const custom = trigger({ noteRegex: '(?i)/rebuild( all)?' });
  assert.equal((await gitlabDecision(custom, note('/REBUILD all'))).build, true);
  assert.equal((await gitlabDecision(custom, note('please /rebuild'))).build, false);
  assert.match((await gitlabDecision(trigger({ triggerOnNoteRequest: false }), note('Jenkins please retry a build')) as { reason: string }).reason, /triggerOnNoteRequest: false/);
  assert.match((await gitlabDecision(d, note('Jenkins please retry a build', { description: 'wip [ci-skip]' })) as { reason: string }).reason, /\[ci-skip\]/);
  assert.equal((await gitlabDecision(trigger({ branchFilterType: 'NameBasedFilter', includeBranchesSpec: 'release/*' }), note('Jenkins please retry a build'))).build, false);
  const fork = await gitlabDecision(d, note('Jenkins please retry a build', { fork: true }));
  assert.ok(fork.build && fork.fork === true);
});

test('the secretToken is kept as its SHA-256 only, and a hook token matches the jobs whose token it is', async () => {
  const spec = JSON.parse(gitlabSpecText({ triggerOnPush: true, secretToken: 's3cret' }));
  assert.deepEqual(spec, { triggerOnPush: true, secretTokenSha256: createHash('sha256').update('s3cret').digest('hex') });
  const jobs = [job({ secretToken: 's3cret' }, 'a'), job({ secretToken: 'other' }, 'b'), job({}, 'c')];
  assert.deepEqual([...gitlabTokenJobs(jobs, 's3cret')], ['a']);
  assert.deepEqual([...gitlabTokenJobs(jobs, '')], []);
  assert.deepEqual([...gitlabTokenJobs(jobs, 's3cre')], []);
});
