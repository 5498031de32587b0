// The protocol's own schema builders and checker (src/protocol/schema.ts), against TypeBox
// itself: the schemas they build are TypeBox schemas (TypeBox compiles them), and on valid
// messages and thousands of mutations of them, compileCheck accepts exactly what TypeBox's
// TypeCompiler accepts, and names the same first failing path when it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Type as TB, type TSchema } from '@sinclair/typebox';
import { Type, compileCheck } from '../../src/protocol/schema.ts';
import { agentMessages, controllerMessages } from '../../src/protocol/messages.ts';
import { Rng } from '../security/fuzz.ts';

const VALID: Record<string, unknown> = {
  hello: { type: 'hello', protocol: 3, name: 'a1', labels: ['linux'], executors: 2, os: 'linux', arch: 'x64', hostname: 'h', nodeVersion: 'v24', kilnVersion: '0.1.0', workdir: '/w', session: null, received: 0, leftovers: [{ build: 'j#1', command: 'sh', found: 1, running: 0 }] },
  welcome: { type: 'welcome', protocol: 3, session: 's', resumed: false, received: 0, heartbeatMs: 1000, timeoutMs: 3000 },
  exec: { type: 'exec', seq: 1, ack: 0, id: 2, ws: 1, argv: ['sh', '-c', 'x'], cwd: '/w', env: { A: 'b', 'a/b': 'c' }, container: 'maven', stdin: false },
  allocate: { type: 'allocate', seq: 1, ack: 0, id: 1, job: 'j', number: 1, buildId: 'j#1', path: 'x' },
  fileStat: { type: 'fileStat', seq: 5, ack: 1, id: 4, stat: { type: 'file', size: 1, mode: 420 } },
  exited: { type: 'exited', seq: 3, ack: 1, id: 2, exitCode: 0, signal: null, aborted: false, chunks: 1 },
  glob: { type: 'glob', seq: 3, ack: 0, id: 4, ws: 1, dir: '/w', includes: '**', excludes: 'x', defaultExcludes: true },
  failed: { type: 'failed', seq: 8, ack: 1, id: 7, code: 'outside', message: 'no' },
};
const ODD: unknown[] = [null, true, 0, -1, 1.5, 1e308, Infinity, NaN, 2 ** 53, '', 'x', [], {}, [1], { a: 1 }, 'file', 'stdout', 'x'.repeat(300)];

function mutate(r: Rng, v: unknown, depth = 0): unknown {
  if (Array.isArray(v)) {
    const a = [...v];
    if (a.length && r.chance(0.5)) a[r.int(a.length)] = depth < 3 && r.chance(0.5) ? mutate(r, a[r.int(a.length)], depth + 1) : r.pick(ODD);
    else if (r.chance(0.5)) a.push(r.pick(ODD));
    else a.pop();
    return a;
  }
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    switch (r.int(4)) {
      case 0: delete o[r.pick(keys)]; break;
      case 1: o[r.pick(['extra', '__proto__', 'constructor'])] = r.pick(ODD); break;
      case 2: { const k = r.pick(keys); o[k] = depth < 3 ? mutate(r, o[k], depth + 1) : r.pick(ODD); break; }
      default: o[r.pick(keys)] = r.pick(ODD);
    }
    return o;
  }
  return r.pick(ODD);
}

test('the builders make TypeBox schemas: the same JSON Schema as TypeBox, and TypeBox compiles them', () => {
  const ours = Type.Object({ a: Type.Optional(Type.Integer({ minimum: 1 })), b: Type.Union([Type.Literal('x'), Type.Null()]), c: Type.Array(Type.String({ maxLength: 3 }), { maxItems: 2 }), d: Type.Record(Type.String(), Type.Boolean()) }, { additionalProperties: false });
  const theirs = TB.Object({ a: TB.Optional(TB.Integer({ minimum: 1 })), b: TB.Union([TB.Literal('x'), TB.Null()]), c: TB.Array(TB.String({ maxLength: 3 }), { maxItems: 2 }), d: TB.Record(TB.String(), TB.Boolean()) }, { additionalProperties: false });
  assert.deepEqual(JSON.parse(JSON.stringify(ours)), JSON.parse(JSON.stringify(theirs)));
  assert.equal(TypeCompiler.Compile(ours as TSchema).Check({ b: null, c: ['ab'], d: { k: true } }), true);
  assert.throws(() => compileCheck({ type: 'string' }), /unsupported schema kind/);
});

test('compileCheck accepts exactly what TypeBox accepts on every message type, and reports the same first path', () => {
  const r = new Rng(0x5c4e3a);
  const all: Record<string, TSchema> = { ...agentMessages, ...controllerMessages };
  let accepted = 0;
  let refused = 0;
  for (const [type, sample] of Object.entries(VALID)) {
    const schema = all[type]!;
    const tb = TypeCompiler.Compile(schema);
    const ours = compileCheck(schema);
    assert.equal(ours(sample), null, `the valid ${type} sample is refused: ${JSON.stringify(ours(sample))}`);
    for (let i = 0; i < 1500; i++) {
      const v = mutate(r, sample);
      const e = ours(v);
      const ok = tb.Check(v);
      assert.equal(e === null, ok, `${type}: TypeBox ${ok ? 'accepts' : 'refuses'} ${JSON.stringify(v)}, ours says ${JSON.stringify(e)}`);
      if (e) {
        refused++;
        const first = tb.Errors(v).First();
        // The same failing property (TypeBox may stop at a union's own path where we do too).
        assert.ok(first && (first.path === e.path || first.path.startsWith(e.path) || e.path.startsWith(first.path)), `${type}: TypeBox's first error is at ${first?.path}, ours at ${e.path} for ${JSON.stringify(v)}`);
      } else accepted++;
    }
  }
  assert.ok(accepted > 100 && refused > 1000, `${accepted} accepted, ${refused} refused`);
});
