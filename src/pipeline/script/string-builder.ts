// `new StringBuilder()` / `new StringBuffer()`: a mutable string, as scripts build messages.
import type { Loc } from '../../core/build.ts';
import { ScriptError, scriptError } from './errors.ts';
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
      // AbstractStringBuilder's editing methods (whitelisted), with Java's range checks
      case 'deleteCharAt': {
        const i = a[0];
        if (a.length !== 1 || typeof i !== 'number') return undefined;
        if (i < 0 || i >= this.text.length) throw outOfRange(`index ${i},length ${this.text.length}`, loc);
        this.text = this.text.slice(0, i) + this.text.slice(i + 1);
        return Promise.resolve(this);
      }
      case 'delete': {
        const [b, e] = a;
        if (a.length !== 2 || typeof b !== 'number' || typeof e !== 'number') return undefined;
        const end = Math.min(e, this.text.length);
        if (b < 0 || b > end) throw outOfRange(`start ${b}, end ${e}, length ${this.text.length}`, loc);
        this.text = this.text.slice(0, b) + this.text.slice(end);
        return Promise.resolve(this);
      }
      case 'replace': {
        const [b, e, str] = a;
        if (a.length !== 3 || typeof b !== 'number' || typeof e !== 'number' || typeof str !== 'string') return undefined;
        if (b < 0 || b > this.text.length || b > e) throw outOfRange(`start ${b}, end ${e}, length ${this.text.length}`, loc);
        const next = this.text.slice(0, b) + str + this.text.slice(Math.min(e, this.text.length));
        if (next.length > MAX_STRING) throw tooLarge(`a ${this.typeName} of ${next.length} characters`, loc);
        this.text = next;
        return Promise.resolve(this);
      }
      case 'setCharAt': {
        const [i, c] = a;
        if (a.length !== 2 || typeof i !== 'number' || typeof c !== 'string' || c.length !== 1) return undefined;
        if (i < 0 || i >= this.text.length) throw outOfRange(`index ${i},length ${this.text.length}`, loc);
        this.text = this.text.slice(0, i) + c + this.text.slice(i + 1);
        return Promise.resolve(null);
      }
      case 'indexOf':
      case 'lastIndexOf': {
        const [str, from] = a;
        if (typeof str !== 'string' || a.length > 2 || (a.length === 2 && typeof from !== 'number')) return undefined;
        if (name === 'indexOf') return Promise.resolve(this.text.indexOf(str, Math.max(0, (from as number | undefined) ?? 0)));
        return Promise.resolve(a.length === 2 ? ((from as number) < 0 ? -1 : this.text.lastIndexOf(str, from as number)) : this.text.lastIndexOf(str));
      }
      case 'substring': {
        const [b, e] = a;
        if (typeof b !== 'number' || a.length > 2 || (a.length === 2 && typeof e !== 'number')) return undefined;
        const end = a.length === 2 ? (e as number) : this.text.length;
        if (b < 0 || end > this.text.length || b > end) throw outOfRange(`start ${b}, end ${end}, length ${this.text.length}`, loc);
        return Promise.resolve(this.text.slice(b, end));
      }
      default:
        return undefined;
    }
  }
  toString(): string {
    return this.text;
  }
}

function outOfRange(message: string, loc: Loc): ScriptError {
  return scriptError('index', message, loc, 'java.lang.StringIndexOutOfBoundsException');
}
