// triggers { }: what starts the pipeline besides a person.
//   cron('H 2 * * 1-5')   pollSCM('H/15 * * * *')   githubPush()
//   upstream(upstreamProjects: 'lib-a,lib-b', threshold: hudson.model.Result.SUCCESS)
//   parameterizedCron('H 2 * * * %GREETING=Hola')
//   gitlab(triggerOnPush: true, triggerOnMergeRequest: true, branchFilterType: 'All', secretToken: '...')
//     (its literal arguments kept as JSON text in the spec: controller/gitlab-trigger.ts reads them)
//   githubPullRequests(triggerMode: 'HEAVY_HOOKS', events: [Open(), commitChanged()], abortRunning: true)
//     (checked and kept as JSON text by github-pr-trigger.ts; controller/github-pr-trigger.ts reads it)
//   GenericTrigger(genericVariables: [[key: 'REF', value: '$.ref']], token: '...', regexpFilterText: '$REF', ...)
//     (its options checked by model/generic-trigger.ts and kept as JSON text, the token as its SHA-256:
//     controller/generic-trigger.ts reads them)
// A cron / pollSCM spec may be an expression (cron(isMain ? '@daily' : '')): kept as specExpr,
// evaluated and checked by the engine when the build starts; '' (written or evaluated) is no schedule.
import { createHash } from 'node:crypto';
import type { Expr, StringLit } from '../syntax/ast.ts';
import { type TriggerDef } from './types.ts';
import { BUILD_RESULTS } from '../../core/build.ts';
import { Ctx, argStr, bindArgs, blockOf, fmtList, posInString, typedEntries, withSuggestion, type ArgSpec, type Section } from './context.ts';
import { checkCron } from './cron.ts';
import { patternError } from '../script/regex-translate.ts';
import { GHPR_PARAMS, exprToJson, githubPrSpec } from './github-pr-trigger.ts';
import { GENERIC_TRIGGER_FLAGS, GENERIC_TRIGGER_LISTS, GENERIC_TRIGGER_STRINGS, genericSpecText, genericTriggerOptions } from './generic-trigger.ts';

type TriggerType = TriggerDef['type'];

/** The gitlab trigger's parameters (GitLabPushTrigger's setters), also its pipelineTriggers symbol's (src/plugins/checks). */
export const GITLAB_FLAGS = [
  'triggerOnPush', 'triggerToBranchDeleteRequest', 'triggerOnMergeRequest', 'triggerOnlyIfNewCommitsPushed', 'triggerOnAcceptedMergeRequest',
  'triggerOnClosedMergeRequest', 'triggerOnNoteRequest', 'triggerOnPipelineEvent', 'triggerOnApprovedMergeRequest', 'ciSkip', 'setBuildDescription',
  'addNoteOnMergeRequest', 'addCiMessage', 'addVoteOnMergeRequest', 'acceptMergeRequestOnSuccess', 'cancelPendingBuildsOnUpdate',
  'skipWorkInProgressMergeRequest',
];
/** The gitlab trigger's parameters Kiln accepts and does not act on (a lint warning; Jenkins runs such a pipeline too). */
export const GITLAB_UNHONOURED = [
  'triggerToBranchDeleteRequest', 'triggerOnPipelineEvent', 'triggerOpenMergeRequestOnPush', 'labelsThatForcesBuildIfAdded',
  'mergeRequestLabelFilterConfig', 'cancelPendingBuildsOnUpdate', 'setBuildDescription', 'addNoteOnMergeRequest', 'addCiMessage', 'addVoteOnMergeRequest',
  'acceptMergeRequestOnSuccess', 'pendingBuildName',
];
export const GITLAB_FILTERS = ['All', 'NameBasedFilter', 'RegexBasedFilter'];
/** TriggerOpenMergeRequest's values. */
export const GITLAB_OPEN_MR_ON_PUSH = ['never', 'source', 'both'];
export const GITLAB_STRINGS = [
  'triggerOpenMergeRequestOnPush', 'noteRegex', 'branchFilterType', 'branchFilterName', 'includeBranchesSpec', 'excludeBranchesSpec', 'sourceBranchRegex',
  'targetBranchRegex', 'secretToken', 'pendingBuildName', 'labelsThatForcesBuildIfAdded',
];
/** Parameters of other types (a MergeRequestLabelFilterConfig map). */
export const GITLAB_OTHERS = ['mergeRequestLabelFilterConfig'];

