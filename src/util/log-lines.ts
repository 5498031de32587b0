// The log's parts that need no logging library: settings (KILN_LOG_LEVEL, KILN_LOG_FORMAT),
// redaction of secrets, the `LogLine` callback, the pretty form, and `createLineLogger`, a small
// logger that writes the same records as util/log.ts's pino logger.
//
// Why apart from util/log.ts: the agent runs in every build pod, and pino (with its worker-thread
// transport, assert, module and url that it loads at once) costs it about 5 MB of resident
// memory, for a handful of lines a connection writes. The controller keeps pino (Fastify speaks
// it; its request log is hot); the agent uses `createLineLogger`. util/log.ts re-exports all of
// this, so other parts import from there as before.
//
// How `createLineLogger` writes: one JSON object per line, `{"level":"info","time":"<ISO>",
// "pid":..,"hostname":..,"name":..,<bindings>,<fields>,"msg":..}`, as pino does with
// util/log.ts's settings, or the pretty form of that record (prettyLine); synchronously, so no
// line is lost when the process exits. Bindings and fields pass through redactWith (secrets
// replaced, errors made plain) before they are written.
// node:os through process.getBuiltinModule, not an ESM import (the agent loads this; util/fs-async.ts).
const { hostname } = process.getBuiltinModule('node:os');
import { KilnError } from '../core/errors.ts';

/** pino's level names. */
export type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type LevelWithSilent = Level | 'silent';

export type LogFormat = 'json' | 'pretty';

export interface LogSettings {
  level: LevelWithSilent;
  format: LogFormat;
}

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A bad KILN_LOG_LEVEL or KILN_LOG_FORMAT. */
export class LogSettingsError extends KilnError {
  constructor(message: string) {
    super('logging.settings', message);
  }
}

/**
 * The level and format from KILN_LOG_LEVEL and KILN_LOG_FORMAT (empty = unset). Without a
 * format, `tty` (stderr is a terminal) means pretty; `level` is the default level.
 */
export function logSettings(env: NodeJS.ProcessEnv, o: { tty: boolean; level?: LevelWithSilent; format?: LogFormat }): LogSettings {
  const levelText = env['KILN_LOG_LEVEL']?.trim().toLowerCase() || '';
  const formatText = env['KILN_LOG_FORMAT']?.trim().toLowerCase() || '';
  if (levelText !== '' && !(LOG_LEVELS as readonly string[]).includes(levelText)) {
    throw new LogSettingsError(`KILN_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}; got '${env['KILN_LOG_LEVEL']}'`);
  }
  if (formatText !== '' && formatText !== 'json' && formatText !== 'pretty') {
    throw new LogSettingsError(`KILN_LOG_FORMAT: expected json or pretty; got '${env['KILN_LOG_FORMAT']}'`);
  }
  return {
    level: (levelText || o.level || 'info') as LevelWithSilent,
    format: (formatText || o.format || (o.tty ? 'pretty' : 'json')) as LogFormat,
  };
}

/**
 * Field names whose values are never logged, wherever they are. Compared as written: Node's
 * headers are lower case, a client library's error may hold them capitalised.
 */
export const REDACT_KEYS = [
  'authorization', 'Authorization', 'proxy-authorization', 'Proxy-Authorization', 'cookie', 'Cookie', 'set-cookie', 'Set-Cookie',
  'x-gitlab-token', 'X-Gitlab-Token', 'private-token', 'PRIVATE-TOKEN',
  // Webhook signatures (a valid one replays its body), the session's CSRF token, API keys.
  'x-hub-signature', 'X-Hub-Signature', 'x-hub-signature-256', 'X-Hub-Signature-256', 'x-kiln-csrf', 'X-Kiln-CSRF', 'csrfToken',
  'x-api-key', 'X-Api-Key',
  'password', 'passphrase', 'secret', 'token', 'accessToken', 'privateKey', 'keyData', 'client-key-data', 'adminToken',
] as const;

export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set<string>(REDACT_KEYS.map((k) => k.toLowerCase()));
/** How deep redact() looks into a record (objects nest deeper than any record of ours). */
const MAX_DEPTH = 6;

