// Errors of the script interpreter, and how Groovy code sees errors: `catch (T e)` matching,
// the caught value `e`, and the exceptions a script can create with `new Exception('x')`.
import { PipelineError } from '../diagnostics.ts';
import type { Loc } from '../../core/build.ts';
import { Interrupted, StepFailure } from '../../core/errors.ts';
import type { CallArgs, DynamicContext, HostObject, Value } from './values.ts';

/**
 * A Groovy run-time error raised by the interpreter itself (a missing property, a null
 * receiver, a construct Kiln does not run, runaway recursion...). `javaClass` is the
 * exception class Jenkins would have raised, so that `catch (MissingPropertyException e)`
 * and `"${e}"` behave as users expect.
 */
export class ScriptError extends PipelineError {
  readonly javaClass: string;
  constructor(code: string, message: string, loc: Loc | null, javaClass = 'groovy.lang.GroovyRuntimeException') {
    super(code, message, loc);
    this.javaClass = javaClass;
  }
}

/** A construct Kiln refuses to run: classes, Java APIs, reflection, files, processes. */
export function notSupported(what: string, loc: Loc | null, hint?: string): ScriptError {
  const msg = `not supported in Kiln's pipeline interpreter: ${what}${hint ? ` (${hint})` : ''}`;
  return new ScriptError('not-supported', msg, loc, 'java.lang.UnsupportedOperationException');
}

export function scriptError(code: string, message: string, loc: Loc | null, javaClass?: string): ScriptError {
  return new ScriptError(code, message, loc, javaClass);
}

/** RejectedAccessException: what Jenkins' sandbox says about a call its whitelist does not allow
 *  (`method java.util.Map computeIfAbsent java.lang.Object java.util.function.Function`). */
export function rejected(signature: string, loc: Loc | null): ScriptError {
  return scriptError('rejected', `Scripts not permitted to use ${signature}`, loc, 'org.jenkinsci.plugins.scriptsecurity.sandbox.RejectedAccessException');
}

/**
 * An exception the script created and threw: `throw new Exception('x')`,
 * `new IllegalArgumentException(...)`, `new hudson.AbortException(...)`. It is a StepFailure,
 * so that the engine fails the build with its message when nothing catches it.
 */
export class GroovyException extends StepFailure {
  readonly javaClass: string;
  constructor(javaClass: string, message: string, cause: unknown, loc: Loc | null) {
    super(message, cause === undefined ? { loc } : { loc, cause });
    this.javaClass = javaClass;
  }
}

/** Exception classes `new X(...)` may create, by simple name, with their qualified name. */
export const CONSTRUCTIBLE_EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  ['Exception', 'java.lang.Exception'],
  ['RuntimeException', 'java.lang.RuntimeException'],
  ['IllegalArgumentException', 'java.lang.IllegalArgumentException'],
  ['IllegalStateException', 'java.lang.IllegalStateException'],
  ['UnsupportedOperationException', 'java.lang.UnsupportedOperationException'],
  ['AbortException', 'hudson.AbortException'],
  ['Throwable', 'java.lang.Throwable'],
  ['Error', 'java.lang.Error'],
  ['IOException', 'java.io.IOException'],
]);

/** Superclass of each known exception class (simple names); the chain ends at Throwable. */
const SUPER: ReadonlyMap<string, string> = new Map([
  ['Exception', 'Throwable'],
  ['Error', 'Throwable'],
  ['StackOverflowError', 'Error'],
  ['IOException', 'Exception'],
  ['AbortException', 'IOException'],
  ['InterruptedException', 'Exception'],
  ['FlowInterruptedException', 'InterruptedException'],
  ['RuntimeException', 'Exception'],
  ['IllegalArgumentException', 'RuntimeException'],
  ['NumberFormatException', 'IllegalArgumentException'],
  ['IllegalStateException', 'RuntimeException'],
  ['NullPointerException', 'RuntimeException'],
  ['ArithmeticException', 'RuntimeException'],
  ['ClassCastException', 'RuntimeException'],
  ['IndexOutOfBoundsException', 'RuntimeException'],
  ['ArrayIndexOutOfBoundsException', 'IndexOutOfBoundsException'],
  ['StringIndexOutOfBoundsException', 'IndexOutOfBoundsException'],
  ['NoSuchElementException', 'RuntimeException'],
  ['UnsupportedOperationException', 'RuntimeException'],
  ['GroovyRuntimeException', 'RuntimeException'],
  ['MissingPropertyException', 'GroovyRuntimeException'],
  ['MissingMethodException', 'GroovyRuntimeException'],
  ['GroovyCastException', 'ClassCastException'],
  ['PatternSyntaxException', 'IllegalArgumentException'],
  ['ConcurrentModificationException', 'RuntimeException'],
  ['ReadOnlyPropertyException', 'MissingPropertyException'],
  ['IllegalFormatException', 'IllegalArgumentException'],
  ['MissingFormatArgumentException', 'IllegalFormatException'],
  ['IllegalFormatConversionException', 'IllegalFormatException'],
  ['UnknownFormatConversionException', 'IllegalFormatException'],
  ['JsonException', 'RuntimeException'],
  ['SecurityException', 'RuntimeException'],
  ['RejectedAccessException', 'SecurityException'],
  ['ParseException', 'Exception'],
  ['NoSuchMethodError', 'Error'],
  ['AssertionError', 'Error'],
  ['PowerAssertionError', 'AssertionError'],
  ['OutOfMemoryError', 'Error'],
]);