const TRIGGERS: Record<TriggerType, ArgSpec> = {
  cron: { what: 'cron', positional: 'spec', params: [{ name: 'spec', type: 'string', required: true, literal: false }] },
  pollSCM: { what: 'pollSCM', positional: 'scmpoll_spec', params: [{ name: 'scmpoll_spec', type: 'string', required: true, literal: false }, { name: 'ignorePostCommitHooks', type: 'boolean' }] },
  upstream: {
    what: 'upstream',
    params: [{ name: 'upstreamProjects', type: 'string', required: true }, { name: 'threshold', type: 'any', literal: false }],
  },
  githubPush: { what: 'githubPush', params: [] },
  gitlab: {
    what: 'gitlab',
    params: [
      ...GITLAB_FLAGS.map((name) => ({ name, type: 'boolean' as const })),
      ...GITLAB_STRINGS.map((name) => (name === 'triggerOpenMergeRequestOnPush' ? { name, type: 'string' as const, values: GITLAB_OPEN_MR_ON_PUSH } : { name, type: 'string' as const })),
      ...GITLAB_OTHERS.map((name) => ({ name, type: 'any' as const })),
    ],
  },
  githubPullRequests: { what: 'githubPullRequests', params: GHPR_PARAMS.map((name) => ({ name, type: 'any' as const, literal: false })) },
  parameterizedCron: { what: 'parameterizedCron', positional: 'parameterizedSpecification', params: [{ name: 'parameterizedSpecification', type: 'string', required: true }] },
  GenericTrigger: {
    what: 'GenericTrigger',
    params: [
      ...GENERIC_TRIGGER_LISTS.map((name) => ({ name, type: 'list' as const })),
      ...GENERIC_TRIGGER_STRINGS.map((name) => ({ name, type: 'string' as const })),
      ...GENERIC_TRIGGER_FLAGS.map((name) => ({ name, type: 'boolean' as const })),
    ],
  },
};

export const TRIGGER_TYPES = Object.keys(TRIGGERS).sort() as TriggerType[];

export function parseTriggers(ctx: Ctx, sec: Section): TriggerDef[] {
  const out: TriggerDef[] = [];
  const body = blockOf(ctx, sec, 'triggers');
  const entries = typedEntries(ctx, body, {
    kind: 'trigger', valid: TRIGGER_TYPES, expected: 'Expected a trigger', duplicate: (name) => `Duplicate trigger name: "${name}"`,
  });
  for (const s of entries) {
    const type = s.name as TriggerType;
    const b = bindArgs(ctx, s, TRIGGERS[type]);
    let specText = '';
    let threshold: string | null = null;
    let specExpr: Expr | null = null;
    if (type === 'cron' || type === 'pollSCM' || type === 'parameterizedCron') {
      const key = type === 'cron' ? 'spec' : type === 'pollSCM' ? 'scmpoll_spec' : 'parameterizedSpecification';
      const arg = b.get(key);
      specText = argStr(b, key) ?? '';
      // An empty spec (cron('')) is no schedule, as Jenkins accepts it; the controller schedules nothing for it.
      if (arg && arg.expr.type === 'String') {
        if (arg.expr.value.trim() !== '') cronProblems(ctx, arg.expr, type === 'parameterizedCron');
      }
      // A spec written as an expression is evaluated (and checked) when the build starts.
      else if (arg && arg.value === undefined) specExpr = arg.expr;
    } else if (type === 'upstream') {
      specText = argStr(b, 'upstreamProjects') ?? '';
      if (specText !== '' && specText.split(',').every((p) => p.trim() === '')) {
        ctx.error('triggers', 'upstream: "upstreamProjects" names no job', b.get('upstreamProjects')!.expr.loc);
      }
      const t = b.get('threshold');
      threshold = t ? resultName(ctx, t.expr) : 'SUCCESS';
    } else if (type === 'gitlab') {
      specText = gitlabSpec(ctx, b);
    } else if (type === 'githubPullRequests') {
      specText = githubPrSpecText(ctx, b, s.loc);
    } else if (type === 'GenericTrigger') {
      const o = genericTriggerOptions((k) => b.get(k)?.value);
      if ('problem' in o) ctx.error('triggers', `GenericTrigger: ${o.problem}`, (b.get(o.key) ?? { expr: { loc: s.loc } }).expr.loc);
      else specText = genericSpecText(o);
    }
    out.push({ type, spec: specText, specExpr, threshold, loc: s.loc });
  }
  if (sec.call.closure && body.length === 0) ctx.error('empty-triggers', 'triggers can not be empty', sec.nameLoc);
  return out;
}

/**
 * gitlab(...): its literal arguments as JSON text, the trigger's spec, which the controller's
 * GitLab webhook reads (controller/gitlab-trigger.ts); branchFilterType and the regexes checked here.
 */
