// What `plot` does (declared in index.ts), as the Plot plugin's PlotBuilder.perform and
// Plot.addBuild: each series' file is looked up (an Ant pattern relative to the current
// directory; the first file found), read into points (series.ts: CSV, then XML, then properties
// series, as PlotBuilder orders them), and the points are added, with the build's number and
// start, to the job's plot of that csvFileName; points of builds older than numBuilds back, and
// (without keepRecords) of deleted builds, are dropped as Plot.savePlotData drops them.
// Console: "No plot data file found: <file>" and "Saving plot series data from: <file>" (the
// plugin says them for properties series; Kiln for every kind), a file it cannot read is said
// and left out, a build never fails because a series file is missing, as in Jenkins.
// Refused (the step fails): a csvFileName that is not a plain file name, a pattern leaving the
// workspace, an unknown key in a series, an unknown inclusionFlag or nodeType, an XPath outside
// the subset of xpath.ts.
import path from 'node:path/posix';
import { createHash } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { leavesWorkspace } from '../../pipeline/steps/report-patterns.ts';
import { MAX_PLOT_POINTS, PLOT_FILE_NAME, type PlotConfig, type PlotPointRecord, type PlotRecord } from '../../core/plot.ts';
import {
  INCLUSION_FLAGS, MAX_SERIES_POINTS, NODE_TYPES, PlotXmlError, csvPoints, parseXPath, propertiesPoint, xmlPoints,
  type InclusionFlag, type NodeType, type Point,
} from './series.ts';

/** A series file read whole: larger ones are left out (said on the console). */
export const MAX_SERIES_FILE_BYTES = 16 * 1024 * 1024;
const MAX_SERIES = 100;

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const bool = (v: Value | undefined): boolean => v === true || String(v) === 'true';

type SeriesSpec =
  | { kind: 'csv'; file: string; url: string | null; inclusionFlag: InclusionFlag; exclusionValues: string | null; displayTable: boolean }
  | { kind: 'xml'; file: string; url: string | null; xpath: ReturnType<typeof parseXPath>; nodeType: NodeType }
  | { kind: 'properties'; file: string; label: string };

const CLASSES = { csv: 'hudson.plugins.plot.CSVSeries', xml: 'hudson.plugins.plot.XMLSeries', properties: 'hudson.plugins.plot.PropertiesSeries' } as const;
const KEYS = { csv: ['file', 'url', 'inclusionFlag', 'exclusionValues', 'displayTableFlag'], xml: ['file', 'xpath', 'nodeType', 'url'], properties: ['file', 'label'] } as const;
const PARAM = { csv: 'csvSeries', xml: 'xmlSeries', properties: 'propertiesSeries' } as const;

function seriesOf(kind: 'csv' | 'xml' | 'properties', v: Value | undefined): SeriesSpec[] {
  if (v === undefined || v === null) return [];
  const items = isList(v) ? v : [v];
  if (items.length > MAX_SERIES) throw new StepFailure(`plot: more than ${MAX_SERIES} ${PARAM[kind]}`);
  return items.map((item, i): SeriesSpec => {
    const where = `${PARAM[kind]}[${i}]`;
    if (!isMap(item)) throw new StepFailure(`plot: ${where} must be a map like [file: 'data.${kind}']`);
    const m = new Map<string, Value>();
    for (const [k, val] of item) m.set(String(k), val);
    const unknown = [...m.keys()].filter((k) => k !== '$class' && !(KEYS[kind] as readonly string[]).includes(k));
    if (unknown.length) throw new StepFailure(`plot: WARNING: Unknown parameter(s) found for class type '${CLASSES[kind]}': ${unknown.join(',')}`);
    const file = str(m.get('file')).trim();
    if (!file) throw new StepFailure(`plot: ${where} has no file`);
    if (leavesWorkspace(file)) throw new StepFailure(`plot: ${where}: the file '${file}' leaves the workspace; series files are Ant patterns relative to the workspace (e.g. 'reports/data.${kind}')`);
    const url = m.get('url') === undefined || m.get('url') === null ? null : str(m.get('url'));
    if (kind === 'csv') {
      const flag = str(m.get('inclusionFlag')).trim() || 'OFF';
      if (!(INCLUSION_FLAGS as readonly string[]).includes(flag)) throw new StepFailure(`plot: ${where}: inclusionFlag '${flag}' is none of ${INCLUSION_FLAGS.join(', ')}`);
      const ex = m.get('exclusionValues');
      return { kind, file, url, inclusionFlag: flag as InclusionFlag, exclusionValues: ex === undefined || ex === null ? null : str(ex), displayTable: bool(m.get('displayTableFlag')) };
    }
    if (kind === 'xml') {
      const nodeType = str(m.get('nodeType')).trim() || 'NODESET';
      if (!(NODE_TYPES as readonly string[]).includes(nodeType)) throw new StepFailure(`plot: ${where}: nodeType '${nodeType}' is none of ${NODE_TYPES.join(', ')}`);
      const xp = str(m.get('xpath'));
      if (!xp.trim()) throw new StepFailure(`plot: ${where} has no xpath`);
      try {
        return { kind, file, url, xpath: parseXPath(xp), nodeType: nodeType as NodeType };
      } catch (e) {
        if (e instanceof PlotXmlError) throw new StepFailure(`plot: ${where}: ${e.message}`);
        throw e;
      }
    }
    return { kind, file, label: m.get('label') === undefined || m.get('label') === null ? 'Missing label' : str(m.get('label')) };
  });
}

