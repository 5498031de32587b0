// The log's building blocks (src/util/log.ts): settings from the environment, secrets redacted
// at any depth and in URLs, the pretty form a person reads, and the line callbacks' levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  REDACTED, callbackLogger, createLogger, lineLog, logSettings, LogSettingsError, prettyLine, safeUrl, type LogRecord,
} from '../../src/util/log.ts';

/** A JSON logger (all levels) and the records it wrote. */
function collect(format: 'json' | 'pretty' = 'json'): { logger: ReturnType<typeof createLogger>; text: () => string; records: () => LogRecord[] } {
  let out = '';
  const logger = createLogger({ level: 'trace', format, stream: { write: (s: string) => { out += s; } } });
  return { logger, text: () => out, records: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord) };
}

test('settings: info and JSON by default, pretty on a terminal; KILN_LOG_LEVEL / KILN_LOG_FORMAT win; bad values are refused by name', () => {
  assert.deepEqual(logSettings({}, { tty: false }), { level: 'info', format: 'json' });
  assert.deepEqual(logSettings({}, { tty: true }), { level: 'info', format: 'pretty' });
  assert.deepEqual(logSettings({ KILN_LOG_LEVEL: 'DEBUG', KILN_LOG_FORMAT: 'json' }, { tty: true }), { level: 'debug', format: 'json' });
  assert.deepEqual(logSettings({ KILN_LOG_LEVEL: '', KILN_LOG_FORMAT: '' }, { tty: false, format: 'pretty' }), { level: 'info', format: 'pretty' });
  assert.throws(() => logSettings({ KILN_LOG_LEVEL: 'loud' }, { tty: false }), (e: unknown) => e instanceof LogSettingsError && /KILN_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent; got 'loud'/.test(e.message));
  assert.throws(() => logSettings({ KILN_LOG_FORMAT: 'xml' }, { tty: false }), /KILN_LOG_FORMAT: expected json or pretty; got 'xml'/);
});

test('JSON lines: level by name, ISO time, the message and the fields of child loggers', () => {
  const c = collect();
  c.logger.child({ job: 'team/app', build: 3 }).warn({ result: 'FAILURE' }, 'build finished');
  const [r] = c.records();
  assert.equal(r!.level, 'warn');
  assert.match(String(r!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual([r!.msg, r!['job'], r!['build'], r!['result']], ['build finished', 'team/app', 3, 'FAILURE']);
});

test('secrets are redacted wherever they are: headers (any case), cookies, password, secret, token fields, deep down, in errors and child loggers', () => {
  const c = collect();
  const secrets = ['s-hubsig', 's-hubsig1', 's-csrf', 's-csrf2', 's-apikey', 's-auth', 's-cookie', 's-setcookie', 's-pass', 's-secret', 's-token', 's-deep', 's-key', 's-gitlab', 's-child', 's-arr', 's-Auth', 's-err'];
  const err = Object.assign(new Error('the API refused'), { request: { headers: { Authorization: 'Bearer s-err' } } });
  c.logger.error({ err, client: { options: { headers: { Authorization: 'Bearer s-Auth' } } } }, 'a client failed');
  c.logger.info({
    req: { headers: { authorization: 'Bearer s-auth', cookie: 'kiln_session=s-cookie', 'x-gitlab-token': 's-gitlab', accept: 'text/html', 'x-hub-signature-256': 'sha256=s-hubsig', 'X-Hub-Signature': 'sha1=s-hubsig1', 'x-kiln-csrf': 's-csrf', 'x-api-key': 's-apikey' } },
    session: { csrfToken: 's-csrf2' },
    res: { headers: { 'set-cookie': 's-setcookie' } },
    password: 's-pass',
    credential: { id: 'deploy', secret: 's-secret', privateKey: 's-key' },
    a: { b: { c: { d: { e: { token: 's-deep' } } } } },
    token: 's-token',
    list: [{ password: 's-arr' }],
  }, 'with secrets');
  c.logger.child({ secret: 's-child' }).info('a child bound to a secret');
  const text = c.text();
  for (const s of secrets) assert.ok(!text.includes(s), `${s} is in the log:\n${text}`);
  const [e, r] = c.records();
  assert.equal((e!['err'] as any).type, 'Error');
  assert.equal((e!['err'] as any).message, 'the API refused');
  assert.match((e!['err'] as any).stack, /^Error: the API refused\n {4}at /);
  assert.equal((e!['err'] as any).request.headers.Authorization, REDACTED);
  assert.equal((r!['req'] as any).headers.authorization, REDACTED);
  assert.equal((r!['req'] as any).headers.accept, 'text/html', 'what is not secret stays');
  assert.equal((r!['credential'] as any).id, 'deploy');
  assert.equal((r!['a'] as any).b.c.d.e.token, REDACTED);
});

test('safeUrl hides the values of credential-like query parameters and nothing else', () => {
  assert.equal(safeUrl('/api/v1/jobs'), '/api/v1/jobs');
  assert.equal(safeUrl('/api/v1/jobs?limit=5&cursor=abc'), '/api/v1/jobs?limit=5&cursor=abc');
  assert.equal(safeUrl('/x?token=abc&start=1&private_token=p&Api%4Bey=k&sig=s&flag'), `/x?token=${REDACTED}&start=1&private_token=${REDACTED}&Api%4Bey=${REDACTED}&sig=${REDACTED}&flag`);
  assert.equal(safeUrl('/x?password=%E0%A4%A&x=1'), `/x?password=${REDACTED}&x=1`);
  // Other common names of credentials in URLs: JWTs, session ids, passwords abbreviated.
  assert.equal(safeUrl('/x?jwt=j&sid=s&pwd=p&pass=q&bearer=b&side=1'), `/x?jwt=${REDACTED}&sid=${REDACTED}&pwd=${REDACTED}&pass=${REDACTED}&bearer=${REDACTED}&side=1`);
});

test('the pretty form: local time, no level word for info, WARNING: once, fields that the message does not say, stacks indented', () => {
  const c = collect('pretty');
  c.logger.info({ url: 'http://k/', startMs: 12, store: 'sqlite' }, 'Kiln is ready at http://k/ (sqlite store, started in 12 ms)');
  c.logger.warn('WARNING: the home was open');
  c.logger.warn({ agent: 'w1' }, 'no sign of life');
  c.logger.child({ job: 'app', build: 2 }).info({ result: 'SUCCESS', durationMs: 1500, note: 'two words', label: 'l' }, 'build finished');
  c.logger.error({ err: new Error('boom') }, 'BUG: escaped');
  const lines = c.text().split('\n');
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} Kiln is ready at http:\/\/k\/ \(sqlite store, started in 12 ms\)$/);
  assert.match(lines[1]!, /^\d\d:\d\d:\d\d\.\d{3} WARNING: the home was open$/);
  assert.match(lines[2]!, /^\d\d:\d\d:\d\d\.\d{3} WARNING: no sign of life agent=w1$/);
  assert.match(lines[3]!, /^\d\d:\d\d:\d\d\.\d{3} build finished job=app build=2 result=SUCCESS durationMs=1500 note="two words" label=l$/);
  assert.match(lines[4]!, /^\d\d:\d\d:\d\d\.\d{3} ERROR: BUG: escaped$/);
  assert.match(lines[5]!, /^ {4}Error: boom$/);
  assert.match(lines[6]!, /^ {8}at /);
});

