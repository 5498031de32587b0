// Frames ⇄ messages: every message checked against its schema, bytes in binary frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolViolation, agentDecoder, closeReason, controllerDecoder, encode } from '../../src/protocol/codec.ts';
import { CloseCode, PROTOCOL_VERSION, isValidAgentName, isValidLabel } from '../../src/protocol/messages.ts';

const violation = (code: number, re: RegExp) => (e: unknown) => e instanceof ProtocolViolation && e.code === code && re.test(e.message);
const text = (o: unknown) => Buffer.from(JSON.stringify(o));

test('a binary message round-trips with its bytes; a text message without', () => {
  const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
  const f = encode({ type: 'output', seq: 3, ack: 1, id: 9, n: 0, stream: 'stderr' } as { type: string }, bytes);
  assert.equal(f.binary, true);
  const d = agentDecoder().decode(f.frame as Buffer, true);
  assert.deepEqual(d.msg, { type: 'output', seq: 3, ack: 1, id: 9, n: 0, stream: 'stderr' });
  assert.deepEqual(d.data, bytes);
  const t = encode({ type: 'stat', seq: 1, ack: 0, id: 2, ws: 1, path: '/w/x' } as { type: string });
  assert.equal(t.binary, false);
  assert.equal(typeof t.frame, 'string');
  const dt = controllerDecoder().decode(Buffer.from(t.frame as string), false);
  assert.equal(dt.data, null);
  assert.deepEqual(dt.msg, { type: 'stat', seq: 1, ack: 0, id: 2, ws: 1, path: '/w/x' });
  const empty = controllerDecoder().decode(encode({ type: 'chunk', seq: 2, ack: 0, id: 4, last: true } as { type: string }).frame as Buffer, true);
  assert.equal(empty.data?.length, 0);
});

test('bad JSON, non-objects, missing or unknown types, schema breaks are violations with reasons', () => {
  const d = agentDecoder();
  assert.throws(() => d.decode(Buffer.from('{nope'), false), violation(CloseCode.badData, /not valid JSON/));
  assert.throws(() => d.decode(Buffer.from('[1,2]'), false), violation(CloseCode.policy, /not an object/));
  assert.throws(() => d.decode(Buffer.from('null'), false), violation(CloseCode.policy, /not an object/));
  assert.throws(() => d.decode(text({ x: 1 }), false), violation(CloseCode.policy, /no type/));
  assert.throws(() => d.decode(text({ type: 'exec' }), false), violation(CloseCode.policy, /unknown message type 'exec' from the agent/));
  assert.throws(() => d.decode(text({ type: '__proto__' }), false), violation(CloseCode.policy, /unknown message type/));
  assert.throws(() => d.decode(text({ type: 'done', seq: 0, ack: 0, id: 1 }), false), violation(CloseCode.policy, /bad 'done' message from the agent: \/seq/));
  assert.throws(() => d.decode(text({ type: 'done', seq: 1, ack: 0, id: 1, extra: true }), false), violation(CloseCode.policy, /bad 'done'/));
  assert.throws(() => d.decode(text({ type: 'failed', seq: 1, ack: 0, id: 1, code: 'boom', message: 'x' }), false), violation(CloseCode.policy, /\/code/));
  const hello = { type: 'hello', protocol: PROTOCOL_VERSION, name: 'a', labels: ['x y'], executors: 1, os: 'linux', arch: 'x64', hostname: 'h', nodeVersion: 'v', kilnVersion: 'k', workdir: '/w', session: null, received: 0 };
  assert.throws(() => d.decode(text(hello), false), violation(CloseCode.policy, /\/labels\/0/));
  assert.doesNotThrow(() => d.decode(text({ ...hello, labels: ['x'] }), false));
  assert.throws(() => d.decode(text({ ...hello, labels: ['x'], name: '../etc' }), false), violation(CloseCode.policy, /\/name/));
});

test('frame kinds are enforced: bytes only in binary frames, binary headers well-formed', () => {
  const d = agentDecoder();
  assert.throws(() => d.decode(text({ type: 'output', seq: 1, ack: 0, id: 1, n: 0, stream: 'stdout' }), false), violation(CloseCode.policy, /must come in a binary frame/));
  const hdr = Buffer.from(JSON.stringify({ type: 'done', seq: 1, ack: 0, id: 1 }));
  const frame = Buffer.concat([Buffer.from([0, 0, 0, hdr.length]), hdr]);
  assert.throws(() => d.decode(frame, true), violation(CloseCode.policy, /must come in a text frame/));
  assert.throws(() => d.decode(Buffer.from([0, 0]), true), violation(CloseCode.badData, /has no header/));
  assert.throws(() => d.decode(Buffer.from([0, 0, 0, 50, 1]), true), violation(CloseCode.badData, /bad header length/));
  assert.throws(() => d.decode(Buffer.from([0x7f, 0xff, 0xff, 0xff]), true), violation(CloseCode.badData, /bad header length/));
});

test('each side accepts only its peer\'s message types', () => {
  const req = text({ type: 'mkdir', seq: 1, ack: 0, id: 1, ws: 1, path: '/w' });
  assert.doesNotThrow(() => controllerDecoder().decode(req, false));
  assert.throws(() => agentDecoder().decode(req, false), violation(CloseCode.policy, /unknown message type 'mkdir' from the agent/));
  const res = text({ type: 'done', seq: 1, ack: 0, id: 1 });
  assert.throws(() => controllerDecoder().decode(res, false), violation(CloseCode.policy, /unknown message type 'done' from the controller/));
});

test('close reasons fit in 123 bytes of UTF-8', () => {
  assert.equal(closeReason('short'), 'short');
  const long = closeReason('é'.repeat(200));
  assert.ok(Buffer.byteLength(long) <= 123);
  assert.equal(long, 'é'.repeat(61));
});

test('agent names and labels', () => {
  for (const ok of ['a', 'linux-1', 'pod.abc_1', 'A9']) assert.equal(isValidAgentName(ok), true, ok);
  for (const bad of ['', '-a', '.a', 'a b', 'a/b', 'a:b', 'x'.repeat(129)]) assert.equal(isValidAgentName(bad), false, bad);
  for (const ok of ['linux', 'java-17', 'os:linux', 'a.b/c']) assert.equal(isValidLabel(ok), true, ok);
  for (const bad of ['', 'a b', 'a&&b', '!x', '(x)', 'a,b', '"q"']) assert.equal(isValidLabel(bad), false, bad);
});