/** The first file a series pattern finds (sorted), or null. */
async function firstFile(ctx: StepContext, base: string, pattern: string): Promise<string | null> {
  try {
    const found = (await ctx.workspace().glob(base, pattern)).filter((f) => !f.split('/').includes('..'));
    return found[0] ?? null;
  } catch (e) {
    throw new StepFailure(`plot: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Points old and new, pruned as Plot.savePlotData prunes (reportBuild), then cut to MAX_PLOT_POINTS. */
export function prune(points: PlotPointRecord[], o: { current: number; numBuilds: string; keepRecords: boolean; builds: ReadonlySet<number> }): PlotPointRecord[] {
  const n = /^\s*\d+\s*$/.test(o.numBuilds) ? parseInt(o.numBuilds, 10) : Number.MAX_SAFE_INTEGER;
  const oldestKnown = o.builds.size > 0 ? Math.min(...o.builds) : Number.MAX_SAFE_INTEGER;
  const kept = points.filter((p) => p.build >= o.current + 1 - n
    && (o.keepRecords || p.build === o.current || o.builds.has(p.build) || (o.builds.size >= 1000 && p.build < oldestKnown)));
  return kept.length > MAX_PLOT_POINTS ? kept.slice(kept.length - MAX_PLOT_POINTS) : kept;
}

const plot: StepRun = async (ctx, args) => {
  const v = args.values;
  const group = str(v.group);
  const title = str(v.title);
  let csvFileName = str(v.csvFileName).trim();
  if (csvFileName === '') csvFileName = `plot-${createHash('sha256').update(`${group}\n${title}`).digest('hex').slice(0, 16)}.csv`;
  if (!PLOT_FILE_NAME.test(csvFileName)) throw new StepFailure(`plot: csvFileName '${csvFileName.slice(0, 200)}' is not a plain file name (letters, digits, '.', '_' and '-', at most 120; e.g. 'plot-tests.csv'): the job keeps the plot's data under it`);
  const series = [...seriesOf('csv', v.csvSeries), ...seriesOf('xml', v.xmlSeries), ...seriesOf('properties', v.propertiesSeries)];
  if (series.length === 0) ctx.log('plot: no csvSeries, xmlSeries or propertiesSeries: nothing to record');
  const config: PlotConfig = {
    csvFileName, title: title || csvFileName, group, yaxis: str(v.yaxis), style: str(v.style), numBuilds: str(v.numBuilds).trim(),
    useDescr: bool(v.useDescr), keepRecords: bool(v.keepRecords), exclZero: bool(v.exclZero), logarithmic: bool(v.logarithmic),
    yaxisMinimum: str(v.yaxisMinimum).trim(), yaxisMaximum: str(v.yaxisMaximum).trim(),
    displayTable: series.some((x) => x.kind === 'csv' && x.displayTable),
  };
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const build = ctx.build.number;
  const time = ctx.build.startedAt ?? Date.now();
  const added: PlotPointRecord[] = [];
  for (const s of series) {
    const rel = await firstFile(ctx, base, s.file);
    if (rel === null) { ctx.log(`No plot data file found: ${s.file}`); continue; }
    const abs = path.join(base, rel);
    const shown = path.relative(ws.root, abs) || rel;
    let text: string;
    try {
      const st = await ws.stat(abs);
      if (st && st.size > MAX_SERIES_FILE_BYTES) { ctx.log(`plot: ${shown} is larger than ${MAX_SERIES_FILE_BYTES / 1024 / 1024} MiB (${st.size} bytes): left out`); continue; }
      const bytes = await ws.readFile(abs);
      if (bytes.length > MAX_SERIES_FILE_BYTES) { ctx.log(`plot: ${shown} is larger than ${MAX_SERIES_FILE_BYTES / 1024 / 1024} MiB: left out`); continue; }
      text = bytes.toString('utf8');
    } catch (e) {
      if (e instanceof WorkspaceError) { ctx.log(`plot: cannot read ${shown}: ${e.message}`); continue; }
      throw e;
    }
    ctx.log(`Saving plot series data from: ${shown}`);
    let points: Point[] = [];
    if (s.kind === 'csv') {
      const r = csvPoints(text, { inclusionFlag: s.inclusionFlag, exclusionValues: s.exclusionValues, url: s.url, build });
      if (r.cut) ctx.log(`plot: ${shown} has more than ${MAX_SERIES_POINTS} values: the rest are left out`);
      points = r.points;
    } else if (s.kind === 'xml') {
      try {
        points = xmlPoints(text, s.xpath, s.nodeType, { label: '', url: s.url, build });
      } catch (e) {
        if (!(e instanceof PlotXmlError)) throw e;
        ctx.log(`plot: ${shown}: ${e.message}`);
        continue;
      }
    } else {
      const p = propertiesPoint(text, s.label);
      if (p === null) { ctx.log(`Not creating point with null values: y=null label=${s.label} url=`); continue; }
      points = [p];
    }
    for (const p of points) added.push({ value: p.value, label: p.label, build, time, url: p.url });
  }
  const service = ctx.build.services.buildTools?.plot;
  if (!service) { ctx.log('plot: this host keeps no plots; the values are not recorded'); return null; }
  await service.update(csvFileName, (had, builds): PlotRecord => ({
    config,
    points: prune([...(had?.points ?? []), ...added], { current: build, numBuilds: config.numBuilds, keepRecords: config.keepRecords, builds }),
  }));
  return null;
};

const runtime: PluginRuntime = { steps: { plot } };
export default runtime;
