// The mail plugin: the steps of Jenkins' Email Extension plugin (`emailext`,
// `emailextrecipients` and its recipient providers `developers()`, `requestor()`, `culprits()`,
// `brokenBuildSuspects()`, `brokenTestsSuspects()`, `upstreamDevelopers()`) and of the Mailer
// plugin (`mail`, workflow-basic-steps' MailStep), declared here as data; what they do is
// runtime.ts, loaded the first time a build sends mail.
//
// The host sends (core/mail.ts MailServices: the controller's SMTP settings, `kiln run`'s
// KILN_SMTP_URL): the steps compose the message, expand email-ext's tokens and compute the
// recipients from what the host knows of the build. See docs/mail.md.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

/** email-ext's recipient providers (runtime.ts knows their Java class names for `[$class: '...']`). */
const PROVIDERS: Readonly<Record<string, string>> = {
  developers: "the authors of the commits in this build's changes",
  requestor: 'the user who started the build (or the upstream build that started it, and so on up)',
  buildUser: 'the user who started this build itself (no upstream build followed)',
  culprits: 'the authors of the commits since the last successful build',
  brokenBuildSuspects: 'the culprits of a failing build (the authors since it last passed)',
  brokenTestsSuspects: 'the culprits of a build whose tests fail (Kiln: the authors since it last passed)',
  upstreamDevelopers: 'the authors of the commits of the upstream build that started this one',
};

const providerSymbols: StepDecl[] = Object.entries(PROVIDERS).map(([name, doc]) => ({
  name, doc: `Recipient provider (email-ext): ${doc}.`, params: [], block: 'none', needsNode: false, kind: 'symbol',
}));

export const mailPlugin: PipelinePlugin = {
  name: 'mail',
  doc: "E-mail: the Email Extension plugin's emailext and the Mailer plugin's mail step, sent over the host's SMTP server",
  steps: [
    {
      name: 'Mailer',
      kind: 'class',
      jenkinsPlugin: 'Mailer',
      jenkinsClass: 'hudson.tasks.Mailer',
      doc: "E-mail when a build fails, becomes unstable or is back to normal (the Mailer plugin's publisher, only as step([$class: 'Mailer', recipients: 'a@example.com b@example.com'])).",
      differs: "the message goes through the host's SMTP settings; no In-Reply-To threading with the previous mail; the console tail is not hyperlinked to workspace files",
      params: [
        s('recipients', 'addresses separated by spaces (a name without @ gets the default suffix)'),
        b('notifyEveryUnstableBuild', 'mail every unstable build, not only the first after a success'),
        b('sendToIndividuals', "also mail the culprits (the authors of the changes since the last successful build)"),
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'emailext',
      doc: "Send an e-mail (Email Extension): emailext subject: '$DEFAULT_SUBJECT', body: '$DEFAULT_CONTENT', to: 'a@b', recipientProviders: [developers()], attachLog: true.",
      params: [
        s('subject', "the subject; email-ext's tokens ($PROJECT_NAME, ${BUILD_NUMBER}, $BUILD_STATUS, $DEFAULT_SUBJECT, any environment variable) are expanded"),
        s('body', 'the content; tokens are expanded as in the subject ($DEFAULT_CONTENT, ${BUILD_URL}, ${BUILD_LOG, maxLines=50}, ...)'),
        s('to', "recipients, separated by commas or spaces; 'cc:a@b' / 'bcc:a@b' for copies; a name without '@' gets the default e-mail suffix"),
        { name: 'recipientProviders', type: 'list', doc: 'who else receives it: [developers(), requestor(), culprits(), brokenBuildSuspects(), brokenTestsSuspects(), upstreamDevelopers()]' },
        s('from', "the From address (default: the host's default From)"),
        s('replyTo', "the Reply-To address (default: the host's default Reply-To)"),
        s('mimeType', "'text/plain' (default) or 'text/html'"),
        b('attachLog', "attach the build's console so far (build.log)"),
        b('compressLog', 'with attachLog: attach it zipped (build.zip)'),
        s('attachmentsPattern', "attach the workspace files matching these Ant globs (comma separated: 'reports/*.html, **/*.log')"),
        s('inlineAttachmentsPattern', 'like attachmentsPattern (Kiln attaches them as ordinary attachments)'),
        s('presendScript', 'refused: it runs Groovy against Jenkins\' internals'),
        s('postsendScript', 'refused: it runs Groovy against Jenkins\' internals'),
        b('saveOutput', 'refused when true: Kiln does not write the message to the workspace'),
        s('saveOutputFileName', 'refused: see saveOutput'),
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'emailextrecipients',
      doc: 'The addresses the recipient providers name, separated by spaces: emailextrecipients([culprits(), requestor()]).',
      params: [{ name: 'recipientProviders', type: 'list', required: true, doc: 'the providers: [developers(), requestor(), ...]' }],
      positional: 'recipientProviders',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'mail',
      doc: "Send a simple e-mail (Mailer): mail to: 'a@b', subject: 'x', body: 'y'.",
      params: [
        s('subject', 'the subject (required at run time)'),
        s('body', 'the content (required at run time)'),
        s('to', "recipients, separated by commas (a name without '@' gets the default e-mail suffix)"),
        s('cc', 'copies'),
        s('bcc', 'blind copies'),
        s('from', "the From address (default: the host's default From)"),
        s('replyTo', 'the Reply-To address'),
        s('charset', 'the character set of the body (default UTF-8; Kiln always sends UTF-8)'),
        s('mimeType', "'text/plain' (default) or 'text/html'"),
      ],
      block: 'none',
      needsNode: false,
    },
    ...providerSymbols,
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
