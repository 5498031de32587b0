// The OpenShift plugins, declared as data that validation and `kiln lint` read without loading
// anything else:
//   OpenShift Client plugin (openshift/jenkins-client-plugin): the `openshift` global, whose DSL
//     (dsl.ts) runs `oc` on the agent through the internal step `_OcAction` (as the plugin's own
//     `_OcAction` step does), with the cluster, project and token of the enclosing
//     openshift.withCluster / withProject / withCredentials.
//   OpenShift Pipeline plugin (openshift/jenkins-plugin, deprecated): openshiftBuild, openshiftScale,
//     openshiftVerify*, openshiftDeploy, openshiftTag, openshiftCreateResource, openshiftDeleteResource*,
//     openshiftImageStream (its SCM step: checkout only), which call the OpenShift REST API from the
//     controller (rest.ts), and openshiftExec (exec.ts: pods/exec over WebSocket).
// What runs is runtime.ts, loaded the first time a build uses one of them. docs/openshift.md.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const CLIENT = 'OpenShift Client';
const PIPELINE = 'OpenShift Pipeline';

/** The connection parameters every OpenShift Pipeline plugin step has. */
const conn: StepParam[] = [
  s('apiURL', 'the API server URL (default: the cluster the host configured as "default"; a configured cluster\'s URL brings its CA)'),
  s('namespace', 'the project (default: $PROJECT_NAME, else the configured cluster\'s default project)'),
  s('authToken', 'the id of a secret text credential holding the bearer token (default: the configured cluster\'s credential); a literal token is refused'),
  { name: 'verbose', type: 'any', doc: "'true' prints each REST call" },
];
const waitTime = s('waitTime', 'how long to wait (default per step, in waitUnit)');
const waitUnit = { name: 'waitUnit', type: 'string', values: ['sec', 'min', 'milli'], doc: "the unit of waitTime: 'sec', 'min' or 'milli' (default)" } as const satisfies StepParam;

const TOKEN = 'authToken is a credential id (a literal token is refused); without one only a host-configured cluster\'s credential is used, never the server\'s own service account';
const pipelineStep = (name: string, doc: string, params: StepParam[], differs?: string): StepDecl => ({
  name, doc, params: [...conn, ...params], block: 'none', needsNode: false, jenkinsPlugin: PIPELINE, differs: differs ? `${differs}; ${TOKEN}` : TOKEN,
});

