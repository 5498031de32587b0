// The gitlab trigger's decisions (src/controller/gitlab-trigger.ts) as the GitLab plugin's
// branch filters and merge request handler make them: Ant patterns on the target branch, whole-name
// regexes, which merge request actions build with which parameters, and the secretToken kept as
// its hash. The webhook end to end is webhooks-gitlab.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Job } from '../../src/store/types.ts';
import { antPattern, branchAllowed, gitlabDecision, gitlabTokenJobs, gitlabTriggerOf, type GitLabEvent } from '../../src/controller/gitlab-trigger.ts';
import { gitlabSpecText } from '../../src/pipeline/model/triggers.ts';

const job = (params: Record<string, string | boolean>, id = 'j1'): Job => ({ id, name: id, triggers: [{ type: 'gitlab', spec: gitlabSpecText(params), threshold: null }] } as unknown as Job);
const trigger = (params: Record<string, string | boolean> = {}) => gitlabTriggerOf(job(params))!;
const mr = (o: Partial<GitLabEvent> = {}): GitLabEvent => ({
  kind: 'merge', source: 'feature/a', target: 'main', commit: 'a'.repeat(40), lastMessage: 'change', action: 'open', state: 'opened', draft: false,
  newCommits: false, description: '', fork: false, env: { gitlabMergeRequestIid: '3' }, who: 'jane', ...o,
});

test('Ant patterns: * within a segment, ** across them, ? one character; the rest literal', () => {
  const cases: [string, string, boolean][] = [
    ['feature/*', 'feature/a', true], ['feature/*', 'feature/a/b', false], ['feature/**', 'feature/a/b', true], ['feature/**', 'feature', true],
    ['**/hotfix', 'x/y/hotfix', true], ['rel-?', 'rel-1', true], ['rel-?', 'rel-10', false], ['v1.0', 'v1x0', false], ['a+b', 'a+b', true],
  ];
  for (const [p, s, want] of cases) assert.equal(antPattern(p).test(s), want, `${p} ~ ${s}`);
});

test('branch filters: NameBasedFilter on the target branch (exclusions first), RegexBasedFilter on whole names, All lets everything through', () => {
  const named = trigger({ branchFilterType: 'NameBasedFilter', includeBranchesSpec: 'main, release/*', excludeBranchesSpec: 'release/old' });
  assert.equal(branchAllowed(named, 'feature/x', 'main'), true);
  assert.equal(branchAllowed(named, 'main', 'feature/x'), false);
  assert.equal(branchAllowed(named, 'x', 'release/2'), true);
  assert.equal(branchAllowed(named, 'x', 'release/old'), false);
  const regex = trigger({ branchFilterType: 'RegexBasedFilter', sourceBranchRegex: 'feature/.*', targetBranchRegex: 'main' });
  assert.equal(branchAllowed(regex, 'feature/x', 'main'), true);
  assert.equal(branchAllowed(regex, 'feature/x', 'main2'), false, 'a whole-name match');
  assert.equal(branchAllowed(regex, 'fix/x', 'main'), false);
  assert.equal(branchAllowed(trigger({ branchFilterName: 'RegexBasedFilter', targetBranchRegex: 'dev' }), 'a', 'main'), false, 'the older branchFilterName');
  assert.equal(branchAllowed(trigger(), 'anything', 'else'), true);
});

test('merge requests: which actions build, with the plugin\'s defaults and when asked', () => {
  const d = trigger();
  assert.equal(gitlabDecision(d, mr()).build, true);
  assert.equal(gitlabDecision(d, mr({ action: 'reopen' })).build, true);
  assert.deepEqual(gitlabDecision(d, mr({ action: 'update' })), { build: false, reason: "its gitlab trigger does not build a merge request's 'update' without new commits" });
  assert.equal(gitlabDecision(d, mr({ action: 'update', newCommits: true })).build, true);
  for (const action of ['merge', 'close', 'approved']) assert.equal(gitlabDecision(d, mr({ action, state: action === 'merge' ? 'merged' : action === 'close' ? 'closed' : 'opened' })).build, false, action);
  const all = trigger({ triggerOnAcceptedMergeRequest: true, triggerOnClosedMergeRequest: true, triggerOnApprovedMergeRequest: true });
  for (const action of ['merge', 'close', 'approved']) assert.equal(gitlabDecision(all, mr({ action, state: action === 'merge' ? 'merged' : action === 'close' ? 'closed' : 'opened' })).build, true, action);
  assert.equal(gitlabDecision(trigger({ triggerOnMergeRequest: false }), mr()).build, false);
  assert.equal(gitlabDecision(d, mr({ draft: true })).build, true, 'drafts build unless skipWorkInProgressMergeRequest');
  assert.equal(gitlabDecision(trigger({ skipWorkInProgressMergeRequest: true }), mr({ draft: true })).build, false);
  assert.equal(gitlabDecision(d, mr({ description: 'please [ci-skip]' })).build, false);
  assert.equal(gitlabDecision(trigger({ ciSkip: false }), mr({ description: 'please [ci-skip]' })).build, true);
  assert.match((gitlabDecision(d, mr({ fork: true })) as { reason: string }).reason, /fork/);
  const ok = gitlabDecision(d, mr());
  assert.ok(ok.build && ok.branch === 'feature/a' && ok.description === 'Triggered by GitLab Merge Request #3: feature/a => main');
});

test('the secretToken is kept as its SHA-256 only, and a hook token matches the jobs whose token it is', () => {
  const spec = JSON.parse(gitlabSpecText({ triggerOnPush: true, secretToken: 's3cret' }));
  assert.deepEqual(spec, { triggerOnPush: true, secretTokenSha256: createHash('sha256').update('s3cret').digest('hex') });
  const jobs = [job({ secretToken: 's3cret' }, 'a'), job({ secretToken: 'other' }, 'b'), job({}, 'c')];
  assert.deepEqual([...gitlabTokenJobs(jobs, 's3cret')], ['a']);
  assert.deepEqual([...gitlabTokenJobs(jobs, '')], []);
  assert.deepEqual([...gitlabTokenJobs(jobs, 's3cre')], []);
});
