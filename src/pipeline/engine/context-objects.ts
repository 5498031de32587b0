// What `getContext(SomeClass)` gives a script (Jenkins' StepContext.get, reached from a script
// as CpsScript.getContext): the few contexts Kiln has, as host objects with the methods
// Jenkinsfiles use, and a clear error naming a class Kiln never provides.
//   hudson.FilePath              the current directory on the node: prints as its path;
//                                getRemote()/remote, getName()/name; null outside a node
//   hudson.model.TaskListener    getLogger() → a stream whose println/print write to the console
//   hudson.EnvVars               the environment as a map (a copy: changing it changes nothing)
// The engine supplies the current directory, the environment and the console (ScriptHost.getContext).
import path from 'node:path/posix';
import type { Loc } from '../../core/build.ts';
import { StepFailure } from '../../core/errors.ts';
import type { CallArgs, HostObject, Value } from '../script/values.ts';
import { toGroovyString } from '../script/interpreter.ts';

export interface ContextSource {
  /** The current directory on the node, or null when the code runs on none. */
  cwd: string | null;
  env: Record<string, string>;
  log(text: string): void;
}

const PROVIDED = ['hudson.EnvVars', 'hudson.FilePath', 'hudson.model.TaskListener'];

/** The context object for `className` (dotted as written; a simple name is matched too). */
export function contextObject(className: string, src: ContextSource, loc: Loc): Value {
  const simple = className.slice(className.lastIndexOf('.') + 1);
  const fqn = PROVIDED.find((p) => p === className || (!className.includes('.') && p.endsWith(`.${simple}`)));
  switch (fqn) {
    case 'hudson.FilePath': return src.cwd === null ? null : filePath(src.cwd);
    case 'hudson.EnvVars': return new Map<string, Value>(Object.entries(src.env));
    case 'hudson.model.TaskListener': return listener(src);
    default:
      throw new StepFailure(`getContext(${className}): Kiln does not provide ${className} to scripts; it provides ${PROVIDED.join(', ')}`, { loc });
  }
}

function filePath(p: string): HostObject {
  return {
    kind: 'host', typeName: 'hudson.FilePath',
    getProperty: (name) => (name === 'remote' ? p : name === 'name' ? path.basename(p) : undefined),
    invokeMethod: (name, args) => {
      if (args.positional.length > 0 || args.named) return undefined;
      if (name === 'getRemote' || name === 'toString') return Promise.resolve(p);
      if (name === 'getName') return Promise.resolve(path.basename(p));
      return undefined;
    },
    toString: () => p,
  };
}

function listener(src: ContextSource): HostObject {
  const logger: HostObject = {
    kind: 'host', typeName: 'java.io.PrintStream',
    getProperty: () => undefined,
    invokeMethod: (name, args: CallArgs) => {
      if ((name !== 'println' && name !== 'print') || args.positional.length > 1 || args.named) return undefined;
      const v = args.positional[0];
      src.log(v === undefined ? '' : toGroovyString(v));
      return Promise.resolve(null);
    },
    toString: () => 'java.io.PrintStream',
  };
  return {
    kind: 'host', typeName: 'hudson.model.TaskListener',
    getProperty: (name) => (name === 'logger' ? logger : undefined),
    invokeMethod: (name, args) => (name === 'getLogger' && args.positional.length === 0 && !args.named ? Promise.resolve(logger) : undefined),
    toString: () => 'hudson.model.TaskListener',
  };
}
