// The few TypeBox builders the agent protocol's schemas use (messages.ts), and a checker for
// them, without loading TypeBox at run time.
//
// Why: the agent is in every build pod, so what it loads is paid once per pod. TypeBox's
// builders and compiler load about 200 modules and cost the agent process some 19 MB of its
// resident memory, for 15 small message schemas. The agent (and the controller's end of the
// same protocol) only needs: build those schemas, and check a parsed JSON value against one.
//
// How: `Type` has the signatures of TypeBox's own builders (its types are imported as types
// only, so `Static<>` still gives the messages' TypeScript types) and makes the same JSON Schema
// objects, with TypeBox's Kind and Optional symbols (Symbol.for, so TypeBox itself can compile
// them: the fuzz test uses TypeCompiler as an independent oracle). `compileCheck(schema)` turns
// a schema into a closure tree once; it answers null for a valid value or the JSON pointer and
// a message of the first error, like TypeBox's `Errors().First()`. Semantics follow TypeBox's
// compiler under its default policy: integers are finite whole numbers, objects are not arrays
// nor null, `additionalProperties: false` refuses unknown own keys, a Record checks every own
// key's value (TypeBox drops the key schema's constraints too).
import type { Type as TypeBoxType } from '@sinclair/typebox';

const Kind = Symbol.for('TypeBox.Kind');
const OptionalKind = Symbol.for('TypeBox.Optional');

type Schema = Record<string | symbol, unknown>;
type Opts = Record<string, unknown> | undefined;

const make = (kind: string, body: Record<string, unknown>, o?: Opts): Schema => ({ ...o, ...body, [Kind]: kind });

const builders = {
  Integer: (o?: Opts) => make('Integer', { type: 'integer' }, o),
  String: (o?: Opts) => make('String', { type: 'string' }, o),
  Boolean: (o?: Opts) => make('Boolean', { type: 'boolean' }, o),
  Null: (o?: Opts) => make('Null', { type: 'null' }, o),
  Literal: (value: string | number | boolean, o?: Opts) => make('Literal', { const: value, type: typeof value }, o),
  Union: (anyOf: Schema[], o?: Opts) => make('Union', { anyOf }, o),
  Array: (items: Schema, o?: Opts) => make('Array', { type: 'array', items }, o),
  Record: (_key: Schema, value: Schema, o?: Opts) => make('Record', { type: 'object', patternProperties: { '^(.*)$': value } }, o),
  Optional: (s: Schema) => ({ ...s, [Kind]: s[Kind], [OptionalKind]: 'Optional' }),
  Object: (properties: Record<string, Schema>, o?: Opts) => {
    const required = Object.keys(properties).filter((k) => properties[k]![OptionalKind] !== 'Optional');
    return make('Object', { type: 'object', ...(required.length ? { required } : {}), properties }, o);
  },
};

/** TypeBox's builders (the subset messages.ts uses), with TypeBox's types. */
export const Type = builders as unknown as Pick<typeof TypeBoxType,
  'Integer' | 'String' | 'Boolean' | 'Null' | 'Literal' | 'Union' | 'Array' | 'Record' | 'Optional' | 'Object'>;

/** The first error: where (a JSON pointer, '' for the value itself) and what. */
export interface SchemaError {
  path: string;
  message: string;
}

/** Checks a value; null when it matches. */
export type Check = (value: unknown, path?: string) => SchemaError | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (path: string, key: string) => `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Compiles a schema made by `Type` into a checker. An unknown kind is a programming error. */
export function compileCheck(schema: unknown): Check {
  const s = schema as Schema;
  const err = (path: string, message: string): SchemaError => ({ path, message });
  switch (s[Kind]) {
    case 'Integer': {
      const min = s.minimum as number | undefined;
      const max = s.maximum as number | undefined;
      return (v, p = '') => {
        if (typeof v !== 'number' || !Number.isInteger(v)) return err(p, 'Expected integer');
        if (min !== undefined && v < min) return err(p, `Expected integer to be greater or equal to ${min}`);
        if (max !== undefined && v > max) return err(p, `Expected integer to be less or equal to ${max}`);
        return null;
      };
    }
    case 'String': {
      const minLength = s.minLength as number | undefined;
      const maxLength = s.maxLength as number | undefined;
      const re = typeof s.pattern === 'string' ? new RegExp(s.pattern) : null;
      return (v, p = '') => {
        if (typeof v !== 'string') return err(p, 'Expected string');
        if (minLength !== undefined && v.length < minLength) return err(p, `Expected string length greater or equal to ${minLength}`);
        if (maxLength !== undefined && v.length > maxLength) return err(p, `Expected string length less or equal to ${maxLength}`);
        if (re && !re.test(v)) return err(p, `Expected string to match '${String(s.pattern)}'`);
        return null;
      };
    }
    case 'Boolean':
      return (v, p = '') => (typeof v === 'boolean' ? null : err(p, 'Expected boolean'));
    case 'Null':
      return (v, p = '') => (v === null ? null : err(p, 'Expected null'));
    case 'Literal': {
      const c = s.const;
      return (v, p = '') => (v === c ? null : err(p, `Expected ${JSON.stringify(c)}`));
    }
    case 'Union': {
      const alts = (s.anyOf as unknown[]).map(compileCheck);
      return (v, p = '') => (alts.some((a) => a(v, p) === null) ? null : err(p, 'Expected union value'));
    }
    case 'Array': {
      const item = compileCheck(s.items);
      const minItems = s.minItems as number | undefined;
      const maxItems = s.maxItems as number | undefined;
      return (v, p = '') => {
        if (!Array.isArray(v)) return err(p, 'Expected array');
        if (minItems !== undefined && v.length < minItems) return err(p, `Expected array length to be greater or equal to ${minItems}`);
        if (maxItems !== undefined && v.length > maxItems) return err(p, `Expected array length to be less or equal to ${maxItems}`);
        for (let i = 0; i < v.length; i++) {
          const e = item(v[i], `${p}/${i}`);
          if (e) return e;
        }
        return null;
      };
    }
    case 'Record': {
      const value = compileCheck(Object.values(s.patternProperties as Record<string, unknown>)[0]);
      return (v, p = '') => {
        if (!isObject(v)) return err(p, 'Expected object');
        for (const k of Object.getOwnPropertyNames(v)) {
          const e = value(v[k], pointer(p, k));
          if (e) return e;
        }
        return null;
      };
    }
    case 'Object': {
      const props = Object.entries(s.properties as Record<string, Schema>).map(([k, ps]) => ({ k, optional: ps[OptionalKind] === 'Optional', check: compileCheck(ps) }));
      const known = new Set(props.map((x) => x.k));
      const closed = s.additionalProperties === false;
      return (v, p = '') => {
        if (!isObject(v)) return err(p, 'Expected object');
        for (const { k, optional, check } of props) {
          const x = Object.hasOwn(v, k) ? v[k] : undefined;
          if (x === undefined) {
            if (optional) continue;
            return err(pointer(p, k), 'Expected required property');
          }
          const e = check(x, pointer(p, k));
          if (e) return e;
        }
        if (closed) {
          for (const k of Object.getOwnPropertyNames(v)) if (!known.has(k)) return err(pointer(p, k), 'Unexpected property');
        }
        return null;
      };
    }
    default:
      throw new Error(`compileCheck: unsupported schema kind ${String(s[Kind])}`);
  }
}
