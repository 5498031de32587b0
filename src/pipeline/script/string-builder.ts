// `new StringBuilder()` / `new StringBuffer()`: a mutable string, as scripts build messages.
import type { Loc } from '../../core/build.ts';
import { toGroovyString } from './format.ts';
import { MAX_STRING, tooLarge } from './limits.ts';
import type { CallArgs, DynamicContext, HostObject, Value } from './values.ts';

export class StringBuilderObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName: string;
  text: string;
  constructor(typeName: string, initial: string) {
    this.typeName = typeName;
    this.text = initial;
  }
  append(v: Value, loc: Loc | null): this {
    const s = toGroovyString(v);
    if (this.text.length + s.length > MAX_STRING) throw tooLarge(`a ${this.typeName} of ${this.text.length + s.length} characters`, loc);
    this.text += s;
    return this;
  }
  getProperty(name: string): Value | undefined {
    if (name === 'length') return this.text.length;
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    const a = args.positional;
    switch (name) {
      case 'append':
      case 'leftShift':
        if (a.length !== 1) return undefined;
        return Promise.resolve(this.append(a[0] ?? null, loc));
      case 'toString':
        return Promise.resolve(this.text);
      case 'length':
      case 'size':
        return Promise.resolve(this.text.length);
      case 'isEmpty':
        return Promise.resolve(this.text.length === 0);
      case 'setLength': {
        const n = a[0];
        if (typeof n !== 'number' || n < 0) return undefined;
        this.text = n <= this.text.length ? this.text.slice(0, n) : this.text + '\u0000'.repeat(n - this.text.length);
        return Promise.resolve(null);
      }
      case 'insert': {
        const i = a[0];
        if (typeof i !== 'number' || a.length !== 2 || i < 0 || i > this.text.length) return undefined;
        this.text = this.text.slice(0, i) + toGroovyString(a[1] ?? null) + this.text.slice(i);
        return Promise.resolve(this);
      }
      case 'reverse':
        this.text = [...this.text].reverse().join('');
        return Promise.resolve(this);
      case 'charAt': {
        const i = a[0];
        if (typeof i !== 'number' || i < 0 || i >= this.text.length) return undefined;
        return Promise.resolve(this.text[i] ?? null);
      }
      default:
        return undefined;
    }
  }
  toString(): string {
    return this.text;
  }
}
