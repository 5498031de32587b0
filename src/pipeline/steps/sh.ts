// sh: runs a shell script on the node (or in the current container), like Jenkins: `/bin/sh -xe`
// (each command echoed with '+', stop at the first failing command) unless the script starts
// with its own #! line. Output streams to the console as it comes, byte for byte.
import { defineStep } from './types.ts';
import { StepFailure, interruptionOf } from './errors.ts';
import { bool, reqStr, str } from './args.ts';

export default defineStep({
  name: 'sh',
  doc: 'Run a shell script (/bin/sh -xe); returns its stdout or exit status when asked.',
  params: [
    { name: 'script', type: 'string', required: true, doc: 'the script; a first line #!/path picks another interpreter' },
    { name: 'returnStdout', type: 'boolean', doc: 'return standard output (not printed) instead of printing it' },
    { name: 'returnStatus', type: 'boolean', doc: 'return the exit status instead of failing on non-zero' },
    { name: 'label', type: 'string', doc: 'name shown for this step in the console and stage view' },
    { name: 'encoding', type: 'string', doc: 'character set of the output (default UTF-8)' },
  ],
  positional: 'script',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const script = reqStr(args, 'script', 'sh');
    const returnStdout = bool(args, 'returnStdout', false);
    const returnStatus = bool(args, 'returnStatus', false);
    if (returnStdout && returnStatus) throw new StepFailure('sh: returnStdout and returnStatus cannot both be true');
    const label = str(args, 'label');
    if (label) ctx.log(`[${label}]`);
    const ws = ctx.workspace();
    const cwd = ctx.cwd ?? ws.root;
    let argv: string[];
    const shebang = /^#!\s*(\S+)(.*)$/m.exec(script.split('\n', 1)[0] ?? '');
    if (shebang && script.startsWith('#!')) {
      // Jenkins writes the script to a file and runs it; the interpreter reads it from there.
      const file = `${ws.tmp}/script-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.sh`;
      await ws.writeFile(file, script, 0o755);
      argv = [file];
    } else {
      argv = ['/bin/sh', '-xe', '-c', script];
    }
    const out: Buffer[] = [];
    const result = await ws.exec({
      argv,
      cwd,
      env: { ...ctx.env },
      ...(ctx.container ? { container: ctx.container } : {}),
      signal: ctx.signal,
      onOutput: (chunk, stream) => {
        if (returnStdout && stream === 'stdout') out.push(chunk);
        else ctx.write(chunk, stream);
      },
    });
    if (result.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
    const code = result.exitCode ?? (result.signal ? 128 : 1);
    if (returnStatus) return code;
    if (code !== 0) {
      throw new StepFailure(result.exitCode === null ? `script was killed by signal ${result.signal ?? '?'}` : `script returned exit code ${code}`);
    }
    if (returnStdout) {
      const enc = str(args, 'encoding') ?? 'utf-8';
      try {
        return new TextDecoder(enc).decode(Buffer.concat(out));
      } catch {
        throw new StepFailure(`sh: unknown encoding '${enc}'`);
      }
    }
    return null;
  },
});