function simpleName(qualified: string): string {
  const i = qualified.lastIndexOf('.');
  return i < 0 ? qualified : qualified.slice(i + 1);
}

function isSubclass(cls: string, of: string): boolean {
  for (let c: string | undefined = cls; c !== undefined; c = SUPER.get(c)) if (c === of) return true;
  return false;
}

/** The Java class Jenkins would report for an error (for `"${e}"` and catch matching). */
export function javaClassOf(err: unknown): string {
  if (err instanceof GroovyException) return err.javaClass;
  if (err instanceof ScriptError) return err.javaClass;
  if (err instanceof Interrupted) return 'org.jenkinsci.plugins.workflow.steps.FlowInterruptedException';
  return 'hudson.AbortException';
}

/**
 * Whether `catch (<typeName> e)` catches `err`. Jenkins users rely on `catch (Exception e)`
 * catching an abort too (FlowInterruptedException is an Exception), so it does here. As the
 * interpreter's contract asks, a failed step or an interpreter error is also caught by
 * `RuntimeException` and `AbortException`, even where Java's class tree would not say so.
 */
export function catchMatches(err: unknown, typeName: string): boolean {
  const t = simpleName(typeName);
  if (t === 'Throwable' || t === 'Object' || t === 'def') return true;
  if (err instanceof Interrupted) return isSubclass('FlowInterruptedException', t);
  const cls = simpleName(javaClassOf(err));
  if (isSubclass(cls, t)) return true;
  if (err instanceof GroovyException) return false;
  // Errors (a failed assert, runaway recursion, an unknown step) are caught by Throwable/Error only, as in Java.
  if (isSubclass(cls, 'Error')) return false;
  // A failed step (AbortException in Jenkins) or an error of the interpreter.
  return t === 'Exception' || t === 'RuntimeException' || t === 'AbortException' || (t === 'IOException' && !(err instanceof ScriptError));
}

/** Whether an error value is an instance of the named class (`e instanceof AbortException`). */
export function errorInstanceOf(err: unknown, typeName: string): boolean {
  return catchMatches(err, typeName);
}

/** Turns anything thrown into one of the errors Kiln knows; JS errors become internal ScriptErrors. */
export function normalizeError(err: unknown, loc: Loc | null): StepFailure | Interrupted | PipelineError {
  if (err instanceof StepFailure || err instanceof Interrupted || err instanceof PipelineError) return err;
  if (err instanceof RangeError) {
    return new ScriptError('limit', `too large: ${err.message} (a string or list grew beyond what Kiln allows)`, loc, 'java.lang.OutOfMemoryError');
  }
  const msg = err instanceof Error ? err.message : String(err);
  // What the node says went wrong (its agent or pod gone, a file outside the workspace) is the
  // step's failure, in the node's words, not the interpreter's.
  if (err instanceof Error && (err.name === 'AgentUnavailableError' || err.name === 'WorkspaceError')) return new StepFailure(msg, { loc, cause: err });
  return new ScriptError('internal', `internal error in the script interpreter: ${msg}`, loc, 'java.lang.RuntimeException');
}

/**
 * The value a `catch` block binds: Groovy code sees a Java exception with `message`,
 * `getMessage()`, `toString()`, `getCause()`. `throw e` rethrows the original error.
 */
export class ErrorObject implements HostObject {
  readonly kind = 'host' as const;
  readonly error: StepFailure | Interrupted | PipelineError;
  constructor(error: StepFailure | Interrupted | PipelineError) {
    this.error = error;
  }
  get typeName(): string {
    return javaClassOf(this.error);
  }
  /** Jenkins' FlowInterruptedException has no message of its own; Kiln keeps its reason. */
  message(): string | null {
    return this.error.message;
  }
  cause(): Value {
    const c = (this.error as { cause?: unknown }).cause;
    if (c instanceof StepFailure || c instanceof Interrupted || c instanceof PipelineError) return new ErrorObject(c);
    return null;
  }
  getProperty(name: string): Value | undefined {
    switch (name) {
      case 'message':
      case 'localizedMessage':
        return this.message();
      case 'cause':
        return this.cause();
      case 'result':
        return this.error instanceof Interrupted || this.error instanceof StepFailure ? this.error.result : 'FAILURE';
      default:
        return undefined;
    }
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, _loc: Loc): Promise<Value> | undefined {
    if (args.positional.length > 0 || args.named || args.closure) return undefined;
    switch (name) {
      case 'getMessage':
      case 'getLocalizedMessage':
        return Promise.resolve(this.message());
      case 'getCause':
        return Promise.resolve(this.cause());
      case 'toString':
        return Promise.resolve(this.toString());
      case 'getResult':
        return Promise.resolve(this.getProperty('result') ?? null);
      default:
        return undefined;
    }
  }
  toString(): string {
    const m = this.message();
    return m === null || m === '' ? this.typeName : `${this.typeName}: ${m}`;
  }
}
