// Describable constructors used inside step arguments, as Jenkins' "symbols":
//   withCredentials([string(credentialsId: 'tok', variable: 'TOKEN')])
//   input(parameters: [booleanParam(name: 'GO', defaultValue: true)])
//   options { buildDiscarder(logRotator(numToKeepStr: '10')) }
// Each returns a descriptor map: { $symbol: 'string', credentialsId: 'tok', variable: 'TOKEN' }.
import { defineStep, type Step, type StepParam } from './types.ts';
import type { GMap } from '../script/values.ts';

function symbol(name: string, doc: string, params: StepParam[]): Step {
  return defineStep({
    name,
    doc,
    params,
    block: 'none',
    needsNode: false,
    kind: 'symbol',
    async run(_ctx, args) {
      const m: GMap = new Map([['$symbol', name]]);
      for (const [k, v] of Object.entries(args.values)) m.set(k, v);
      return m;
    },
  });
}

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });

export const symbols: Step[] = [
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
  symbol('certificate', 'binds a certificate credential to a keystore file', [
    s('credentialsId', 'credential', true), s('keystoreVariable', 'receives the keystore path', true), s('passwordVariable', 'receives the keystore password'), s('aliasVariable', 'receives the alias'),
  ]),
  symbol('logRotator', 'how many old builds to keep (buildDiscarder)', [
    s('numToKeepStr', 'builds to keep'), s('daysToKeepStr', 'days to keep builds'), s('artifactNumToKeepStr', 'builds whose artifacts to keep'), s('artifactDaysToKeepStr', 'days to keep artifacts'),
  ]),
  symbol('containerTemplate', 'a container of a podTemplate', [
    s('name', 'container name', true), s('image', 'image', true), s('command', 'command'), s('args', 'arguments'), b('ttyEnabled', 'allocate a tty'),
    s('workingDir', 'working directory'), b('alwaysPullImage', 'always pull'), b('privileged', 'privileged'), s('runAsUser', 'uid'), s('runAsGroup', 'gid'),
    s('resourceRequestCpu', 'cpu request'), s('resourceRequestMemory', 'memory request'), s('resourceLimitCpu', 'cpu limit'), s('resourceLimitMemory', 'memory limit'),
    { name: 'envVars', type: 'list', doc: 'envVar(key, value) entries' },
  ]),
  symbol('envVar', 'an environment variable of a containerTemplate', [s('key', 'name', true), s('value', 'value', true)]),
];