/**
 * `v` with the value of every field named in REDACT_KEYS (any case) replaced by [redacted], at
 * any depth up to MAX_DEPTH, and errors made plain by `plainError` (type, message, stack, their own fields:
 * redacted too). Copies only what changes. Class instances other than errors are left to
 * their serializers (Fastify's request and reply).
 *
 * Why not pino's `redact` option: it takes paths, so "any depth" means a wildcard path per
 * depth and key, and 80 wildcard paths cost a quarter of a millisecond per line.
 */
export function redactWith(v: unknown, plainError: (e: Error) => Record<string, unknown>, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (v instanceof Error) return redactFields(plainError(v), plainError, depth, true);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const r = redactWith(v[i], plainError, depth + 1);
      if (r !== v[i]) (out ??= v.slice())[i] = r;
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? redactFields(v as Record<string, unknown>, plainError, depth, false) : v;
}

function redactFields(o: Record<string, unknown>, plainError: (e: Error) => Record<string, unknown>, depth: number, copy: boolean): Record<string, unknown> {
  let out: Record<string, unknown> | null = copy ? { ...o } : null;
  for (const k of Object.keys(o)) {
    const val = o[k];
    const r = SECRET_KEYS.has(k.toLowerCase()) ? REDACTED : redactWith(val, plainError, depth + 1);
    if (r !== val) (out ??= { ...o })[k] = r;
  }
  return out ?? o;
}

/** A query parameter whose name says it carries a credential. */
const SECRET_PARAM = /token|secret|pass|pwd|auth|session|cookie|key|sig|credential|code|jwt|bearer|^sid$/i;

/** `url` (a request target: path and query) with the values of credential-like query parameters replaced by [redacted]. */
export function safeUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try { name = decodeURIComponent(rawName.replace(/\+/g, ' ')); } catch { /* a malformed name is judged as written */ }
    return eq >= 0 && SECRET_PARAM.test(name) ? `${rawName}=${REDACTED}` : pair;
  });
  return `${url.slice(0, q)}?${query.join('&')}`;
}

/** Context a part adds to one line (an agent's name, a cloud, a job and build number) and, optionally, its level. */
export interface LogFields { level?: Level; [field: string]: unknown }

/** How a part that takes a callback logs: a line, and optional fields. */
export type LogLine = (line: string, fields?: LogFields) => void;

/** The LogLine of `logger`: "WARNING: ..." lines are warnings, "BUG: ..." lines errors, unless `fields.level` says. */
export function lineLog(logger: LevelLogger): LogLine {
  return (line, fields) => {
    const { level, ...rest } = fields ?? {};
    const lv: Level = level ?? (line.startsWith('WARNING:') ? 'warn' : line.startsWith('BUG:') ? 'error' : 'info');
    if (Object.keys(rest).length > 0) logger[lv](rest, line);
    else logger[lv](line);
  };
}


/** What lineLog needs of a logger: a method per level taking fields and a message, or a message. */
export type LevelLogger = { [L in Level]: { (fields: object, msg: string): void; (msg: string): void } };

const LEVEL_VALUES: Record<LevelWithSilent, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** The small logger (see the header): pino's calls the agent makes, pino's records. */
export interface LineLogger extends LevelLogger {
  readonly level: LevelWithSilent;
  child(bindings: Record<string, unknown>, options?: { level?: LevelWithSilent }): LineLogger;
}

/** An error as a plain record: its type, message, stack and own fields (and its cause's, below). */
export function plainError(e: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.constructor?.name ?? 'Error', message: e.message, stack: e.stack ?? '' };
  for (const [k, v] of Object.entries(e)) if (!(k in out)) out[k] = v;
  if (e.cause instanceof Error && depth < 3) out['cause'] = plainError(e.cause, depth + 1);
  return out;
}

