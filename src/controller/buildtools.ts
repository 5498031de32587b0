// The controller's side of the build-tool and report plugins (coverage, htmlpublisher, copyartifact,
// config-files, build-wrappers): what a build's BuildServices.buildTools does here, and the
// routes that serve it. Registered by compose.ts; the build manager asks `buildToolServices`.
//
//   GET    .../builds/:n/coverage                 the build's coverage results (viewer)
//   GET    .../builds/:n/html-reports             the build's HTML reports, each with its URL (viewer)
//   GET    .../builds/:n/performance              perfReport's reports, and the previous build's with some (viewer)
//   GET    /api/v1/jobs/:job/plots                the plot step's plots (plots.ts; viewer)
//   GET    .../builds/:n/benchmark                the benchmark step's results, and the earlier builds' values (viewer)
//   GET    .../builds/:n/html-reports/:report/*   a file of a report (viewer), SANDBOXED
//   GET    /api/v1/config-files                   managed config files, without content (admin)
//   GET|PUT|DELETE /api/v1/config-files/:id       one managed config file (admin; audit-logged)
//
// An HTML report is user HTML: it is served with `Content-Security-Policy: sandbox;
// default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'` (Jenkins' default for
// DirectoryBrowserSupport, plus inline styles): the page gets an opaque origin and runs no
// script, so nothing in it can read Kiln's cookies or call the API as the viewer. Paths are
// checked to stay inside the report's directory (no '..', no absolute part, no symlink out: the
// files are copied, never linked), and the content type comes from the extension only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Store } from '../store/types.ts';
import type { BuildFiles } from './files.ts';
import { inside, keepStreamed, safeSegment } from './files.ts';
import { ApiError } from './http-errors.ts';
import { Answer, AnyObject, NoContent, answers, documented, textAnswer, type TypeBoxProvider } from './api-schemas.ts';
import type { BuildToolsServices } from '../pipeline/steps/types.ts';
import { CONFIG_FILE_ID, COVERAGE_BASELINES, COVERAGE_METRICS, MAX_CONFIG_FILE_BYTES } from '../core/buildtools.ts';
import { relPathProblem } from '../pipeline/steps/files.ts';
import { StepFailure } from '../core/errors.ts';
import { fileReader } from '../util/files-stream.ts';
import type { PerformanceRecord, PerformanceService } from '../core/performance.ts';
import type { BenchmarkRecord, BenchmarkService } from '../core/benchmark.ts';
import { plotService, registerPlotRoutes } from './plots.ts';

export const HTML_REPORT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'";

