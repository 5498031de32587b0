// A module-load recorder for tests that check what a command loads (lint-loads.test.ts): given
// to Node with `--import`, it records the URL of every module the process resolves (Node 24's
// synchronous `module.registerHooks`, in this thread) and writes them, one per line, to the file
// named by KILN_LOAD_RECORD when the process exits. With KILN_LOAD_RECORD_BUILTINS=1 it also
// records, as `node:NAME`, the builtins taken with process.getBuiltinModule (which resolves
// nothing), as the agent takes its own.
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
if (process.env.KILN_LOAD_RECORD_BUILTINS === '1') {
  const getBuiltinModule = process.getBuiltinModule.bind(process);
  process.getBuiltinModule = ((id: string) => {
    seen.add(id.startsWith('node:') ? id : `node:${id}`);
    return getBuiltinModule(id);
  }) as typeof process.getBuiltinModule;
}
process.on('exit', () => writeFileSync(file, [...seen].join('\n') + '\n'));
