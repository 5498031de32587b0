// The controller's calls to GitHub's REST API for the githubPullRequests trigger
// (github-pr-trigger.ts), with the host's GitHub settings (apiUrl, the token credential; Manage ›
// HTTP services), as the plugin calls it with its GitHub connection:
//   githubPullOf    an issue_comment delivery names only the pull request's number, so its head
//                   commit and branches are read with GET {apiUrl}/repos/{owner}/{repo}/pulls/{n}
//                   (the JSON, or a string saying why not)
//   githubStatusOf  preStatus: POST {apiUrl}/repos/{owner}/{repo}/statuses/{sha} (null, or why not)
import type { HttpServicesService } from './http-services.ts';
import type { CredentialService } from './credentials.ts';
import { httpCall, jsonOf } from '../util/http-client.ts';

type Services = Pick<HttpServicesService, 'get'>;
type Credentials = Pick<CredentialService, 'resolveForServiceToken'>;

/** The API URL and token, or why there are none. */
async function hostOf(services: Services, credentials: Credentials): Promise<{ api: string; token: string } | string> {
  const gh = (await services.get()).github;
  if (!gh) return 'GitHub is not configured on this controller (Manage › HTTP services: the API URL and a token credential)';
  try {
    return { api: gh.apiUrl.replace(/\/+$/, ''), token: await credentials.resolveForServiceToken(gh.credentialsId, 'the GitHub pull request trigger') };
  } catch (e) {
    return (e as Error).message;
  }
}

export async function githubStatusOf(services: Services, credentials: Credentials, fullName: string, sha: string, body: Record<string, string | undefined>): Promise<string | null> {
  const host = await hostOf(services, credentials);
  if (typeof host === 'string') return host;
  const [owner, repo] = fullName.split('/');
  if (!owner || !repo || !/^[0-9a-f]{40,64}$/.test(sha)) return `not a repository and commit: ${fullName} ${sha}`;
  try {
    const a = await httpCall({ method: 'POST', url: `${host.api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/statuses/${sha}`, headers: { Accept: 'application/vnd.github+json', 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}`, 'User-Agent': 'Kiln' }, body: JSON.stringify(body), timeoutMs: 30_000, maxBytes: 1024 * 1024 });
    if (a.status >= 200 && a.status <= 299) return null;
    const m = (jsonOf(a) as { message?: string } | null)?.message;
    return `GitHub answered HTTP ${a.status}${m ? `: ${m}` : ''}`;
  } catch (e) {
    return (e as Error).message;
  }
}

export async function githubPullOf(services: Pick<HttpServicesService, 'get'>, credentials: Pick<CredentialService, 'resolveForServiceToken'>, fullName: string, n: number): Promise<unknown> {
  const gh = (await services.get()).github;
  if (!gh) return 'GitHub is not configured on this controller (Manage › HTTP services: the API URL and a token credential)';
  let token: string;
  try {
    token = await credentials.resolveForServiceToken(gh.credentialsId, 'the GitHub pull request trigger');
  } catch (e) {
    return (e as Error).message;
  }
  const [owner, repo] = fullName.split('/');
  const url = `${gh.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner!)}/${encodeURIComponent(repo!)}/pulls/${n}`;
  try {
    const a = await httpCall({ method: 'GET', url, headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${token}`, 'User-Agent': 'Kiln' }, timeoutMs: 30_000, maxBytes: 5 * 1024 * 1024 });
    const json = jsonOf(a);
    if (a.status !== 200) return `GitHub answered HTTP ${a.status}${(json as { message?: string } | null)?.message ? `: ${(json as { message: string }).message}` : ''}`;
    return json;
  } catch (e) {
    return (e as Error).message;
  }
}