/** What a build's steps reach on this controller (BuildServices.buildTools). */
export function buildToolServices(d: { store: Store; files: BuildFiles }, job: { id: string; name: string }, build: { id: string; number: number }): BuildToolsServices {
  return {
    coverage: {
      record: (r) => d.store.buildTools.addCoverage(build.id, r),
      // The newest earlier build of the job (of its last 100) with a result of that id.
      reference: async (id) => {
        const older = (await d.store.builds.list(job.name, { limit: 100 })).builds.filter((b) => b.number < build.number).sort((a, b) => b.number - a.number);
        for (const b of older) {
          const r = (await d.store.buildTools.listCoverage(b.id)).find((x) => x.id === id);
          if (r) return { build: b.number, record: r };
        }
        return null;
      },
    },
    performance: performanceService(d, job, build),
    benchmark: benchmarkService(d, job, build),
    plot: plotService(d, job),
    htmlReport: async (report, sources) => {
      const buildDir = d.files.dir(job.id, build.number);
      const rel = path.join('htmlreports', safeSegment(report.name));
      const dir = path.join(buildDir, rel);
      const incoming = path.join(buildDir, '.incoming');
      await fsp.rm(dir, { recursive: true, force: true });
      for (const f of sources) {
        const dest = inside(dir, f.path);
        if (!dest) throw new StepFailure(`publishHTML: '${f.path}' is not a plain path inside the report`);
        await keepStreamed(dest, await f.open(), f.mode & 0o644, incoming, `publishHTML: cannot keep ${f.path}`);
      }
      await d.store.buildTools.putHtmlReport(build.id, { name: report.name, dir: rel, files: report.files, keepAll: report.keepAll, alwaysLinkToLastBuild: report.alwaysLinkToLastBuild });
      if (!report.keepAll) {
        // keepAll: false: only the newest build keeps this report (Jenkins keeps it on the job).
        const older = (await d.store.builds.list(job.name, { limit: 100 })).builds;
        for (const b of older) {
          if (b.number >= build.number) continue;
          const has = (await d.store.buildTools.listHtmlReports(b.id)).find((x) => x.name === report.name);
          if (!has || has.keepAll) continue;
          await fsp.rm(path.join(d.files.dir(job.id, b.number), has.dir), { recursive: true, force: true });
          await d.store.buildTools.dropHtmlReport(b.id, report.name);
        }
      }
    },
    configFile: async (id) => {
      const f = await d.store.buildTools.getConfigFile(id);
      return f ? { id: f.id, name: f.name, type: f.type, comment: f.comment, content: f.content } : null;
    },
    // copyArtifacts: every user may read every job's builds and artifacts in Kiln (folders grant
    // changes, not reads), so a build may copy from any job, as its configurer could download them.
    artifactsOf: async (name, selector) => {
      const other = await d.store.jobs.get(name);
      if (!other) throw new StepFailure(`Unable to find project for artifact copy: ${name}`);
      const b = selector.kind === 'specific'
        ? await d.store.builds.getByNumber(name, selector.number ?? 0)
        : await d.store.builds.latest(name, {
          status: ['finished'],
          ...(selector.kind === 'lastSuccessful' ? { results: ['SUCCESS', 'UNSTABLE'] } : selector.kind === 'lastStable' ? { results: ['SUCCESS'] } : {}),
          ...(other.name === job.name ? { before: build.number } : {}),
        });
      if (!b || (other.name === job.name && b.number >= build.number)) return null;
      const files = (await d.store.artifacts.list(b.id)).flatMap((m) => {
        const src = d.files.artifactPath(other.id, b.number, m.path);
        return src ? [{
          path: m.path, mode: m.mode & 0o777,
          open: async () => {
            const fh = await fsp.open(src, 'r').catch((e: unknown) => { throw new StepFailure(`copyArtifacts: the artifact '${m.path}' of ${name} #${b.number} is missing from the controller's disk (${(e as NodeJS.ErrnoException).code ?? ''})`); });
            return fileReader(fh, (await fh.stat()).size);
          },
        }] : [];
      });
      return { job: other.name, number: b.number, files };
    },
  };
}

/**
 * perfReport's results: `performance.json` beside the build's files (one file per build, read
 * whole; a second perfReport in the build adds its reports), so no store table is needed; it
 * goes with the build's directory.
 */
function performanceService(d: { store: Store; files: BuildFiles }, job: { id: string; name: string }, build: { id: string; number: number }): PerformanceService {
  const file = path.join(d.files.dir(job.id, build.number), 'performance.json');
  return {
    record: async (r) => {
      const had = await readPerformance(file);
      const next: PerformanceRecord = had ? { reports: [...had.reports, ...r.reports], comparedWith: r.comparedWith ?? had.comparedWith } : r;
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(`${file}.tmp`, JSON.stringify(next));
      await fsp.rename(`${file}.tmp`, file);
    },
    history: async () => {
      const older = (await d.store.builds.list(job.name, { limit: 100 })).builds.filter((b) => b.number < build.number).sort((a, b) => b.number - a.number);
      return Promise.all(older.map(async (b) => ({ build: b.number, result: b.result ?? null, record: await readPerformance(path.join(d.files.dir(job.id, b.number), 'performance.json')) })));
    },
  };
}

