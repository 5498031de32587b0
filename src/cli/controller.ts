// kiln controller: starts the controller and says where to look. A controller that cannot start
// (a home on a full or read-only disk, a store it cannot open, ...) exits with status 1 and the
// reason on stderr; it never stays up half-started.
//
// Its log goes to stderr (util/log.ts): JSON lines, or one readable line per record when stderr
// is a terminal (KILN_LOG_FORMAT, KILN_LOG_LEVEL). The first lines say where Kiln listens
// ("Kiln is ready at URL") and, until it is set up, where the initial admin password is.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../controller/config.ts';
import { createLogger, logSettings, LogSettingsError } from '../util/log.ts';

const HELP = `usage: kiln controller [options]

Starts the Kiln controller: the REST API (and UI), the build queue, and the endpoint agents
connect to (WebSocket /agent on the same port).

options (each also from the environment or <home>/kiln.yaml; flags win):
  --home DIR            KILN_HOME          where everything is kept (default ~/.kiln)
  --port N              KILN_PORT          HTTP port (default 8080; 0 picks a free one)
  --host ADDR           KILN_HOST          address to listen on (default 127.0.0.1)
  --url URL             KILN_PUBLIC_URL    the URL people use to reach Kiln
  --agent-url URL       KILN_AGENT_URL     the URL agents dial (default: the public URL)
  --database-url URL    KILN_DATABASE_URL  PostgreSQL (default: embedded SQLite in the home)
  --executors N         KILN_EXECUTORS     executors on the controller itself (default 0)
  --agent-grace S       KILN_AGENT_GRACE   seconds a build waits for a lost agent (default 60)
  --config FILE         KILN_CONFIG        settings file (default <home>/kiln.yaml)

the log (stderr; environment only):
  KILN_LOG_LEVEL        fatal, error, warn, info (default), debug (adds health probes and
                        event streams), trace, silent
  KILN_LOG_FORMAT       json (default), or pretty: one readable line per record (the default
                        when stderr is a terminal)
`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        home: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, url: { type: 'string' }, 'agent-url': { type: 'string' },
        'database-url': { type: 'string' }, executors: { type: 'string' }, 'agent-grace': { type: 'string' }, config: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`kiln controller: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { help: _h, ...flags } = values;
  let config;
  let settings;
  try {
    config = loadConfig({ flags, env: process.env });
    settings = logSettings(process.env, { tty: process.stderr.isTTY === true });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof LogSettingsError) {
      process.stderr.write(`kiln controller: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { startController } = await import('../controller/compose.ts');
  const { HomeError } = await import('../controller/home.ts');
  const logger = createLogger({ ...settings, name: 'kiln-controller' });
  let c;
  try {
    c = await startController(config, { logger });
  } catch (err) {
    // A home whose secrets cannot be kept private says what to do itself (home.ts).
    process.stderr.write(err instanceof HomeError ? `kiln controller: ${err.message}\n` : `kiln controller: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    // startController closes what it opened; should anything still hold the event loop, the
    // process ends all the same once stderr is out.
    setTimeout(() => process.exit(1), 2000).unref();
    return 1;
  }
  // Every write and background task in the controller has an owner (a build that fails with the
  // reason, or the health); should one still escape, it is a bug to report, not a reason to end
  // every running build: logged with its stack, and the health says degraded.
  const started = c;
  process.on('unhandledRejection', (err: unknown) => {
    logger.error({ err }, 'BUG: an unhandled error (please report it; the controller goes on)');
    started.escaped(err);
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      logger.info('Kiln is stopping...');
      void c.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
