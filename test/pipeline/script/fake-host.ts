// A fake ScriptHost for the interpreter's tests: records step calls, has a few steps with
// canned results (echo, sh, error, readJSON, parallel, node, stage, dir, sleep), and host
// objects env / params / currentBuild with get and set.
import assert from 'node:assert/strict';
import type { Loc } from '../../../src/core/build.ts';
import { parse } from '../../../src/pipeline/syntax/parser.ts';
import { StepFailure } from '../../../src/core/errors.ts';
import { Interpreter } from '../../../src/pipeline/script/interpreter.ts';
import {
  fromJson, isClosure, isMap, type CallArgs, type DynamicContext, type HostObject, type ScriptHost, type Value,
} from '../../../src/pipeline/script/values.ts';
import { toGroovyString } from '../../../src/pipeline/script/format.ts';

export interface StepCall {
  name: string;
  args: CallArgs;
  line: number;
}

class MapObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName: string;
  readonly values: Map<string, Value>;
  readonly writable: boolean;
  readonly nullForMissing: boolean;
  constructor(typeName: string, values: Record<string, Value>, writable: boolean, nullForMissing: boolean) {
    this.typeName = typeName;
    this.values = new Map(Object.entries(values));
    this.writable = writable;
    this.nullForMissing = nullForMissing;
  }
  getProperty(name: string): Value | undefined {
    if (this.values.has(name)) return this.values.get(name) ?? null;
    return this.nullForMissing ? null : undefined;
  }
  setProperty(name: string, value: Value): boolean {
    if (!this.writable) return false;
    this.values.set(name, this.typeName === 'EnvActionImpl' && value !== null ? toGroovyString(value) : value);
    return true;
  }
  entries(): Map<string, Value> {
    return new Map(this.values);
  }
  invokeMethod(name: string, args: CallArgs): Promise<Value> | undefined {
    if (name === 'getEnvironment') return Promise.resolve(new Map(this.values));
    if (name === 'toString' && args.positional.length === 0) return Promise.resolve(this.toString());
    return undefined;
  }
  toString(): string {
    return this.typeName;
  }
}

export interface FakeOptions {
  sh?: (script: string, args: CallArgs) => Value | Promise<Value>;
  env?: Record<string, Value>;
  params?: Record<string, Value>;
  globals?: Record<string, Value>;
}

export class FakeHost implements ScriptHost {
  readonly calls: StepCall[] = [];
  readonly log: string[] = [];
  readonly env: MapObject;
  readonly params: MapObject;
  readonly currentBuild: MapObject;
  readonly opts: FakeOptions;
  interp!: Interpreter;
  readonly steps = new Set(['echo', 'sh', 'error', 'readJSON', 'parallel', 'node', 'stage', 'dir', 'sleep', 'writeFile', 'readFile', 'script', 'timeout']);

  constructor(opts: FakeOptions = {}) {
    this.opts = opts;
    this.env = new MapObject('EnvActionImpl', { BUILD_NUMBER: '42', BRANCH_NAME: 'main', ...opts.env }, true, true);
    this.params = new MapObject('ParamsVariable', { ...opts.params }, false, true);
    this.currentBuild = new MapObject('RunWrapper', { result: null, number: 42, description: null, currentResult: 'SUCCESS' }, true, false);
  }

  resolveGlobal(name: string): Value | undefined {
    if (name === 'env') return this.env;
    if (name === 'params') return this.params;
    if (name === 'currentBuild') return this.currentBuild;
    if (this.opts.globals && Object.hasOwn(this.opts.globals, name)) return this.opts.globals[name] ?? null;
    const e = this.env.values.get(name);
    if (e !== undefined) return e;
    return undefined;
  }

  hasStep(name: string): boolean {
    return this.steps.has(name);
  }

  stepNames(): Iterable<string> {
    return this.steps;
  }

  async callStep(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> {
    this.calls.push({ name, args, line: loc.start.line });
    const first = args.positional[0] ?? null;
    switch (name) {
      case 'echo':
        this.log.push(toGroovyString(first));
        return null;
      case 'sh': {
        const script = args.named ? toGroovyString(args.named.get('script') ?? null) : toGroovyString(first);
        this.log.push(`+ ${script}`);
        if (this.opts.sh) return this.opts.sh(script, args);
        if (args.named?.get('returnStdout') === true) return `out of ${script}\n`;
        if (args.named?.get('returnStatus') === true) return 0;
        return null;
      }
      case 'error':
        throw new StepFailure(toGroovyString(first));
      case 'readJSON': {
        const text = args.named?.get('text');
        return fromJson(JSON.parse(typeof text === 'string' ? text : '{}'));
      }
      case 'script':
      case 'node':
      case 'stage':
      case 'dir':
      case 'timeout':
        if (!args.closure) throw new StepFailure(`${name} needs a block`);
        if (name === 'stage') this.log.push(`[stage ${toGroovyString(first)}]`);
        return this.interp.callClosure(args.closure, [], ctx);
      case 'parallel': {
        const branches: [string, Value][] = [];
        if (args.named) for (const [k, v] of args.named) branches.push([k, v]);
        if (isMap(first)) for (const [k, v] of first) branches.push([k, v]);
        await Promise.all(branches.filter(([k]) => k !== 'failFast').map(async ([k, v]) => {
          if (!isClosure(v)) throw new StepFailure(`parallel: branch ${k} is not a closure`);
          return this.interp.callClosure(v, [], ctx);
        }));
        return null;
      }
      case 'sleep':
        await new Promise((r) => setTimeout(r, 1));
        return null;
      default:
        return null;
    }
  }
}

export function ctxOf(signal?: AbortSignal): DynamicContext {
  return { signal: signal ?? new AbortController().signal };
}

/** Parses a snippet with the real parser; throws with the diagnostics when it does not parse. */
export function parseOrThrow(src: string) {
  const r = parse(src);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.ast || errors.length > 0) {
    throw new Error(`parse failed:\n${errors.map((d) => `${d.loc.start.line}:${d.loc.start.col}: ${d.message}`).join('\n')}`);
  }
  return r.ast;
}

/** Runs a script snippet; returns its value, the host and the interpreter. */
export async function run(src: string, opts: FakeOptions & { signal?: AbortSignal; maxCallDepth?: number; host?: FakeHost } = {}) {
  const host = opts.host ?? new FakeHost(opts);
  const interp = new Interpreter(host, opts.maxCallDepth !== undefined ? { maxCallDepth: opts.maxCallDepth } : {});
  host.interp = interp;
  const ast = parseOrThrow(src);
  const value = await interp.runScript(ast.body, ctxOf(opts.signal));
  return { value, host, interp, log: host.log };
}

/** Evaluates an expression snippet and returns its value. */
export async function ev(src: string, opts: FakeOptions = {}): Promise<Value> {
  return (await run(src, opts)).value;
}

/** Runs a snippet that must fail: the error's message matches `message` and, when given, its
 *  location is on `line`; returns the error. */
export async function rejects(src: string, message: RegExp, line?: number): Promise<Error> {
  let caught: unknown;
  try {
    await run(src);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Error, `expected an error from ${src}`);
  assert.match(caught.message, message);
  if (line !== undefined) assert.equal((caught as { loc?: { start: { line: number } } }).loc?.start.line, line);
  return caught;
}
