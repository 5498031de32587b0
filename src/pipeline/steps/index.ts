// The core plugin: the steps every Jenkinsfile has without any plugin (echo, sh, dir, stash,
// withCredentials, parallel, ...) and the symbols used in their arguments (string(...),
// usernamePassword(...), logRotator(...)). What is here is their declaration, as data: the one
// that validation, the engine's argument binding and `kiln lint --list-steps` read. Each step's
// implementation is the module of its name beside this one (`echo.ts` exports `run`), reached
// only through runtime.ts, which the step registry loads the first time a step runs; so
// validating a Jenkinsfile loads none of them.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import { BUILD_RESULTS } from '../../core/build.ts';
import { TIME_UNITS } from '../model/types.ts';
import type { PipelinePlugin } from '../plugin.ts';
import { jobPropertySteps } from './job-properties.ts';
import { gitScmSymbols } from './git-symbols.ts';

/** The parameters of the script steps (sh, bat, powershell, pwsh). */
const SCRIPT_PARAMS: readonly StepParam[] = [
  { name: 'script', type: 'string', required: true, doc: 'the script' },
  { name: 'returnStdout', type: 'boolean', doc: 'return standard output (not printed) instead of printing it' },
  { name: 'returnStatus', type: 'boolean', doc: 'return the exit status instead of failing on non-zero' },
  { name: 'label', type: 'string', doc: 'name shown for this step in the console and stage view' },
  { name: 'encoding', type: 'string', doc: 'character set of the output (default UTF-8)' },
];

