// The GitHub Integration plugin's pull-request trigger, declaration side:
//   githubPullRequests(spec: '', triggerMode: 'HEAVY_HOOKS', events: [Open(), commitChanged(), close(),
//     commentPattern(comment: 'ci please'), labelsAdded(label: githubLabels(labels: 'ci')), labelsRemoved(...)],
//     abortRunning: true, cancelQueued: true, skipFirstRun: false, preStatus: false,
//     branchRestriction: [targetBranch: 'main'], userRestriction: [users: 'alice\nbob'], repoProviders: [...])
// in `triggers { }` (read from the AST: githubPrSpecFromExpr) and in pipelineTriggers([...]) (read
// from the evaluated symbols: the same plain JSON, githubPrSpec). The result is the JSON text a
// job keeps as its trigger's spec; controller/github-pr-trigger.ts reads it when GitHub's
// pull_request and issue_comment webhooks arrive.
//
// Kiln acts on webhooks (HEAVY_HOOKS; LIGHT_HOOKS too, a hook's payload is what Kiln builds from).
// CRON (the plugin's default: polling GitHub's API on `spec`) is refused: Kiln does not poll
// GitHub for pull requests. Events Kiln does not act on (skip conditions such as description()
// or labelsExist(skip: true) would build what the user meant to skip) are refused too; so is a
// userRestriction with orgs (Kiln does not ask GitHub for organisation membership).
// Declaration side: data and pure functions (kiln lint loads it).
import type { Expr } from '../syntax/ast.ts';

export const GHPR_MODES = ['CRON', 'HEAVY_HOOKS', 'LIGHT_HOOKS'] as const;

/** The event symbols Kiln acts on → their parameters. commented is the brief's older name of commentPattern. */
export const GHPR_EVENTS: Readonly<Record<string, readonly string[]>> = {
  Open: [], commitChanged: [], close: [], commentPattern: ['comment'], commented: ['comment'], labelsAdded: ['label'], labelsRemoved: ['label'],
};
/** The plugin's other event symbols: a clear error (they are conditions Kiln does not evaluate). */
export const GHPR_UNSUPPORTED_EVENTS = ['labelsExist', 'labelsNotExist', 'labelsMatchPattern', 'description', 'nonMergeable', 'number', 'skipNumber', 'skipUnmatchNumber', 'prApproved', 'prReview'];

export const GHPR_PARAMS = ['spec', 'triggerMode', 'events', 'abortRunning', 'cancelQueued', 'skipFirstRun', 'preStatus', 'branchRestriction', 'userRestriction', 'repoProviders'];

export interface GitHubPrEvent {
  type: 'Open' | 'commitChanged' | 'close' | 'comment' | 'labelsAdded' | 'labelsRemoved';
  /** comment: a Java regex the whole comment must match. */
  comment?: string;
  /** labels events: the set of labels. */
  labels?: string[];
}

export interface GitHubPrSpec {
  mode: 'HEAVY_HOOKS' | 'LIGHT_HOOKS';
  events: GitHubPrEvent[];
  abortRunning: boolean;
  cancelQueued: boolean;
  skipFirstRun: boolean;
  /** A pending status on the head once the build is queued. */
  preStatus: boolean;
  /** Target branches a pull request must be into (empty: any). */
  targetBranches: string[];
  /** GitHub logins that may trigger (empty: anyone). */
  users: string[];
}

