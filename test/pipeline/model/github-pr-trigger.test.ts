// githubPullRequests (pipeline/model/github-pr-trigger.ts, controller/github-pr-trigger.ts): the
// trigger's arguments as lint and properties([pipelineTriggers([...])]) give them, checked and
// kept; and what each GitHub happening builds, with the plugin's variables escaped as it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { githubPrSpec } from '../../../src/pipeline/model/github-pr-trigger.ts';
import { jobPropertiesOf } from '../../../src/pipeline/steps/job-properties.ts';
import { escapeJava, githubPrDecision, type PullRequest } from '../../../src/controller/github-pr-trigger.ts';
import { lintBytes } from '../../../src/cli/lint.ts';

const sym = (name: string, o: Record<string, unknown> = {}) => new Map<string, unknown>([['$symbol', name], ...Object.entries(o)]);

test('the spec: hook modes kept with their events; CRON (also by default), unknown and condition events, orgs are errors', () => {
  const ok = githubPrSpec({ triggerMode: 'HEAVY_HOOKS', events: [{ $symbol: 'Open' }, { $symbol: 'commentPattern', comment: 'go' }, { $symbol: 'labelsAdded', label: { $symbol: 'githubLabels', labels: 'a\nb' } }], abortRunning: true, branchRestriction: { targetBranch: 'main\nrelease' } });
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.spec, {
    mode: 'HEAVY_HOOKS', events: [{ type: 'Open' }, { type: 'comment', comment: 'go' }, { type: 'labelsAdded', labels: ['a', 'b'] }],
    abortRunning: true, cancelQueued: false, skipFirstRun: false, preStatus: false, targetBranches: ['main', 'release'], users: [],
  });
  const classes = githubPrSpec({ triggerMode: 'HEAVY_HOOKS', events: [{ $class: 'org.jenkinsci.plugins.github.pullrequest.events.impl.GitHubPROpenEvent' }, { $class: 'GitHubPRLabelAddedEvent', label: { $class: 'GitHubPRLabel', labels: 'needs ci, please\nok' } }] });
  assert.deepEqual([classes.errors, classes.spec.events], [[], [{ type: 'Open' }, { type: 'labelsAdded', labels: ['needs ci, please', 'ok'] }]]);
  assert.match(githubPrSpec({ events: [{ $symbol: 'Open' }] }).errors[0]!, /triggerMode defaults to CRON, which polls GitHub's API/);
  const bad = githubPrSpec({ triggerMode: 'LIGHT_HOOKS', events: [{ $symbol: 'labelsExist', label: 'x' }, { $symbol: 'Opened' }], userRestriction: { orgs: 'acme' } });
  assert.deepEqual(bad.errors, [
    "githubPullRequests: Kiln does not act on the labelsExist() event (its condition needs GitHub's API); the events Kiln acts on: Open, commitChanged, close, commentPattern, commented, labelsAdded, labelsRemoved",
    'githubPullRequests: Opened() is not an event (Open, commitChanged, close, commentPattern, commented, labelsAdded, labelsRemoved)',
    'githubPullRequests: userRestriction: "orgs" needs GitHub organisation membership, which Kiln does not look up; list the users instead',
  ]);
});

test('properties([pipelineTriggers([githubPullRequests(...)])]) keeps the same spec; a CRON one fails the step', () => {
  const t = sym('githubPullRequests', { triggerMode: 'HEAVY_HOOKS', events: [sym('Open'), sym('commitChanged')], cancelQueued: true });
  const { props } = jobPropertiesOf([sym('pipelineTriggers', { triggers: [t] })] as never);
  assert.equal(props.triggers[0]!.type, 'githubPullRequests');
  assert.deepEqual(JSON.parse(props.triggers[0]!.spec).events, [{ type: 'Open' }, { type: 'commitChanged' }]);
  assert.throws(() => jobPropertiesOf([sym('pipelineTriggers', { triggers: [sym('githubPullRequests', { events: [sym('Open')] })] })] as never), /triggerMode defaults to CRON/);
});

test('lint accepts the plugin\'s usual declarative form', () => {
  const src = `pipeline { agent any
  triggers { githubPullRequests(spec: '', triggerMode: 'HEAVY_HOOKS', events: [Open(), commitChanged(), close(), commented(comment: 'retest'), labelsRemoved(label: githubLabels('wip'))], abortRunning: true, preStatus: true, skipFirstRun: true, repoProviders: []) }
  stages { stage('a') { steps { echo 'x' } } } }`;
  assert.deepEqual(lintBytes('Jenkinsfile', Buffer.from(src)).diagnostics, []);
});

const pr = (o: Partial<PullRequest> = {}): PullRequest => ({
  number: 3, state: 'open', title: 't', body: '', htmlUrl: 'https://github.com/a/b/pull/3', headSha: 'a'.repeat(40), headRef: 'f', baseRef: 'main',
  headRepo: 'a/b', baseRepo: 'a/b', sourceOwner: 'a', author: 'alice', authorEmail: '', mergeable: true, labels: [], ...o,
});

test('decisions: userRestriction covers the author and the commenter; a comment on a closed request builds nothing; COND_REF follows mergeable', async () => {
  const spec = githubPrSpec({ triggerMode: 'HEAVY_HOOKS', events: [{ $symbol: 'Open' }, { $symbol: 'commentPattern', comment: 'retest (\\w+)' }], userRestriction: { users: 'alice\nbob' } }).spec;
  const opened = await githubPrDecision(spec, { kind: 'opened', sender: 'alice', senderEmail: '', pr: pr() });
  assert.ok(opened.build);
  assert.equal(opened.env.GITHUB_PR_COND_REF, 'merge');
  const stranger = await githubPrDecision(spec, { kind: 'opened', sender: 'eve', senderEmail: '', pr: pr({ author: 'eve' }) });
  assert.deepEqual(stranger, { build: false, reason: "its githubPullRequests trigger's userRestriction does not list the pull request's author 'eve'" });
  const byEve = await githubPrDecision(spec, { kind: 'comment', comment: 'retest now', commenter: 'eve', sender: 'eve', senderEmail: '', pr: pr() });
  assert.equal(byEve.build, false);
  const byBob = await githubPrDecision(spec, { kind: 'comment', comment: 'retest now', commenter: 'bob', sender: 'bob', senderEmail: '', pr: pr() });
  assert.ok(byBob.build);
  assert.equal(byBob.env.GITHUB_PR_COMMENT_BODY_MATCH, 'now');
  const closed = await githubPrDecision(spec, { kind: 'comment', comment: 'retest now', commenter: 'bob', sender: 'bob', senderEmail: '', pr: pr({ state: 'closed' }) });
  assert.equal(closed.build, false);
});

test("escapeJava as commons-lang's: quotes, backslashes, controls and non-ASCII", () => {
  assert.equal(escapeJava('a "b" \\ \n\t\u001b é'), 'a \\"b\\" \\\\ \\n\\t\\u001B \\u00E9');
});
