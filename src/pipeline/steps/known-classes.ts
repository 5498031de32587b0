// The Java class behind a step or symbol, for the run-time line Jenkins prints when a call
// names a parameter the class does not have (structs' DescribableModel.instantiate):
//   WARNING: Unknown parameter(s) found for class type 'org.jenkinsci.plugins.workflow.steps.EchoStep': colour
// Jenkins prints the step's (or the symbol's describable's) class; Kiln's steps are not classes,
// so this table names the class of the Jenkins step each stands in for. A step may set
// StepDecl.jenkinsClass itself; a step in neither is named by its step name.
// Declaration side: data only.
import type { StepDecl } from '../../core/steps.ts';
import type { Value } from '../script/values.ts';

const W = 'org.jenkinsci.plugins.workflow.steps.';
const S = 'org.jenkinsci.plugins.workflow.support.steps.';
const CB = 'org.jenkinsci.plugins.credentialsbinding.impl.';
const U = 'org.jenkinsci.plugins.pipeline.utility.steps.';
const K = 'org.csanchez.jenkins.plugins.kubernetes.';

const CLASSES: Readonly<Record<string, string>> = {
  sh: `${W}durable_task.ShellStep`,
  bat: `${W}durable_task.BatchScriptStep`,
  powershell: `${W}durable_task.PowershellScriptStep`,
  pwsh: `${W}durable_task.PowerShellCoreScriptStep`,
  echo: `${W}EchoStep`,
  error: `${W}ErrorStep`,
  dir: `${W}PushdStep`,
  pwd: `${W}PwdStep`,
  sleep: `${W}SleepStep`,
  timeout: `${W}TimeoutStep`,
  retry: `${W}RetryStep`,
  waitUntil: `${W}WaitForConditionStep`,
  writeFile: `${W}WriteFileStep`,
  readFile: `${W}ReadFileStep`,
  fileExists: `${W}FileExistsStep`,
  validateDeclarativePipeline: 'org.jenkinsci.plugins.pipeline.modeldefinition.steps.ValidateDeclarativePipelineStep',
  deleteDir: `${W}DeleteDirStep`,
  withEnv: `${W}EnvStep`,
  wrap: `${W}CoreWrapperStep`,
  catchError: `${W}CatchErrorStep`,
  warnError: `${W}WarnErrorStep`,
  unstable: `${W}UnstableStep`,
  isUnix: `${W}IsUnixStep`,
  mail: `${W}MailStep`,
  tool: `${W}ToolStep`,
  checkout: `${W}scm.GenericSCMStep`,
  stash: `${S}stash.StashStep`,
  unstash: `${S}stash.UnstashStep`,
  node: `${S}ExecutorStep`,
  ws: `${S}WorkspaceStep`,
  stage: `${S}StageStep`,
  input: `${S}input.InputStep`,
  build: `${S}build.BuildTriggerStep`,
  parallel: 'org.jenkinsci.plugins.workflow.cps.steps.ParallelStep',
  load: 'org.jenkinsci.plugins.workflow.cps.steps.LoadStep',
  properties: 'org.jenkinsci.plugins.workflow.multibranch.JobPropertyStep',
  git: 'jenkins.plugins.git.GitStep',
  archiveArtifacts: 'hudson.tasks.ArtifactArchiver',
  junit: 'hudson.tasks.junit.JUnitResultArchiver',
  fingerprint: 'hudson.tasks.Fingerprinter',
  milestone: 'org.jenkinsci.plugins.pipeline.milestone.MilestoneStep',
  lock: 'org.jenkins.plugins.lockableresources.LockStep',
  sshagent: 'com.cloudbees.jenkins.plugins.sshagent.SSHAgentStep',
  cleanWs: 'hudson.plugins.ws_cleanup.WsCleanup',
  emailext: 'hudson.plugins.emailext.EmailExtStep',
  timestamps: 'hudson.plugins.timestamper.pipeline.TimestamperStep',
  withCredentials: `${CB}BindingStep`,
  usernamePassword: `${CB}UsernamePasswordMultiBinding`,
  usernameColonPassword: `${CB}UsernamePasswordBinding`,
  file: `${CB}FileBinding`,
  sshUserPrivateKey: `${CB}SSHUserPrivateKeyBinding`,
  gitUsernamePassword: 'jenkins.plugins.git.GitUsernamePasswordBinding',
  GitUsernamePassword: 'jenkins.plugins.git.GitUsernamePasswordBinding',
  readJSON: `${U}json.ReadJSONStep`,
  writeJSON: `${U}json.WriteJSONStep`,
  readYaml: `${U}conf.ReadYamlStep`,
  writeYaml: `${U}conf.WriteYamlStep`,
  readProperties: `${U}conf.ReadPropertiesStep`,
  zip: `${U}zip.ZipStep`,
  unzip: `${U}zip.UnZipStep`,
  findFiles: `${U}fs.FindFilesStep`,
  podTemplate: `${K}pipeline.PodTemplateStep`,
  container: `${K}pipeline.ContainerStep`,
  containerTemplate: `${K}ContainerTemplate`,
  secretEnvVar: `${K}model.SecretEnvVar`,
  envVar: `${K}model.KeyValueEnvVar`,
  buildDiscarder: 'jenkins.model.BuildDiscarderProperty',
  logRotator: 'hudson.tasks.LogRotator',
  disableConcurrentBuilds: 'org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty',
  pipelineTriggers: 'org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty',
  parameters: 'hudson.model.ParametersDefinitionProperty',
  cron: 'hudson.triggers.TimerTrigger',
  pollSCM: 'hudson.triggers.SCMTrigger',
};