/** A Groovy literal (strings, numbers, booleans, lists, maps, symbol calls) as plain JSON; a call is { $symbol, ...named args }. */
export function exprToJson(e: Expr): unknown {
  switch (e.type) {
    case 'String': return e.value;
    case 'Number': return e.value;
    case 'Boolean': return e.value;
    case 'Null': return null;
    case 'List': return e.items.map(exprToJson);
    case 'Map': {
      const o: Record<string, unknown> = {};
      for (const en of e.entries) {
        const k = en.key.type === 'String' ? en.key.value : en.key.type === 'Ident' ? en.key.name : undefined;
        if (k === undefined) return undefined;
        o[k] = exprToJson(en.value);
      }
      return o;
    }
    case 'Call': {
      if (e.callee.type !== 'Ident' || e.closure) return undefined;
      const o: Record<string, unknown> = { $symbol: e.callee.name };
      for (const a of e.namedArgs) o[a.name] = exprToJson(a.value);
      if (e.args.length === 1) o['$positional'] = exprToJson(e.args[0]!);
      else if (e.args.length > 1) return undefined;
      return o;
    }
    default: return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const lines = (v: unknown): string[] | null => {
  if (typeof v === 'string') return v.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).map((x) => x.trim()).filter(Boolean);
  return null;
};

/** A label set: githubLabels('a\nb'), githubLabels(labels: 'a'), [labels: 'a'], 'a', or ['a', 'b'] (one per line, as GitHubPRLabel: a label may hold a comma). */
function labelsOf(v: unknown): string[] | null {
  const l = isObj(v) ? v['labels'] ?? v['$positional'] : v;
  return typeof l === 'string' ? l.split('\n').map((x) => x.trim()).filter(Boolean) : lines(l);
}

/** The event classes of the [$class: '...'] form → their symbols. */
const EVENT_CLASSES: Readonly<Record<string, string>> = {
  GitHubPROpenEvent: 'Open', GitHubPRCommitEvent: 'commitChanged', GitHubPRCloseEvent: 'close', GitHubPRCommentEvent: 'commentPattern',
  GitHubPRLabelAddedEvent: 'labelsAdded', GitHubPRLabelRemovedEvent: 'labelsRemoved',
};

/**
 * The trigger's arguments (plain JSON, as exprToJson or the evaluated symbol give them) checked:
 * the spec to keep, or the problems (each a whole sentence for lint or the console).
 */
export function githubPrSpec(args: Record<string, unknown>): { spec: GitHubPrSpec; errors: string[]; at: (string | null)[] } {
  const errors: string[] = [];
  /** The parameter each error is about (null: the trigger as a whole), for lint's position. */
  const at: (string | null)[] = [];
  const err = (m: string, param: string | null = null) => { errors.push(`githubPullRequests: ${m}`); at.push(param); };
  for (const k of Object.keys(args)) if (!k.startsWith('$') && !GHPR_PARAMS.includes(k)) err(`"${k}" is not a parameter (${GHPR_PARAMS.join(', ')})`, k);
  const mode = args['triggerMode'] ?? 'CRON';
  if (typeof mode !== 'string' || !(GHPR_MODES as readonly string[]).includes(mode)) err(`"triggerMode" must be one of ${GHPR_MODES.join(', ')}, got ${JSON.stringify(mode)}`, 'triggerMode');
  else if (mode === 'CRON') err(`triggerMode ${args['triggerMode'] === undefined ? 'defaults to ' : ''}CRON, which polls GitHub's API on a schedule; Kiln does not poll GitHub for pull requests: use triggerMode: 'HEAVY_HOOKS' and a GitHub webhook (pull_request and issue_comment events) to Kiln's /api/v1/webhooks/github`, args['triggerMode'] === undefined ? null : 'triggerMode');
  const b = (k: string): boolean => {
    const v = args[k];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') { err(`"${k}" must be true or false`, k); return false; }
    return v;
  };
  const events: GitHubPrEvent[] = [];
  const ev = args['events'];
  if (ev !== undefined && !Array.isArray(ev)) err('"events" must be a list: events: [Open(), commitChanged()]', 'events');
  for (const e of Array.isArray(ev) ? ev : []) {
    const cls = isObj(e) && typeof e['$class'] === 'string' ? String(e['$class']).split('.').pop()! : null;
    const name = isObj(e) && typeof e['$symbol'] === 'string' ? e['$symbol'] : cls !== null ? EVENT_CLASSES[cls] ?? cls : null;
    if (name === null) { err(`an event must be one of ${Object.keys(GHPR_EVENTS).join('(), ')}(), got ${JSON.stringify(e)}`, 'events'); continue; }
    if (GHPR_UNSUPPORTED_EVENTS.includes(name)) { err(`Kiln does not act on the ${name}() event (its condition needs GitHub's API); the events Kiln acts on: ${Object.keys(GHPR_EVENTS).join(', ')}`, 'events'); continue; }
    const params = GHPR_EVENTS[name];
    if (!params) { err(`${name}() is not an event (${Object.keys(GHPR_EVENTS).join(', ')})`, 'events'); continue; }
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!k.startsWith('$') && !params.includes(k)) err(`${name}(): "${k}" is not a parameter${params.length ? ` (${params.join(', ')})` : ''}`, 'events');
    if (params.includes('comment')) {
      const c = o['comment'] ?? o['$positional'];
      if (typeof c !== 'string' || c === '') err(`${name}(): "comment" (the regular expression a comment must match) is required`, 'events');
      else events.push({ type: 'comment', comment: c });
    } else if (params.includes('label')) {
      const l = labelsOf(o['label'] ?? o['$positional']);
      if (!l || l.length === 0) err(`${name}(): "label" must name labels: label: githubLabels('ci')`, 'events');
      else events.push({ type: name as 'labelsAdded' | 'labelsRemoved', labels: l });
    } else events.push({ type: name as GitHubPrEvent['type'] });
  }
  if (events.length === 0 && errors.length === 0) err('no events: nothing would start a build (events: [Open(), commitChanged()])', args['events'] === undefined ? null : 'events');
  const br = args['branchRestriction'];
  const targetBranches = br === undefined || br === null ? [] : lines(isObj(br) ? br['targetBranch'] : br);
  if (targetBranches === null) err("\"branchRestriction\" must be [targetBranch: 'main\\nrelease']", 'branchRestriction');
  const ur = args['userRestriction'];
  let users: string[] = [];
  if (ur !== undefined && ur !== null) {
    if (!isObj(ur)) err("\"userRestriction\" must be [users: 'alice\\nbob']", 'userRestriction');
    else {
      const orgs = lines(ur['orgs'] ?? '');
      if (orgs && orgs.length > 0) err('userRestriction: "orgs" needs GitHub organisation membership, which Kiln does not look up; list the users instead', 'userRestriction');
      users = lines(ur['users'] ?? '') ?? [];
    }
  }
  return {
    spec: {
      mode: mode === 'LIGHT_HOOKS' ? 'LIGHT_HOOKS' : 'HEAVY_HOOKS', events, abortRunning: b('abortRunning'), cancelQueued: b('cancelQueued'), skipFirstRun: b('skipFirstRun'), preStatus: b('preStatus'),
      targetBranches: targetBranches ?? [], users,
    },
    errors,
    at,
  };
}

/** The kept spec read back (controller side); null for a spec that is not one. */
export function readGithubPrSpec(text: string): GitHubPrSpec | null {
  try {
    const v: unknown = JSON.parse(text);
    if (!isObj(v) || !Array.isArray(v['events'])) return null;
    return v as unknown as GitHubPrSpec;
  } catch {
    return null;
  }
}