export const openshiftPlugin: PipelinePlugin = {
  name: 'openshift',
  doc: 'OpenShift Client (the openshift global, running oc on the agent) and OpenShift Pipeline (openshift* steps over the REST API)',
  steps: [
    {
      name: '_OcAction',
      jenkinsPlugin: CLIENT,
      differs: 'internal to the openshift global, as in Jenkins; the token goes to oc in a kubeconfig file (0600, removed after), never in its arguments',
      doc: 'Internal step of the openshift global: runs one oc command with the cluster, project and token of the enclosing openshift.withCluster.',
      params: [
        s('cluster', 'a cluster configured on the host, or its URL (insecure://host skips TLS verification); empty: "default", else the pod\'s cluster'),
        s('project', 'the project (--namespace)'),
        s('credentialsId', 'a secret text credential holding the token'),
        s('verb', 'the oc verb (empty for raw)'),
        { name: 'verbArgs', type: 'list', doc: 'arguments after the user\'s' },
        { name: 'userArgs', type: 'list', doc: 'the user\'s arguments' },
        { name: 'options', type: 'list', doc: 'arguments after the verb\'s (e.g. -o=name)' },
        s('markup', 'JSON or YAML written to a temporary file whose path replaces the argument @markup'),
        s('streamPrefix', 'print stdout to the console with this [prefix]'),
        { name: 'logLevel', type: 'integer', doc: '--loglevel (and the verbose sub-step output when above 0)' },
        b('info', 'return the context (server, project) instead of running oc'),
      ],
      block: 'none',
      needsNode: true,
    },
    pipelineStep('openshiftBuild', "Start a build of a BuildConfig and wait for it: openshiftBuild(bldCfg: 'frontend', showBuildLogs: 'true').", [
      s('bldCfg', 'the BuildConfig', true), s('buildName', 'rebuild this build instead (clone)'), s('commitID', 'the commit to build'),
      s('showBuildLogs', "'true': print the build's log"), s('checkForTriggeredDeployments', "'true': also wait for the deployments the new image triggers"),
      { name: 'env', type: 'list', doc: '[[name: , value: ]] build environment' }, waitTime, waitUnit,
    ], 'showBuildLogs prints the log once the build ends; checkForTriggeredDeployments is refused'),
    pipelineStep('openshiftScale', "Scale a DeploymentConfig: openshiftScale(depCfg: 'frontend', replicaCount: '2').", [
      s('depCfg', 'the DeploymentConfig', true), s('replicaCount', 'the replicas', true), s('verifyReplicaCount', "'true': wait until that many are ready"), waitTime, waitUnit,
    ]),
    pipelineStep('openshiftDeploy', "Start a new rollout of a DeploymentConfig and wait for it: openshiftDeploy(depCfg: 'frontend').", [
      s('depCfg', 'the DeploymentConfig', true), waitTime, waitUnit,
    ]),
    pipelineStep('openshiftVerifyDeployment', "Wait until the latest rollout of a DeploymentConfig is complete: openshiftVerifyDeployment(depCfg: 'frontend', replicaCount: '1', verifyReplicaCount: 'true').", [
      s('depCfg', 'the DeploymentConfig', true), s('replicaCount', 'the replicas expected'), s('verifyReplicaCount', "'true': also check the replicas"), waitTime, waitUnit,
    ]),
    pipelineStep('openshiftVerifyBuild', "Wait until the latest build of a BuildConfig is complete: openshiftVerifyBuild(bldCfg: 'frontend').", [
      s('bldCfg', 'the BuildConfig', true), s('checkForTriggeredDeployments', "'true': refused"), waitTime, waitUnit,
    ]),
    pipelineStep('openshiftVerifyService', "Check that a Service answers: openshiftVerifyService(svcName: 'frontend').", [
      s('svcName', 'the Service', true), s('retryCount', 'connection attempts (default 100)'),
    ], 'the service is checked through its endpoints in the API (a ready address behind it), not by a TCP connection from the Jenkins pod'),
    pipelineStep('openshiftTag', "Tag an image into image streams: openshiftTag(srcStream: 'app', srcTag: 'latest', destStream: 'app', destTag: 'prod').", [
      s('srcStream', 'the source image stream', true), s('srcTag', 'the source tag, or an image id of the stream', true),
      s('destStream', 'destination streams, separated by commas (created when missing)', true), s('destTag', 'destination tags, separated by commas', true),
      s('destinationNamespace', 'the destination project (default: namespace)'), s('destinationAuthToken', 'a secret text credential id for the destination project'),
      s('alias', "'true': the destination tag follows the source tag (ImageStreamTag); default: the source's current image (ImageStreamImage)"),
    ]),
    pipelineStep('openshiftExec', "Run a command in a pod's container through the API (no shell): def r = openshiftExec(pod: 'web-1', container: 'app', command: ['ls', '-l'], arguments: ['/tmp']); echo r.stdout.", [
      s('pod', 'the pod', true), s('container', "the container (default: the pod's only or default container)"),
      { name: 'command', type: 'any', required: true, doc: "the command: a string, or a list whose first item is the command and the rest its arguments" },
      { name: 'arguments', type: 'list', doc: "more arguments: ['x', 'y'] or [[value: 'x']]" }, waitTime, waitUnit,
    ], 'returns a map with stdout, stderr, error and failure (the plugin\'s ExecResult); a failed command (error) is returned, not thrown, as in the plugin; only a timeout fails the step (default wait 180000 ms)'),
    pipelineStep('openshiftImageStream', "Check out an image stream tag as an SCM (nothing is written to the workspace; the console shows the image the tag points at): openshiftImageStream(name: 'app', tag: 'latest', namespace: 'shop').", [
      s('name', 'the image stream', true), s('tag', 'the tag', true),
      b('changelog', 'accepted (an image stream has no changelog)'), b('poll', 'accepted (see differs)'),
    ], 'checkout only: the build records no revision, so pollSCM does not watch the image stream (use a cron trigger, or an OpenShift build trigger calling the job\'s webhook); returns [:] as Jenkins\' checkout of this SCM does'),
    pipelineStep('openshiftCreateResource', "Create objects from JSON or YAML: openshiftCreateResource(jsonyaml: readFile('svc.yaml')).", [
      s('jsonyaml', 'the objects: one, or a List', true),
    ]),
    pipelineStep('openshiftDeleteResourceByJsonYaml', "Delete the objects a JSON or YAML text names: openshiftDeleteResourceByJsonYaml(jsonyaml: readFile('svc.yaml')).", [
      s('jsonyaml', 'the objects: one, or a List', true),
    ]),
    pipelineStep('openshiftDeleteResourceByKey', "Delete objects by kind and name: openshiftDeleteResourceByKey(types: 'service,configmap', keys: 'web,web-config').", [
      s('types', 'kinds, separated by commas', true), s('keys', 'names, separated by commas (one per kind)', true),
    ]),
    pipelineStep('openshiftDeleteResourceByLabels', "Delete objects by label: openshiftDeleteResourceByLabels(types: 'service', keys: 'app', values: 'web').", [
      s('types', 'kinds, separated by commas', true), s('keys', 'label names, separated by commas', true), s('values', 'label values, separated by commas', true),
    ]),
  ],
  globals: [{ name: 'openshift', kind: 'object', doc: "the OpenShift Client plugin's DSL: openshift.withCluster('name') { openshift.withProject('p') { openshift.selector('dc', 'app').rollout().latest() } }" }],
  runtime: async () => (await import('./runtime.ts')).default,
};