const steps: StepDecl[] = [
  {
    name: 'ansiColor',
    doc: "Run the block with ANSI colours (the AnsiColor plugin): ansiColor('xterm') { ... }; Kiln's console always shows them.",
    params: [{ name: 'colorMapName', type: 'string', doc: 'the colour map (xterm, vga, css, gnome-terminal)' }],
    positional: 'colorMapName',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'archive',
    doc: "The old name of archiveArtifacts: archive 'target/*.jar'.",
    params: [
      { name: 'includes', type: 'string', required: true, doc: 'Ant patterns, comma-separated' },
      { name: 'excludes', type: 'string', doc: 'Ant patterns to leave out' },
    ],
    positional: 'includes',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'archiveArtifacts',
    doc: "Keep files of the workspace as the build's artifacts: archiveArtifacts 'target/*.jar'.",
    params: [
      { name: 'artifacts', type: 'string', required: true, doc: 'Ant patterns, comma-separated' },
      { name: 'excludes', type: 'string', doc: 'Ant patterns to leave out' },
      { name: 'allowEmptyArchive', type: 'boolean', doc: 'do not fail when nothing matches' },
      { name: 'onlyIfSuccessful', type: 'boolean', doc: 'archive only when the build is successful so far' },
      { name: 'fingerprint', type: 'boolean', doc: "record the archived files' fingerprints (MD5), as the fingerprint step does" },
      { name: 'defaultExcludes', type: 'boolean', doc: "apply Ant's default excludes like **/.git/** (default true)" },
      { name: 'followSymlinks', type: 'boolean', doc: 'archive what a symbolic link inside the workspace points to (default true); false: links are left out' },
      { name: 'caseSensitive', type: 'boolean', doc: 'accepted for compatibility (patterns are always case-sensitive)' },
    ],
    positional: 'artifacts',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'fingerprint',
    doc: "Record the MD5 fingerprints of workspace files, to see which builds made and used them: fingerprint 'target/*.jar'.",
    params: [
      { name: 'targets', type: 'string', required: true, doc: 'Ant patterns, comma-separated' },
      { name: 'excludes', type: 'string', doc: 'Ant patterns to leave out' },
      { name: 'defaultExcludes', type: 'boolean', doc: "apply Ant's default excludes like **/.git/** (default true)" },
      { name: 'caseSensitive', type: 'boolean', doc: 'accepted for compatibility (patterns are always case-sensitive)' },
    ],
    positional: 'targets',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'bat',
    doc: 'Run a Windows batch script (cmd.exe) on a Windows node.',
    params: SCRIPT_PARAMS,
    positional: 'script',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'build',
    doc: "Trigger another job: build job: 'deploy', parameters: [string(name: 'V', value: '1')].",
    params: [
      { name: 'job', type: 'string', required: true, doc: 'the job name (folder/name)' },
      { name: 'parameters', type: 'list', doc: 'string(name:, value:), booleanParam(name:, value:), ...' },
      { name: 'wait', type: 'boolean', doc: 'wait for it to finish (default true)' },
      { name: 'propagate', type: 'boolean', doc: 'fail this build when it fails (default true)' },
      { name: 'quietPeriod', type: 'integer', doc: 'seconds to wait before it starts' },
    ],
    positional: 'job',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'catchError',
    doc: "Catch a failure in the block, set the build and stage result, and carry on.",
    params: [
      { name: 'buildResult', type: 'string', values: BUILD_RESULTS, doc: 'build result on failure (default FAILURE)' },
      { name: 'stageResult', type: 'string', values: BUILD_RESULTS, doc: 'stage result on failure (default SUCCESS)' },
      { name: 'message', type: 'string', doc: 'logged when a failure is caught' },
      { name: 'catchInterruptions', type: 'boolean', doc: 'also catch timeouts (default true)' },
    ],
    block: 'required',
    needsNode: false,
  },
  {
    name: 'checkout',
    doc: "Check out source code: checkout scm, checkout scmGit(...) or checkout([$class: 'GitSCM', ...]) with several remotes, branch specs and the Git plugin's extensions.",
    params: [
      { name: 'scm', type: 'any', required: true, doc: "scm, or [$class: 'GitSCM', branches: [[name: '*/main']], userRemoteConfigs: [[url: '...']]]" },
      { name: 'changelog', type: 'boolean', doc: "compute the build's changelog (default true)" },
      { name: 'poll', type: 'boolean', doc: 'accepted for compatibility (pollSCM polls the job repository)' },
    ],
    positional: 'scm',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'cleanWs',
    doc: "Delete the workspace's contents (or files matching patterns: [[pattern: 'build/**', type: 'INCLUDE']]).",
    params: [
      { name: 'patterns', type: 'list', doc: "[[pattern: '...', type: 'INCLUDE' | 'EXCLUDE'], ...]" },
      { name: 'notFailBuild', type: 'boolean', doc: 'do not fail the build when deleting fails' },
      { name: 'disableDeferredWipeout', type: 'boolean', doc: 'accepted for compatibility (deletion is always immediate)' },
      { name: 'cleanWhenAborted', type: 'boolean', doc: 'clean when the build was aborted (default true)' },
      { name: 'cleanWhenFailure', type: 'boolean', doc: 'clean when the build failed (default true)' },
      { name: 'cleanWhenNotBuilt', type: 'boolean', doc: 'clean when the build was not built (default true)' },
      { name: 'cleanWhenSuccess', type: 'boolean', doc: 'clean when the build succeeded (default true)' },
      { name: 'cleanWhenUnstable', type: 'boolean', doc: 'clean when the build is unstable (default true)' },
      { name: 'deleteDirs', type: 'boolean', doc: 'with patterns: delete matching directories too (the whole workspace is always removed without patterns)' },
    ],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'deleteDir',
    doc: 'Delete the current directory and everything in it.',
    params: [],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'dir',
    doc: 'Run the block in a subdirectory of the workspace (created when missing).',
    params: [{ name: 'path', type: 'string', required: true, doc: 'directory, relative to the current one' }],
    positional: 'path',
    block: 'required',
    needsNode: true,
  },
  {
    name: 'ws',
    doc: "Run the block in another workspace on the current node: ws('shared-cache') { ... }; WORKSPACE and pwd() are that directory inside.",
    params: [{ name: 'dir', type: 'string', doc: "the workspace directory: absolute, or relative to the node's workspace directory; '@2'... appended when another build holds it; none: the job's own workspace on this node" }],
    positional: 'dir',
    differs: "the directory must lie inside the node's workspace directory (an agent: its work directory); a container or pod agent cannot allocate another workspace",
    block: 'required',
    needsNode: true,
  },
  {
    name: 'echo',
    doc: 'Print a message to the console.',
    params: [{ name: 'message', type: 'string', required: true, doc: 'the text' }],
    positional: 'message',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'error',
    doc: 'Fail the build with a message (no stack trace).',
    params: [{ name: 'message', type: 'string', required: true, doc: 'why' }],
    positional: 'message',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'fileExists',
    doc: 'Whether a file or directory exists in the workspace.',
    params: [{ name: 'file', type: 'string', required: true, doc: 'path, relative to the current directory' }],
    positional: 'file',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'git',
    doc: "Clone or update a git repository into the current directory: git url: '...', branch: 'main'.",
    params: [
      { name: 'url', type: 'string', required: true, doc: 'repository URL (https, ssh, file, or a path)' },
      { name: 'branch', type: 'string', doc: "branch, tag or commit (default 'master')" },
      { name: 'credentialsId', type: 'string', doc: 'username/password or SSH key credential' },
      { name: 'changelog', type: 'boolean', doc: "compute the build's changelog (default true)" },
      { name: 'poll', type: 'boolean', doc: 'accepted for compatibility (pollSCM uses the job repository)' },
    ],
    positional: 'url',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'input',
    doc: "Wait for a person to approve: input message: 'Deploy?', ok: 'Yes', submitter: 'alice,ops'.",
    params: [
      { name: 'message', type: 'string', required: true, doc: 'the question' },
      { name: 'id', type: 'string', doc: 'id used by the API (default: derived from the message)' },
      { name: 'ok', type: 'string', doc: "label of the approve button (default 'Proceed')" },
      { name: 'submitter', type: 'string', doc: 'comma-separated users or groups allowed to answer' },
      { name: 'submitterParameter', type: 'string', doc: 'also return who answered, under this name' },
      { name: 'parameters', type: 'list', doc: 'values to ask for: string(...), booleanParam(...), choice(...)' },
    ],
    positional: 'message',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'isUnix',
    doc: 'Whether the current node is Unix-like.',
    params: [],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'junit',
    doc: "Record JUnit XML test results: junit '**/target/surefire-reports/*.xml'. Failures mark the build UNSTABLE.",
    params: [
      { name: 'testResults', type: 'string', required: true, doc: 'Ant patterns of report files' },
      { name: 'allowEmptyResults', type: 'boolean', doc: 'do not fail when no report matches' },
      { name: 'keepLongStdio', type: 'boolean', doc: 'keep full output of passing tests too (stdioRetention: ALL)' },
      { name: 'stdioRetention', type: 'string', values: ['ALL', 'FAILED', 'NONE'], doc: 'whose full output is kept: ALL, FAILED (default: failing tests), NONE (every output over 4 KiB is cut)' },
      { name: 'keepProperties', type: 'boolean', doc: 'accepted; Kiln does not record the properties of test suites and cases' },
      { name: 'keepTestNames', type: 'boolean', doc: 'accepted; Kiln always keeps test names as written (it never prefixes them with the stage)' },
      { name: 'skipMarkingBuildUnstable', type: 'boolean', doc: 'leave the result alone when tests fail' },
      { name: 'skipPublishingChecks', type: 'boolean', doc: 'accepted for compatibility (no checks API here)' },
      { name: 'healthScaleFactor', type: 'number', doc: 'accepted for compatibility' },
      { name: 'testDataPublishers', type: 'list', doc: 'accepted for compatibility (extra test data publishers are not run)' },
    ],
    positional: 'testResults',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'load',
    doc: "Run a Groovy script of the workspace with the Jenkinsfile's variables and return its value: def lib = load 'ci/lib.groovy' (ending with return this); lib.build().",
    params: [{ name: 'path', type: 'string', required: true, doc: 'the script, relative to the current directory (inside the workspace)' }],
    positional: 'path',
    block: 'none',
    needsNode: true,
    differs: "the path must stay inside the workspace (no absolute path or symbolic link leaving it); a class of it is known to the whole build by its simple name; after a controller restart the file is read again from the workspace",
  },
  {
    name: 'lock',
    doc: "Run the block while holding lockable resources: lock('staging-db') { ... }, lock(label: 'printers', quantity: 1, variable: 'PRINTER') { ... }, lock(resource: 'a', extra: [[resource: 'b'], [label: 'x']]) { ... }.",
    params: [
      { name: 'resource', type: 'string', doc: 'the resource name (a name not configured on the controller is made when first locked)' },
      { name: 'label', type: 'string', doc: 'lock resources configured on the controller with this label (/api/v1/lockable-resources)' },
      { name: 'quantity', type: 'integer', doc: "with label: how many of its resources (0 or absent: all of them)" },
      { name: 'extra', type: 'list', doc: "more resources locked with it, all or none: [[resource: 'b'], [label: 'x', quantity: 1], ...]" },
      { name: 'resourceSelectStrategy', type: 'string', values: ['SEQUENTIAL', 'RANDOM', 'sequential', 'random'], doc: "with label: which free resources first (sequential: by name)" },
      { name: 'inversePrecedence', type: 'boolean', doc: 'the newest waiter gets the resources first' },
      { name: 'skipIfLocked', type: 'boolean', doc: 'skip the block instead of waiting when the resources are taken' },
      { name: 'variable', type: 'string', doc: 'environment variable that receives the resource names (comma-separated; VAR0, VAR1... each)' },
    ],
    positional: 'resource',
    differs: 'resources with labels are configured through the API (no UI page yet); waiters are served first come, first served per resource; kiln run has no configured resources (only named ones)',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'milestone',
    doc: 'Abort older builds that have not passed this point; abort this one if a newer build already has.',
    params: [
      { name: 'ordinal', type: 'integer', doc: 'the milestone number, greater than the previous one (default: the next one, 0 first)' },
      { name: 'label', type: 'string', doc: 'a name shown in the console' },
    ],
    positional: 'ordinal',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'node',
    doc: "Allocate an executor and workspace on a node and run the block there: node('linux') { ... }.",
    params: [{ name: 'label', type: 'string', doc: 'label expression; any node when absent' }],
    positional: 'label',
    block: 'required',
    needsNode: false,
    scriptOnly: true,
  },
  {
    name: 'parallel',
    doc: "Run branches at the same time: parallel a: { ... }, b: { ... }, failFast: true.",
    params: [{ name: 'failFast', type: 'boolean', doc: 'abort the other branches when one fails' }],
    block: 'none',
    needsNode: false,
    scriptOnly: true,
    anyNamed: true,
  },
  {
    name: 'powershell',
    doc: 'Run a PowerShell script (powershell.exe on Windows, pwsh elsewhere).',
    params: SCRIPT_PARAMS,
    positional: 'script',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'pwd',
    doc: 'The current directory (tmp: true gives a scratch directory beside the workspace).',
    params: [{ name: 'tmp', type: 'boolean', doc: 'return a temporary directory for this workspace' }],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'pwsh',
    doc: 'Run a PowerShell 7 script (pwsh).',
    params: SCRIPT_PARAMS,
    positional: 'script',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'validateDeclarativePipeline',
    doc: "Validate a Declarative Pipeline file of the workspace; returns true when it is valid and prints why not: validateDeclarativePipeline 'ci/Jenkinsfile'.",
    params: [{ name: 'path', type: 'string', required: true, doc: 'the file, relative to the current directory' }],
    positional: 'path',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'readFile',
    doc: 'Read a file of the workspace and return its text.',
    params: [
      { name: 'file', type: 'string', required: true, doc: 'path, relative to the current directory' },
      { name: 'encoding', type: 'string', doc: 'UTF-8 (default), ISO-8859-1, Base64 (returns base64 of the bytes), ...' },
    ],
    positional: 'file',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'readJSON',
    doc: "Parse JSON from a file or a string into maps and lists: readJSON file: 'package.json'.",
    params: [
      { name: 'file', type: 'string', doc: 'a file of the workspace' },
      { name: 'text', type: 'string', doc: 'the JSON itself' },
      { name: 'returnPojo', type: 'boolean', doc: 'accepted for compatibility: results are always plain maps and lists' },
    ],
    block: 'none',
    needsNode: false,
  },
  {
    name: 'readYaml',
    doc: 'Parse YAML from a file or a string; several documents give a list.',
    params: [
      { name: 'file', type: 'string', doc: 'a file of the workspace' },
      { name: 'text', type: 'string', doc: 'the YAML itself (appended after the file when both are given)' },
    ],
    block: 'none',
    needsNode: false,
  },
  {
    name: 'retry',
    doc: 'Run the block again when it fails, up to count times in all: retry(3) { ... }.',
    params: [
      { name: 'count', type: 'integer', required: true, doc: 'how many attempts in all' },
      { name: 'conditions', type: 'list', doc: 'retry only these causes: agent() (its agent was lost), kubernetesAgent() (its pod\'s agent was lost), nonresumable()' },
    ],
    positional: 'count',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'script',
    doc: 'Run a block of scripted pipeline code (def, if, for, closures, step calls).',
    params: [],
    block: 'required',
    needsNode: false,
  },
  {
    name: 'sh',
    doc: 'Run a shell script (/bin/sh -xe); returns its stdout or exit status when asked.',
    params: SCRIPT_PARAMS,
    positional: 'script',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'sleep',
    doc: "Wait for a time: sleep 5 (seconds), sleep(time: 2, unit: 'MINUTES').",
    params: [
      { name: 'time', type: 'number', required: true, doc: 'how long' },
      { name: 'unit', type: 'string', values: TIME_UNITS, doc: 'unit (default SECONDS)' },
    ],
    positional: 'time',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'stage',
    doc: "A named stage of a scripted pipeline: stage('Build') { ... }; without a block (old form) the rest of the script is that stage.",
    params: [{ name: 'name', type: 'string', required: true, doc: 'stage name' }],
    positional: 'name',
    block: 'optional',
    needsNode: false,
    scriptOnly: true,
  },
  {
    name: 'stash',
    doc: "Save files for a later stage or another node: stash name: 'app', includes: 'target/**'.",
    params: [
      { name: 'name', type: 'string', required: true, doc: 'name to unstash it by' },
      { name: 'includes', type: 'string', doc: 'Ant patterns (default: everything)' },
      { name: 'excludes', type: 'string', doc: 'Ant patterns to leave out' },
      { name: 'useDefaultExcludes', type: 'boolean', doc: "apply Ant's default excludes (default true)" },
      { name: 'allowEmpty', type: 'boolean', doc: 'allow a stash with no files' },
    ],
    positional: 'name',
    block: 'none',
    needsNode: true,
  },
  {
    // The older form of publishers; step.ts runs the classes Kiln has a step for.
    name: 'step',
    doc: "A build step by its class (older form): step([$class: 'ArtifactArchiver', artifacts: 'target/*.jar']), step([$class: 'JUnitResultArchiver', testResults: '**/TEST-*.xml']), step([$class: 'WsCleanup']) (cleanWs).",
    params: [{ name: 'delegate', type: 'map', required: true, doc: "the step's class ($class) and its parameters" }],
    positional: 'delegate',
    block: 'none',
    needsNode: true,
  },
  {
    // The older form of build wrappers; wrap.ts runs the classes Kiln has a block step for.
    name: 'wrap',
    doc: "A build wrapper by its class (older form), around a block: wrap([$class: 'AnsiColorBuildWrapper', colorMapName: 'xterm']) { ... } (ansiColor), wrap([$class: 'TimestamperBuildWrapper']) { ... } (timestamps), wrap([$class: 'SecretBuildWrapper', bindings: [...]]) { ... } (withCredentials).",
    params: [{ name: 'delegate', type: 'map', required: true, doc: "the wrapper's class ($class) and its parameters" }],
    positional: 'delegate',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'timeout',
    doc: "Abort the block when it runs longer than the given time: timeout(time: 5, unit: 'MINUTES') { ... }.",
    params: [
      { name: 'time', type: 'integer', required: true, doc: 'how long' },
      { name: 'unit', type: 'string', values: TIME_UNITS, doc: 'unit of time (default MINUTES)' },
      { name: 'activity', type: 'boolean', doc: 'count time since the last console output instead of since the start' },
    ],
    positional: 'time',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'timestamps',
    doc: 'Prefix each console line of the block with the time it was printed.',
    params: [],
    block: 'required',
    needsNode: false,
  },
  {
    name: 'tool',
    doc: "The home directory of a tool installation on this node: def mvn = tool 'M3' (from KILN_TOOL_M3).",
    params: [
      { name: 'name', type: 'string', required: true, doc: 'the installation name' },
      { name: 'type', type: 'string', doc: 'the tool type (jdk, maven, gradle, nodejs, ...), for messages' },
    ],
    positional: 'name',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'unstable',
    doc: 'Mark the build and the current stage UNSTABLE, with a message.',
    params: [{ name: 'message', type: 'string', required: true, doc: 'why' }],
    positional: 'message',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'unstash',
    doc: 'Restore files saved by stash into the current directory.',
    params: [{ name: 'name', type: 'string', required: true, doc: 'the stash' }],
    positional: 'name',
    block: 'none',
    needsNode: true,
  },
  {
    name: 'waitUntil',
    doc: 'Run the block again and again until it returns true.',
    params: [
      { name: 'initialRecurrencePeriod', type: 'integer', doc: 'first wait between tries, in ms (default 250)' },
      { name: 'quiet', type: 'boolean', doc: 'do not log each try' },
    ],
    block: 'required',
    needsNode: false,
  },
  {
    name: 'warnError',
    doc: 'Catch a failure in the block, mark the build and stage UNSTABLE, and carry on.',
    params: [
      { name: 'message', type: 'string', required: true, doc: 'logged when a failure is caught' },
      { name: 'catchInterruptions', type: 'boolean', doc: 'also catch timeouts (default true)' },
    ],
    positional: 'message',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'withCredentials',
    doc: "Bind credentials to variables for the block: withCredentials([string(credentialsId: 'tok', variable: 'TOKEN')]) { ... }.",
    params: [{ name: 'bindings', type: 'list', required: true, doc: 'string(...), usernamePassword(...), file(...), sshUserPrivateKey(...), ...' }],
    positional: 'bindings',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'withEnv',
    doc: "Run the block with environment variables set: withEnv(['A=1', 'B=2']) { ... }; 'A=' unsets A.",
    params: [{ name: 'overrides', type: 'string-or-list', required: true, doc: "list of 'NAME=value'" }],
    positional: 'overrides',
    block: 'required',
    needsNode: false,
  },
  {
    name: 'writeFile',
    doc: 'Write text to a file in the workspace (parent directories are created).',
    params: [
      { name: 'file', type: 'string', required: true, doc: 'path, relative to the current directory' },
      { name: 'text', type: 'string', required: true, doc: 'contents' },
      { name: 'encoding', type: 'string', doc: 'UTF-8 (default), ISO-8859-1, Base64 (text is base64 of bytes), ...' },
    ],
    block: 'none',
    needsNode: true,
  },
  {
    name: 'writeJSON',
    doc: "Write maps and lists as JSON: writeJSON file: 'out.json', json: data, pretty: 2.",
    params: [
      { name: 'json', type: 'any', required: true, doc: 'the data' },
      { name: 'file', type: 'string', doc: 'where to write it (unless returnText)' },
      { name: 'pretty', type: 'integer', doc: 'indent by this many spaces' },
      { name: 'returnText', type: 'boolean', doc: 'return the JSON text instead of writing a file' },
    ],
    block: 'none',
    needsNode: false,
  },
  {
    name: 'writeYaml',
    doc: "Write data as YAML: writeYaml file: 'values.yaml', data: [image: tag].",
    params: [
      { name: 'data', type: 'any', doc: 'the data (one document)' },
      { name: 'datas', type: 'list', doc: 'several documents' },
      { name: 'file', type: 'string', doc: 'where to write (unless returnText)' },
      { name: 'overwrite', type: 'boolean', doc: 'replace an existing file (default false: fail)' },
      { name: 'returnText', type: 'boolean', doc: 'return the YAML instead of writing a file' },
      { name: 'charset', type: 'string', doc: 'accepted for compatibility; files are written in UTF-8' },
    ],
    block: 'none',
    needsNode: false,
  },
];

