// The controller's home on disk, kept out of other users' reach, and what the controller says
// at start about builds that run on its own host.
//
// Why: <home> holds the store (users, API token hashes, encrypted credentials), the build logs
// and artifacts, and <home>/secrets holds the keys everything else rests on: credentials.key
// decrypts every credential, agent.key derives every agent's secret, initialAdminPassword
// unlocks a fresh Kiln. Another user of the machine (a local agent's user, a build running as
// that user) must not read any of it. Builds that run as the controller's own user (the
// controller's executors, an agent started as that user) can read all of it, and the
// controller's environment (/proc/<pid>/environ: KILN_ADMIN_TOKEN): only separate users keep
// builds out, so executors on the controller get a loud warning, like Jenkins' warning about
// building on the built-in node.
//
// How: `secureHome` runs before anything is written. The home becomes 0700 and the secrets
// directory 0700 with every file in it 0600; looser modes found there are tightened and said
// (a warning line each). A home the controller may not chmod (a volume owned by root with an
// fsGroup, in Kubernetes) is only warned about; secrets it cannot tighten stop the start,
// with what to do.
//
// Also here, for the start (compose.ts): `checkWritable` refuses a home that cannot take writes
// (full, read-only, not permitted) with the reason, and `controllerKey` reads or makes
// <home>/secrets/agent.key, from which agents' secrets and the controller's id derive.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../core/errors.ts';
import { ioErrorText } from './logstore.ts';
import { writeProbe } from './health.ts';

export class HomeError extends KilnError {
  constructor(message: string) {
    super('home.unsafe', message);
  }
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/** Makes `home` 0700, `home/secrets` 0700 and its files 0600, saying what it changed. */
export async function secureHome(home: string, log: (line: string) => void): Promise<void> {
  await fsp.mkdir(home, { recursive: true, mode: 0o700 });
  const st = await fsp.stat(home);
  if ((st.mode & 0o077) !== 0) {
    try {
      await fsp.chmod(home, 0o700);
      log(`WARNING: the controller's home ${home} was open to other users (mode ${octal(st.mode)}); made it 0700`);
    } catch (e) {
      log(`WARNING: the controller's home ${home} is open to other users (mode ${octal(st.mode)}) and could not be made 0700 (${(e as Error).message}); `
        + `its store and logs are readable by them unless its parent directory keeps them out (chmod 700 ${home} as its owner)`);
    }
  }
  const secrets = path.join(home, 'secrets');
  await fsp.mkdir(secrets, { recursive: true, mode: 0o700 });
  await tighten(secrets, 0o700, 'directory');
  for (const e of await fsp.readdir(secrets, { withFileTypes: true })) {
    if (e.isFile()) await tighten(path.join(secrets, e.name), 0o600, 'file');
  }

  async function tighten(p: string, mode: number, what: string): Promise<void> {
    const s = await fsp.stat(p);
    if ((s.mode & 0o077) === 0) return;
    try {
      await fsp.chmod(p, mode);
    } catch (e) {
      throw new HomeError(`the secrets ${what} ${p} is readable by other users (mode ${octal(s.mode)}) and could not be made ${octal(mode)}: ${(e as Error).message}. `
        + `Run chmod ${octal(mode)} ${p} as its owner (and the same for the other files in ${secrets}), then start Kiln again`);
    }
    log(`WARNING: the secrets ${what} ${p} was readable by other users (mode ${octal(s.mode)}); made it ${octal(mode)}. If other users had access, make new keys`);
  }
}

/** The warning for executors on the controller (null without them): for the log and for admins. */
export function controllerExecutorsWarning(executors: number, home: string): string | null {
  if (executors <= 0) return null;
  const who = typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'the same user';
  return `The controller runs builds itself (executors ${executors}): their steps run as the controller's own user (${who}), `
    + `so any pipeline on them can read ${path.join(home, 'secrets')} (the credentials key, the agent key), the store, and the controller's environment `
    + `(/proc/${process.pid}/environ, which holds the admin token): whoever can change a Jenkinsfile can become admin and decrypt every credential. `
    + 'Run builds on agents started as another user or on other hosts (docs/agents.md) and set executors to 0 (--executors / KILN_EXECUTORS / executors in kiln.yaml).';
}

/** The key agent secrets derive from: made once, kept in <home>/secrets/agent.key (0600). */
export async function controllerKey(home: string): Promise<string> {
  const file = path.join(home, 'secrets', 'agent.key');
  try {
    return (await fsp.readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(32).toString('hex');
    await fsp.writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return; // another start made it first: use that one
      await fsp.rm(file, { force: true }); // not a torn key for the next start to read
      throw new Error(`cannot write the agent key ${file}: ${ioErrorText(err)}`);
    });
    const read = (await fsp.readFile(file, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(read)) throw new Error(`the agent key ${file} is damaged (not 64 hex digits): remove it to make a new one (connected agents then need their new secrets)`);
    return read;
  }
}

/**
 * Refuses to start on a home that cannot take writes: writes, syncs and removes a small file in
 * the home and in its builds folder, and says why not (full, read-only, not permitted) and where.
 */
export async function checkWritable(home: string): Promise<void> {
  for (const dir of [home, path.join(home, 'builds')]) {
    try {
      // 0700 as secureHome wants the home; a recursive mkdir says ENOENT where the reason is
      // EROFS (or EPERM) further up, which the probe (in the nearest existing parent) tells.
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 }).catch(async (err: unknown) => {
        await writeProbe(dir)();
        throw err;
      });
      await writeProbe(dir)();
    } catch (err) {
      throw new Error(`${ioErrorText(err)} in ${dir}: Kiln needs to write there (its store, build logs and files); ${hint(err)}`);
    }
  }
}

function hint(err: unknown): string {
  switch ((err as { code?: string }).code) {
    case 'ENOSPC': case 'EDQUOT': return 'free some space (old builds, artifacts) and start again';
    case 'EROFS': return 'mount it read-write (or give --home another directory) and start again';
    case 'EPERM': case 'EACCES': return 'let the user Kiln runs as write there (owner, mode, immutable attribute) and start again';
    default: return 'fix it and start again';
  }
}
