// configFileProvider (declared in index.ts), following config-file-provider's
// ConfigFileProviderStep: "provisioning config files...", each file looked up through
// BuildServices.buildTools.configFile (unknown: the step fails naming it), written to its
// targetLocation (inside the workspace) or to a fresh file in the workspace's @tmp (mode 0600),
// "copy managed file [name] to file:<path>", its variable set to the absolute path for the
// block; after the block, however it ends, the files are removed ("Deleting N temporary files").
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';

const VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

const configFileProvider: StepRun = async (ctx, args) => {
  const list = args.values['managedFiles'];
  const items = list === undefined || list === null ? [] : isList(list) ? list : [list];
  const specs = items.map((v: Value, i) => {
    if (!isMap(v) || v.get('$symbol') !== 'configFile') throw new StepFailure(`configFileProvider: managedFiles[${i}] must be configFile(fileId: '...')`);
    const get = (k: string) => { const x = v.get(k); return x === undefined || x === null || x === '' ? undefined : String(x); };
    const variable = get('variable');
    if (variable !== undefined && !VAR.test(variable)) throw new StepFailure(`configFileProvider: variable '${variable}' is not a valid environment variable name`);
    const target = get('targetLocation');
    if (target !== undefined && relPathProblem(target) !== null) throw new StepFailure(`configFileProvider: targetLocation '${target}': ${relPathProblem(target)}`);
    return { fileId: get('fileId') ?? '', target, variable, replaceTokens: v.get('replaceTokens') === true || v.get('replaceTokens') === 'true' };
  });
  if (specs.length === 0) throw new StepFailure("configFileProvider: no files given; write configFileProvider([configFile(fileId: 'id', variable: 'VAR')]) { ... }");
  const lookup = ctx.build.services.buildTools?.configFile;
  if (!lookup) throw new StepFailure('configFileProvider: this host has no managed config files');
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  ctx.log('provisioning config files...');
  const written: string[] = [];
  const env: Record<string, string> = {};
  try {
    for (const s of specs) {
      const f = await lookup(s.fileId);
      if (!f) throw new StepFailure(`configFileProvider: not able to provide the following file(s): ${s.fileId} (no managed config file with this id)`);
      const content = s.replaceTokens ? f.content.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => ctx.env[n] ?? m) : f.content;
      const dest = s.target ? path.join(base, s.target) : path.join(ws.tmp, `config${randomBytes(8).toString('hex')}tmp`);
      await ws.writeFile(dest, content, 0o600);
      written.push(dest);
      ctx.log(`copy managed file [${f.name}] to file:${dest}`);
      if (s.variable) env[s.variable] = dest;
    }
    return await ctx.runBody(args.body!, { env });
  } finally {
    if (written.length > 0) {
      ctx.log(`Deleting ${written.length} temporary files`);
      for (const f of written) await ws.remove(f).catch(() => {});
    }
  }
};

const runtime: PluginRuntime = { steps: { configFileProvider } };
export default runtime;
