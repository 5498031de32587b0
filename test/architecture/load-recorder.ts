// A module-load recorder for tests that check what a command loads (lint-loads.test.ts): given
// to Node with `--import`, it records the URL of every module the process resolves (Node 24's
// synchronous `module.registerHooks`, in this thread) and writes them, one per line, to the file
// named by KILN_LOAD_RECORD when the process exits.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const file = process.env.KILN_LOAD_RECORD;
if (!file) throw new Error('load-recorder: set KILN_LOAD_RECORD to the file to write');
const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const r = nextResolve(specifier, context);
    seen.add(r.url);
    return r;
  },
});
process.on('exit', () => writeFileSync(file, [...seen].join('\n') + '\n'));
