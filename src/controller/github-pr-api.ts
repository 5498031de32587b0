// The controller's one call to GitHub's REST API for the githubPullRequests trigger
// (github-pr-trigger.ts): an issue_comment delivery names only the pull request's number, so its
// head commit and branches are read with GET {apiUrl}/repos/{owner}/{repo}/pulls/{n}, with the
// host's GitHub settings (apiUrl, the token credential; Manage › HTTP services), as the plugin
// reads the pull request with its GitHub connection. Answers the JSON, or a string saying why not.
import type { HttpServicesService } from './http-services.ts';
import type { CredentialService } from './credentials.ts';
import { httpCall, jsonOf } from '../util/http-client.ts';

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
