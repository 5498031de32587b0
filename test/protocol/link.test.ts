// Reliable, ordered, exactly-once delivery of sequenced messages across reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Link, type LinkTransport } from '../../src/protocol/link.ts';
import { ProtocolViolation, controllerDecoder } from '../../src/protocol/codec.ts';

/** A transport that records frames, and a receiver that feeds them to the peer link. */
function wire(): { frames: { frame: Buffer | string; binary: boolean }[]; t: LinkTransport } {
  const frames: { frame: Buffer | string; binary: boolean }[] = [];
  return { frames, t: { send: (frame, binary) => { frames.push({ frame, binary }); } } };
}

const decoder = controllerDecoder();
/** Delivers recorded frames to `to`; returns the ids of the 'mkdir' messages handled (new ones only). */
function deliver(frames: { frame: Buffer | string; binary: boolean }[], to: Link): number[] {
  const handled: number[] = [];
  for (const f of frames.splice(0)) {
    const raw = typeof f.frame === 'string' ? Buffer.from(f.frame) : f.frame;
    const { msg } = decoder.decode(raw, f.binary);
    if (msg.type === 'ack') { to.acknowledged(msg.ack); continue; }
    if (msg.type === 'welcome') continue;
    if (to.receive(msg.seq, msg.ack, raw.length) && msg.type === 'mkdir') handled.push(msg.id);
  }
  return handled;
}

const mkdir = (id: number) => ({ type: 'mkdir', id, ws: 1, path: '/w' });

test('messages keep their order and are kept until acknowledged', () => {
  const a = new Link();
  const b = new Link({ ackEvery: 1000 });
  const w = wire();
  a.attach(w.t, 0);
  for (let i = 1; i <= 5; i++) a.send(mkdir(i));
  assert.equal(a.pending.frames, 5);
  assert.deepEqual(deliver(w.frames, b), [1, 2, 3, 4, 5]);
  assert.equal(b.received, 5);
  a.acknowledged(3);
  assert.equal(a.pending.frames, 2);
  a.acknowledged(5);
  assert.deepEqual(a.pending, { frames: 0, bytes: 0 });
});

test('after a reconnect only what the peer missed is sent again, and duplicates are ignored', () => {
  const a = new Link();
  const b = new Link();
  const w1 = wire();
  a.attach(w1.t, 0);
  for (let i = 1; i <= 4; i++) a.send(mkdir(i));
  const lost = w1.frames.splice(2); // messages 3 and 4 never arrive
  assert.deepEqual(deliver(w1.frames, b), [1, 2]);
  a.detach();
  a.send(mkdir(5)); // queued while disconnected
  assert.equal(lost.length, 2);
  const w2 = wire();
  a.attach(w2.t, b.received); // the handshake says: b has up to 2
  assert.deepEqual(deliver(w2.frames, b), [3, 4, 5]);
  // A peer that resends everything (it did not know what arrived) causes no double handling.
  const w3 = wire();
  const c = new Link();
  c.attach(w3.t, 0);
  for (let i = 1; i <= 3; i++) c.send(mkdir(i));
  const copy = [...w3.frames];
  const d = new Link();
  assert.deepEqual(deliver(w3.frames, d), [1, 2, 3]);
  assert.deepEqual(deliver(copy, d), []);
});

test('a gap or an ack of something never sent is a violation', () => {
  const b = new Link();
  assert.throws(() => b.receive(2, 0, 10), (e: unknown) => e instanceof ProtocolViolation && /out of order \(expected 1\)/.test(e.message));
  const a = new Link();
  a.send(mkdir(1));
  assert.throws(() => a.acknowledged(2), (e: unknown) => e instanceof ProtocolViolation && /never sent/.test(e.message));
  assert.throws(() => a.attach(wire().t, 7), ProtocolViolation);
});

test('acks ride on outgoing messages; a standalone ack follows a burst or a short delay', async () => {
  const a = new Link();
  const b = new Link({ ackEvery: 3, ackDelayMs: 10 });
  const wa = wire();
  const wb = wire();
  a.attach(wa.t, 0);
  b.attach(wb.t, 0);
  a.send(mkdir(1));
  a.send(mkdir(2));
  deliver(wa.frames, b);
  assert.equal(wb.frames.length, 0); // not yet
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(wb.frames.length, 1);
  assert.match(String(wb.frames[0]!.frame), /"type":"ack","ack":2/);
  deliver(wb.frames, a);
  assert.equal(a.pending.frames, 0);
  for (let i = 3; i <= 5; i++) a.send(mkdir(i));
  deliver(wa.frames, b);
  assert.equal(wb.frames.length, 1); // the third message triggered it at once
  b.send({ type: 'done', id: 1 });
  assert.match(String(wb.frames[1]!.frame), /"ack":5/); // piggybacked
});

test('many messages: the kept queue is trimmed as acks come', () => {
  const a = new Link();
  const w = wire();
  a.attach(w.t, 0);
  for (let i = 1; i <= 5000; i++) {
    a.send(mkdir(i));
    if (i % 100 === 0) a.acknowledged(i - 50);
  }
  assert.equal(a.pending.frames, 50);
  a.acknowledged(5000);
  assert.equal(a.pending.frames, 0);
});