/** The benchmark step's results: `benchmark.json` beside the build's files (as perfReport's; no store table). */
function benchmarkService(d: { store: Store; files: BuildFiles }, job: { id: string; name: string }, build: { id: string; number: number }): BenchmarkService {
  const file = path.join(d.files.dir(job.id, build.number), 'benchmark.json');
  return {
    record: async (r) => {
      const had = await readBenchmark(file);
      const next: BenchmarkRecord = had ? { ...had, files: [...had.files, ...r.files], results: [...had.results, ...r.results], ...(had.truncated || r.truncated ? { truncated: true } : {}) } : r;
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(`${file}.tmp`, JSON.stringify(next));
      await fsp.rename(`${file}.tmp`, file);
    },
    history: async () => {
      const older = (await d.store.builds.list(job.name, { limit: 100 })).builds.filter((b) => b.number < build.number).sort((a, b) => b.number - a.number);
      const out: { build: number; record: BenchmarkRecord }[] = [];
      for (const b of older) {
        const record = await readBenchmark(path.join(d.files.dir(job.id, b.number), 'benchmark.json'));
        if (record) out.push({ build: b.number, record });
      }
      return out;
    },
  };
}

async function readBenchmark(file: string): Promise<BenchmarkRecord | null> {
  const text = await fsp.readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as BenchmarkRecord;
    return r && Array.isArray(r.results) && Array.isArray(r.files) ? r : null;
  } catch {
    return null;
  }
}

async function readPerformance(file: string): Promise<PerformanceRecord | null> {
  const text = await fsp.readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as PerformanceRecord;
    return r && Array.isArray(r.reports) ? r : null;
  } catch {
    return null;
  }
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.gif': 'image/gif', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.ico': 'image/x-icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.csv': 'text/csv; charset=utf-8',
};

const Counter = Answer({ metric: Type.String(), covered: Type.Integer(), missed: Type.Integer() });
const Gate = Answer({
  metric: Type.String(), name: Type.String(), threshold: Type.Number(), actual: Type.Number(),
  criticality: Type.String({ enum: ['NOTE', 'UNSTABLE', 'ERROR', 'FAILURE'] }), missed: Type.Boolean(),
  baseline: Type.Optional(Type.String({ enum: [...COVERAGE_BASELINES] })), inactive: Type.Optional(Type.Boolean({ description: 'the value could not be computed (no reference build, no modified lines)' })),
});
const CoverageResult = Answer({
  id: Type.String(), name: Type.String(), parsers: Type.Array(Type.String()), reports: Type.Array(Type.String()),
  metrics: Type.Array(Counter, { description: `totals per metric (${COVERAGE_METRICS.join(', ')})` }),
  files: Type.Array(Answer({ path: Type.String(), covered: Type.Integer(), missed: Type.Integer() }), { description: 'line coverage per file, worst first (at most 1000)' }),
  qualityGate: Type.String({ enum: ['INACTIVE', 'PASSED', 'NOTE', 'WARNING', 'FAILED'] }), gates: Type.Array(Gate), errors: Type.Array(Type.String()),
  commit: Type.Optional(Type.String({ description: 'the commit the workspace had' })),
  reference: Type.Optional(Answer({ build: Type.Integer(), commit: Type.Union([Type.String(), Type.Null()]) })),
});
const HtmlReport = Answer({
  name: Type.String(), files: Type.Array(Type.String(), { description: 'the index pages' }), keepAll: Type.Boolean(), alwaysLinkToLastBuild: Type.Boolean(),
  url: Type.String({ description: 'the first index page, served sandboxed' }),
});
const ConfigFileSummary = { id: Type.String(), name: Type.String(), type: Type.String(), comment: Type.String(), updatedAt: Type.Integer(), updatedBy: Type.String() };
const ConfigFile = Answer({ ...ConfigFileSummary, content: Type.String() });
const ConfigFileBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })), type: Type.Optional(Type.String({ maxLength: 60, description: "custom, maven-settings, maven-global-settings, json, xml, properties..." })),
  comment: Type.Optional(Type.String({ maxLength: 2000 })), content: Type.String({ description: `at most ${MAX_CONFIG_FILE_BYTES} bytes` }),
});
const PerfStats = {
  samples: Type.Integer(), errors: Type.Integer(), errorPercent: Type.Number(), average: Type.Integer({ description: 'ms' }), median: Type.Integer({ description: 'ms' }),
  line90: Type.Integer({ description: 'the 90th percentile, ms' }), min: Type.Integer(), max: Type.Integer(),
};
const PerfReport = Answer({
  file: Type.String(), path: Type.String(), parser: Type.String({ enum: ['JMeter', 'JMeterCSV', 'JUnit', 'Taurus'] }), ...PerfStats,
  uris: Type.Array(Answer({ uri: Type.String(), httpCodes: Type.Array(Type.String()), ...PerfStats }), { description: 'per label, in label order' }),
  truncated: Type.Optional(Type.Boolean({ description: 'more labels than kept' })), result: Type.String({ enum: ['SUCCESS', 'UNSTABLE', 'FAILURE'] }),
});
const BenchValue = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);
const BenchResult = Answer({
  group: Type.String({ description: "its groups' names from the file's root, joined with ' / '" }), name: Type.String(), description: Type.String(), unit: Type.String(),
  type: Type.String({ enum: ['integer', 'double', 'boolean', 'string'] }), value: BenchValue,
  parameters: Type.Array(Answer({ name: Type.String(), value: BenchValue, unit: Type.String() })),
  thresholds: Type.Array(Type.String(), { description: 'the thresholds checked, as written' }), failed: Type.Boolean(), messages: Type.Array(Type.String()), file: Type.String(),
});
const buildParams = Type.Object({ job: Type.String({ minLength: 1 }), number: Type.Integer({ minimum: 1 }) });

