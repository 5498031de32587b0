// The log of the controller and the agent: pino, one JSON object per line on stderr.
//
// Why pino: structured lines a log collector can filter (`{"level":"warn","job":"app",
// "build":3,...}`), child loggers that carry their context (a request's id, a build's job and
// number, an agent's name) on every line, and Fastify speaks it natively. Why our own pretty
// form instead of pino-pretty: pino-pretty is a transport (a worker thread, started with the
// process) or, in this thread, a dozen more dependencies; a person at a terminal needs one line
// per record, which the small formatter below writes synchronously (no line lost when the
// process exits), with nothing more to load at start.
//
// How:
// - `logSettings(env, { tty })` reads KILN_LOG_LEVEL (fatal, error, warn, info (default), debug,
//   trace, silent) and KILN_LOG_FORMAT (json, pretty); the format is pretty by default when
//   stderr is a terminal, JSON otherwise. A bad value throws LogSettingsError.
// - `createLogger(settings)` makes the root logger; `logger.child({ job, build })` etc. add context.
// - Secrets never reach the output: the fields named in REDACT_KEYS (authorization and cookie
//   headers, password, secret, token, ...) are replaced by "[redacted]" at any depth up to
//   six (`redact`, pino's log formatter), and `safeUrl` hides the values of credential-like query parameters in URLs. Messages
//   are text: they must not interpolate a secret.
// - Parts that only take a callback (`LogLine`: a line and optional fields) are given
//   `lineLog(logger)`: a line that starts with "WARNING:" is a warning, "BUG:" an error,
//   unless the fields name a level.
// - `callbackLogger(fn)` hands each record's message (and the record) to a function: tests
//   and embedders that start a controller in their process read its log that way.
import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';
import { KilnError } from '../core/errors.ts';

export type { Logger };

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
 * any depth up to MAX_DEPTH, and errors made plain (type, message, stack, their own fields:
 * redacted too). Copies only what changes. Class instances other than errors are left to
 * their serializers (Fastify's request and reply).
 *
 * Why not pino's `redact` option: it takes paths, so "any depth" means a wildcard path per
 * depth and key, and 80 wildcard paths cost a quarter of a millisecond per line.
 */
export function redact(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (v instanceof Error) return redactFields(pino.stdSerializers.err(v) as unknown as Record<string, unknown>, depth, true);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const r = redact(v[i], depth + 1);
      if (r !== v[i]) (out ??= v.slice())[i] = r;
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? redactFields(v as Record<string, unknown>, depth, false) : v;
}

function redactFields(o: Record<string, unknown>, depth: number, copy: boolean): Record<string, unknown> {
  let out: Record<string, unknown> | null = copy ? { ...o } : null;
  for (const k of Object.keys(o)) {
    const val = o[k];
    const r = SECRET_KEYS.has(k.toLowerCase()) ? REDACTED : redact(val, depth + 1);
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

/** Something pino can write to: process.stderr, a file stream, a test's collector. */
export interface LogStream { write(chunk: string): unknown }

/** The root logger: JSON lines (or the pretty form) on `stream`, process.stderr by default. */
export function createLogger(o: Partial<LogSettings> & { name?: string; stream?: LogStream; time?: boolean } = {}): Logger {
  const out = o.stream ?? process.stderr;
  const dest: DestinationStream = o.format === 'pretty' ? { write: (s: string) => { out.write(prettyLines(s, { time: o.time ?? true })); } } : out as DestinationStream;
  return pino({
    level: o.level ?? 'info',
    ...(o.name ? { name: o.name } : {}),
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      // "level":"warn" rather than 40: what a person grepping the lines looks for.
      level: (label) => ({ level: label }),
      // Secrets out of every record and of child loggers' fields; errors made plain on the way.
      log: (obj) => redact(obj) as Record<string, unknown>,
      bindings: (bindings) => redact(bindings) as Record<string, unknown>,
    },
    // An `err` is plain by now (redact): kept as it is, not serialized again.
    serializers: { err: (e: unknown) => redact(e) },
    // Child loggers' own fields skip the formatters: their top-level secrets are pino's to hide.
    redact: { paths: REDACT_KEYS.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`)), censor: REDACTED },
  }, dest);
}

/** A logger that writes nothing (a controller started without a log). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' }, { write: () => {} });
}

/** One record as the JSON form has it. */
export type LogRecord = Record<string, unknown> & { level: string; msg?: string };

/** A logger that hands the message of each record at `level` or above to `fn`, with the whole record. */
export function callbackLogger(fn: (line: string, record: LogRecord) => void, level: LevelWithSilent = 'info'): Logger {
  return createLogger({
    level,
    format: 'json',
    stream: {
      write: (s: string) => {
        for (const line of s.split('\n')) {
          if (line === '') continue;
          const rec = JSON.parse(line) as LogRecord;
          fn(rec.msg ?? '', rec);
        }
      },
    },
  });
}

/** Context a part adds to one line (an agent's name, a cloud, a job and build number) and, optionally, its level. */
export interface LogFields { level?: Level; [field: string]: unknown }

/** How a part that takes a callback logs: a line, and optional fields. */
export type LogLine = (line: string, fields?: LogFields) => void;

/** The LogLine of `logger`: "WARNING: ..." lines are warnings, "BUG: ..." lines errors, unless `fields.level` says. */
export function lineLog(logger: Logger): LogLine {
  return (line, fields) => {
    const { level, ...rest } = fields ?? {};
    const lv: Level = level ?? (line.startsWith('WARNING:') ? 'warn' : line.startsWith('BUG:') ? 'error' : 'info');
    if (Object.keys(rest).length > 0) logger[lv](rest, line);
    else logger[lv](line);
  };
}

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
