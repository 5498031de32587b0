// The HTTP Request plugin's `httpRequest` step, declared as data; what it does is runtime.ts,
// loaded the first time a build calls it. See docs/notifications.md (where the request is made
// from, and the controller's guard against builds reaching its private network).
import type { StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { HTTP_MODES, MIME_TYPES } from './decl.ts';

const s = (name: string, doc: string, values?: readonly string[]): StepParam => ({ name, type: 'string', doc, ...(values ? { values } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });


export const httpRequestPlugin: PipelinePlugin = {
  name: 'http-request',
  doc: "HTTP Request: the httpRequest step, made from the Kiln process (the controller refuses its private network unless allowed)",
  steps: [
    {
      name: 'httpRequest',
      jenkinsPlugin: 'HTTP Request',
      differs: 'made from the Kiln process; on a controller, loopback/private/link-local addresses are refused unless an administrator allows the host; redirects are not followed; no multipart upload or proxy',
      doc: "Make an HTTP request and return the response (status, content, headers): def r = httpRequest url: 'https://x', httpMode: 'POST', contentType: 'APPLICATION_JSON', requestBody: '{}'.",
      params: [
        { name: 'url', type: 'string', required: true, doc: 'the URL (http or https)' },
        s('httpMode', 'the method (default GET)', HTTP_MODES),
        s('contentType', 'the Content-Type of the body (default NOT_SET)', Object.keys(MIME_TYPES)),
        s('acceptType', 'the Accept header (default NOT_SET)', Object.keys(MIME_TYPES)),
        s('requestBody', 'the body to send'),
        { name: 'customHeaders', type: 'list', doc: "more headers: [[name: 'X-A', value: 'b', maskValue: true]]" },
        s('authentication', 'a username/password credential id: sent as Basic authentication to this URL only'),
        s('validResponseCodes', "the status codes that pass: '100:399' (default), '200,201', '200:299,404'"),
        s('validResponseContent', 'text the response must contain'),
        b('consoleLogResponseBody', 'print the response body'),
        s('outputFile', 'write the response body to this workspace file'),
        { name: 'timeout', type: 'integer', doc: 'seconds for the whole request (default 0: no limit but the build\'s)' },
        b('ignoreSslErrors', 'accept any TLS certificate'),
        b('quiet', 'print nothing but failures'),
        s('responseHandle', "'STRING' (default): the content is read; 'NONE': content is null; 'LEAVE_OPEN' is read as STRING", ['NONE', 'STRING', 'LEAVE_OPEN']),
        b('useSystemProperties', 'accepted, without effect (Kiln uses no Java proxy properties)'),
        b('wrapAsMultipart', 'refused when true with uploadFile (Kiln sends no multipart uploads)'),
        s('uploadFile', 'refused: Kiln does not upload multipart files'),
        s('httpProxy', 'refused: Kiln makes the request directly'),
        s('proxyAuthentication', 'refused: see httpProxy'),
      ],
      positional: 'url',
      block: 'none',
      needsNode: false,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
