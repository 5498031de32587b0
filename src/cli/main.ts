// kiln <command> [options]: the single entry point. Each command lives in its own module,
// imported only when used so that `kiln` starts fast whatever it runs.
// node:fs through process.getBuiltinModule: an ESM import would load fs/promises (~1 MB) in every agent (util/fs-async.ts).
const { readFileSync } = process.getBuiltinModule('node:fs');

interface Command {
  summary: string;
  load: () => Promise<{ main: (argv: string[]) => Promise<number> }>;
}

const commands: Record<string, Command> = {
  lint: { summary: 'validate Jenkinsfiles: kiln lint FILE... [--json] [--list-steps]', load: () => import('./lint.ts') },
  run: { summary: 'run a Jenkinsfile on this machine, no server: kiln run [FILE] [-p K=V]...', load: () => import('./run.ts') },
  agent: { summary: 'connect this machine to a controller as a build agent: kiln agent --url URL --name N --secret S', load: () => import('./agent.ts') },
  controller: { summary: 'start the controller: kiln controller [--home DIR] [--port N] ...', load: () => import('./controller.ts') },
  job: { summary: 'manage jobs: kiln job create|update|list|get|delete', load: () => import('./remote.ts').then((m) => ({ main: m.job })) },
  build: { summary: 'start a build: kiln build JOB [-p K=V]... [--follow]', load: () => import('./remote.ts').then((m) => ({ main: m.build })) },
  logs: { summary: "print a build's console: kiln logs JOB[#N] [--follow]", load: () => import('./remote.ts').then((m) => ({ main: m.logs })) },
  abort: { summary: 'abort a build: kiln abort JOB#N', load: () => import('./remote.ts').then((m) => ({ main: m.abort })) },
  agents: { summary: 'list agents: kiln agents', load: () => import('./remote.ts').then((m) => ({ main: m.agents })) },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const lines = ['usage: kiln <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'kiln <command> --help for the options of one command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`kiln ${version()}\n`);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`kiln: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.main(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`kiln: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
