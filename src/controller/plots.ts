// The controller's side of the plot step (the Plot plugin): each job's plots kept by csvFileName
// as `plots/<csvFileName>.json` in the job's directory of build files (Jenkins keeps a CSV of
// that name in the job's directory; no store table), and the route the job's Plots page reads:
//
//   GET /api/v1/jobs/:job/plots     the job's plots with their points, by group and title (viewer)
//
// Changes to one plot are serialized in this process (two builds of a job may plot at once).
// What is served is pruned as the plugin draws (Plot.reportBuild): builds older than numBuilds
// back from the job's newest, and builds that were deleted unless the plot keeps records. The
// values are numbers (non-numeric values are left out as the plugin leaves them out of the chart);
// point links are http(s) URLs or paths only (the step keeps no other), and the page opens them
// as plain links.
import type { FastifyInstance } from 'fastify';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Store } from '../store/types.ts';
import type { BuildFiles } from './files.ts';
import { safeSegment } from './files.ts';
import { ApiError } from './http-errors.ts';
import { Answer, answers, type TypeBoxProvider } from './api-schemas.ts';
import { PLOT_FILE_NAME, type PlotRecord, type PlotService } from '../core/plot.ts';
import { StepFailure } from '../core/errors.ts';

const MAX_PLOTS = 200;
const locks = new Map<string, Promise<unknown>>();

const plotsDir = (files: BuildFiles, jobId: string): string => path.join(files.root, safeSegment(jobId), 'plots');

async function readPlot(file: string): Promise<PlotRecord | null> {
  try {
    const r = JSON.parse(await fsp.readFile(file, 'utf8')) as PlotRecord;
    return r && typeof r === 'object' && Array.isArray(r.points) && r.config && typeof r.config === 'object' ? r : null;
  } catch {
    return null;
  }
}

/** The job's build numbers (its newest 1000). */
async function buildNumbers(store: Store, job: string): Promise<Set<number>> {
  const out = new Set<number>();
  let cursor: string | null = null;
  do {
    const page = await store.builds.list(job, { limit: 500, cursor });
    for (const b of page.builds) out.add(b.number);
    cursor = page.next;
  } while (cursor && out.size < 1000);
  return out;
}

