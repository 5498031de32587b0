// The Publish Over SSH plugin's `sshPublisher` and its symbols, declared as data:
//   sshPublisher(publishers: [sshPublisherDesc(configName: 'web', verbose: true,
//     transfers: [sshTransfer(sourceFiles: 'dist/**', removePrefix: 'dist', remoteDirectory: 'app', execCommand: 'systemctl reload app')])])
// What runs is runtime.ts (loaded the first time a build publishes): files sent over SFTP and
// commands run over a real SSH connection (the ssh2 package) to a server an administrator
// configured on the host (core/ssh-publish.ts), whose host key is pinned.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'Publish Over SSH';
/** Why sshCredentials is refused (runtime.ts CREDENTIALS_REFUSED says the same at run time). */
const CREDENTIALS = "a username and key (or encrypted passphrase) written in the Jenkinsfile cannot be used by Kiln (Jenkins decrypts them with its own secret); the server's credential is configured on the host";
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const symbol = (name: string, doc: string, params: StepParam[]): StepDecl => ({ name, doc, params, block: 'none', needsNode: false, kind: 'symbol', jenkinsPlugin: PLUGIN });

export const publishOverSshPlugin: PipelinePlugin = {
  name: 'publish-over-ssh',
  doc: 'Publish Over SSH: sshPublisher sends workspace files over SFTP and runs commands on SSH servers configured on the host',
  steps: [
    {
      name: 'sshPublisher',
      jenkinsPlugin: PLUGIN,
      differs: "the connection is made from the controller (files are read from the build's node), as with alwaysPublishFromMaster; the server's host key must be pinned (hostKeyFingerprint); per-publisher credentials (sshCredentials: a key or passphrase encrypted with Jenkins' own secret) and useSftpForExec: true are refused, at lint when written literally",
      doc: "Send files and run commands over SSH: sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(sourceFiles: 'dist/**', removePrefix: 'dist', remoteDirectory: 'app', execCommand: 'sh app/restart.sh')])]).",
      params: [
        { name: 'publishers', type: 'list', required: true, doc: 'sshPublisherDesc(...) for each server' },
        b('continueOnError', 'go on with the next server after one fails (default false)'),
        b('failOnError', 'a failure makes the build FAILURE (default false: UNSTABLE)'),
        b('alwaysPublishFromMaster', 'Kiln always connects from the controller, as this asks (false: the same; files are still read from the build\'s node)'),
        s('masterNodeName', "the controller's node name in Jenkins' environment variables; Kiln's is fixed, so it changes nothing"),
        { name: 'paramPublish', type: 'any', doc: "[parameterName: 'TARGET']: publish only to the servers whose sshLabel matches the expression in that build variable ('' or absent: to all)" },
      ],
      block: 'none',
      needsNode: true,
    },
    symbol('sshPublisherDesc', 'One SSH server to publish to (Publish Over SSH).', [
      s('configName', 'the name of the SSH server configured on the host'),
      { name: 'transfers', type: 'list', doc: 'sshTransfer(...) sets, done in order' },
      b('verbose', 'print the SFTP and command details (and the command output)'),
      b('useWorkspaceInPromotion', 'for promotions only (as in Jenkins, no effect in a pipeline)'),
      b('usePromotionTimestamp', 'for promotions only (as in Jenkins, no effect in a pipeline)'),
      { name: 'sshRetry', type: 'any', doc: 'sshRetry(retries: N, retryDelay: ms): try a failed publish again N times (files sent stay sent)' },
      { name: 'retry', type: 'any', doc: 'the same as sshRetry (its name in the job XML)' },
      { name: 'sshLabel', type: 'any', doc: "[label: 'prod']: the label paramPublish's expression is matched against (${VARIABLES} replaced)" },
      { name: 'label', type: 'any', doc: 'the same as sshLabel (its older name)' },
      { name: 'sshCredentials', type: 'any', doc: "refused: the server's credential is configured on the host", refused: { any: true, why: CREDENTIALS } },
      { name: 'credentials', type: 'any', doc: "refused: the server's credential is configured on the host", refused: { any: true, why: CREDENTIALS } },
    ]),
    symbol('sshTransfer', 'Files to send and/or a command to run (Publish Over SSH).', [
      s('sourceFiles', 'Ant patterns of workspace files, separated by commas or spaces'),
      s('excludes', 'Ant patterns to leave out'),
      s('removePrefix', 'a leading directory removed from each file\'s path (every file must start with it)'),
      s('remoteDirectory', "where the files go, under the server's remote directory"),
      s('execCommand', 'a command run on the server after the files are sent'),
      { name: 'execTimeout', type: 'integer', doc: 'ms the command may take (default 120000; 0: no limit)' },
      b('flatten', 'send every file to remoteDirectory itself, without its directories'),
      b('cleanRemote', "remove remoteDirectory's contents first"),
      b('noDefaultExcludes', 'do not apply Ant\'s default excludes (.git, ...)'),
      b('makeEmptyDirs', 'create matching empty directories too'),
      s('patternSeparator', "the regular expression separating patterns (default '[, ]+')"),
      b('remoteDirectorySDF', "remoteDirectory is a SimpleDateFormat pattern ('builds/'yyyy/MM/dd), formatted with the build's start time"),
      b('usePty', 'run the command with a pseudo-terminal'),
      b('useAgentForwarding', "forward an SSH agent holding the server's configured key to the command (ssh/git onwards from the server)"),
      { name: 'useSftpForExec', type: 'boolean', doc: 'refused when true: the SFTP command language is not supported', refused: { value: true, why: "running execCommand as SFTP commands (cd, mkdir, rm, ln, ls, get) is not supported by Kiln; leave it false to run the command over SSH" } },
      b('keepFilePermissions', "give the remote file (and its directory) the workspace file's permission bits"),
    ]),
    { ...symbol('sshRetry', 'How often a failed sshPublisherDesc is tried again (Publish Over SSH).', [
      { name: 'retries', type: 'integer', doc: 'how many more times (0 to 100; default 0)' },
      { name: 'retryDelay', type: 'integer', doc: 'ms between tries (default 10000)' },
    ]), jenkinsClass: 'jenkins.plugins.publish_over_ssh.BapSshRetry' },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
