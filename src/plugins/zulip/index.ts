// The Zulip plugin's `zulipSend`, declared as data; what it does is runtime.ts, loaded the first
// time a build sends. The organization URL, bot e-mail, API key credential and default
// stream/topic are the host's settings (core/http-services.ts `zulip`; the controller's
// PUT /api/v1/settings/http-services, `kiln run`'s KILN_ZULIP_* variables); see docs/notifications.md.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const zulipPlugin: PipelinePlugin = {
  name: 'zulip',
  doc: 'Zulip: zulipSend posts a stream message through the Zulip API configured on the host',
  steps: [
    {
      name: 'zulipSend',
      jenkinsPlugin: 'Zulip',
      jenkinsClass: 'jenkins.plugins.zulip.ZulipSendStep',
      differs: "Jenkins only writes a refused message to its own log; Kiln also prints Zulip's reason on the console (the build goes on in both)",
      doc: "Post to a Zulip stream: zulipSend message: 'Build ${BUILD_NUMBER} passed', stream: 'ci', topic: 'shop'.",
      params: [
        { name: 'message', type: 'string', required: true, doc: "the message (Zulip Markdown); the build's ${VARIABLES} are expanded" },
        { name: 'stream', type: 'string', doc: "the stream (default: the host's)" },
        { name: 'topic', type: 'string', doc: "the topic (default: the host's, else the job's name)" },
      ],
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