/** BuildServices.buildTools.plot for a build of `job`. */
export function plotService(d: { store: Store; files: BuildFiles }, job: { id: string; name: string }): PlotService {
  return {
    update: async (name, change) => {
      if (!PLOT_FILE_NAME.test(name)) throw new StepFailure(`plot: '${name.slice(0, 200)}' is not a plain file name`);
      const dir = plotsDir(d.files, job.id);
      const file = path.join(dir, `${name}.json`);
      const before = locks.get(file) ?? Promise.resolve();
      const run = before.catch(() => undefined).then(async () => {
        const had = await readPlot(file);
        if (!had) {
          const count = (await fsp.readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json')).length;
          if (count >= MAX_PLOTS) throw new StepFailure(`plot: the job has ${MAX_PLOTS} plots already; reuse a csvFileName`);
        }
        const next = change(had, await buildNumbers(d.store, job.name));
        await fsp.mkdir(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await fsp.writeFile(tmp, JSON.stringify(next));
        await fsp.rename(tmp, file);
      });
      locks.set(file, run);
      try {
        await run;
      } finally {
        if (locks.get(file) === run) locks.delete(file);
      }
    },
  };
}

const PlotPoint = Answer({ build: Type.Integer(), value: Type.Number(), url: Type.String({ description: "the point's link ('' : none): an http(s) URL or a path" }) });
const Plot = Answer({
  csvFileName: Type.String(), title: Type.String(), group: Type.String(), yaxis: Type.String(),
  style: Type.String({ description: "line, lineSimple, line3d, area, stackedArea, bar, bar3d, stackedBar, stackedBar3d, waterfall ('' : line)" }),
  numBuilds: Type.String({ description: "builds shown back from the newest ('' : all)" }), useDescr: Type.Boolean(), keepRecords: Type.Boolean(), exclZero: Type.Boolean(), logarithmic: Type.Boolean(),
  yaxisMinimum: Type.Union([Type.Number(), Type.Null()]), yaxisMaximum: Type.Union([Type.Number(), Type.Null()]), displayTable: Type.Boolean(),
  builds: Type.Array(Answer({ number: Type.Integer(), time: Type.Integer({ description: 'the build\'s start, ms since the epoch' }) }), { description: 'the builds with points, oldest first' }),
  series: Type.Array(Answer({ label: Type.String(), points: Type.Array(PlotPoint) })),
});

const num = (s: string): number | null => (/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(s) ? Number(s) : null);

export function registerPlotRoutes(root: FastifyInstance, ctx: { store: Store; files: BuildFiles }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  app.get('/api/v1/jobs/:job/plots', {
    schema: {
      operationId: 'listJobPlots', tags: ['jobs'], summary: "The job's plots (the plot step): each with its configuration and its series' points per build, by group and title",
      params: Type.Object({ job: Type.String({ minLength: 1 }) }),
      response: answers({ 200: Answer({ plots: Type.Array(Plot) }) }),
    },
  }, async (req) => {
    const job = await ctx.store.jobs.get(req.params.job);
    if (!job) throw new ApiError('not-found', `no job named '${req.params.job}'`);
    const dir = plotsDir(ctx.files, job.id);
    const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && PLOT_FILE_NAME.test(f.slice(0, -5))).sort().slice(0, MAX_PLOTS);
    if (names.length === 0) return { plots: [] };
    const builds = await buildNumbers(ctx.store, job.name);
    const newest = builds.size ? Math.max(...builds) : 0;
    const oldestKnown = builds.size ? Math.min(...builds) : 0;
    const plots = [];
    for (const f of names) {
      const r = await readPlot(path.join(dir, f));
      if (!r) continue;
      const c = r.config;
      const n = /^\s*\d+\s*$/.test(String(c.numBuilds ?? '')) ? parseInt(String(c.numBuilds), 10) : Number.MAX_SAFE_INTEGER;
      const shown = r.points.filter((p) => Number.isInteger(p.build) && p.build >= newest + 1 - n
        && (c.keepRecords || builds.has(p.build) || (builds.size >= 1000 && p.build < oldestKnown)));
      const times = new Map<number, number>();
      const series = new Map<string, { build: number; value: number; url: string }[]>();
      for (const p of shown) {
        const v = num(String(p.value));
        if (v === null || !Number.isFinite(v)) continue;
        if (!times.has(p.build)) times.set(p.build, Number.isFinite(p.time) ? Math.trunc(p.time) : 0);
        const label = String(p.label);
        const pts = series.get(label) ?? [];
        // one value per build and series: the last (as the chart's dataset keeps it)
        const at = pts.findIndex((x) => x.build === p.build);
        const point = { build: p.build, value: v, url: typeof p.url === 'string' ? p.url : '' };
        if (at >= 0) pts[at] = point; else pts.push(point);
        series.set(label, pts);
      }
      plots.push({
        csvFileName: c.csvFileName, title: String(c.title ?? c.csvFileName), group: String(c.group ?? ''), yaxis: String(c.yaxis ?? ''), style: String(c.style ?? ''),
        numBuilds: String(c.numBuilds ?? ''), useDescr: !!c.useDescr, keepRecords: !!c.keepRecords, exclZero: !!c.exclZero, logarithmic: !!c.logarithmic,
        yaxisMinimum: num(String(c.yaxisMinimum ?? '')), yaxisMaximum: num(String(c.yaxisMaximum ?? '')), displayTable: !!c.displayTable,
        builds: [...times].sort((a, b) => a[0] - b[0]).map(([number, time]) => ({ number, time })),
        series: [...series].map(([label, points]) => ({ label, points: points.sort((a, b) => a.build - b.build) })),
      });
    }
    plots.sort((a, b) => a.group.localeCompare(b.group) || a.title.localeCompare(b.title));
    return { plots };
  });
}