export function registerBuildToolRoutes(root: FastifyInstance, ctx: { store: Store; files: BuildFiles; audit: (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void> }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  registerPlotRoutes(root, ctx); // plots.ts: GET /api/v1/jobs/:job/plots
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const needBuild = async (p: { job: string; number: number }) => {
    const b = await ctx.store.builds.getByNumber(p.job, p.number);
    const job = await ctx.store.jobs.get(p.job);
    if (!job) throw new ApiError('not-found', `no job named '${p.job}'`);
    if (!b) throw new ApiError('not-found', `${p.job} has no build #${p.number}`);
    return { b, job };
  };

  app.get('/api/v1/jobs/:job/builds/:number/coverage', {
    schema: { operationId: 'getBuildCoverage', tags: ['builds'], summary: "The build's coverage results (recordCoverage, jacoco, cobertura): totals per metric, quality gates", params: buildParams, response: answers({ 200: Answer({ results: Type.Array(CoverageResult) }) }) },
  }, async (req) => ({ results: await ctx.store.buildTools.listCoverage((await needBuild(req.params)).b.id) }));

  app.get('/api/v1/jobs/:job/builds/:number/performance', {
    schema: {
      operationId: 'getBuildPerformance', tags: ['builds'], summary: "The build's performance reports (perfReport), and those of the newest earlier build that has some (the trend)", params: buildParams,
      response: answers({ 200: Answer({ reports: Type.Array(PerfReport), comparedWith: Type.Union([Type.Integer(), Type.Null()], { description: 'the build the relative thresholds (modeOfThreshold) compared with; null: none' }), previous: Type.Union([Answer({ build: Type.Integer(), reports: Type.Array(PerfReport) }), Type.Null()]) }) }),
    },
  }, async (req) => {
    const { b, job } = await needBuild(req.params);
    const own = await readPerformance(path.join(ctx.files.dir(job.id, b.number), 'performance.json'));
    let previous: { build: number; reports: PerformanceRecord['reports'] } | null = null;
    for (const o of (await ctx.store.builds.list(b.job, { limit: 100 })).builds.filter((x) => x.number < b.number).sort((x, y) => y.number - x.number)) {
      const r = await readPerformance(path.join(ctx.files.dir(job.id, o.number), 'performance.json'));
      if (r) { previous = { build: o.number, reports: r.reports }; break; }
    }
    return { reports: own?.reports ?? [], comparedWith: own?.comparedWith ?? null, previous };
  });

  app.get('/api/v1/jobs/:job/builds/:number/benchmark', {
    schema: {
      operationId: 'getBuildBenchmark', tags: ['builds'], summary: "The build's benchmark results (the benchmark step), with the values of the same results in earlier builds (the trend, newest first)", params: buildParams,
      response: answers({ 200: Answer({
        schema: Type.Union([Type.String(), Type.Null()], { description: 'the schema the files were read with; null: no benchmark results' }), files: Type.Array(Type.String()), results: Type.Array(BenchResult),
        truncated: Type.Boolean(), history: Type.Array(Answer({ build: Type.Integer(), values: Type.Record(Type.String(), BenchValue, { description: "by result: group + ' / ' + name" }) })),
      }) }),
    },
  }, async (req) => {
    const { b, job } = await needBuild(req.params);
    const own = await readBenchmark(path.join(ctx.files.dir(job.id, b.number), 'benchmark.json'));
    const history: { build: number; values: Record<string, number | string | boolean | null> }[] = [];
    for (const o of (await ctx.store.builds.list(b.job, { limit: 100 })).builds.filter((x) => x.number < b.number).sort((x, y) => y.number - x.number)) {
      if (history.length >= 20) break;
      const r = await readBenchmark(path.join(ctx.files.dir(job.id, o.number), 'benchmark.json'));
      if (r) history.push({ build: o.number, values: Object.fromEntries(r.results.map((x) => [x.group ? `${x.group} / ${x.name}` : x.name, x.value])) });
    }
    return { schema: own?.schema ?? null, files: own?.files ?? [], results: own?.results ?? [], truncated: own?.truncated ?? false, history };
  });

  app.get('/api/v1/jobs/:job/builds/:number/html-reports', {
    schema: { operationId: 'listHtmlReports', tags: ['builds'], summary: "The build's HTML reports (publishHTML), each with the URL of its first page", params: buildParams, response: answers({ 200: Answer({ reports: Type.Array(HtmlReport) }) }) },
  }, async (req) => {
    const { b } = await needBuild(req.params);
    const base = `/api/v1/jobs/${encodeURIComponent(b.job)}/builds/${b.number}/html-reports/`;
    return {
      reports: (await ctx.store.buildTools.listHtmlReports(b.id)).map((r) => ({
        name: r.name, files: r.files, keepAll: r.keepAll, alwaysLinkToLastBuild: r.alwaysLinkToLastBuild,
        url: `${base}${encodeURIComponent(r.name)}/${(r.files[0] ?? 'index.html').split('/').map(encodeURIComponent).join('/')}`,
      })),
    };
  });

  app.get('/api/v1/jobs/:job/builds/:number/html-reports/:report/*', {
    schema: {
      operationId: 'getHtmlReportFile', tags: ['builds'], summary: "A file of a build's HTML report, served with a sandboxing Content-Security-Policy (no script runs, an opaque origin)",
      params: Type.Object({ job: Type.String({ minLength: 1 }), number: Type.Integer({ minimum: 1 }), report: Type.String({ minLength: 1, maxLength: 200 }), '*': Type.String({ description: 'the path inside the report' }) }),
      response: answers({ 200: textAnswer('text/html', 'the file (its type from its extension)') }),
    },
  }, async (req, reply) => {
    const { b, job } = await needBuild(req.params);
    const report = (await ctx.store.buildTools.listHtmlReports(b.id)).find((r) => r.name === req.params.report);
    if (!report) throw new ApiError('not-found', `${b.job} #${b.number} has no HTML report '${req.params.report}'`);
    const rel = req.params['*'] || report.files[0] || 'index.html';
    const dir = path.join(ctx.files.dir(job.id, b.number), report.dir);
    const file = relPathProblem(rel) === null ? inside(dir, rel) : null;
    if (!file) throw new ApiError('not-found', `the HTML report '${report.name}' has no file '${rel.slice(0, 200)}' (paths stay inside the report)`);
    const st = await fsp.lstat(file).catch(() => null);
    if (!st || !st.isFile()) throw new ApiError('not-found', `the HTML report '${report.name}' of ${b.job} #${b.number} has no file '${rel.slice(0, 200)}'`);
    reply.header('content-security-policy', HTML_REPORT_CSP).header('x-content-type-options', 'nosniff')
      .header('cross-origin-resource-policy', 'same-origin').header('cache-control', 'private, no-cache')
      .type(TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream').header('content-length', String(st.size));
    return reply.send(createReadStream(file));
  });

  const tags = ['settings'];
  const noStore = { 'cache-control': 'no-store' };
  app.get('/api/v1/config-files', {
    schema: { operationId: 'listConfigFiles', tags, summary: 'The managed config files (configFileProvider), without their content', response: answers({ 200: Answer({ files: Type.Array(Answer(ConfigFileSummary)) }) }) },
  }, async (_req, reply) => reply.headers(noStore).send({ files: (await ctx.store.buildTools.listConfigFiles()).map(({ content: _c, ...f }) => f) }));
  const idParams = Type.Object({ id: Type.String({ pattern: CONFIG_FILE_ID.source, description: "letters, digits, '.', '_', '-'" }) });
  app.get('/api/v1/config-files/:id', {
    schema: { operationId: 'getConfigFile', tags, summary: 'One managed config file with its content', params: idParams, response: answers({ 200: ConfigFile }) },
  }, async (req, reply) => {
    const f = await ctx.store.buildTools.getConfigFile(req.params.id);
    if (!f) throw new ApiError('not-found', `no managed config file '${req.params.id}'`);
    return reply.headers(noStore).send(f);
  });
  app.put('/api/v1/config-files/:id', {
    schema: { operationId: 'putConfigFile', tags, summary: 'Creates or replaces a managed config file', params: idParams, ...documented(AnyObject, ConfigFileBody), response: answers({ 200: ConfigFile }) },
  }, async (req) => {
    const body = req.body as Record<string, unknown>;
    for (const k of Object.keys(body)) if (!['name', 'type', 'comment', 'content'].includes(k)) throw new ApiError('invalid', `body/${k}: not a field of a config file (name, type, comment, content)`, { field: k });
    const field = (k: string, max: number, dflt: string): string => {
      const v = body[k];
      if (v === undefined || v === null) return dflt;
      if (typeof v !== 'string') throw new ApiError('invalid', `body/${k} must be a string`, { field: k });
      if (v.length > max) throw new ApiError('invalid', `body/${k} is longer than ${max} characters`, { field: k });
      return v;
    };
    if (typeof body['content'] !== 'string') throw new ApiError('invalid', 'body/content must be a string (the file\'s text)', { field: 'content' });
    const content = body['content'];
    if (Buffer.byteLength(content) > MAX_CONFIG_FILE_BYTES) throw new ApiError('too-large', `body/content is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    const f = await ctx.store.buildTools.putConfigFile({
      id: req.params.id, name: field('name', 200, req.params.id), type: field('type', 60, 'custom'), comment: field('comment', 2000, ''), content,
    }, actor(req));
    await ctx.audit({ actor: actor(req), action: 'config-file.put', target: f.id, detail: `${f.type}, ${Buffer.byteLength(content)} bytes`, address: req.ip });
    return f;
  });
  app.delete('/api/v1/config-files/:id', {
    schema: { operationId: 'deleteConfigFile', tags, summary: 'Removes a managed config file', params: idParams, response: answers({ 204: NoContent }) },
  }, async (req, reply) => {
    if (!(await ctx.store.buildTools.deleteConfigFile(req.params.id))) throw new ApiError('not-found', `no managed config file '${req.params.id}'`);
    await ctx.audit({ actor: actor(req), action: 'config-file.delete', target: req.params.id, detail: '', address: req.ip });
    return reply.code(204).send();
  });
}
