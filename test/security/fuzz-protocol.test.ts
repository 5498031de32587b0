// Fuzzing the agent protocol's decoder (src/protocol/codec.ts), the first code an agent's bytes
// reach on the controller, with a fixed seed: mutations of every kind of valid frame (text and
// binary), random bytes, odd JSON. Each frame is either a message that matches its schema or a
// ProtocolViolation with a close code and a reason; never another exception, never a value
// that slips past the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolViolation, agentDecoder, controllerDecoder, encode } from '../../src/protocol/codec.ts';
import { CloseCode, agentMessages, controllerMessages } from '../../src/protocol/messages.ts';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { Rng } from './fuzz.ts';

const SEED = Number(process.env.KILN_FUZZ_SEED ?? 0x6b696c6e);
const FRAMES = Number(process.env.KILN_FUZZ_COUNT ?? 20_000);

const hello = { type: 'hello', protocol: 1, name: 'a1', labels: ['linux'], executors: 2, os: 'linux', arch: 'x64', hostname: 'h', nodeVersion: 'v24', kilnVersion: '0.1.0', workdir: '/w', session: null, received: 0 };
const fromAgent: [Record<string, unknown>, Buffer?][] = [
  [hello],
  [{ type: 'ack', ack: 3 }],
  [{ type: 'allocated', seq: 1, ack: 0, id: 1, root: '/w/ws', tmp: '/w/ws@tmp', nodeName: 'a1', nodeLabels: ['a1'], hasContainers: false, isUnix: true }],
  [{ type: 'output', seq: 2, ack: 1, id: 2, n: 0, stream: 'stdout' }, Buffer.from('hello\n')],
  [{ type: 'exited', seq: 3, ack: 1, id: 2, exitCode: 0, signal: null, aborted: false, chunks: 1 }],
  [{ type: 'fileRead', seq: 4, ack: 1, id: 3, size: 5 }],
  [{ type: 'fileStat', seq: 5, ack: 1, id: 4, stat: { type: 'file', size: 1, mode: 420 } }],
  [{ type: 'globbed', seq: 6, ack: 1, id: 5, files: ['a', 'b/c'] }],
  [{ type: 'done', seq: 7, ack: 1, id: 6 }],
  [{ type: 'failed', seq: 8, ack: 1, id: 7, code: 'outside', message: 'no' }],
  [{ type: 'chunk', seq: 9, ack: 1, id: 3, last: true }, Buffer.from('bytes')],
];
const fromController: [Record<string, unknown>, Buffer?][] = [
  [{ type: 'welcome', protocol: 1, session: 's', resumed: false, received: 0, heartbeatMs: 1000, timeoutMs: 3000 }],
  [{ type: 'exec', seq: 1, ack: 0, id: 2, ws: 1, argv: ['sh', '-c', 'x'], cwd: '/w', env: { A: 'b' }, stdin: false }],
  [{ type: 'writeFile', seq: 2, ack: 0, id: 3, ws: 1, path: '/w/f', size: 3, mode: 420 }],
  [{ type: 'glob', seq: 3, ack: 0, id: 4, ws: 1, dir: '/w', includes: '**', excludes: 'x', defaultExcludes: true }],
  [{ type: 'chunk', seq: 4, ack: 0, id: 3, last: true }, Buffer.from('abc')],
];

const ODD: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53, '', 'x'.repeat(70_000), '\u0000', '__proto__', [], {}, [[[]]], { type: 'hello' }, 'hello', 'chunk'];

function mutateValue(r: Rng, msg: Record<string, unknown>): Record<string, unknown> {
  const m: Record<string, unknown> = structuredClone(msg);
  const keys = Object.keys(m);
  for (let k = 1 + r.int(3); k > 0; k--) {
    switch (r.int(5)) {
      case 0: m[r.pick(keys)] = r.pick(ODD); break;
      case 1: delete m[r.pick(keys)]; break;
      case 2: m[r.pick(['extra', '__proto__', 'constructor', 'type', 'seq'])] = r.pick(ODD); break;
      case 3: m.type = r.pick([...Object.keys(agentMessages), ...Object.keys(controllerMessages), 'toString', 'hasOwnProperty', '']); break;
      default: {
        const key = r.pick(keys);
        if (typeof m[key] === 'number') m[key] = (m[key] as number) + r.pick([-1, 1, 0.5, 2 ** 31, -(2 ** 31)]);
      }
    }
  }
  return m;
}

function mutateBytes(r: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  switch (r.int(4)) {
    case 0: for (let i = 1 + r.int(4); i > 0 && out.length > 0; i--) out[r.int(out.length)] = r.int(256); return out;
    case 1: return out.subarray(0, r.int(out.length + 1));
    case 2: return Buffer.concat([out, Buffer.from(Array.from({ length: r.int(50) }, () => r.int(256)))]);
    default: {
      if (out.length >= 4) out.writeUInt32BE(r.pick([0, 1, out.length, out.length - 4, 0xffffffff, 1024 * 1024 + 1]), 0);
      return out;
    }
  }
}

test(`the protocol decoders answer ${FRAMES} hostile frames with a valid message or a ProtocolViolation, nothing else (seed ${SEED})`, () => {
  const r = new Rng(SEED);
  const sides = [
    { decoder: agentDecoder(), samples: fromAgent, schemas: agentMessages as Record<string, TSchema> },
    { decoder: controllerDecoder(), samples: fromController, schemas: controllerMessages as Record<string, TSchema> },
  ];
  const checks = new Map<string, ReturnType<typeof TypeCompiler.Compile>>();
  const codes = new Set<number>([CloseCode.badData, CloseCode.policy]);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < FRAMES; i++) {
    const side = r.pick(sides);
    const [msg, data] = r.pick(side.samples);
    let raw: Buffer;
    let binary: boolean;
    switch (r.int(4)) {
      case 0: { // a mutated message, encoded properly
        const f = encode(mutateValue(r, msg) as { type: string }, data);
        raw = Buffer.isBuffer(f.frame) ? f.frame : Buffer.from(f.frame);
        binary = r.chance(0.9) ? f.binary : !f.binary;
        break;
      }
      case 1: { // a proper frame, its bytes damaged
        const f = encode(msg as { type: string }, data);
        raw = mutateBytes(r, Buffer.isBuffer(f.frame) ? f.frame : Buffer.from(f.frame));
        binary = f.binary;
        break;
      }
      case 2: // random bytes
        raw = Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256)));
        binary = r.chance(0.5);
        break;
      default: // odd JSON
        raw = Buffer.from(JSON.stringify(r.pick(ODD)) ?? 'undefined');
        binary = false;
    }
    try {
      const { msg: got } = side.decoder.decode(raw, binary);
      const type = (got as { type: string }).type;
      let check = checks.get(type);
      if (!check) checks.set(type, check = TypeCompiler.Compile(side.schemas[type]!));
      assert.ok(check.Check(got), `accepted a ${type} that breaks its schema: ${raw.toString('latin1').slice(0, 200)}`);
      accepted++;
    } catch (err) {
      if (!(err instanceof ProtocolViolation)) assert.fail(`frame ${i} threw ${String(err)} instead of a ProtocolViolation: ${JSON.stringify(raw.toString('latin1').slice(0, 200))} (binary ${binary})`);
      assert.ok(codes.has(err.code), `close code ${err.code}`);
      assert.ok(err.message.length > 0 && err.message.length < 400, `reason: ${err.message.slice(0, 100)}`);
      refused++;
    }
  }
  assert.ok(accepted > 0 && refused > 0, `${accepted} accepted, ${refused} refused`);
});
