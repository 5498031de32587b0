// A lazy GString: `"now ${-> x}"`, whose closure placeholders run each time the GString is
// turned into a String, as Groovy's GStringImpl does (an ordinary `"${x}"` is rendered at once:
// Kiln keeps those as plain strings).
//
// How: the interpreter makes a LazyGString when a GString has a `${-> ...}` placeholder. It
// keeps the text parts, the eager values and the closures, and two renderers the interpreter
// gives it: `render()` (async: runs the closures as calls, used wherever the interpreter turns
// a value into a string — echo/println, steps' arguments, method calls on it, other GStrings)
// and `toString()` (sync, for the operators: `+`, `==`, map keys), which evaluates a closure
// that is a single simple expression (`-> count`, `-> a.b`, `-> n * 2`) and refuses one that
// would need a call, with a clear message.
import type { HostObject, Value } from './values.ts';

export interface LazyRenderers {
  /** The string of the whole GString, closures run now (async). */
  render(): Promise<string>;
  /** The same, synchronously; throws when a placeholder needs a call. */
  renderSync(): string;
}

export class LazyGString implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.codehaus.groovy.runtime.GStringImpl';
  readonly #r: LazyRenderers;
  constructor(r: LazyRenderers) {
    this.#r = r;
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  render(): Promise<string> {
    return this.#r.render();
  }
  toString(): string {
    return this.#r.renderSync();
  }
}

export function isLazyGString(v: unknown): v is LazyGString {
  return v instanceof LazyGString;
}
