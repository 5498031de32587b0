// `readTrusted 'path'` under `kiln run`: the Jenkinsfile comes from the project directory, so the
// trusted files are that directory's (not the workspace, which the build may have changed).
// "Obtained <path> from <dir>"; a path leaving the directory ('..', absolute: refused by the step
// first) or a symbolic link out of it is refused; a missing file fails the step.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StepFailure } from '../core/errors.ts';

export function localReadTrusted(dir: string): (rel: string, signal: AbortSignal, say: (line: string) => void) => Promise<string> {
  return async (rel, _signal, say) => {
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep)) throw new StepFailure(`readTrusted: '${rel}' is not inside ${dir}`);
    let real: string;
    try {
      real = await fsp.realpath(file);
    } catch {
      throw new StepFailure(`${rel} not found in ${dir}`);
    }
    const root = await fsp.realpath(dir);
    if (!real.startsWith(root + path.sep)) throw new StepFailure(`readTrusted: '${rel}' is a symbolic link that leaves ${dir}: Kiln reads only files inside the project`);
    const st = await fsp.stat(real);
    if (!st.isFile()) throw new StepFailure(`${rel} not found in ${dir} (not a file)`);
    const text = await fsp.readFile(real, 'utf8');
    say(`Obtained ${rel} from ${dir}`);
    return text;
  };
}