/** The root logger of createLineLogger: JSON lines (or the pretty form) on `stream`, process.stderr by default. */
export function createLineLogger(o: Partial<LogSettings> & { name?: string; stream?: { write(chunk: string): unknown }; time?: boolean } = {}): LineLogger {
  const out = o.stream ?? process.stderr;
  const pretty = o.format === 'pretty';
  const time = o.time ?? true;
  const base: Record<string, unknown> = { pid: process.pid, hostname: hostname(), ...(o.name ? { name: o.name } : {}) };
  const make = (bindings: Record<string, unknown>, level: LevelWithSilent): LineLogger => {
    const threshold = LEVEL_VALUES[level];
    const method = (lv: Level) => (a: object | string, b?: string): void => {
      if (LEVEL_VALUES[lv] < threshold) return;
      const fields = typeof a === 'string' ? {} : redactWith(a, plainError) as Record<string, unknown>;
      const msg = typeof a === 'string' ? a : b;
      const rec: Record<string, unknown> = { level: lv, time: new Date().toISOString(), ...bindings, ...fields, ...(msg !== undefined ? { msg } : {}) };
      out.write(pretty ? `${prettyLine(rec as LogRecord, { time })}\n` : `${JSON.stringify(rec)}\n`);
    };
    return {
      level,
      fatal: method('fatal'), error: method('error'), warn: method('warn'), info: method('info'), debug: method('debug'), trace: method('trace'),
      child: (more, options) => make({ ...bindings, ...(redactWith(more, plainError) as Record<string, unknown>) }, options?.level ?? level),
    };
  };
  return make(base, o.level ?? 'info');
}

/** One record as the JSON form has it. */
export type LogRecord = Record<string, unknown> & { level: string; msg?: string };

// ------------------------------------------------------------------------------- pretty form

const SKIP = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'name', 'err']);

/** The pretty form of pino's output (one or more JSON lines). */
export function prettyLines(chunk: string, o: { time: boolean }): string {
  let out = '';
  for (const line of chunk.split('\n')) {
    if (line === '') continue;
    let rec: LogRecord;
    try {
      rec = JSON.parse(line) as LogRecord;
    } catch {
      out += `${line}\n`;
      continue;
    }
    out += `${prettyLine(rec, o)}\n`;
  }
  return out;
}

/**
 * One record for a person: `12:03:04.567 WARNING: message key=value ...`, the time local, no
 * level word for info (most lines), no field whose value the message already says, the error's
 * stack indented below. Control characters are escaped and continuation lines indented, so no
 * value can pass for another record.
 */
export function prettyLine(rec: LogRecord, o: { time: boolean } = { time: true }): string {
  const parts: string[] = [];
  if (o.time && rec.time !== undefined) {
    const t = new Date(rec.time as string | number);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    parts.push(Number.isNaN(t.getTime()) ? String(rec.time) : `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`);
  }
  const msg = printable(typeof rec.msg === 'string' ? rec.msg : '');
  const word = rec.level === 'warn' ? 'WARNING' : String(rec.level ?? '').toUpperCase();
  parts.push(rec.level === 'info' || msg.startsWith(`${word}:`) ? msg : `${word}: ${msg}`);
  for (const [k, v] of Object.entries(rec)) {
    if (SKIP.has(k) || v === undefined) continue;
    // What the message already says (the URL of "Kiln is ready at URL", an agent's name) is not said twice.
    if ((typeof v === 'string' || typeof v === 'number') && says(msg, String(v))) continue;
    // A plain word as it is; anything else (spaces, quotes, objects) as JSON, which escapes control characters.
    const text = typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
    parts.push(`${printable(k)}=${printable(text)}`);
  }
  let line = parts.join(' ');
  const err = rec.err as { stack?: string; message?: string } | undefined;
  if (err && typeof err === 'object') line += `\n${printable(err.stack ?? err.message ?? JSON.stringify(err))}`;
  return line.replace(/\n/g, '\n    ');
}

/** Whether `text` is in `msg` as a whole: not inside a longer word or number ('l' is not in "build", 12 not in 1.125). */
function says(msg: string, text: string): boolean {
  if (text === '') return false;
  const word = (c: string | undefined) => c !== undefined && /\w/.test(c);
  const digit = (c: string | undefined) => c !== undefined && /\d/.test(c);
  // Position j continues a word or number: a word character, or a decimal point between digits.
  const continues = (j: number) => word(msg[j]) || (msg[j] === '.' && digit(msg[j - 1]) && digit(msg[j + 1]));
  for (let i = msg.indexOf(text); i >= 0; i = msg.indexOf(text, i + 1)) {
    const startOk = !word(text[0]) || !continues(i - 1);
    const endOk = !word(text.at(-1)) || !continues(i + text.length);
    if (startOk && endOk) return true;
  }
  return false;
}

/** `s` with control characters other than newlines escaped (\u001b ...). */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
