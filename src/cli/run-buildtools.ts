// What `kiln run` gives the build-tool and report plugins (BuildServices.buildTools):
//   coverage     results collected and written to .kiln/runs/N/coverage.json at the end; the
//                reference for deltas and modified code is the newest earlier run's
//   performance  perfReport's reports written to .kiln/runs/N/performance.json at the end; earlier
//                runs' are the history the relative thresholds compare with
//   benchmark    the benchmark step's results written to .kiln/runs/N/benchmark.json at the end;
//                earlier runs' are the history its relative thresholds compare with
//   plot         the plot step's plots kept per project in .kiln/plots/<csvFileName>.json (every
//                run of the directory is a build of one job)
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
import type { PerformanceRecord } from '../core/performance.ts';
import type { BenchmarkRecord } from '../core/benchmark.ts';
import { PLOT_FILE_NAME, type PlotRecord } from '../core/plot.ts';

export function localBuildTools(o: { runDir: string; incomingDir: string; env: NodeJS.ProcessEnv; cwd: string }): { services: BuildToolsServices; finish(): Promise<void> } {
  const coverage: CoverageRecord[] = [];
  let performance: PerformanceRecord | null = null;
  let benchmark: BenchmarkRecord | null = null;
  let plotQueue: Promise<void> = Promise.resolve();
  const configDir = o.env['KILN_CONFIG_FILES_DIR'] ? path.resolve(o.cwd, o.env['KILN_CONFIG_FILES_DIR']) : null;
  const services: BuildToolsServices = {
    coverage: {
      record: async (r) => { coverage.push(r); },
      // The newest earlier run (.kiln/runs/N) with a result of that id.
      reference: async (id) => {
        const runs = path.dirname(o.runDir);
        for (let n = Number(path.basename(o.runDir)) - 1; n >= 1; n--) {
          const text = await fsp.readFile(path.join(runs, String(n), 'coverage.json'), 'utf8').catch(() => null);
          if (text === null) continue;
          let kept: unknown;
          try { kept = JSON.parse(text); } catch { continue; }
          const r = Array.isArray(kept) ? (kept as CoverageRecord[]).find((x) => x && x.id === id) : undefined;
          if (r) return { build: n, record: r };
        }
        return null;
      },
    },
    performance: {
      record: async (r) => { performance = performance ? { reports: [...performance.reports, ...r.reports], comparedWith: r.comparedWith ?? performance.comparedWith } : r; },
      history: async () => {
        const runs = path.dirname(o.runDir);
        const out: { build: number; result: string | null; record: PerformanceRecord | null }[] = [];
        for (let n = Number(path.basename(o.runDir)) - 1; n >= 1 && out.length < 100; n--) {
          const text = await fsp.readFile(path.join(runs, String(n), 'performance.json'), 'utf8').catch(() => null);
          let record: PerformanceRecord | null = null;
          try { record = text === null ? null : JSON.parse(text) as PerformanceRecord; } catch { record = null; }
          const result = await fsp.readFile(path.join(runs, String(n), 'build.json'), 'utf8').then((t) => { const r = (JSON.parse(t) as { result?: unknown }).result; return typeof r === 'string' ? r : null; }, () => null);
          out.push({ build: n, result, record: record && Array.isArray(record.reports) ? record : null });
        }
        return out;
      },
    },
    benchmark: {
      record: async (r) => { benchmark = benchmark ? { ...benchmark, files: [...benchmark.files, ...r.files], results: [...benchmark.results, ...r.results] } : r; },
      history: async () => {
        const runs = path.dirname(o.runDir);
        const out: { build: number; record: BenchmarkRecord }[] = [];
        for (let n = Number(path.basename(o.runDir)) - 1; n >= 1 && out.length < 100; n--) {
          const text = await fsp.readFile(path.join(runs, String(n), 'benchmark.json'), 'utf8').catch(() => null);
          if (text === null) continue;
          try {
            const record = JSON.parse(text) as BenchmarkRecord;
            if (record && Array.isArray(record.results)) out.push({ build: n, record });
          } catch { /* a damaged file is no history */ }
        }
        return out;
      },
    },
    plot: {
      // one change at a time (parallel branches may plot to one name)
      update: (name, change) => (plotQueue = plotQueue.catch(() => undefined).then(async () => {
        if (!PLOT_FILE_NAME.test(name)) throw new StepFailure(`plot: '${name}' is not a plain file name`);
        const runs = path.dirname(o.runDir);
        const file = path.join(path.dirname(runs), 'plots', `${name}.json`);
        let had: PlotRecord | null = null;
        try { had = JSON.parse(await fsp.readFile(file, 'utf8')) as PlotRecord; } catch { had = null; }
        const builds = new Set((await fsp.readdir(runs).catch(() => [])).filter((d) => /^\d+$/.test(d)).map(Number));
        const next = change(had && Array.isArray(had.points) ? had : null, builds);
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await fsp.writeFile(`${file}.tmp`, JSON.stringify(next));
        await fsp.rename(`${file}.tmp`, file);
      })),
    },
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
      if (benchmark) await fsp.writeFile(path.join(o.runDir, 'benchmark.json'), JSON.stringify(benchmark, null, 2));
      if (performance) await fsp.writeFile(path.join(o.runDir, 'performance.json'), JSON.stringify(performance, null, 2));
      if (coverage.length > 0) await fsp.writeFile(path.join(o.runDir, 'coverage.json'), JSON.stringify(coverage, null, 2));
    },
  };
}
