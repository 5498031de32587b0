// What `kiln run` gives the build-tool and report plugins (BuildServices.buildTools):
//   coverage     results collected and written to .kiln/runs/N/coverage.json at the end
//   htmlReport   publishHTML's files kept under .kiln/runs/N/htmlreports/<name>/ (open them
//                from disk; there is no server to sandbox them)
//   configFile   managed config files from the directory KILN_CONFIG_FILES_DIR names: the file
//                named by the id is the content (configFileProvider, withMaven's settings)
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { BuildToolsServices } from '../pipeline/steps/types.ts';
import { CONFIG_FILE_ID, MAX_CONFIG_FILE_BYTES, type CoverageRecord } from '../core/buildtools.ts';
import { keepStreamed, safeSegment } from '../controller/files.ts';
import { StepFailure } from '../core/errors.ts';

export function localBuildTools(o: { runDir: string; incomingDir: string; env: NodeJS.ProcessEnv; cwd: string }): { services: BuildToolsServices; finish(): Promise<void> } {
  const coverage: CoverageRecord[] = [];
  const configDir = o.env['KILN_CONFIG_FILES_DIR'] ? path.resolve(o.cwd, o.env['KILN_CONFIG_FILES_DIR']) : null;
  const services: BuildToolsServices = {
    coverage: { record: async (r) => { coverage.push(r); } },
    htmlReport: async (report, sources) => {
      const dir = path.join(o.runDir, 'htmlreports', safeSegment(report.name));
      await fsp.rm(dir, { recursive: true, force: true });
      for (const f of sources) {
        const dest = path.join(dir, f.path);
        if (!dest.startsWith(dir + path.sep)) throw new StepFailure(`publishHTML: '${f.path}' would leave the report's directory`);
        await keepStreamed(dest, await f.open(), f.mode, o.incomingDir, `publishHTML: cannot keep ${f.path}`);
      }
    },
    configFile: async (id) => {
      if (!configDir) throw new StepFailure(`no managed config file '${id}': kiln run reads them from the directory KILN_CONFIG_FILES_DIR names (a file named by the id), and it is not set`);
      if (!CONFIG_FILE_ID.test(id)) return null;
      const file = path.join(configDir, id);
      const st = await fsp.stat(file).catch(() => null);
      if (!st || !st.isFile()) return null;
      if (st.size > MAX_CONFIG_FILE_BYTES) throw new StepFailure(`the managed config file ${file} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
      return { id, name: id, type: 'custom', comment: '', content: await fsp.readFile(file, 'utf8') };
    },
  };
  return {
    services,
    finish: async () => {
      if (coverage.length > 0) await fsp.writeFile(path.join(o.runDir, 'coverage.json'), JSON.stringify(coverage, null, 2));
    },
  };
}