function gitlabSpec(ctx: Ctx, b: ReturnType<typeof bindArgs>): string {
  const o: Record<string, string | boolean> = {};
  for (const [k, a] of b) if (typeof a.value === 'string' || typeof a.value === 'boolean') o[k] = a.value;
  for (const k of GITLAB_UNHONOURED) {
    // false, '' and 'never' ask for nothing Kiln leaves undone.
    const v = b.get(k)?.value;
    if (b.has(k) && v !== false && v !== '' && v !== 'never') ctx.warn('triggers', `gitlab: Kiln does not act on "${k}"; the trigger works without it (docs/notifications.md, GitLab)`, b.get(k)!.expr.loc);
  }
  const type = o['branchFilterType'] ?? o['branchFilterName'];
  if (type !== undefined && !GITLAB_FILTERS.includes(String(type))) {
    ctx.error('triggers', withSuggestion(`gitlab: "branchFilterType" must be one of ${fmtList(GITLAB_FILTERS)}, got "${String(type)}"`, String(type), GITLAB_FILTERS), (b.get('branchFilterType') ?? b.get('branchFilterName'))!.expr.loc);
  }
  for (const k of ['sourceBranchRegex', 'targetBranchRegex', 'noteRegex']) {
    const v = o[k];
    if (typeof v !== 'string' || v === '') continue;
    const why = patternError(v);
    if (why !== null) ctx.error('triggers', `gitlab: "${k}" is not a regular expression: ${why}`, b.get(k)!.expr.loc);

  }
  return gitlabSpecText(o);
}

/**
 * The JSON text a job keeps for its gitlab trigger: the literal arguments, with the secretToken
 * replaced by its SHA-256 (secretTokenSha256), so the token is in no store row or API answer
 * (the controller compares a hook's token's hash with it: controller/gitlab-trigger.ts).
 */
export function gitlabSpecText(o: Record<string, string | boolean>): string {
  const out = { ...o };
  if (typeof out['secretToken'] === 'string') {
    if (out['secretToken'] !== '') out['secretTokenSha256'] = createHash('sha256').update(out['secretToken'], 'utf8').digest('hex');
    delete out['secretToken'];
  }
  return JSON.stringify(out);
}

/** githubPullRequests(...): its literal arguments checked (github-pr-trigger.ts), kept as JSON text. */
function githubPrSpecText(ctx: Ctx, b: ReturnType<typeof bindArgs>, loc: TriggerDef['loc']): string {
  const o: Record<string, unknown> = {};
  for (const [k, a] of b) {
    const v = exprToJson(a.expr);
    if (v === undefined) ctx.error('triggers', `githubPullRequests: "${k}" must be written as literals (strings, lists, event symbols)`, a.expr.loc);
    else o[k] = v;
  }
  const { spec, errors, at } = githubPrSpec(o);
  errors.forEach((e, i) => {
    const param = at[i];
    ctx.error('triggers', e, (param ? b.get(param)?.expr.loc : undefined) ?? loc);
  });
  return JSON.stringify(spec);
}

function cronProblems(ctx: Ctx, lit: StringLit, parameterized: boolean): void {
  let text = lit.value;
  // parameterizedCron lines are `CRON %NAME=value;NAME2=value2`: check the cron part only.
  if (parameterized) text = text.split('\n').map((l) => (l.includes('%') ? l.slice(0, l.indexOf('%')).padEnd(l.length) : l)).join('\n');
  for (const p of checkCron(text)) ctx.error('cron', p.message, posInString(ctx, lit, p.index));
}

/** `hudson.model.Result.SUCCESS`, `Result.UNSTABLE` or 'FAILURE' → the result's name. */
function resultName(ctx: Ctx, e: Expr): string | null {
  let name: string | null = null;
  if (e.type === 'String') name = e.value;
  else if (e.type === 'Property') {
    const path: string[] = [e.name];
    let o: Expr = e.object;
    while (o.type === 'Property') { path.unshift(o.name); o = o.object; }
    if (o.type === 'Ident') path.unshift(o.name);
    const owner = path.slice(0, -1).join('.');
    if (owner === 'hudson.model.Result' || owner === 'Result') name = e.name;
  }
  if (name !== null && (BUILD_RESULTS as readonly string[]).includes(name)) return name;
  const msg = `upstream: "threshold" must be one of ${fmtList(BUILD_RESULTS.map((r) => `hudson.model.Result.${r}`))}`;
  ctx.error('triggers', name ? withSuggestion(msg, name, BUILD_RESULTS).replace(/"(\w+)"\?$/, '"hudson.model.Result.$1"?') : msg, e.loc);
  return null;
}