/**
 * Symbols whose class depends on where they are used, told apart by the parameters given:
 * `string(credentialsId:, variable:)` binds a credential, `string(name:, value:)` is a build's
 * parameter value, `string(name:, defaultValue:)` a parameter definition.
 */
const BY_USE: Readonly<Record<string, readonly [binding: string | null, value: string, definition: string]>> = {
  string: [`${CB}StringBinding`, 'hudson.model.StringParameterValue', 'hudson.model.StringParameterDefinition'],
  booleanParam: [null, 'hudson.model.BooleanParameterValue', 'hudson.model.BooleanParameterDefinition'],
  text: [null, 'hudson.model.TextParameterValue', 'hudson.model.TextParameterDefinition'],
  password: [null, 'hudson.model.PasswordParameterValue', 'hudson.model.PasswordParameterDefinition'],
  choice: [null, 'hudson.model.StringParameterValue', 'hudson.model.ChoiceParameterDefinition'],
};

/** The class Jenkins' unknown-parameter warning names for this step or symbol. */
export function jenkinsClassOf(decl: StepDecl, given: readonly string[] = []): string {
  if (decl.jenkinsClass) return decl.jenkinsClass;
  if (Object.hasOwn(BY_USE, decl.name)) {
    const [binding, value, definition] = BY_USE[decl.name]!;
    if (binding && (given.includes('credentialsId') || given.includes('variable'))) return binding;
    return given.includes('value') ? value : definition;
  }
  return Object.hasOwn(CLASSES, decl.name) ? CLASSES[decl.name]! : decl.name;
}

/** Jenkins' run-time line for parameters a class does not have (sorted, as structs' TreeSet sorts them); `given`: every name the call gave. */
export function unknownParametersLine(decl: StepDecl, names: readonly string[], given: readonly string[] = []): string {
  return `WARNING: Unknown parameter(s) found for class type '${jenkinsClassOf(decl, given)}': ${[...names].sort().join(',')}`;
}

/**
 * The build wrappers `wrap([$class: 'X', ...]) { }` (Pipeline: Basic Steps' CoreWrapperStep) runs,
 * by simple class name: Jenkins' class, the Kiln block step that stands in for it (wrap.ts runs
 * that step's implementation) and the wrapper's parameters.
 */
export const WRAPPER_CLASSES: Readonly<Record<string, { fqcn: string; step: string; params: readonly string[] }>> = {
  AnsiColorBuildWrapper: { fqcn: 'hudson.plugins.ansicolor.AnsiColorBuildWrapper', step: 'ansiColor', params: ['colorMapName', 'defaultFg', 'defaultBg'] },
  TimestamperBuildWrapper: { fqcn: 'hudson.plugins.timestamper.TimestamperBuildWrapper', step: 'timestamps', params: [] },
  SecretBuildWrapper: { fqcn: `${CB}SecretBuildWrapper`, step: 'withCredentials', params: ['bindings'] },
};

/** `$class` of wrap's map (simple or fully qualified): the wrapper Kiln runs for it, or null. */
export function wrapperClass(cls: string): { fqcn: string; step: string; params: readonly string[] } | null {
  const simple = cls.slice(cls.lastIndexOf('.') + 1);
  const t = Object.hasOwn(WRAPPER_CLASSES, simple) ? WRAPPER_CLASSES[simple]! : null;
  return t && (!cls.includes('.') || cls === t.fqcn) ? t : null;
}

/** Jenkins' words (structs' DescribableModel) for a wrapper class no plugin provides. */
export function unknownWrapperClass(cls: string): string {
  return `no known implementation of class jenkins.tasks.SimpleBuildWrapper is named ${cls}`;
}

/**
 * The arguments of `[$class: 'X', ...]` for a class whose parameters are `target.params`, as
 * structs' DescribableModel.instantiate takes them: the others are left out and named (sorted) in
 * the line it prints, which `log` gets (step() and wrap() share this).
 */
export function classArguments(delegate: Map<Value, Value>, target: { fqcn: string; params: readonly string[] }, log: (line: string) => void): Record<string, Value> {
  const values: Record<string, Value> = {};
  const unknown: string[] = [];
  for (const [k, v] of delegate) {
    if (k === '$class') continue;
    const key = String(k);
    if (!target.params.includes(key)) unknown.push(key);
    else values[key] = v;
  }
  if (unknown.length > 0) log(`WARNING: Unknown parameter(s) found for class type '${target.fqcn}': ${unknown.sort().join(',')}`);
  return values;
}