// Describable constructors used inside step arguments, as Jenkins' "symbols":
//   withCredentials([string(credentialsId: 'tok', variable: 'TOKEN')])
//   input(parameters: [booleanParam(name: 'GO', defaultValue: true)])
//   options { buildDiscarder(logRotator(numToKeepStr: '10')) }
// Each returns a descriptor map: { $symbol: 'string', credentialsId: 'tok', variable: 'TOKEN' }
// (steps/registry.ts makes it; a symbol has no implementation of its own).
function symbol(name: string, doc: string, params: StepParam[]): StepDecl {
  return { name, doc, params, block: 'none', needsNode: false, kind: 'symbol' };
}

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

const symbols: StepDecl[] = [
  // `string` is both a parameter type and a credentials binding, as in Jenkins.
  symbol('string', 'a string parameter (its value for the build step), or a secret-text credentials binding', [
    s('name', 'parameter name'), s('defaultValue', 'default'), s('value', 'the value (build step parameters)'), s('description', 'help text'), b('trim', 'trim the value'),
    s('credentialsId', 'credential to bind'), s('variable', 'variable that receives the secret'),
  ]),
  symbol('text', 'a multi-line string parameter', [s('name', 'parameter name', true), s('defaultValue', 'default'), s('value', 'the value (build step parameters)'), s('description', 'help text'), b('trim', 'trim the value')]),
  symbol('booleanParam', 'a boolean parameter', [s('name', 'parameter name', true), b('defaultValue', 'default'), b('value', 'the value (build step parameters)'), s('description', 'help text')]),
  symbol('choice', 'a choice parameter', [s('name', 'parameter name', true), { name: 'choices', type: 'string-or-list', doc: 'the choices (list, or lines)' }, s('description', 'help text')]),
  symbol('password', 'a password parameter', [s('name', 'parameter name', true), s('defaultValue', 'default'), s('value', 'the value (build step parameters)'), s('description', 'help text')]),
  symbol('usernamePassword', 'binds a username/password credential to two variables', [
    s('credentialsId', 'credential', true), s('usernameVariable', 'receives the username', true), s('passwordVariable', 'receives the password', true),
  ]),
  symbol('usernameColonPassword', "binds a username/password credential as 'user:password'", [s('credentialsId', 'credential', true), s('variable', 'receives user:password', true)]),
  symbol('file', 'binds a secret file credential: the variable holds a temporary file path', [
    s('credentialsId', 'credential'), s('variable', 'receives the path'), s('name', 'file parameter name'), s('description', 'help text'),
  ]),
  symbol('sshUserPrivateKey', 'binds an SSH private key credential to a key file', [
    s('credentialsId', 'credential', true), s('keyFileVariable', 'receives the key file path', true), s('passphraseVariable', 'receives the passphrase'), s('usernameVariable', 'receives the username'),
  ]),
  symbol('gitUsernamePassword', "the Git plugin's binding: a username/password credential for the git commands of the block (GIT_USERNAME, GIT_PASSWORD and a GIT_ASKPASS script)", [
    s('credentialsId', 'credential', true), s('gitToolName', "the git installation (accepted: Kiln runs the node's git)"),
  ]),
  symbol('GitUsernamePassword', 'the first release\'s name of gitUsernamePassword', [
    s('credentialsId', 'credential', true), s('gitToolName', "the git installation (accepted: Kiln runs the node's git)"),
  ]),
  symbol('certificate', 'binds a certificate credential to a keystore file', [
    s('credentialsId', 'credential', true), s('keystoreVariable', 'receives the keystore path', true), s('passwordVariable', 'receives the keystore password'), s('aliasVariable', 'receives the alias'),
  ]),
  symbol('agent', 'retry condition: the agent the block ran on was lost (its connection ended)', []),
  symbol('kubernetesAgent', 'retry condition: the pod the block ran on was lost', [b('handleNonKubernetes', 'any lost agent counts, not only a pod\'s')]),
  symbol('nonresumable', 'retry condition: a step that was in flight when the controller restarted could not resume (an sh on an agent)', []),
  symbol('logRotator', 'how many old builds to keep (buildDiscarder)', [
    s('numToKeepStr', 'builds to keep'), s('daysToKeepStr', 'days to keep builds'), s('artifactNumToKeepStr', 'builds whose artifacts to keep'), s('artifactDaysToKeepStr', 'days to keep artifacts'),
  ]),
];

export const corePlugin: PipelinePlugin = {
  name: 'core',
  doc: 'The steps and symbols of every Jenkinsfile: echo, sh, dir, stash, withCredentials, parallel, ...',
  steps: [...steps, ...symbols, ...jobPropertySteps, ...gitScmSymbols],
  runtime: async () => (await import('./runtime.ts')).default,
};
