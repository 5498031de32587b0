// Frames ⇄ messages, with every incoming message checked against its schema (messages.ts).
//
// Why: an agent message is input at the edge like an HTTP body; it is turned into a typed value
// once, here, or refused. A refusal is a ProtocolViolation carrying the WebSocket close code
// and a short reason; the side that received the frame closes *that* connection with it.
//
// How: text frames hold one JSON message. Binary frames (types in `binaryTypes`: exec output,
// file and stdin chunks) hold a 4-byte big-endian header length, the JSON header, then the raw
// bytes, so output and files are never base64-encoded. Checkers are compiled on first use
// (schema.ts's compileCheck, which needs no TypeBox at run time) and kept.

import type { TSchema } from '@sinclair/typebox';
import { compileCheck, type Check } from './schema.ts';
import {
  CloseCode, MAX_HEADER_BYTES, agentMessages, binaryTypes, controllerMessages,
  type AgentMessage, type ControllerMessage,
} from './messages.ts';
import { KilnError } from '../core/errors.ts';

/** A frame that breaks the protocol: close the connection with `code` and `reason`. */
export class ProtocolViolation extends KilnError {
  readonly code: number;
  constructor(code: number, message: string) {
    super('protocol.violation', message);
    this.code = code;
  }
}

export interface Decoded<M> {
  msg: M;
  /** The bytes of a binary frame (empty buffer allowed); null for text frames. */
  data: Buffer | null;
}

/** Decodes and checks frames from one kind of peer. */
export class Decoder<M> {
  readonly #schemas: Readonly<Record<string, TSchema>>;
  readonly #checks = new Map<string, Check>();
  readonly #peer: string;

  constructor(schemas: Readonly<Record<string, TSchema>>, peer: string) {
    this.#schemas = schemas;
    this.#peer = peer;
  }

  decode(raw: Buffer, isBinary: boolean): Decoded<M> {
    let value: unknown;
    let data: Buffer | null = null;
    if (isBinary) {
      if (raw.length < 4) throw new ProtocolViolation(CloseCode.badData, `binary frame of ${raw.length} bytes from the ${this.#peer} has no header`);
      const len = raw.readUInt32BE(0);
      if (len > MAX_HEADER_BYTES || 4 + len > raw.length) {
        throw new ProtocolViolation(CloseCode.badData, `binary frame from the ${this.#peer} has a bad header length (${len})`);
      }
      value = parseJson(raw.subarray(4, 4 + len), this.#peer);
      data = raw.subarray(4 + len);
    } else {
      value = parseJson(raw, this.#peer);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ProtocolViolation(CloseCode.policy, `message from the ${this.#peer} is not an object`);
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string') throw new ProtocolViolation(CloseCode.policy, `message from the ${this.#peer} has no type`);
    if (!Object.hasOwn(this.#schemas, type)) {
      throw new ProtocolViolation(CloseCode.policy, `unknown message type '${type.slice(0, 40)}' from the ${this.#peer}`);
    }
    if (binaryTypes.has(type) !== isBinary) {
      throw new ProtocolViolation(CloseCode.policy, `'${type}' from the ${this.#peer} must come in a ${isBinary ? 'text' : 'binary'} frame`);
    }
    const first = this.#checker(type)(value);
    if (first) {
      const where = `${first.path || '/'}: ${first.message}`;
      throw new ProtocolViolation(CloseCode.policy, `bad '${type}' message from the ${this.#peer}: ${where}`);
    }
    return { msg: value as M, data };
  }

  #checker(type: string): Check {
    let c = this.#checks.get(type);
    if (!c) {
      c = compileCheck(this.#schemas[type]!);
      this.#checks.set(type, c);
    }
    return c;
  }
}

/** Frames the controller receives. */
export function agentDecoder(): Decoder<AgentMessage> {
  return new Decoder<AgentMessage>(agentMessages, 'agent');
}

/** Frames the agent receives. */
export function controllerDecoder(): Decoder<ControllerMessage> {
  return new Decoder<ControllerMessage>(controllerMessages, 'controller');
}

function parseJson(bytes: Buffer, peer: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProtocolViolation(CloseCode.badData, `frame from the ${peer} is not valid JSON`);
  }
}

export interface Frame {
  frame: Buffer | string;
  binary: boolean;
}

/** Encodes a message (with its bytes for binary types). */
export function encode(msg: { type: string }, data?: Buffer): Frame {
  const json = JSON.stringify(msg);
  if (!binaryTypes.has(msg.type)) return { frame: json, binary: false };
  const header = Buffer.from(json, 'utf8');
  const body = data ?? Buffer.alloc(0);
  const frame = Buffer.allocUnsafe(4 + header.length + body.length);
  frame.writeUInt32BE(header.length, 0);
  header.copy(frame, 4);
  body.copy(frame, 4 + header.length);
  return { frame, binary: true };
}

/** A WebSocket close reason: at most 123 bytes of UTF-8, cut on a character boundary. */
export function closeReason(text: string): string {
  let s = text;
  while (Buffer.byteLength(s, 'utf8') > 123) s = s.slice(0, -1);
  return s;
}
