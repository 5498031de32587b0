// The log of the controller: pino, one JSON object per line on stderr. (The agent writes the same
// records without pino: log-lines.ts, which holds the parts below that need no library and which
// this module re-exports.)
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
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { prettyLines, redactWith, REDACT_KEYS, REDACTED, type LogRecord, type LogSettings } from './log-lines.ts';

export {
  LOG_LEVELS, LogSettingsError, logSettings, REDACT_KEYS, REDACTED, safeUrl, lineLog, prettyLines, prettyLine,
  type LogFormat, type LogSettings, type LogFields, type LogLine, type LogRecord,
} from './log-lines.ts';

export type { Logger };

/** redactWith (log-lines.ts), errors made plain by pino's serializer. */
export function redact(v: unknown, depth = 0): unknown {
  return redactWith(v, (e) => pino.stdSerializers.err(e) as unknown as Record<string, unknown>, depth);
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