test('the pretty form cannot be forged: control characters are escaped, and a newline starts an indented continuation', () => {
  const line = prettyLine({ level: 'info', time: 0, msg: 'agent said \u001b[31mred\r\n12:00:00.000 WARNING: forged', agent: 'x\ny' }, { time: false });
  assert.equal(line, 'agent said \\u001b[31mred\\u000d\n    12:00:00.000 WARNING: forged agent="x\\ny"');
});

test('lineLog: WARNING: lines are warnings, BUG: lines errors, fields add context and may name the level', () => {
  const c = collect();
  const log = lineLog(c.logger);
  log('agent w1 is online', { agent: 'w1' });
  log('WARNING: careful');
  log('BUG: an error escaped');
  log('no sign of life', { level: 'warn', agent: 'w2' });
  assert.deepEqual(c.records().map((r) => [r.level, r.msg, r['agent'] ?? null]), [
    ['info', 'agent w1 is online', 'w1'],
    ['warn', 'WARNING: careful', null],
    ['error', 'BUG: an error escaped', null],
    ['warn', 'no sign of life', 'w2'],
  ]);
});

test('callbackLogger hands over each message with its record, from its level up, redacted', () => {
  const got: [string, LogRecord][] = [];
  const logger = callbackLogger((line, rec) => got.push([line, rec]));
  logger.debug('not at info');
  logger.info({ job: 'a', token: 'tk-1' }, 'build queued');
  assert.equal(got.length, 1);
  assert.equal(got[0]![0], 'build queued');
  assert.equal(got[0]![1]['job'], 'a');
  assert.equal(got[0]![1]['token'], REDACTED);
});

test('the agent\'s line logger writes the records pino writes: fields, bindings, levels, secrets redacted, pretty form', async () => {
  const { createLineLogger } = await import('../../src/util/log-lines.ts');
  const lines = { pino: [] as string[], light: [] as string[] };
  const use = (l: { child(b: Record<string, unknown>, o?: { level?: 'error' }): any }) => {
    const a = l.child({ agent: 'a1', token: 'tok-123' });
    a.info('connected');
    a.warn({ controller: 'http://c/', headers: { authorization: 'Bearer s3cret' } }, 'lost');
    a.debug('not shown');
    a.child({}, { level: 'error' }).info('quiet');
    a.error({ err: Object.assign(new Error('boom'), { code: 'E1' }) }, 'failed');
  };
  use(createLogger({ name: 'kiln-agent', stream: { write: (s: string) => lines.pino.push(s) } }));
  use(createLineLogger({ name: 'kiln-agent', stream: { write: (s: string) => lines.light.push(s) } }));
  const records = (xs: string[]) => xs.join('').split('\n').filter(Boolean).map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    delete r['time'];
    const err = r['err'] as Record<string, unknown> | undefined;
    return err ? { ...r, err: { type: err['type'], message: err['message'], code: err['code'] } } : r;
  });
  assert.deepEqual(records(lines.light), records(lines.pino));
  assert.equal(records(lines.light).length, 3);
  assert.ok(!lines.light.join('').includes('s3cret') && !lines.light.join('').includes('tok-123'));
  const pretty: string[] = [];
  createLineLogger({ name: 'kiln-agent', format: 'pretty', time: false, stream: { write: (s: string) => pretty.push(s) } }).child({ agent: 'a1' }).warn('lost');
  assert.deepEqual(pretty, ['WARNING: lost agent=a1\n']);
});
