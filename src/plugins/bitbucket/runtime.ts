// What `bitbucketStatusNotify` does (declared in index.ts), as the Bitbucket Build Status
// Notifier plugin's BitbucketBuildStatusNotifierStep, BitbucketBuildStatusHelper and
// BitbucketApiService do it:
//   the repository: the owner and slug of the checkout's GIT_URL, which must be on bitbucket.org
//   (https://bitbucket.org/acme/shop.git, git@bitbucket.org:acme/shop.git); repoSlug and
//   commitId (both) replace the slug and commit; the commit: GIT_COMMIT.
//   The OAuth consumer (username/password: key and secret; the step's credentialsId, else the
//   host's) gets a token: POST <oauthUrl> grant_type=client_credentials with Basic key:secret,
//   Bitbucket answers {"access_token": ...}. Then POST <apiUrl>repositories/{owner}/{slug}/
//   commit/{sha}/statuses/build, Bearer token, {state, key, url, name, description} (key default
//   MD5 of "JOB#N", name "JOB #N", url BUILD_URL; name and description left out when empty).
//   "Sending build status SUCCESSFUL for commit abc to BitBucket is done!"
// Failures: no credentials ("Credentials could not be found!"), no token, no repository (the
// plugin: "Bitbucket build notifier only works with SCM") fail the step as in Jenkins;
// Bitbucket's refusal of the status is printed ("Bitbucket refused the build status: HTTP 400:
// ...") and the build goes on (the plugin ignores the answer).
//
// Security: the consumer's key and secret, and the token, go only to the URLs an administrator
// configured (no step parameter names a URL); the token is masked if an answer echoed it.
import { createHash } from 'node:crypto';
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { Value } from '../../pipeline/script/values.ts';
import { WebhookFailure, postWebhook, shortBody } from '../../util/webhook-post.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v).trim());

/** Owner and slug of a bitbucket.org clone URL; null for another host or no path. */
export function bitbucketRepo(gitUrl: string): { owner: string; slug: string } | null {
  let host = '';
  let path = '';
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(gitUrl);
  if (/^[a-z+]+:\/\//i.test(gitUrl)) {
    try {
      const u = new URL(gitUrl);
      host = u.hostname;
      path = decodeURIComponent(u.pathname);
    } catch {
      return null;
    }
  } else if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else return null;
  if (host.toLowerCase() !== 'bitbucket.org') return null;
  const parts = path.replace(/\/+$/, '').replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2) return null;
  const ok = (x: string) => /^[A-Za-z0-9._~-]+$/.test(x);
  const owner = parts.at(-2)!;
  const slug = parts.at(-1)!;
  return ok(owner) && ok(slug) ? { owner, slug } : null;
}

const bitbucketStatusNotify: StepRun = async (ctx, args) => {
  const v = args.values;
  const settings = ctx.build.services.httpServices ? await ctx.build.services.httpServices.settings() : null;
  const host = settings?.bitbucket ?? null;
  const state = str(v.buildState);
  const job = ctx.build.jobName;
  const key = str(v.buildKey) || createHash('md5').update(`${job}#${ctx.build.number}`).digest('hex');
  const name = str(v.buildName) || `${job} #${ctx.build.number}`;
  const description = str(v.buildDescription);

  const gitUrl = ctx.env.GIT_URL ?? '';
  if (!gitUrl) throw new StepFailure('Bitbucket build notifier only works with SCM: GIT_URL is not set (check out the Bitbucket repository first)');
  const repo = bitbucketRepo(gitUrl);
  if (!repo) {
    ctx.log(`Bitbucket build notifier: the repository '${gitUrl.replace(/\/\/[^@/]*@/, '//')}' is not on bitbucket.org: no status is sent`);
    return null;
  }
  let slug = repo.slug;
  let commit = ctx.env.GIT_COMMIT ?? '';
  if (str(v.repoSlug) && str(v.commitId)) {
    slug = str(v.repoSlug);
    commit = str(v.commitId);
  }
  if (!/^[A-Za-z0-9._~-]+$/.test(slug)) throw new StepFailure(`bitbucketStatusNotify: repoSlug '${slug}' is not a repository slug`);
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) throw new StepFailure(commit ? `bitbucketStatusNotify: '${commit}' is not a commit id` : 'Commit ID could not be found! (GIT_COMMIT is not set: check out first, or give repoSlug and commitId)');

  const credentialsId = str(v.credentialsId) || host?.credentialsId || '';
  if (!credentialsId) throw new StepFailure(`Credentials could not be found! (give credentialsId, or have an administrator configure Bitbucket: ${ctx.build.services.httpServices?.configureHint ?? 'this host has no HTTP service settings'})`);
  const c = await ctx.build.services.credential(credentialsId);
  if (c.type !== 'usernamePassword' || !c.username || !c.password) throw new StepFailure(`Credentials could not be found! ('${credentialsId}' is a ${c.type}: Bitbucket needs a username/password credential holding the OAuth consumer's key and secret)`);
  const apiUrl = (host?.apiUrl || 'https://api.bitbucket.org/2.0/').replace(/\/?$/, '/');
  const oauthUrl = host?.oauthUrl || 'https://bitbucket.org/site/oauth2/access_token';

  let token: string;
  try {
    const a = await postWebhook({
      url: oauthUrl, body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(), contentType: 'application/x-www-form-urlencoded', signal: ctx.signal,
      headers: { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`, Accept: 'application/json' },
    });
    const j = a.json as { access_token?: string; error?: string; error_description?: string } | null;
    if (a.status !== 200 || typeof j?.access_token !== 'string' || !j.access_token) {
      throw new StepFailure(`bitbucketStatusNotify: Bitbucket gave no access token for the OAuth consumer '${credentialsId}': HTTP ${a.status}${j?.error ? `: ${j.error}${j.error_description ? ` (${j.error_description})` : ''}` : ''}`);
    }
    token = j.access_token;
  } catch (e) {
    if (e instanceof WebhookFailure) throw new StepFailure(`bitbucketStatusNotify: Bitbucket's OAuth endpoint: ${e.message.replace(/the webhook/g, 'it')}`);
    throw e;
  }
  const status: Record<string, string> = { state, key, url: ctx.env.BUILD_URL ?? '' };
  if (!status.url) delete status.url;
  if (name) status.name = name;
  if (description) status.description = description;
  const target = `${apiUrl}repositories/${encodeURIComponent(repo.owner)}/${encodeURIComponent(slug)}/commit/${commit}/statuses/build`;
  try {
    const a = await postWebhook({ url: target, body: JSON.stringify(status), contentType: 'application/json', signal: ctx.signal, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    if (a.status < 200 || a.status > 299) {
      const j = a.json as { error?: { message?: string; fields?: Record<string, unknown> } } | null;
      const why = j?.error?.message ? `${j.error.message}${j.error.fields ? ` ${JSON.stringify(j.error.fields)}` : ''}` : shortBody(a.text);
      ctx.log(`Bitbucket refused the build status ${state} for commit ${commit}: HTTP ${a.status}: ${(why || 'no message').split(token).join('****')}`);
      return null;
    }
  } catch (e) {
    if (!(e instanceof WebhookFailure)) throw e;
    ctx.log(`Bitbucket: the build status was not sent: ${e.message.replace(/the webhook/g, 'the API')}`);
    return null;
  }
  ctx.log(`Sending build status ${state} for commit ${commit} to BitBucket is done!`);
  return null;
};

const runtime: PluginRuntime = { steps: { bitbucketStatusNotify } };
export default runtime;
