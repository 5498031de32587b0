// The Bitbucket Build Status Notifier plugin's `bitbucketStatusNotify`, declared as data; what it
// does is runtime.ts, loaded the first time a build notifies. The OAuth consumer (global
// credentials) and Bitbucket's URLs are the host's settings (core/http-services.ts `bitbucket`;
// the controller's PUT /api/v1/settings/http-services, `kiln run`'s KILN_BITBUCKET_* variables);
// see docs/notifications.md.
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });

export const bitbucketPlugin: PipelinePlugin = {
  name: 'bitbucket',
  doc: "Bitbucket Build Status Notifier: bitbucketStatusNotify sets a commit's build status on Bitbucket Cloud",
  steps: [
    {
      name: 'bitbucketStatusNotify',
      jenkinsPlugin: 'Bitbucket Build Status Notifier',
      jenkinsClass: 'org.jenkinsci.plugins.bitbucket.BitbucketBuildStatusNotifierStep',
      differs: "Kiln prints Bitbucket's refusal (Jenkins prints \"done\" whatever the answer); the repository is GIT_URL's and the commit GIT_COMMIT of the checkout; the default description is empty (Jenkins counts the tests passed); the credential's key and secret go only to the host's configured Bitbucket URLs",
      doc: "Set the commit's status: bitbucketStatusNotify(buildState: 'INPROGRESS'), later bitbucketStatusNotify(buildState: 'SUCCESSFUL').",
      params: [
        { name: 'buildState', type: 'string', required: true, doc: "'INPROGRESS', 'SUCCESSFUL', 'FAILED' or 'STOPPED'" },
        s('buildKey', "the status' key (default: MD5 of 'JOB#N')"),
        s('buildName', "the status' name (default 'JOB #N')"),
        s('buildDescription', "the status' description"),
        s('repoSlug', "the repository (with commitId; default: GIT_URL's); its owner is GIT_URL's"),
        s('commitId', 'the commit (with repoSlug; default GIT_COMMIT)'),
        s('credentialsId', "a username/password credential: the OAuth consumer's key and secret (default: the host's)"),
      ],
      positional: 'buildState',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
